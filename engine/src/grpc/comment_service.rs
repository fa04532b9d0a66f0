//! quire.v1.CommentService.

use std::time::Duration;

use quire_proto::v1;
use quire_proto::v1::comment_service_server::CommentService;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::idempotent::{Begun, Writes, key_of};
use super::mapping;
use super::status::{ApiError, ApiResult, not_found};
use crate::auth::{Authenticator, Caller, policy};
use crate::changes::record;
use crate::domain::{
    CLIENT_KEY_MAX, COMMENT_BODY_MAX, COMMENTER_NAME_MAX, EMAIL_MAX, FieldViolations, PageToken,
    check_email, check_text, page_size, parse_uuid,
};
use crate::store::changes;
use crate::store::comments::{self, CommentRecord, NewComment, status};
use crate::store::posts::{self, PostRecord, View};
use crate::store::{Store, Tx};

/// Comments one client may submit within [`RATE_WINDOW_MINUTES`].
const COMMENTS_PER_CLIENT: i64 = 5;
const RATE_WINDOW_MINUTES: i32 = 10;

/// The comment API over the store.
pub struct CommentApi {
    store: Store,
    auth: Authenticator,
    writes: Writes,
}

impl CommentApi {
    /// A comment API.
    pub fn new(writes: Writes, auth: Authenticator) -> Self {
        Self {
            store: writes.store().clone(),
            auth,
            writes,
        }
    }

    async fn create(
        &self,
        caller: Caller,
        mut request: v1::CreateCommentRequest,
    ) -> ApiResult<v1::CreateCommentResponse> {
        policy::create_comment(&caller)?;
        let key = key_of(
            "CreateComment",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let comment = request
            .comment
            .ok_or_else(|| ApiError::invalid("comment", "is required"))?;
        let mut violations = FieldViolations::new();
        let post_id = violations.check("comment.post_id", parse_uuid(&comment.post_id));
        violations.check(
            "comment.author_name",
            check_text(comment.author_name.trim(), true, COMMENTER_NAME_MAX),
        );
        violations.check(
            "comment.author_email",
            check_email(comment.author_email.trim(), false, EMAIL_MAX),
        );
        violations.check(
            "comment.body",
            check_text(comment.body.trim(), true, COMMENT_BODY_MAX),
        );
        violations.check(
            "client_key",
            check_text(&request.client_key, false, CLIENT_KEY_MAX),
        );
        violations.into_result()?;
        let post_id = post_id.ok_or_else(|| ApiError::invalid("comment.post_id", "is required"))?;
        let mut once = match self.writes.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let response = v1::CreateCommentResponse {
            comment: Some(
                self.insert(tx, post_id, comment, request.client_key)
                    .await?,
            ),
        };
        once.commit(&response).await?;
        Ok(response)
    }

    /// Stores a reader's comment on the published post `post_id`: approved
    /// at once from a trusted commenter, else held for moderation.
    async fn insert(
        &self,
        tx: &mut Tx,
        post_id: Uuid,
        comment: v1::Comment,
        client_key: String,
    ) -> ApiResult<v1::Comment> {
        let post = posts::get_by_id(tx, post_id, View::Basic)
            .await
            .map_err(not_found("post"))?;
        if post.status != posts::status::PUBLISHED {
            return Err(ApiError::NotFound("post"));
        }
        if !client_key.is_empty()
            && comments::recent_by_client(tx, &client_key, RATE_WINDOW_MINUTES).await?
                >= COMMENTS_PER_CLIENT
        {
            return Err(ApiError::ResourceExhausted {
                message: format!(
                    "too many comments; at most {COMMENTS_PER_CLIENT} every {RATE_WINDOW_MINUTES} minutes"
                ),
                retry_after: Duration::from_secs(60),
            });
        }
        let email = comment.author_email.trim().to_owned();
        let trusted = comments::commenter_is_trusted(tx, &email, &client_key).await?;
        let new = NewComment {
            post_id,
            author_name: comment.author_name.trim().to_owned(),
            author_email: email,
            body: comment.body.trim().to_owned(),
            status: if trusted {
                status::APPROVED
            } else {
                status::PENDING
            },
            client_key,
        };
        let record = comments::insert(tx, Uuid::new_v4(), &new).await?;
        if trusted {
            record_comments_changed(tx, &post).await?;
        }
        Ok(mapping::comment(record, true))
    }

    async fn list(
        &self,
        caller: Caller,
        request: v1::ListCommentsRequest,
    ) -> ApiResult<v1::ListCommentsResponse> {
        let mut violations = FieldViolations::new();
        let limit = violations
            .check("page_size", page_size(request.page_size, 50, 200))
            .unwrap_or(50);
        let wanted = match v1::CommentStatus::try_from(request.status) {
            Ok(v1::CommentStatus::Unspecified | v1::CommentStatus::Approved) => status::APPROVED,
            Ok(v1::CommentStatus::Pending) => status::PENDING,
            Ok(v1::CommentStatus::Spam) => status::SPAM,
            Err(_) => {
                violations.add("status", "is not a known CommentStatus");
                status::APPROVED
            }
        };
        let post_id = if request.post_id.is_empty() {
            if wanted == status::APPROVED {
                violations.add("post_id", "is required when listing approved comments");
            }
            None
        } else {
            violations.check("post_id", parse_uuid(&request.post_id))
        };
        let fingerprint_status = wanted.to_string();
        let fingerprint_post = post_id.map(|id| id.to_string()).unwrap_or_default();
        let fingerprint = [fingerprint_status.as_str(), fingerprint_post.as_str()];
        let position = match PageToken::decode(&request.page_token, &fingerprint, 2) {
            Ok(cursor) => cursor.and_then(|c| {
                let time = c[0]
                    .parse::<i64>()
                    .ok()
                    .and_then(chrono::DateTime::from_timestamp_micros)?;
                Some((time, Uuid::parse_str(&c[1]).ok()?))
            }),
            Err(problem) => {
                violations.add("page_token", problem);
                None
            }
        };
        violations.into_result()?;
        let moderating = wanted != status::APPROVED;
        if moderating {
            policy::moderate_comments(&caller)?;
        } else {
            policy::read_published(&caller)?;
        }

        let mut conn = self.store.acquire().await?;
        let mut rows = match post_id {
            Some(post_id) if !moderating => {
                let post = posts::get_by_id(&mut conn, post_id, View::Basic)
                    .await
                    .map_err(not_found("post"))?;
                if post.status != posts::status::PUBLISHED
                    && !policy::may_see_unpublished(&caller, post.author_id)
                {
                    return Err(ApiError::NotFound("post"));
                }
                comments::list_approved(&mut conn, post_id, position, limit + 1).await?
            }
            _ => comments::list_by_status(&mut conn, wanted, post_id, position, limit + 1).await?,
        };
        let next_page_token = PageToken::next_page(&mut rows, limit, &fingerprint, |last| {
            vec![
                last.create_time.timestamp_micros().to_string(),
                last.id.to_string(),
            ]
        });
        let with_email = policy::moderate_comments(&caller).is_ok();
        Ok(v1::ListCommentsResponse {
            comments: rows
                .into_iter()
                .map(|row| mapping::comment(row, with_email))
                .collect(),
            next_page_token,
        })
    }

    async fn moderate(
        &self,
        caller: Caller,
        mut request: v1::ModerateCommentRequest,
    ) -> ApiResult<v1::ModerateCommentResponse> {
        policy::moderate_comments(&caller)?;
        let key = key_of(
            "ModerateComment",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let id = parse_uuid(&request.id).map_err(|problem| ApiError::invalid("id", problem))?;
        let new_status = match v1::CommentStatus::try_from(request.status) {
            Ok(v1::CommentStatus::Approved) => status::APPROVED,
            Ok(v1::CommentStatus::Spam) => status::SPAM,
            _ => {
                return Err(ApiError::invalid(
                    "status",
                    "must be COMMENT_STATUS_APPROVED or COMMENT_STATUS_SPAM",
                ));
            }
        };
        let mut once = match self.writes.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let current = comments::lock(tx, id).await.map_err(not_found("comment"))?;
        let mut cache_tags = Vec::new();
        if current.status != new_status {
            comments::set_status(tx, &current, new_status).await?;
            if current.status == status::APPROVED || new_status == status::APPROVED {
                let post = posts::get_by_id(tx, current.post_id, View::Basic).await?;
                cache_tags = record_comments_changed(tx, &post).await?;
            }
        }
        let updated = comments::get(tx, id).await?;
        let response = v1::ModerateCommentResponse {
            comment: Some(mapping::comment(updated, true)),
            cache_tags,
        };
        once.commit(&response).await?;
        Ok(response)
    }

    async fn delete(
        &self,
        caller: Caller,
        mut request: v1::DeleteCommentRequest,
    ) -> ApiResult<v1::DeleteCommentResponse> {
        policy::moderate_comments(&caller)?;
        let key = key_of(
            "DeleteComment",
            &caller,
            std::mem::take(&mut request.request_id),
            &request,
        )?;
        let id = parse_uuid(&request.id).map_err(|problem| ApiError::invalid("id", problem))?;
        let mut once = match self.writes.begin(key).await? {
            Begun::Replayed(response) => return Ok(response),
            Begun::Fresh(once) => once,
        };
        let tx = once.tx();
        let current: CommentRecord = comments::lock(tx, id).await.map_err(not_found("comment"))?;
        comments::delete(tx, &current).await?;
        let mut cache_tags = Vec::new();
        if current.status == status::APPROVED {
            let post = posts::get_by_id(tx, current.post_id, View::Basic).await?;
            cache_tags = record_comments_changed(tx, &post).await?;
        }
        let response = v1::DeleteCommentResponse { cache_tags };
        once.commit(&response).await?;
        Ok(response)
    }
}

/// Records that the comments readers see on `post` changed; returns the
/// cache tags that invalidates.
async fn record_comments_changed(tx: &mut Tx, post: &PostRecord) -> ApiResult<Vec<String>> {
    let change = record::comments_changed(post);
    changes::record(tx, &change).await?;
    Ok(change.cache_tags)
}

#[tonic::async_trait]
impl CommentService for CommentApi {
    async fn create_comment(
        &self,
        request: Request<v1::CreateCommentRequest>,
    ) -> Result<Response<v1::CreateCommentResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.create(caller, request.into_inner()).await?,
        ))
    }

    async fn list_comments(
        &self,
        request: Request<v1::ListCommentsRequest>,
    ) -> Result<Response<v1::ListCommentsResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.list(caller, request.into_inner()).await?,
        ))
    }

    async fn moderate_comment(
        &self,
        request: Request<v1::ModerateCommentRequest>,
    ) -> Result<Response<v1::ModerateCommentResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.moderate(caller, request.into_inner()).await?,
        ))
    }

    async fn delete_comment(
        &self,
        request: Request<v1::DeleteCommentRequest>,
    ) -> Result<Response<v1::DeleteCommentResponse>, Status> {
        let caller = self.auth.caller(request.metadata()).await?;
        Ok(Response::new(
            self.delete(caller, request.into_inner()).await?,
        ))
    }
}
