//! PostgreSQL: the source of truth. Only SQL lives here; what may be done and
//! when is decided by the callers, which run these functions inside the
//! transactions they open with [`Store::begin`].

pub mod authors;
pub mod changes;
pub mod comments;
pub mod credentials;
mod error;
pub mod idempotency;
pub mod imports;
mod liveness;
pub mod media;
pub mod posts;
pub mod tags;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub use error::{StoreError, log_connect_failure, taken_if_unique};
pub use liveness::Liveness;

use crate::config::DatabaseSettings;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// A transaction in progress.
pub type Tx = Transaction<'static, Postgres>;

/// The connection pool and the entry point to the storage functions.
#[derive(Clone)]
pub struct Store {
    pool: PgPool,
    options: PgConnectOptions,
    liveness: Liveness,
    /// Explanations of a stuck pool (see [`Store::explain_if_pool_stuck`]).
    explaining: Arc<Mutex<Explaining>>,
}

/// How often a stuck pool's reason is logged, at most.
const EXPLAIN_EVERY: Duration = Duration::from_secs(10);

/// A stuck pool's explanations: one connection attempt at a time, and none
/// for a while after one logged the reason.
#[derive(Default)]
struct Explaining {
    in_flight: bool,
    logged_at: Option<Instant>,
}

impl Store {
    /// A pool that connects on first use, so the engine can start (and report
    /// NOT_SERVING) while the database is still coming up.
    pub fn connect_lazy(settings: &DatabaseSettings) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(&settings.url)
            .map_err(StoreError::Database)?
            .application_name("quire-engine");
        let pool = PgPoolOptions::new()
            .max_connections(settings.pool_size)
            .acquire_timeout(settings.acquire_timeout)
            .connect_lazy_with(options.clone());
        Ok(Self {
            pool,
            options,
            liveness: Liveness::new(),
            explaining: Arc::default(),
        })
    }

    /// Probes PostgreSQL until `shutdown` (see [`Liveness`]).
    pub async fn probe_liveness(&self, shutdown: CancellationToken) {
        self.liveness
            .clone()
            .probe(self.options.clone(), self.pool.clone(), shutdown)
            .await;
    }

    /// Whether PostgreSQL answers, and when that changes.
    pub fn liveness(&self) -> &Liveness {
        &self.liveness
    }

    fn check_up(&self) -> Result<(), StoreError> {
        if self.liveness.is_up() {
            Ok(())
        } else {
            Err(StoreError::Down)
        }
    }

    /// Applies pending migrations (recorded in `_sqlx_migrations`; a lock
    /// keeps concurrent replicas from applying them twice).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let result = MIGRATOR.run(&self.pool).await;
        if let Err(sqlx::migrate::MigrateError::Execute(error)) = &result {
            self.explain(error);
        }
        result
    }

    /// Starts a transaction (waiting for a pooled connection if need be).
    #[tracing::instrument(name = "db.begin", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        self.check_up()?;
        // A call waiting for a connection when PostgreSQL goes down fails
        // then, not at the end of the acquire timeout.
        tokio::select! {
            begun = self.pool.begin() => self.handed_out(begun),
            () = self.liveness.down() => Err(StoreError::Down),
        }
    }

    /// Starts a read-only transaction that sees one snapshot throughout
    /// (REPEATABLE READ): what a long read (the search index's build) sees
    /// matches the change sequence it read first.
    pub async fn begin_snapshot(&self) -> Result<Tx, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A pooled connection for single-statement reads; fails at once while
    /// PostgreSQL is known down.
    pub async fn acquire(&self) -> Result<PoolConnection<Postgres>, StoreError> {
        self.check_up()?;
        tokio::select! {
            acquired = self.pool.acquire() => self.handed_out(acquired),
            () = self.liveness.down() => Err(StoreError::Down),
        }
    }

    /// What the pool handed out, noted for the liveness probe, or why not.
    fn handed_out<T>(&self, result: Result<T, sqlx::Error>) -> Result<T, StoreError> {
        match result {
            Ok(connection) => {
                self.liveness.pool_served();
                Ok(connection)
            }
            Err(error) => {
                self.explain(&error);
                Err(error.into())
            }
        }
    }

    /// Logs this replica's share of PostgreSQL's connections, and warns when
    /// its pool (and probe) could not open all their connections next to
    /// those already open: the "too many clients" to come, said at start-up.
    pub async fn check_connection_budget(&self) {
        let budget: Result<(i64, i64, i64), sqlx::Error> = sqlx::query_as(
            "SELECT current_setting('max_connections')::bigint,
                    current_setting('superuser_reserved_connections')::bigint
                      + coalesce(current_setting('reserved_connections', true)::bigint, 0),
                    (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')",
        )
        .fetch_one(&self.pool)
        .await;
        let Ok((max_connections, reserved, open)) = budget else {
            return;
        };
        // The pool, plus the liveness probe's connection of its own.
        let wanted = i64::from(self.pool.options().get_max_connections()) + 1;
        let own = i64::from(self.pool.size()) + 1;
        let free = max_connections - reserved - (open - own);
        if wanted > free {
            tracing::warn!(
                max_connections,
                reserved,
                open,
                wanted,
                "this replica may open {wanted} PostgreSQL connections (QUIRE_DB_POOL_SIZE + 1) \
                 but only {free} are left for ordinary roles: expect \"too many clients\" under \
                 load; lower QUIRE_DB_POOL_SIZE or raise max_connections (README, \"Connection budget\")"
            );
        } else {
            tracing::info!(max_connections, reserved, open, wanted, "connection budget");
        }
    }

    /// A pool that timed out may be one that cannot open new connections,
    /// and sqlx only says "pool timed out": one connection attempt of its
    /// own (in the background) logs PostgreSQL's reason, such as "too many
    /// clients". Neither its size nor its idle count tell: the size counts
    /// connections being opened, and a call that began opening one (sqlx
    /// retries while PostgreSQL refuses) waits out its timeout even when
    /// another call returns a connection meanwhile.
    fn explain(&self, error: &sqlx::Error) {
        if matches!(error, sqlx::Error::PoolTimedOut) {
            self.ask_why_connections_fail();
        }
    }

    /// When the pool has no idle connection, finds out (see
    /// [`Store::explain`]) whether it can open one.
    pub fn explain_if_pool_stuck(&self) {
        if self.pool.num_idle() == 0 {
            self.ask_why_connections_fail();
        }
    }

    fn ask_why_connections_fail(&self) {
        {
            let mut explaining = self.explaining.lock().expect("not poisoned");
            if explaining.in_flight
                || explaining
                    .logged_at
                    .is_some_and(|at| at.elapsed() < EXPLAIN_EVERY)
            {
                return;
            }
            explaining.in_flight = true;
        }
        let options = self.options.clone();
        let explaining = self.explaining.clone();
        tokio::spawn(async move {
            let failed = match sqlx::ConnectOptions::connect(&options).await {
                Ok(connection) => {
                    drop(connection);
                    false
                }
                Err(error) => {
                    log_connect_failure(&error);
                    true
                }
            };
            let mut explaining = explaining.lock().expect("not poisoned");
            explaining.in_flight = false;
            if failed {
                explaining.logged_at = Some(Instant::now());
            }
        });
    }

    /// The pool itself, for migrations and metrics.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
