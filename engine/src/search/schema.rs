//! What the index holds per post, and how it is opened.

use std::path::Path;

use prost::Message;
use quire_proto::v1;
use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::Language;
use tantivy::{Index, TantivyDocument};
use uuid::Uuid;

use super::tokenizer::{self, STEMMED};
use crate::store::posts::IndexedPost;

/// The version of the schema and analyzers: an index written under another
/// one is thrown away and rebuilt. Bump it with any change to this file or to
/// `tokenizer.rs`.
const FORMAT: u32 = 1;

/// The fields of a post's entry.
#[derive(Clone, Copy)]
pub(super) struct Fields {
    /// The post id (raw), to replace or delete the entry.
    pub id: Field,
    /// The first eight bytes of the id, the last tie-breaker of the order.
    pub key: Field,
    /// The listing time, in microseconds: newer first among equal scores.
    pub sort_time: Field,
    pub title: Field,
    pub excerpt: Field,
    pub body: Field,
    /// Tag names (text) and slugs (raw, for the filter).
    pub tags: Field,
    pub tag_slug: Field,
    /// The author's display name (text) and slug (raw, for the filter).
    pub author: Field,
    pub author_slug: Field,
    /// The post in its basic view, encoded: what a hit answers with.
    pub post: Field,
}

impl Fields {
    fn schema() -> (Schema, Self) {
        let mut builder = Schema::builder();
        let text = |stored: bool| {
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(STEMMED)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            );
            if stored {
                options.set_stored()
            } else {
                options
            }
        };
        let fields = Self {
            id: builder.add_text_field("id", STRING | STORED),
            key: builder.add_u64_field("key", FAST),
            sort_time: builder.add_i64_field("sort_time", FAST),
            title: builder.add_text_field("title", text(false)),
            excerpt: builder.add_text_field("excerpt", text(false)),
            body: builder.add_text_field("body", text(true)),
            tags: builder.add_text_field("tags", text(false)),
            tag_slug: builder.add_text_field("tag_slug", STRING),
            author: builder.add_text_field("author", text(false)),
            author_slug: builder.add_text_field("author_slug", STRING),
            post: builder.add_bytes_field("post", STORED),
        };
        (builder.build(), fields)
    }

    /// The text fields a word is looked for in, with their weights: titles and
    /// tags above the author, the author above the text.
    pub fn weighted(&self) -> [(Field, f32); 5] {
        [
            (self.title, 3.0),
            (self.tags, 2.0),
            (self.author, 1.5),
            (self.excerpt, 1.0),
            (self.body, 1.0),
        ]
    }

    /// The entry of `indexed`, whose basic view is `post`.
    pub fn document(&self, indexed: &IndexedPost, post: &v1::Post) -> TantivyDocument {
        let record = &indexed.post;
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, record.id.to_string());
        doc.add_u64(self.key, key(record.id));
        doc.add_i64(self.sort_time, record.sort_time.timestamp_micros());
        doc.add_text(self.title, &record.title);
        doc.add_text(self.excerpt, &record.excerpt);
        doc.add_text(self.body, &indexed.plain_text);
        for name in &record.tag_names {
            doc.add_text(self.tags, name);
        }
        for slug in &record.tag_slugs {
            doc.add_text(self.tag_slug, slug);
        }
        doc.add_text(self.author, &record.author_display_name);
        doc.add_text(self.author_slug, &record.author_slug);
        doc.add_bytes(self.post, &post.encode_to_vec());
        doc
    }
}

/// The order's last tie-breaker for `id`.
pub(super) fn key(id: Uuid) -> u64 {
    let bytes = id.as_bytes();
    u64::from_be_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ])
}

/// What a commit records: the format it was written in and the last change
/// applied.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Commit {
    pub format: u32,
    pub language: String,
    pub applied: i64,
}

impl Commit {
    pub fn new(language: Language, applied: i64) -> Self {
        Self {
            format: FORMAT,
            language: format!("{language:?}"),
            applied,
        }
    }
}

/// An opened index and what it had applied (`None`: empty, or written in
/// another format, so it must be built).
pub(super) struct Opened {
    pub index: Index,
    pub fields: Fields,
    pub applied: Option<i64>,
}

/// Opens the index in `dir` (created when missing; wiped when it was written
/// in another format or cannot be read), or a new one in memory.
pub(super) fn open(dir: Option<&Path>, language: Language) -> tantivy::Result<Opened> {
    let (schema, fields) = Fields::schema();
    let (index, applied) = match dir {
        None => (Index::create_in_ram(schema), None),
        Some(dir) => match reopen(dir, &schema, language) {
            Some(reopened) => reopened,
            None => {
                if dir.exists() {
                    tracing::info!(dir = %dir.display(), "rebuilding the search index (new format, or unreadable)");
                    std::fs::remove_dir_all(dir)?;
                }
                std::fs::create_dir_all(dir)?;
                (Index::create_in_dir(dir, schema)?, None)
            }
        },
    };
    index
        .tokenizers()
        .register(STEMMED, tokenizer::stemmed(language));
    Ok(Opened {
        index,
        fields,
        applied,
    })
}

/// The index in `dir`, if it was written in this format and language.
fn reopen(dir: &Path, schema: &Schema, language: Language) -> Option<(Index, Option<i64>)> {
    let index = Index::open_in_dir(dir).ok()?;
    if index.schema() != *schema {
        return None;
    }
    let payload = index.load_metas().ok()?.payload?;
    let commit: Commit = serde_json::from_str(&payload).ok()?;
    let expected = Commit::new(language, commit.applied);
    (commit == expected).then_some((index, Some(commit.applied)))
}
