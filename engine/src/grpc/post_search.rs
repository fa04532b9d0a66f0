//! quire.v1.PostService: full-text search and previews of unsaved Markdown.

use std::time::Instant;

use quire_proto::v1;

use super::mapping;
use super::post_queries::optional_slug;
use super::post_service::PostApi;
use super::status::{ApiError, ApiResult};
use crate::auth::{Caller, policy};
use crate::domain::{
    FieldViolations, PageToken, SEARCH_QUERY_MAX, call_deadline, check_text, page_size,
};
use crate::render;
use crate::store::posts;

impl PostApi {
    pub(super) async fn search(
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

        let mut conn = self.store.acquire().await?;
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

    pub(super) async fn preview(
        &self,
        caller: Caller,
        request: v1::PreviewPostRequest,
    ) -> ApiResult<v1::PreviewPostResponse> {
        policy::write_content(&caller)?;
        if request.markdown.len() > crate::domain::MARKDOWN_MAX_BYTES {
            return Err(ApiError::invalid("markdown", "must be at most 1024 KiB"));
        }
        if request.markdown.contains('\0') {
            return Err(ApiError::invalid(
                "markdown",
                "must not contain NUL characters",
            ));
        }
        let deadline = call_deadline().unwrap_or_else(|| Instant::now() + render::RENDER_BUDGET);
        let rendered = render::pool::run(move || render::render_until(&request.markdown, deadline))
            .await
            .map_err(ApiError::internal)?
            .map_err(|refused| ApiError::invalid("markdown", refused.to_string()))?;
        Ok(v1::PreviewPostResponse {
            html: rendered.html,
            toc: mapping::toc(rendered.toc),
            excerpt: rendered.excerpt,
            word_count: rendered.word_count,
            reading_time_minutes: rendered.reading_time_minutes,
        })
    }
}
