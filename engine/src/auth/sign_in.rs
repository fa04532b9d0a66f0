//! Signing an author in with email and password: throttled per account and
//! client, constant-time whether or not the account exists, ending in a
//! session.
//!
//! The throttle must not be a way to lock someone out: failures count per
//! (email, client), so a stranger's ten wrong passwords lock only the
//! stranger's client out of that account. Every client is slowed once an
//! account draws many failures from everywhere (a distributed guess), and an
//! admin can clear an account's failures ([`unlock`]).

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::{AuthError, AuthResult};
use super::password::{hash_password, verify_password};
use super::secrets::{Secret, SecretKind};
use crate::store::authors::{self, AuthorRecord};
use crate::store::{Store, credentials};

/// Failed sign-ins per account and client within [`THROTTLE_WINDOW_MINUTES`]
/// before that client's further attempts are refused.
const MAX_FAILURES_PER_CLIENT: i64 = 10;
/// Failures per account and client before its attempts are delayed.
const DELAY_AFTER_FAILURES: i64 = 5;
/// Failures per account from all clients before every attempt is delayed.
const ACCOUNT_FAILURES_TO_DELAY: i64 = 50;
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(2);
const THROTTLE_WINDOW_MINUTES: i32 = 15;

/// How long to wait before checking a password, after `from_client` recent
/// failures of this client and `from_all` of every client.
fn delay(from_client: i64, from_all: i64) -> Duration {
    let progressive = u32::try_from(from_client - DELAY_AFTER_FAILURES)
        .ok()
        .map_or(Duration::ZERO, |doublings| {
            FIRST_DELAY.saturating_mul(2u32.saturating_pow(doublings))
        });
    let account = if from_all >= ACCOUNT_FAILURES_TO_DELAY {
        MAX_DELAY
    } else {
        Duration::ZERO
    };
    progressive.max(account).min(MAX_DELAY)
}

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

/// Checks `password` for the author with `email`, signing in from
/// `client_key`, and opens a session that lasts `session_ttl`.
pub async fn sign_in(
    store: &Store,
    email: &str,
    client_key: &str,
    password: String,
    session_ttl: Duration,
) -> AuthResult<SignedIn> {
    let (from_client, from_all) = {
        let mut conn = store.acquire().await?;
        credentials::recent_sign_in_failures(&mut conn, email, client_key, THROTTLE_WINDOW_MINUTES)
            .await?
    };
    if from_client >= MAX_FAILURES_PER_CLIENT {
        return Err(AuthError::Throttled {
            retry_after: Duration::from_secs(THROTTLE_WINDOW_MINUTES as u64 * 60),
        });
    }
    // Without holding a connection: a slowed guesser must not starve the pool.
    tokio::time::sleep(delay(from_client, from_all)).await;
    let mut conn = store.acquire().await?;
    let found = authors::credentials_by_email(&mut conn, email).await?;
    let stored_hash = found
        .as_ref()
        .map(|(_, _, hash)| hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored_hash))
        .await
        .map_err(|error| AuthError::Internal(error.to_string()))?;
    let Some((author_id, _, _)) = found.filter(|_| matches) else {
        credentials::record_sign_in_failure(&mut conn, email, client_key).await?;
        return Err(AuthError::Unauthenticated("wrong email or password"));
    };
    credentials::clear_sign_in_failures(&mut conn, email, Some(client_key)).await?;
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

/// Forgets every failed sign-in of `author`'s account, from every client.
pub async fn unlock(store: &Store, author: &AuthorRecord) -> AuthResult<()> {
    let mut conn = store.acquire().await?;
    credentials::clear_sign_in_failures(&mut conn, &author.email, None).await?;
    Ok(())
}

/// Hashes a new password on the blocking pool (argon2 takes tens of ms).
pub async fn hash_in_background(password: String) -> AuthResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| AuthError::Internal(error.to_string()))?
        .map_err(|error| AuthError::Internal(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_per_client_and_cap_and_a_busy_account_slows_everyone() {
        assert_eq!(delay(4, 4), Duration::ZERO);
        assert_eq!(delay(5, 5), Duration::from_millis(100));
        assert_eq!(delay(7, 7), Duration::from_millis(400));
        assert_eq!(delay(9, 9), Duration::from_millis(1600));
        assert_eq!(delay(40, 40), MAX_DELAY);
        assert_eq!(delay(0, 60), MAX_DELAY);
    }
}
