//! quire.v1.PostService: the writes, which parse the request, call the
//! content workflow (`content::posts`) and map what it wrote; the reads are
//! in `post_queries.rs`.

use quire_proto::v1;
use quire_proto::v1::post_service_server::PostService;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::mapping;
use super::post_fields;
use super::status::{ApiError, ApiResult};
use crate::auth::{Authenticator, Caller, policy};
use crate::cache::ReadCache;
use crate::content::{self, Written, posts::Target};
use crate::domain::{Etag, FieldViolations, from_timestamp, parse_uuid};
use crate::store::Store;
use crate::store::posts::View;

/// The post API over the store.
pub struct PostApi {
    pub(super) store: Store,
    auth: Authenticator,
    pub(super) cache: ReadCache,
}

impl PostApi {
    /// A post API reading through `cache`.
    pub fn new(store: Store, auth: Authenticator, cache: ReadCache) -> Self {
        Self { store, auth, cache }
    }
}

pub(super) fn view_of(view: i32, default: View) -> ApiResult<View> {
    match v1::PostView::try_from(view) {
        Ok(v1::PostView::Unspecified) => Ok(default),
        Ok(v1::PostView::Basic) => Ok(View::Basic),
        Ok(v1::PostView::Full) => Ok(View::Full),
        Err(_) => Err(ApiError::invalid("view", "is not a known PostView")),
    }
}

pub(super) fn parse_id(value: &str, field: &str) -> ApiResult<Uuid> {
    parse_uuid(value).map_err(|problem| ApiError::invalid(field, problem))
}

fn parse_etag(value: &str, field: &str) -> ApiResult<Option<Etag>> {
    Etag::parse_optional(value).map_err(|problem| ApiError::invalid(field, problem))
}

/// A requested status (`status` with `publish_time`) as a workflow target;
/// `None` keeps the status (and, for a create, makes a draft).
fn parse_target(
    status: i32,
    publish_time: Option<&prost_types::Timestamp>,
    creating: bool,
    violations: &mut FieldViolations,
) -> Option<Target> {
    match v1::PostStatus::try_from(status) {
        Ok(v1::PostStatus::Unspecified) => None,
        Ok(v1::PostStatus::Draft) if creating => None,
        Ok(v1::PostStatus::Draft) => Some(Target::Draft),
        Ok(v1::PostStatus::Published) => Some(Target::Published),
        Ok(v1::PostStatus::Scheduled) => match publish_time.map(from_timestamp) {
            Some(Some(time)) => Some(Target::Scheduled(time)),
            Some(None) => {
                violations.add("publish_time", "is not a valid timestamp");
                None
            }
            None => {
                violations.add("publish_time", "is required to schedule a post");
                None
            }
        },
        Ok(v1::PostStatus::Archived) if creating => {
            violations.add("status", "a new post cannot be archived");
            None
        }
        Ok(v1::PostStatus::Archived) => Some(Target::Archived),
        Err(_) => {
            violations.add("status", "is not a known PostStatus");
            None
        }
    }
}

impl PostApi {
    /// A written post with the cache tags its write invalidated, which this
    /// replica's cache applies at once (read-your-writes).
    fn written(&self, written: Written) -> (Option<v1::Post>, Vec<String>) {
        if let Some(sequence) = written.sequence {
            self.cache.note_own_write(sequence, &written.cache_tags);
        }
        (Some(mapping::post(written.post)), written.cache_tags)
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
        // The author defaults to the signed-in one; an explicit `author_id` is part of the edit.
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
        let edit = post_fields::parse(&post, &post_fields::all_fields(), &mut violations);
        let target = parse_target(
            request.status,
            request.publish_time.as_ref(),
            true,
            &mut violations,
        );
        violations.into_result()?;
        let created = content::posts::create(
            &self.store,
            &caller,
            author.unwrap_or_default(),
            edit,
            target,
            request_id,
        )
        .await?;
        let (post, cache_tags) = self.written(created);
        Ok(v1::CreatePostResponse { post, cache_tags })
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
        let edit = post_fields::parse(&post, &fields, &mut violations);
        let etag = violations
            .check("post.etag", Etag::parse_optional(&post.etag))
            .flatten();
        let target = parse_target(
            request.status,
            request.publish_time.as_ref(),
            false,
            &mut violations,
        );
        violations.into_result()?;
        let updated = content::posts::update(&self.store, &caller, id, etag, edit, target).await?;
        let (post, cache_tags) = self.written(updated);
        Ok(v1::UpdatePostResponse { post, cache_tags })
    }

    async fn delete(
        &self,
        caller: Caller,
        request: v1::DeletePostRequest,
    ) -> ApiResult<v1::DeletePostResponse> {
        let id = parse_id(&request.id, "id")?;
        let etag = parse_etag(&request.etag, "etag")?;
        let (sequence, cache_tags) = content::posts::delete(&self.store, &caller, id, etag).await?;
        self.cache.note_own_write(sequence, &cache_tags);
        Ok(v1::DeletePostResponse { cache_tags })
    }

    async fn publish(
        &self,
        caller: Caller,
        request: v1::PublishPostRequest,
    ) -> ApiResult<v1::PublishPostResponse> {
        let id = parse_id(&request.id, "id")?;
        let at = match &request.publish_time {
            None => None,
            Some(time) => Some(
                from_timestamp(time)
                    .ok_or_else(|| ApiError::invalid("publish_time", "is not a valid timestamp"))?,
            ),
        };
        let etag = parse_etag(&request.etag, "etag")?;
        let published = content::posts::publish(&self.store, &caller, id, etag, at).await?;
        let (post, cache_tags) = self.written(published);
        Ok(v1::PublishPostResponse { post, cache_tags })
    }

    async fn unpublish(
        &self,
        caller: Caller,
        request: v1::UnpublishPostRequest,
    ) -> ApiResult<v1::UnpublishPostResponse> {
        let id = parse_id(&request.id, "id")?;
        let etag = parse_etag(&request.etag, "etag")?;
        let withdrawn =
            content::posts::unpublish(&self.store, &caller, id, etag, request.archive).await?;
        let (post, cache_tags) = self.written(withdrawn);
        Ok(v1::UnpublishPostResponse { post, cache_tags })
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
        let etag = parse_etag(&request.etag, "etag")?;
        let restored =
            content::posts::restore(&self.store, &caller, post_id, etag, request.revision).await?;
        let (post, cache_tags) = self.written(restored);
        Ok(v1::RestorePostRevisionResponse { post, cache_tags })
    }
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
