//! Typed configuration. This is the only module that reads the environment:
//! everything else receives [`Settings`] explicitly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tantivy::tokenizer::Language;

/// Default address of the gRPC API.
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:50051";

/// Everything the engine needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the gRPC API listens (`QUIRE_LISTEN_ADDR`).
    pub listen_addr: SocketAddr,
    /// How logs are written.
    pub log: LogSettings,
    /// Where traces go (OpenTelemetry).
    pub traces: TraceSettings,
    /// The PostgreSQL database.
    pub database: DatabaseSettings,
    /// Limits on what a single call may take.
    pub limits: ApiLimits,
    /// The read cache and Redis.
    pub cache: CacheSettings,
    /// Full-text search.
    pub search: SearchSettings,
    /// `QUIRE_METRICS_ADDR`: where Prometheus scrapes metrics (default
    /// 127.0.0.1:9464; `off` disables the endpoint).
    pub metrics_addr: Option<SocketAddr>,
}

/// Default address of the Prometheus endpoint.
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9464";

/// The two-level read cache.
#[derive(Clone)]
pub struct CacheSettings {
    /// `QUIRE_CACHE`: `on` (default) or `off` (every read goes to PostgreSQL;
    /// for benchmarks and debugging).
    pub enabled: bool,
    /// `REDIS_URL`: the Redis shared by all replicas; unset runs without the
    /// shared level (and without pub/sub fan-out).
    pub redis_url: Option<String>,
    /// `QUIRE_REDIS_PREFIX`: prefix of every Redis key and channel (default
    /// `quire`), so several deployments or tests can share one Redis.
    pub redis_prefix: String,
    /// `QUIRE_CACHE_LOCAL_MAX_BYTES`: size bound of the in-process cache
    /// (default 64 MiB).
    pub local_max_bytes: u64,
    /// `QUIRE_CACHE_LOCAL_TTL_MS`: lifetime of an in-process entry (default
    /// 1000): the staleness bound if every invalidation path were down.
    pub local_ttl: Duration,
    /// `QUIRE_CACHE_SHARED_TTL_SECS`: lifetime of a Redis entry (default 300).
    pub shared_ttl: Duration,
}

impl std::fmt::Debug for CacheSettings {
    // The Redis URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheSettings")
            .field("enabled", &self.enabled)
            .field("redis_url", &self.redis_url.as_ref().map(|_| "<redacted>"))
            .field("redis_prefix", &self.redis_prefix)
            .field("local_max_bytes", &self.local_max_bytes)
            .field("local_ttl", &self.local_ttl)
            .field("shared_ttl", &self.shared_ttl)
            .finish()
    }
}

/// Full-text search.
#[derive(Debug, Clone)]
pub struct SearchSettings {
    /// `QUIRE_SEARCH`: `index` (default: this replica's search index) or
    /// `postgres` (PostgreSQL's full-text search over every match, kept as
    /// the benchmarks' baseline).
    pub backend: SearchBackend,
    /// `QUIRE_SEARCH_DIR`: where the index lives on disk, one directory per
    /// replica (it survives restarts and resumes from the change it had
    /// applied); unset keeps it in memory, rebuilt at every start.
    pub index_dir: Option<PathBuf>,
    /// `QUIRE_SEARCH_LANGUAGE`: the site's language, for stemming and stop
    /// words (`en` by default; `ar da de el en es fi fr hu it nl no pt ro
    /// ru sv ta tr`). Chinese, Japanese and Korean are found in any language.
    pub language: Language,
    /// `QUIRE_SEARCH_RATE_PER_CLIENT`: searches one client may make per second,
    /// with bursts of twice that (default 10; `0` turns the limit off). A
    /// client is the request's `client_key` (the web sends its reader's),
    /// else the caller.
    pub rate_per_client: u32,
    /// `QUIRE_SEARCH_BUDGET_MS`: the most time one query may take (default
    /// 250); the caller's deadline, when earlier, wins.
    pub budget: Duration,
}

/// Where `SearchPosts` is answered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchBackend {
    /// The replica's tantivy index.
    Index,
    /// PostgreSQL's full-text search (the baseline).
    Postgres,
}

/// PostgreSQL connection settings.
#[derive(Clone)]
pub struct DatabaseSettings {
    /// `DATABASE_URL`, e.g. `postgres://user@host:5432/quire`.
    pub url: String,
    /// `QUIRE_DB_POOL_SIZE`: most pooled connections this replica opens (default
    /// 16, at least 3: the change feed's `LISTEN` and, on the relay, its lock
    /// session hold one each); the liveness probe opens one more.
    pub pool_size: u32,
    /// `QUIRE_DB_ACQUIRE_TIMEOUT_MS`: how long a call waits for a free connection (default 5000).
    pub acquire_timeout: Duration,
}

impl std::fmt::Debug for DatabaseSettings {
    // The URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &"<redacted>")
            .field("pool_size", &self.pool_size)
            .field("acquire_timeout", &self.acquire_timeout)
            .finish()
    }
}

/// Per-call limits.
#[derive(Debug, Clone)]
pub struct ApiLimits {
    /// `QUIRE_REQUEST_TIMEOUT_MS`: the longest any unary call may run (default 10000);
    /// a shorter client deadline (`grpc-timeout`) wins.
    pub request_timeout: Duration,
    /// `QUIRE_UPLOAD_TIMEOUT_MS`: the longest an UploadMedia call may run, its
    /// file streaming in from a writer's connection (default 120000: 25 MiB at
    /// under 2 Mbit/s); a shorter client deadline wins.
    pub upload_timeout: Duration,
    /// `QUIRE_MAX_MESSAGE_BYTES`: largest request or response message (default 4 MiB).
    pub max_message_bytes: usize,
    /// `QUIRE_SESSION_TTL_HOURS`: how long a sign-in lasts (default 336, two weeks).
    pub session_ttl: Duration,
    /// Admission control (see `grpc::admission`).
    pub admission: AdmissionSettings,
}

/// How many calls the engine takes on at once before shedding load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionSettings {
    /// `QUIRE_MAX_CONCURRENT_CALLS`: unary calls running at once (default 64).
    pub max_running: usize,
    /// `QUIRE_MAX_QUEUED_CALLS`: calls waiting for a running slot (default 1024);
    /// beyond them a call answers RESOURCE_EXHAUSTED at once.
    pub max_queued: usize,
    /// `QUIRE_MAX_QUEUE_WAIT_MS`: how long a call may wait for a slot (default
    /// 100), which absorbs a burst; also the interval over which a standing
    /// queue is told from one.
    pub max_queue_wait: Duration,
    /// `QUIRE_OVERLOAD_QUEUE_WAIT_MS`: the wait a standing queue exceeds, and how
    /// long calls may wait instead while it stands or calls are refused, until a
    /// second passes without either (default 5).
    pub overload_queue_wait: Duration,
}

/// Log output settings.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// `QUIRE_LOG_FORMAT`: `json` for machines, `pretty` for people.
    pub format: LogFormat,
    /// `RUST_LOG`-style filter (`QUIRE_LOG`, default `info`).
    pub filter: String,
}

/// OpenTelemetry traces.
#[derive(Debug, Clone)]
pub struct TraceSettings {
    /// `OTEL_SERVICE_NAME`: the `service.name` of every span (default `quire-engine`).
    pub service_name: String,
    /// Where spans are sent; `None` (no `OTEL_EXPORTER_OTLP_ENDPOINT`) sends
    /// nothing and installs no exporter.
    pub otlp: Option<OtlpSettings>,
}

/// An OTLP destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpSettings {
    /// The URL spans are sent to: `OTEL_EXPORTER_OTLP_ENDPOINT` as given for
    /// gRPC, with `/v1/traces` appended for the HTTP protocols (as the
    /// OpenTelemetry specification says).
    pub endpoint: String,
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub protocol: OtlpProtocol,
}

/// The OTLP transports (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtlpProtocol {
    /// `grpc` (our default: the engine speaks gRPC anyway), usually to a
    /// collector's port 4317.
    Grpc,
    /// `http/protobuf` (the specification's default), usually port 4318.
    HttpProtobuf,
    /// `http/json`, usually port 4318.
    HttpJson,
}

impl OtlpProtocol {
    /// The name `OTEL_EXPORTER_OTLP_PROTOCOL` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grpc => "grpc",
            Self::HttpProtobuf => "http/protobuf",
            Self::HttpJson => "http/json",
        }
    }
}

/// How log lines are formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable lines.
    Pretty,
}

/// A configuration value that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl Settings {
    /// Reads settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process
    /// environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let listen_addr = parse_with(&lookup, "QUIRE_LISTEN_ADDR", DEFAULT_LISTEN_ADDR, |value| {
            value
                .parse::<SocketAddr>()
                .map_err(|error| error.to_string())
        })?;
        let format = parse_with(&lookup, "QUIRE_LOG_FORMAT", "pretty", |value| match value {
            "json" => Ok(LogFormat::Json),
            "pretty" => Ok(LogFormat::Pretty),
            other => Err(format!("expected `json` or `pretty`, got `{other}`")),
        })?;
        let filter = lookup("QUIRE_LOG").unwrap_or_else(|| "info".to_owned());
        let url = lookup("DATABASE_URL").filter(|url| !url.trim().is_empty()).ok_or(ConfigError {
            variable: "DATABASE_URL",
            problem: "is not set; expected a PostgreSQL URL such as postgres://quire@127.0.0.1:5432/quire".to_owned(),
        })?;
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                problem: "must start with postgres:// or postgresql://".to_owned(),
            });
        }
        let database = DatabaseSettings {
            url,
            pool_size: parse_with(&lookup, "QUIRE_DB_POOL_SIZE", "16", |v| bounded(v, 3, 1000))?,
            acquire_timeout: Duration::from_millis(parse_with(
                &lookup,
                "QUIRE_DB_ACQUIRE_TIMEOUT_MS",
                "5000",
                |v| bounded(v, 10, 600_000),
            )?),
        };
        let limits = ApiLimits {
            request_timeout: Duration::from_millis(parse_with(
                &lookup,
                "QUIRE_REQUEST_TIMEOUT_MS",
                "10000",
                |v| bounded(v, 10, 3_600_000),
            )?),
            upload_timeout: Duration::from_millis(parse_with(
                &lookup,
                "QUIRE_UPLOAD_TIMEOUT_MS",
                "120000",
                |v| bounded(v, 10, 3_600_000),
            )?),
            max_message_bytes: parse_with(&lookup, "QUIRE_MAX_MESSAGE_BYTES", "4194304", |v| {
                bounded(v, 65_536, 64 << 20)
            })? as usize,
            session_ttl: Duration::from_secs(
                3600 * parse_with(&lookup, "QUIRE_SESSION_TTL_HOURS", "336", |v| {
                    bounded(v, 1, 24 * 365)
                })?,
            ),
            admission: AdmissionSettings {
                max_running: parse_with(&lookup, "QUIRE_MAX_CONCURRENT_CALLS", "64", |v| {
                    bounded(v, 1u64, 100_000)
                })? as usize,
                max_queued: parse_with(&lookup, "QUIRE_MAX_QUEUED_CALLS", "1024", |v| {
                    bounded(v, 0u64, 100_000)
                })? as usize,
                max_queue_wait: Duration::from_millis(parse_with(
                    &lookup,
                    "QUIRE_MAX_QUEUE_WAIT_MS",
                    "100",
                    |v| bounded(v, 0u64, 60_000),
                )?),
                overload_queue_wait: Duration::from_millis(parse_with(
                    &lookup,
                    "QUIRE_OVERLOAD_QUEUE_WAIT_MS",
                    "5",
                    |v| bounded(v, 0u64, 60_000),
                )?),
            },
        };
        let redis_url = lookup("REDIS_URL").filter(|url| !url.trim().is_empty());
        if let Some(url) = &redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            return Err(ConfigError {
                variable: "REDIS_URL",
                problem: "must start with redis:// or rediss://".to_owned(),
            });
        }
        let cache = CacheSettings {
            enabled: parse_with(&lookup, "QUIRE_CACHE", "on", |v| match v {
                "on" => Ok(true),
                "off" => Ok(false),
                other => Err(format!("expected `on` or `off`, got `{other}`")),
            })?,
            redis_url,
            redis_prefix: parse_with(&lookup, "QUIRE_REDIS_PREFIX", "quire", |v| {
                if !v.is_empty()
                    && v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    Ok(v.to_owned())
                } else {
                    Err("must be 1 to 64 letters, digits, - or _".to_owned())
                }
            })?,
            local_max_bytes: parse_with(&lookup, "QUIRE_CACHE_LOCAL_MAX_BYTES", "67108864", |v| {
                bounded(v, 1 << 20, 64 << 30)
            })?,
            local_ttl: Duration::from_millis(parse_with(
                &lookup,
                "QUIRE_CACHE_LOCAL_TTL_MS",
                "1000",
                |v| bounded(v, 10, 1000),
            )?),
            shared_ttl: Duration::from_secs(parse_with(
                &lookup,
                "QUIRE_CACHE_SHARED_TTL_SECS",
                "300",
                |v| bounded(v, 1, 86_400),
            )?),
        };
        let search = SearchSettings {
            backend: parse_with(&lookup, "QUIRE_SEARCH", "index", |v| match v {
                "index" => Ok(SearchBackend::Index),
                "postgres" => Ok(SearchBackend::Postgres),
                other => Err(format!("expected `index` or `postgres`, got `{other}`")),
            })?,
            index_dir: lookup("QUIRE_SEARCH_DIR")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            language: parse_with(&lookup, "QUIRE_SEARCH_LANGUAGE", "en", language)?,
            rate_per_client: parse_with(&lookup, "QUIRE_SEARCH_RATE_PER_CLIENT", "10", |v| {
                bounded(v, 0, 1_000_000)
            })?,
            budget: Duration::from_millis(parse_with(
                &lookup,
                "QUIRE_SEARCH_BUDGET_MS",
                "250",
                |v| bounded(v, 10, 60_000),
            )?),
        };
        let metrics_addr = parse_with(&lookup, "QUIRE_METRICS_ADDR", DEFAULT_METRICS_ADDR, |v| {
            if v == "off" {
                Ok(None)
            } else {
                v.parse::<SocketAddr>()
                    .map(Some)
                    .map_err(|e| format!("{e} (or `off`)"))
            }
        })?;
        let traces = TraceSettings {
            service_name: parse_with(&lookup, "OTEL_SERVICE_NAME", "quire-engine", |v| {
                if v.is_empty() || v.len() > 128 {
                    Err("must be 1 to 128 characters".to_owned())
                } else {
                    Ok(v.to_owned())
                }
            })?,
            otlp: otlp_settings(&lookup)?,
        };
        Ok(Self {
            listen_addr,
            log: LogSettings { format, filter },
            traces,
            database,
            limits,
            cache,
            search,
            metrics_addr,
        })
    }
}

/// The OTLP destination, if `OTEL_EXPORTER_OTLP_ENDPOINT` names one.
fn otlp_settings(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<OtlpSettings>, ConfigError> {
    let protocol = parse_with(lookup, "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", |v| match v {
        "grpc" => Ok(OtlpProtocol::Grpc),
        "http/protobuf" => Ok(OtlpProtocol::HttpProtobuf),
        "http/json" => Ok(OtlpProtocol::HttpJson),
        other => Err(format!(
            "expected `grpc`, `http/protobuf` or `http/json`, got `{other}`"
        )),
    })?;
    let Some(endpoint) = lookup("OTEL_EXPORTER_OTLP_ENDPOINT")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    // The exporters are built without TLS: spans go to a collector nearby
    // (a sidecar or the same network), which forwards them securely.
    let authority = endpoint.strip_prefix("http://").ok_or_else(|| ConfigError {
        variable: "OTEL_EXPORTER_OTLP_ENDPOINT",
        problem: format!(
            "must start with http:// (this build sends plaintext to a nearby collector), got `{endpoint}`"
        ),
    })?;
    if authority.is_empty() || authority.starts_with('/') {
        return Err(ConfigError {
            variable: "OTEL_EXPORTER_OTLP_ENDPOINT",
            problem: format!("has no host: `{endpoint}`"),
        });
    }
    let endpoint = match protocol {
        OtlpProtocol::Grpc => endpoint,
        OtlpProtocol::HttpProtobuf | OtlpProtocol::HttpJson => {
            format!("{}/v1/traces", endpoint.trim_end_matches('/'))
        }
    };
    Ok(Some(OtlpSettings { endpoint, protocol }))
}

/// A language by its ISO 639-1 code, as the stemmer knows it.
fn language(code: &str) -> Result<Language, String> {
    Ok(match code {
        "ar" => Language::Arabic,
        "da" => Language::Danish,
        "de" => Language::German,
        "el" => Language::Greek,
        "en" => Language::English,
        "es" => Language::Spanish,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "nl" => Language::Dutch,
        "no" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "sv" => Language::Swedish,
        "ta" => Language::Tamil,
        "tr" => Language::Turkish,
        other => {
            return Err(format!(
                "expected a language code (ar da de el en es fi fr hu it nl no pt ro ru sv ta tr), got `{other}`"
            ));
        }
    })
}

fn parse_with<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let raw = lookup(variable).unwrap_or_else(|| default.to_owned());
    parse(raw.trim()).map_err(|problem| ConfigError { variable, problem })
}

fn bounded<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
    value: &str,
    min: T,
    max: T,
) -> Result<T, String> {
    let parsed: T = value
        .parse()
        .map_err(|_| format!("expected a whole number, got `{value}`"))?;
    if parsed < min || parsed > max {
        return Err(format!("must be between {min} and {max}, got {parsed}"));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let with_database = [("DATABASE_URL", "postgres://quire@127.0.0.1/quire")];
        Settings::from_lookup(|name| {
            pairs
                .iter()
                .chain(with_database.iter())
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn defaults_listen_on_loopback_port_50051() {
        let settings = settings(&[]).expect("defaults are valid");
        assert_eq!(settings.listen_addr, DEFAULT_LISTEN_ADDR.parse().unwrap());
        assert_eq!(settings.log.format, LogFormat::Pretty);
    }

    #[test]
    fn a_bad_listen_address_names_its_variable() {
        let error = settings(&[("QUIRE_LISTEN_ADDR", "localhost")]).unwrap_err();
        assert_eq!(error.variable, "QUIRE_LISTEN_ADDR");
    }

    #[test]
    fn a_missing_database_url_is_explained() {
        let error = Settings::from_lookup(|_| None).unwrap_err();
        assert_eq!(error.variable, "DATABASE_URL");
        assert!(error.problem.contains("postgres://"));
    }

    #[test]
    fn a_pool_size_out_of_range_is_rejected() {
        let error = settings(&[("QUIRE_DB_POOL_SIZE", "0")]).unwrap_err();
        assert_eq!(error.variable, "QUIRE_DB_POOL_SIZE");
    }

    #[test]
    fn debug_output_never_shows_the_database_url() {
        let settings = settings(&[("DATABASE_URL", "postgres://quire:hunter2@db/quire")]).unwrap();
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn without_an_otlp_endpoint_no_traces_are_exported() {
        let settings = settings(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]).unwrap();
        assert_eq!(settings.traces.otlp, None);
        assert_eq!(settings.traces.service_name, "quire-engine");
    }

    #[test]
    fn otlp_over_http_appends_the_traces_path() {
        let settings = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ])
        .unwrap();
        assert_eq!(
            settings.traces.otlp,
            Some(OtlpSettings {
                endpoint: "http://collector:4318/v1/traces".to_owned(),
                protocol: OtlpProtocol::HttpProtobuf,
            })
        );
    }

    #[test]
    fn otlp_defaults_to_grpc_with_the_endpoint_as_given() {
        let settings = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ("OTEL_SERVICE_NAME", "quire-engine-eu"),
        ])
        .unwrap();
        let otlp = settings.traces.otlp.unwrap();
        assert_eq!(otlp.endpoint, "http://collector:4317");
        assert_eq!(otlp.protocol, OtlpProtocol::Grpc);
        assert_eq!(settings.traces.service_name, "quire-engine-eu");
    }

    #[test]
    fn an_unknown_otlp_protocol_or_https_endpoint_is_rejected() {
        let error = settings(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")]).unwrap_err();
        assert_eq!(error.variable, "OTEL_EXPORTER_OTLP_PROTOCOL");
        let error =
            settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318")]).unwrap_err();
        assert_eq!(error.variable, "OTEL_EXPORTER_OTLP_ENDPOINT");
    }

    #[test]
    fn search_defaults_to_an_english_index_in_memory() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.search.backend, SearchBackend::Index);
        assert_eq!(settings.search.index_dir, None);
        assert_eq!(settings.search.language, Language::English);
        let error = settings_error("QUIRE_SEARCH_LANGUAGE", "klingon");
        assert!(error.problem.contains("klingon"), "{}", error.problem);
    }

    fn settings_error(variable: &str, value: &str) -> ConfigError {
        settings(&[(variable, value)]).unwrap_err()
    }

    #[test]
    fn an_unknown_log_format_is_rejected() {
        let error = settings(&[("QUIRE_LOG_FORMAT", "xml")]).unwrap_err();
        assert_eq!(error.variable, "QUIRE_LOG_FORMAT");
        assert!(error.problem.contains("xml"));
    }
}
