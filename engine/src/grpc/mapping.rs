//! Stored records to API messages.

use quire_proto::v1;

use crate::domain::{Etag, timestamp};
use crate::media;
use crate::render::TocItem;
use crate::store::authors::AuthorRecord;
use crate::store::comments::CommentRecord;
use crate::store::media::{MediaRecord, VariantRecord};
use crate::store::posts::{PostRecord, RevisionRecord};
use crate::store::tags::TagRecord;

/// A table of contents on the wire.
pub fn toc(items: Vec<TocItem>) -> Vec<v1::TocEntry> {
    items
        .into_iter()
        .map(|item| v1::TocEntry {
            level: item.level,
            anchor: item.anchor,
            text: item.text,
        })
        .collect()
}

fn tag_refs(slugs: &[String], names: &[String]) -> Vec<v1::TagRef> {
    slugs
        .iter()
        .zip(names)
        .map(|(slug, name)| v1::TagRef {
            slug: slug.clone(),
            name: name.clone(),
        })
        .collect()
}

/// A post message.
pub fn post(record: PostRecord) -> v1::Post {
    v1::Post {
        id: record.id.to_string(),
        tags: tag_refs(&record.tag_slugs, &record.tag_names),
        author: Some(v1::AuthorRef {
            id: record.author_id.to_string(),
            slug: record.author_slug,
            display_name: record.author_display_name,
            bio: record.author_bio,
            avatar_url: record.author_avatar_url,
        }),
        slug: record.slug,
        kind: i32::from(record.kind),
        title: record.title,
        markdown: record.markdown,
        html: record.html,
        toc: toc(record.toc.0),
        excerpt: record.excerpt,
        word_count: record.word_count,
        reading_time_minutes: record.reading_time_minutes,
        author_id: record.author_id.to_string(),
        status: i32::from(record.status),
        publish_time: record.publish_time.map(timestamp),
        create_time: Some(timestamp(record.create_time)),
        update_time: Some(timestamp(record.update_time)),
        etag: Etag::of_version(record.version).to_string(),
        cover_image_url: record.cover_image_url,
        cover_image_alt: record.cover_image_alt,
        cover_image_html: record.cover_html,
        seo: Some(v1::PostSeo {
            meta_title: record.meta_title,
            meta_description: record.meta_description,
            canonical_url: record.canonical_url,
        }),
        revision: record.revision,
        previous_slugs: record.previous_slugs,
        comment_count: record.comment_count,
    }
}

/// A revision message.
pub fn revision(record: RevisionRecord) -> v1::PostRevision {
    v1::PostRevision {
        post_id: record.post_id.to_string(),
        revision: record.revision,
        slug: record.slug,
        title: record.title,
        markdown: record.markdown,
        tags: record
            .tags
            .0
            .into_iter()
            .map(|(slug, name)| v1::TagRef { slug, name })
            .collect(),
        cover_image_url: record.cover_image_url,
        cover_image_alt: record.cover_image_alt,
        seo: Some(v1::PostSeo {
            meta_title: record.meta_title,
            meta_description: record.meta_description,
            canonical_url: record.canonical_url,
        }),
        editor_id: record
            .editor_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        create_time: Some(timestamp(record.create_time)),
    }
}

/// A tag message.
pub fn tag(record: TagRecord) -> v1::Tag {
    v1::Tag {
        slug: record.slug,
        name: record.name,
        description: record.description,
        post_count: i32::try_from(record.post_count).unwrap_or(i32::MAX),
        create_time: Some(timestamp(record.create_time)),
        update_time: Some(timestamp(record.update_time)),
        etag: Etag::of_version(record.version).to_string(),
    }
}

/// An author message; the email and the role only `with_private_fields`.
pub fn author(record: AuthorRecord, with_private_fields: bool) -> v1::Author {
    v1::Author {
        id: record.id.to_string(),
        slug: record.slug,
        display_name: record.display_name,
        email: if with_private_fields {
            record.email
        } else {
            String::new()
        },
        bio: record.bio,
        avatar_url: record.avatar_url,
        website_url: record.website_url,
        role: if with_private_fields {
            i32::from(record.role)
        } else {
            v1::AuthorRole::Unspecified as i32
        },
        post_count: i32::try_from(record.post_count).unwrap_or(i32::MAX),
        create_time: Some(timestamp(record.create_time)),
        update_time: Some(timestamp(record.update_time)),
        etag: Etag::of_version(record.version).to_string(),
    }
}

/// A comment message; the email only when `with_email`.
pub fn comment(record: CommentRecord, with_email: bool) -> v1::Comment {
    v1::Comment {
        id: record.id.to_string(),
        post_id: record.post_id.to_string(),
        author_name: record.author_name,
        author_email: if with_email {
            record.author_email
        } else {
            String::new()
        },
        body: record.body,
        status: i32::from(record.status),
        create_time: Some(timestamp(record.create_time)),
        update_time: Some(timestamp(record.update_time)),
    }
}

/// A media item with its variants (those of `variants` that are its own).
pub fn media_item(record: MediaRecord, variants: &[VariantRecord]) -> v1::MediaItem {
    v1::MediaItem {
        id: record.id.to_string(),
        path: media::original_path(&record),
        variants: variants
            .iter()
            .filter(|variant| variant.item_id == record.id)
            .map(|variant| v1::MediaVariant {
                width: variant.width,
                height: variant.height,
                content_type: variant.content_type.clone(),
                byte_size: variant.byte_size,
                path: media::path(&record.original_sha256, &variant.name),
            })
            .collect(),
        sha256: hex::encode(&record.original_sha256),
        filename: record.filename,
        content_type: record.content_type,
        byte_size: record.byte_size,
        width: record.width,
        height: record.height,
        alt_text: record.alt_text,
        caption: record.caption,
        focal_point: record
            .focal_x
            .zip(record.focal_y)
            .map(|(x, y)| v1::FocalPoint { x, y }),
        state: i32::from(record.state),
        uploader_id: record
            .uploader_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        create_time: Some(timestamp(record.create_time)),
        update_time: Some(timestamp(record.update_time)),
        etag: Etag::of_version(record.revision).to_string(),
    }
}
