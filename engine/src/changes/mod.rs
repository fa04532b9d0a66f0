//! The change log seen from above the store: what each write records
//! ([`record`]) and the cache tags it invalidates ([`cache_tags`]), the
//! contract's form of a change ([`wire`]), and a per-replica feed of "the log
//! grew" signals (PostgreSQL LISTEN/NOTIFY, with polling as a safety net)
//! that the WatchChanges streams and the cache follower wait on.

pub mod cache_tags;
mod feed;
pub mod record;
mod wire;

pub use feed::ChangeFeed;
pub use wire::{is_public, to_wire};
