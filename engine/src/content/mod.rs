//! The content workflow: every write to posts, as one function per action
//! (create, update, publish, schedule, unpublish, archive, delete, restore),
//! each within one transaction: load and lock, the one visibility and
//! permission rule, the etag check, the mutation, and the change it records
//! (with the cache tags it invalidates). The caller owns the transaction and
//! commits it, so that what it stores with the write (an idempotency key's
//! response) commits or rolls back with it. The gRPC services, the scheduler and future
//! importers call these; they parse input and map results, and hold no rule
//! of their own.

mod edit;
mod error;
pub mod posts;

pub use edit::{PostEdit, library_of};
pub use error::{ContentError, ContentResult};

use crate::store::posts::PostRecord;

/// A post as a write left it, and the change it recorded.
#[derive(Debug)]
pub struct Written {
    pub post: PostRecord,
    /// The recorded change's sequence; `None` when the write changed nothing.
    pub sequence: Option<i64>,
    /// The cache tags the write invalidated (empty when it changed nothing).
    pub cache_tags: Vec<String>,
}
