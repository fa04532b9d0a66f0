//! Writing posts: each action one transaction, from the lock to the change
//! it records.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Written;
use super::edit::{PostEdit, blank, library_of, library_text, render_into, render_with};
use super::error::{ContentError, ContentResult};
use crate::auth::{Caller, policy};
use crate::changes::record;
use crate::domain::Etag;
use crate::store::changes::{self, kind};
use crate::store::posts::{self, PostContent, PostRecord, View, status};
use crate::store::{Store, StoreError, Tx, authors};

/// The status a write moves a post to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Published now (a published post stays as it is).
    Published,
    /// Published now, dated at this (past) time: a post moved from another
    /// platform keeps the date its readers knew.
    Backdated(DateTime<Utc>),
    /// Published at this (future) time by the scheduler.
    Scheduled(DateTime<Utc>),
    /// Withdrawn to a draft.
    Draft,
    /// Withdrawn and archived.
    Archived,
}

impl Target {
    /// Published at `at`: now when unset, backdated when past, scheduled
    /// when future.
    pub fn publish_at(at: Option<DateTime<Utc>>) -> Self {
        match at {
            None => Self::Published,
            Some(time) if time <= Utc::now() => Self::Backdated(time),
            Some(time) => Self::Scheduled(time),
        }
    }
}

/// Whether `caller` may see `post`: readers see published posts; unpublished
/// ones only those who may edit them. The one visibility rule of posts.
pub fn visible_to(caller: &Caller, post: &PostRecord) -> bool {
    post.status == status::PUBLISHED || policy::may_see_unpublished(caller, post.author_id)
}

/// A new post checked and rendered, ready for [`create`]: the permission
/// checks and the rendering happen before any transaction holds a connection.
#[derive(Debug)]
pub struct NewPost {
    content: posts::PostContent,
    target: Option<Target>,
}

/// Checks that `caller` may create `edit` by `author` (and move it to
/// `target`), and renders it (a connection is held only to look up the
/// media library's images it names, if any).
pub async fn prepare(
    store: &Store,
    caller: &Caller,
    author: Uuid,
    edit: PostEdit,
    target: Option<Target>,
) -> ContentResult<NewPost> {
    check_schedule(target)?;
    let mut content = blank(author);
    let _ = edit.apply_to(&mut content);
    policy::create_post(caller, content.author_id)?;
    if target.is_some() {
        policy::publish_post(caller, content.author_id)?;
    }
    let library = library_of(store, &library_text(&content)).await?;
    render_with(&mut content, library).await?;
    Ok(NewPost { content, target })
}

/// Creates `new` as a draft, or moved to its target, in `tx`.
pub async fn create(tx: &mut Tx, new: NewPost) -> ContentResult<Written> {
    let NewPost { content, target } = new;
    let id = Uuid::new_v4();
    ensure_author_exists(tx, content.author_id).await?;
    posts::insert(tx, id, &content).await?;
    let draft = posts::get_by_id(tx, id, View::Full).await?;
    let created = match target {
        Some(target) => move_to(tx, &draft, target).await?.unwrap_or(draft),
        None => draft,
    };
    let change = record::post_changed(kind::POST_CREATED, None, &created);
    recorded(tx, created, change).await
}

/// Applies `edit` to the post `id` (at `etag`, when given) as a new
/// revision, and moves it to `target` in the same transaction.
pub async fn update(
    tx: &mut Tx,
    caller: &Caller,
    id: Uuid,
    etag: Option<Etag>,
    edit: PostEdit,
    target: Option<Target>,
) -> ContentResult<Written> {
    check_schedule(target)?;
    let current = lock_editable(tx, caller, id, etag).await?;
    if target.is_some() {
        policy::publish_post(caller, current.author_id)?;
    }
    let mut content = posts::content_of(tx, &current).await?;
    if edit.apply_to(&mut content) {
        render_into(tx, &mut content).await?;
    }
    if content.author_id != current.author_id {
        policy::create_post(caller, content.author_id)?;
        ensure_author_exists(tx, content.author_id).await?;
    }
    let mut updated = write_revision(tx, caller, &current, &content).await?;
    if target.is_none() && is_live(&updated) {
        check_publishable(&updated)?;
    }
    let mut change_kind = kind::POST_UPDATED;
    if let Some(target) = target
        && let Some(moved) = move_to(tx, &updated, target).await?
    {
        change_kind = kind_of(target);
        updated = moved;
    }
    let change = record::post_changed(change_kind, Some(&current), &updated);
    recorded(tx, updated, change).await
}

/// Publishes the post `id` now, dated `at` when that is past
/// (`Target::Backdated`), or schedules it for a future `at`.
pub async fn publish(
    tx: &mut Tx,
    caller: &Caller,
    id: Uuid,
    etag: Option<Etag>,
    at: Option<DateTime<Utc>>,
) -> ContentResult<Written> {
    let target = Target::publish_at(at);
    transition(tx, caller, id, etag, target).await
}

/// Withdraws the post `id`: back to draft, or archived.
pub async fn unpublish(
    tx: &mut Tx,
    caller: &Caller,
    id: Uuid,
    etag: Option<Etag>,
    archive: bool,
) -> ContentResult<Written> {
    let target = if archive {
        Target::Archived
    } else {
        Target::Draft
    };
    transition(tx, caller, id, etag, target).await
}

/// Deletes the post `id`; returns the recorded change's sequence and the
/// cache tags the deletion invalidated.
pub async fn delete(
    tx: &mut Tx,
    caller: &Caller,
    id: Uuid,
    etag: Option<Etag>,
) -> ContentResult<(i64, Vec<String>)> {
    let current = lock_editable(tx, caller, id, etag).await?;
    posts::delete(tx, id).await?;
    let change = record::post_deleted(&current);
    let sequence = changes::record(tx, &change).await?;
    Ok((sequence, change.cache_tags))
}

/// Restores revision `revision` of the post `id` as a new revision.
pub async fn restore(
    tx: &mut Tx,
    caller: &Caller,
    id: Uuid,
    etag: Option<Etag>,
    revision: i64,
) -> ContentResult<Written> {
    let current = lock_editable(tx, caller, id, etag).await?;
    let revision = posts::get_revision(tx, id, revision)
        .await
        .map_err(not_found("revision"))?;
    let mut content = posts::content_of(tx, &current).await?;
    content.slug = revision.slug;
    content.title = revision.title;
    content.markdown = revision.markdown;
    content.tags = revision.tags.0;
    content.cover_image_url = revision.cover_image_url;
    content.cover_image_alt = revision.cover_image_alt;
    content.meta_title = revision.meta_title;
    content.meta_description = revision.meta_description;
    content.canonical_url = revision.canonical_url;
    render_into(tx, &mut content).await?;
    let updated = write_revision(tx, caller, &current, &content).await?;
    if is_live(&updated) {
        check_publishable(&updated)?;
    }
    let change = record::post_changed(kind::POST_UPDATED, Some(&current), &updated);
    recorded(tx, updated, change).await
}

/// Publishes every scheduled post whose time has passed, at most `limit` in
/// one transaction (each exactly once, whichever replica claims it);
/// returns the published posts.
pub async fn publish_due(store: &Store, limit: i64) -> Result<Vec<PostRecord>, StoreError> {
    let mut tx = store.begin().await?;
    let mut published = Vec::new();
    for id in posts::publish_due(&mut tx, limit).await? {
        let post = posts::get_by_id(&mut tx, id, View::Basic).await?;
        changes::record(
            &mut tx,
            &record::post_changed(kind::POST_PUBLISHED, None, &post),
        )
        .await?;
        published.push(post);
    }
    tx.commit().await?;
    Ok(published)
}

/// Renders again up to `limit` posts made by an older renderer, in one
/// transaction (each by one replica, whichever claims it), recording a change
/// for each whose output differs so that caches, edges and search indexes
/// take it up; returns how many were claimed. A post the current renderer
/// refuses keeps its output (a writer sees why on the next save).
pub async fn rerender_stale(store: &Store, limit: i64) -> ContentResult<usize> {
    let mut tx = store.begin().await?;
    let ids = posts::lock_stale_renders(&mut tx, crate::render::VERSION, limit).await?;
    for &id in &ids {
        let current = posts::get_by_id(&mut tx, id, View::Full).await?;
        let mut content = posts::content_of(&mut tx, &current).await?;
        let before = content.clone();
        match render_into(&mut tx, &mut content).await {
            Ok(()) => {}
            Err(ContentError::Invalid(violations)) => {
                tracing::warn!(post_id = %id, reason = ?violations, "the current renderer refuses this post; its earlier rendering is kept");
                content = PostContent {
                    render_version: crate::render::VERSION,
                    ..before.clone()
                };
            }
            Err(error) => return Err(error),
        }
        posts::set_rendered(&mut tx, id, &content).await?;
        let unchanged = content.html == before.html
            && content.toc == before.toc
            && content.excerpt == before.excerpt
            && content.plain_text == before.plain_text
            && content.word_count == before.word_count
            && content.cover_html == before.cover_html;
        if !unchanged {
            let rendered = posts::get_by_id(&mut tx, id, View::Full).await?;
            let change = record::post_changed(kind::POST_UPDATED, Some(&current), &rendered);
            changes::record(&mut tx, &change).await?;
        }
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(ids.len())
}

/// Moves the post `id` to `target` alone (PublishPost, UnpublishPost).
async fn transition(
    tx: &mut Tx,
    caller: &Caller,
    id: Uuid,
    etag: Option<Etag>,
    target: Target,
) -> ContentResult<Written> {
    check_schedule(Some(target))?;
    let current = lock_visible(tx, caller, id).await?;
    policy::publish_post(caller, current.author_id)?;
    check_etag(etag, &current)?;
    let Some(moved) = move_to(tx, &current, target).await? else {
        return Ok(Written {
            post: current,
            sequence: None,
            cache_tags: Vec::new(),
        });
    };
    let change = record::post_changed(kind_of(target), Some(&current), &moved);
    recorded(tx, moved, change).await
}

/// A schedule must lie in the future.
fn check_schedule(target: Option<Target>) -> ContentResult<()> {
    match target {
        Some(Target::Scheduled(time)) if time <= Utc::now() => Err(ContentError::invalid(
            "publish_time",
            "must be in the future; leave it unset to publish now",
        )),
        _ => Ok(()),
    }
}

/// Sets `post`'s status for `target`; `None` when it already is there.
async fn move_to(
    tx: &mut Tx,
    post: &PostRecord,
    target: Target,
) -> ContentResult<Option<PostRecord>> {
    if matches!(
        target,
        Target::Published | Target::Backdated(_) | Target::Scheduled(_)
    ) {
        check_publishable(post)?;
    }
    let (new_status, time) = match target {
        Target::Published if post.status == status::PUBLISHED => return Ok(None),
        Target::Published => (status::PUBLISHED, Some(Utc::now())),
        Target::Backdated(time)
            if post.status == status::PUBLISHED && post.publish_time == Some(time) =>
        {
            return Ok(None);
        }
        Target::Backdated(time) => (status::PUBLISHED, Some(time)),
        Target::Scheduled(time) => (status::SCHEDULED, Some(time)),
        Target::Draft => (status::DRAFT, None),
        Target::Archived => (status::ARCHIVED, post.publish_time),
    };
    if matches!(target, Target::Draft | Target::Archived) && post.status == new_status {
        return Ok(None);
    }
    posts::set_status(tx, post.id, new_status, time).await?;
    Ok(Some(posts::get_by_id(tx, post.id, View::Full).await?))
}

/// Whether readers see `post` now or at its scheduled time.
fn is_live(post: &PostRecord) -> bool {
    post.status == status::PUBLISHED || post.status == status::SCHEDULED
}

/// What a post readers see must have: alt text for every image of the media
/// library, its cover's included, so that a reader who cannot see them is
/// told what they show. (Images from elsewhere are not judged: a post
/// imported with them stays editable.)
fn check_publishable(post: &PostRecord) -> ContentResult<()> {
    let mut violations = crate::domain::FieldViolations::new();
    if let Some(src) = crate::render::library_images_without_alt(&post.html).first() {
        violations.add(
            "post.markdown",
            format!(
                "the image {src} has no alt text: describe it between the brackets of \
                 ![…]({src}), or give the media library item alt text, before publishing"
            ),
        );
    }
    if !crate::render::library_images_without_alt(&post.cover_html).is_empty() {
        violations.add(
            "post.cover_image_alt",
            "is required before publishing with this cover: describe it here, or give the \
             media library item alt text",
        );
    }
    violations.into_result().map_err(ContentError::from)
}

fn kind_of(target: Target) -> i16 {
    match target {
        Target::Published | Target::Backdated(_) => kind::POST_PUBLISHED,
        Target::Scheduled(_) => kind::POST_SCHEDULED,
        Target::Draft | Target::Archived => kind::POST_UNPUBLISHED,
    }
}

/// Records `change` for `post` in `tx`.
async fn recorded(
    tx: &mut Tx,
    post: PostRecord,
    change: changes::NewChange,
) -> ContentResult<Written> {
    let sequence = changes::record(tx, &change).await?;
    Ok(Written {
        post,
        sequence: Some(sequence),
        cache_tags: change.cache_tags,
    })
}

async fn write_revision(
    tx: &mut Tx,
    caller: &Caller,
    current: &PostRecord,
    content: &posts::PostContent,
) -> ContentResult<PostRecord> {
    posts::update(
        tx,
        current,
        content,
        current.revision + 1,
        caller.author_id(),
    )
    .await?;
    Ok(posts::get_by_id(tx, current.id, View::Full).await?)
}

/// Locks a post that the caller may see, for a write; others are NOT_FOUND.
/// A caller who may not write at all is refused before any row is locked.
async fn lock_visible(tx: &mut Tx, caller: &Caller, id: Uuid) -> ContentResult<PostRecord> {
    policy::write_content(caller)?;
    let post = posts::lock(tx, id).await.map_err(not_found("post"))?;
    if visible_to(caller, &post) {
        Ok(post)
    } else {
        Err(ContentError::NotFound("post"))
    }
}

/// Locks a post that the caller may change, at `etag` when given.
async fn lock_editable(
    tx: &mut Tx,
    caller: &Caller,
    id: Uuid,
    etag: Option<Etag>,
) -> ContentResult<PostRecord> {
    let current = lock_visible(tx, caller, id).await?;
    policy::edit_post(caller, current.author_id, current.status == status::DRAFT)?;
    check_etag(etag, &current)?;
    Ok(current)
}

fn check_etag(etag: Option<Etag>, current: &PostRecord) -> ContentResult<()> {
    match etag {
        Some(etag) if etag.version() != current.version => Err(ContentError::StaleEtag),
        _ => Ok(()),
    }
}

async fn ensure_author_exists(tx: &mut Tx, author: Uuid) -> ContentResult<()> {
    match authors::get_by_id(tx, author).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound) => Err(ContentError::invalid(
            "post.author_id",
            "no author has this id",
        )),
        Err(error) => Err(error.into()),
    }
}

/// Maps a missing row to NOT_FOUND for `what`.
fn not_found(what: &'static str) -> impl Fn(StoreError) -> ContentError {
    move |error| match error {
        StoreError::NotFound => ContentError::NotFound(what),
        other => other.into(),
    }
}
