//! Integration tests: each test starts the real engine on an ephemeral port
//! and talks to it over gRPC with the generated clients.

mod harness;
mod health_and_reflection;
