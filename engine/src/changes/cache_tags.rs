//! The cache-tag grammar and the one rule that says which tags a change
//! invalidates.
//!
//! Every cache of Quire's content labels what it stores with the tags of
//! everything the value shows, and expires exactly the tags a change lists:
//! the engine's read cache here, the web's page cache and any edge cache
//! from `quire.v1.Change.cache_tags` (the grammar is documented there, and
//! spelled for the web in `web/lib/engine/cache-tags.ts`). The tags are
//! computed once, here, from the state before and after a write.

use uuid::Uuid;

use crate::store::posts::{PostRecord, status};

/// Which posts are published, in what order, and what listings show of them.
pub const POSTS: &str = "posts";
/// The list of tags.
pub const TAGS: &str = "tags";
/// The list of authors.
pub const AUTHORS: &str = "authors";
/// Everything (changes recorded before tags existed).
pub const ALL: &str = "all";

/// A post or page by id.
pub fn post(id: Uuid) -> String {
    format!("post:{id}")
}

/// A post or page by slug, current or former.
pub fn slug(slug: &str) -> String {
    format!("slug:{slug}")
}

/// A tag, the listings of its posts, and everything that shows it.
pub fn tag(slug: &str) -> String {
    format!("tag:{slug}")
}

/// An author, the listings of their posts, and everything that shows them.
pub fn author(slug: &str) -> String {
    format!("author:{slug}")
}

/// Tags in first-seen order, without repeats.
#[derive(Default)]
struct TagSet(Vec<String>);

impl TagSet {
    fn add(&mut self, tag: String) {
        if !self.0.contains(&tag) {
            self.0.push(tag);
        }
    }
}

/// The tags a cached read of `posts` depends on besides its key's own: each
/// post by id (its edits and comment count change the read), and the tags
/// and authors they show (a rename changes them).
pub fn shown_by<'a>(posts: impl IntoIterator<Item = &'a PostRecord>) -> Vec<String> {
    let mut found = TagSet::default();
    for post in posts {
        found.add(self::post(post.id));
        for tag_slug in &post.tag_slugs {
            found.add(tag(tag_slug));
        }
        found.add(author(&post.author_slug));
    }
    found.0
}

/// What a change to a post (or its comments) invalidates, from the post
/// before the change (`None` when created) and after it (`None` when
/// deleted): the post under its id and every slug it had; and, when readers
/// could see it before or can now, the listings, and every tag and author it
/// had before or has now.
pub fn of_post_change(before: Option<&PostRecord>, after: Option<&PostRecord>) -> Vec<String> {
    let versions: Vec<&PostRecord> = before.into_iter().chain(after).collect();
    let mut found = TagSet::default();
    for version in &versions {
        found.add(post(version.id));
    }
    for version in &versions {
        found.add(slug(&version.slug));
    }
    if versions.iter().any(|post| post.status == status::PUBLISHED) {
        found.add(POSTS.to_owned());
        found.add(TAGS.to_owned());
        found.add(AUTHORS.to_owned());
        for version in &versions {
            for tag_slug in &version.tag_slugs {
                found.add(tag(tag_slug));
            }
        }
        for version in &versions {
            found.add(author(&version.author_slug));
        }
    }
    found.0
}

/// What a change to the comments readers see on `post` invalidates: the post
/// under its id and slug. Its page shows them, and every cached read that
/// shows its comment count carries its `post:` tag ([`shown_by`]); the
/// listings, tags and authors it appears under are otherwise unchanged.
pub fn of_comments_change(post: &PostRecord) -> Vec<String> {
    vec![self::post(post.id), slug(&post.slug)]
}

/// What a change to a tag's name or description invalidates.
pub fn of_tag_change(tag_slug: &str) -> Vec<String> {
    vec![tag(tag_slug), TAGS.to_owned()]
}

/// What a change to an author's public profile invalidates (`previous_slug`
/// when the change renamed it).
pub fn of_author_change(author_slug: &str, previous_slug: Option<&str>) -> Vec<String> {
    let mut found = TagSet::default();
    found.add(author(author_slug));
    if let Some(previous) = previous_slug {
        found.add(author(previous));
    }
    found.add(AUTHORS.to_owned());
    found.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post_record(status: i16, slug: &str, tags: &[&str], author: &str) -> PostRecord {
        PostRecord {
            id: Uuid::nil(),
            slug: slug.into(),
            status,
            tag_slugs: tags.iter().map(|t| (*t).to_owned()).collect(),
            author_slug: author.into(),
            ..PostRecord::default()
        }
    }

    fn sorted(mut tags: Vec<String>) -> Vec<String> {
        tags.sort();
        tags
    }

    const P1: &str = "post:00000000-0000-0000-0000-000000000000";

    #[test]
    fn a_draft_edit_touches_only_the_post_and_its_slugs() {
        let before = post_record(status::DRAFT, "old", &["rust"], "ada");
        let after = post_record(status::DRAFT, "new", &["go"], "ada");
        assert_eq!(
            of_post_change(Some(&before), Some(&after)),
            [P1, "slug:old", "slug:new"]
        );
    }

    #[test]
    fn a_created_draft_touches_only_its_own_tags() {
        let created = post_record(status::DRAFT, "hello", &["rust"], "ada");
        assert_eq!(of_post_change(None, Some(&created)), [P1, "slug:hello"]);
    }

    #[test]
    fn publishing_touches_listings_of_every_old_and_new_tag_and_the_author() {
        let before = post_record(status::DRAFT, "hello", &["go"], "ada");
        let after = post_record(status::PUBLISHED, "hello", &["rust"], "ada");
        assert_eq!(
            sorted(of_post_change(Some(&before), Some(&after))),
            sorted(
                [
                    P1,
                    "slug:hello",
                    "posts",
                    "tags",
                    "authors",
                    "tag:go",
                    "tag:rust",
                    "author:ada"
                ]
                .map(String::from)
                .to_vec()
            )
        );
    }

    #[test]
    fn an_edit_touches_old_and_new_slugs_removed_tags_and_both_authors() {
        let before = post_record(status::PUBLISHED, "hi", &["rust", "go"], "ada");
        let after = post_record(status::PUBLISHED, "hello", &["rust"], "grace");
        let tags = of_post_change(Some(&before), Some(&after));
        for expected in [
            "slug:hi",
            "slug:hello",
            "posts",
            "tag:rust",
            "tag:go",
            "author:ada",
            "author:grace",
        ] {
            assert!(
                tags.iter().any(|t| t == expected),
                "{expected} missing from {tags:?}"
            );
        }
    }

    #[test]
    fn unpublishing_and_deleting_touch_listings_too() {
        let published = post_record(status::PUBLISHED, "gone", &["rust"], "ada");
        let draft = post_record(status::DRAFT, "gone", &["rust"], "ada");
        assert!(of_post_change(Some(&published), Some(&draft)).contains(&POSTS.to_owned()));
        assert_eq!(
            sorted(of_post_change(Some(&published), None)),
            sorted(
                [
                    P1,
                    "slug:gone",
                    "posts",
                    "tags",
                    "authors",
                    "tag:rust",
                    "author:ada"
                ]
                .map(String::from)
                .to_vec()
            )
        );
    }

    #[test]
    fn deleting_or_scheduling_a_draft_drops_no_listing() {
        let draft = post_record(status::DRAFT, "d", &["rust"], "ada");
        let scheduled = post_record(status::SCHEDULED, "d", &["rust"], "ada");
        assert_eq!(of_post_change(Some(&draft), None), [P1, "slug:d"]);
        assert_eq!(
            of_post_change(Some(&draft), Some(&scheduled)),
            [P1, "slug:d"]
        );
    }

    #[test]
    fn a_comment_change_touches_only_the_post_itself() {
        let published = post_record(status::PUBLISHED, "hello", &["rust"], "ada");
        assert_eq!(of_comments_change(&published), [P1, "slug:hello"]);
    }

    #[test]
    fn a_tag_or_author_change_touches_it_and_its_list() {
        assert_eq!(of_tag_change("rust"), ["tag:rust", "tags"]);
        assert_eq!(of_author_change("ada", None), ["author:ada", "authors"]);
        assert_eq!(
            of_author_change("ada-l", Some("ada")),
            ["author:ada-l", "author:ada", "authors"]
        );
    }

    #[test]
    fn a_read_of_posts_depends_on_each_post_and_what_it_shows() {
        let first = post_record(status::PUBLISHED, "a", &["rust", "go"], "ada");
        let second = post_record(status::PUBLISHED, "b", &["rust"], "ada");
        assert_eq!(
            shown_by([&first, &second]),
            [P1, "tag:rust", "tag:go", "author:ada"]
        );
    }
}
