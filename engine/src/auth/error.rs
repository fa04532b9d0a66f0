//! Why a caller was refused. The gRPC edge turns these into statuses
//! (`grpc/status.rs`); nothing here knows about gRPC.

use crate::store::StoreError;

/// A refused or unverifiable credential.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credential, or one that is not valid (no hint which part was wrong).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// A valid credential without the needed permission.
    #[error("{0}")]
    PermissionDenied(String),
    /// The credential could not be checked (the store did not answer).
    #[error("cannot check credentials right now; try again shortly")]
    Unavailable,
    /// Too many failed sign-ins for the account.
    #[error("too many failed sign-ins for this account; try again later")]
    Throttled {
        /// When trying again makes sense.
        retry_after: std::time::Duration,
    },
    /// Hashing or generating a secret failed (a bug or a broken system RNG).
    #[error("credential processing failed: {0}")]
    Internal(String),
    /// The store failed while checking the credential.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of an authentication or policy check.
pub type AuthResult<T> = Result<T, AuthError>;
