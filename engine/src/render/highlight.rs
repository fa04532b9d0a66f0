//! Server-side syntax highlighting of fenced code, as CSS classes.
//!
//! Highlighting happens once, when a post is written, with syntect through
//! comrak's plugin. It writes classes (`<span class="hl-keyword …">`), never
//! inline styles, so rendered posts carry no `style` attributes and the site
//! can forbid inline styles in its CSP; [`highlight_css`] is the stylesheet
//! that colours those classes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::sync::LazyLock;

use comrak::adapters::SyntaxHighlighterAdapter;
use comrak::plugins::syntect::{SyntectAdapter, SyntectAdapterBuilder};

/// Prefix of every class the highlighter writes on `<span>`s: one class per
/// atom of the TextMate scope but the language's, so `keyword.control.rust`
/// becomes `hl-keyword hl-control` (see [`compact`]). The sanitiser lets
/// exactly these through.
pub(super) const CLASS_PREFIX: &str = "hl-";

/// Class comrak's syntect adapter puts on the `<pre>` of highlighted code (it
/// is fixed in comrak, not configurable). The stylesheet is scoped to it.
pub(super) const PRE_CLASS: &str = "syntax-highlighting";

/// Code blocks longer than this are not highlighted.
const MAX_HIGHLIGHTED_BYTES: usize = 32 << 10;

/// Loading syntect's syntax set takes far longer than highlighting a post, so
/// it is loaded once per process, on first use or by `warm_up`.
static HIGHLIGHTER: LazyLock<CodeHighlighter> = LazyLock::new(|| CodeHighlighter {
    syntect: SyntectAdapterBuilder::new()
        .css_with_class_prefix(CLASS_PREFIX)
        .build(),
});

/// The highlighter, for comrak's render plugins.
pub(super) fn adapter() -> &'static dyn SyntaxHighlighterAdapter {
    &*HIGHLIGHTER
}

/// comrak's syntect adapter, with one fix: when syntect fails on a block it
/// writes the code unescaped, and that would reach the sanitiser as markup
/// (`<b>` in a code sample would turn bold, `<script>` would vanish). Here the
/// code is escaped instead, so a failed highlight is only a plain one.
struct CodeHighlighter {
    syntect: SyntectAdapter,
}

impl SyntaxHighlighterAdapter for CodeHighlighter {
    fn write_highlighted(
        &self,
        output: &mut dyn Write,
        lang: Option<&str>,
        code: &str,
    ) -> fmt::Result {
        // Unknown languages (and none) are highlighted as syntect's Plain Text:
        // escaped, with no token classes.
        // Highlighting amplifies dense code up to ~70 times; a block this
        // long is shown plain rather than built that large in memory.
        if code.len() > MAX_HIGHLIGHTED_BYTES {
            return comrak::html::escape(output, code);
        }
        let mut highlighted = String::with_capacity(code.len() * 2);
        self.syntect
            .write_highlighted(&mut highlighted, lang, code)?;
        if highlighted == code {
            return comrak::html::escape(output, code);
        }
        output.write_str(&compact(&highlighted))
    }

    fn write_pre_tag(
        &self,
        output: &mut dyn Write,
        attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> fmt::Result {
        self.syntect.write_pre_tag(output, attributes)
    }

    fn write_code_tag(
        &self,
        output: &mut dyn Write,
        attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> fmt::Result {
        self.syntect.write_code_tag(output, attributes)
    }
}

/// Scopes whose spans some stylesheet rule selects (by their first atom,
/// or `meta.function-call`, an ancestor in a rule). Every other span
/// (`source.rust`, `meta.block.rust`, `punctuation.*`, whose colour is the
/// text's or its parent's) is dropped and its text kept.
const STYLED_SCOPES: [&str; 10] = [
    "keyword", "storage", "support", "entity", "variable", "constant", "string", "comment",
    "markup", "invalid",
];

/// syntect's spans, cut down to what the stylesheets colour: highlighted
/// code is most of a code-heavy post's size, and syntect writes a span with
/// every scope atom (`hl-meta hl-block hl-rust`) for each scope of each
/// token. Dropping the spans no rule selects, and the language atom no rule
/// names (`hl-rust`), keeps every colour and cuts dense code from ~70 to
/// ~15 times its size.
fn compact(highlighted: &str) -> String {
    let mut out = String::with_capacity(highlighted.len() / 2);
    // For each open span: whether it was kept.
    let mut open: Vec<bool> = Vec::new();
    let mut language: Option<&str> = None;
    let mut rest = highlighted;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("</span>") {
            if open.pop().unwrap_or(false) {
                out.push_str("</span>");
            }
            rest = after;
        } else if let Some((classes, after)) = rest
            .strip_prefix("<span class=\"")
            .and_then(|tail| tail.split_once("\">"))
        {
            let atoms: Vec<&str> = classes
                .split(' ')
                .map(|class| class.strip_prefix(CLASS_PREFIX).unwrap_or(class))
                .collect();
            // The root scope (`source.rust`, `text.html.basic`) names the language.
            if language.is_none() && matches!(atoms.first(), Some(&("source" | "text"))) {
                language = atoms.last().copied();
            }
            let styled = match atoms.as_slice() {
                ["meta", "function-call", ..] => true,
                [first, ..] => STYLED_SCOPES.contains(first),
                [] => false,
            };
            if styled {
                out.push_str("<span class=\"");
                let kept: Vec<String> = atoms
                    .iter()
                    .enumerate()
                    .filter(|(index, atom)| *index == 0 || Some(**atom) != language)
                    .map(|(_, atom)| format!("{CLASS_PREFIX}{atom}"))
                    .collect();
                out.push_str(&kept.join(" "));
                out.push_str("\">");
            }
            open.push(styled);
            rest = after;
        } else {
            // syntect escapes the code, so no other tag occurs; copy it anyway.
            out.push('<');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Which colours [`highlight_css`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HighlightTheme {
    /// Dark text on a light background.
    Light,
    /// Light text on a dark background.
    Dark,
    /// Light, switching to dark under `prefers-color-scheme: dark`.
    Auto,
}

/// The stylesheet for highlighted code: colours for the `hl-*` classes, scoped
/// to `pre.syntax-highlighting`, for the web app to serve as a static file.
///
/// The palettes follow GitHub's Primer light and dark syntax colours. Only the
/// scope atoms common to syntect's bundled grammars are coloured; everything
/// else inherits the block's text colour.
pub fn highlight_css(theme: HighlightTheme) -> String {
    match theme {
        HighlightTheme::Light => stylesheet(&LIGHT),
        HighlightTheme::Dark => stylesheet(&DARK),
        HighlightTheme::Auto => format!(
            "{}@media (prefers-color-scheme: dark) {{\n{}}}\n",
            stylesheet(&LIGHT),
            stylesheet(&DARK)
        ),
    }
}

/// Colours of one theme, as CSS colour values.
struct Palette {
    background: &'static str,
    text: &'static str,
    comment: &'static str,
    keyword: &'static str,
    string: &'static str,
    constant: &'static str,
    function: &'static str,
    type_name: &'static str,
    tag: &'static str,
    attribute: &'static str,
    invalid: &'static str,
    inserted: &'static str,
    deleted: &'static str,
}

const LIGHT: Palette = Palette {
    background: "#f6f8fa",
    text: "#1f2328",
    comment: "#6e7781",
    keyword: "#cf222e",
    string: "#0a3069",
    constant: "#0550ae",
    function: "#8250df",
    type_name: "#953800",
    tag: "#116329",
    attribute: "#0550ae",
    invalid: "#82071e",
    inserted: "#116329",
    deleted: "#82071e",
};

const DARK: Palette = Palette {
    background: "#161b22",
    text: "#e6edf3",
    comment: "#8b949e",
    keyword: "#ff7b72",
    string: "#a5d6ff",
    constant: "#79c0ff",
    function: "#d2a8ff",
    type_name: "#ffa657",
    tag: "#7ee787",
    attribute: "#79c0ff",
    invalid: "#ffa198",
    inserted: "#aff5b4",
    deleted: "#ffdcd7",
};

/// The rules of one palette. Selectors list scope atoms as compound classes
/// (`.hl-entity.hl-name.hl-function`), so the more specific scope wins over
/// the general one (`.hl-entity`) whatever the order of the rules.
fn stylesheet(palette: &Palette) -> String {
    let rules: [(&[&str], String); 11] = [
        (
            &["comment"],
            format!("color: {}; font-style: italic;", palette.comment),
        ),
        (
            &["keyword", "storage"],
            format!("color: {};", palette.keyword),
        ),
        (&["string"], format!("color: {};", palette.string)),
        (
            &["constant", "variable.language", "support.constant"],
            format!("color: {};", palette.constant),
        ),
        (
            &["entity.name.function", "support.function"],
            format!("color: {};", palette.function),
        ),
        (
            &[
                "entity.name.type",
                "entity.name.class",
                "entity.name.struct",
                "entity.name.enum",
                "entity.other.inherited-class",
                "support.type",
                "support.class",
            ],
            format!("color: {};", palette.type_name),
        ),
        (&["entity.name.tag"], format!("color: {};", palette.tag)),
        (
            &["entity.other.attribute-name"],
            format!("color: {};", palette.attribute),
        ),
        (&["invalid"], format!("color: {};", palette.invalid)),
        (
            &["markup.inserted"],
            format!("color: {};", palette.inserted),
        ),
        (&["markup.deleted"], format!("color: {};", palette.deleted)),
    ];

    let mut css = format!(
        "pre.{PRE_CLASS} {{ background-color: {}; color: {}; }}\n",
        palette.background, palette.text
    );
    for (scopes, declarations) in rules {
        let selectors: Vec<String> = scopes.iter().map(|scope| selector(scope)).collect();
        css.push_str(&format!("{} {{ {declarations} }}\n", selectors.join(", ")));
    }
    css.push_str(&format!(
        "{} {{ font-weight: bold; }}\n{} {{ font-style: italic; }}\n",
        selector("markup.bold"),
        selector("markup.italic")
    ));
    css
}

/// `.syntax-highlighting .hl-entity.hl-name.hl-tag` for `entity.name.tag`.
fn selector(scope: &str) -> String {
    let mut selector = format!(".{PRE_CLASS} ");
    for atom in scope.split('.') {
        selector.push('.');
        selector.push_str(CLASS_PREFIX);
        selector.push_str(atom);
    }
    selector
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlight(lang: Option<&str>, code: &str) -> String {
        let mut html = String::new();
        adapter()
            .write_highlighted(&mut html, lang, code)
            .expect("writing to a String cannot fail");
        html
    }

    #[test]
    fn known_languages_get_prefixed_token_classes() {
        let html = highlight(Some("rust"), "fn main() { let x = \"s\"; } // done\n");
        assert!(!html.contains("hl-source"), "{html}");
        assert!(!html.contains("hl-rust"), "{html}");
        assert!(html.contains("hl-comment"), "{html}");
        assert!(html.contains("hl-string"), "{html}");
        assert!(!html.contains("style="), "{html}");
    }

    #[test]
    fn every_class_the_highlighter_writes_has_the_prefix() {
        let html = highlight(Some("python"), "def f(x):\n    return x * 2  # twice\n");
        for attribute in html.split(r#"class=""#).skip(1) {
            let classes = attribute.split('"').next().unwrap_or_default();
            for class in classes.split(' ') {
                assert!(class.starts_with(CLASS_PREFIX), "{class} in {html}");
            }
        }
    }

    #[test]
    fn code_is_escaped_in_known_and_unknown_languages() {
        for lang in [Some("html"), Some("no-such-language"), Some(""), None] {
            let html = highlight(lang, "<script>alert(\"&\")</script>\n");
            assert!(!html.contains("<script"), "{lang:?}: {html}");
            assert!(html.contains("&lt;"), "{lang:?}: {html}");
            assert!(html.contains("&amp;"), "{lang:?}: {html}");
        }
    }

    #[test]
    fn unknown_languages_fall_back_to_plain_text() {
        let html = highlight(Some("no-such-language"), "fn main() {}\n");
        assert!(!html.contains("hl-rust"), "{html}");
        assert!(!html.contains("hl-keyword"), "{html}");
        assert!(html.contains("fn main() {}"), "{html}");
    }

    #[test]
    fn a_very_long_block_is_escaped_but_not_highlighted() {
        let code = "let x = \"<s>\";\n".repeat(MAX_HIGHLIGHTED_BYTES / 10);
        let html = highlight(Some("rust"), &code);
        assert!(!html.contains("hl-"), "not highlighted");
        assert!(
            html.contains("&lt;s&gt;") && !html.contains("<s>"),
            "escaped"
        );
    }

    #[test]
    fn compacting_keeps_styled_spans_and_their_text_only() {
        let html = compact(concat!(
            r#"<span class="hl-source hl-rust"><span class="hl-meta hl-function hl-rust">"#,
            r#"<span class="hl-storage hl-type hl-function hl-rust">fn</span> "#,
            r#"<span class="hl-entity hl-name hl-function hl-rust">main</span>"#,
            r#"<span class="hl-punctuation hl-section hl-rust">()</span></span></span>"#,
        ));
        assert_eq!(
            html,
            concat!(
                r#"<span class="hl-storage hl-type hl-function">fn</span> "#,
                r#"<span class="hl-entity hl-name hl-function">main</span>()"#,
            )
        );
    }

    #[test]
    fn dense_code_amplifies_far_less() {
        let code = "fn a(){let x=1;} ".repeat(200);
        let html = highlight(Some("rust"), &code);
        let ratio = html.len() as f64 / code.len() as f64;
        assert!(ratio < 20.0, "{ratio:.1}x");
        assert!(html.contains("hl-storage"), "{html}");
    }

    #[test]
    fn pre_tag_carries_the_class_the_stylesheet_is_scoped_to() {
        let mut html = String::new();
        adapter()
            .write_pre_tag(&mut html, HashMap::new())
            .expect("writing to a String cannot fail");
        assert_eq!(html, format!(r#"<pre class="{PRE_CLASS}">"#));
    }

    #[test]
    fn stylesheet_selectors_use_the_prefix_and_the_pre_class() {
        assert_eq!(
            selector("entity.name.tag"),
            ".syntax-highlighting .hl-entity.hl-name.hl-tag"
        );
        let css = highlight_css(HighlightTheme::Light);
        assert!(
            css.contains(
                ".syntax-highlighting .hl-comment { color: #6e7781; font-style: italic; }"
            ),
            "{css}"
        );
        assert!(!css.contains("@media"), "{css}");
    }

    #[test]
    fn auto_stylesheet_switches_to_dark_with_the_system() {
        let css = highlight_css(HighlightTheme::Auto);
        assert!(
            css.starts_with(&highlight_css(HighlightTheme::Light)),
            "{css}"
        );
        assert!(
            css.contains("@media (prefers-color-scheme: dark) {"),
            "{css}"
        );
        assert!(css.contains(&highlight_css(HighlightTheme::Dark)), "{css}");
        assert_eq!(css.matches('{').count(), css.matches('}').count());
    }
}
