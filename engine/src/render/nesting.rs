//! How deeply a body's HTML nests, measured in one linear pass before the
//! sanitiser runs: HTML tree building costs time proportional to the depth
//! of open elements for every tag, so 50,000 nested blockquotes (`>` × 50,000
//! in Markdown, or `<div>` × 50,000 in raw HTML) take seconds of CPU. No
//! real post nests anywhere near [`MAX_NESTING`] levels.

use std::collections::HashMap;

/// Most elements open inside one another that a body may have.
pub const MAX_NESTING: usize = 256;

/// Elements that never contain others (no end tag).
const VOID: [&str; 13] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];
/// Elements whose end tag may be left out: a new sibling closes them, so they
/// do not nest by repetition.
const OPTIONAL_END: [&str; 12] = [
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rt", "rp", "colgroup",
];

/// The deepest nesting of elements in `html`, as the HTML parser would
/// build it: a start tag of an element that can contain others opens one
/// (`<div/>` too: HTML ignores the slash except in SVG and MathML), an end
/// tag closes the innermost open element of its name and those inside it,
/// and an end tag with no open element of its name (`</x>`) closes nothing.
/// An estimate for raw HTML that leaves tags unclosed (it can only be higher
/// than the tree's real depth), exact for what the Markdown formatter
/// writes; linear in the length of `html`.
pub fn depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let mut open: Vec<String> = Vec::new();
    // How many elements of each name are open, so a stray end tag costs nothing.
    let mut open_by_name: HashMap<String, usize> = HashMap::new();
    // Open `<svg>`/`<math>` elements: inside them `/>` does close a tag.
    let mut foreign = 0usize;
    let (mut deepest, mut at) = (0usize, 0usize);
    while let Some(offset) = bytes[at..].iter().position(|b| *b == b'<') {
        let start = at + offset + 1;
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = start + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        let Some(tag_end) = bytes[name_start..].iter().position(|b| *b == b'>') else {
            break;
        };
        at = name_start + tag_end + 1;
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        if VOID.contains(&name.as_str()) || OPTIONAL_END.contains(&name.as_str()) {
            continue;
        }
        let is_foreign_root = name == "svg" || name == "math";
        if closing {
            if open_by_name.get(&name).copied().unwrap_or(0) == 0 {
                continue;
            }
            while let Some(closed) = open.pop() {
                *open_by_name.entry(closed.clone()).or_default() -= 1;
                if closed == "svg" || closed == "math" {
                    foreign -= 1;
                }
                if closed == name {
                    break;
                }
            }
        } else if !(foreign > 0 && bytes[..at - 1].last() == Some(&b'/')) {
            if is_foreign_root {
                foreign += 1;
            }
            *open_by_name.entry(name.clone()).or_default() += 1;
            open.push(name);
            deepest = deepest.max(open.len());
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_elements_open_inside_one_another() {
        assert_eq!(depth("<p>a</p><p>b</p>"), 0);
        assert_eq!(
            depth("<blockquote><blockquote>x</blockquote></blockquote>"),
            2
        );
        assert_eq!(depth("<div><em>a</em><br><img src=x></div>"), 2);
        assert_eq!(depth(&"<div>".repeat(1000)), 1000);
        assert_eq!(depth("<ul><li>a<li>b</ul>"), 1);
        assert_eq!(depth("1 < 2 and a <- b, x <br/>"), 0);
    }

    #[test]
    fn a_slash_or_a_stray_end_tag_does_not_hide_nesting() {
        // HTML ignores `/>` on a `<div>`, and `</x>` closes nothing.
        assert_eq!(depth(&"<div/>".repeat(300)), 300);
        assert_eq!(depth(&"<div></x>".repeat(300)), 300);
        assert_eq!(depth(&"<q></b>".repeat(300)), 300);
        // An end tag closes the elements opened inside its element too.
        assert_eq!(depth("<div><span><em>a</div><div>b</div>"), 3);
        // Inside SVG a self-closing tag is closed.
        assert_eq!(
            depth(&format!("<svg>{}</svg>", "<path d=\"M0\"/>".repeat(300))),
            1
        );
    }
}
