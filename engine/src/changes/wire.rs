//! A recorded change as the contract's `quire.v1.Change`: what WatchChanges
//! streams and what the relay publishes to other replicas.

use quire_proto::v1;

use crate::domain::timestamp;
use crate::store::changes::{ChangeRecord, kind};
use crate::store::posts::status;

/// The change message for `record`.
pub fn to_wire(record: ChangeRecord) -> v1::Change {
    v1::Change {
        sequence: record.sequence,
        kind: i32::from(record.kind),
        change_time: Some(timestamp(record.change_time)),
        post_id: record.post_id.map(|id| id.to_string()).unwrap_or_default(),
        slug: record.slug,
        previous_slug: record.previous_slug,
        post_kind: i32::from(record.post_kind),
        status: i32::from(record.status),
        was_published: record.was_published,
        tag_slugs: record.tag_slugs,
        removed_tag_slugs: record.removed_tag_slugs,
        author_slug: record.author_slug,
        previous_author_slug: record.previous_author_slug,
        tag_slug: record.tag_slug,
        cache_tags: record.cache_tags,
    }
}

/// Whether `record` shows only what readers may see: a change to a tag or an
/// author's public profile, or to a post readers could see before or can
/// see now. A draft's changes would name its slug, tags and author.
pub fn is_public(record: &ChangeRecord) -> bool {
    matches!(record.kind, kind::TAG_UPDATED | kind::AUTHOR_UPDATED)
        || record.was_published
        || record.status == status::PUBLISHED
}
