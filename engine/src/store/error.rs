//! Errors of the storage layer.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or the caller may not see it).
    #[error("not found")]
    NotFound,
    /// The caller's etag no longer matches the stored version.
    #[error("the stored version has changed")]
    StaleEtag,
    /// A unique value (slug, email) is taken.
    #[error("{field} is already in use")]
    Taken {
        /// The request field holding the value.
        field: &'static str,
    },
    /// The database is known to be down (its liveness probe fails): the
    /// call was not attempted.
    #[error("the database is down")]
    Down,
    /// The database could not be reached in time.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Stored rows contradict an invariant the store maintains.
    #[error("inconsistent data: {0}")]
    Inconsistent(&'static str),
    /// Any other database failure.
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(error)
            }
            _ => Self::Database(error),
        }
    }
}

/// Maps a unique-constraint violation on `constraint` to [`StoreError::Taken`].
pub fn taken_if_unique(error: sqlx::Error, constraint: &str, field: &'static str) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
        && db.constraint() == Some(constraint)
    {
        return StoreError::Taken { field };
    }
    StoreError::from(error)
}

/// PostgreSQL's SQLSTATE `too_many_connections`: `max_connections` is
/// reached (or only the slots reserved for superusers are left).
const TOO_MANY_CONNECTIONS: &str = "53300";

/// Whether PostgreSQL refused a connection because its slots are taken.
pub(super) fn is_too_many_connections(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some(TOO_MANY_CONNECTIONS))
}

/// Logs why a PostgreSQL connection failed, naming the connection
/// budget when it is "too many clients".
pub fn log_connect_failure(error: &sqlx::Error) {
    if is_too_many_connections(error) {
        tracing::error!(
            %error,
            "PostgreSQL refuses new connections: too many clients. The pools of all engine \
             replicas together exceed what max_connections allows: keep replicas × \
             (QUIRE_DB_POOL_SIZE + 1) + jobs below max_connections − \
             superuser_reserved_connections (see the README, \"Connection budget\")"
        );
    } else {
        tracing::warn!(%error, "a PostgreSQL connection failed");
    }
}
