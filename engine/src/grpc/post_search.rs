//! quire.v1.PostService: full-text search and previews of unsaved Markdown.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use quire_proto::v1;

use super::mapping;
use super::post_queries::optional_slug;
use super::post_service::PostApi;
use super::status::{ApiError, ApiResult};
use crate::auth::{Caller, policy};
use crate::config::{SearchBackend, SearchSettings};
use crate::domain::{
    CLIENT_KEY_MAX, FieldViolations, PageToken, SEARCH_QUERY_MAX, call_deadline, check_text,
    page_size,
};
use crate::render;
use crate::search::{Rank, SearchIndex, SearchRequest, query};
use crate::store::posts;

/// How often the rate limiter forgets clients that have gone quiet.
const FORGET_QUIET_CLIENTS: Duration = Duration::from_secs(60);

/// Where SearchPosts is answered from, and its guard rails.
#[derive(Clone)]
pub struct Search {
    /// The replica's index; `None` answers from PostgreSQL (the baseline).
    index: Option<SearchIndex>,
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
    budget: Duration,
}

impl Search {
    /// Search as `settings` say, over `index` (required for the index backend).
    pub fn new(settings: &SearchSettings, index: Option<SearchIndex>) -> Self {
        let limiter = NonZeroU32::new(settings.rate_per_client).map(|rate| {
            let burst = rate.saturating_mul(NonZeroU32::new(2).expect("2 is not zero"));
            let limiter = Arc::new(DefaultKeyedRateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            ));
            let weak = Arc::downgrade(&limiter);
            tokio::spawn(async move {
                let mut every = tokio::time::interval(FORGET_QUIET_CLIENTS);
                loop {
                    every.tick().await;
                    let Some(limiter) = weak.upgrade() else {
                        return;
                    };
                    limiter.retain_recent();
                    limiter.shrink_to_fit();
                }
            });
            limiter
        });
        Self {
            index: index.filter(|_| settings.backend == SearchBackend::Index),
            limiter,
            budget: settings.budget,
        }
    }

    /// Counts one search of `client` against its rate.
    fn admit(&self, client: String) -> ApiResult<()> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter
            .check_key(&client)
            .map_err(|not_until| ApiError::ResourceExhausted {
                message: "too many searches from this client; slow down".to_owned(),
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            })
    }
}

/// Whom a search counts against: the reader a service names, else the caller.
fn client_of(caller: &Caller, client_key: &str) -> String {
    if !client_key.is_empty() {
        return format!("client:{client_key}");
    }
    match caller {
        Caller::Service { key_id, .. } => format!("key:{key_id}"),
        Caller::Author { id, .. } => format!("author:{id}"),
    }
}

/// A validated SearchPostsRequest.
struct Parsed {
    text: String,
    query: query::Parsed,
    limit: i64,
    tag_slug: Option<String>,
    author_slug: Option<String>,
    token: Option<Vec<String>>,
}

impl Parsed {
    fn fingerprint(&self) -> [&str; 3] {
        [
            &self.text,
            self.tag_slug.as_deref().unwrap_or(""),
            self.author_slug.as_deref().unwrap_or(""),
        ]
    }
}

fn parse(request: &v1::SearchPostsRequest) -> ApiResult<Parsed> {
    let mut violations = FieldViolations::new();
    let text = request.query.trim();
    let query = violations
        .check("query", check_text(text, true, SEARCH_QUERY_MAX))
        .and_then(|()| violations.check("query", query::parse(text)));
    let limit = violations
        .check("page_size", page_size(request.page_size, 10, 50))
        .unwrap_or(10);
    let tag_slug = optional_slug(&request.tag_slug, "tag_slug", &mut violations);
    let author_slug = optional_slug(&request.author_slug, "author_slug", &mut violations);
    violations.check(
        "client_key",
        check_text(&request.client_key, false, CLIENT_KEY_MAX),
    );
    let mut parsed = Parsed {
        text: text.to_owned(),
        query: query.unwrap_or_default(),
        limit,
        tag_slug,
        author_slug,
        token: None,
    };
    let parts = 3;
    match PageToken::decode(&request.page_token, &parsed.fingerprint(), parts) {
        Ok(token) => parsed.token = token,
        Err(problem) => violations.add("page_token", problem),
    }
    violations.into_result()?;
    Ok(parsed)
}

/// The rank a page token carries: score bits, listing time, key.
fn rank_of(token: &[String]) -> Option<Rank> {
    Some(Rank {
        score: f32::from_bits(token.first()?.parse().ok()?),
        sort_time: token.get(1)?.parse().ok()?,
        key: token.get(2)?.parse().ok()?,
    })
}

fn token_of(parsed: &Parsed, rank: Rank) -> String {
    PageToken::encode(
        &parsed.fingerprint(),
        &[
            rank.score.to_bits().to_string(),
            rank.sort_time.to_string(),
            rank.key.to_string(),
        ],
    )
}

impl PostApi {
    pub(super) async fn search(
        &self,
        caller: Caller,
        request: v1::SearchPostsRequest,
    ) -> ApiResult<v1::SearchPostsResponse> {
        policy::read_published(&caller)?;
        let parsed = parse(&request)?;
        self.search.admit(client_of(&caller, &request.client_key))?;
        match &self.search.index {
            Some(index) => self.search_index(index.clone(), parsed).await,
            None => self.search_postgres(parsed).await,
        }
    }

    async fn search_index(
        &self,
        index: SearchIndex,
        parsed: Parsed,
    ) -> ApiResult<v1::SearchPostsResponse> {
        let after = match &parsed.token {
            None => None,
            Some(token) => Some(rank_of(token).ok_or_else(|| {
                ApiError::invalid(
                    "page_token",
                    "is not a page token from a previous response to this request",
                )
            })?),
        };
        let budget = Instant::now() + self.search.budget;
        let deadline = call_deadline().map_or(budget, |deadline| deadline.min(budget));
        let parsed = Arc::new(parsed);
        let request = SearchRequest {
            parsed: parsed.query.clone(),
            tag_slug: parsed.tag_slug.clone(),
            author_slug: parsed.author_slug.clone(),
            limit: parsed.limit as usize,
            after,
            deadline,
        };
        let found = tokio::task::spawn_blocking(move || index.search(&request))
            .await
            .map_err(ApiError::internal)??;
        let next_page_token = match (found.more, found.hits.last()) {
            (true, Some(last)) => token_of(&parsed, last.rank),
            _ => String::new(),
        };
        Ok(v1::SearchPostsResponse {
            results: found
                .hits
                .into_iter()
                .map(|hit| v1::SearchResult {
                    post: Some(hit.post),
                    snippet_html: hit.snippet_html,
                    score: hit.rank.score,
                })
                .collect(),
            next_page_token,
            total_size: i32::try_from(found.total).unwrap_or(i32::MAX),
        })
    }

    /// PostgreSQL's full-text search (`QUIRE_SEARCH=postgres`): English
    /// stems, ranked over every match; the benchmarks' baseline.
    async fn search_postgres(&self, parsed: Parsed) -> ApiResult<v1::SearchPostsResponse> {
        let offset = match &parsed.token {
            None => 0,
            Some(token) => token
                .first()
                .and_then(|offset| offset.parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "page_token",
                        "is not a page token from a previous response to this request",
                    )
                })?,
        };
        let limit = parsed.limit;
        let (query, tag_slug) = (parsed.text.as_str(), parsed.tag_slug.as_deref());
        let mut conn = self.store.acquire().await?;
        let hits = posts::search(&mut conn, query, tag_slug, offset, limit + 1).await?;
        let total_size = posts::search_count(&mut conn, query, tag_slug).await?;
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
            PageToken::encode(
                &parsed.fingerprint(),
                &[(offset + limit).to_string(), String::new(), String::new()],
            )
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
        let library = crate::content::library_of(&self.store, &request.markdown).await?;
        let deadline = call_deadline().unwrap_or_else(|| Instant::now() + render::RENDER_BUDGET);
        let rendered =
            render::pool::run(move || render::render_until(&request.markdown, &library, deadline))
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
