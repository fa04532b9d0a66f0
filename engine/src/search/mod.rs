//! Full-text search: every replica's own tantivy index of the published
//! posts, built from PostgreSQL at start and kept current from the change
//! log, as exactly as the read cache is.
//!
//! PostgreSQL stays the source of truth: an index can always be thrown away
//! and rebuilt (on disk it resumes from the change it had applied; in memory,
//! or in another format, it is built again). A hit answers with the post's
//! basic view stored in the index, so a search never touches the database.
//!
//! - [`tokenizer`]: how text becomes terms (the site's language; Chinese and
//!   Japanese as character pairs);
//! - [`query`]: what a reader types and the query it becomes;
//! - [`page`]: one page of hits in a total order, within a time budget;
//! - [`indexer`]: the build and the follower of the change log.

mod indexer;
mod page;
pub mod query;
mod schema;
pub mod tokenizer;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use prost::Message;
use quire_proto::v1;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::Language;
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::changes::ChangeFeed;
use crate::config::SearchSettings;
use crate::store::Store;
use crate::store::posts::PostRecord;
pub use page::Rank;
use query::{Analyzers, Parsed};
use schema::Fields;

/// Memory the index writer buffers before it writes a segment.
const WRITER_MEMORY_BYTES: usize = 24 << 20;

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 200;

/// How a post record becomes the basic view a hit answers with.
pub type Present = fn(PostRecord) -> v1::Post;

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query cannot be run as given (too many terms).
    #[error("{0}")]
    Query(String),
    /// The query ran past its time budget.
    #[error("the search took longer than its budget")]
    TooSlow,
    /// The index could not be read.
    #[error("the search index failed")]
    Index(#[from] tantivy::TantivyError),
    /// A stored post could not be decoded.
    #[error("the search index holds an unreadable post")]
    Stored(#[from] prost::DecodeError),
}

/// What to look for, and which page.
pub struct SearchRequest {
    pub parsed: Parsed,
    pub tag_slug: Option<String>,
    pub author_slug: Option<String>,
    pub limit: usize,
    /// The last hit of the previous page.
    pub after: Option<Rank>,
    pub deadline: Instant,
}

/// One hit.
pub struct Hit {
    pub post: v1::Post,
    pub snippet_html: String,
    pub rank: Rank,
}

/// A page of hits, and the number of matches.
pub struct Found {
    pub hits: Vec<Hit>,
    pub total: u64,
    /// Whether more hits follow this page.
    pub more: bool,
}

/// This replica's search index (cheap to clone).
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzers: Analyzers,
    language: Language,
    /// The change sequence the searchable index reflects.
    applied: AtomicI64,
    caught_up: watch::Sender<bool>,
    /// Whether what was opened must be built from PostgreSQL first.
    must_build: bool,
}

impl SearchIndex {
    /// Opens (or creates) the index the settings name. A directory that
    /// cannot be used (another engine holds it, a read-only disk) is reported
    /// and the index kept in memory instead.
    pub fn open(settings: &SearchSettings) -> Result<Self, SearchError> {
        let opened = match schema::open(settings.index_dir.as_deref(), settings.language) {
            Ok(opened) => opened,
            Err(error) => {
                tracing::error!(%error, dir = ?settings.index_dir, "cannot use the search index directory; keeping the index in memory");
                schema::open(None, settings.language)?
            }
        };
        let writer = match opened.index.writer_with_num_threads(1, WRITER_MEMORY_BYTES) {
            Ok(writer) => writer,
            Err(error) if settings.index_dir.is_some() => {
                tracing::error!(%error, dir = ?settings.index_dir, "the search index directory is in use (by another engine?); keeping the index in memory");
                let mut in_memory = settings.clone();
                in_memory.index_dir = None;
                return Self::open(&in_memory);
            }
            Err(error) => return Err(error.into()),
        };
        let reader = opened
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let analyzers = Analyzers {
            stemmed: tokenizer::stemmed(settings.language),
            raw: tokenizer::raw(),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields: opened.fields,
                analyzers,
                language: settings.language,
                applied: AtomicI64::new(opened.applied.unwrap_or(0)),
                caught_up: watch::channel(false).0,
                must_build: opened.applied.is_none(),
            }),
        })
    }

    /// Builds the index if it must be, then keeps it current from the change
    /// log until `shutdown`.
    pub fn start(
        &self,
        store: Store,
        feed: ChangeFeed,
        present: Present,
        shutdown: CancellationToken,
    ) {
        tokio::spawn(indexer::run(self.clone(), store, feed, present, shutdown));
    }

    /// Waits until the index has caught up with the change log once (at
    /// start): before that, searches would miss posts.
    pub async fn caught_up(&self) {
        let mut caught_up = self.inner.caught_up.subscribe();
        let _ = caught_up.wait_for(|done| *done).await;
    }

    /// Whether this start built the index from PostgreSQL (in memory, new,
    /// or written in another format) rather than resuming the one on disk.
    pub fn built_at_start(&self) -> bool {
        self.inner.must_build
    }

    /// The change sequence searches reflect.
    pub fn applied(&self) -> i64 {
        self.inner.applied.load(Ordering::Acquire)
    }

    /// The posts in the index that show one of these tags or authors.
    fn ids_showing(
        &self,
        tag_slugs: &[String],
        author_slugs: &[String],
    ) -> Result<Vec<uuid::Uuid>, tantivy::TantivyError> {
        let fields = &self.inner.fields;
        let terms = tag_slugs
            .iter()
            .map(|slug| Term::from_field_text(fields.tag_slug, slug))
            .chain(
                author_slugs
                    .iter()
                    .map(|slug| Term::from_field_text(fields.author_slug, slug)),
            );
        let query = tantivy::query::TermSetQuery::new(terms);
        let searcher = self.inner.reader.searcher();
        let mut ids = Vec::new();
        for address in searcher.search(&query, &tantivy::collector::DocSetCollector)? {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc
                .get_first(fields.id)
                .and_then(|value| value.as_str())
                .and_then(|id| id.parse().ok())
            {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Runs `request` (blocking: call it off the async threads).
    pub fn search(&self, request: &SearchRequest) -> Result<Found, SearchError> {
        let inner = &self.inner;
        let fields = &inner.fields;
        let mut analyzers = Analyzers {
            stemmed: inner.analyzers.stemmed.clone(),
            raw: inner.analyzers.raw.clone(),
        };
        let searcher = inner.reader.searcher();
        let indexed = |stem: &str| {
            fields.weighted().iter().any(|&(field, _)| {
                searcher
                    .doc_freq(&Term::from_field_text(field, stem))
                    .is_ok_and(|docs| docs > 0)
            })
        };
        let Some(words) = query::build(&request.parsed, fields, &mut analyzers, &indexed)
            .map_err(SearchError::Query)?
        else {
            return Ok(Found {
                hits: Vec::new(),
                total: 0,
                more: false,
            });
        };
        let mut occurs: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, words.box_clone())];
        for (field, value) in [
            (fields.tag_slug, &request.tag_slug),
            (fields.author_slug, &request.author_slug),
        ] {
            if let Some(value) = value {
                let filter = TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                );
                // A filter, not a match: it adds nothing to the score.
                occurs.push((
                    Occur::Must,
                    Box::new(BoostQuery::new(Box::new(filter), 0.0)),
                ));
            }
        }
        let query = BooleanQuery::new(occurs);

        let collector =
            page::PageCollector::new(request.limit + 1, request.after, request.deadline);
        let mut page = searcher.search(&query, &collector)?;
        if collector.timed_out() {
            return Err(SearchError::TooSlow);
        }
        let more = page.hits.len() > request.limit;
        page.hits.truncate(request.limit);

        let mut snippets = SnippetGenerator::create(&searcher, &*words, fields.body)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
        let mut stems = Vec::new();
        words.query_terms(&mut |term, _| {
            if term.field() == fields.body
                && let Some(text) = term.value().as_str()
            {
                stems.push(text.to_owned());
            }
        });
        let mut hits = Vec::with_capacity(page.hits.len());
        for (rank, address) in page.hits {
            let doc: TantivyDocument = searcher.doc(address)?;
            let post = doc
                .get_first(fields.post)
                .and_then(|value| value.as_bytes())
                .map(v1::Post::decode)
                .transpose()?
                .unwrap_or_default();
            let body = doc
                .get_first(fields.body)
                .and_then(|value| value.as_str())
                .unwrap_or_default();
            let mut snippet = snippets.snippet(snippet_window(body, &stems));
            let snippet_html = if snippet.is_empty() {
                // The words matched the title, tags or author: the excerpt.
                escape_html(&post.excerpt)
            } else {
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                snippet.to_html()
            };
            hits.push(Hit {
                post,
                snippet_html,
                rank,
            });
        }
        Ok(Found {
            hits,
            total: page.total,
            more,
        })
    }
}

/// Bytes of text the snippet is chosen from, around the first match.
const SNIPPET_WINDOW_BYTES: usize = 400;

/// The part of `body` a snippet is made from: around the first place one of
/// `stems` appears (a stem is the start of the words it matches), else the
/// beginning. Finding the best passage in the whole of a long post would
/// analyse all of it for every hit, the most expensive part of a search.
fn snippet_window<'a>(body: &'a str, stems: &[String]) -> &'a str {
    let lower = body.to_ascii_lowercase();
    let first = stems
        .iter()
        .filter_map(|stem| lower.find(stem.as_str()))
        .min();
    let start = first.map_or(0, |at| at.saturating_sub(SNIPPET_WINDOW_BYTES / 4));
    let start = (0..=start)
        .rev()
        .find(|&i| body.is_char_boundary(i))
        .unwrap_or(0);
    let end = (start + SNIPPET_WINDOW_BYTES).min(body.len());
    let end = (end..=body.len())
        .find(|&i| body.is_char_boundary(i))
        .unwrap_or(body.len());
    &body[start..end]
}

/// `text` as HTML text.
fn escape_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;
    use crate::config::SearchBackend;

    fn in_memory() -> SearchIndex {
        SearchIndex::open(&SearchSettings {
            backend: SearchBackend::Index,
            index_dir: None,
            language: Language::English,
            rate_per_client: 0,
            budget: Duration::from_secs(1),
        })
        .expect("an index in memory opens")
    }

    #[test]
    fn snippets_come_from_around_the_first_match() {
        let body = format!(
            "{} the Lighthouse keeper {}",
            "é".repeat(500),
            "x".repeat(2_000)
        );
        let window = snippet_window(&body, &["lighthous".to_owned()]);
        assert!(window.contains("Lighthouse keeper"), "{window}");
        assert!(window.len() <= SNIPPET_WINDOW_BYTES + 3);
        assert!(snippet_window(&body, &["absent".to_owned()]).starts_with('é'));
        assert_eq!(snippet_window("short", &[]), "short");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever a reader types is either refused with a message or
        /// searched: never a panic.
        #[test]
        fn any_query_is_refused_or_searched(text in "(\\PC|[\"\\- ]){0,120}") {
            let index = in_memory();
            if let Ok(parsed) = query::parse(&text) {
                let request = SearchRequest {
                    parsed,
                    tag_slug: None,
                    author_slug: None,
                    limit: 10,
                    after: None,
                    deadline: Instant::now() + Duration::from_secs(1),
                };
                match index.search(&request) {
                    Ok(found) => prop_assert_eq!(found.total, 0),
                    Err(SearchError::Query(_)) => {}
                    Err(other) => prop_assert!(false, "{text:?}: {other}"),
                }
            }
        }
    }
}
