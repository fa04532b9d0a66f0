//! Keeping the index equal to the published posts: built from one snapshot
//! of PostgreSQL, then every change after that snapshot's sequence applied
//! in order, each batch committed with the last sequence it applied.

use std::collections::BTreeSet;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use tantivy::{TantivyDocument, Term};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::schema::Commit;
use super::{Inner, Present, SearchIndex};
use crate::changes::ChangeFeed;
use crate::store::changes::{self, kind};
use crate::store::posts::{self, IndexedPost};
use crate::store::{Store, StoreError};

/// Posts handed to the writer at a time during a build.
const BUILD_BATCH: usize = 256;

/// Changes read from the log per query.
const CHANGE_BATCH: i64 = 500;

/// Pause before retrying after a failure (PostgreSQL down, a full disk).
const RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
enum IndexerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] tantivy::TantivyError),
    #[error("the index writer stopped")]
    Stopped(#[from] tokio::task::JoinError),
    /// The changes after the index's sequence were pruned from the log.
    #[error("the change log no longer reaches back to the index's sequence")]
    Pruned,
}

pub(super) async fn run(
    index: SearchIndex,
    store: Store,
    feed: ChangeFeed,
    present: Present,
    shutdown: CancellationToken,
) {
    let mut head = feed.subscribe();
    let mut must_build = index.inner.must_build;
    loop {
        let result = async {
            if must_build {
                build(&index, &store, present).await?;
                must_build = false;
            }
            catch_up(&index, &store, present).await
        }
        .await;
        match result {
            Ok(()) => {
                index
                    .inner
                    .caught_up
                    .send_if_modified(|done| !std::mem::replace(done, true));
                let lag = (*head.borrow()).saturating_sub(index.applied());
                metrics::gauge!("quire_search_index_lag").set(lag.max(0) as f64);
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    changed = head.changed() => if changed.is_err() { return },
                }
            }
            Err(IndexerError::Pruned) => {
                tracing::info!("rebuilding the search index: the change log was pruned past it");
                must_build = true;
            }
            Err(error) => {
                tracing::warn!(%error, "updating the search index failed; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(RETRY_AFTER) => {}
                }
            }
        }
    }
}

/// Replaces the index's content with every published post of one snapshot.
async fn build(index: &SearchIndex, store: &Store, present: Present) -> Result<(), IndexerError> {
    let started = Instant::now();
    let mut tx = store.begin_snapshot().await?;
    let head = changes::head(&mut tx).await?;
    let inner = index.inner.clone();
    write(index, move |writer: &mut tantivy::IndexWriter| {
        writer.delete_all_documents()?;
        Ok(())
    })
    .await?;
    let mut count = 0usize;
    let mut batch = Vec::with_capacity(BUILD_BATCH);
    {
        let mut stream = posts::stream_indexed(&mut tx);
        while let Some(post) = stream.try_next().await? {
            batch.push(document(&inner, &post, present));
            count += 1;
            if batch.len() == BUILD_BATCH {
                add(index, std::mem::take(&mut batch)).await?;
            }
        }
    }
    add(index, batch).await?;
    commit(index, head).await?;
    tracing::info!(
        posts = count,
        sequence = head,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search index built"
    );
    Ok(())
}

/// Applies every change after the index's sequence.
async fn catch_up(
    index: &SearchIndex,
    store: &Store,
    present: Present,
) -> Result<(), IndexerError> {
    let mut conn = store.acquire().await?;
    let applied = index.applied();
    if applied > 0
        && let Some(oldest) = changes::oldest(&mut conn).await?
        && oldest > applied + 1
    {
        return Err(IndexerError::Pruned);
    }
    loop {
        let batch = changes::after(&mut conn, index.applied(), CHANGE_BATCH).await?;
        let Some(last) = batch.last().map(|change| change.sequence) else {
            return Ok(());
        };
        let mut ids = BTreeSet::new();
        let mut tag_slugs = BTreeSet::new();
        let mut author_slugs = BTreeSet::new();
        for change in &batch {
            match change.kind {
                // A tag or author shows on every post that carries it.
                kind::TAG_UPDATED | kind::AUTHOR_UPDATED => {
                    for tag in &change.cache_tags {
                        if let Some(slug) = tag.strip_prefix("tag:") {
                            tag_slugs.insert(slug.to_owned());
                        } else if let Some(slug) = tag.strip_prefix("author:") {
                            author_slugs.insert(slug.to_owned());
                        }
                    }
                }
                // Post changes, comment counts included.
                _ => ids.extend(change.post_id),
            }
        }
        if !tag_slugs.is_empty() || !author_slugs.is_empty() {
            let tag_slugs: Vec<String> = tag_slugs.into_iter().collect();
            let author_slugs: Vec<String> = author_slugs.into_iter().collect();
            ids.extend(posts::showing(&mut conn, &tag_slugs, &author_slugs).await?);
            ids.extend(index.ids_showing(&tag_slugs, &author_slugs)?);
        }
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let found = posts::indexed(&mut conn, &ids).await?;
        let docs: Vec<TantivyDocument> = found
            .iter()
            .map(|post| document(&index.inner, post, present))
            .collect();
        let fields = index.inner.fields;
        write(index, move |writer| {
            // Deleted first: a post that is no longer published stays deleted.
            for id in &ids {
                writer.delete_term(Term::from_field_text(fields.id, &id.to_string()));
            }
            for doc in docs {
                writer.add_document(doc)?;
            }
            Ok(())
        })
        .await?;
        commit(index, last).await?;
    }
}

fn document(inner: &Inner, post: &IndexedPost, present: Present) -> TantivyDocument {
    inner.fields.document(post, &present(post.post.clone()))
}

async fn add(index: &SearchIndex, docs: Vec<TantivyDocument>) -> Result<(), IndexerError> {
    write(index, move |writer| {
        for doc in docs {
            writer.add_document(doc)?;
        }
        Ok(())
    })
    .await
}

/// Commits what was written, as having applied the log up to `applied`, and
/// makes it searchable.
async fn commit(index: &SearchIndex, applied: i64) -> Result<(), IndexerError> {
    let language = index.inner.language;
    write(index, move |writer| {
        let payload = serde_json::to_string(&Commit::new(language, applied))
            .expect("a commit payload serialises");
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        Ok(())
    })
    .await?;
    let inner = index.inner.clone();
    tokio::task::spawn_blocking(move || inner.reader.reload()).await??;
    index.inner.applied.store(applied, Ordering::Release);
    Ok(())
}

/// Runs `work` with the writer, off the async threads (the writer blocks
/// while it indexes and commits).
async fn write(
    index: &SearchIndex,
    work: impl FnOnce(&mut tantivy::IndexWriter) -> tantivy::Result<()> + Send + 'static,
) -> Result<(), IndexerError> {
    let inner = index.inner.clone();
    tokio::task::spawn_blocking(move || {
        let mut writer = inner.writer.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut writer)
    })
    .await??;
    Ok(())
}
