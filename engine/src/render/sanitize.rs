//! The allow-list every rendered post passes through before it is stored.
//!
//! comrak formats raw HTML and URLs exactly as the author wrote them, so this is
//! the one place that decides what reaches a reader's browser. It is an
//! allow-list over a real HTML parser (ammonia, on html5ever): the elements and
//! attributes the Markdown renderer legitimately produces, plus a few benign
//! ones authors write by hand (`<details>`, `<kbd>`, `<sup>`). Anything not
//! listed is dropped; elements whose content is itself code or UI are dropped
//! with their content.
//!
//! No `style` attribute survives, so the site's CSP can forbid inline styles.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

use ammonia::{Builder, UrlRelative};

use super::highlight::{CLASS_PREFIX, PRE_CLASS};

/// Elements that survive, with their content.
#[rustfmt::skip]
const TAGS: &[&str] = &[
    // Written by the Markdown renderer.
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img",
    "input", "li", "ol", "p", "pre", "section", "span", "strong", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
    // Written for images of the media library (`pictures`).
    "picture", "source",
    // Benign HTML authors write by hand.
    "abbr", "address", "b", "bdi", "bdo", "caption", "cite", "dd", "details", "dfn", "div", "dl",
    "dt", "figcaption", "figure", "i", "ins", "kbd", "mark", "q", "rp", "rt", "ruby", "s", "samp",
    "small", "sub", "summary", "tfoot", "time", "u", "var", "wbr",
];

/// Elements dropped together with their content, because their content is
/// code, a document of its own or UI rather than prose: keeping it would leak
/// script source or form labels into the post as stray text. Everything else
/// not in `TAGS` is unwrapped, its text kept. `raw_html` keeps an unclosed one
/// from taking the rest of the post with it.
#[rustfmt::skip]
pub(super) const CONTENT_DROPPED: &[&str] = &[
    // Raw text: the HTML parser reads everything up to the end tag as text.
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext",
    // Content that is never shown, or UI.
    "noscript", "template", "object", "select",
    // Foreign content, a playground for parser differentials.
    "svg", "math",
];

/// Attributes allowed on any element in `TAGS`.
const GLOBAL_ATTRIBUTES: &[&str] = &["title", "lang", "dir"];

/// Attributes allowed per element. None of them is a URL except `a[href]` and
/// `img[src]`, which ammonia checks against `URL_SCHEMES`, and `srcset`, which
/// `keep_attribute` confines to the media library: ammonia only checks the
/// attributes it knows to hold URLs, so allowing another (`cite`, `poster`)
/// would let `javascript:` through it.
const ELEMENT_ATTRIBUTES: &[(&str, &[&str])] = &[
    // Footnote references have ids; heading anchors have an aria-label.
    (
        "a",
        &[
            "href",
            "id",
            "class",
            "aria-label",
            "data-footnote-ref",
            "data-footnote-backref",
        ],
    ),
    ("h1", &["id"]),
    ("h2", &["id"]),
    ("h3", &["id"]),
    ("h4", &["id"]),
    ("h5", &["id"]),
    ("h6", &["id"]),
    (
        "img",
        &[
            "src", "alt", "width", "height", "srcset", "sizes", "loading", "decoding",
        ],
    ),
    ("source", &["type", "srcset", "sizes"]),
    // Task lists; `type` becomes `checkbox` and `disabled` is forced, see `build`.
    ("input", &["type", "checked", "class"]),
    ("ul", &["class"]),
    ("ol", &["start"]),
    // Footnotes.
    ("li", &["id", "class"]),
    ("section", &["class", "data-footnotes"]),
    ("sup", &["class"]),
    // Highlighted code.
    ("pre", &["class"]),
    ("code", &["class"]),
    ("span", &["class"]),
    // Tables: comrak writes alignment as `align`, not as a style.
    ("th", &["align", "colspan", "rowspan"]),
    ("td", &["align", "colspan", "rowspan"]),
    ("details", &["open"]),
    ("time", &["datetime"]),
];

/// Schemes allowed in `href` and `src`; relative URLs and `#fragments` are
/// allowed too. `img[src]` is narrowed further to http(s) by `keep_attribute`.
const URL_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// `rel` on every link: posts are user content, so links pass no ranking
/// (`nofollow`), no `window.opener` and no referrer.
const LINK_REL: &str = "nofollow noopener noreferrer";

/// Built once: the allow-list is the same for every post, and building the
/// sets per call would be wasted work on the write path.
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(build);

/// Builds the sanitiser now rather than on the first post.
pub(super) fn warm_up() {
    LazyLock::force(&SANITIZER);
}

/// Returns `html` with everything not on the allow-list removed.
pub fn clean(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Whether the allow-list keeps `element` (for tests that check output).
pub fn allows_element(element: &str) -> bool {
    TAGS.contains(&element)
}

/// Whether the allow-list keeps `attribute="value"` on `element` as it is
/// (for tests that check output).
pub fn allows_attribute(element: &str, attribute: &str, value: &str) -> bool {
    let listed = GLOBAL_ATTRIBUTES.contains(&attribute)
        || ELEMENT_ATTRIBUTES
            .iter()
            .any(|&(tag, attributes)| tag == element && attributes.contains(&attribute));
    let forced = match (element, attribute) {
        ("a", "rel") => Some(LINK_REL),
        ("input", "disabled") => Some(""),
        _ => None,
    };
    match forced {
        Some(forced) => value == forced,
        None => listed && keep_attribute(element, attribute, value).as_deref() == Some(value),
    }
}

/// Whether the sanitiser drops the element `name` together with its
/// content: the elements of [`CONTENT_DROPPED`], and those ammonia drops on
/// its own, every SVG and MathML element name outside its namespace (`<g>`,
/// `<text>`, `<mi>`, `<list>`…). Asked of the sanitiser itself, once per
/// name, so this never disagrees with it.
pub(super) fn drops_content(name: &str) -> bool {
    /// Distinct names remembered (authors choose them; beyond, ask again).
    const REMEMBERED: usize = 1024;
    static ANSWERS: LazyLock<Mutex<HashMap<String, bool>>> = LazyLock::new(Mutex::default);
    let name = name.to_ascii_lowercase();
    if let Some(&drops) = ANSWERS.lock().expect("not poisoned").get(&name) {
        return drops;
    }
    let drops = !clean(&format!("<{name}>probe</{name}>")).contains("probe");
    let mut answers = ANSWERS.lock().expect("not poisoned");
    if answers.len() < REMEMBERED {
        answers.insert(name, drops);
    }
    drops
}

fn build() -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(TAGS.iter().copied().collect())
        .clean_content_tags(CONTENT_DROPPED.iter().copied().collect())
        .generic_attributes(GLOBAL_ATTRIBUTES.iter().copied().collect())
        .tag_attributes(
            ELEMENT_ATTRIBUTES
                .iter()
                .map(|&(tag, attributes)| (tag, attributes.iter().copied().collect::<HashSet<_>>()))
                .collect(),
        )
        // An author's `<input>` could otherwise be a live control: every
        // input is disabled, and a typed one a checkbox (`keep_attribute`), as
        // task lists render. One forced attribute only: ammonia writes forced
        // ones in hash-map order, which differs between processes.
        .set_tag_attribute_values(HashMap::from([(
            "input",
            HashMap::from([("disabled", "")]),
        )]))
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        .attribute_filter(keep_attribute);
    builder
}

/// Final say on each surviving attribute: narrows `class` to the classes the
/// renderer writes, and image sources to http(s) and relative URLs. `None`
/// drops the attribute.
fn keep_attribute<'v>(element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    match attribute {
        "class" => {
            let kept: Vec<&str> = value
                .split_ascii_whitespace()
                .filter(|class| is_renderer_class(element, class))
                .collect();
            match kept.len() {
                0 => None,
                n if n == value.split_ascii_whitespace().count() => Some(Cow::Borrowed(value)),
                _ => Some(Cow::Owned(kept.join(" "))),
            }
        }
        // Ammonia has already checked the scheme against URL_SCHEMES; an image
        // has no business pointing at `mailto:`.
        "src" if element == "img" && has_scheme(value, "mailto") => None,
        "type" if element == "input" => Some(Cow::Borrowed("checkbox")),
        "type" => value.starts_with("image/").then_some(Cow::Borrowed(value)),
        // Only the library's own files, which `pictures` lists.
        "srcset" => value
            .split(',')
            .all(|candidate| candidate.trim_start().starts_with("/media/"))
            .then_some(Cow::Borrowed(value)),
        "loading" => matches!(value, "lazy" | "eager").then_some(Cow::Borrowed(value)),
        "decoding" => matches!(value, "async" | "sync" | "auto").then_some(Cow::Borrowed(value)),
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Whether `class` on `element` is one comrak or the highlighter writes. These
/// mirror comrak's output; the tests render Markdown and check each survives,
/// so a comrak upgrade that renames one fails them.
fn is_renderer_class(element: &str, class: &str) -> bool {
    match element {
        "span" => class.starts_with(CLASS_PREFIX),
        "pre" => class == PRE_CLASS,
        "code" => class.starts_with("language-"),
        "a" => matches!(class, "anchor" | "footnote-backref"),
        "sup" => class == "footnote-ref",
        "section" => class == "footnotes",
        "ul" => class == "contains-task-list",
        "li" => class == "task-list-item",
        "input" => class == "task-list-item-checkbox",
        _ => false,
    }
}

/// Whether `url` starts with `scheme:`, ignoring case and the leading
/// whitespace and control characters a browser would ignore.
fn has_scheme(url: &str, scheme: &str) -> bool {
    let url = url.trim_start_matches(|c: char| c.is_whitespace() || c.is_control());
    url.get(..scheme.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(scheme))
        && url[scheme.len()..].starts_with(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlighter_classes_survive_and_others_are_dropped() {
        let html = clean(
            r#"<pre class="syntax-highlighting evil"><code class="language-rust big"><span class="hl-keyword x hl-rust">fn</span></code></pre>"#,
        );
        assert_eq!(
            html,
            r#"<pre class="syntax-highlighting"><code class="language-rust"><span class="hl-keyword hl-rust">fn</span></code></pre>"#
        );
    }

    #[test]
    fn a_class_attribute_with_no_allowed_class_is_removed() {
        assert_eq!(clean(r#"<p class="hl-keyword">x</p>"#), "<p>x</p>");
        assert_eq!(clean(r#"<span class="banner">x</span>"#), "<span>x</span>");
    }

    #[test]
    fn every_input_is_a_disabled_checkbox() {
        let html = clean(r#"<input type="text" name="q" value="v" checked>"#);
        assert!(html.contains(r#"type="checkbox""#), "{html}");
        assert!(html.contains(r#"disabled="""#), "{html}");
        assert!(html.contains(r#"checked="""#), "{html}");
        assert!(!html.contains("text") && !html.contains("name="), "{html}");
    }

    #[test]
    fn images_keep_http_and_relative_sources_only() {
        assert!(clean(r#"<img src="https://example.com/a.png">"#).contains("src="));
        assert!(clean(r#"<img src="/media/a.png">"#).contains("src="));
        assert!(!clean(r#"<img src="mailto:a@example.com">"#).contains("src="));
        assert!(!clean(r#"<img src=" MAILTO:a@example.com">"#).contains("src="));
        assert!(!clean(r#"<img src="data:image/png;base64,AAAA">"#).contains("src="));
    }

    #[test]
    fn links_get_rel_and_keep_safe_hrefs() {
        assert_eq!(
            clean(r#"<a href="https://example.com/" target="_blank" rel="opener">x</a>"#),
            r#"<a href="https://example.com/" rel="nofollow noopener noreferrer">x</a>"#
        );
        assert!(clean(r##"<a href="#fn-1">1</a>"##).contains(r##"href="#fn-1""##));
        assert!(!clean(r#"<a href="vbscript:msgbox(1)">x</a>"#).contains("href"));
    }

    #[test]
    fn unlisted_url_attributes_are_dropped() {
        let html = clean(r#"<blockquote cite="javascript:alert(1)">q</blockquote>"#);
        assert_eq!(html, "<blockquote>q</blockquote>");
    }

    #[test]
    fn unknown_elements_are_unwrapped_but_code_like_ones_vanish() {
        assert_eq!(clean("<marquee>hi</marquee>"), "hi");
        assert_eq!(clean("<textarea>hi</textarea><template>t</template>x"), "x");
        assert_eq!(clean("<!-- comment -->x"), "x");
    }

    #[test]
    fn ids_survive_only_where_the_renderer_writes_them() {
        assert_eq!(
            clean(r#"<h2 id="intro">x</h2>"#),
            r#"<h2 id="intro">x</h2>"#
        );
        assert_eq!(clean(r#"<p id="config">x</p>"#), "<p>x</p>");
    }

    #[test]
    fn scheme_detection_ignores_case_and_leading_junk() {
        assert!(has_scheme("MailTo:x", "mailto"));
        assert!(has_scheme("\u{1}\t mailto:x", "mailto"));
        assert!(!has_scheme("mailtox", "mailto"));
        assert!(!has_scheme("mai", "mailto"));
        assert!(!has_scheme("/mailto:x", "mailto"));
    }
}
