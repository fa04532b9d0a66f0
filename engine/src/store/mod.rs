//! PostgreSQL: the source of truth. Only SQL lives here; what may be done and
//! when is decided by the callers, which run these functions inside the
//! transactions they open with [`Store::begin`].

pub mod authors;
pub mod changes;
pub mod comments;
pub mod credentials;
mod error;
pub mod idempotency;
mod liveness;
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
    /// When a pool timeout was last explained (see [`Store::explained`]).
    explained_at: Arc<Mutex<Option<Instant>>>,
}

/// How often a pool timeout is explained by a connection attempt of its own.
const EXPLAIN_EVERY: Duration = Duration::from_secs(10);

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
            explained_at: Arc::default(),
        })
    }

    /// Probes PostgreSQL until `shutdown` (see [`Liveness`]).
    pub async fn probe_liveness(&self, shutdown: CancellationToken) {
        self.liveness
            .clone()
            .probe(self.options.clone(), shutdown)
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
            begun = self.pool.begin() => begun.map_err(|error| {
                self.explain(&error);
                error.into()
            }),
            () = self.liveness.down() => Err(StoreError::Down),
        }
    }

    /// A pooled connection for single-statement reads; fails at once while
    /// PostgreSQL is known down.
    pub async fn acquire(&self) -> Result<PoolConnection<Postgres>, StoreError> {
        self.check_up()?;
        tokio::select! {
            acquired = self.pool.acquire() => acquired.map_err(|error| {
                self.explain(&error);
                error.into()
            }),
            () = self.liveness.down() => Err(StoreError::Down),
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

    /// A pool that timed out while it was not full could not open new
    /// connections, and sqlx only says "pool timed out": one connection
    /// attempt of its own (in the background, at most every 10 s) logs
    /// PostgreSQL's reason, such as "too many clients".
    fn explain(&self, error: &sqlx::Error) {
        if matches!(error, sqlx::Error::PoolTimedOut) {
            self.explain_if_pool_stuck();
        }
    }

    /// When the pool has no idle connection and is not full, finds out (see
    /// [`Store::explain`]) whether it can grow.
    pub fn explain_if_pool_stuck(&self) {
        if self.pool.num_idle() > 0 || self.pool.size() >= self.pool.options().get_max_connections()
        {
            return;
        }
        {
            let mut explained_at = self.explained_at.lock().expect("not poisoned");
            if explained_at.is_some_and(|at| at.elapsed() < EXPLAIN_EVERY) {
                return;
            }
            *explained_at = Some(Instant::now());
        }
        let options = self.options.clone();
        tokio::spawn(async move {
            match sqlx::ConnectOptions::connect(&options).await {
                Ok(connection) => drop(connection),
                Err(error) => log_connect_failure(&error),
            }
        });
    }

    /// The pool itself, for migrations and metrics.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
