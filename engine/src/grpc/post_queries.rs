//! quire.v1.PostService reads: GetPost and ListPosts through the read
//! cache, a post's neighbours (two indexed lookups, not cached here: the web
//! caches the page), and revisions (search and preview are in `post_search.rs`).

use chrono::{DateTime, Utc};
use quire_proto::v1;
use tonic::Status;
use uuid::Uuid;

use super::mapping;
use super::post_service::{PostApi, parse_id, view_of};
use super::status::{ApiError, ApiResult, not_found};
use crate::auth::{Caller, policy};
use crate::cache::{CacheKey, Loaded};
use crate::changes::cache_tags;
use crate::content::posts::visible_to;
use crate::domain::{FieldViolations, PageToken, Slug, page_size, skip};
use crate::store::StoreError;
use crate::store::posts::{self, ListFilter, PostRecord, View, status};

/// Which page of a listing: after a keyset position (a page token), then
/// `skip` posts (AIP-158), at most `limit`.
#[derive(Debug, Clone, Copy)]
struct Page {
    after: Option<(DateTime<Utc>, Uuid)>,
    skip: i64,
    limit: i64,
}

/// How GetPost names its post.
enum PostLookup {
    Id(Uuid),
    Slug(Slug),
}

impl PostApi {
    pub(super) async fn get(
        &self,
        caller: Caller,
        request: v1::GetPostRequest,
    ) -> ApiResult<v1::GetPostResponse> {
        policy::read_published(&caller)?;
        let view = view_of(request.view, View::Full)?;
        let lookup = match request.key {
            Some(v1::get_post_request::Key::Id(id)) => PostLookup::Id(parse_id(&id, "id")?),
            Some(v1::get_post_request::Key::Slug(slug)) => PostLookup::Slug(
                Slug::parse(&slug).map_err(|problem| ApiError::invalid("slug", problem))?,
            ),
            None => return Err(ApiError::invalid("key", "set either `id` or `slug`")),
        };
        // Readers' view (published posts only) is shared through the cache.
        let variant = format!("{view:?}");
        let key = match &lookup {
            PostLookup::Id(id) => CacheKey::post(*id, &variant),
            PostLookup::Slug(slug) => CacheKey::slug(slug.as_str(), &variant),
        };
        let public = self
            .cache
            .get_or_load(key, || self.load_published(&lookup, view))
            .await?;
        if let Some(found) = public {
            return Ok(found);
        }
        if !policy::may_see_some_unpublished(&caller) {
            return Err(ApiError::NotFound("post"));
        }
        // Drafts and scheduled posts are never cached: read them directly.
        let (post, slug_moved) = self.load(&lookup, view).await.map_err(not_found("post"))?;
        if !visible_to(&caller, &post) {
            return Err(ApiError::NotFound("post"));
        }
        Ok(v1::GetPostResponse {
            post: Some(mapping::post(post)),
            slug_moved,
        })
    }

    async fn load(
        &self,
        lookup: &PostLookup,
        view: View,
    ) -> Result<(PostRecord, bool), StoreError> {
        let mut conn = self.store.acquire().await?;
        match lookup {
            PostLookup::Id(id) => Ok((posts::get_by_id(&mut conn, *id, view).await?, false)),
            PostLookup::Slug(slug) => posts::get_by_slug(&mut conn, slug.as_str(), view).await,
        }
    }

    /// What a reader may see: the post if it is published, else nothing.
    async fn load_published(
        &self,
        lookup: &PostLookup,
        view: View,
    ) -> Result<Loaded<v1::GetPostResponse>, Status> {
        match self.load(lookup, view).await {
            Ok((post, slug_moved)) => {
                let tags = cache_tags::shown_by([&post]);
                let value = (post.status == status::PUBLISHED).then(|| v1::GetPostResponse {
                    post: Some(mapping::post(post)),
                    slug_moved,
                });
                Ok(Loaded { value, tags })
            }
            Err(StoreError::NotFound) => Ok(Loaded {
                value: None,
                tags: Vec::new(),
            }),
            Err(error) => Err(ApiError::from(error).into()),
        }
    }

    pub(super) async fn adjacent(
        &self,
        caller: Caller,
        request: v1::GetAdjacentPostsRequest,
    ) -> ApiResult<v1::GetAdjacentPostsResponse> {
        policy::read_published(&caller)?;
        let slug =
            Slug::parse(&request.slug).map_err(|problem| ApiError::invalid("slug", problem))?;
        let mut conn = self.store.acquire().await?;
        let posts::Adjacent { newer, older } =
            posts::adjacent(&mut conn, slug.as_str(), View::Basic)
                .await?
                .ok_or(ApiError::NotFound("post"))?;
        Ok(v1::GetAdjacentPostsResponse {
            newer: newer.map(mapping::post),
            older: older.map(mapping::post),
        })
    }

    pub(super) async fn list(
        &self,
        caller: Caller,
        request: v1::ListPostsRequest,
    ) -> ApiResult<v1::ListPostsResponse> {
        policy::read_published(&caller)?;
        let mut violations = FieldViolations::new();
        let limit = violations.check("page_size", page_size(request.page_size, 20, 100));
        let skip = violations.check("skip", skip(request.skip)).unwrap_or(0);
        let mut statuses = Vec::new();
        for number in &request.statuses {
            match v1::PostStatus::try_from(*number) {
                Ok(v1::PostStatus::Unspecified) | Err(_) => {
                    violations.add("statuses", "contains an unknown status")
                }
                Ok(status) => statuses.push(status as i16),
            }
        }
        if statuses.is_empty() {
            statuses.push(status::PUBLISHED);
        }
        let kind = match v1::PostKind::try_from(request.kind) {
            Ok(v1::PostKind::Unspecified | v1::PostKind::Post) => v1::PostKind::Post as i16,
            Ok(v1::PostKind::Page) => v1::PostKind::Page as i16,
            Err(_) => {
                violations.add("kind", "is not a known PostKind");
                0
            }
        };
        let tag_slug = optional_slug(&request.tag_slug, "tag_slug", &mut violations);
        let author_slug = optional_slug(&request.author_slug, "author_slug", &mut violations);
        let view = view_of(request.view, View::Basic)?;
        let unpublished_owner = if statuses.iter().any(|s| *s != status::PUBLISHED) {
            policy::unpublished_listing_scope(&caller)?
        } else {
            None
        };
        let statuses_text = format!("{statuses:?}");
        let kind_text = kind.to_string();
        let owner_text = unpublished_owner
            .map(|id| id.to_string())
            .unwrap_or_default();
        let tag_text = tag_slug.clone().unwrap_or_default();
        let author_text = author_slug.clone().unwrap_or_default();
        let fingerprint = [
            statuses_text.as_str(),
            kind_text.as_str(),
            tag_text.as_str(),
            author_text.as_str(),
            owner_text.as_str(),
        ];
        let after = violations
            .check(
                "page_token",
                PageToken::decode(&request.page_token, &fingerprint, 2),
            )
            .flatten()
            .map(|cursor| keyset_position(&cursor))
            .transpose()
            .unwrap_or_else(|problem| {
                violations.add("page_token", problem);
                None
            });
        violations.into_result()?;
        let limit = limit.unwrap_or(20);

        let filter = ListFilter {
            statuses,
            kind,
            tag_slug,
            author_slug,
            unpublished_owner,
        };
        let fingerprint: Vec<String> = fingerprint.iter().map(|part| part.to_string()).collect();
        let page = Page { after, skip, limit };
        // Pages reached by position (no token) are shared by every reader: cached.
        let public_page = after.is_none()
            && filter.unpublished_owner.is_none()
            && filter.statuses == [status::PUBLISHED];
        if !public_page {
            return self
                .list_from_store(&filter, view, page, &fingerprint)
                .await
                .map(|(response, _)| response);
        }
        let key = CacheKey::post_list(
            filter.tag_slug.as_deref(),
            filter.author_slug.as_deref(),
            format!("{}|{limit}|{view:?}|{skip}", filter.kind),
        );
        let listed = self
            .cache
            .get_or_load(key, || async {
                let (response, tags) = self
                    .list_from_store(&filter, view, page, &fingerprint)
                    .await
                    .map_err(Status::from)?;
                Ok(Loaded {
                    value: Some(response),
                    tags,
                })
            })
            .await?;
        Ok(listed.unwrap_or_default())
    }

    async fn list_from_store(
        &self,
        filter: &ListFilter,
        view: View,
        page: Page,
        fingerprint: &[String],
    ) -> ApiResult<(v1::ListPostsResponse, Vec<String>)> {
        let fingerprint: Vec<&str> = fingerprint.iter().map(String::as_str).collect();
        let mut conn = self.store.acquire().await?;
        let mut rows = posts::list(
            &mut conn,
            filter,
            view,
            page.after,
            page.skip,
            page.limit + 1,
        )
        .await?;
        let total_size = posts::count(&mut conn, filter).await?;
        let limit = page.limit.min(self.fitting(&rows, mapping::post));
        let next_page_token = PageToken::next_page(&mut rows, limit, &fingerprint, |last| {
            vec![
                last.sort_time.timestamp_micros().to_string(),
                last.id.to_string(),
            ]
        });
        // What the page shows: a rename of one of its tags or authors changes it.
        let shown = cache_tags::shown_by(&rows);
        let response = v1::ListPostsResponse {
            posts: rows.into_iter().map(mapping::post).collect(),
            next_page_token,
            total_size: i32::try_from(total_size).unwrap_or(i32::MAX),
        };
        Ok((response, shown))
    }

    pub(super) async fn list_revisions(
        &self,
        caller: Caller,
        request: v1::ListPostRevisionsRequest,
    ) -> ApiResult<v1::ListPostRevisionsResponse> {
        let post_id = parse_id(&request.post_id, "post_id")?;
        let mut violations = FieldViolations::new();
        let limit = violations
            .check("page_size", page_size(request.page_size, 20, 100))
            .unwrap_or(20);
        let post_text = post_id.to_string();
        let fingerprint = [post_text.as_str()];
        let before = match PageToken::decode(&request.page_token, &fingerprint, 1) {
            Ok(cursor) => cursor.and_then(|c| c[0].parse::<i64>().ok()),
            Err(problem) => {
                violations.add("page_token", problem);
                None
            }
        };
        violations.into_result()?;
        let mut conn = self.store.acquire().await?;
        let post = posts::get_by_id(&mut conn, post_id, View::Basic)
            .await
            .map_err(not_found("post"))?;
        if !policy::may_see_unpublished(&caller, post.author_id) {
            return Err(
                if post.status == status::PUBLISHED && policy::read_published(&caller).is_ok() {
                    ApiError::PermissionDenied(
                        "revisions are visible to the post's editors only".to_owned(),
                    )
                } else {
                    ApiError::NotFound("post")
                },
            );
        }
        let mut rows = posts::list_revisions(&mut conn, post_id, before, limit + 1).await?;
        let limit = limit.min(self.fitting(&rows, mapping::revision));
        let next_page_token = PageToken::next_page(&mut rows, limit, &fingerprint, |last| {
            vec![last.revision.to_string()]
        });
        Ok(v1::ListPostRevisionsResponse {
            revisions: rows.into_iter().map(mapping::revision).collect(),
            next_page_token,
        })
    }
}

impl PostApi {
    /// How many of `rows` (at least one) fit in one response: a page ends
    /// early, with a token, rather than outgrowing the message limit.
    fn fitting<R: Clone, M: prost::Message>(&self, rows: &[R], map: impl Fn(R) -> M) -> i64 {
        // Room for the token, the total and the framing of each item.
        const ENVELOPE_BYTES: usize = 4 << 10;
        const ITEM_FRAMING_BYTES: usize = 6;
        let budget = self
            .writes
            .max_response_bytes()
            .saturating_sub(ENVELOPE_BYTES);
        let mut used = 0;
        for (index, row) in rows.iter().enumerate() {
            used += map(row.clone()).encoded_len() + ITEM_FRAMING_BYTES;
            if used > budget {
                return index.max(1) as i64;
            }
        }
        rows.len() as i64
    }
}

pub(super) fn optional_slug(
    value: &str,
    field: &str,
    violations: &mut FieldViolations,
) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    violations
        .check(field, Slug::parse(value))
        .map(Slug::into_string)
}

fn keyset_position(cursor: &[String]) -> Result<(DateTime<Utc>, Uuid), String> {
    let invalid = || "is not a page token from a previous response to this request".to_owned();
    let micros: i64 = cursor[0].parse().map_err(|_| invalid())?;
    let time = DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?;
    let id = Uuid::parse_str(&cursor[1]).map_err(|_| invalid())?;
    Ok((time, id))
}
