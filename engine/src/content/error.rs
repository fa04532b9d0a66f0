//! Why a content write was refused. Converted to a gRPC status at the edge
//! (`grpc/status.rs`).

use crate::auth::AuthError;
use crate::domain::FieldViolations;
use crate::store::StoreError;

/// A refused or failed content write; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// The input is invalid; each violation names its request field.
    #[error("invalid request")]
    Invalid(FieldViolations),
    /// The item does not exist, or the caller may not know it does.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's etag is stale (AIP-154).
    #[error("stale etag")]
    StaleEtag,
    /// The caller may not do this.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The store failed (or a unique value is taken).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Rendering could not run (it panicked).
    #[error("rendering failed")]
    Render(#[source] crate::render::pool::RenderLost),
}

impl ContentError {
    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::Invalid(FieldViolations::single(field, description))
    }
}

impl From<FieldViolations> for ContentError {
    fn from(violations: FieldViolations) -> Self {
        Self::Invalid(violations)
    }
}

/// The result of a content write.
pub type ContentResult<T> = Result<T, ContentError>;
