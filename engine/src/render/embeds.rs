//! The author's raw HTML, made to survive the allow-list as the author meant
//! it, before the sanitiser sees it.
//!
//! - Embedded media (`<iframe>`, `<video>`, `<audio>`, `<embed>`, `<object>`)
//!   become a link to what they showed ("Video: youtube.com"): the sanitiser
//!   drops them (a frame or plug-in is script the post cannot vouch for), and
//!   a post imported from WordPress would otherwise say "Here is a video:"
//!   followed by nothing.
//! - Block elements the allow-list does not keep (`<header>`, `<center>`,
//!   `<form>`…) become `<div>`: unwrapped, their text would run into the
//!   next block's. Landmarks (`<main>`, `<nav>`) inside a post would confuse
//!   screen readers, so they are not kept as they are.
//! - Obsolete inline elements become their modern equal (`<tt>` → `<code>`,
//!   `<strike>` → `<s>`, `<acronym>` → `<abbr>`).
//!
//! Everything written here passes the sanitiser like the rest of the post.

use std::cell::Cell;

use lol_html::html_content::{ContentType, Element};
use lol_html::{RewriteStrSettings, element, rewrite_str};

use super::html_text::LINE_BREAKING;
use super::pictures::escape_attribute;
use super::sanitize;

/// Elements this module rewrites: when none occurs, the HTML is left as it is
/// without being parsed.
const REWRITTEN: &[&str] = &[
    "iframe", "video", "audio", "embed", "object", "tt", "strike", "acronym",
];

/// Longest link text shown for an embed's address, in characters.
const LABEL_MAX_CHARS: usize = 60;

/// Returns `html` with embeds as links and unlisted blocks as `<div>`s.
pub(super) fn rewrite(html: &str) -> String {
    if !names_any(html, |name| REWRITTEN.contains(&name) || becomes_div(name)) {
        return html.to_owned();
    }
    // A `<video>` or `<audio>` without `src` is linked by its first `<source>`.
    let unlinked_media: Cell<Option<&'static str>> = Cell::new(None);
    let settings = RewriteStrSettings::new()
        .with_enable_esi_tags(false)
        .append_element_content_handler(element!("iframe, embed", |el| {
            replace_with_link(el, "Embedded content", "src");
            Ok(())
        }))
        .append_element_content_handler(element!("object", |el| {
            replace_with_link(el, "Embedded content", "data");
            Ok(())
        }))
        .append_element_content_handler(element!("video, audio", |el| {
            let kind = media_kind(el);
            if el.get_attribute("src").is_some() {
                replace_with_link(el, kind, "src");
            } else {
                unlinked_media.set(Some(kind));
                el.remove_and_keep_content();
            }
            Ok(())
        }))
        .append_element_content_handler(element!("video source, audio source", |el| {
            match unlinked_media.get() {
                Some(kind) if link_to(el, "src").is_some() => {
                    unlinked_media.set(None);
                    replace_with_link(el, kind, "src");
                }
                _ => el.remove(),
            }
            Ok(())
        }))
        .append_element_content_handler(element!("*", |el| {
            let name = el.tag_name().to_ascii_lowercase();
            let renamed = match name.as_str() {
                "tt" => Some("code"),
                "strike" => Some("s"),
                "acronym" => Some("abbr"),
                other if becomes_div(other) => Some("div"),
                _ => None,
            };
            if let Some(renamed) = renamed {
                // Only a name the parser knows; never fails.
                let _ = el.set_tag_name(renamed);
            }
            Ok(())
        }));
    // lol_html refuses only markup it cannot rewrite safely; the sanitiser
    // still judges the original then.
    rewrite_str(html, settings).unwrap_or_else(|_| html.to_owned())
}

/// Whether `name` is a block element the allow-list would unwrap.
fn becomes_div(name: &str) -> bool {
    LINE_BREAKING.contains(&name)
        && !sanitize::allows_element(name)
        && !sanitize::CONTENT_DROPPED.contains(&name)
        && !matches!(name, "option" | "optgroup" | "listing")
}

/// "Video" or "Audio", from the element's name.
fn media_kind(el: &Element) -> &'static str {
    if el.tag_name() == "audio" {
        "Audio"
    } else {
        "Video"
    }
}

/// The absolute http(s) URL in `el`'s `attribute` (a protocol-relative one
/// taken as https), if it has one.
fn link_to(el: &Element, attribute: &str) -> Option<String> {
    let value = el.get_attribute(attribute)?;
    let value = value.trim();
    let url = match value.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => value.to_owned(),
    };
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

/// Replaces `el` and its content with a link to the URL in `attribute`,
/// labelled `kind` and the element's title or the URL's host and path; an
/// element without a usable URL is removed.
fn replace_with_link(el: &mut Element, kind: &str, attribute: &str) {
    let Some(url) = link_to(el, attribute) else {
        el.remove();
        return;
    };
    let title = el.get_attribute("title").filter(|t| !t.trim().is_empty());
    let shown = title.unwrap_or_else(|| {
        let without_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
        let without_query = without_scheme.split(['?', '#']).next().unwrap_or_default();
        without_query.trim_start_matches("www.").to_owned()
    });
    let shown: String = if shown.chars().count() > LABEL_MAX_CHARS {
        shown
            .chars()
            .take(LABEL_MAX_CHARS - 1)
            .chain(['…'])
            .collect()
    } else {
        shown
    };
    let link = format!(
        "<a href=\"{}\">{}: {}</a>",
        escape_attribute(&url),
        kind,
        escape_attribute(shown.trim())
    );
    el.replace(&link, ContentType::Html);
}

/// Whether `html` has a start tag whose (lower-cased) name `wanted` accepts:
/// one linear pass over the `<`s, so a post without raw HTML costs nothing
/// more.
fn names_any(html: &str, wanted: impl Fn(&str) -> bool) -> bool {
    let bytes = html.as_bytes();
    let mut name = String::new();
    for (at, _) in html.match_indices('<') {
        name.clear();
        for &b in bytes[at + 1..].iter().take(12) {
            if !b.is_ascii_alphanumeric() {
                break;
            }
            name.push(b.to_ascii_lowercase() as char);
        }
        if !name.is_empty() && wanted(&name) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(html: &str) -> String {
        sanitize::clean(&rewrite(html))
    }

    #[test]
    fn an_iframe_becomes_a_link_to_what_it_showed() {
        let html = rendered(
            r#"<p>Here is a video:</p><iframe width="720" src="https://www.youtube.com/embed/ex8fMxXJDJw?feature=oembed" allowfullscreen></iframe>"#,
        );
        assert!(!html.contains("iframe"), "{html}");
        assert!(
            html.contains(r#"href="https://www.youtube.com/embed/ex8fMxXJDJw?feature=oembed""#),
            "{html}"
        );
        assert!(
            html.contains(">Embedded content: youtube.com/embed/ex8fMxXJDJw</a>"),
            "{html}"
        );
    }

    #[test]
    fn video_and_audio_link_their_source_and_titles_label_them() {
        let html = rendered(
            r#"<video controls src="https://example.com/a.mov">Old browser</video><audio controls title="Small step"><source src="//example.com/s.ogg"><source src="https://example.com/s.mp3"></audio>"#,
        );
        assert!(
            html.contains(r#"<a href="https://example.com/a.mov""#),
            "{html}"
        );
        assert!(html.contains(">Video: example.com/a.mov</a>"), "{html}");
        assert!(!html.contains("Old browser"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.com/s.ogg""#),
            "{html}"
        );
        assert!(!html.contains("s.mp3"), "{html}");
    }

    #[test]
    fn an_embed_without_a_web_address_leaves_nothing() {
        let html =
            rendered(r#"<p>a</p><iframe src="javascript:alert(1)"></iframe><embed src="data:x">"#);
        assert_eq!(html, "<p>a</p>");
    }

    #[test]
    fn unlisted_blocks_keep_their_lines_and_obsolete_inlines_their_meaning() {
        let html = rendered(
            "<header>Top</header><h2>Next</h2><center>Middle</center>End <tt>x</tt> <strike>y</strike> <acronym title=\"t\">z</acronym>",
        );
        assert_eq!(
            html,
            "<div>Top</div><h2>Next</h2><div>Middle</div>End <code>x</code> <s>y</s> <abbr title=\"t\">z</abbr>"
        );
        let html = rendered("<address>1 Infinite Loop<br>Cupertino</address><h2>Next</h2>");
        assert_eq!(
            html,
            "<address>1 Infinite Loop<br>Cupertino</address><h2>Next</h2>"
        );
    }

    #[test]
    fn html_without_such_elements_is_returned_as_it_is() {
        let html = "<p>Plain <em>text</em> &amp; <a href=\"x\">a link</a></p>";
        assert_eq!(rewrite(html), html);
    }
}
