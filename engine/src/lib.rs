//! Quire's content engine: the quire.v1 gRPC API.
//!
//! [`startup::Application`] wires the parts together; `main.rs` only reads
//! configuration and runs it, so tests can start the same application on an
//! ephemeral port with settings of their own.

pub mod config;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
