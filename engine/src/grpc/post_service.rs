//! quire.v1.PostService: the writes, which parse the request, call the
//! content workflow (`content::posts`) and map what it wrote; the reads are
//! in `post_queries.rs`.

use quire_proto::v1;
use quire_proto::v1::post_service_server::PostService;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::idempotent::{Begun, OwnWrite, Writes, key_of};
use super::mapping;
use super::post_fields;
use super::post_search::Search;
use super::status::{ApiError, ApiResult};
use crate::auth::{Authenticator, Caller, policy};
use crate::cache::ReadCache;
use crate::content::{self, Written, posts::Target};
use crate::domain::{Etag, FieldViolations, from_timestamp, parse_uuid};
use crate::store::Store;
use crate::store::idempotency::Key;
use crate::store::posts::View;

/// The post API over the store.
pub struct PostApi {
    pub(super) store: Store,
    auth: Authenticator,
    pub(super) cache: ReadCache,
    pub(super) writes: Writes,
    pub(super) search: Search,
}

impl PostApi {
    /// A post API reading through `cache`, searching with `search`.
    pub fn new(writes: Writes, auth: Authenticator, cache: ReadCache, search: Search) -> Self {
        Self {
            store: writes.store().clone(),
            auth,
            cache,
            writes,
            search,
        }
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
        // With a time, as PublishPost: a past one backdates the post.
        Ok(v1::PostStatus::Published) => match publish_time.map(from_timestamp) {
            None => Some(Target::Published),
            Some(Some(time)) if time <= chrono::Utc::now() => Some(Target::Backdated(time)),
            Some(Some(_)) => {
                violations.add(
                    "publish_time",
                    "is in the future: set the status SCHEDULED to schedule the post",
                );
                None
            }
            Some(None) => {
                violations.add("publish_time", "is not a valid timestamp");
                None
            }
        },
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
    /// Begins a post write (see `idempotent::Writes`).
    async fn begin<R: prost::Message + Default>(&self, key: Option<Key>) -> ApiResult<Begun<R>> {
        self.writes.begin(key).await
    }

    /// Applies the tags a committed write invalidated to this replica's
    /// cache at once (read-your-writes).
    fn note(&self, own_write: OwnWrite) {
        if let Some((sequence, cache_tags)) = own_write {
            self.cache.note_own_write(sequence, &cache_tags);
        }
    }

    async fn create(
        &self,
        caller: Caller,
        mut request: v1::CreatePostRequest,
    ) -> ApiResult<v1::CreatePostResponse> {
        policy::write_content(&caller)?;
        let key = key_of(
            "CreatePost",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let post = request
            .post
            .ok_or_else(|| ApiError::invalid("post", "is required"))?;
        let mut violations = FieldViolations::new();
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
        let new = content::posts::prepare(
            &self.store,
            &caller,
            author.unwrap_or_default(),
            edit,
            target,
        )
        .await?;
        let mut once = match self.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let (post, cache_tags, own_write) = written(content::posts::create(tx, new).await?);
        let response = v1::CreatePostResponse { post, cache_tags };
        once.commit(&response).await?;
        self.note(own_write);
        Ok(response)
    }

    async fn update(
        &self,
        caller: Caller,
        mut request: v1::UpdatePostRequest,
    ) -> ApiResult<v1::UpdatePostResponse> {
        let key = key_of(
            "UpdatePost",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
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
        let mut once = match self.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let updated = content::posts::update(tx, &caller, id, etag, edit, target).await?;
        let (post, cache_tags, own_write) = written(updated);
        let response = v1::UpdatePostResponse { post, cache_tags };
        once.commit(&response).await?;
        self.note(own_write);
        Ok(response)
    }

    async fn delete(
        &self,
        caller: Caller,
        mut request: v1::DeletePostRequest,
    ) -> ApiResult<v1::DeletePostResponse> {
        let key = key_of(
            "DeletePost",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let id = parse_id(&request.id, "id")?;
        let etag = parse_etag(&request.etag, "etag")?;
        let mut once = match self.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let (sequence, cache_tags) = content::posts::delete(tx, &caller, id, etag).await?;
        let response = v1::DeletePostResponse {
            cache_tags: cache_tags.clone(),
        };
        let own_write = Some((sequence, cache_tags));
        once.commit(&response).await?;
        self.note(own_write);
        Ok(response)
    }

    async fn publish(
        &self,
        caller: Caller,
        mut request: v1::PublishPostRequest,
    ) -> ApiResult<v1::PublishPostResponse> {
        let key = key_of(
            "PublishPost",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let id = parse_id(&request.id, "id")?;
        let at = match &request.publish_time {
            None => None,
            Some(time) => Some(
                from_timestamp(time)
                    .ok_or_else(|| ApiError::invalid("publish_time", "is not a valid timestamp"))?,
            ),
        };
        let etag = parse_etag(&request.etag, "etag")?;
        let mut once = match self.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let published = content::posts::publish(tx, &caller, id, etag, at).await?;
        let (post, cache_tags, own_write) = written(published);
        let response = v1::PublishPostResponse { post, cache_tags };
        once.commit(&response).await?;
        self.note(own_write);
        Ok(response)
    }

    async fn unpublish(
        &self,
        caller: Caller,
        mut request: v1::UnpublishPostRequest,
    ) -> ApiResult<v1::UnpublishPostResponse> {
        let key = key_of(
            "UnpublishPost",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let id = parse_id(&request.id, "id")?;
        let etag = parse_etag(&request.etag, "etag")?;
        let mut once = match self.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let withdrawn = content::posts::unpublish(tx, &caller, id, etag, request.archive).await?;
        let (post, cache_tags, own_write) = written(withdrawn);
        let response = v1::UnpublishPostResponse { post, cache_tags };
        once.commit(&response).await?;
        self.note(own_write);
        Ok(response)
    }

    async fn restore_revision(
        &self,
        caller: Caller,
        mut request: v1::RestorePostRevisionRequest,
    ) -> ApiResult<v1::RestorePostRevisionResponse> {
        let key = key_of(
            "RestorePostRevision",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let post_id = parse_id(&request.post_id, "post_id")?;
        if request.revision < 1 {
            return Err(ApiError::invalid(
                "revision",
                "must be a revision number (1 or more)",
            ));
        }
        let etag = parse_etag(&request.etag, "etag")?;
        let mut once = match self.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let restored =
            content::posts::restore(tx, &caller, post_id, etag, request.revision).await?;
        let (post, cache_tags, own_write) = written(restored);
        let response = v1::RestorePostRevisionResponse { post, cache_tags };
        once.commit(&response).await?;
        self.note(own_write);
        Ok(response)
    }
}

/// A written post for a response, the cache tags its write invalidated, and
/// the change for this replica's cache.
fn written(written: Written) -> (Option<v1::Post>, Vec<String>, OwnWrite) {
    let own_write = written
        .sequence
        .map(|sequence| (sequence, written.cache_tags.clone()));
    (
        Some(mapping::post(written.post)),
        written.cache_tags,
        own_write,
    )
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

    async fn get_adjacent_posts(
        &self,
        request: Request<v1::GetAdjacentPostsRequest>,
    ) -> Result<Response<v1::GetAdjacentPostsResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.adjacent(caller, request.into_inner()).await?,
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
