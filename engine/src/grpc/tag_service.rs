//! quire.v1.TagService.

use quire_proto::v1;
use quire_proto::v1::tag_service_server::TagService;
use tonic::{Request, Response, Status};

use super::idempotent::{Begun, Writes, key_of};
use super::mapping;
use super::status::{ApiError, ApiResult, not_found};
use super::update_mask::UpdateMask;
use crate::auth::{Authenticator, Caller, policy};
use crate::cache::{CacheKey, Loaded, ReadCache};
use crate::changes::record;
use crate::domain::{
    DESCRIPTION_MAX, Etag, FieldViolations, PageToken, Slug, TAG_NAME_MAX, check_text, name_key,
    page_size,
};
use crate::store::changes;
use crate::store::{Store, StoreError, tags};

/// The tag API over the store.
pub struct TagApi {
    store: Store,
    auth: Authenticator,
    cache: ReadCache,
    writes: Writes,
}

impl TagApi {
    /// A tag API.
    pub fn new(writes: Writes, auth: Authenticator, cache: ReadCache) -> Self {
        Self {
            store: writes.store().clone(),
            auth,
            cache,
            writes,
        }
    }

    async fn get(
        &self,
        caller: Caller,
        request: v1::GetTagRequest,
    ) -> ApiResult<v1::GetTagResponse> {
        policy::read_published(&caller)?;
        let slug =
            Slug::parse(&request.slug).map_err(|problem| ApiError::invalid("slug", problem))?;
        let found = self
            .cache
            .get_or_load(CacheKey::tag(slug.as_str()), || async {
                let mut conn = self.store.acquire().await.map_err(ApiError::from)?;
                match tags::get(&mut conn, slug.as_str()).await {
                    Ok(tag) => Ok(Loaded {
                        value: Some(v1::GetTagResponse {
                            tag: Some(mapping::tag(tag)),
                        }),
                        tags: Vec::new(),
                    }),
                    Err(StoreError::NotFound) => Ok(Loaded {
                        value: None,
                        tags: Vec::new(),
                    }),
                    Err(error) => Err(ApiError::from(error).into()),
                }
            })
            .await?;
        // A tag only drafts use is not yet public.
        found
            .filter(|found| {
                found.tag.as_ref().is_some_and(|tag| tag.post_count > 0)
                    || policy::may_see_unused_tags(&caller)
            })
            .ok_or(ApiError::NotFound("tag"))
    }

    async fn list(
        &self,
        caller: Caller,
        request: v1::ListTagsRequest,
    ) -> ApiResult<v1::ListTagsResponse> {
        policy::read_published(&caller)?;
        let mut request = request;
        // Tags only drafts use are listed to those who may see drafts.
        request.only_used |= !policy::may_see_unused_tags(&caller);
        let mut violations = FieldViolations::new();
        let limit = violations
            .check("page_size", page_size(request.page_size, 50, 200))
            .unwrap_or(50);
        let only_used = request.only_used.to_string();
        let fingerprint = [only_used.as_str()];
        let after = violations
            .check(
                "page_token",
                PageToken::decode(&request.page_token, &fingerprint, 2),
            )
            .flatten()
            .map(|cursor| (cursor[0].clone(), cursor[1].clone()));
        violations.into_result()?;
        if after.is_some() {
            return self.list_from_store(request.only_used, after, limit).await;
        }
        let key = CacheKey::tag_list(format!("{}|{limit}", request.only_used));
        let listed = self
            .cache
            .get_or_load(key, || async {
                let response = self.list_from_store(request.only_used, None, limit).await?;
                Ok(Loaded {
                    value: Some(response),
                    tags: Vec::new(),
                })
            })
            .await?;
        Ok(listed.unwrap_or_default())
    }

    async fn list_from_store(
        &self,
        only_used: bool,
        after: Option<(String, String)>,
        limit: i64,
    ) -> ApiResult<v1::ListTagsResponse> {
        let only_used_text = only_used.to_string();
        let fingerprint = [only_used_text.as_str()];
        let mut conn = self.store.acquire().await?;
        let mut rows = tags::list(&mut conn, only_used, after, limit + 1).await?;
        let next_page_token = PageToken::next_page(&mut rows, limit, &fingerprint, |last| {
            vec![name_key(&last.name), last.slug.clone()]
        });
        Ok(v1::ListTagsResponse {
            tags: rows.into_iter().map(mapping::tag).collect(),
            next_page_token,
        })
    }

    async fn create(
        &self,
        caller: Caller,
        mut request: v1::CreateTagRequest,
    ) -> ApiResult<v1::CreateTagResponse> {
        policy::manage_tags(&caller)?;
        let key = key_of(
            "CreateTag",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let tag = request
            .tag
            .ok_or_else(|| ApiError::invalid("tag", "is required"))?;
        let mut violations = FieldViolations::new();
        let name = tag.name.trim();
        violations.check("tag.name", check_text(name, true, TAG_NAME_MAX));
        violations.check(
            "tag.description",
            check_text(&tag.description, false, DESCRIPTION_MAX),
        );
        let slug = Slug::derive(name);
        if slug.is_none() && !name.is_empty() {
            violations.add("tag.name", "must contain at least one letter or digit");
        }
        violations.into_result()?;
        let slug = slug.ok_or_else(|| ApiError::invalid("tag.name", "is required"))?;
        let mut once = match self.writes.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let slug = tags::insert(tx, &slug, name, &tag.description).await?;
        let created = tags::get(tx, &slug).await?;
        let response = v1::CreateTagResponse {
            tag: Some(mapping::tag(created)),
        };
        once.commit(&response).await?;
        Ok(response)
    }

    async fn update(
        &self,
        caller: Caller,
        mut request: v1::UpdateTagRequest,
    ) -> ApiResult<v1::UpdateTagResponse> {
        policy::manage_tags(&caller)?;
        let key = key_of(
            "UpdateTag",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let tag = request
            .tag
            .ok_or_else(|| ApiError::invalid("tag", "is required"))?;
        let slug =
            Slug::parse(&tag.slug).map_err(|problem| ApiError::invalid("tag.slug", problem))?;
        let mut violations = FieldViolations::new();
        let paths = UpdateMask::parse(
            request.update_mask.as_ref(),
            &["name", "description"],
            true,
            &mut violations,
        );
        if paths.has("name") {
            violations.check("tag.name", check_text(tag.name.trim(), true, TAG_NAME_MAX));
        }
        if paths.has("description") {
            violations.check(
                "tag.description",
                check_text(&tag.description, false, DESCRIPTION_MAX),
            );
        }
        let etag = violations
            .check("tag.etag", Etag::parse_optional(&tag.etag))
            .flatten();
        violations.into_result()?;

        let mut once = match self.writes.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let current = tags::lock(tx, slug.as_str())
            .await
            .map_err(not_found("tag"))?;
        if etag.is_some_and(|etag| etag.version() != current.version) {
            return Err(ApiError::StaleEtag);
        }
        let name = if paths.has("name") {
            tag.name.trim().to_owned()
        } else {
            current.name.clone()
        };
        let description = if paths.has("description") {
            tag.description.clone()
        } else {
            current.description.clone()
        };
        tags::update(tx, slug.as_str(), &name, &description).await?;
        let updated = tags::get(tx, slug.as_str()).await?;
        let change = record::tag_changed(slug.as_str());
        changes::record(tx, &change).await?;
        let response = v1::UpdateTagResponse {
            tag: Some(mapping::tag(updated)),
            cache_tags: change.cache_tags,
        };
        once.commit(&response).await?;
        Ok(response)
    }
}

#[tonic::async_trait]
impl TagService for TagApi {
    async fn get_tag(
        &self,
        request: Request<v1::GetTagRequest>,
    ) -> Result<Response<v1::GetTagResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(self.get(caller, request.into_inner()).await?))
    }

    async fn list_tags(
        &self,
        request: Request<v1::ListTagsRequest>,
    ) -> Result<Response<v1::ListTagsResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.list(caller, request.into_inner()).await?,
        ))
    }

    async fn create_tag(
        &self,
        request: Request<v1::CreateTagRequest>,
    ) -> Result<Response<v1::CreateTagResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.create(caller, request.into_inner()).await?,
        ))
    }

    async fn update_tag(
        &self,
        request: Request<v1::UpdateTagRequest>,
    ) -> Result<Response<v1::UpdateTagResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.update(caller, request.into_inner()).await?,
        ))
    }
}
