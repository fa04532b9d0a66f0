//! Starts a real engine for one test, on a database of its own, and stops it
//! when the test ends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use quire_engine::auth::{Secret, SecretKind};
use quire_engine::cache::ReadCache;
use quire_engine::config::Settings;
use quire_engine::startup::Application;
use quire_engine::store::{Store, credentials};
use quire_proto::v1;
use quire_proto::v1::author_service_client::AuthorServiceClient;
use quire_proto::v1::change_service_client::ChangeServiceClient;
use quire_proto::v1::comment_service_client::CommentServiceClient;
use quire_proto::v1::post_service_client::PostServiceClient;
use quire_proto::v1::tag_service_client::TagServiceClient;
use sqlx::Connection;
use tokio::sync::{OnceCell, oneshot};
use tokio_stream::StreamExt;
use tonic::Streaming;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use uuid::Uuid;

static CLEANUP: OnceCell<()> = OnceCell::const_new();
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The server that tests create their databases on (`DATABASE_URL`, set by
/// `npm test` through the services module).
fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must point at a PostgreSQL server the tests may create databases on; `npm test` sets it",
    )
}

fn with_database(url: &str, database: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("DATABASE_URL has a path");
    let query = url
        .split_once('?')
        .map(|(_, query)| format!("?{query}"))
        .unwrap_or_default();
    format!("{base}/{database}{query}")
}

/// Drops test databases left by runs more than an hour old.
async fn drop_stale_databases(admin: &mut sqlx::PgConnection) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'quire_test_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let created: u64 = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(now);
        if now.saturating_sub(created) > 3600 {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut *admin)
                .await;
        }
    }
}

/// A fresh, empty database; returns its URL.
pub async fn fresh_database() -> String {
    fresh_database_with("").await
}

/// A fresh, empty database created with `options` (`LC_CTYPE 'C' …`).
pub async fn fresh_database_with(options: &str) -> String {
    let admin_url = admin_url();
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to DATABASE_URL");
    CLEANUP
        .get_or_init(|| drop_stale_databases(&mut admin))
        .await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let name = format!(
        "quire_test_{now}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::query(&format!("CREATE DATABASE \"{name}\" {options}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    with_database(&admin_url, &name)
}

/// A running engine on its own database, stopped on drop.
pub struct TestEngine {
    pub channel: Channel,
    pub store: Store,
    pub cache: ReadCache,
    /// The engine's search index (`None` with `QUIRE_SEARCH=postgres`).
    #[allow(dead_code)]
    pub search_index: Option<quire_engine::search::SearchIndex>,
    /// The engine's database, for starting a second replica on it.
    #[allow(dead_code)]
    pub database_url: String,
    /// An API key with the admin scope.
    pub admin_key: String,
    stop: Option<oneshot::Sender<()>>,
}

impl TestEngine {
    /// Starts an engine on 127.0.0.1:0 with a fresh database.
    pub async fn start() -> Self {
        Self::start_on(fresh_database().await).await
    }

    /// Starts an engine on an existing database (a second replica), sharing
    /// Redis under the database's name as key prefix.
    pub async fn start_on(database_url: String) -> Self {
        Self::start_with(database_url, &[]).await
    }

    /// Starts an engine on `database_url` with extra settings (`name`, `value`).
    pub async fn start_with(database_url: String, extra: &[(&str, &str)]) -> Self {
        let url = database_url.clone();
        // Each test's database name is unique: use it as the Redis key prefix.
        let prefix = database_url
            .rsplit('/')
            .next()
            .unwrap_or("quire_test")
            .to_owned();
        let redis_url = std::env::var("REDIS_URL").ok();
        let extra: Vec<(String, String)> = extra
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let settings = Settings::from_lookup(|name| {
            if let Some((_, value)) = extra.iter().find(|(key, _)| key == name) {
                return Some(value.clone());
            }
            match name {
                "QUIRE_LISTEN_ADDR" => Some("127.0.0.1:0".to_owned()),
                "DATABASE_URL" => Some(url.clone()),
                "QUIRE_DB_POOL_SIZE" => Some("8".to_owned()),
                "QUIRE_METRICS_ADDR" => Some("off".to_owned()),
                "QUIRE_REDIS_PREFIX" => Some(prefix.clone()),
                // Tests search in bursts with one key; the limit has its own test.
                "QUIRE_SEARCH_RATE_PER_CLIENT" => Some("0".to_owned()),
                "REDIS_URL" => redis_url.clone(),
                _ => None,
            }
        })
        .expect("test settings are valid");
        let application = Application::build(settings).await.expect("engine builds");
        let addr = application.local_addr();
        let store = application.store();
        let cache = application.read_cache();
        let search_index = application.search_index();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(application.run_until(async {
            let _ = stopped.await;
        }));
        let channel = Channel::from_shared(format!("http://{addr}"))
            .expect("valid uri")
            .connect()
            .await
            .expect("engine accepts connections");
        let admin_key = create_key(&store, &["admin"]).await;
        let engine = Self {
            channel,
            store,
            cache,
            search_index,
            database_url,
            admin_key,
            stop: Some(stop),
        };
        engine.wait_until_serving().await;
        engine
    }

    async fn wait_until_serving(&self) {
        let mut health = tonic_health::pb::health_client::HealthClient::new(self.channel.clone());
        for _ in 0..100 {
            let status = health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .map(|r| r.into_inner().status);
            if status.is_ok_and(|s| {
                s == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
            }) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("engine never reported SERVING");
    }

    /// Starts shutting the engine down (as SIGTERM does), keeping the test's
    /// connection to it.
    pub fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Every draft, read with the admin key: a read that always reaches
    /// PostgreSQL (drafts are never cached).
    pub async fn drafts(&self) -> Result<Vec<v1::Post>, Status> {
        self.posts()
            .list_posts(authed(
                v1::ListPostsRequest {
                    statuses: vec![v1::PostStatus::Draft as i32],
                    ..Default::default()
                },
                &self.admin_key,
            ))
            .await
            .map(|response| response.into_inner().posts)
    }

    /// A new API key with `scopes`.
    pub async fn key(&self, scopes: &[&str]) -> String {
        create_key(&self.store, scopes).await
    }

    pub fn posts(&self) -> PostServiceClient<Channel> {
        PostServiceClient::new(self.channel.clone())
    }

    pub fn tags(&self) -> TagServiceClient<Channel> {
        TagServiceClient::new(self.channel.clone())
    }

    pub fn authors(&self) -> AuthorServiceClient<Channel> {
        AuthorServiceClient::new(self.channel.clone())
    }

    pub fn comments(&self) -> CommentServiceClient<Channel> {
        CommentServiceClient::new(self.channel.clone())
    }

    pub fn media(&self) -> quire_proto::v1::media_service_client::MediaServiceClient<Channel> {
        quire_proto::v1::media_service_client::MediaServiceClient::new(self.channel.clone())
    }

    pub fn changes(&self) -> ChangeServiceClient<Channel> {
        ChangeServiceClient::new(self.channel.clone())
    }

    /// The changes committed after `after`, read with `credential` until
    /// `want` have arrived (at most 5 s for each message).
    pub async fn changes_after(
        &self,
        after: i64,
        want: usize,
        credential: &str,
    ) -> Vec<v1::Change> {
        let mut stream = self.watch(after, credential).await;
        let mut changes = Vec::new();
        while changes.len() < want {
            let message = tokio::time::timeout(Duration::from_secs(5), stream.next())
                .await
                .expect("a change arrives in time")
                .expect("stream open")
                .expect("no error");
            changes.extend(message.changes);
        }
        changes
    }

    /// Whether nothing is committed after `after` within a moment.
    pub async fn no_change_after(&self, after: i64) -> bool {
        let mut stream = self.watch(after, &self.admin_key).await;
        match tokio::time::timeout(Duration::from_millis(300), stream.next()).await {
            Err(_) => true,
            Ok(message) => message.expect("open").expect("ok").changes.is_empty(),
        }
    }

    async fn watch(&self, after: i64, credential: &str) -> Streaming<v1::WatchChangesResponse> {
        self.changes()
            .watch_changes(authed(
                v1::WatchChangesRequest {
                    after_sequence: after,
                },
                credential,
            ))
            .await
            .expect("watch")
            .into_inner()
    }

    /// Creates an author with `role` and signs them in; returns (author, session token).
    pub async fn author(&self, slug: &str, role: v1::AuthorRole) -> (v1::Author, String) {
        let password = "a long enough password".to_owned();
        let author = self
            .authors()
            .create_author(authed(
                v1::CreateAuthorRequest {
                    author: Some(v1::Author {
                        slug: slug.to_owned(),
                        display_name: slug.to_owned(),
                        email: format!("{slug}@example.com"),
                        role: role as i32,
                        ..Default::default()
                    }),
                    password: password.clone(),
                    ..Default::default()
                },
                &self.admin_key,
            ))
            .await
            .expect("create author")
            .into_inner()
            .author
            .expect("author");
        let session = self
            .authors()
            .authenticate(v1::AuthenticateRequest {
                email: author.email.clone(),
                password,
                ..Default::default()
            })
            .await
            .expect("sign in")
            .into_inner()
            .session_token;
        (author, session)
    }

    /// Creates a draft through the API with the admin key.
    pub async fn draft(
        &self,
        author: &v1::Author,
        slug: &str,
        title: &str,
        markdown: &str,
    ) -> v1::Post {
        self.posts()
            .create_post(authed(
                v1::CreatePostRequest {
                    post: Some(v1::Post {
                        slug: slug.to_owned(),
                        title: title.to_owned(),
                        markdown: markdown.to_owned(),
                        author_id: author.id.clone(),
                        tags: vec![v1::TagRef {
                            name: "Rust".to_owned(),
                            slug: String::new(),
                        }],
                        ..Default::default()
                    }),
                    request_id: String::new(),
                    ..Default::default()
                },
                &self.admin_key,
            ))
            .await
            .expect("create post")
            .into_inner()
            .post
            .expect("post")
    }

    /// Creates and publishes a post.
    pub async fn published(
        &self,
        author: &v1::Author,
        slug: &str,
        title: &str,
        markdown: &str,
    ) -> v1::Post {
        let draft = self.draft(author, slug, title, markdown).await;
        self.posts()
            .publish_post(authed(
                v1::PublishPostRequest {
                    id: draft.id,
                    etag: String::new(),
                    publish_time: None,
                    ..Default::default()
                },
                &self.admin_key,
            ))
            .await
            .expect("publish")
            .into_inner()
            .post
            .expect("post")
    }
}

async fn create_key(store: &Store, scopes: &[&str]) -> String {
    let secret = Secret::generate(SecretKind::ApiKey).expect("randomness");
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let mut conn = store.pool().acquire().await.expect("connection");
    credentials::insert_api_key(&mut conn, Uuid::new_v4(), "test", &secret.digest, &scopes)
        .await
        .expect("insert key");
    secret.text
}

/// A request carrying `authorization: Bearer <credential>`.
pub fn authed<T>(message: T, credential: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {credential}")
            .parse()
            .expect("ascii credential"),
    );
    request
}

/// The field names of an INVALID_ARGUMENT's BadRequest detail.
pub fn violated_fields(status: &Status) -> Vec<String> {
    use tonic_types::StatusExt;
    assert_eq!(
        status.code(),
        Code::InvalidArgument,
        "expected INVALID_ARGUMENT, got {status:?}"
    );
    status
        .get_details_bad_request()
        .map(|bad| bad.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}
