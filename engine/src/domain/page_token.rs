//! Opaque page tokens (AIP-158). A token records where the previous page
//! ended and a fingerprint of the request's filters, so a token replayed with
//! different filters is rejected instead of returning a wrong page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

const VERSION: &str = "1";
const SEPARATOR: char = '\u{1f}';

/// The position a page ended at: the values of the ordering columns of its
/// last row (or an offset, for relevance-ranked search).
pub type Cursor = Vec<String>;

/// Encoding and decoding of page tokens for one kind of request.
pub struct PageToken;

impl PageToken {
    /// A token for the page after `cursor`, bound to `filters`.
    pub fn encode(filters: &[&str], cursor: &[String]) -> String {
        let mut text = format!("{VERSION}{SEPARATOR}{}", fingerprint(filters));
        for part in cursor {
            text.push(SEPARATOR);
            text.push_str(part);
        }
        URL_SAFE_NO_PAD.encode(text)
    }

    /// The cursor in `token`; `None` for the first page (an empty token).
    pub fn decode(token: &str, filters: &[&str], parts: usize) -> Result<Option<Cursor>, String> {
        if token.is_empty() {
            return Ok(None);
        }
        let invalid = || "is not a page token from a previous response to this request".to_owned();
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut fields = text.split(SEPARATOR);
        if fields.next() != Some(VERSION) {
            return Err(invalid());
        }
        if fields.next() != Some(fingerprint(filters).as_str()) {
            return Err("was issued for a request with other filters".to_owned());
        }
        let cursor: Cursor = fields.map(str::to_owned).collect();
        if cursor.len() != parts {
            return Err(invalid());
        }
        Ok(Some(cursor))
    }
}

impl PageToken {
    /// Trims `rows` (fetched with one row more than `limit`) to the page and
    /// returns the token of the page after it: empty on the last page.
    pub fn next_page<T>(
        rows: &mut Vec<T>,
        limit: i64,
        filters: &[&str],
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> String {
        if rows.len() as i64 <= limit {
            return String::new();
        }
        rows.truncate(limit as usize);
        rows.last()
            .map(|last| Self::encode(filters, &cursor_of(last)))
            .unwrap_or_default()
    }
}

/// Resolves a requested page size: 0 means `default`, more than `max` is
/// lowered to `max` (AIP-158), negative is an error.
pub fn page_size(requested: i32, default: i64, max: i64) -> Result<i64, String> {
    match requested {
        0 => Ok(default),
        n if n < 0 => Err("must not be negative".to_owned()),
        n => Ok(i64::from(n).min(max)),
    }
}

/// The most a listing may skip (AIP-158): beyond it, use page tokens. Skipping
/// costs the database a walk of the skipped index entries.
pub const MAX_SKIP: i32 = 1_000_000;

/// A listing's `skip`: 0 to [`MAX_SKIP`].
pub fn skip(requested: i32) -> Result<i64, String> {
    match requested {
        n if n < 0 => Err("must not be negative".to_owned()),
        n if n > MAX_SKIP => Err(format!("must be at most {MAX_SKIP}")),
        n => Ok(i64::from(n)),
    }
}

fn fingerprint(filters: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for filter in filters {
        hasher.update(filter.as_bytes());
        hasher.update([0]);
    }
    URL_SAFE_NO_PAD.encode(&hasher.finalize()[..9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_its_cursor() {
        let cursor = vec!["1700000000000000".to_owned(), "0b9c…".to_owned()];
        let token = PageToken::encode(&["tag=rust"], &cursor);
        assert_eq!(
            PageToken::decode(&token, &["tag=rust"], 2).unwrap(),
            Some(cursor)
        );
    }

    #[test]
    fn an_empty_token_is_the_first_page() {
        assert_eq!(PageToken::decode("", &[], 2).unwrap(), None);
    }

    #[test]
    fn a_token_from_other_filters_is_rejected() {
        let token = PageToken::encode(&["tag=rust"], &["1".to_owned(), "x".to_owned()]);
        assert!(PageToken::decode(&token, &["tag=go"], 2).is_err());
    }

    #[test]
    fn garbage_is_rejected() {
        for bad in ["%%%", "bm9wZQ", "MQ"] {
            assert!(PageToken::decode(bad, &[], 2).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_sizes_default_clamp_and_reject_negatives() {
        assert_eq!(page_size(0, 20, 100), Ok(20));
        assert_eq!(page_size(500, 20, 100), Ok(100));
        assert_eq!(page_size(7, 20, 100), Ok(7));
        assert!(page_size(-1, 20, 100).is_err());
    }

    #[test]
    fn skips_are_bounded() {
        assert_eq!(skip(0), Ok(0));
        assert_eq!(skip(MAX_SKIP), Ok(i64::from(MAX_SKIP)));
        assert!(skip(-1).is_err());
        assert!(skip(MAX_SKIP + 1).is_err());
    }
}
