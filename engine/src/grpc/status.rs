//! The one place where errors become gRPC statuses.
//!
//! Every handler returns [`ApiError`]; this module decides the code, the
//! client-facing message and the structured details. Internal errors are
//! logged with their cause chain and answered with an opaque message, so SQL
//! and stack traces never reach a client.

use std::collections::HashMap;
use std::time::Duration;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::auth::AuthError;
use crate::content::ContentError;
use crate::domain::FieldViolations;
use crate::search::SearchError;
use crate::store::StoreError;

/// When a client should retry a call that answered UNAVAILABLE: the
/// liveness probe notices a recovery within a second.
const RETRY_UNAVAILABLE_AFTER: Duration = Duration::from_secs(1);

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; each violation names its field.
    #[error("invalid request")]
    InvalidArgument(FieldViolations),
    /// The resource does not exist, or the caller may not know it does.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique value is taken.
    #[error("{field} is already in use")]
    AlreadyExists {
        /// The request field holding the value.
        field: String,
    },
    /// An etag precondition failed (AIP-154).
    #[error("stale etag")]
    StaleEtag,
    /// The request is valid but the resource is not in a state that allows it.
    #[error("{0}")]
    FailedPrecondition(String),
    /// A position outside what is retained.
    #[error("{0}")]
    OutOfRange(String),
    /// No or invalid credentials.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// Valid credentials without the needed permission.
    #[error("{0}")]
    PermissionDenied(String),
    /// Too many requests from one client.
    #[error("{message}")]
    ResourceExhausted {
        /// What limit was hit.
        message: String,
        /// When trying again makes sense.
        retry_after: Duration,
    },
    /// A dependency is down or the engine is not ready; retrying may help.
    #[error("{0}")]
    Unavailable(&'static str),
    /// The work ran past its time budget.
    #[error("{0}")]
    DeadlineExceeded(&'static str),
    /// A status already produced elsewhere (by a cache fill shared between
    /// concurrent callers), passed on as it is.
    #[error("{0}")]
    Status(Status),
    /// A bug or an unexpected failure: logged, never described to the client.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// Shorthand for a single invalid field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::InvalidArgument(FieldViolations::single(field, description))
    }

    /// Shorthand for an unexpected failure.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }
}

impl From<Status> for ApiError {
    fn from(status: Status) -> Self {
        Self::Status(status)
    }
}

impl From<FieldViolations> for ApiError {
    fn from(violations: FieldViolations) -> Self {
        Self::InvalidArgument(violations)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound("resource"),
            StoreError::StaleEtag => Self::StaleEtag,
            StoreError::Taken { field } => Self::AlreadyExists {
                field: field.to_owned(),
            },
            StoreError::Unavailable(source) => {
                tracing::warn!(error = %source, "database unavailable");
                Self::Unavailable("the content store is unavailable; try again shortly")
            }
            // Known down: the liveness probe has said so (and logged it) already.
            StoreError::Down => {
                Self::Unavailable("the content store is unavailable; try again shortly")
            }
            error @ (StoreError::Database(_) | StoreError::Inconsistent(_)) => {
                Self::internal(error)
            }
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        let message = error.to_string();
        match error {
            AuthError::Unauthenticated(message) => Self::Unauthenticated(message),
            AuthError::PermissionDenied(message) => Self::PermissionDenied(message),
            AuthError::Unavailable => {
                Self::Unavailable("cannot check credentials right now; try again shortly")
            }
            AuthError::Throttled { retry_after } => Self::ResourceExhausted {
                message,
                retry_after,
            },
            error @ AuthError::Internal(_) => Self::internal(error),
            AuthError::Store(error) => error.into(),
        }
    }
}

impl From<AuthError> for Status {
    fn from(error: AuthError) -> Self {
        ApiError::from(error).into()
    }
}

impl From<ContentError> for ApiError {
    fn from(error: ContentError) -> Self {
        match error {
            ContentError::Invalid(violations) => Self::InvalidArgument(violations),
            ContentError::NotFound(what) => Self::NotFound(what),
            ContentError::StaleEtag => Self::StaleEtag,
            ContentError::Auth(error) => error.into(),
            ContentError::Store(error) => error.into(),
            error @ ContentError::Render(_) => Self::internal(error),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::Query(problem) => Self::invalid("query", problem),
            SearchError::TooSlow => Self::DeadlineExceeded(
                "the search took longer than its time budget; use fewer or more specific words",
            ),
            error @ (SearchError::Index(_) | SearchError::Stored(_)) => Self::internal(error),
        }
    }
}

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::InvalidArgument(violations) => {
                let summary = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.field, v.description))
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut details = ErrorDetails::new();
                for violation in violations.iter() {
                    details.add_bad_request_violation(
                        violation.field.clone(),
                        violation.description.clone(),
                    );
                }
                Status::with_error_details(Code::InvalidArgument, summary, details)
            }
            ApiError::NotFound(what) => Status::not_found(format!("{what} not found")),
            ApiError::AlreadyExists { field } => {
                let mut details = ErrorDetails::new();
                details.add_bad_request_violation(field.clone(), "is already in use");
                Status::with_error_details(
                    Code::AlreadyExists,
                    format!("{field} is already in use"),
                    details,
                )
            }
            ApiError::StaleEtag => Status::with_error_details(
                Code::Aborted,
                "the resource was changed by someone else since it was read (stale etag); read it again and retry",
                ErrorDetails::with_error_info("STALE_ETAG", "quire.v1", HashMap::new()),
            ),
            ApiError::FailedPrecondition(message) => Status::failed_precondition(message),
            ApiError::OutOfRange(message) => Status::out_of_range(message),
            ApiError::Unauthenticated(message) => Status::unauthenticated(message),
            ApiError::PermissionDenied(message) => Status::permission_denied(message),
            ApiError::ResourceExhausted {
                message,
                retry_after,
            } => {
                let details = ErrorDetails::with_retry_info(Some(retry_after));
                Status::with_error_details(Code::ResourceExhausted, message, details)
            }
            ApiError::Unavailable(message) => {
                let details = ErrorDetails::with_retry_info(Some(RETRY_UNAVAILABLE_AFTER));
                Status::with_error_details(Code::Unavailable, message, details)
            }
            ApiError::DeadlineExceeded(message) => Status::deadline_exceeded(message),
            ApiError::Status(status) => status,
            ApiError::Internal(source) => {
                tracing::error!(error = %error_chain(source.as_ref()), "internal error");
                Status::internal("internal error")
            }
        }
    }
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Maps a missing row to NOT_FOUND for `what`.
pub fn not_found(what: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |error| match error {
        StoreError::NotFound => ApiError::NotFound(what),
        other => other.into(),
    }
}

/// Maps a driver error (acquire, commit) through the store's classification.
pub fn store_error(error: sqlx::Error) -> ApiError {
    StoreError::from(error).into()
}

/// The result type of every handler body.
pub type ApiResult<T> = Result<T, ApiError>;
