//! Integration tests: each test starts the real engine on a database of its
//! own and talks to it over gRPC with the generated clients.

mod access;
mod admission;
mod bounds;
mod cache;
mod changes;
mod comments;
mod fault_proxy;
mod fuzz_decoding;
mod harness;
mod health_and_reflection;
mod idempotency;
mod imports;
mod liveness;
mod malformed;
mod media;
mod permissions_matrix;
mod posts;
mod raw_codec;
mod redis_server;
mod search;
mod tags_and_authors;
mod traces;
mod workflow;
