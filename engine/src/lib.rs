//! Quire's content engine: the quire.v1 gRPC API over PostgreSQL.
//!
//! [`startup::Application`] wires the parts together; `main.rs` only reads
//! configuration and runs it, so tests can start the same application on an
//! ephemeral port with settings of their own.

pub mod auth;
pub mod cache;
pub mod changes;
pub mod cli;
pub mod config;
pub mod content;
pub mod domain;
pub mod grpc;
pub mod import;
pub mod media;
pub mod metrics;
pub mod render;
pub mod scheduler;
pub mod search;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod telemetry;
