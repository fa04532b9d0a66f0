//! The media library's heavy work, done once: what an upload is (from its
//! bytes), its cleaned original (upright, without metadata), and its variants.

pub mod encode;
pub mod format;
pub mod original;
pub mod variants;
pub mod worker;

pub use format::Format;
pub use original::{CleanError, Cleaned, Refusal, clean};

/// Most bytes of one upload (the contract's limit).
pub const MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;

/// Most bytes of one UploadMedia chunk.
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;

/// Most pixels of one image (all of an animation's frames together): what a
/// 50-megapixel camera makes. Checked from the header, before decoding.
pub const MAX_PIXELS: u64 = 50_000_000;

/// Longest side, in pixels: a 1 × 50,000,000 strip is no photo.
pub const MAX_SIDE: u32 = 20_000;
