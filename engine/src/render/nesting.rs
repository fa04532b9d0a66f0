//! How deeply a body's HTML nests, measured in one linear pass before the
//! sanitiser runs: HTML tree building costs time proportional to the depth
//! of open elements for every tag, so 50,000 nested blockquotes (`>` × 50,000
//! in Markdown, or `<div>` × 50,000 in raw HTML) take seconds of CPU. No
//! real post nests anywhere near [`MAX_NESTING`] levels.

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

/// The deepest nesting of elements in `html`, counting every start tag that
/// can contain others and every matching end tag. An estimate for raw HTML
/// that leaves tags unclosed (it can only be higher than the tree's real
/// depth), exact for what the Markdown formatter writes.
pub fn depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut deepest, mut at) = (0usize, 0usize, 0usize);
    while let Some(offset) = bytes[at..].iter().position(|b| *b == b'<') {
        let start = at + offset + 1;
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = start + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
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
        if closing {
            depth = depth.saturating_sub(1);
        } else if bytes[..at - 1].last() != Some(&b'/') {
            depth += 1;
            deepest = deepest.max(depth);
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
}
