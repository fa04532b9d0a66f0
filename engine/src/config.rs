//! Typed configuration. This is the only module that reads the environment:
//! everything else receives [`Settings`] explicitly.

use std::net::SocketAddr;

/// Default address of the gRPC API.
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:50051";

/// Everything the engine needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the gRPC API listens (`QUIRE_LISTEN_ADDR`).
    pub listen_addr: SocketAddr,
    /// How logs are written.
    pub log: LogSettings,
}

/// Log output settings.
#[derive(Debug, Clone)]
pub struct LogSettings {
    /// `QUIRE_LOG_FORMAT`: `json` for machines, `pretty` for people.
    pub format: LogFormat,
    /// `RUST_LOG`-style filter (`QUIRE_LOG`, default `info`).
    pub filter: String,
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
            value.parse::<SocketAddr>().map_err(|error| error.to_string())
        })?;
        let format = parse_with(&lookup, "QUIRE_LOG_FORMAT", "pretty", |value| match value {
            "json" => Ok(LogFormat::Json),
            "pretty" => Ok(LogFormat::Pretty),
            other => Err(format!("expected `json` or `pretty`, got `{other}`")),
        })?;
        let filter = lookup("QUIRE_LOG").unwrap_or_else(|| "info".to_owned());
        Ok(Self { listen_addr, log: LogSettings { format, filter } })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string()))
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
    fn an_unknown_log_format_is_rejected() {
        let error = settings(&[("QUIRE_LOG_FORMAT", "xml")]).unwrap_err();
        assert_eq!(error.variable, "QUIRE_LOG_FORMAT");
        assert!(error.problem.contains("xml"));
    }
}
