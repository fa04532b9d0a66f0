//! Parsing Markdown with comrak, walking its AST, and formatting it as HTML.
//!
//! The AST is walked rather than the HTML scraped: the table of contents, the
//! plain text and the excerpt come from the same tree the HTML is formatted
//! from, so they cannot disagree with it. Blocks of raw HTML are the one
//! place the walk reads HTML: [`html_text`] gives the text a reader sees in
//! them after sanitising.

use std::sync::LazyLock;
use std::time::Instant;

use comrak::arena_tree::NodeEdge;
use comrak::nodes::{AstNode, NodeValue};
use comrak::options::Plugins;
use comrak::{Anchorizer, Arena, Options};

use super::TocItem;
use super::highlight;
use super::html_text;
use super::raw_html;
use super::summary::ExcerptBuilder;

/// CommonMark + GFM, built once: the options are read by every parse and
/// format, and building them per call would be wasted work.
static OPTIONS: LazyLock<Options<'static>> = LazyLock::new(|| {
    let mut options = Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    // An empty prefix gives every heading an id; the ids are the GFM slugs
    // that `outline` reproduces for the table of contents.
    options.extension.header_id_prefix = Some(String::new());
    // Raw HTML and every URL are passed through as written: the sanitiser
    // decides what is safe, with a real HTML parser, rather than comrak
    // dropping raw HTML wholesale (authors want `<details>` and `<kbd>`).
    options.render.r#unsafe = true;
    // Classes the web app can style task lists with (no bullets, no indent).
    options.render.tasklist_classes = true;
    options
});

/// The same, with raw HTML shown as text (see `render_until`).
static ESCAPING_RAW_HTML: LazyLock<Options<'static>> = LazyLock::new(|| {
    let mut options = OPTIONS.clone();
    options.render.escape = true;
    options
});

/// What becomes of the author's raw HTML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RawHtml {
    /// Passed to the sanitiser.
    Passed,
    /// Shown as the text it is.
    Escaped,
}

/// Render-time plugins, pointing at the process-wide syntax highlighter.
static PLUGINS: LazyLock<Plugins<'static>> = LazyLock::new(|| {
    let mut plugins = Plugins::default();
    plugins.render.codefence_syntax_highlighter = Some(highlight::adapter());
    plugins
});

/// Builds the options and the highlighter (which loads the syntax set).
pub(super) fn warm_up() {
    LazyLock::force(&OPTIONS);
    LazyLock::force(&PLUGINS);
}

/// Parses `markdown` into an AST allocated in `arena`, with raw HTML that
/// would hide the rest of the post defused.
pub(super) fn parse<'a>(arena: &'a Arena<'a>, markdown: &str) -> &'a AstNode<'a> {
    let root = comrak::parse_document(arena, markdown, &OPTIONS);
    raw_html::defuse(root);
    root
}

/// Why walking or formatting the AST stopped before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stopped {
    /// The HTML grew past its limit.
    TooLarge,
    /// The deadline passed.
    TooSlow,
}

/// Formats the AST as HTML, with fenced code highlighted. Not yet safe: raw
/// HTML and URLs are as the author wrote them. Stops as soon as the HTML
/// grows past `max_bytes` or `deadline` passes, so an amplifying or
/// pathological body costs no more than that to refuse.
pub(super) fn to_html<'a>(
    root: &'a AstNode<'a>,
    raw_html: RawHtml,
    max_bytes: usize,
    deadline: Instant,
) -> Result<String, Stopped> {
    let options = match raw_html {
        RawHtml::Passed => &*OPTIONS,
        RawHtml::Escaped => &*ESCAPING_RAW_HTML,
    };
    let mut bounded = Bounded {
        html: String::new(),
        max_bytes,
        deadline,
        stopped: None,
    };
    let formatted = comrak::format_html_with_plugins(root, options, &mut bounded, &PLUGINS);
    if let Some(stopped) = bounded.stopped {
        return Err(stopped);
    }
    let mut html = bounded.html;
    if formatted.is_err() {
        // Writing to a String cannot fail and the highlighter swallows its own
        // errors, so this is unreachable in practice; were it reached, the
        // author still gets their words back, escaped, rather than a failed
        // write.
        let plain_text = outline(root, deadline)?.plain_text;
        html = format!("<pre>{}</pre>", ammonia::clean_text(&plain_text));
    }
    Ok(html)
}

/// A `String` that stops growing past `max_bytes` or after `deadline`.
struct Bounded {
    html: String,
    max_bytes: usize,
    deadline: Instant,
    stopped: Option<Stopped>,
}

impl std::fmt::Write for Bounded {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        if self.html.len() + text.len() > self.max_bytes {
            self.stopped = Some(Stopped::TooLarge);
            return Err(std::fmt::Error);
        }
        // Formatting writes often (every tag and text run), so this check
        // comes round many times a millisecond.
        if Instant::now() > self.deadline {
            self.stopped = Some(Stopped::TooSlow);
            return Err(std::fmt::Error);
        }
        self.html.push_str(text);
        Ok(())
    }
}

/// What one walk of the AST yields.
#[derive(Debug)]
pub(super) struct Outline {
    /// Headings, with anchors equal to the ids comrak writes.
    pub toc: Vec<TocItem>,
    /// All the text of the body, blocks separated by newlines; of raw HTML,
    /// the text a reader sees.
    pub plain_text: String,
    /// Text of the opening paragraphs (of Markdown or raw HTML), cut to an
    /// excerpt.
    pub excerpt: String,
}

/// Walks the AST once, in document order, for the table of contents, the plain
/// text and the excerpt. Gives up once `deadline` passes: reading the text of
/// raw HTML parses it, which a body of nothing but HTML blocks makes most of
/// the walk's work.
pub(super) fn outline<'a>(root: &'a AstNode<'a>, deadline: Instant) -> Result<Outline, Stopped> {
    // comrak's HTML formatter anchorizes the text of each heading in document
    // order with a fresh Anchorizer; doing the same here, over the same tree,
    // yields the same ids, duplicate suffixes (`-1`, `-2`) included.
    let mut anchorizer = Anchorizer::new();
    let mut toc = Vec::new();
    let mut plain_text = String::new();
    let mut excerpt = ExcerptBuilder::new();

    // Depth counters rather than flags because these nest (a footnote holds
    // paragraphs, a link may wrap an image).
    let mut paragraph_depth = 0usize;
    let mut image_depth = 0usize;
    let mut footnote_depth = 0usize;

    for edge in root.traverse() {
        match edge {
            NodeEdge::Start(node) => {
                let in_excerpt = paragraph_depth > 0 && image_depth == 0 && footnote_depth == 0;
                match &node.data().value {
                    NodeValue::Text(text) => {
                        plain_text.push_str(text);
                        if in_excerpt {
                            excerpt.push_str(text);
                        }
                    }
                    NodeValue::Code(code) => {
                        plain_text.push_str(&code.literal);
                        if in_excerpt {
                            excerpt.push_str(&code.literal);
                        }
                    }
                    NodeValue::SoftBreak | NodeValue::LineBreak => {
                        plain_text.push(' ');
                        if in_excerpt {
                            excerpt.push_str(" ");
                        }
                    }
                    NodeValue::CodeBlock(block) => plain_text.push_str(&block.literal),
                    // What a reader sees of raw HTML is text like any other;
                    // its prose goes in the excerpt where a paragraph's would.
                    // Inline raw HTML needs nothing: the text between its tags
                    // is in Text nodes of its own.
                    NodeValue::HtmlBlock(block) => {
                        if Instant::now() > deadline {
                            return Err(Stopped::TooSlow);
                        }
                        let visible = html_text::visible_text(&block.literal);
                        plain_text.push_str(&visible.text);
                        if footnote_depth == 0 {
                            match more_marker(&block.literal) {
                                // The prose before the marker is the teaser's last.
                                Some(at) => {
                                    excerpt.push_str(
                                        &html_text::visible_text(&block.literal[..at]).prose,
                                    );
                                    excerpt.end_at_more();
                                }
                                None if !visible.prose.is_empty() => {
                                    excerpt.push_str(&visible.prose);
                                    excerpt.end_paragraph();
                                }
                                None => {}
                            }
                        }
                    }
                    NodeValue::HtmlInline(html)
                        if footnote_depth == 0 && more_marker(html).is_some() =>
                    {
                        excerpt.end_at_more();
                    }
                    NodeValue::Heading(heading) => {
                        let text = node.collect_text();
                        toc.push(TocItem {
                            level: i32::from(heading.level),
                            anchor: anchorizer.anchorize(&text),
                            text,
                        });
                    }
                    NodeValue::Paragraph => paragraph_depth += 1,
                    NodeValue::Image(_) => image_depth += 1,
                    NodeValue::FootnoteDefinition(_) => footnote_depth += 1,
                    // Inline raw HTML is markup: its tags are not text.
                    // Footnote references are just numbers.
                    _ => {}
                }
            }
            NodeEdge::End(node) => {
                let value = &node.data().value;
                match value {
                    NodeValue::Paragraph => {
                        paragraph_depth -= 1;
                        excerpt.end_paragraph();
                    }
                    NodeValue::Image(_) => image_depth -= 1,
                    NodeValue::FootnoteDefinition(_) => footnote_depth -= 1,
                    // Cells are blocks to comrak, but a row reads as one line.
                    NodeValue::TableCell => {
                        plain_text.push(' ');
                        continue;
                    }
                    _ => {}
                }
                if value.block() {
                    end_line(&mut plain_text);
                }
            }
        }
    }

    plain_text.truncate(plain_text.trim_end().len());
    Ok(Outline {
        toc,
        plain_text,
        excerpt: excerpt.finish(),
    })
}

/// Where raw HTML holds WordPress's `<!--more-->` (or `<!--more Read on-->`),
/// the writer's own end of the excerpt.
fn more_marker(html: &str) -> Option<usize> {
    html.find("<!--more")
        .filter(|&at| matches!(html.as_bytes().get(at + 8), Some(b'-' | b' ' | b'\t')))
}

/// Ends the current line of `text`, once: blocks nest, and a list item ending
/// with its paragraph must not leave an empty line behind.
fn end_line(text: &mut String) {
    text.truncate(text.trim_end_matches(' ').len());
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline_of(markdown: &str) -> Outline {
        let arena = Arena::new();
        let deadline = Instant::now() + std::time::Duration::from_secs(3600);
        outline(parse(&arena, markdown), deadline).expect("in time")
    }

    fn html_of(markdown: &str) -> String {
        let arena = Arena::new();
        let deadline = Instant::now() + std::time::Duration::from_secs(3600);
        to_html(
            parse(&arena, markdown),
            RawHtml::Passed,
            usize::MAX,
            deadline,
        )
        .expect("unbounded")
    }

    #[test]
    fn toc_lists_every_heading_level_in_document_order() {
        let toc =
            outline_of("###### six\n\n# one\n\n## two\n\n### three\n\n#### four\n\n##### five\n")
                .toc;
        let levels: Vec<i32> = toc.iter().map(|item| item.level).collect();
        assert_eq!(levels, [6, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn toc_text_is_the_heading_without_markup() {
        let toc =
            outline_of("## **Bold** and [link](https://example.com/) `code` <kbd>K</kbd>\n").toc;
        assert_eq!(toc[0].text, "Bold and link code K");
        assert_eq!(toc[0].anchor, "bold-and-link-code-k");
    }

    #[test]
    fn toc_anchors_are_the_ids_comrak_writes_even_for_colliding_slugs() {
        // "a-1" written by hand collides with the suffix the second "a" would get.
        let markdown = "# a\n\n# a-1\n\n# a\n\n# a\n\n# A!\n";
        let toc = outline_of(markdown).toc;
        let html = html_of(markdown);
        let ids: Vec<&str> = html
            .split(r#" id=""#)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        let anchors: Vec<&str> = toc.iter().map(|item| item.anchor.as_str()).collect();
        assert_eq!(anchors, ids);
        assert_eq!(anchors, ["a", "a-1", "a-2", "a-3", "a-4"]);
    }

    #[test]
    fn headings_inside_containers_are_in_the_toc() {
        let toc = outline_of("> ## quoted\n\n- ### listed\n").toc;
        let anchors: Vec<&str> = toc.iter().map(|item| item.anchor.as_str()).collect();
        assert_eq!(anchors, ["quoted", "listed"]);
    }

    #[test]
    fn plain_text_separates_blocks_and_drops_markup() {
        let plain = outline_of(
            "# Title\n\nSome *emphasis*\nand a soft break.\n\n- one\n- two\n\n\
             | a | b |\n|---|---|\n| c | d |\n\n```\nlet x = 1;\n```\n\n<div>raw</div>\n",
        )
        .plain_text;
        assert_eq!(
            plain,
            "Title\nSome emphasis and a soft break.\none\ntwo\na b\nc d\nlet x = 1;\nraw"
        );
    }

    #[test]
    fn plain_text_has_what_a_reader_sees_of_html_blocks() {
        let plain = outline_of(
            "<div class=\"note\"><p>Five visible words here now</p></div>\n\n\
             <p>a</p><p>b &amp; c</p>\n\n<ul><li>one</li><li>two</li></ul>\n\n\
             <table><tr><td>x</td><td>y</td></tr></table>\n",
        )
        .plain_text;
        assert_eq!(
            plain,
            "Five visible words here now\na\nb & c\none\ntwo\nx y"
        );
    }

    #[test]
    fn excerpt_takes_the_prose_of_html_blocks_outside_footnotes() {
        let excerpt = outline_of(
            "<h2>Heading</h2>\n<p>hello <b>world</b></p>\n\n\
             Markdown para.[^1]\n\n> <div>quoted</div>\n\n\
             <table><tr><td>cell</td></tr></table>\n\n[^1]: <div>Footnote.</div>\n",
        )
        .excerpt;
        assert_eq!(excerpt, "hello world Markdown para. quoted");
    }

    #[test]
    fn plain_text_keeps_image_alt_text_and_footnotes_but_not_reference_numbers() {
        let plain =
            outline_of("See ![a cat](https://example.com/c.png)[^n].\n\n[^n]: Cats.\n").plain_text;
        assert_eq!(plain, "See a cat.\nCats.");
    }

    #[test]
    fn the_more_marker_ends_the_excerpt_where_the_writer_put_it() {
        let body = "A teaser.\n\n<!--more-->\n\nThe rest.";
        assert_eq!(outline_of(body).excerpt, "A teaser.");
        assert_eq!(outline_of("Inline <!--more--> rest").excerpt, "Inline");
        assert_eq!(
            outline_of("<p>Teaser</p><!--more Read on-->\n<p>Rest</p>\n").excerpt,
            "Teaser"
        );
        // Its text stays in the body; a look-alike comment is no marker.
        assert!(outline_of(body).plain_text.contains("The rest."));
        assert_eq!(outline_of("One <!--moreover--> two").excerpt, "One two");
    }

    #[test]
    fn excerpt_skips_headings_code_images_tables_and_footnotes() {
        let excerpt = outline_of(
            "# Heading\n\n```\ncode\n```\n\n| t |\n|---|\n| cell |\n\n\
             First ![img](https://example.com/i.png)para[^1].\n\n> Quoted para.\n\n[^1]: Footnote.\n",
        )
        .excerpt;
        assert_eq!(excerpt, "First para. Quoted para.");
    }

    #[test]
    fn html_is_formatted_from_the_same_tree() {
        let html = html_of("# Hi\n\n~~x~~");
        assert!(html.contains(r#"<h1 id="hi">"#), "{html}");
        assert!(html.contains("<del>x</del>"), "{html}");
    }
}
