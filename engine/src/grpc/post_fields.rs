//! Reading the writable fields of a `Post` message (for create, and for
//! update through a field mask) into a [`PostEdit`], with every violation
//! collected against its request path.

use quire_proto::v1;

use super::update_mask::UpdateMask;
use crate::content::PostEdit;
use crate::domain::{
    ALT_TEXT_MAX, DESCRIPTION_MAX, FieldViolations, MARKDOWN_MAX_BYTES, Slug, TAG_NAME_MAX,
    TAGS_PER_POST_MAX, TITLE_MAX, URL_MAX, check_optional_url, check_text, name_key, parse_uuid,
};

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

/// Resolves an update mask; unknown paths are violations of `update_mask.paths`.
pub fn mask_paths<'a>(
    mask: Option<&'a prost_types::FieldMask>,
    violations: &mut FieldViolations,
) -> UpdateMask<'a> {
    UpdateMask::parse(mask, &UPDATABLE_PATHS, true, violations)
}

/// Every writable field (a create).
pub fn all_fields() -> UpdateMask<'static> {
    UpdateMask::all(&UPDATABLE_PATHS)
}

/// Reads the fields of `post` named in `fields` into an edit, validating
/// each against its request path.
pub fn parse(
    post: &v1::Post,
    fields: &UpdateMask<'_>,
    violations: &mut FieldViolations,
) -> PostEdit {
    let mut edit = PostEdit::default();
    if fields.has("slug") {
        edit.slug = violations
            .check("post.slug", Slug::parse_post(&post.slug))
            .map(Slug::into_string);
    }
    if fields.has("kind") {
        match v1::PostKind::try_from(post.kind) {
            Ok(v1::PostKind::Unspecified | v1::PostKind::Post) => {
                edit.kind = Some(v1::PostKind::Post as i16)
            }
            Ok(v1::PostKind::Page) => edit.kind = Some(v1::PostKind::Page as i16),
            Err(_) => violations.add("post.kind", "is not a known PostKind"),
        }
    }
    if fields.has("title") {
        edit.title = violations
            .check("post.title", check_text(&post.title, true, TITLE_MAX))
            .map(|_| post.title.trim().to_owned());
    }
    if fields.has("markdown") {
        if post.markdown.len() > MARKDOWN_MAX_BYTES {
            violations.add(
                "post.markdown",
                format!("must be at most {} KiB", MARKDOWN_MAX_BYTES / 1024),
            );
        } else if post.markdown.contains('\0') {
            violations.add("post.markdown", "must not contain NUL characters");
        } else {
            edit.markdown = Some(post.markdown.clone());
        }
    }
    if fields.has("tags") {
        edit.tags = parse_tags(&post.tags, violations);
    }
    if fields.has("author_id") && !post.author_id.is_empty() {
        edit.author_id = violations.check("post.author_id", parse_uuid(&post.author_id));
    }
    let checked =
        |violations: &mut FieldViolations, field: &str, value: &str, check: Result<(), String>| {
            violations.check(field, check).map(|_| value.to_owned())
        };
    if fields.has("cover_image_url") {
        let value = &post.cover_image_url;
        edit.cover_image_url = checked(
            violations,
            "post.cover_image_url",
            value,
            check_cover_url(value),
        );
    }
    if fields.has("cover_image_alt") {
        let value = &post.cover_image_alt;
        edit.cover_image_alt = checked(
            violations,
            "post.cover_image_alt",
            value,
            check_text(value, false, ALT_TEXT_MAX),
        );
    }
    let seo = post.seo.clone().unwrap_or_default();
    if fields.has("seo.meta_title") {
        let value = &seo.meta_title;
        edit.meta_title = checked(
            violations,
            "post.seo.meta_title",
            value,
            check_text(value, false, TITLE_MAX),
        );
    }
    if fields.has("seo.meta_description") {
        let value = &seo.meta_description;
        edit.meta_description = checked(
            violations,
            "post.seo.meta_description",
            value,
            check_text(value, false, DESCRIPTION_MAX),
        );
    }
    if fields.has("seo.canonical_url") {
        let value = &seo.canonical_url;
        edit.canonical_url = checked(
            violations,
            "post.seo.canonical_url",
            value,
            check_optional_url(value, URL_MAX),
        );
    }
    edit
}

/// Parses tag names into (first-choice slug, name) pairs, dropping repeats
/// of a name in any case.
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
        // A tag is its name in any case: "Rust" twice is one tag. Two names
        // deriving one slug stay two tags (the store numbers the second slug).
        let key = name_key(name);
        match Slug::derive(name) {
            Some(_) if parsed.iter().any(|(_, known)| name_key(known) == key) => {}
            Some(slug) => parsed.push((slug.into_string(), name.to_owned())),
            None => {
                violations.add(field, "must contain at least one letter or digit");
                valid = false;
            }
        }
    }
    valid.then_some(parsed)
}

/// A cover is an absolute http(s) URL or a media library original's path.
fn check_cover_url(value: &str) -> Result<(), String> {
    let library_original =
        crate::media::parse_path(value).is_some_and(|(_, name)| name.starts_with("original."));
    if library_original {
        return Ok(());
    }
    check_optional_url(value, URL_MAX).map_err(|error| {
        if error.starts_with("must be an absolute") {
            "must be an absolute http:// or https:// URL, or a media library path \
             (/media/<sha256>/original.<ext>)"
                .to_owned()
        } else {
            error
        }
    })
}
