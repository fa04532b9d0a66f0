//! What is cached under which key, and which scopes a change touches.

use quire_proto::v1;

/// A cache key: the scope it belongs to (what changes invalidate) and the
/// variant within it (request parameters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// What invalidates the entry (`post:<id>`, `list:tag:rust`, …).
    pub scope: String,
    /// Which request within the scope (view, page size, …).
    pub variant: String,
}

/// Scope of everything: changed by tag and author renames, which show in
/// every post and listing.
pub const ALL: &str = "all";

impl CacheKey {
    /// A post by id.
    pub fn post(id: &str, variant: &str) -> Self {
        Self {
            scope: format!("post:{id}"),
            variant: variant.to_owned(),
        }
    }

    /// A post by (current or earlier) slug.
    pub fn slug(slug: &str, variant: &str) -> Self {
        Self {
            scope: format!("slug:{slug}"),
            variant: variant.to_owned(),
        }
    }

    /// A first page of published posts, filtered by at most one of tag and author.
    pub fn post_list(tag: Option<&str>, author: Option<&str>, variant: String) -> Self {
        let scope = match (tag, author) {
            (Some(tag), None) => format!("list:tag:{tag}"),
            (None, Some(author)) => format!("list:author:{author}"),
            (Some(tag), Some(author)) => format!("list:tag:{tag}:author:{author}"),
            (None, None) => "list:home".to_owned(),
        };
        Self { scope, variant }
    }

    /// A first page of tags.
    pub fn tag_list(variant: String) -> Self {
        Self {
            scope: "list:tags".to_owned(),
            variant,
        }
    }

    /// A tag by slug.
    pub fn tag(slug: &str) -> Self {
        Self {
            scope: format!("tag:{slug}"),
            variant: String::new(),
        }
    }

    /// An author's public profile by slug.
    pub fn author(slug: &str) -> Self {
        Self {
            scope: format!("author:{slug}"),
            variant: String::new(),
        }
    }

    /// The key as a string (for Redis).
    pub fn text(&self) -> String {
        format!("{}|{}", self.scope, self.variant)
    }
}

/// The scope a post's listings by tag *and* author fall under: listing
/// scopes are matched by prefix when a change touches a tag or an author.
fn listing_scopes(change: &v1::Change, scopes: &mut Vec<String>) {
    scopes.push("list:home".to_owned());
    scopes.push("list:tags".to_owned());
    scopes.push("list:authors".to_owned());
    for tag in change.tag_slugs.iter().chain(&change.removed_tag_slugs) {
        scopes.push(format!("list:tag:{tag}"));
        scopes.push(format!("tag:{tag}"));
    }
    for author in [&change.author_slug, &change.previous_author_slug] {
        if !author.is_empty() {
            scopes.push(format!("list:author:{author}"));
            scopes.push(format!("author:{author}"));
        }
    }
}

/// Every scope whose cached values `change` may have made stale.
pub fn scopes_of_change(change: &v1::Change) -> Vec<String> {
    let mut scopes = Vec::new();
    match change.kind() {
        v1::ChangeKind::TagUpdated
        | v1::ChangeKind::AuthorUpdated
        | v1::ChangeKind::Unspecified => {
            scopes.push(ALL.to_owned());
        }
        _ => {
            scopes.push(format!("post:{}", change.post_id));
            for slug in [&change.slug, &change.previous_slug] {
                if !slug.is_empty() {
                    scopes.push(format!("slug:{slug}"));
                }
            }
            if change.was_published || change.status() == v1::PostStatus::Published {
                listing_scopes(change, &mut scopes);
            }
        }
    }
    scopes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: v1::ChangeKind, status: v1::PostStatus, was_published: bool) -> v1::Change {
        v1::Change {
            kind: kind as i32,
            status: status as i32,
            was_published,
            post_id: "p1".into(),
            slug: "new".into(),
            previous_slug: "old".into(),
            tag_slugs: vec!["rust".into()],
            removed_tag_slugs: vec!["go".into()],
            author_slug: "ada".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_draft_edit_touches_only_the_post_and_its_slugs() {
        let scopes = scopes_of_change(&change(
            v1::ChangeKind::PostUpdated,
            v1::PostStatus::Draft,
            false,
        ));
        assert_eq!(scopes, ["post:p1", "slug:new", "slug:old"]);
    }

    #[test]
    fn publishing_touches_listings_of_every_old_and_new_tag_and_the_author() {
        let scopes = scopes_of_change(&change(
            v1::ChangeKind::PostPublished,
            v1::PostStatus::Published,
            false,
        ));
        for expected in [
            "list:home",
            "list:tag:rust",
            "list:tag:go",
            "list:author:ada",
            "tag:rust",
            "author:ada",
        ] {
            assert!(
                scopes.iter().any(|s| s == expected),
                "{expected} missing from {scopes:?}"
            );
        }
    }

    #[test]
    fn unpublishing_touches_listings_too() {
        let scopes = scopes_of_change(&change(
            v1::ChangeKind::PostUnpublished,
            v1::PostStatus::Draft,
            true,
        ));
        assert!(scopes.iter().any(|s| s == "list:home"));
    }

    #[test]
    fn a_tag_rename_touches_everything() {
        let scopes = scopes_of_change(&change(
            v1::ChangeKind::TagUpdated,
            v1::PostStatus::Unspecified,
            false,
        ));
        assert_eq!(scopes, [ALL]);
    }
}
