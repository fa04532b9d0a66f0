//! Building the engine (binding its port, connecting its store) separately
//! from running it, so tests can start it on port 0 and learn the address.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use quire_proto::v1::author_service_server::AuthorServiceServer;
use quire_proto::v1::change_service_server::ChangeServiceServer;
use quire_proto::v1::comment_service_server::CommentServiceServer;
use quire_proto::v1::media_service_server::MediaServiceServer;
use quire_proto::v1::post_service_server::PostServiceServer;
use quire_proto::v1::tag_service_server::TagServiceServer;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::codec::CompressionEncoding;
use tonic::service::interceptor::InterceptedService;
// Small responses must not wait for Nagle's algorithm (a 40 ms stall per
// call with delayed ACKs): accepted sockets get TCP_NODELAY.
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Status};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use tower_http::classify::{GrpcCode, GrpcErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracing::Level;

use crate::auth::Authenticator;
use crate::cache::{ChangeFollower, InvalidationLog, LocalCache, ReadCache, SharedCache, relay};
use crate::changes::ChangeFeed;
use crate::config::{CacheSettings, SearchBackend, Settings};
use crate::grpc::admission::AdmissionLayer;
use crate::grpc::author_service::AuthorApi;
use crate::grpc::change_service::ChangeApi;
use crate::grpc::comment_service::CommentApi;
use crate::grpc::media_service::MediaApi;
use crate::grpc::post_service::PostApi;
use crate::grpc::tag_service::TagApi;
use crate::grpc::transport_status::TransportStatusLayer;
use crate::grpc::{Search, Writes};
use crate::media::worker::Worker as MediaWorker;
use crate::scheduler;
use crate::search::SearchIndex;
use crate::store::{Store, StoreError};
use crate::telemetry::RpcSpan;

/// The services that report health by name (besides the overall "").
const SERVICE_NAMES: [&str; 5] = [
    "quire.v1.PostService",
    "quire.v1.TagService",
    "quire.v1.AuthorService",
    "quire.v1.CommentService",
    "quire.v1.ChangeService",
];

/// Errors while starting or serving.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database settings are unusable.
    #[error("invalid database settings")]
    Store(#[from] StoreError),
    /// The Redis URL is unusable.
    #[error("invalid Redis settings")]
    Redis(#[from] redis::RedisError),
    /// The search index could not be opened.
    #[error("cannot open the search index")]
    Search(#[from] crate::search::SearchError),
    /// The reflection service could not load the descriptor set.
    #[error("cannot build the reflection service")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The gRPC server failed.
    #[error("the gRPC server failed")]
    Serve(#[from] tonic::transport::Error),
}

/// A bound, ready-to-run engine.
pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    settings: Settings,
    store: Store,
    shared: SharedCache,
    feed: ChangeFeed,
    cache: ReadCache,
    search_index: Option<SearchIndex>,
    background: CancellationToken,
    migrated: bool,
}

impl Application {
    /// Binds the listen address and connects the store. Migrations are tried
    /// once here; if the database is not reachable yet, the engine still
    /// starts, reports NOT_SERVING and keeps trying in the background.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(settings.listen_addr)
            .await
            .map_err(|source| StartupError::Bind {
                addr: settings.listen_addr,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: settings.listen_addr,
            source,
        })?;
        let store = Store::connect_lazy(&settings.database)?;
        if let Some(addr) = settings.metrics_addr {
            match crate::metrics::serve(addr) {
                Ok(()) => tracing::info!(%addr, "metrics at http://{addr}/metrics"),
                Err(error) => tracing::warn!(%addr, %error, "metrics endpoint not started"),
            }
        }
        // After the metrics recorder, so that the Redis gauge is recorded.
        let shared = if settings.cache.enabled {
            SharedCache::connect(&settings.cache)?
        } else {
            SharedCache::none()
        };
        // Load the syntax definitions and sanitiser now, not on the first write.
        let warm_up = tokio::task::spawn_blocking(crate::render::warm_up);
        let migrated = match store.migrate().await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(error = %error, "database not ready yet; will keep trying");
                false
            }
        };
        if let Err(error) = warm_up.await {
            tracing::warn!(%error, "warming up the renderer failed");
        }
        let background = CancellationToken::new();
        let feed = ChangeFeed::start(store.clone(), background.clone());
        let cache = read_cache(&settings.cache, &store, &shared, &feed, &background);
        let search_index = match settings.search.backend {
            SearchBackend::Index => Some(SearchIndex::open(&settings.search)?),
            SearchBackend::Postgres => {
                tracing::info!("search answered by PostgreSQL (QUIRE_SEARCH=postgres)");
                None
            }
        };
        Ok(Self {
            listener,
            local_addr,
            settings,
            store,
            shared,
            feed,
            cache,
            search_index,
            background,
            migrated,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The read cache, for tests that count its loads.
    pub fn read_cache(&self) -> ReadCache {
        self.cache.clone()
    }

    /// The search index (`None` with `QUIRE_SEARCH=postgres`), for tests.
    pub fn search_index(&self) -> Option<SearchIndex> {
        self.search_index.clone()
    }

    /// The store, for tests that inspect the database directly.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// Serves until `shutdown` completes, then drains in-flight calls and
    /// stops the background tasks.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), StartupError> {
        let background = self.background.clone();
        let ready = Arc::new(AtomicBool::new(false));
        let (health_reporter, health_service) = tonic_health::server::health_reporter();
        set_health(&health_reporter, ServingStatus::NotServing).await;

        let feed = self.feed.clone();
        let cache = self.cache.clone();
        tokio::spawn(self.shared.clone().probe(background.clone()));
        let probed = self.store.clone();
        let stop_probe = background.clone();
        tokio::spawn(async move { probed.probe_liveness(stop_probe).await });
        tokio::spawn(crate::metrics::watch_pool(
            self.store.clone(),
            background.clone(),
        ));
        if self.shared.is_configured() {
            tokio::spawn(relay::run(
                self.store.clone(),
                feed.clone(),
                self.shared.clone(),
                background.clone(),
            ));
        }
        let media = Arc::new(MediaWorker::default());
        tokio::spawn(become_ready(
            Ready {
                store: self.store.clone(),
                feed: feed.clone(),
                search_index: self.search_index.clone(),
                media: media.clone(),
            },
            self.migrated,
            health_reporter,
            ready.clone(),
            background.clone(),
        ));
        let search = Search::new(&self.settings.search, self.search_index.clone());

        let auth = Authenticator::new(self.store.clone());
        let limits = &self.settings.limits;
        let max = limits.max_message_bytes;
        let writes = Writes::new(self.store.clone(), max);
        let gate = move |request: Request<()>| -> Result<Request<()>, Status> {
            if ready.load(Ordering::Acquire) {
                Ok(request)
            } else {
                Err(Status::unavailable(
                    "the engine is starting: its database is not ready yet",
                ))
            }
        };
        macro_rules! service {
            ($server:ident, $api:expr) => {
                InterceptedService::new(
                    $server::new($api)
                        .max_decoding_message_size(max)
                        .max_encoding_message_size(max)
                        .accept_compressed(CompressionEncoding::Gzip)
                        .send_compressed(CompressionEncoding::Gzip),
                    gate.clone(),
                )
            };
        }

        let reflection_v1 = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(quire_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(quire_proto::ERROR_DETAILS_FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()?;
        let reflection_v1alpha = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(quire_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(quire_proto::ERROR_DETAILS_FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1alpha()?;

        tracing::info!(addr = %self.local_addr, "engine listening");
        let stop_background = background.clone();
        let result = Server::builder()
            .concurrency_limit_per_connection(256)
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .http2_keepalive_timeout(Some(Duration::from_secs(10)))
            // A span per call (continuing the caller's trace), and a warning
            // for every server-side failure; answers about the client's own
            // request (not found, invalid, denied, …) are not failures of ours.
            .layer(crate::metrics::RpcMetricsLayer)
            .layer(
                TraceLayer::new(SharedClassifier::new(client_errors_are_not_failures()))
                    .make_span_with(RpcSpan)
                    .on_response(RpcSpan)
                    .on_eos(RpcSpan)
                    .on_failure(DefaultOnFailure::new().level(Level::WARN)),
            )
            // Shed what the engine cannot take on before it queues up.
            .layer(AdmissionLayer::new(limits.admission))
            // Innermost: the deadline, and the statuses tonic gives transport failures.
            .layer(TransportStatusLayer::new(
                limits.request_timeout,
                limits.upload_timeout,
            ))
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_service(service!(
                PostServiceServer,
                PostApi::new(writes.clone(), auth.clone(), cache.clone(), search)
            ))
            .add_service(service!(
                TagServiceServer,
                TagApi::new(writes.clone(), auth.clone(), cache.clone())
            ))
            .add_service(service!(
                AuthorServiceServer,
                AuthorApi::new(writes.clone(), auth.clone(), limits.session_ttl)
            ))
            .add_service(service!(
                MediaServiceServer,
                MediaApi::new(self.store.clone(), auth.clone(), media)
            ))
            .add_service(service!(
                CommentServiceServer,
                CommentApi::new(writes.clone(), auth.clone())
            ))
            .add_service(service!(
                ChangeServiceServer,
                ChangeApi::new(self.store.clone(), auth, feed, background.clone())
            ))
            .serve_with_incoming_shutdown(
                TcpIncoming::from(self.listener).with_nodelay(Some(true)),
                async move {
                    shutdown.await;
                    tracing::info!("draining in-flight calls");
                    stop_background.cancel();
                },
            )
            .await;
        background.cancel();
        self.store.pool().close().await;
        tracing::info!("engine stopped");
        Ok(result?)
    }
}

fn client_errors_are_not_failures() -> GrpcErrorsAsFailures {
    [
        GrpcCode::InvalidArgument,
        GrpcCode::NotFound,
        GrpcCode::AlreadyExists,
        GrpcCode::PermissionDenied,
        GrpcCode::ResourceExhausted,
        GrpcCode::FailedPrecondition,
        GrpcCode::Aborted,
        GrpcCode::OutOfRange,
        GrpcCode::Unauthenticated,
        GrpcCode::Cancelled,
    ]
    .into_iter()
    .fold(
        GrpcErrorsAsFailures::new(),
        GrpcErrorsAsFailures::with_success,
    )
}

/// The two-level cache, or none when `QUIRE_CACHE=off`.
fn read_cache(
    settings: &CacheSettings,
    store: &Store,
    shared: &SharedCache,
    feed: &ChangeFeed,
    background: &CancellationToken,
) -> ReadCache {
    if !settings.enabled {
        tracing::info!("read cache off: every read goes to PostgreSQL");
        return ReadCache::disabled();
    }
    if !shared.is_configured() {
        tracing::info!("no REDIS_URL: caching in this replica's memory only");
    }
    // Remember changes a little longer than a Redis entry can live.
    let remember = settings.shared_ttl + Duration::from_secs(60);
    let log = InvalidationLog::new(remember);
    let follower = ChangeFollower::start(
        store.clone(),
        feed.clone(),
        shared.clone(),
        log.clone(),
        remember,
        background.clone(),
    );
    // Half the pool at most, so writes and uncached reads keep connections.
    let max_fills = store.pool().options().get_max_connections() as usize / 2;
    ReadCache::new(
        LocalCache::new(settings.local_max_bytes, settings.local_ttl),
        shared.clone(),
        log,
        follower,
        max_fills,
    )
}

async fn set_health(reporter: &HealthReporter, status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for name in SERVICE_NAMES {
        reporter.set_service_status(name, status).await;
    }
}

/// What must be ready before the engine answers.
struct Ready {
    store: Store,
    feed: ChangeFeed,
    search_index: Option<SearchIndex>,
    media: Arc<MediaWorker>,
}

/// Applies migrations (retrying while the database is unreachable), builds
/// or catches up the search index, then opens the gate, reports SERVING and
/// starts the background duties.
async fn become_ready(
    Ready {
        store,
        feed,
        search_index,
        media,
    }: Ready,
    mut migrated: bool,
    health: HealthReporter,
    ready: Arc<AtomicBool>,
    shutdown: CancellationToken,
) {
    while !migrated {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        match store.migrate().await {
            Ok(()) => migrated = true,
            Err(error) => tracing::warn!(error = %error, "database not ready yet"),
        }
    }
    store.check_connection_budget().await;
    if let Some(index) = search_index {
        index.start(
            store.clone(),
            feed,
            crate::grpc::post_message,
            shutdown.clone(),
        );
        // Until then a search would miss posts.
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = index.caught_up() => {}
        }
    }
    ready.store(true, Ordering::Release);
    set_health(&health, ServingStatus::Serving).await;
    tracing::info!("database migrated; serving");
    tokio::spawn(report_liveness(
        store.liveness().subscribe(),
        health,
        shutdown.clone(),
    ));
    let variants_store = store.clone();
    let variants_shutdown = shutdown.clone();
    tokio::spawn(async move {
        media.make_variants(variants_store, variants_shutdown).await;
    });
    scheduler::run(store, shutdown).await;
}

/// Health follows PostgreSQL from then on: NOT_SERVING while the liveness
/// probe finds it down, SERVING again once it answers. Redis never counts:
/// without it the engine is slower, not unable to answer.
async fn report_liveness(
    mut liveness: tokio::sync::watch::Receiver<bool>,
    health: HealthReporter,
    shutdown: CancellationToken,
) {
    loop {
        let up = *liveness.borrow_and_update();
        let status = if up {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        set_health(&health, status).await;
        tokio::select! {
            () = shutdown.cancelled() => return,
            changed = liveness.changed() => if changed.is_err() { return },
        }
    }
}
