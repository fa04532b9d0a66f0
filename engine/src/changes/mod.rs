//! Following the change log: a per-replica feed of "the log grew" signals
//! (PostgreSQL LISTEN/NOTIFY, with polling as a safety net) that the
//! WatchChanges streams wait on.

mod feed;

pub use feed::ChangeFeed;
