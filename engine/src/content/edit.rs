//! A post's writable fields as a write's input, applied onto stored
//! content, and rendering the Markdown into its derived fields.

use std::time::Instant;

use quire_proto::v1;
use sqlx::PgConnection;
use uuid::Uuid;

use super::error::{ContentError, ContentResult};
use crate::domain::call_deadline;
use crate::media;
use crate::render::{self, Library, LibraryImage, LibraryVariant};
use crate::store::Store;
use crate::store::media as media_store;
use crate::store::posts::PostContent;

/// Validated new values for a post's writable fields; `None` leaves a field
/// as it is.
#[derive(Debug, Default, Clone)]
pub struct PostEdit {
    pub slug: Option<String>,
    pub kind: Option<i16>,
    pub title: Option<String>,
    pub markdown: Option<String>,
    /// (slug, name) pairs, without repeats.
    pub tags: Option<Vec<(String, String)>>,
    pub author_id: Option<Uuid>,
    pub cover_image_url: Option<String>,
    pub cover_image_alt: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub canonical_url: Option<String>,
}

impl PostEdit {
    /// Applies the edit onto `content`; returns whether it must be rendered
    /// again (its Markdown or cover changed, it was never rendered, or it was
    /// rendered by an older renderer).
    #[must_use]
    pub fn apply_to(self, content: &mut PostContent) -> bool {
        fn set<T>(target: &mut T, value: Option<T>) {
            if let Some(value) = value {
                *target = value;
            }
        }
        let mut markdown_changed = false;
        if let Some(markdown) = self.markdown
            && (markdown != content.markdown || content.html.is_empty())
        {
            content.markdown = markdown;
            markdown_changed = true;
        }
        set(&mut content.slug, self.slug);
        set(&mut content.kind, self.kind);
        set(&mut content.title, self.title);
        set(&mut content.tags, self.tags);
        set(&mut content.author_id, self.author_id);
        let cover_before = (
            content.cover_image_url.clone(),
            content.cover_image_alt.clone(),
        );
        set(&mut content.cover_image_url, self.cover_image_url);
        set(&mut content.cover_image_alt, self.cover_image_alt);
        let cover_changed = cover_before
            != (
                content.cover_image_url.clone(),
                content.cover_image_alt.clone(),
            );
        set(&mut content.meta_title, self.meta_title);
        set(&mut content.meta_description, self.meta_description);
        set(&mut content.canonical_url, self.canonical_url);
        markdown_changed || cover_changed || content.render_version < render::VERSION
    }
}

/// Renders `content.markdown` and its cover into the derived fields, its
/// images of the media library (looked up on `conn`) as pictures.
pub async fn render_into(conn: &mut PgConnection, content: &mut PostContent) -> ContentResult<()> {
    let library = library_for(conn, &library_text(content)).await?;
    render_with(content, library).await
}

/// Renders `content.markdown` and its cover into the derived fields, on the render pool
/// and by the call's deadline:
/// highlighting a long post takes milliseconds of CPU that must not stall
/// the async workers serving other calls.
pub async fn render_with(content: &mut PostContent, library: Library) -> ContentResult<()> {
    content.cover_html =
        render::cover_picture(&content.cover_image_url, &content.cover_image_alt, &library);
    let markdown = content.markdown.clone();
    let deadline = call_deadline().unwrap_or_else(|| Instant::now() + render::RENDER_BUDGET);
    let rendered = render::pool::run(move || render::render_until(&markdown, &library, deadline))
        .await
        .map_err(ContentError::Render)?
        .map_err(|refused| ContentError::invalid("post.markdown", refused.to_string()))?;
    content.html = rendered.html;
    content.toc = rendered.toc;
    content.excerpt = rendered.excerpt;
    content.plain_text = rendered.plain_text;
    content.word_count = rendered.word_count;
    content.reading_time_minutes = rendered.reading_time_minutes;
    content.render_version = render::VERSION;
    Ok(())
}

/// Where a post names library items: its Markdown and its cover.
pub fn library_text(content: &PostContent) -> String {
    format!("{}\n{}", content.cover_image_url, content.markdown)
}

/// [`library_for`] on a connection of `store` held for the lookup alone
/// (none is taken when the Markdown names no item).
pub async fn library_of(store: &Store, markdown: &str) -> ContentResult<Library> {
    if render::library_hashes(markdown).is_empty() {
        return Ok(Library::default());
    }
    library_for(&mut *store.acquire().await?, markdown).await
}

/// The media library's items that `markdown` names (no query when it names
/// none). Variants are listed once the item is ready, all of them at once.
pub async fn library_for(conn: &mut PgConnection, markdown: &str) -> ContentResult<Library> {
    let hashes: Vec<Vec<u8>> = render::library_hashes(markdown)
        .iter()
        .filter_map(|hash| hex::decode(hash).ok())
        .collect();
    let mut library = Library::default();
    if hashes.is_empty() {
        return Ok(library);
    }
    let items = media_store::by_originals(conn, &hashes).await?;
    let ready: Vec<Uuid> = items
        .iter()
        .filter(|item| item.state == media_store::READY)
        .map(|item| item.id)
        .collect();
    let variants = media_store::variants(conn, &ready).await?;
    let pixels = |value: i32| u32::try_from(value).unwrap_or(0);
    // The earliest item of an original wins (two uploads can clean to one).
    for item in items.into_iter().rev() {
        let image = LibraryImage {
            original: media::original_path(&item),
            width: pixels(item.width),
            height: pixels(item.height),
            variants: variants
                .iter()
                .filter(|variant| variant.item_id == item.id)
                .map(|variant| LibraryVariant {
                    width: pixels(variant.width),
                    content_type: variant.content_type.clone(),
                    path: media::path(&item.original_sha256, &variant.name),
                })
                .collect(),
            alt_text: item.alt_text,
        };
        library.insert(hex::encode(&item.original_sha256), image);
    }
    Ok(library)
}

/// Content for a new post by `author`, before its edit applies.
pub fn blank(author: Uuid) -> PostContent {
    PostContent {
        kind: v1::PostKind::Post as i16,
        author_id: author,
        ..PostContent::default()
    }
}
