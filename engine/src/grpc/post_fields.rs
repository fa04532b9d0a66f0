//! Reading the writable fields of a `Post` message (for create, and for
//! update through a field mask) into stored content, with every violation
//! collected against its request path.

use quire_proto::v1;
use uuid::Uuid;

use super::status::{ApiError, ApiResult};
use crate::domain::{
    ALT_TEXT_MAX, DESCRIPTION_MAX, FieldViolations, MARKDOWN_MAX_BYTES, Slug, TAG_NAME_MAX,
    TAGS_PER_POST_MAX, TITLE_MAX, URL_MAX, check_optional_url, check_text, parse_uuid,
};
use crate::render;
use crate::store::posts::PostContent;

/// The paths an update mask may name.
pub const UPDATABLE_PATHS: [&str; 12] = [
    "slug",
    "kind",
    "title",
    "markdown",
    "tags",
    "author_id",
    "cover_image_url",
    "cover_image_alt",
    "seo",
    "seo.meta_title",
    "seo.meta_description",
    "seo.canonical_url",
];

/// Which fields to take from the message.
pub struct FieldSet<'a>(pub Vec<&'a str>);

impl FieldSet<'_> {
    /// Every writable field (create, or a `*` mask).
    pub fn all() -> FieldSet<'static> {
        FieldSet(UPDATABLE_PATHS.to_vec())
    }

    fn has(&self, path: &str) -> bool {
        self.0
            .iter()
            .any(|p| *p == path || (path.starts_with("seo.") && *p == "seo"))
    }
}

/// Resolves an update mask; unknown paths are violations of `update_mask.paths`.
pub fn mask_paths<'a>(
    mask: Option<&'a prost_types::FieldMask>,
    violations: &mut FieldViolations,
) -> FieldSet<'a> {
    let Some(mask) = mask.filter(|mask| !mask.paths.is_empty()) else {
        violations.add(
            "update_mask",
            "is required: name the fields to update, or `*` for all",
        );
        return FieldSet(Vec::new());
    };
    if mask.paths.iter().any(|path| path == "*") {
        return FieldSet::all();
    }
    let mut paths = Vec::new();
    for path in &mask.paths {
        if UPDATABLE_PATHS.contains(&path.as_str()) {
            paths.push(path.as_str());
        } else {
            violations.add(
                "update_mask.paths",
                format!(
                    "`{path}` cannot be updated; updatable fields: {}",
                    UPDATABLE_PATHS.join(", ")
                ),
            );
        }
    }
    FieldSet(paths)
}

/// Applies the fields of `post` named in `fields` onto `content`, validating
/// each. Returns whether the Markdown changed, so that the caller renders it
/// (see [`render`]) once the request is known to be valid.
#[must_use]
pub fn apply(
    post: &v1::Post,
    fields: &FieldSet<'_>,
    content: &mut PostContent,
    violations: &mut FieldViolations,
) -> bool {
    let mut markdown_changed = false;
    if fields.has("slug")
        && let Some(slug) = violations.check("post.slug", Slug::parse(&post.slug))
    {
        content.slug = slug.into_string();
    }
    if fields.has("kind") {
        match v1::PostKind::try_from(post.kind) {
            Ok(v1::PostKind::Unspecified | v1::PostKind::Post) => {
                content.kind = v1::PostKind::Post as i16
            }
            Ok(v1::PostKind::Page) => content.kind = v1::PostKind::Page as i16,
            Err(_) => violations.add("post.kind", "is not a known PostKind"),
        }
    }
    if fields.has("title")
        && violations
            .check("post.title", check_text(&post.title, true, TITLE_MAX))
            .is_some()
    {
        content.title = post.title.trim().to_owned();
    }
    if fields.has("markdown") {
        if post.markdown.len() > MARKDOWN_MAX_BYTES {
            violations.add(
                "post.markdown",
                format!("must be at most {} KiB", MARKDOWN_MAX_BYTES / 1024),
            );
        } else if post.markdown != content.markdown || content.html.is_empty() {
            content.markdown = post.markdown.clone();
            markdown_changed = true;
        }
    }
    if fields.has("tags")
        && let Some(tags) = parse_tags(&post.tags, violations)
    {
        content.tags = tags;
    }
    if fields.has("author_id")
        && !post.author_id.is_empty()
        && let Some(id) = violations.check("post.author_id", parse_uuid(&post.author_id))
    {
        content.author_id = id;
    }
    if fields.has("cover_image_url")
        && violations
            .check(
                "post.cover_image_url",
                check_optional_url(&post.cover_image_url, URL_MAX),
            )
            .is_some()
    {
        content.cover_image_url = post.cover_image_url.clone();
    }
    if fields.has("cover_image_alt")
        && violations
            .check(
                "post.cover_image_alt",
                check_text(&post.cover_image_alt, false, ALT_TEXT_MAX),
            )
            .is_some()
    {
        content.cover_image_alt = post.cover_image_alt.clone();
    }
    let seo = post.seo.clone().unwrap_or_default();
    if fields.has("seo.meta_title")
        && violations
            .check(
                "post.seo.meta_title",
                check_text(&seo.meta_title, false, TITLE_MAX),
            )
            .is_some()
    {
        content.meta_title = seo.meta_title.clone();
    }
    if fields.has("seo.meta_description")
        && violations
            .check(
                "post.seo.meta_description",
                check_text(&seo.meta_description, false, DESCRIPTION_MAX),
            )
            .is_some()
    {
        content.meta_description = seo.meta_description.clone();
    }
    if fields.has("seo.canonical_url")
        && violations
            .check(
                "post.seo.canonical_url",
                check_optional_url(&seo.canonical_url, URL_MAX),
            )
            .is_some()
    {
        content.canonical_url = seo.canonical_url.clone();
    }
    markdown_changed
}

/// Renders `content.markdown` into the derived fields, on the blocking pool:
/// highlighting a long post takes milliseconds of CPU that must not stall
/// the async workers serving other calls.
pub async fn render(content: &mut PostContent) -> ApiResult<()> {
    let markdown = content.markdown.clone();
    let rendered = tokio::task::spawn_blocking(move || render::render(&markdown))
        .await
        .map_err(ApiError::internal)?;
    content.html = rendered.html;
    content.toc = rendered.toc;
    content.excerpt = rendered.excerpt;
    content.plain_text = rendered.plain_text;
    content.word_count = rendered.word_count;
    content.reading_time_minutes = rendered.reading_time_minutes;
    Ok(())
}

/// Parses tag names into (slug, name) pairs, dropping repeats of a slug.
pub fn parse_tags(
    tags: &[v1::TagRef],
    violations: &mut FieldViolations,
) -> Option<Vec<(String, String)>> {
    if tags.len() > TAGS_PER_POST_MAX {
        violations.add(
            "post.tags",
            format!("must be at most {TAGS_PER_POST_MAX} tags"),
        );
        return None;
    }
    let mut parsed: Vec<(String, String)> = Vec::with_capacity(tags.len());
    let mut valid = true;
    for (index, tag) in tags.iter().enumerate() {
        let name = tag.name.trim();
        let field = format!("post.tags[{index}].name");
        if violations
            .check(&field, check_text(name, true, TAG_NAME_MAX))
            .is_none()
        {
            valid = false;
            continue;
        }
        match Slug::derive(name) {
            Some(slug) if !parsed.iter().any(|(existing, _)| existing == slug.as_str()) => {
                parsed.push((slug.into_string(), name.to_owned()));
            }
            Some(_) => {}
            None => {
                violations.add(field, "must contain at least one letter or digit");
                valid = false;
            }
        }
    }
    valid.then_some(parsed)
}

/// Content for a new post by `author`, before the message's fields apply.
pub fn blank(author: Uuid) -> PostContent {
    PostContent {
        slug: String::new(),
        kind: v1::PostKind::Post as i16,
        title: String::new(),
        markdown: String::new(),
        html: String::new(),
        toc: Vec::new(),
        excerpt: String::new(),
        plain_text: String::new(),
        word_count: 0,
        reading_time_minutes: 0,
        author_id: author,
        cover_image_url: String::new(),
        cover_image_alt: String::new(),
        meta_title: String::new(),
        meta_description: String::new(),
        canonical_url: String::new(),
        tags: Vec::new(),
    }
}
