//! quire.v1.AuthorService.

use std::time::Duration;

use quire_proto::v1;
use quire_proto::v1::author_service_server::AuthorService;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::author_fields::{
    PROFILE_PATHS, apply_profile, check_password, profile_of, public_profile_changed,
};
use super::idempotent::{Begun, Writes, key_of};
use super::mapping;
use super::status::{ApiError, ApiResult, not_found};
use super::update_mask::UpdateMask;
use crate::auth::{self, Authenticator, Caller, Role, hash_in_background, policy};
use crate::changes::record;
use crate::domain::{
    CLIENT_KEY_MAX, EMAIL_MAX, Etag, FieldViolations, PASSWORD_MAX, PageToken, Slug, check_text,
    page_size, parse_uuid,
};
use crate::store::authors::{self, AuthorProfile};
use crate::store::changes;
use crate::store::{Store, credentials};

/// The author API over the store.
pub struct AuthorApi {
    store: Store,
    auth: Authenticator,
    session_ttl: Duration,
    writes: Writes,
}

impl AuthorApi {
    /// An author API whose sessions last `session_ttl`.
    pub fn new(writes: Writes, auth: Authenticator, session_ttl: Duration) -> Self {
        Self {
            store: writes.store().clone(),
            writes,
            auth,
            session_ttl,
        }
    }

    async fn get(
        &self,
        caller: Caller,
        request: v1::GetAuthorRequest,
    ) -> ApiResult<v1::GetAuthorResponse> {
        policy::read_published(&caller)?;
        let mut conn = self.store.acquire().await?;
        let author = match request.key {
            Some(v1::get_author_request::Key::Id(id)) => {
                let id = parse_uuid(&id).map_err(|problem| ApiError::invalid("id", problem))?;
                authors::get_by_id(&mut conn, id).await
            }
            Some(v1::get_author_request::Key::Slug(slug)) => {
                let slug =
                    Slug::parse(&slug).map_err(|problem| ApiError::invalid("slug", problem))?;
                authors::get_by_slug(&mut conn, slug.as_str()).await
            }
            None => return Err(ApiError::invalid("key", "set either `id` or `slug`")),
        }
        .map_err(not_found("author"))?;
        let with_private_fields = policy::may_see_private_fields(&caller, author.id);
        Ok(v1::GetAuthorResponse {
            author: Some(mapping::author(author, with_private_fields)),
        })
    }

    async fn list(
        &self,
        caller: Caller,
        request: v1::ListAuthorsRequest,
    ) -> ApiResult<v1::ListAuthorsResponse> {
        policy::read_published(&caller)?;
        let mut violations = FieldViolations::new();
        let limit = violations
            .check("page_size", page_size(request.page_size, 50, 100))
            .unwrap_or(50);
        let after = match PageToken::decode(&request.page_token, &[], 2) {
            Ok(cursor) => match cursor
                .map(|c| Uuid::parse_str(&c[1]).map(|id| (c[0].clone(), id)))
                .transpose()
            {
                Ok(after) => after,
                Err(_) => {
                    violations.add(
                        "page_token",
                        "is not a page token from a previous response to this request",
                    );
                    None
                }
            },
            Err(problem) => {
                violations.add("page_token", problem);
                None
            }
        };
        violations.into_result()?;
        let mut conn = self.store.acquire().await?;
        let mut rows = authors::list(&mut conn, after, limit + 1).await?;
        let next_page_token = PageToken::next_page(&mut rows, limit, &[], |last| {
            vec![last.display_name.to_lowercase(), last.id.to_string()]
        });
        let authors = rows
            .into_iter()
            .map(|author| {
                let with_private_fields = policy::may_see_private_fields(&caller, author.id);
                mapping::author(author, with_private_fields)
            })
            .collect();
        Ok(v1::ListAuthorsResponse {
            authors,
            next_page_token,
        })
    }

    async fn create(
        &self,
        caller: Caller,
        mut request: v1::CreateAuthorRequest,
    ) -> ApiResult<v1::CreateAuthorResponse> {
        policy::manage_authors(&caller)?;
        // The password stays out of the stored fingerprint.
        let password = std::mem::take(&mut request.password);
        let key = key_of(
            "CreateAuthor",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let author = request
            .author
            .ok_or_else(|| ApiError::invalid("author", "is required"))?;
        let mut violations = FieldViolations::new();
        let mut profile = AuthorProfile {
            slug: String::new(),
            display_name: String::new(),
            email: String::new(),
            bio: String::new(),
            avatar_url: String::new(),
            website_url: String::new(),
            role: Role::Author as i16,
        };
        apply_profile(
            &author,
            &UpdateMask::all(&PROFILE_PATHS),
            &mut profile,
            &mut violations,
        );
        violations.check("password", check_password(&password));
        violations.into_result()?;
        let password_hash = hash_in_background(password).await?;
        let mut once = match self.writes.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let id = Uuid::new_v4();
        authors::insert(tx, id, &profile, &password_hash).await?;
        let created = authors::get_by_id(tx, id).await?;
        let response = v1::CreateAuthorResponse {
            author: Some(mapping::author(created, true)),
        };
        once.commit(&response).await?;
        Ok(response)
    }

    async fn update(
        &self,
        caller: Caller,
        mut request: v1::UpdateAuthorRequest,
    ) -> ApiResult<v1::UpdateAuthorResponse> {
        // The password stays out of the stored fingerprint.
        let new_password = std::mem::take(&mut request.new_password);
        let key = key_of(
            "UpdateAuthor",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let author = request
            .author
            .ok_or_else(|| ApiError::invalid("author", "is required"))?;
        let id =
            parse_uuid(&author.id).map_err(|problem| ApiError::invalid("author.id", problem))?;
        policy::update_author_profile(&caller, id)?;
        let mut violations = FieldViolations::new();
        // A password change alone needs no mask.
        let paths = UpdateMask::parse(
            request.update_mask.as_ref(),
            &PROFILE_PATHS,
            new_password.is_empty(),
            &mut violations,
        );
        if paths.has("role") && author.role != 0 {
            policy::manage_authors(&caller)?;
        }
        if !new_password.is_empty() {
            violations.check("new_password", check_password(&new_password));
        }
        let etag = violations
            .check("author.etag", Etag::parse_optional(&author.etag))
            .flatten();
        violations.clone().into_result()?;

        let password_hash = if new_password.is_empty() {
            None
        } else {
            Some(hash_in_background(new_password).await?)
        };
        let mut once = match self.writes.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let current = authors::lock(tx, id).await.map_err(not_found("author"))?;
        if etag.is_some_and(|etag| etag.version() != current.version) {
            return Err(ApiError::StaleEtag);
        }
        let mut profile = profile_of(&current);
        apply_profile(&author, &paths, &mut profile, &mut violations);
        violations.into_result()?;
        authors::update(tx, id, &profile, password_hash.as_deref()).await?;
        if password_hash.is_some() {
            let keep = match &caller {
                Caller::Author { session_digest, .. } => session_digest.clone(),
                Caller::Service { .. } => Vec::new(),
            };
            credentials::delete_other_sessions(tx, id, &keep).await?;
        }
        let updated = authors::get_by_id(tx, id).await?;
        let mut cache_tags = Vec::new();
        if public_profile_changed(&current, &updated) {
            let previous_slug = (current.slug != updated.slug).then_some(current.slug.as_str());
            let change = record::author_changed(&updated.slug, previous_slug);
            changes::record(tx, &change).await?;
            cache_tags = change.cache_tags;
        }
        let with_private_fields = policy::may_see_private_fields(&caller, id);
        let response = v1::UpdateAuthorResponse {
            author: Some(mapping::author(updated, with_private_fields)),
            cache_tags,
        };
        once.commit(&response).await?;
        Ok(response)
    }

    async fn sign_in(
        &self,
        request: v1::AuthenticateRequest,
    ) -> ApiResult<v1::AuthenticateResponse> {
        let mut violations = FieldViolations::new();
        violations.check("email", check_text(&request.email, true, EMAIL_MAX));
        violations.check(
            "password",
            check_text(&request.password, true, PASSWORD_MAX),
        );
        violations.check(
            "client_key",
            check_text(&request.client_key, false, CLIENT_KEY_MAX),
        );
        violations.into_result()?;
        let signed_in = auth::sign_in(
            &self.store,
            request.email.trim(),
            &request.client_key,
            request.password,
            self.session_ttl,
        )
        .await?;
        Ok(v1::AuthenticateResponse {
            session_token: signed_in.token,
            expire_time: Some(crate::domain::timestamp(signed_in.expire_time)),
            author: Some(mapping::author(signed_in.author, true)),
        })
    }

    async fn end_session(&self, caller: Caller) -> ApiResult<v1::SignOutResponse> {
        let Caller::Author { session_digest, .. } = caller else {
            return Err(ApiError::FailedPrecondition(
                "sign-out needs a session token, not an API key".to_owned(),
            ));
        };
        let mut conn = self.store.acquire().await?;
        credentials::delete_session(&mut conn, &session_digest).await?;
        Ok(v1::SignOutResponse {})
    }

    async fn unlock(
        &self,
        caller: Caller,
        request: v1::UnlockSignInRequest,
    ) -> ApiResult<v1::UnlockSignInResponse> {
        policy::manage_authors(&caller)?;
        let id = parse_uuid(&request.author_id)
            .map_err(|problem| ApiError::invalid("author_id", problem))?;
        let author = {
            let mut conn = self.store.acquire().await?;
            authors::get_by_id(&mut conn, id)
                .await
                .map_err(not_found("author"))?
        };
        auth::unlock(&self.store, &author).await?;
        Ok(v1::UnlockSignInResponse {})
    }
}

#[tonic::async_trait]
impl AuthorService for AuthorApi {
    async fn get_author(
        &self,
        request: Request<v1::GetAuthorRequest>,
    ) -> Result<Response<v1::GetAuthorResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(self.get(caller, request.into_inner()).await?))
    }

    async fn list_authors(
        &self,
        request: Request<v1::ListAuthorsRequest>,
    ) -> Result<Response<v1::ListAuthorsResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.list(caller, request.into_inner()).await?,
        ))
    }

    async fn create_author(
        &self,
        request: Request<v1::CreateAuthorRequest>,
    ) -> Result<Response<v1::CreateAuthorResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.create(caller, request.into_inner()).await?,
        ))
    }

    async fn update_author(
        &self,
        request: Request<v1::UpdateAuthorRequest>,
    ) -> Result<Response<v1::UpdateAuthorResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.update(caller, request.into_inner()).await?,
        ))
    }

    async fn authenticate(
        &self,
        request: Request<v1::AuthenticateRequest>,
    ) -> Result<Response<v1::AuthenticateResponse>, Status> {
        Ok(Response::new(self.sign_in(request.into_inner()).await?))
    }

    async fn sign_out(
        &self,
        request: Request<v1::SignOutRequest>,
    ) -> Result<Response<v1::SignOutResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(self.end_session(caller).await?))
    }

    async fn unlock_sign_in(
        &self,
        request: Request<v1::UnlockSignInRequest>,
    ) -> Result<Response<v1::UnlockSignInResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.unlock(caller, request.into_inner()).await?,
        ))
    }
}
