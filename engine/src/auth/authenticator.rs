//! Turning the `authorization` metadata of a call into a [`Caller`].

use tonic::metadata::MetadataMap;

use super::caller::{Caller, Role, Scope};
use super::secrets::{SecretKind, digest};
use crate::grpc::status::{ApiError, ApiResult};
use crate::store::{Store, credentials};

/// Resolves credentials against the store.
#[derive(Clone)]
pub struct Authenticator {
    store: Store,
}

impl Authenticator {
    /// An authenticator over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Who sent a call with this metadata. Any failure is UNAUTHENTICATED,
    /// with no hint about which part of the credential was wrong.
    pub async fn caller(&self, metadata: &MetadataMap) -> ApiResult<Caller> {
        let credential = bearer(metadata)?;
        let secret_digest = digest(credential);
        let mut conn = self
            .store
            .pool()
            .acquire()
            .await
            .map_err(|error| ApiError::from(crate::store::StoreError::from(error)))?;
        match SecretKind::of(credential) {
            Some(SecretKind::ApiKey) => {
                let (key_id, names) = credentials::api_key_by_digest(&mut conn, &secret_digest)
                    .await?
                    .ok_or(ApiError::Unauthenticated("invalid credentials"))?;
                let scopes = names
                    .iter()
                    .filter_map(|name| Scope::parse(name).ok())
                    .collect();
                Ok(Caller::Service { key_id, scopes })
            }
            Some(SecretKind::Session) => {
                let (id, role) = credentials::session_by_digest(&mut conn, &secret_digest)
                    .await?
                    .ok_or(ApiError::Unauthenticated(
                        "invalid or expired session; sign in again",
                    ))?;
                let role = Role::from_number(i32::from(role))
                    .ok_or(ApiError::Unauthenticated("invalid credentials"))?;
                Ok(Caller::Author {
                    id,
                    role,
                    session_digest: secret_digest,
                })
            }
            None => Err(ApiError::Unauthenticated("invalid credentials")),
        }
    }
}

fn bearer(metadata: &MetadataMap) -> ApiResult<&str> {
    let value = metadata
        .get("authorization")
        .ok_or(ApiError::Unauthenticated(
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
        .ok_or(ApiError::Unauthenticated(
            "malformed authorization metadata; expected `Bearer <credential>`",
        ))
}
