//! Signing an author in with email and password: throttled per account,
//! constant-time whether or not the account exists, ending in a session.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::{AuthError, AuthResult};
use super::password::{hash_password, verify_password};
use super::secrets::{Secret, SecretKind};
use crate::store::authors::{self, AuthorRecord};
use crate::store::{Store, credentials};

/// Failed sign-ins per email within [`THROTTLE_WINDOW_MINUTES`] before further attempts are refused.
const MAX_SIGN_IN_FAILURES: i64 = 10;
const THROTTLE_WINDOW_MINUTES: i32 = 15;

/// Verified against when the email is unknown, so that timing does not tell
/// whether an account exists.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not a real password, only for timing").unwrap_or_default());

/// A new session.
pub struct SignedIn {
    /// The session token (secret).
    pub token: String,
    pub expire_time: DateTime<Utc>,
    pub author: AuthorRecord,
}

/// Checks `password` for the author with `email` and opens a session that
/// lasts `session_ttl`.
pub async fn sign_in(
    store: &Store,
    email: &str,
    password: String,
    session_ttl: Duration,
) -> AuthResult<SignedIn> {
    let mut conn = store.acquire().await?;
    let failures =
        credentials::recent_sign_in_failures(&mut conn, email, THROTTLE_WINDOW_MINUTES).await?;
    if failures >= MAX_SIGN_IN_FAILURES {
        return Err(AuthError::Throttled {
            retry_after: Duration::from_secs(THROTTLE_WINDOW_MINUTES as u64 * 60),
        });
    }
    let found = authors::credentials_by_email(&mut conn, email).await?;
    let stored_hash = found
        .as_ref()
        .map(|(_, _, hash)| hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored_hash))
        .await
        .map_err(|error| AuthError::Internal(error.to_string()))?;
    let Some((author_id, _, _)) = found.filter(|_| matches) else {
        credentials::record_sign_in_failure(&mut conn, email).await?;
        return Err(AuthError::Unauthenticated("wrong email or password"));
    };
    let secret = Secret::generate(SecretKind::Session)
        .map_err(|error| AuthError::Internal(error.to_string()))?;
    let ttl = chrono::Duration::from_std(session_ttl).unwrap_or(chrono::Duration::days(14));
    let expire_time = Utc::now() + ttl;
    credentials::insert_session(&mut conn, &secret.digest, author_id, expire_time).await?;
    let author = authors::get_by_id(&mut conn, author_id).await?;
    Ok(SignedIn {
        token: secret.text,
        expire_time,
        author,
    })
}

/// Hashes a new password on the blocking pool (argon2 takes tens of ms).
pub async fn hash_in_background(password: String) -> AuthResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| AuthError::Internal(error.to_string()))?
        .map_err(|error| AuthError::Internal(error.to_string()))
}
