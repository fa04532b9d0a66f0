//! Markdown → safe HTML, done once when a post is written.
//!
//! Posts are read far more often than they are written, so everything a reader
//! needs is computed here, at write time, and stored: the sanitised HTML, the
//! table of contents, an excerpt, the plain text for full-text search, and the
//! word count and reading time. Serving a post is then a lookup, never a render.
//!
//! The pipeline is one parse and one sanitising pass:
//!
//! 1. [`markdown`] parses CommonMark + GFM with comrak into an AST, has
//!    [`raw_html`] defuse raw HTML that would hide the rest of the post, and
//!    walks the tree once for the table of contents, plain text and excerpt,
//!    taking from blocks of raw HTML the text a reader sees ([`html_text`]);
//! 2. the same AST is formatted to HTML, with fenced code highlighted on the
//!    server by [`highlight`] (CSS classes only, so pages need no inline styles
//!    and a strict CSP holds);
//! 3. [`embeds`] turns the author's embedded media into links and the block
//!    elements the allow-list would unwrap into `<div>`s, then [`sanitize`]
//!    runs the HTML through an allow-list with ammonia. Raw HTML
//!    in the Markdown is passed to it rather than escaped, so authors can use
//!    `<details>`, `<kbd>` or `<sup>`, and everything else is stripped;
//! 4. [`summary`] turns the plain text into the excerpt, word count and
//!    reading time.
//!
//! Everything expensive to build (the syntax set, comrak options, the ammonia
//! allow-list and the reader of raw HTML's text) is built once per process;
//! [`warm_up`] builds it eagerly so the first post written after start-up
//! does not pay for it.

mod embeds;
mod highlight;
mod html_text;
mod markdown;
mod nesting;
mod pictures;
pub mod pool;
mod raw_html;
mod sanitize;
mod summary;

use std::time::{Duration, Instant};

pub use highlight::{HighlightTheme, highlight_css};
pub use nesting::MAX_NESTING;
pub use pictures::{
    Library, LibraryImage, LibraryVariant, MAX_LIBRARY_IMAGES, cover_picture, library_hashes,
    library_images_without_alt,
};
pub use sanitize::{allows_attribute, allows_element, clean as sanitize};

/// The text a reader sees of `html` (tags gone, references decoded, blocks
/// on lines of their own): for text that arrives as HTML but is shown as
/// text, such as imported comments.
pub fn text_of_html(html: &str) -> String {
    html_text::visible_text(html).text
}

/// The renderer's output version, stored with every post it renders. Raise it
/// whenever a change makes the same Markdown render differently (HTML, table
/// of contents, excerpt, plain text or counts): engines then render every
/// post made by an older version again, in the background.
///
/// 1: text inside raw HTML blocks is part of the plain text and excerpt.
/// 2: `<!--more-->` ends the excerpt; embeds are links; unlisted blocks divs.
pub const VERSION: i32 = 2;

/// The most HTML a body may render to. Markdown can amplify: a five-byte
/// footnote reference renders to ~300 bytes (reference and back-link), an
/// empty heading to ~60, densely highlighted code to ~70 times its size.
/// With the 1 MiB input limit this keeps a post (Markdown, HTML and table of
/// contents) inside a 4 MiB message.
pub const MAX_HTML_BYTES: usize = 2 << 20;

/// How long one render may take when the caller sets no earlier deadline:
/// far more than any real post needs (milliseconds), far less than a client
/// waits.
pub const RENDER_BUDGET: Duration = Duration::from_secs(5);

/// Further sanitiser passes, at most, until the HTML is a fixed point.
const MAX_SANITIZER_PASSES: usize = 4;

/// The most headings a table of contents lists (the first ones).
pub const MAX_TOC_ENTRIES: usize = 1000;

/// Why a body is refused: rendering it would cost far more CPU or output
/// than any real post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Nested too deeply to sanitise in linear time (see [`nesting`]).
    #[error("nests blocks or elements {depth} levels deep; at most {MAX_NESTING} are allowed")]
    TooDeep {
        /// How deep the body nests.
        depth: usize,
    },
    /// Took longer than its deadline (see [`render_until`]).
    #[error("takes too long to render; simplify it or split it into several posts")]
    TooSlow,
    /// Renders to more than [`MAX_HTML_BYTES`].
    #[error(
        "renders to more than {} KiB of HTML, the most a post may have; long runs of footnote references, empty headings or highlighted code amplify most",
        MAX_HTML_BYTES / 1024
    )]
    TooLarge,
}

/// A post body rendered for storage: everything a reader or the search index
/// needs, so serving a post never renders Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Sanitised HTML: code highlighted with CSS classes, headings with ids.
    pub html: String,
    /// Headings in document order; each `anchor` is the id of its heading in
    /// [`Rendered::html`].
    pub toc: Vec<TocItem>,
    /// Plain text from the opening paragraphs, at most 300 characters, cut at a
    /// word boundary and ended with "…" when cut. Paragraphs of raw HTML
    /// count (the prose of an HTML block: not its headings, tables or
    /// preformatted text). Empty when the body has no paragraph.
    pub excerpt: String,
    /// The whole body as plain text, blocks separated by newlines, for
    /// full-text search indexing. Includes code blocks, image alt text and the
    /// text a reader sees in raw HTML, but no markup: no tags, no attributes
    /// and nothing the sanitiser drops with its content (scripts, styles).
    pub plain_text: String,
    /// Words in [`Rendered::plain_text`]; see [`summary`] for what counts.
    pub word_count: i32,
    /// `ceil(word_count / 230)`; 0 for a body with no words, otherwise at
    /// least 1.
    pub reading_time_minutes: i32,
}

/// One heading of a post, for a table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TocItem {
    /// 1 to 6, as in `<h1>`–`<h6>`.
    pub level: i32,
    /// The heading's `id` in the rendered HTML, unique within the post.
    pub anchor: String,
    /// The heading as plain text, without markup.
    pub text: String,
}

/// Renders a Markdown post body within [`RENDER_BUDGET`].
pub fn render(markdown: &str) -> Result<Rendered, Refused> {
    render_with(markdown, &Library::default())
}

/// Renders a Markdown post body within [`RENDER_BUDGET`], its images of
/// `library` as pictures.
pub fn render_with(markdown: &str, library: &Library) -> Result<Rendered, Refused> {
    render_until(markdown, library, Instant::now() + RENDER_BUDGET)
}

/// Renders a Markdown post body, its images of `library` as pictures
/// ([`pictures`]), giving up ([`Refused::TooSlow`]) once `deadline` passes
/// (the caller's, when it is earlier than the budget).
///
/// Every input, however malformed or hostile, renders to something that has
/// been through the sanitiser, in time linear in its size, and at most
/// [`MAX_HTML_BYTES`] long: formatting stops as soon as the HTML outgrows
/// that ([`Refused::TooLarge`]), and a body nested too deeply is refused
/// ([`Refused::TooDeep`]) before the sanitiser sees it.
pub fn render_until(
    markdown: &str,
    library: &Library,
    deadline: Instant,
) -> Result<Rendered, Refused> {
    let deadline = deadline.min(Instant::now() + RENDER_BUDGET);
    let arena = comrak::Arena::new();
    let root = markdown::parse(&arena, markdown);
    let mut outline = markdown::outline(root, deadline).map_err(refusal)?;
    outline.toc.truncate(MAX_TOC_ENTRIES);
    pictures::place(root, library);
    let mut html = safe_html(root, markdown::RawHtml::Passed, deadline)?;
    if !shows_every_heading(&html, &outline.toc) {
        // Raw HTML hid part of the post from the browser (malformed, or a
        // parser trick the defusing missed): the author's raw HTML is shown
        // as text instead, and nothing they wrote disappears.
        html = safe_html(root, markdown::RawHtml::Escaped, deadline)?;
    }
    let word_count = summary::word_count(&outline.plain_text);

    Ok(Rendered {
        html,
        toc: outline.toc,
        excerpt: outline.excerpt,
        reading_time_minutes: summary::reading_time_minutes(word_count),
        word_count,
        plain_text: outline.plain_text,
    })
}

/// The sanitised HTML of `root`, within the bounds of [`render_until`].
fn safe_html<'a>(
    root: &'a comrak::nodes::AstNode<'a>,
    raw_html: markdown::RawHtml,
    deadline: Instant,
) -> Result<String, Refused> {
    let unsafe_html = embeds::rewrite(
        &markdown::to_html(root, raw_html, MAX_HTML_BYTES, deadline).map_err(refusal)?,
    );
    let depth = nesting::depth(&unsafe_html);
    if depth > MAX_NESTING {
        return Err(Refused::TooDeep { depth });
    }
    // Until nothing changes: removing an element can leave a tree the
    // browser builds differently (`<p>` unwrapped into a `<p>`), so what is
    // stored is what the browser will see. Ordinary posts settle at once.
    let mut html = sanitize::clean(&unsafe_html);
    for _ in 0..MAX_SANITIZER_PASSES {
        let again = sanitize::clean(&html);
        if again == html {
            break;
        }
        html = again;
    }
    // The sanitiser adds a little (`rel` on links) as well as removing.
    if html.len() > MAX_HTML_BYTES {
        return Err(Refused::TooLarge);
    }
    Ok(html)
}

/// Why a body is refused, when its Markdown stopped being walked or formatted.
fn refusal(stopped: markdown::Stopped) -> Refused {
    match stopped {
        markdown::Stopped::TooLarge => Refused::TooLarge,
        markdown::Stopped::TooSlow => Refused::TooSlow,
    }
}

/// Whether every heading of the table of contents is in `html` (its `id`):
/// if not, something swallowed it.
fn shows_every_heading(html: &str, toc: &[TocItem]) -> bool {
    if toc.is_empty() {
        return true;
    }
    let ids: std::collections::HashSet<&str> = html
        .match_indices(" id=\"")
        .filter_map(|(at, found)| {
            let value = &html[at + found.len()..];
            value.find('"').map(|end| &value[..end])
        })
        .collect();
    toc.iter().all(|entry| ids.contains(entry.anchor.as_str()))
}

/// Builds the syntax set, comrak options, sanitiser and the reader of raw
/// HTML's text now rather than on the first [`render`], which would otherwise
/// take noticeably longer than the rest. Call it once at start-up; calling it
/// again is free.
pub fn warm_up() {
    markdown::warm_up();
    sanitize::warm_up();
    html_text::warm_up();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(markdown: &str) -> Rendered {
        render(markdown).expect("renders")
    }

    #[test]
    fn amplifying_bodies_are_refused_once_their_html_outgrows_the_limit() {
        // (Reference links do not amplify: comrak stops expanding them.)
        for (name, body) in [
            (
                "footnote references",
                format!("{}\n\n[^1]: note", "[^1] ".repeat(40_000)),
            ),
            ("empty headings", "#\n".repeat(200_000)),
            ("autolinks", "www.a.co ".repeat(100_000)),
            ("task lists", "- [ ] \n".repeat(140_000)),
        ] {
            assert!(body.len() <= 1 << 20, "{name} is within the input limit");
            let started = std::time::Instant::now();
            let refused = render(&body).err();
            assert_eq!(refused, Some(Refused::TooLarge), "{name}");
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{name}"
            );
        }
        // A long but ordinary post renders.
        let ordinary =
            "A paragraph of ordinary prose, with a [link](https://example.com).\n\n".repeat(10_000);
        let rendered = rendered(&ordinary);
        assert!(rendered.html.len() <= MAX_HTML_BYTES);
    }

    #[test]
    fn raw_html_that_would_hide_a_heading_is_shown_as_text_instead() {
        // A comment opened inside `<template>`, closed after its end tag:
        // the template then takes in the rest of the post.
        let body = "> <a>\n> <template><!--</template>\n > [-->][1]\n\n# hello\n";
        let escaped = rendered(body);
        assert!(escaped.html.contains(r#"id="hello""#), "{}", escaped.html);
        assert!(
            escaped.html.contains("&lt;template&gt;"),
            "{}",
            escaped.html
        );
        // Ordinary raw HTML is still passed to the sanitiser.
        let kept = rendered("<details>\n<summary>More</summary>\n\n# Inside\n\n</details>\n");
        assert!(kept.html.contains("<details>"), "{}", kept.html);
    }

    #[test]
    fn rendering_stops_at_its_deadline() {
        let body = "*emphasis* and `code` and [a link](https://example.com)\n\n".repeat(5_000);
        let started = Instant::now();
        assert_eq!(
            render_until(&body, &Library::default(), Instant::now()).err(),
            Some(Refused::TooSlow)
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(
            render_until(
                &body,
                &Library::default(),
                Instant::now() + Duration::from_secs(60)
            )
            .is_ok()
        );
    }

    #[test]
    fn reading_the_text_of_raw_html_stops_at_the_deadline() {
        let body = "<div><p>Some <b>raw</b> HTML.</p></div>\n\n".repeat(20_000);
        let started = Instant::now();
        assert_eq!(
            render_until(&body, &Library::default(), Instant::now()).err(),
            Some(Refused::TooSlow)
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        let rendered = render_until(
            &body,
            &Library::default(),
            Instant::now() + Duration::from_secs(60),
        );
        assert_eq!(rendered.map(|r| r.word_count), Ok(3 * 20_000));
    }

    #[test]
    fn the_table_of_contents_lists_the_first_headings_only() {
        let body = "## Part\n\ntext\n\n".repeat(MAX_TOC_ENTRIES + 10);
        assert_eq!(rendered(&body).toc.len(), MAX_TOC_ENTRIES);
    }

    #[test]
    fn pathological_nesting_is_refused_before_the_sanitiser_runs() {
        let started = std::time::Instant::now();
        let quotes = format!("{} x", ">".repeat(50_000));
        assert_eq!(
            render(&quotes).unwrap_err(),
            Refused::TooDeep { depth: 50_000 }
        );
        let divs = format!("{}x", "<div>".repeat(50_000));
        assert!(render(&divs).is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let deep_but_fine = format!("{} x", ">".repeat(MAX_NESTING));
        assert!(render(&deep_but_fine).is_ok());
    }

    /// Fails the test when `html` contains anything that could run script,
    /// load a frame or navigate to a dangerous scheme.
    #[track_caller]
    fn assert_inert(html: &str) {
        let lower = html.to_ascii_lowercase();
        for needle in [
            "<script",
            "javascript:",
            "vbscript:",
            "data:",
            "<svg",
            "<math",
            "<iframe",
            "<object",
            "<embed",
            "<form",
            "<button",
            "<style",
            "style=",
            "xlink:",
            "formaction",
            "srcdoc",
        ] {
            assert!(!lower.contains(needle), "found {needle:?} in {html:?}");
        }
        // An event handler attribute: ` on` + letters + `=` anywhere inside a tag.
        for tag in lower.split('<').skip(1) {
            let attributes = tag.split('>').next().unwrap_or_default();
            for word in attributes.split(|c: char| c.is_whitespace() || c == '/') {
                assert!(
                    !(word.starts_with("on") && word.contains('=')),
                    "found event handler {word:?} in {html:?}"
                );
            }
        }
    }

    #[test]
    fn script_tags_are_removed_with_their_content() {
        let html =
            rendered("Hello\n\n<script>alert(1)</script>\n\nworld <script>alert(2)</script>").html;
        assert_inert(&html);
        assert!(!html.contains("alert"), "{html}");
        assert!(html.contains("Hello") && html.contains("world"), "{html}");
    }

    #[test]
    fn markdown_link_to_javascript_loses_its_href() {
        let html = rendered("[x](javascript:alert(1))").html;
        assert_inert(&html);
        assert!(html.contains(">x</a>"), "{html}");
    }

    #[test]
    fn mixed_case_javascript_scheme_in_raw_html_loses_its_href() {
        let html = rendered(r#"<a href="JaVaScRiPt:alert(1)">x</a>"#).html;
        assert_inert(&html);
        assert!(!html.contains("href"), "{html}");
    }

    #[test]
    fn javascript_scheme_split_by_a_tab_entity_loses_its_href() {
        let html = rendered(r#"<a href="jav&#x09;ascript:alert(1)">x</a>"#).html;
        assert_inert(&html);
        assert!(!html.contains("href"), "{html}");
    }

    #[test]
    fn markdown_autolink_to_javascript_loses_its_href() {
        let html = rendered("<javascript:alert(1)>").html;
        assert!(!html.contains("href"), "{html}");
    }

    #[test]
    fn img_onerror_is_removed() {
        let html = rendered("<img src=x onerror=alert(1)>").html;
        assert_inert(&html);
    }

    #[test]
    fn svg_with_onload_is_removed() {
        let html = rendered("<svg onload=alert(1)>").html;
        assert_inert(&html);
    }

    #[test]
    fn script_inside_svg_is_removed() {
        let html = rendered("<svg><script>alert(1)</script></svg>").html;
        assert_inert(&html);
        assert!(!html.contains("alert"), "{html}");
    }

    #[test]
    fn iframes_are_removed() {
        let html = rendered(r#"<iframe src="https://evil.example/"></iframe>"#).html;
        assert_inert(&html);
        let html = rendered(r#"<iframe srcdoc="<script>alert(1)</script>"></iframe>"#).html;
        assert_inert(&html);
    }

    #[test]
    fn data_urls_in_links_lose_their_href() {
        let html = rendered(
            r#"<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>"#,
        )
        .html;
        assert_inert(&html);
        let html = rendered("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)").html;
        assert_inert(&html);
    }

    #[test]
    fn style_attributes_are_removed() {
        let html = rendered(r#"<div style="background:url(javascript:alert(1))">x</div>"#).html;
        assert_inert(&html);
        assert!(html.contains('x'), "{html}");
    }

    #[test]
    fn mathml_with_xlink_href_is_removed() {
        let html = rendered(r#"<math><mi xlink:href="javascript:alert(1)">x</mi></math>"#).html;
        assert_inert(&html);
    }

    #[test]
    fn forms_and_buttons_are_removed() {
        let html = rendered("<form action=javascript:alert(1)><button>go</button></form>").html;
        assert_inert(&html);
        let html = rendered(r#"<button formaction="javascript:alert(1)">go</button>"#).html;
        assert_inert(&html);
    }

    #[test]
    fn markdown_image_with_javascript_source_loses_its_src() {
        let html = rendered("![x](javascript:alert(1))").html;
        assert_inert(&html);
        assert!(!html.contains("src"), "{html}");
    }

    #[test]
    fn event_handlers_on_allowed_tags_are_removed() {
        let html = rendered(concat!(
            "<p onclick=\"alert(1)\">p</p>\n\n",
            "<details open ontoggle=alert(1)><summary onmouseover=alert(1)>s</summary></details>\n\n",
            "<a href=\"https://example.com/\" onmouseover=\"alert(1)\">a</a> ",
            "<img src=\"https://example.com/a.png\" onload=\"alert(1)\" alt=\"i\">",
        ))
        .html;
        assert_inert(&html);
        assert!(html.contains("https://example.com/a.png"), "{html}");
        assert!(html.contains("<details open"), "{html}");
    }

    #[test]
    fn entity_obfuscated_javascript_scheme_loses_its_href() {
        for markdown in [
            "[x](&#106;avascript:alert(1))",
            r#"<a href="&#106;avascript:alert(1)">x</a>"#,
            r#"<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>"#,
            "![x](&#106;avascript:alert(1))",
        ] {
            let html = rendered(markdown).html;
            assert_inert(&html);
            assert!(!html.contains("href") && !html.contains("src"), "{html}");
        }
    }

    #[test]
    fn unclosed_raw_html_cannot_swallow_the_rest_of_the_page() {
        let html = rendered("<div><a href=\"https://example.com/\">\n\ntext\n\n<p").html;
        assert_inert(&html);
        assert_eq!(
            html.matches("<div").count(),
            html.matches("</div>").count(),
            "{html}"
        );
    }

    #[test]
    fn benign_raw_html_is_kept() {
        let html = rendered(
            "<details><summary>More</summary>\n\nHidden *text*\n\n</details>\n\n\
             Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, x<sup>2</sup>, H<sub>2</sub>O.",
        )
        .html;
        for tag in [
            "<details>",
            "<summary>",
            "<kbd>",
            "<sup>",
            "<sub>",
            "<em>text</em>",
        ] {
            assert!(html.contains(tag), "missing {tag} in {html}");
        }
    }

    #[test]
    fn gfm_extensions_rendered() {
        let html = rendered(concat!(
            "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n",
            "~~gone~~\n\n",
            "- [x] done\n- [ ] todo\n\n",
            "Visit https://example.com/path and www.example.org.\n\n",
            "A claim.[^1]\n\n[^1]: The source.\n",
        ))
        .html;
        for fragment in [
            "<table>",
            r#"<th align="left">a</th>"#,
            r#"<td align="right">2</td>"#,
            "<del>gone</del>",
            r#"<ul class="contains-task-list">"#,
            r#"<li class="task-list-item">"#,
            r#"class="task-list-item-checkbox""#,
            r#"type="checkbox""#,
            r#"checked="""#,
            r#"disabled="""#,
            r#"href="https://example.com/path""#,
            r#"href="http://www.example.org""#,
            r##"href="#fn-1""##,
            r#"<li id="fn-1">"#,
            r#"class="footnotes""#,
            r#"class="footnote-ref""#,
            r#"class="footnote-backref""#,
        ] {
            assert!(html.contains(fragment), "missing {fragment} in {html}");
        }
        assert_inert(&html);
    }

    #[test]
    fn toc_anchors_match_heading_ids_including_duplicates() {
        let rendered = rendered(concat!(
            "# Intro\n\ntext\n\n",
            "## Set *up* `cargo`\n\n",
            "## Intro\n\n",
            "### Intro\n\n",
            "Setext\n------\n\n",
            "#### Ünïcode & “quotes”\n\n",
            "##### five\n\n###### six\n",
        ));
        let anchors: Vec<&str> = rendered
            .toc
            .iter()
            .map(|item| item.anchor.as_str())
            .collect();
        assert_eq!(
            anchors,
            [
                "intro",
                "set-up-cargo",
                "intro-1",
                "intro-2",
                "setext",
                "ünïcode--quotes",
                "five",
                "six"
            ]
        );
        let levels: Vec<i32> = rendered.toc.iter().map(|item| item.level).collect();
        assert_eq!(levels, [1, 2, 2, 3, 2, 4, 5, 6]);
        assert_eq!(rendered.toc[1].text, "Set up cargo");
        for item in &rendered.toc {
            let id = format!(r#"id="{}""#, item.anchor);
            assert!(
                rendered.html.contains(&id),
                "missing {id} in {}",
                rendered.html
            );
        }
    }

    #[test]
    fn links_get_rel_nofollow_and_safe_schemes_survive() {
        let html = rendered(
            "[ext](https://example.com/) [rel](/posts/x) [frag](#top) [mail](mailto:a@example.com) [ftp](ftp://example.com/)",
        )
        .html;
        assert!(html.contains(r#"href="https://example.com/""#), "{html}");
        assert!(html.contains(r#"href="/posts/x""#), "{html}");
        assert!(html.contains(r##"href="#top""##), "{html}");
        assert!(html.contains(r#"href="mailto:a@example.com""#), "{html}");
        assert!(!html.contains("ftp://"), "{html}");
        assert!(
            html.contains(r#"rel="nofollow noopener noreferrer""#),
            "{html}"
        );
    }

    #[test]
    fn fenced_code_is_highlighted_with_classes_and_no_inline_styles() {
        let html = rendered("```rust\nfn main() { let s = \"<b>\"; }\n```\n").html;
        assert!(
            html.contains(r#"<pre class="syntax-highlighting">"#),
            "{html}"
        );
        assert!(html.contains(r#"<code class="language-rust">"#), "{html}");
        assert!(html.contains(r#"<span class="hl-"#), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert!(!html.contains("style="), "{html}");
    }

    #[test]
    fn plain_text_excerpt_and_counts_come_from_the_body() {
        let rendered = rendered(
            "# Title\n\nFirst *para* with a [link](https://example.com/).\n\n\
             ```sh\necho hi\n```\n\n![alt words](https://example.com/a.png)\n\nSecond para.\n",
        );
        assert_eq!(rendered.excerpt, "First para with a link. Second para.");
        assert!(
            rendered.plain_text.contains("echo hi"),
            "{}",
            rendered.plain_text
        );
        assert!(
            rendered.plain_text.contains("alt words"),
            "{}",
            rendered.plain_text
        );
        assert!(
            !rendered.plain_text.contains('*'),
            "{}",
            rendered.plain_text
        );
        // Title, First para with a link, echo hi, alt words, Second para.
        assert_eq!(rendered.word_count, 1 + 5 + 2 + 2 + 2);
        assert_eq!(rendered.reading_time_minutes, 1);
    }

    /// A post as WordPress's "HTML Tags and Formatting" test post has it:
    /// nearly all raw HTML, a little Markdown in between.
    const WORDPRESS_STYLE_POST: &str = r#"Imported from WordPress, *mostly* raw HTML.

<h2>Headings</h2>
<h1>Header one</h1>
<h2>Header two</h2>
<h3>Header three</h3>
<div class="note"><p>Five visible words here now</p></div>

<h2>Blockquotes</h2>
Single line blockquote:
<blockquote>Stay hungry. Stay foolish.</blockquote>
Multi line blockquote with a cite reference:
<blockquote>People think focus means saying yes to the thing you&#8217;ve got to focus on. But that&rsquo;s not what it means at all.</blockquote>
<cite>Steve Jobs</cite> &ndash; Apple Worldwide Developers&rsquo; Conference, 1997

<h2>Tables</h2>
<table>
<tbody>
<tr>
<th>Employee</th>
<th>Salary</th>
</tr>
<tr>
<td><a href="http://example.org/">John Doe</a></td>
<td>$1</td>
</tr>
<tr>
<td>Jane Doe &amp; Co</td>
<td>$100K</td>
</tr>
</tbody>
</table>
<h2>Definition Lists</h2>
<dl><dt>Definition List Title</dt><dd>This is a definition list division.</dd></dl>
<h2>Unordered Lists (Nested)</h2>
<ul>
 	<li>List item one
<ul>
 	<li>List item one</li>
 	<li>List item two</li>
</ul>
</li>
 	<li>List item two</li>
</ul>
<p>Caf&eacute; na&iuml;ve &#x27;quoted&#x27; <abbr title="Hyper Text Markup Language">HTML</abbr>&nbsp;tags.</p>
<script>document.write("secretscript")</script>
<style>.secretstyle { color: red }</style>
<p>After the script.</p>
"#;

    #[test]
    fn the_text_of_a_wordpress_style_html_post_is_searched_counted_and_excerpted() {
        let rendered = rendered(WORDPRESS_STYLE_POST);
        let plain = &rendered.plain_text;
        for visible in [
            "Header one",
            "Five visible words here now",
            "Stay hungry. Stay foolish.",
            "the thing you\u{2019}ve got to focus on",
            "Steve Jobs \u{2013} Apple",
            "Employee Salary\nJohn Doe $1\nJane Doe & Co $100K",
            "Definition List Title\nThis is a definition list division.",
            "List item one\nList item one\nList item two\nList item two",
            "Caf\u{e9} na\u{ef}ve 'quoted' HTML tags.",
            "After the script.",
        ] {
            assert!(plain.contains(visible), "missing {visible:?} in {plain}");
        }
        for hidden in [
            "secret",
            "document",
            "color",
            "<",
            "href",
            "example.org",
            "Hyper",
        ] {
            assert!(!plain.contains(hidden), "found {hidden:?} in {plain}");
        }
        // The words searched for are the words a reader sees.
        assert_eq!(
            plain.split_whitespace().collect::<Vec<_>>(),
            words_of_html(&rendered.html)
        );
        assert_eq!(rendered.word_count, 106);

        // The prose, not the headings or the table.
        let excerpt = &rendered.excerpt;
        assert!(
            excerpt.starts_with(
                "Imported from WordPress, mostly raw HTML. Five visible words here now \
                 Single line blockquote: Stay hungry. Stay foolish."
            ),
            "{excerpt}"
        );
        assert!(excerpt.ends_with('\u{2026}'), "{excerpt}");
        for hidden in ["Header", "Employee", "secret"] {
            assert!(!excerpt.contains(hidden), "found {hidden:?} in {excerpt}");
        }
    }

    /// The words of `html` as a browser shows them: its text, with character
    /// references decoded, every tag between words (true of the HTML tested
    /// with it, not of HTML in general: `wor<b>ld</b>` is one word).
    fn words_of_html(html: &str) -> Vec<String> {
        use html5ever::tendril::StrTendril;
        use html5ever::tokenizer::{
            BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
        };

        struct Text(std::cell::RefCell<String>);
        impl TokenSink for Text {
            type Handle = ();
            fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
                let mut text = self.0.borrow_mut();
                match token {
                    Token::CharacterTokens(run) => text.push_str(&run),
                    Token::TagToken(_) => text.push(' '),
                    _ => {}
                }
                TokenSinkResult::Continue
            }
        }
        let tokenizer = Tokenizer::new(Text(Default::default()), TokenizerOpts::default());
        let input = BufferQueue::default();
        input.push_back(StrTendril::from_slice(html));
        let _ = tokenizer.feed(&input);
        tokenizer.end();
        let text = tokenizer.sink.0.take();
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn empty_body_renders_to_nothing() {
        let rendered = rendered("");
        assert_eq!(rendered.html, "");
        assert!(rendered.toc.is_empty());
        assert_eq!(rendered.excerpt, "");
        assert_eq!(rendered.word_count, 0);
        assert_eq!(rendered.reading_time_minutes, 0);
    }

    #[test]
    fn a_large_post_with_code_renders_completely() {
        let mut markdown = String::new();
        let mut section = 0;
        while markdown.len() < 20_000 {
            section += 1;
            markdown.push_str(&format!(
                "## Section {section}\n\n\
                 Some prose with **bold**, `code` and a [link](https://example.com/{section}).\n\
                 It goes on for a while so that the excerpt has to be cut somewhere sensible.\n\n\
                 ```rust\nfn section_{section}() -> u32 {{\n    // a comment\n    {section}\n}}\n```\n\n\
                 ```python\ndef f(x):\n    return \"<x>\" * {section}\n```\n\n\
                 | n | square |\n|---|---:|\n| {section} | {sq} |\n\n\
                 <script>alert({section})</script>\n\n",
                sq = section * section,
            ));
        }
        let rendered = rendered(&markdown);

        assert_eq!(rendered.toc.len(), section);
        assert_eq!(
            rendered.toc[section - 1].anchor,
            format!("section-{section}")
        );
        assert_eq!(
            rendered
                .html
                .matches("<pre class=\"syntax-highlighting\">")
                .count(),
            2 * section
        );
        assert_eq!(rendered.html.matches("<table>").count(), section);
        assert!(
            rendered.html.contains("hl-comment"),
            "no highlighted comment"
        );
        assert_inert(&rendered.html);
        assert!(!rendered.html.contains("alert("));
        assert!(rendered.excerpt.ends_with('…'), "{}", rendered.excerpt);
        assert!(rendered.excerpt.chars().count() <= 300);
        assert!(rendered.word_count > 2_000, "{}", rendered.word_count);
        assert_eq!(
            rendered.reading_time_minutes,
            (rendered.word_count + 229) / 230
        );
    }
}
