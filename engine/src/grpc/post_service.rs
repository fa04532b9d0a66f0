//! quire.v1.PostService.

use chrono::{DateTime, Utc};
use quire_proto::v1;
use quire_proto::v1::post_service_server::PostService;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::mapping;
use super::post_fields::{self, FieldSet};
use super::status::{ApiError, ApiResult};
use crate::auth::{Authenticator, Caller, policy};
use crate::cache::{CacheKey, Loaded, ReadCache};
use crate::domain::{
    Etag, FieldViolations, PageToken, SEARCH_QUERY_MAX, Slug, check_text, page_size, parse_uuid,
};
use crate::render;
use crate::store::StoreError;
use crate::store::changes::{self, NewChange, kind};
use crate::store::posts::{self, ListFilter, PostContent, PostRecord, View, status};
use crate::store::{Store, Tx, idempotency};

/// The post API over the store.
pub struct PostApi {
    store: Store,
    auth: Authenticator,
    cache: ReadCache,
}

impl PostApi {
    /// A post API reading through `cache`.
    pub fn new(store: Store, auth: Authenticator, cache: ReadCache) -> Self {
        Self { store, auth, cache }
    }
}

/// How GetPost names its post.
enum PostLookup {
    Id(Uuid),
    Slug(Slug),
}

fn view_of(view: i32, default: View) -> ApiResult<View> {
    match v1::PostView::try_from(view) {
        Ok(v1::PostView::Unspecified) => Ok(default),
        Ok(v1::PostView::Basic) => Ok(View::Basic),
        Ok(v1::PostView::Full) => Ok(View::Full),
        Err(_) => Err(ApiError::invalid("view", "is not a known PostView")),
    }
}

fn check_etag(etag: &str, field: &str, current: &PostRecord) -> ApiResult<()> {
    match Etag::parse_optional(etag).map_err(|problem| ApiError::invalid(field, problem))? {
        Some(etag) if etag.version() != current.version => Err(ApiError::StaleEtag),
        _ => Ok(()),
    }
}

fn parse_id(value: &str, field: &str) -> ApiResult<Uuid> {
    parse_uuid(value).map_err(|problem| ApiError::invalid(field, problem))
}

/// The change record describing the transition from `before` to `after`.
fn post_change(change_kind: i16, after: &PostRecord, before: Option<&PostRecord>) -> NewChange {
    let removed_tag_slugs = before
        .map(|before| {
            before
                .tag_slugs
                .iter()
                .filter(|slug| !after.tag_slugs.contains(slug))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let previous_slug = before
        .filter(|b| b.slug != after.slug)
        .map(|b| b.slug.clone())
        .unwrap_or_default();
    let previous_author_slug = before
        .filter(|b| b.author_slug != after.author_slug)
        .map(|b| b.author_slug.clone())
        .unwrap_or_default();
    NewChange {
        kind: change_kind,
        post_id: Some(after.id),
        slug: after.slug.clone(),
        previous_slug,
        post_kind: after.kind,
        status: after.status,
        was_published: before.is_some_and(|b| b.status == status::PUBLISHED),
        tag_slugs: after.tag_slugs.clone(),
        removed_tag_slugs,
        author_slug: after.author_slug.clone(),
        previous_author_slug,
        tag_slug: String::new(),
    }
}

impl PostApi {
    async fn visible_post(&self, caller: &Caller, post: PostRecord) -> ApiResult<PostRecord> {
        if post.status == status::PUBLISHED || policy::may_see_unpublished(caller, post.author_id) {
            Ok(post)
        } else {
            Err(ApiError::NotFound("post"))
        }
    }

    async fn get(
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
            PostLookup::Id(id) => CacheKey::post(&id.to_string(), &variant),
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
        let post = self.visible_post(&caller, post).await?;
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
        let mut conn = self.store.pool().acquire().await?;
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
                let scopes = vec![format!("post:{}", post.id)];
                let value = (post.status == status::PUBLISHED).then(|| v1::GetPostResponse {
                    post: Some(mapping::post(post)),
                    slug_moved,
                });
                Ok(Loaded { value, scopes })
            }
            Err(StoreError::NotFound) => Ok(Loaded {
                value: None,
                scopes: Vec::new(),
            }),
            Err(error) => Err(ApiError::from(error).into()),
        }
    }

    async fn list(
        &self,
        caller: Caller,
        request: v1::ListPostsRequest,
    ) -> ApiResult<v1::ListPostsResponse> {
        policy::read_published(&caller)?;
        let mut violations = FieldViolations::new();
        let limit = violations.check("page_size", page_size(request.page_size, 20, 100));
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
        let public_first_page = after.is_none()
            && filter.unpublished_owner.is_none()
            && filter.statuses == [status::PUBLISHED];
        if !public_first_page {
            return self
                .list_from_store(&filter, view, after, limit, &fingerprint)
                .await;
        }
        let key = CacheKey::post_list(
            filter.tag_slug.as_deref(),
            filter.author_slug.as_deref(),
            format!("{}|{limit}|{view:?}", filter.kind),
        );
        let listed = self
            .cache
            .get_or_load(key, || async {
                let response = self
                    .list_from_store(&filter, view, None, limit, &fingerprint)
                    .await
                    .map_err(Status::from)?;
                // A listing by tag and author changes with either.
                let scopes = match (&filter.tag_slug, &filter.author_slug) {
                    (Some(_), Some(author)) => vec![format!("list:author:{author}")],
                    _ => Vec::new(),
                };
                Ok(Loaded {
                    value: Some(response),
                    scopes,
                })
            })
            .await?;
        Ok(listed.unwrap_or_default())
    }

    async fn list_from_store(
        &self,
        filter: &ListFilter,
        view: View,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: i64,
        fingerprint: &[String],
    ) -> ApiResult<v1::ListPostsResponse> {
        let fingerprint: Vec<&str> = fingerprint.iter().map(String::as_str).collect();
        let mut conn = self.store.pool().acquire().await.map_err(store_error)?;
        let mut rows = posts::list(&mut conn, filter, view, after, limit + 1).await?;
        let total_size = posts::count(&mut conn, filter).await?;
        let next_page_token = PageToken::next_page(&mut rows, limit, &fingerprint, |last| {
            vec![
                last.sort_time.timestamp_micros().to_string(),
                last.id.to_string(),
            ]
        });
        Ok(v1::ListPostsResponse {
            posts: rows.into_iter().map(mapping::post).collect(),
            next_page_token,
            total_size: i32::try_from(total_size).unwrap_or(i32::MAX),
        })
    }

    async fn create(
        &self,
        caller: Caller,
        request: v1::CreatePostRequest,
    ) -> ApiResult<v1::CreatePostResponse> {
        policy::write_content(&caller)?;
        let post = request
            .post
            .ok_or_else(|| ApiError::invalid("post", "is required"))?;
        let mut violations = FieldViolations::new();
        let request_id = if request.request_id.is_empty() {
            None
        } else {
            violations.check("request_id", parse_uuid(&request.request_id))
        };
        // The author defaults to the signed-in one; `apply` parses an explicit `author_id`.
        let author = match (&caller, post.author_id.is_empty()) {
            (Caller::Author { id, .. }, true) => Some(*id),
            (Caller::Service { .. }, true) => {
                violations.add(
                    "post.author_id",
                    "is required when creating a post with an API key",
                );
                None
            }
            (_, false) => None,
        };
        let mut content = post_fields::blank(author.unwrap_or_default());
        let _ = post_fields::apply(&post, &FieldSet::all(), &mut content, &mut violations);
        violations.into_result()?;
        policy::create_post(&caller, content.author_id)?;
        post_fields::render(&mut content).await?;

        let id = Uuid::new_v4();
        let mut tx = self.store.begin().await?;
        if let Some(request_id) = request_id
            && let Some(existing) =
                idempotency::claim(&mut tx, "CreatePost", request_id, id).await?
        {
            tx.commit().await.map_err(store_error)?;
            return self
                .respond_with(existing)
                .await
                .map(|post| v1::CreatePostResponse { post: Some(post) });
        }
        ensure_author_exists(&mut tx, content.author_id).await?;
        posts::insert(&mut tx, id, &content).await?;
        let created = posts::get_by_id(&mut tx, id, View::Full).await?;
        changes::record(&mut tx, &post_change(kind::POST_CREATED, &created, None)).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(v1::CreatePostResponse {
            post: Some(mapping::post(created)),
        })
    }

    async fn respond_with(&self, id: Uuid) -> ApiResult<v1::Post> {
        let mut conn = self.store.pool().acquire().await.map_err(store_error)?;
        Ok(mapping::post(
            posts::get_by_id(&mut conn, id, View::Full).await?,
        ))
    }

    async fn update(
        &self,
        caller: Caller,
        request: v1::UpdatePostRequest,
    ) -> ApiResult<v1::UpdatePostResponse> {
        let post = request
            .post
            .ok_or_else(|| ApiError::invalid("post", "is required"))?;
        let id = parse_id(&post.id, "post.id")?;
        let mut violations = FieldViolations::new();
        let fields = post_fields::mask_paths(request.update_mask.as_ref(), &mut violations);
        violations.clone().into_result()?;

        let mut tx = self.store.begin().await?;
        let current = lock_visible(&mut tx, &caller, id).await?;
        policy::edit_post(&caller, current.author_id, current.status == status::DRAFT)?;
        check_etag(&post.etag, "post.etag", &current)?;
        let mut content = posts::content_of(&mut tx, &current).await?;
        let markdown_changed = post_fields::apply(&post, &fields, &mut content, &mut violations);
        violations.into_result()?;
        if markdown_changed {
            post_fields::render(&mut content).await?;
        }
        if content.author_id != current.author_id {
            policy::create_post(&caller, content.author_id)?;
            ensure_author_exists(&mut tx, content.author_id).await?;
        }
        let updated = self
            .write_revision(&mut tx, &caller, &current, &content)
            .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(v1::UpdatePostResponse {
            post: Some(mapping::post(updated)),
        })
    }

    async fn write_revision(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        current: &PostRecord,
        content: &PostContent,
    ) -> ApiResult<PostRecord> {
        posts::update(
            tx,
            current,
            content,
            current.revision + 1,
            caller.author_id(),
        )
        .await?;
        let updated = posts::get_by_id(tx, current.id, View::Full).await?;
        changes::record(
            tx,
            &post_change(kind::POST_UPDATED, &updated, Some(current)),
        )
        .await?;
        Ok(updated)
    }

    async fn delete(
        &self,
        caller: Caller,
        request: v1::DeletePostRequest,
    ) -> ApiResult<v1::DeletePostResponse> {
        let id = parse_id(&request.id, "id")?;
        let mut tx = self.store.begin().await?;
        let current = lock_visible(&mut tx, &caller, id).await?;
        policy::edit_post(&caller, current.author_id, current.status == status::DRAFT)?;
        check_etag(&request.etag, "etag", &current)?;
        posts::delete(&mut tx, id).await?;
        let mut change = post_change(kind::POST_DELETED, &current, Some(&current));
        change.removed_tag_slugs = current.tag_slugs.clone();
        changes::record(&mut tx, &change).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(v1::DeletePostResponse {})
    }

    async fn publish(
        &self,
        caller: Caller,
        request: v1::PublishPostRequest,
    ) -> ApiResult<v1::PublishPostResponse> {
        let id = parse_id(&request.id, "id")?;
        let scheduled_for = match &request.publish_time {
            None => None,
            Some(time) => {
                let time = mapping::from_timestamp(time)
                    .ok_or_else(|| ApiError::invalid("publish_time", "is not a valid timestamp"))?;
                if time <= Utc::now() {
                    return Err(ApiError::invalid(
                        "publish_time",
                        "must be in the future; leave it unset to publish now",
                    ));
                }
                Some(time)
            }
        };
        let mut tx = self.store.begin().await?;
        let current = lock_visible(&mut tx, &caller, id).await?;
        policy::publish_post(&caller, current.author_id)?;
        check_etag(&request.etag, "etag", &current)?;
        if current.status == status::PUBLISHED && scheduled_for.is_none() {
            tx.commit().await.map_err(store_error)?;
            return Ok(v1::PublishPostResponse {
                post: Some(mapping::post(current)),
            });
        }
        let (new_status, time, change_kind): (i16, DateTime<Utc>, i16) = match scheduled_for {
            Some(time) => (status::SCHEDULED, time, kind::POST_SCHEDULED),
            None => (status::PUBLISHED, Utc::now(), kind::POST_PUBLISHED),
        };
        posts::set_status(&mut tx, id, new_status, Some(time)).await?;
        let updated = posts::get_by_id(&mut tx, id, View::Full).await?;
        changes::record(&mut tx, &post_change(change_kind, &updated, Some(&current))).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(v1::PublishPostResponse {
            post: Some(mapping::post(updated)),
        })
    }

    async fn unpublish(
        &self,
        caller: Caller,
        request: v1::UnpublishPostRequest,
    ) -> ApiResult<v1::UnpublishPostResponse> {
        let id = parse_id(&request.id, "id")?;
        let mut tx = self.store.begin().await?;
        let current = lock_visible(&mut tx, &caller, id).await?;
        policy::publish_post(&caller, current.author_id)?;
        check_etag(&request.etag, "etag", &current)?;
        let (new_status, publish_time) = if request.archive {
            (status::ARCHIVED, current.publish_time)
        } else {
            (status::DRAFT, None)
        };
        if current.status == new_status {
            tx.commit().await.map_err(store_error)?;
            return Ok(v1::UnpublishPostResponse {
                post: Some(mapping::post(current)),
            });
        }
        posts::set_status(&mut tx, id, new_status, publish_time).await?;
        let updated = posts::get_by_id(&mut tx, id, View::Full).await?;
        changes::record(
            &mut tx,
            &post_change(kind::POST_UNPUBLISHED, &updated, Some(&current)),
        )
        .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(v1::UnpublishPostResponse {
            post: Some(mapping::post(updated)),
        })
    }

    async fn search(
        &self,
        caller: Caller,
        request: v1::SearchPostsRequest,
    ) -> ApiResult<v1::SearchPostsResponse> {
        policy::read_published(&caller)?;
        let mut violations = FieldViolations::new();
        let query = request.query.trim();
        violations.check("query", check_text(query, true, SEARCH_QUERY_MAX));
        let limit = violations
            .check("page_size", page_size(request.page_size, 10, 50))
            .unwrap_or(10);
        let tag_slug = optional_slug(&request.tag_slug, "tag_slug", &mut violations);
        let fingerprint = [query, tag_slug.as_deref().unwrap_or("")];
        let offset = match PageToken::decode(&request.page_token, &fingerprint, 1) {
            Ok(None) => 0,
            Ok(Some(cursor)) => cursor[0].parse::<i64>().unwrap_or_else(|_| {
                violations.add(
                    "page_token",
                    "is not a page token from a previous response to this request",
                );
                0
            }),
            Err(problem) => {
                violations.add("page_token", problem);
                0
            }
        };
        violations.into_result()?;

        let mut conn = self.store.pool().acquire().await.map_err(store_error)?;
        let hits = posts::search(&mut conn, query, tag_slug.as_deref(), offset, limit + 1).await?;
        let total_size = posts::search_count(&mut conn, query, tag_slug.as_deref()).await?;
        let has_more = hits.len() as i64 > limit;
        let results = hits
            .into_iter()
            .take(limit as usize)
            .map(|hit| v1::SearchResult {
                post: Some(mapping::post(hit.post)),
                snippet_html: hit.snippet_html,
                score: hit.score,
            })
            .collect();
        let next_page_token = if has_more {
            PageToken::encode(&fingerprint, &[(offset + limit).to_string()])
        } else {
            String::new()
        };
        Ok(v1::SearchPostsResponse {
            results,
            next_page_token,
            total_size: i32::try_from(total_size).unwrap_or(i32::MAX),
        })
    }

    async fn preview(
        &self,
        caller: Caller,
        request: v1::PreviewPostRequest,
    ) -> ApiResult<v1::PreviewPostResponse> {
        policy::write_content(&caller)?;
        if request.markdown.len() > crate::domain::MARKDOWN_MAX_BYTES {
            return Err(ApiError::invalid("markdown", "must be at most 1024 KiB"));
        }
        let rendered = tokio::task::spawn_blocking(move || render::render(&request.markdown))
            .await
            .map_err(ApiError::internal)?;
        Ok(v1::PreviewPostResponse {
            html: rendered.html,
            toc: rendered
                .toc
                .into_iter()
                .map(|item| v1::TocEntry {
                    level: item.level,
                    anchor: item.anchor,
                    text: item.text,
                })
                .collect(),
            excerpt: rendered.excerpt,
            word_count: rendered.word_count,
            reading_time_minutes: rendered.reading_time_minutes,
        })
    }

    async fn list_revisions(
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
        let mut conn = self.store.pool().acquire().await.map_err(store_error)?;
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
        let next_page_token = PageToken::next_page(&mut rows, limit, &fingerprint, |last| {
            vec![last.revision.to_string()]
        });
        Ok(v1::ListPostRevisionsResponse {
            revisions: rows.into_iter().map(mapping::revision).collect(),
            next_page_token,
        })
    }

    async fn restore_revision(
        &self,
        caller: Caller,
        request: v1::RestorePostRevisionRequest,
    ) -> ApiResult<v1::RestorePostRevisionResponse> {
        let post_id = parse_id(&request.post_id, "post_id")?;
        if request.revision < 1 {
            return Err(ApiError::invalid(
                "revision",
                "must be a revision number (1 or more)",
            ));
        }
        let mut tx = self.store.begin().await?;
        let current = lock_visible(&mut tx, &caller, post_id).await?;
        policy::edit_post(&caller, current.author_id, current.status == status::DRAFT)?;
        check_etag(&request.etag, "etag", &current)?;
        let revision = posts::get_revision(&mut tx, post_id, request.revision)
            .await
            .map_err(not_found("revision"))?;
        let mut content = posts::content_of(&mut tx, &current).await?;
        content.slug = revision.slug;
        content.title = revision.title;
        content.markdown = revision.markdown;
        content.tags = revision.tags.0;
        content.cover_image_url = revision.cover_image_url;
        content.cover_image_alt = revision.cover_image_alt;
        content.meta_title = revision.meta_title;
        content.meta_description = revision.meta_description;
        content.canonical_url = revision.canonical_url;
        post_fields::render(&mut content).await?;
        let updated = self
            .write_revision(&mut tx, &caller, &current, &content)
            .await?;
        tx.commit().await.map_err(store_error)?;
        Ok(v1::RestorePostRevisionResponse {
            post: Some(mapping::post(updated)),
        })
    }
}

/// Locks a post that the caller may see; others are NOT_FOUND.
async fn lock_visible(tx: &mut Tx, caller: &Caller, id: Uuid) -> ApiResult<PostRecord> {
    policy::read_published(caller).or_else(|_| policy::write_content(caller))?;
    let post = posts::lock(tx, id).await.map_err(not_found("post"))?;
    if post.status == status::PUBLISHED || policy::may_see_unpublished(caller, post.author_id) {
        Ok(post)
    } else {
        Err(ApiError::NotFound("post"))
    }
}

async fn ensure_author_exists(tx: &mut Tx, author: Uuid) -> ApiResult<()> {
    match crate::store::authors::get_by_id(tx, author).await {
        Ok(_) => Ok(()),
        Err(crate::store::StoreError::NotFound) => {
            Err(ApiError::invalid("post.author_id", "no author has this id"))
        }
        Err(error) => Err(error.into()),
    }
}

fn optional_slug(value: &str, field: &str, violations: &mut FieldViolations) -> Option<String> {
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

/// Maps a missing row to NOT_FOUND for `what`.
pub fn not_found(what: &'static str) -> impl Fn(crate::store::StoreError) -> ApiError {
    move |error| match error {
        crate::store::StoreError::NotFound => ApiError::NotFound(what),
        other => other.into(),
    }
}

/// Maps a driver error (acquire, commit) through the store's classification.
pub fn store_error(error: sqlx::Error) -> ApiError {
    crate::store::StoreError::from(error).into()
}

#[tonic::async_trait]
impl PostService for PostApi {
    async fn get_post(
        &self,
        request: Request<v1::GetPostRequest>,
    ) -> Result<Response<v1::GetPostResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(self.get(caller, request.into_inner()).await?))
    }

    async fn list_posts(
        &self,
        request: Request<v1::ListPostsRequest>,
    ) -> Result<Response<v1::ListPostsResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.list(caller, request.into_inner()).await?,
        ))
    }

    async fn create_post(
        &self,
        request: Request<v1::CreatePostRequest>,
    ) -> Result<Response<v1::CreatePostResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.create(caller, request.into_inner()).await?,
        ))
    }

    async fn update_post(
        &self,
        request: Request<v1::UpdatePostRequest>,
    ) -> Result<Response<v1::UpdatePostResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.update(caller, request.into_inner()).await?,
        ))
    }

    async fn delete_post(
        &self,
        request: Request<v1::DeletePostRequest>,
    ) -> Result<Response<v1::DeletePostResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.delete(caller, request.into_inner()).await?,
        ))
    }

    async fn publish_post(
        &self,
        request: Request<v1::PublishPostRequest>,
    ) -> Result<Response<v1::PublishPostResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.publish(caller, request.into_inner()).await?,
        ))
    }

    async fn unpublish_post(
        &self,
        request: Request<v1::UnpublishPostRequest>,
    ) -> Result<Response<v1::UnpublishPostResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.unpublish(caller, request.into_inner()).await?,
        ))
    }

    async fn search_posts(
        &self,
        request: Request<v1::SearchPostsRequest>,
    ) -> Result<Response<v1::SearchPostsResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.search(caller, request.into_inner()).await?,
        ))
    }

    async fn preview_post(
        &self,
        request: Request<v1::PreviewPostRequest>,
    ) -> Result<Response<v1::PreviewPostResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.preview(caller, request.into_inner()).await?,
        ))
    }

    async fn list_post_revisions(
        &self,
        request: Request<v1::ListPostRevisionsRequest>,
    ) -> Result<Response<v1::ListPostRevisionsResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.list_revisions(caller, request.into_inner()).await?,
        ))
    }

    async fn restore_post_revision(
        &self,
        request: Request<v1::RestorePostRevisionRequest>,
    ) -> Result<Response<v1::RestorePostRevisionResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.restore_revision(caller, request.into_inner()).await?,
        ))
    }
}
