//! What is cached under which key, and which cache tags each entry carries
//! (the grammar and the invalidation rule live in `changes::cache_tags`).

use uuid::Uuid;

use crate::changes::cache_tags;

/// A cache key: a name unique to one request's answer, and the cache tags
/// of what that answer is about (the loader adds the tags of what it shows).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// The entry's name in both levels (request kind and parameters).
    pub name: String,
    /// The tags that, when a change lists one, make the entry stale.
    pub tags: Vec<String>,
}

impl CacheKey {
    fn new(name: String, tags: Vec<String>) -> Self {
        Self { name, tags }
    }

    /// A post by id.
    pub fn post(id: Uuid, variant: &str) -> Self {
        Self::new(format!("post:{id}|{variant}"), vec![cache_tags::post(id)])
    }

    /// A post by (current or earlier) slug.
    pub fn slug(slug: &str, variant: &str) -> Self {
        Self::new(
            format!("slug:{slug}|{variant}"),
            vec![cache_tags::slug(slug)],
        )
    }

    /// A first page of published posts, optionally of one tag and/or author.
    pub fn post_list(tag: Option<&str>, author: Option<&str>, variant: String) -> Self {
        let mut tags = Vec::new();
        tags.extend(tag.map(cache_tags::tag));
        tags.extend(author.map(cache_tags::author));
        if tags.is_empty() {
            tags.push(cache_tags::POSTS.to_owned());
        }
        Self::new(
            format!(
                "list:{}:{}|{variant}",
                tag.unwrap_or_default(),
                author.unwrap_or_default()
            ),
            tags,
        )
    }

    /// A first page of tags.
    pub fn tag_list(variant: String) -> Self {
        Self::new(format!("tags|{variant}"), vec![cache_tags::TAGS.to_owned()])
    }

    /// A tag by slug.
    pub fn tag(slug: &str) -> Self {
        Self::new(format!("tag:{slug}|"), vec![cache_tags::tag(slug)])
    }

    /// The key as a string (for Redis).
    pub fn text(&self) -> &str {
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_carry_the_tags_of_their_filter() {
        assert_eq!(CacheKey::post_list(None, None, "v".into()).tags, ["posts"]);
        assert_eq!(
            CacheKey::post_list(Some("rust"), Some("ada"), "v".into()).tags,
            ["tag:rust", "author:ada"]
        );
    }

    #[test]
    fn a_tag_and_a_listing_by_that_tag_are_different_entries() {
        let listing = CacheKey::post_list(Some("rust"), None, String::new());
        assert_ne!(listing.text(), CacheKey::tag("rust").text());
        assert_eq!(listing.tags, CacheKey::tag("rust").tags);
    }
}
