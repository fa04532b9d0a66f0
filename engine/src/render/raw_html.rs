//! Keeps raw HTML from hiding the rest of a post.
//!
//! Raw HTML in the Markdown is passed to the sanitiser, but some elements, once
//! opened, take in everything after them until their end tag: `<title>`,
//! `<textarea>`, `<script>` and the other raw-text elements turn the rest of the
//! document into their text, `<template>` and `<select>` into content that is
//! dropped. An author writing "the <title> element" in prose, without
//! backticks, would lose the rest of the post. GFM's tagfilter extension
//! guarded against this; comrak removed it in 0.56, so this module does the
//! job on the AST, before the HTML is formatted:
//!
//! - an opening tag of such an element that is never closed is escaped, and
//!   shows as the text the author typed (as GFM's tagfilter would show it);
//! - inside a paragraph, the Markdown between an opening tag and its end tag,
//!   which the sanitiser drops with the element, is removed from the tree, so
//!   the plain text and excerpt do not contain words the reader never sees.
//!
//! Closed elements are left for the sanitiser to drop, so `<script>…</script>`
//! still disappears rather than showing its source.
//!
//! Once defused, no block of raw HTML hides anything outside itself, which is
//! what lets `html_text` read the visible text of each block on its own.

use comrak::nodes::{AstNode, NodeValue};

use super::sanitize;

/// Rewrites, in place, the raw HTML of the tree rooted at `root`.
pub(super) fn defuse<'a>(root: &'a AstNode<'a>) {
    let raw_nodes: Vec<&'a AstNode<'a>> = root
        .descendants()
        .filter(|node| {
            matches!(
                node.data().value,
                NodeValue::HtmlInline(_) | NodeValue::HtmlBlock(_)
            )
        })
        .collect();

    for node in raw_nodes {
        // Removed already, as the content of an element opened before it.
        if node.parent().is_none() {
            continue;
        }
        let mut as_text = None;
        let inline_opener = match &mut node.data_mut().value {
            NodeValue::HtmlBlock(block) => {
                if is_markup_declaration(&block.literal) {
                    block.literal = block.literal.replace('<', "&lt;");
                } else if let Some(defused) = escape_unclosed_openers(&block.literal) {
                    block.literal = defused;
                }
                None
            }
            NodeValue::HtmlInline(literal) if is_markup_declaration(literal) => {
                as_text = Some(std::mem::take(literal));
                None
            }
            NodeValue::HtmlInline(literal) => {
                for opener in unclosed_comments(literal).into_iter().rev() {
                    literal.replace_range(opener..opener + 1, "&lt;");
                }
                parse_tag(literal)
                    .filter(|tag| !tag.closing && !tag.self_closing)
                    .map(|tag| (tag.name.to_owned(), literal.clone()))
            }
            _ => None,
        };
        if let Some(text) = as_text {
            node.data_mut().value = NodeValue::Text(text.into());
            continue;
        }
        if let Some((name, literal)) = inline_opener {
            match closing_sibling(node, &name) {
                Some(closer) => remove_between(node, closer),
                None if swallows_the_rest(&name) => {
                    node.data_mut().value = NodeValue::Text(literal.into());
                }
                None => {}
            }
        }
    }
}

/// Whether an unclosed `name` hides what follows it. `<svg>` and `<math>` do
/// not: they are foreign content, which the next paragraph breaks out of.
fn swallows_the_rest(name: &str) -> bool {
    !name.eq_ignore_ascii_case("svg") && !name.eq_ignore_ascii_case("math")
}

/// The inline end tag of the element `opener` opens, among its following
/// siblings: an inline element ends within its paragraph or not at all.
fn closing_sibling<'a>(opener: &'a AstNode<'a>, name: &str) -> Option<&'a AstNode<'a>> {
    // `<plaintext>` has no end tag: the HTML parser never leaves it.
    if name.eq_ignore_ascii_case("plaintext") {
        return None;
    }
    let mut depth = 1usize;
    let mut sibling = opener.next_sibling();
    while let Some(node) = sibling {
        if let NodeValue::HtmlInline(literal) = &node.data().value
            && let Some(tag) = parse_tag(literal)
            && tag.name.eq_ignore_ascii_case(name)
        {
            if tag.closing {
                depth -= 1;
                if depth == 0 {
                    return Some(node);
                }
            } else if !tag.self_closing {
                depth += 1;
            }
        }
        sibling = node.next_sibling();
    }
    None
}

/// Detaches the siblings strictly between `first` and `last`.
fn remove_between<'a>(first: &'a AstNode<'a>, last: &'a AstNode<'a>) {
    while let Some(node) = first.next_sibling() {
        if node.same_node(last) {
            break;
        }
        node.detach();
    }
}

/// `html` with the `<` of every unclosed opening tag of a swallowing element
/// escaped, or `None` when there is none. Matching is textual and
/// conservative: an opening tag it cannot pair is escaped, which at worst shows
/// a tag as text, never hides the rest of the post.
fn escape_unclosed_openers(html: &str) -> Option<String> {
    let mut open: Vec<(usize, &str)> = Vec::new();
    // Tags inside a comment are not tags (`<template><!--</template>-->`).
    let mut comment_end = 0;
    for (offset, _) in html.match_indices('<') {
        if offset < comment_end {
            continue;
        }
        if html[offset..].starts_with("<!--") {
            comment_end = html[offset + 4..]
                .find("-->")
                .map_or(html.len(), |end| offset + 4 + end + 3);
            continue;
        }
        let Some(tag) = parse_tag(&html[offset..]) else {
            continue;
        };
        if !swallows_the_rest(tag.name) {
            continue;
        }
        if !tag.closing {
            open.push((offset, tag.name));
        } else if !tag.name.eq_ignore_ascii_case("plaintext")
            && let Some(index) = open
                .iter()
                .rposition(|&(_, name)| name.eq_ignore_ascii_case(tag.name))
        {
            open.remove(index);
        }
    }
    for opener in unclosed_comments(html) {
        open.push((opener, "!--"));
    }
    open.sort_unstable_by_key(|&(offset, _)| offset);
    if open.is_empty() {
        return None;
    }
    let mut escaped = String::with_capacity(html.len() + 3 * open.len());
    let mut copied = 0;
    for (offset, _) in open {
        escaped.push_str(&html[copied..offset]);
        escaped.push_str("&lt;");
        copied = offset + 1;
    }
    escaped.push_str(&html[copied..]);
    Some(escaped)
}

/// Whether `html` is a processing instruction (`<?php … ?>`), a declaration
/// (`<!DOCTYPE …>`) or a CDATA section: Markdown ends them at `?>`, `>` and
/// `]]>`, but the HTML parser at the first `>`, so what Markdown saw as
/// their inside would be live HTML. They are shown as the text they are.
fn is_markup_declaration(html: &str) -> bool {
    let html = html.trim_start();
    html.starts_with("<?") || (html.starts_with("<!") && !html.starts_with("<!--"))
}

/// Where comments open that `html` never closes. Left open, it hides
/// everything after it, in its block and the rest of the post (a comment
/// with its end is one HTML block of its own); it can also hide inside inline
/// HTML, such as a processing instruction (`<?x <!-- ?>`).
fn unclosed_comments(html: &str) -> Vec<usize> {
    // Every opener after the last end (any of them would open the comment).
    let last_end = html.rfind("-->").map_or(0, |end| end + 3);
    html[last_end..]
        .match_indices("<!--")
        .map(|(offset, _)| last_end + offset)
        .collect()
}

/// A start or end tag of an element the sanitiser drops with its content.
#[derive(Debug, PartialEq, Eq)]
struct Tag<'a> {
    name: &'a str,
    closing: bool,
    /// `<svg … />`; only foreign elements honour it, `<script/>` still opens.
    self_closing: bool,
}

/// Reads the tag at the start of `html`, if it is of an element the
/// sanitiser drops with its content (`sanitize::drops_content`). Names are
/// matched as the HTML tokenizer ends them: at whitespace, `/` or `>`,
/// ignoring ASCII case.
fn parse_tag(html: &str) -> Option<Tag<'_>> {
    let rest = html.strip_prefix('<')?;
    let (closing, rest) = match rest.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let name_end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(name_end);
    let is_name = name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !is_name || !sanitize::drops_content(name) {
        return None;
    }
    let self_closing = !closing
        && !swallows_the_rest(name)
        && after
            .split_once('>')
            .is_some_and(|(attributes, _)| attributes.ends_with('/'));
    Some(Tag {
        name,
        closing,
        self_closing,
    })
}

#[cfg(test)]
mod tests {
    use super::super::render;
    use super::*;

    #[test]
    fn an_unclosed_title_in_prose_shows_as_text() {
        let rendered =
            render("The <title> element names the page.\n\nSecond paragraph.\n").expect("renders");
        assert_eq!(
            rendered.html,
            "<p>The &lt;title&gt; element names the page.</p>\n<p>Second paragraph.</p>\n"
        );
        assert_eq!(
            rendered.plain_text,
            "The <title> element names the page.\nSecond paragraph."
        );
    }

    #[test]
    fn an_unclosed_textarea_does_not_hide_later_headings() {
        let rendered = render("Use a <TEXTAREA rows=3> for long input.\n\n## Later\n\nMore.\n")
            .expect("renders");
        assert!(
            rendered
                .html
                .contains("&lt;TEXTAREA rows=3&gt; for long input."),
            "{}",
            rendered.html
        );
        assert!(
            rendered.html.contains(r#"<h2 id="later">"#),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("<p>More.</p>"), "{}", rendered.html);
    }

    #[test]
    fn a_closed_inline_script_is_dropped_from_html_and_plain_text() {
        let rendered =
            render("Inline <script>alert(*1*)</script> done.\n\nNext.\n").expect("renders");
        assert_eq!(rendered.html, "<p>Inline  done.</p>\n<p>Next.</p>\n");
        assert_eq!(rendered.plain_text, "Inline  done.\nNext.");
        assert_eq!(rendered.excerpt, "Inline done. Next.");
    }

    #[test]
    fn an_unclosed_block_iframe_shows_as_text_and_later_blocks_survive() {
        let html = render("<iframe src=\"https://example.com/\">\n\nNext para.\n")
            .expect("renders")
            .html;
        assert!(
            html.contains("&lt;iframe src=\"https://example.com/\"&gt;"),
            "{html}"
        );
        assert!(html.contains("<p>Next para.</p>"), "{html}");
    }

    #[test]
    fn a_closed_block_script_is_still_dropped() {
        let html = render("<script>\nalert(1)\n</script>\n\nAfter.\n")
            .expect("renders")
            .html;
        assert_eq!(html.trim(), "<p>After.</p>");
    }

    #[test]
    fn an_html_block_shows_an_escaped_opener_as_text_and_hides_closed_content() {
        let rendered = render(
            "<div>Use the <title> element.</div>\n\n\
             <div>shown <script>hidden()</script><style>p { }</style> too</div>\n",
        )
        .expect("renders");
        assert!(
            rendered.html.contains("Use the &lt;title&gt; element."),
            "{}",
            rendered.html
        );
        assert_eq!(rendered.plain_text, "Use the <title> element.\nshown too");
        assert_eq!(rendered.excerpt, "Use the <title> element. shown too");
    }

    #[test]
    fn an_opener_left_unclosed_by_its_html_block_hides_nothing_from_the_plain_text() {
        let rendered = render("<div>\n<template>\n\nMarkdown *text*.\n\n</template></div>\n")
            .expect("renders");
        assert!(
            rendered.html.contains("&lt;template&gt;"),
            "{}",
            rendered.html
        );
        assert_eq!(rendered.plain_text, "<template>\nMarkdown text.");
    }

    #[test]
    fn a_self_closed_svg_does_not_pair_with_a_later_end_tag() {
        let rendered = render("a <svg/> kept </svg> b\n").expect("renders");
        assert_eq!(rendered.plain_text, "a  kept  b");
    }

    #[test]
    fn nested_svgs_pair_with_their_own_end_tags() {
        let rendered = render("a <svg><svg>x</svg>y</svg> b\n").expect("renders");
        assert_eq!(rendered.plain_text, "a  b");
    }

    #[test]
    fn an_unclosed_svg_or_mathml_element_name_in_prose_does_not_hide_the_rest() {
        for body in [
            "Before\n\n<g>\n\n## Later\n\nMore.\n",
            "Use a <list> here.\n\n## Later\n\nMore.\n",
        ] {
            let rendered = render(body).expect("renders");
            assert!(
                rendered.html.contains("More."),
                "{body:?}: {}",
                rendered.html
            );
            assert!(rendered.html.contains(r#"id="later""#), "{}", rendered.html);
        }
        // Closed, its content is dropped from the HTML and the plain text alike.
        let rendered = render("a <mi>x</mi> b\n").expect("renders");
        assert!(!rendered.html.contains('x'), "{}", rendered.html);
        assert_eq!(rendered.plain_text, "a  b");
    }

    #[test]
    fn processing_instructions_and_cdata_show_as_text() {
        let rendered =
            render("Run <?php echo 1; ?> and <![CDATA[ x > <mglyph/> ]]> here.\n\n## Later\n")
                .expect("renders");
        assert!(
            rendered.html.contains("&lt;?php echo 1; ?&gt;"),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains(r#"id="later""#), "{}", rendered.html);
        let block = render("<?xml version=\"1.0\"?>\n\n## After\n").expect("renders");
        assert!(block.html.contains("&lt;?xml"), "{}", block.html);
    }

    #[test]
    fn a_comment_left_open_in_an_html_block_does_not_hide_the_rest() {
        let rendered = render("<a>x <!-- note\n\n# Later\n\nMore.\n").expect("renders");
        assert!(rendered.html.contains(r#"id="later""#), "{}", rendered.html);
        assert!(rendered.html.contains("More."), "{}", rendered.html);
        assert_eq!(
            escape_unclosed_openers("<div><!-- a --> b <!-- c"),
            Some("<div><!-- a --> b &lt;!-- c".to_owned())
        );
        assert_eq!(escape_unclosed_openers("<!--\nnotes\n\n-->"), None);
    }

    #[test]
    fn unclosed_openers_in_html_blocks_are_escaped_and_closed_ones_kept() {
        assert_eq!(
            escape_unclosed_openers("<div><style>"),
            Some("<div>&lt;style>".to_owned())
        );
        assert_eq!(
            escape_unclosed_openers("<style>a{}</STYLE><select>"),
            Some("<style>a{}</STYLE>&lt;select>".to_owned())
        );
        assert_eq!(escape_unclosed_openers("<style>a{}</style>"), None);
        // `<g>` outside SVG is dropped with all that follows; inside the
        // (dropped) SVG escaping it changes nothing a reader sees.
        assert_eq!(
            escape_unclosed_openers("<svg><g>"),
            Some("<svg>&lt;g>".to_owned())
        );
        assert_eq!(
            escape_unclosed_openers("<plaintext>x</plaintext>"),
            Some("&lt;plaintext>x</plaintext>".to_owned())
        );
    }

    #[test]
    fn tags_are_read_as_the_html_tokenizer_reads_them() {
        assert_eq!(
            parse_tag("<ScRiPt src=x>"),
            Some(Tag {
                name: "ScRiPt",
                closing: false,
                self_closing: false
            })
        );
        assert_eq!(
            parse_tag("</script >"),
            Some(Tag {
                name: "script",
                closing: true,
                self_closing: false
            })
        );
        assert_eq!(
            parse_tag("<script/>"),
            Some(Tag {
                name: "script",
                closing: false,
                self_closing: false
            })
        );
        assert_eq!(
            parse_tag("<svg width=1 />"),
            Some(Tag {
                name: "svg",
                closing: false,
                self_closing: true
            })
        );
        assert_eq!(parse_tag("<scripts>"), None);
        assert_eq!(parse_tag("<div>"), None);
        assert_eq!(parse_tag("script"), None);
    }
}
