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

    /// Derives a slug from a display name ("Rust & WebAssembly!" → "rust-webassembly"),
    /// transliterating other scripts to ASCII ("Größe" → "grosse", "Привет" →
    /// "privet", "日本語" → "ri-ben-yu") so every name has a readable URL.
    /// Returns `None` when nothing URL-safe is left.
    pub fn derive(name: &str) -> Option<Self> {
        let mut slug = String::with_capacity(name.len());
        let mut utf8 = [0u8; 4];
        for c in name.chars() {
            // A character without an ASCII spelling separates words.
            let ascii = if c.is_ascii() {
                &*c.encode_utf8(&mut utf8)
            } else {
                // Syllables (CJK) come as words ("Ri "): one before them too.
                let spelled = deunicode::deunicode_char(c).unwrap_or(" ");
                if spelled.ends_with(' ') && !slug.is_empty() && !slug.ends_with('-') {
                    slug.push('-');
                }
                spelled
            };
            for b in ascii.bytes() {
                if b.is_ascii_alphanumeric() {
                    slug.push(b.to_ascii_lowercase() as char);
                } else if !slug.is_empty() && !slug.ends_with('-') {
                    slug.push('-');
                }
            }
            if slug.len() >= SLUG_MAX {
                slug.truncate(SLUG_MAX);
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        (!slug.is_empty()).then(|| Self(slug.to_owned()))
    }

    /// The `n`-th slug for a name whose first choice is `self`: `self` for 1,
    /// else `self-n`, shortened so it stays within [`SLUG_MAX`]. Two different
    /// names that derive the same slug get distinct ones this way.
    pub fn numbered(&self, n: u32) -> Self {
        if n <= 1 {
            return self.clone();
        }
        let suffix = format!("-{n}");
        let stem = self.0[..self.0.len().min(SLUG_MAX - suffix.len())].trim_end_matches('-');
        Self(format!("{stem}{suffix}"))
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

    #[test]
    fn names_in_any_script_derive_a_slug() {
        for (name, slug) in [
            ("Größe", "grosse"),
            ("Привет", "privet"),
            ("Ελληνικά", "ellenika"),
            ("日本語", "ri-ben-yu"),
            ("a日本", "a-ri-ben"),
            ("A中国", "a-zhong-guo"),
            ("C++ & Rust", "c-rust"),
        ] {
            assert_eq!(Slug::derive(name).unwrap().as_str(), slug, "{name}");
        }
    }

    #[test]
    fn a_derived_slug_never_exceeds_the_limit() {
        let long = Slug::derive(&"語".repeat(SLUG_MAX)).unwrap();
        assert!(Slug::parse(long.as_str()).is_ok(), "{long}");
        assert!(Slug::parse(long.numbered(12).as_str()).is_ok());
    }

    #[test]
    fn numbered_slugs_follow_the_first_choice() {
        let base = Slug::parse("c").unwrap();
        assert_eq!(base.numbered(1).as_str(), "c");
        assert_eq!(base.numbered(2).as_str(), "c-2");
        let full = Slug::parse(&"a".repeat(SLUG_MAX)).unwrap();
        let second = full.numbered(2);
        assert_eq!(second.as_str().len(), SLUG_MAX);
        assert!(second.as_str().ends_with("a-2"));
    }
}
