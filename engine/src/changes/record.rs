//! What each kind of write records in the change log: the change, with the
//! cache tags it invalidates ([`cache_tags`]), built from the state before
//! and after the write. Writers (the content workflow, comment moderation,
//! tags and authors) record through these, never by filling a
//! [`NewChange`] by hand.

use super::cache_tags;
use crate::store::changes::{NewChange, kind};
use crate::store::posts::{PostRecord, status};

/// A change of `change_kind` to a post, from `before` (`None` when created)
/// to `after`.
pub fn post_changed(
    change_kind: i16,
    before: Option<&PostRecord>,
    after: &PostRecord,
) -> NewChange {
    let removed_tag_slugs = before
        .map(|before| {
            before
                .tag_slugs
                .iter()
                .filter(|slug| !after.tag_slugs.contains(slug))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let previous_slug = before
        .filter(|b| b.slug != after.slug)
        .map(|b| b.slug.clone())
        .unwrap_or_default();
    let previous_author_slug = before
        .filter(|b| b.author_slug != after.author_slug)
        .map(|b| b.author_slug.clone())
        .unwrap_or_default();
    NewChange {
        kind: change_kind,
        post_id: Some(after.id),
        slug: after.slug.clone(),
        previous_slug,
        post_kind: after.kind,
        status: after.status,
        was_published: before.is_some_and(|b| b.status == status::PUBLISHED),
        tag_slugs: after.tag_slugs.clone(),
        removed_tag_slugs,
        author_slug: after.author_slug.clone(),
        previous_author_slug,
        tag_slug: String::new(),
        cache_tags: cache_tags::of_post_change(before, Some(after)),
    }
}

/// The deletion of `post` (as it was before).
pub fn post_deleted(post: &PostRecord) -> NewChange {
    NewChange {
        removed_tag_slugs: post.tag_slugs.clone(),
        cache_tags: cache_tags::of_post_change(Some(post), None),
        ..post_changed(kind::POST_DELETED, Some(post), post)
    }
}

/// A change to the comments readers see on `post`.
pub fn comments_changed(post: &PostRecord) -> NewChange {
    NewChange {
        kind: kind::COMMENTS_CHANGED,
        post_id: Some(post.id),
        slug: post.slug.clone(),
        post_kind: post.kind,
        status: post.status,
        was_published: post.status == status::PUBLISHED,
        tag_slugs: post.tag_slugs.clone(),
        author_slug: post.author_slug.clone(),
        cache_tags: cache_tags::of_comments_change(post),
        ..NewChange::default()
    }
}

/// A change to the tag `tag_slug`'s name or description.
pub fn tag_changed(tag_slug: &str) -> NewChange {
    NewChange {
        kind: kind::TAG_UPDATED,
        tag_slug: tag_slug.to_owned(),
        cache_tags: cache_tags::of_tag_change(tag_slug),
        ..NewChange::default()
    }
}

/// A change to an author's public profile, from `previous_slug` when it was
/// renamed.
pub fn author_changed(author_slug: &str, previous_slug: Option<&str>) -> NewChange {
    NewChange {
        kind: kind::AUTHOR_UPDATED,
        author_slug: author_slug.to_owned(),
        previous_author_slug: previous_slug.unwrap_or_default().to_owned(),
        cache_tags: cache_tags::of_author_change(author_slug, previous_slug),
        ..NewChange::default()
    }
}
