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
use tokio_util::sync::CancellationToken;

pub use error::{StoreError, taken_if_unique};
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
        MIGRATOR.run(&self.pool).await
    }

    /// Starts a transaction (waiting for a pooled connection if need be).
    #[tracing::instrument(name = "db.begin", level = "debug", skip_all, fields(db.system = "postgresql", otel.kind = "client"))]
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        self.check_up()?;
        Ok(self.pool.begin().await?)
    }

    /// A pooled connection for single-statement reads; fails at once while
    /// PostgreSQL is known down.
    pub async fn acquire(&self) -> Result<PoolConnection<Postgres>, StoreError> {
        self.check_up()?;
        Ok(self.pool.acquire().await?)
    }

    /// The pool itself, for migrations and metrics.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
