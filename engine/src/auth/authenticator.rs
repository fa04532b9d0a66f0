//! Turning the `authorization` metadata of a call into a [`Caller`].

use std::sync::Arc;
use std::time::Duration;

use tonic::metadata::MetadataMap;
use uuid::Uuid;

use super::caller::{Caller, Role, Scope};
use super::error::{AuthError, AuthResult};
use super::secrets::{SecretKind, digest};
use crate::store::{Store, credentials};

/// How long a verified API key is trusted without asking PostgreSQL again:
/// a revoked key stops working within this time.
pub const API_KEY_CACHE_TTL: Duration = Duration::from_secs(10);

/// Resolves credentials against the store.
#[derive(Clone)]
pub struct Authenticator {
    store: Store,
    /// Digest of a valid API key → its id and scopes. Internal services call
    /// constantly with the same key; a database round trip per call would
    /// cost more than serving a cached post. Sessions are not cached, so
    /// signing out takes effect at once.
    api_keys: moka::future::Cache<Vec<u8>, Arc<(Uuid, Vec<Scope>)>>,
}

impl Authenticator {
    /// An authenticator over `store`.
    pub fn new(store: Store) -> Self {
        let api_keys = moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(API_KEY_CACHE_TTL)
            .build();
        Self { store, api_keys }
    }

    /// Who sent a call with this metadata. Any failure is UNAUTHENTICATED,
    /// with no hint about which part of the credential was wrong.
    pub async fn caller(&self, metadata: &MetadataMap) -> AuthResult<Caller> {
        let credential = bearer(metadata)?;
        let secret_digest = digest(credential);
        match SecretKind::of(credential) {
            Some(SecretKind::ApiKey) => {
                let key = self
                    .api_keys
                    .try_get_with(secret_digest.clone(), self.load_api_key(secret_digest))
                    .await
                    .map_err(|error: Arc<AuthError>| match error.as_ref() {
                        AuthError::Unauthenticated(message) => AuthError::Unauthenticated(message),
                        _ => AuthError::Unavailable,
                    })?;
                Ok(Caller::Service {
                    key_id: key.0,
                    scopes: key.1.clone(),
                })
            }
            Some(SecretKind::Session) => {
                let mut conn = self.store.acquire().await?;
                let (id, role) = credentials::session_by_digest(&mut conn, &secret_digest)
                    .await?
                    .ok_or(AuthError::Unauthenticated(
                        "invalid or expired session; sign in again",
                    ))?;
                let role = Role::from_number(i32::from(role))
                    .ok_or(AuthError::Unauthenticated("invalid credentials"))?;
                Ok(Caller::Author {
                    id,
                    role,
                    session_digest: secret_digest,
                })
            }
            None => Err(AuthError::Unauthenticated("invalid credentials")),
        }
    }

    async fn load_api_key(&self, secret_digest: Vec<u8>) -> AuthResult<Arc<(Uuid, Vec<Scope>)>> {
        let mut conn = self.store.acquire().await?;
        let (key_id, names) = credentials::api_key_by_digest(&mut conn, &secret_digest)
            .await?
            .ok_or(AuthError::Unauthenticated("invalid credentials"))?;
        let scopes = names
            .iter()
            .filter_map(|name| Scope::parse(name).ok())
            .collect();
        Ok(Arc::new((key_id, scopes)))
    }
}

fn bearer(metadata: &MetadataMap) -> AuthResult<&str> {
    let value = metadata
        .get("authorization")
        .ok_or(AuthError::Unauthenticated(
            "missing credentials: send `authorization: Bearer <API key or session token>`",
        ))?;
    value
        .to_str()
        .ok()
        .and_then(|text| {
            text.strip_prefix("Bearer ")
                .or_else(|| text.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|credential| !credential.is_empty())
        .ok_or(AuthError::Unauthenticated(
            "malformed authorization metadata; expected `Bearer <credential>`",
        ))
}
