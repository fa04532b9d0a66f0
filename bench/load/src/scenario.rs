//! The RPCs a benchmark can drive.

use quire_proto::v1;
use quire_proto::v1::post_service_client::PostServiceClient;
use tonic::Request;
use tonic::transport::Channel;

/// What one request does.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Scenario {
    /// PostService.GetPost by slug.
    GetPost,
    /// PostService.ListPosts, first page.
    ListPosts,
    /// PostService.SearchPosts for `--query` (by default two common words).
    SearchPosts,
    /// PostService.CreatePost with a realistic Markdown body.
    CreatePost,
    /// grpc.health.v1.Health.Check: the server's floor.
    Health,
    /// An HTTP/1.1 GET of `--target-url` (the web app), not an RPC.
    HttpGet,
}

/// What search-posts looks for unless `--query` says otherwise.
pub const DEFAULT_SEARCH_QUERY: &str = "cache latency";

/// Fixed inputs of a run.
pub struct Context {
    pub key: String,
    pub slug: String,
    pub author_id: String,
    /// The text search-posts sends.
    pub query: String,
}

pub(crate) fn authed<T>(message: T, key: &str) -> Request<T> {
    let mut request = Request::new(message);
    if !key.is_empty()
        && let Ok(value) = format!("Bearer {key}").parse()
    {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// One SearchPosts for `query`: how many posts match and how many came back.
pub async fn search_once(
    channel: Channel,
    key: &str,
    query: &str,
) -> anyhow::Result<serde_json::Value> {
    let request = v1::SearchPostsRequest {
        query: query.to_owned(),
        ..Default::default()
    };
    let response = PostServiceClient::new(channel)
        .search_posts(authed(request, key))
        .await?
        .into_inner();
    Ok(serde_json::json!({
        "query": query,
        "total_size": response.total_size,
        "results": response.results.len(),
    }))
}

impl Scenario {
    /// The scenario's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::GetPost => "get-post",
            Scenario::ListPosts => "list-posts",
            Scenario::SearchPosts => "search-posts",
            Scenario::CreatePost => "create-post",
            Scenario::Health => "health",
            Scenario::HttpGet => "http-get",
        }
    }

    /// Whether the scenario is an HTTP GET rather than an RPC.
    pub fn is_http(self) -> bool {
        matches!(self, Scenario::HttpGet)
    }

    /// Sends one RPC; whether it succeeded. HTTP scenarios go through
    /// `http::HttpGet` instead and fail here.
    pub async fn call(self, channel: Channel, context: &Context, sequence: u64) -> bool {
        match self {
            Scenario::GetPost => {
                let request = v1::GetPostRequest {
                    key: Some(v1::get_post_request::Key::Slug(context.slug.clone())),
                    view: 0,
                };
                PostServiceClient::new(channel)
                    .get_post(authed(request, &context.key))
                    .await
                    .is_ok()
            }
            Scenario::ListPosts => {
                let request = v1::ListPostsRequest {
                    page_size: 10,
                    ..Default::default()
                };
                PostServiceClient::new(channel)
                    .list_posts(authed(request, &context.key))
                    .await
                    .is_ok()
            }
            Scenario::SearchPosts => {
                let request = v1::SearchPostsRequest {
                    query: context.query.clone(),
                    ..Default::default()
                };
                PostServiceClient::new(channel)
                    .search_posts(authed(request, &context.key))
                    .await
                    .is_ok()
            }
            Scenario::CreatePost => {
                let request = v1::CreatePostRequest {
                    post: Some(crate::seed::post(
                        &context.author_id,
                        &format!("bench-{sequence}-{}", std::process::id()),
                    )),
                    ..Default::default()
                };
                PostServiceClient::new(channel)
                    .create_post(authed(request, &context.key))
                    .await
                    .is_ok()
            }
            Scenario::Health => {
                let request = tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                };
                tonic_health::pb::health_client::HealthClient::new(channel)
                    .check(request)
                    .await
                    .is_ok()
            }
            Scenario::HttpGet => false,
        }
    }
}
