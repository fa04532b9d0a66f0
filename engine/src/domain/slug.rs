//! URL-safe names of posts, tags and authors.

use super::limits::SLUG_MAX;

/// The first path segments the reader site routes itself (`/search`,
/// `/tag/…`, `/admin`, …): a post or page with one of these slugs could
/// never be reached, so none may have one.
pub const RESERVED_POST_SLUGS: [&str; 8] = [
    "admin", "author", "feed", "og", "page", "search", "sitemaps", "tag",
];

/// A slug: lower-case ASCII letters and digits in groups joined by single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Accepts `value` only when it is already a valid slug.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.is_empty() {
            return Err("is required".to_owned());
        }
        if value.len() > SLUG_MAX {
            return Err(format!("must be at most {SLUG_MAX} characters"));
        }
        let valid_chars = value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_chars || value.starts_with('-') || value.ends_with('-') || value.contains("--") {
            return Err(
                "must be lower-case letters, digits and single hyphens, not starting or ending with a hyphen (e.g. my-first-post)"
                    .to_owned(),
            );
        }
        Ok(Self(value.to_owned()))
    }

    /// Accepts `value` as a post's or page's slug: a valid slug that is not
    /// one of [`RESERVED_POST_SLUGS`].
    pub fn parse_post(value: &str) -> Result<Self, String> {
        let slug = Self::parse(value)?;
        if RESERVED_POST_SLUGS.contains(&slug.as_str()) {
            return Err(format!(
                "`{value}` is reserved for the site's own pages ({}); choose another",
                RESERVED_POST_SLUGS.join(", ")
            ));
        }
        Ok(slug)
    }

    /// Derives a slug from a display name ("Rust & WebAssembly!" → "rust-webassembly").
    /// Returns `None` when nothing URL-safe is left.
    pub fn derive(name: &str) -> Option<Self> {
        let mut slug = String::with_capacity(name.len());
        for c in name.chars().flat_map(char::to_lowercase) {
            let c = fold_accent(c);
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= SLUG_MAX {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        (!slug.is_empty()).then(|| Self(slug.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The slug as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Maps common Latin letters with diacritics to their base letter.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_may_not_take_a_route_of_the_site() {
        assert!(Slug::parse_post("search").is_err());
        assert!(Slug::parse_post("admin").is_err());
        assert!(Slug::parse_post("searching").is_ok());
        assert!(Slug::parse("search").is_ok());
    }

    #[test]
    fn a_well_formed_slug_parses() {
        assert_eq!(
            Slug::parse("hello-world-2").unwrap().as_str(),
            "hello-world-2"
        );
    }

    #[test]
    fn upper_case_spaces_and_double_hyphens_are_rejected() {
        for bad in [
            "Hello",
            "hello world",
            "hello--world",
            "-hello",
            "hello-",
            "héllo",
            "a/b",
            "",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn a_slug_longer_than_the_limit_is_rejected() {
        assert!(Slug::parse(&"a".repeat(SLUG_MAX + 1)).is_err());
        assert!(Slug::parse(&"a".repeat(SLUG_MAX)).is_ok());
    }

    #[test]
    fn names_derive_readable_slugs() {
        assert_eq!(
            Slug::derive("Rust & WebAssembly!").unwrap().as_str(),
            "rust-webassembly"
        );
        assert_eq!(
            Slug::derive("  Café Société ").unwrap().as_str(),
            "cafe-societe"
        );
        assert!(Slug::derive("!!!").is_none());
    }
}
