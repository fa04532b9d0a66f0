//! Entity tags for optimistic concurrency (AIP-154). An etag is the row's
//! version number, quoted so that clients treat it as opaque.

/// A parsed etag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Etag(i64);

impl Etag {
    /// The etag of a stored version.
    pub fn of_version(version: i64) -> Self {
        Self(version)
    }

    /// Parses an etag that this server issued. Empty means "no precondition".
    pub fn parse_optional(value: &str) -> Result<Option<Self>, String> {
        if value.is_empty() {
            return Ok(None);
        }
        value
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .and_then(|number| number.parse::<i64>().ok())
            .filter(|version| *version > 0)
            .map(|version| Some(Self(version)))
            .ok_or_else(|| "is not an etag issued by this server".to_owned())
    }

    /// The version it stands for.
    pub fn version(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for Etag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_etag_round_trips() {
        let etag = Etag::of_version(7);
        assert_eq!(Etag::parse_optional(&etag.to_string()).unwrap(), Some(etag));
    }

    #[test]
    fn an_empty_etag_means_no_precondition() {
        assert_eq!(Etag::parse_optional("").unwrap(), None);
    }

    #[test]
    fn a_foreign_etag_is_rejected() {
        for bad in ["7", "\"abc\"", "W/\"7\"", "\"-1\""] {
            assert!(Etag::parse_optional(bad).is_err(), "{bad}");
        }
    }
}
