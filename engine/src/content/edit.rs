//! A post's writable fields as a write's input, applied onto stored
//! content, and rendering the Markdown into its derived fields.

use std::time::Instant;

use quire_proto::v1;
use uuid::Uuid;

use super::error::{ContentError, ContentResult};
use crate::domain::call_deadline;
use crate::render;
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
    /// Applies the edit onto `content`; returns whether the Markdown must be
    /// rendered again (it changed, was never rendered, or was rendered by an
    /// older renderer).
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
        set(&mut content.cover_image_url, self.cover_image_url);
        set(&mut content.cover_image_alt, self.cover_image_alt);
        set(&mut content.meta_title, self.meta_title);
        set(&mut content.meta_description, self.meta_description);
        set(&mut content.canonical_url, self.canonical_url);
        markdown_changed || content.render_version < render::VERSION
    }
}

/// Renders `content.markdown` into the derived fields, on the render pool
/// and by the call's deadline:
/// highlighting a long post takes milliseconds of CPU that must not stall
/// the async workers serving other calls.
pub async fn render_into(content: &mut PostContent) -> ContentResult<()> {
    let markdown = content.markdown.clone();
    let deadline = call_deadline().unwrap_or_else(|| Instant::now() + render::RENDER_BUDGET);
    let rendered = render::pool::run(move || render::render_until(&markdown, deadline))
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

/// Content for a new post by `author`, before its edit applies.
pub fn blank(author: Uuid) -> PostContent {
    PostContent {
        kind: v1::PostKind::Post as i16,
        author_id: author,
        ..PostContent::default()
    }
}
