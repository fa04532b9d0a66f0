//! The text a reader sees in the author's raw HTML blocks, for the plain text
//! (search, word count) and the excerpt.
//!
//! The HTML is read by ammonia, the parser the sanitiser uses, set up to drop
//! the same elements with their content (`sanitize::CONTENT_DROPPED`, and the
//! SVG and MathML names ammonia drops on its own), so the text is the text
//! that survives sanitising: no script source, no stylesheet, no form labels,
//! no tags or attributes, character references decoded. Every element is
//! unwrapped except those that end a line or a cell, which are kept bare, so
//! `<p>a</p><p>b</p>` reads as two words rather than "ab".
//!
//! ammonia's output is then read back in one linear pass. It is a
//! serialisation of a tree, not author input: every `<` in it starts a tag
//! (text writes `&lt;`), tags have no attributes, every element that is
//! not void is closed, and text escapes only `&`, `<`, `>` and U+00A0.
//!
//! Each block is read on its own. That gives the text the reader sees because
//! `raw_html` has already escaped every opening tag a block leaves unclosed
//! of an element that would take in what follows, so no block hides text in
//! another.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::Builder;

use super::nesting::{self, MAX_NESTING};
use super::sanitize::CONTENT_DROPPED;

/// Elements that put what follows on a new line: the block-level ones, and
/// `<br>`. The rest are unwrapped, their text run into the text around them,
/// as a browser shows inline elements.
#[rustfmt::skip]
pub(super) const LINE_BREAKING: &[&str] = &[
    "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "legend", "li", "listing",
    "main", "menu", "nav", "ol", "optgroup", "option", "p", "pre", "search", "section",
    "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
];

/// Table cells, which a row reads across, as it does for a Markdown table.
const CELLS: &[&str] = &["td", "th"];

/// Elements whose text is in the plain text but not in the excerpt, as the
/// Markdown headings, tables and code blocks are not.
const NOT_PROSE: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6", "table", "pre"];

/// Built once, like the sanitiser.
static READER: LazyLock<Builder<'static>> = LazyLock::new(build);

fn build() -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(LINE_BREAKING.iter().chain(CELLS).copied().collect())
        .clean_content_tags(CONTENT_DROPPED.iter().copied().collect())
        // No attribute at all, so a tag in the output is `<name>` or `</name>`.
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::new())
        .tag_attribute_values(HashMap::new())
        .set_tag_attribute_values(HashMap::new())
        .link_rel(None)
        .strip_comments(true);
    builder
}

/// Builds the reader now rather than on the first post with raw HTML.
pub(super) fn warm_up() {
    LazyLock::force(&READER);
}

/// What a reader sees of one block of raw HTML.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct VisibleText {
    /// All of it, a line per block-level element, cells of a row on one line.
    pub text: String,
    /// The part that is prose, for the excerpt: `text` without headings,
    /// tables and preformatted text.
    pub prose: String,
}

/// The text a reader sees of the raw HTML `html`, in time linear in its
/// length: HTML nested more than [`MAX_NESTING`] deep, which costs the HTML
/// parser time for every tag, is not parsed and yields no text. (A post with
/// such a block is refused, unless a stray end tag before the block closes
/// enough of it for the whole post to nest less.)
pub(super) fn visible_text(html: &str) -> VisibleText {
    if nesting::depth(html) > MAX_NESTING {
        return VisibleText::default();
    }
    let cleaned = READER.clean(html).to_string();
    let mut text = Lines::default();
    let mut prose = Lines::default();
    // Depths, not flags: the elements nest (a table in a table cell).
    let mut not_prose = 0usize;
    let mut preformatted = 0usize;

    let mut rest = cleaned.as_str();
    loop {
        let open = rest.find('<').unwrap_or(rest.len());
        let run = &rest[..open];
        text.push_text(run, preformatted > 0);
        if not_prose == 0 {
            prose.push_text(run, preformatted > 0);
        }
        let Some(after) = rest.get(open + 1..) else {
            break;
        };
        let close = after.find('>').unwrap_or(after.len());
        let (name, closing) = match after[..close].strip_prefix('/') {
            Some(name) => (name, true),
            None => (&after[..close], false),
        };
        rest = after.get(close + 1..).unwrap_or_default();

        if CELLS.contains(&name) {
            text.break_word();
            prose.break_word();
        } else {
            text.break_line();
            prose.break_line();
        }
        let step = |depth: &mut usize| {
            *depth = if closing {
                depth.saturating_sub(1)
            } else {
                *depth + 1
            };
        };
        if name == "pre" {
            step(&mut preformatted);
        }
        if NOT_PROSE.contains(&name) {
            step(&mut not_prose);
        }
    }
    VisibleText {
        text: text.finish(),
        prose: prose.finish(),
    }
}

/// Text written a line at a time: runs of whitespace collapse to one space
/// (outside preformatted text), as a browser shows them, and a line or word
/// break is written only before the next word, so there are no empty lines
/// and no space at either end.
#[derive(Debug, Default)]
struct Lines {
    text: String,
    pending: Pending,
}

/// What is owed before the next character: the strongest break since it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pending {
    #[default]
    Nothing,
    Space,
    Newline,
}

impl Lines {
    fn break_word(&mut self) {
        self.pending = self.pending.max(Pending::Space);
    }

    fn break_line(&mut self) {
        self.pending = Pending::Newline;
    }

    /// Appends a run of serialised text, decoding the character references
    /// the serialiser writes (`&quot;` only in attributes, but a change of
    /// serialiser would not make it text).
    fn push_text(&mut self, serialised: &str, preformatted: bool) {
        let mut rest = serialised;
        while let Some(amp) = rest.find('&') {
            self.push_decoded(&rest[..amp], preformatted);
            let reference = &rest[amp..];
            let (decoded, len) = [
                ("&amp;", "&"),
                ("&lt;", "<"),
                ("&gt;", ">"),
                ("&quot;", "\""),
                ("&nbsp;", "\u{a0}"),
            ]
            .into_iter()
            .find(|(name, _)| reference.starts_with(name))
            .map_or(("&", 1), |(name, decoded)| (decoded, name.len()));
            self.push_decoded(decoded, preformatted);
            rest = &reference[len..];
        }
        self.push_decoded(rest, preformatted);
    }

    fn push_decoded(&mut self, text: &str, preformatted: bool) {
        for c in text.chars() {
            if c.is_whitespace() && !preformatted {
                self.break_word();
                continue;
            }
            let separator = match self.pending {
                Pending::Nothing => None,
                Pending::Space => Some(' '),
                Pending::Newline => Some('\n'),
            };
            if let Some(separator) = separator {
                // Whitespace a preformatted block ended with.
                self.text.truncate(self.text.trim_end().len());
                if !self.text.is_empty() {
                    self.text.push(separator);
                }
                self.pending = Pending::Nothing;
            }
            self.text.push(c);
        }
    }

    fn finish(mut self) -> String {
        self.text.truncate(self.text.trim_end().len());
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(html: &str) -> String {
        visible_text(html).text
    }

    #[test]
    fn block_level_elements_and_line_breaks_separate_words() {
        assert_eq!(text_of("<p>a</p><p>b</p>"), "a\nb");
        assert_eq!(text_of("<div>one<br>two</div>three"), "one\ntwo\nthree");
        assert_eq!(
            text_of("<ul>\n  <li>one</li>\n  <li>two</li>\n</ul>"),
            "one\ntwo"
        );
        assert_eq!(text_of("<p>hello <b>wor</b>ld</p>"), "hello world");
    }

    #[test]
    fn a_table_reads_a_line_per_row() {
        assert_eq!(
            text_of(
                "<table>\n<tr><th>Name</th><th>Age</th></tr>\n<tr><td>Ann</td><td>42</td></tr>\n</table>"
            ),
            "Name Age\nAnn 42"
        );
    }

    #[test]
    fn character_references_are_decoded_once() {
        assert_eq!(
            text_of(
                "<p>Fish &amp; chips, caf&eacute;, it&#x27;s &lt;b&gt;, a&nbsp;b, &amp;lt;</p>"
            ),
            "Fish & chips, café, it's <b>, a b, &lt;"
        );
        assert_eq!(text_of("<p>&quot;q&quot; &#60;</p>"), "\"q\" <");
    }

    #[test]
    fn content_the_sanitiser_drops_is_not_text() {
        for name in CONTENT_DROPPED {
            let text = text_of(&format!("<div>kept <{name}>hidden</{name}> too</div>"));
            // Nothing ends `<plaintext>`, not even its end tag.
            let expected = if *name == "plaintext" {
                "kept"
            } else {
                "kept too"
            };
            assert_eq!(text, expected, "{name}");
        }
        // Dropped by ammonia itself: SVG and MathML names outside their namespace.
        assert_eq!(text_of("a <mi>x</mi> <g>y</g> b"), "a b");
        assert_eq!(text_of("a <!-- note --> b"), "a b");
    }

    #[test]
    fn attributes_never_become_text() {
        let text = text_of(
            r#"<p title="a > b" class='x' data-x="<p>y</p>">shown <a href="https://example.com/?a>b">link</a></p>"#,
        );
        assert_eq!(text, "shown link");
    }

    #[test]
    fn prose_leaves_out_headings_tables_and_preformatted_text() {
        let read = visible_text(
            "<h2>Title</h2><p>First.</p><table><tr><td>cell</td></tr></table>\
             <pre>let x;\nlet y;</pre><blockquote>Quoted.</blockquote>",
        );
        assert_eq!(read.text, "Title\nFirst.\ncell\nlet x;\nlet y;\nQuoted.");
        assert_eq!(read.prose, "First.\nQuoted.");
    }

    #[test]
    fn html_nested_too_deeply_to_parse_cheaply_has_no_text() {
        let html = format!("{}x", "<div>".repeat(MAX_NESTING + 1));
        assert_eq!(visible_text(&html), VisibleText::default());
        let html = format!("{}x", "<div>".repeat(MAX_NESTING));
        assert_eq!(text_of(&html), "x");
    }
}
