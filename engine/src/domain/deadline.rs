//! The deadline of the call being served, for work that can stop early
//! (rendering): set once by the transport layer from the server's limit and
//! the client's `grpc-timeout`, read wherever the work happens.

use std::future::Future;
use std::time::{Duration, Instant};

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Runs `future` with `deadline` as the call's deadline.
pub async fn with_deadline<F: Future>(deadline: Instant, future: F) -> F::Output {
    DEADLINE.scope(deadline, future).await
}

/// The deadline of the call being served, if any.
pub fn call_deadline() -> Option<Instant> {
    DEADLINE.try_with(|deadline| *deadline).ok()
}

/// A `grpc-timeout` header value (`100m`, `5S`; at most eight digits and a
/// unit), as a duration.
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_in_every_unit_and_nonsense_does_not() {
        assert_eq!(parse_grpc_timeout("100m"), Some(Duration::from_millis(100)));
        assert_eq!(parse_grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(parse_grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_grpc_timeout("7u"), Some(Duration::from_micros(7)));
        for nonsense in ["", "m", "100", "-1m", "123456789m", "10x", "1.5S"] {
            assert_eq!(parse_grpc_timeout(nonsense), None, "{nonsense}");
        }
    }

    #[tokio::test]
    async fn the_deadline_is_there_inside_the_scope_only() {
        assert_eq!(call_deadline(), None);
        let deadline = Instant::now() + Duration::from_secs(1);
        assert_eq!(
            with_deadline(deadline, async { call_deadline() }).await,
            Some(deadline)
        );
    }
}
