//! The quire.v1 contract as Rust types, clients and server traits, generated
//! from `proto/` by `npm run generate`. Only this file is written by hand.

#![allow(clippy::all, missing_docs)]

/// Package `quire.v1`.
pub mod quire {
    /// Version 1 of the Quire API.
    pub mod v1 {
        include!("generated/quire.v1.rs");
    }
}

pub use quire::v1;

/// The encoded `FileDescriptorSet` of every quire.v1 file and its imports,
/// for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!("generated/quire_descriptor.binpb");

/// The encoded `FileDescriptorSet` of `google.rpc` error details
/// (`BadRequest`, `RetryInfo`, `ErrorInfo`, …) that statuses carry, so that
/// reflection clients can decode them.
pub const ERROR_DETAILS_FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!("generated/google_rpc_descriptor.binpb");
