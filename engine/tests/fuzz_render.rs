//! Bounded fuzzing of the Markdown renderer and its sanitiser (issue 13).
//!
//! Generated Markdown, mixing every kind of syntax the renderer knows with
//! hostile raw HTML, URLs and random text, goes through
//! [`quire_engine::render::render`], and whatever comes out must hold:
//!
//! - rendering never panics, and refuses only for the documented reasons;
//! - the HTML is at most [`MAX_HTML_BYTES`];
//! - read back by the HTML5 tokenizer a browser uses, it has no `<script`, no
//!   event handler, no comment, no element or attribute outside the
//!   sanitiser's allow-list, no class the renderer does not write, and no
//!   `href`/`src` with a scheme other than http(s) (and `mailto:` for links);
//!   sanitised once more, it still passes all of that.
//!
//! Three more promises of `render` get a property each, so a failure of one
//! does not hide the others:
//!
//! - the HTML nests at most [`MAX_NESTING`] elements deep (deeper bodies are
//!   refused before the sanitiser, whose cost grows with the depth);
//! - every table-of-contents anchor is the id of a heading in the HTML;
//! - sanitising the HTML again changes nothing (a fixed point: the tree a
//!   browser builds from it is the tree the sanitiser checked).
//!
//! The checks ask the sanitiser's own allow-list (`render::allows_element`,
//! `render::allows_attribute`) and sanitise again with `render::sanitize`.
//!
//! Runs are deterministic: a fixed seed, a fixed number of cases and no
//! failure persistence, so CI runs the same inputs every time. To explore
//! further locally, change `SEED` (or raise `CASES`) and run
//! `cargo nextest run -p quire-engine fuzz` (every test here, and the request
//! decoding fuzz in `tests/api/fuzz_decoding.rs`, has "fuzz" in its name).

use std::cell::RefCell;
use std::collections::HashSet;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError};
use quire_engine::render::{
    MAX_HTML_BYTES, MAX_NESTING, Refused, Rendered, allows_attribute, allows_element, render,
    sanitize,
};

/// The seed every CI run uses.
const SEED: u64 = 0x5155_4952_4513;

/// Cases of ordinary-sized generated Markdown for the sanitiser's properties.
const CASES: u32 = 256;

/// Cases for each of the other promises.
const PROMISE_CASES: u32 = 128;

/// The most bytes of generated Markdown in one ordinary case.
const MAX_INPUT_BYTES: usize = 8 * 1024;

/// The input limit of a post body.
const MAX_BODY_BYTES: usize = 1 << 20;

/// The deterministic configuration every property here runs with.
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(SEED),
        // A failure shrinks for at most this long (ms) before it is reported.
        max_shrink_time: 20_000,
        max_shrink_iters: 4096,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn fuzzed_markdown_renders_to_bounded_html_the_allow_list_accepts(
        markdown in document(MAX_INPUT_BYTES),
    ) {
        check_render(&markdown)?;
    }
}

proptest! {
    #![proptest_config(config(6))]

    /// A short generated piece repeated up to the input limit: what amplifies
    /// or nests, at the sizes where the bounds matter.
    #[test]
    fn large_repetitive_fuzzed_markdown_stays_within_the_bounds(
        piece in document(512),
        times in 64usize..2048,
    ) {
        let markdown = truncate(piece.repeat(times), MAX_BODY_BYTES);
        if let Some((_, read)) = check_render(&markdown)? {
            check_nesting(&read)?;
        }
    }
}

proptest! {
    #![proptest_config(config(PROMISE_CASES))]

    #[test]
    fn fuzzed_markdown_renders_html_nested_at_most_the_limit_deep(
        markdown in document(MAX_INPUT_BYTES),
    ) {
        if let Some((_, read)) = check_render(&markdown)? {
            check_nesting(&read)?;
        }
    }

    #[test]
    fn every_table_of_contents_entry_of_fuzzed_markdown_links_to_a_heading(
        markdown in document(MAX_INPUT_BYTES),
    ) {
        if let Some((rendered, read)) = check_render(&markdown)? {
            check_table_of_contents(&rendered, &read)?;
        }
    }

    #[test]
    fn sanitising_the_html_of_fuzzed_markdown_again_changes_nothing(
        markdown in document(MAX_INPUT_BYTES),
    ) {
        if let Some((rendered, _)) = check_render(&markdown)? {
            check_fixed_point(&rendered.html)?;
        }
    }
}

/// Inputs built to stress one mechanism each, at the input limit.
#[test]
fn fuzz_corpus_of_adversarial_markdown_stays_within_the_bounds() {
    check_corpus([
        format!("{}x", "<div>".repeat(MAX_NESTING + 10)),
        format!("{} x", "> ".repeat(MAX_NESTING + 10)),
        format!("{}x", "- ".repeat(MAX_NESTING + 10)),
        "[".repeat(200_000),
        "*a **b ".repeat(100_000),
        "`".repeat(300_000),
        "<a href=\"javascript:alert(1)\">".repeat(30_000),
        "![x](javascript:alert(1))".repeat(30_000),
        format!("{}\n\n[^1]: note", "[^1] ".repeat(40_000)),
        format!(
            "|{}\n|{}\n{}",
            "a|".repeat(200),
            ":-:|".repeat(200),
            "x\n".repeat(100_000)
        ),
        "<details open ontoggle=alert(1)><summary>s</summary>".repeat(10_000),
        "&#106;&#x61;&amp;&lt;script&gt;&#0;&#xFFFFFF;".repeat(20_000),
        "```javascript\nalert(1) /* <script> */\n```\n".repeat(20_000),
        "<b><i>".repeat(50_000),
    ]);
}

/// The smallest inputs found breaking a promise (see the tests above), kept
/// as a corpus so each fails fast and plainly until it is fixed.
#[test]
fn fuzz_corpus_of_minimal_findings_keeps_every_promise() {
    check_corpus([
        // An element ammonia drops with its content for its SVG or MathML
        // name, left open, takes the rest of the post with it (and the table
        // of contents lists headings that are gone).
        "Before\n\n<g>\n\n## Later\n\nMore.\n",
        "- > <ol>hello</ol> *<mglyph/>*\n  > \n  > > # hello\n",
        // Unwrapping `<marquee>` leaves a `<p>` inside a `<p>`, which a
        // browser parses into a different tree.
        "> <marquee>*</p>*</marquee>\n",
    ]);
}

/// Raw HTML that opens elements the nesting pre-check does not count: a
/// non-void start tag written `<div/>` (HTML ignores the slash), and a start
/// tag followed by an end tag of another element (HTML ignores a stray end
/// tag). Sanitising such a body costs time quadratic in its depth: 50,000
/// `<div/>` (300 KB) took 30 s in a debug build.
#[test]
fn fuzz_corpus_of_start_tags_the_nesting_check_misses_is_refused() {
    let deeper = MAX_NESTING + 10;
    check_corpus([
        "<div/>".repeat(deeper),
        "<div></x>".repeat(deeper),
        format!("a {}", "<span/>".repeat(deeper)),
        format!("a {}", "<q></b>".repeat(deeper)),
    ]);
}

/// Checks every input of a corpus against every promise, and fails with
/// all that break one.
#[track_caller]
fn check_corpus<S: AsRef<str>>(corpus: impl IntoIterator<Item = S>) {
    let mut failures = Vec::new();
    for markdown in corpus {
        let markdown = truncate(markdown.as_ref().to_owned(), MAX_BODY_BYTES);
        let checked = check_render(&markdown).and_then(|rendered| match rendered {
            Some((rendered, read)) => check_nesting(&read)
                .and_then(|()| check_table_of_contents(&rendered, &read))
                .and_then(|()| check_fixed_point(&rendered.html)),
            None => Ok(()),
        });
        if let Err(failure) = checked {
            failures.push(format!(
                "input ({} bytes) beginning {:?}: {failure}",
                markdown.len(),
                markdown.chars().take(120).collect::<String>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Renders `markdown`; `None` when it is refused for a documented reason.
fn rendered(markdown: &str) -> Result<Option<Rendered>, TestCaseError> {
    match render(markdown) {
        Ok(rendered) => Ok(Some(rendered)),
        Err(Refused::TooDeep { depth }) => {
            prop_assert!(depth > MAX_NESTING, "refused at depth {depth}");
            Ok(None)
        }
        // Too large or too slow: refusing is within the bounds.
        Err(_) => Ok(None),
    }
}

/// Renders `markdown` and checks the bound and the allow-list, on the HTML
/// and on the HTML sanitised once more; returns what was rendered and read,
/// or `None` when the body is refused for a documented reason.
fn check_render(markdown: &str) -> Result<Option<(Rendered, Read)>, TestCaseError> {
    let Some(rendered) = rendered(markdown)? else {
        return Ok(None);
    };
    let html = &rendered.html;
    prop_assert!(
        html.len() <= MAX_HTML_BYTES,
        "{} bytes of HTML, over the {MAX_HTML_BYTES}-byte bound",
        html.len()
    );
    let read = check_allowed(html)?;
    check_allowed(&sanitize(html))?;
    Ok(Some((rendered, read)))
}

/// Checks that HTML a body rendered to (was not refused for) nests at most
/// [`MAX_NESTING`] deep. The sanitiser only removes and unwraps, so the tree
/// it was given nested at least as deep as its output.
fn check_nesting(read: &Read) -> Result<(), TestCaseError> {
    prop_assert!(
        read.depth <= MAX_NESTING,
        "the HTML nests {} elements deep, yet the body was not refused as too deep (at most {MAX_NESTING})",
        read.depth
    );
    Ok(())
}

/// Checks that every table-of-contents entry links to a heading in the HTML.
fn check_table_of_contents(rendered: &Rendered, read: &Read) -> Result<(), TestCaseError> {
    for entry in &rendered.toc {
        prop_assert!(
            read.heading_ids.contains(entry.anchor.as_str()),
            "the table of contents links to #{}, which no heading has, in {:?}",
            entry.anchor,
            rendered.html
        );
    }
    Ok(())
}

/// Checks that sanitising `html` again changes nothing, compared as a
/// browser reads it (tokens, attributes in any order).
fn check_fixed_point(html: &str) -> Result<(), TestCaseError> {
    let again = sanitize(html);
    let (once, twice) = (canonical(html), canonical(&again));
    match (0..once.len().max(twice.len())).find(|&i| once.get(i) != twice.get(i)) {
        None => Ok(()),
        Some(at) => Err(TestCaseError::fail(format!(
            "sanitising the rendered HTML again changed it, from token {at}: {:?} became {:?}\nonce: {html:?}\ntwice: {again:?}",
            once.get(at),
            twice.get(at)
        ))),
    }
}

/// What [`check_allowed`] read from rendered HTML.
struct Read {
    /// The ids of its headings.
    heading_ids: HashSet<String>,
    /// How deeply its elements nest.
    depth: usize,
}

/// Elements on the allow-list that have no end tag.
const VOID: &[&str] = &["br", "hr", "img", "input", "wbr"];

/// Checks `html` token by token against the allow-list.
///
/// The tokenizer runs without a tree builder, so it never switches into the
/// raw-text, RCDATA, script or foreign-content states a browser would enter
/// after `<style>`, `<textarea>`, `<script>`, `<svg>` and the like. None of
/// those is on the allow-list, and the first one seen fails the check, so up
/// to that point the tokens are exactly the ones a browser reads.
fn check_allowed(html: &str) -> Result<Read, TestCaseError> {
    prop_assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "`<script` in {html:?}"
    );
    let mut heading_ids = HashSet::new();
    let (mut depth, mut deepest) = (0usize, 0usize);
    for token in tokens(html) {
        match token {
            Token::TagToken(tag) => {
                let element = &*tag.name;
                prop_assert!(
                    allows_element(element),
                    "element <{element}> is not on the allow-list"
                );
                if tag.kind == TagKind::EndTag {
                    depth = depth.saturating_sub(1);
                    continue;
                }
                if !VOID.contains(&element) {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                for attribute in &tag.attrs {
                    let name = &*attribute.name.local;
                    let value = &*attribute.value;
                    prop_assert!(
                        !name.to_ascii_lowercase().starts_with("on"),
                        "event handler {name}={value:?} on <{element}>"
                    );
                    prop_assert!(
                        allows_attribute(element, name, value),
                        "<{element} {name}={value:?}> is not on the allow-list"
                    );
                    if name == "href" || name == "src" {
                        let scheme = url_scheme(value);
                        let allowed: &[&str] = match (element, name) {
                            ("a", "href") => &["http", "https", "mailto"],
                            _ => &["http", "https"],
                        };
                        prop_assert!(
                            scheme.as_deref().is_none_or(|s| allowed.contains(&s)),
                            "<{element} {name}={value:?}>: scheme {scheme:?}"
                        );
                    }
                    if name == "id" && matches!(element, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
                        heading_ids.insert(value.to_owned());
                    }
                }
            }
            Token::CommentToken(comment) => {
                return Err(TestCaseError::fail(format!(
                    "a comment survived: {comment:?}"
                )));
            }
            Token::DoctypeToken(_) => return Err(TestCaseError::fail("a doctype survived")),
            Token::CharacterTokens(_)
            | Token::NullCharacterToken
            | Token::EOFToken
            | Token::ParseError(_) => {}
        }
    }
    Ok(Read {
        heading_ids,
        depth: deepest,
    })
}

/// One token of HTML, with its attributes sorted and adjacent text joined,
/// for comparing two serialisations of the same tree.
#[derive(Debug, PartialEq, Eq)]
enum Canonical {
    Start(String, Vec<(String, String)>),
    End(String),
    Text(String),
    Other(String),
}

fn canonical(html: &str) -> Vec<Canonical> {
    let mut out = Vec::new();
    for token in tokens(html) {
        match token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => {
                let mut attributes: Vec<(String, String)> = tag
                    .attrs
                    .iter()
                    .map(|a| (a.name.local.to_string(), a.value.to_string()))
                    .collect();
                attributes.sort();
                out.push(Canonical::Start(tag.name.to_string(), attributes));
            }
            Token::TagToken(tag) => out.push(Canonical::End(tag.name.to_string())),
            Token::CharacterTokens(text) => match out.last_mut() {
                Some(Canonical::Text(joined)) => joined.push_str(&text),
                _ => out.push(Canonical::Text(text.to_string())),
            },
            Token::ParseError(_) | Token::EOFToken => {}
            other => out.push(Canonical::Other(format!("{other:?}"))),
        }
    }
    out
}

/// The tokens of `html`, as the HTML5 tokenizer reads them (entities decoded,
/// names lowercased).
fn tokens(html: &str) -> Vec<Token> {
    struct Collect(RefCell<Vec<Token>>);
    impl TokenSink for Collect {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            self.0.borrow_mut().push(token);
            TokenSinkResult::Continue
        }
    }
    let tokenizer = Tokenizer::new(Collect(RefCell::default()), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

/// The scheme of `url` as the WHATWG URL parser finds it (leading and
/// trailing C0 controls and spaces stripped, tabs and newlines removed,
/// ASCII case ignored), or `None` for a relative URL.
fn url_scheme(url: &str) -> Option<String> {
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// `text` cut to at most `limit` bytes, at a character boundary.
fn truncate(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        let mut end = limit;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

// ---------------------------------------------------------------------------
// The grammar: Markdown built from syntax fragments, hostile ones included.

/// URLs for links, images, autolinks and raw attributes: the schemes a
/// sanitiser must refuse, spelled the ways browsers still read them, and
/// benign ones.
const URLS: &[&str] = &[
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\u{1}javascript:alert(1)",
    "java\tscript:alert(1)",
    "java&#x09;script:alert(1)",
    "jav&#x0A;ascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)",
    "javascript&colon;alert(1)",
    "javascript&#58;alert(1)",
    "javascript://%0aalert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:image/svg+xml,<svg onload=alert(1)>",
    "data:image/png;base64,AAAA",
    "livescript:alert(1)",
    "feed:javascript:alert(1)",
    "%6Aavascript:alert(1)",
    "https://example.com/a?b=c&d=e#f",
    "http://example.com",
    "HTTPS://EXAMPLE.COM/",
    "mailto:a@example.com",
    "MAILTO:a@example.com",
    "//evil.example/x",
    "/relative/path.png",
    "#fn-1",
    "#",
    "",
    "x\"onmouseover=\"alert(1)",
    "https://example.com/\"><script>alert(1)</script>",
    "a b",
    "<javascript:alert(1)>",
];

#[rustfmt::skip]
const TAG_NAMES: &[&str] = &[
    // On the allow-list.
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h6", "hr", "i", "img", "input", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
    "wbr",
    // Dropped with their content, or unwrapped.
    "script", "SCRIPT", "ScRiPt", "style", "textarea", "title", "xmp", "iframe", "noembed",
    "noframes", "plaintext", "noscript", "template", "object", "select", "svg", "math", "embed",
    "form", "button", "base", "meta", "link", "frameset", "frame", "marquee", "video", "audio",
    "source", "image", "isindex", "keygen", "applet", "foreignObject", "mglyph", "malignmark",
    "animate", "set", "use", "annotation-xml", "option", "table", "colgroup", "col", "dialog",
    "slot", "portal", "x-y", "custom-element",
];

#[rustfmt::skip]
const ATTRIBUTE_NAMES: &[&str] = &[
    "onclick", "onerror", "onload", "ONMOUSEOVER", "onfocus", "ontoggle", "onbegin",
    "onanimationstart", "onpointerenter", "autofocus", "style", "href", "src", "srcset", "srcdoc",
    "xlink:href", "xmlns", "formaction", "action", "background", "poster", "cite", "data",
    "codebase", "dynsrc", "lowsrc", "ping", "id", "name", "class", "title", "lang", "dir", "type",
    "checked", "disabled", "value", "open", "align", "colspan", "rowspan", "start", "width",
    "height", "alt", "rel", "target", "aria-label", "data-footnote-ref", "data-footnotes",
    "data-x", "is", "tabindex", "contenteditable", "popover", "http-equiv", "content",
];

const CLASS_VALUES: &[&str] = &[
    "hl-keyword",
    "hl-keyword evil",
    "language-rust",
    "language-\"><script>",
    "syntax-highlighting",
    "anchor",
    "footnote-ref",
    "footnote-backref",
    "footnotes",
    "contains-task-list",
    "task-list-item",
    "task-list-item-checkbox",
    "evil",
    "",
];

#[rustfmt::skip]
const CODE_LANGUAGES: &[&str] = &[
    "", "rust", "js", "javascript", "html", "python", "sh", "json", "css", "svg", "xml", "c++",
    "no-such-language", "\"><script>alert(1)</script>", "rust {.class}", "javascript:alert(1)",
];

#[rustfmt::skip]
const ENTITIES: &[&str] = &[
    "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;", "&copy;", "&#106;", "&#x6A;", "&#0;",
    "&#xD800;", "&#x110000;", "&#99999999999;", "&NotAnEntity;", "&amp", "&lt", "&#", "&#x;",
    "&colon;", "&Tab;", "&NewLine;", "&lt;script&gt;", "&#60;script&#62;",
];

/// Words and punctuation that Markdown gives meaning to, plus plain words.
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "hello", "world", "quire", "*", "**", "_", "__", "~", "~~", "`", "``", "[", "]", "(", ")", "<",
    ">", "&", "|", "\\", "!", "#", "-", "+", "=", ":", "\"", "'", "^", "[^", "]:", "![", "](",
    "www.example.com", "https://example.com/x", "a@example.com", "<br>", "</p>", "<!--", "-->",
    "<![CDATA[", "]]>", "<?php", "?>", "\u{a0}", "\u{200b}", "\u{202e}", "\u{feff}", "\t", "\r",
    "\u{1b}", "é", "日本語", "🦀", "a\u{301}",
];

/// NUL-free text: meaningful words and random Unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(WORDS), 1..5).prop_map(|w| w.join(" ")),
        1 => "[^\\x00]{0,12}",
        1 => "[a-zA-Z0-9 ]{1,16}",
    ]
}

fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(URLS).prop_map(str::to_owned),
        1 => ("[a-zA-Z][a-zA-Z0-9+.-]{0,8}", "[^\\x00 ()<>]{0,12}")
            .prop_map(|(scheme, rest)| format!("{scheme}:{rest}")),
    ]
}

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_owned()),
        Just("note".to_owned()),
        "[a-z0-9]{1,6}",
        "[^\\x00\\]\\[\\s]{1,8}",
    ]
}

fn attribute() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        8 => prop::sample::select(ATTRIBUTE_NAMES).prop_map(str::to_owned),
        1 => "on[a-z]{1,10}",
        1 => "[a-zA-Z:-]{1,8}",
    ];
    let value = prop_oneof![
        url(),
        text(),
        prop::sample::select(CLASS_VALUES).prop_map(str::to_owned),
        Just("alert(1)".to_owned()),
        Just("checkbox".to_owned()),
    ];
    (name, value, 0..4u8).prop_map(|(name, value, quoting)| match quoting {
        0 => format!(" {name}=\"{}\"", value.replace('"', "&quot;")),
        1 => format!(" {name}='{}'", value.replace('\'', "&#39;")),
        2 => format!(" {name}={}", value.replace([' ', '>'], "")),
        _ => format!(" {name}"),
    })
}

/// A raw HTML tag: opening (maybe self-closing or unterminated), closing, or
/// one of the other things that start with `<`.
fn raw_tag() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        6 => prop::sample::select(TAG_NAMES).prop_map(str::to_owned),
        1 => "[a-zA-Z][a-zA-Z0-9-]{0,6}",
    ];
    prop_oneof![
        6 => (name.clone(), prop::collection::vec(attribute(), 0..4), 0..6u8).prop_map(
            |(name, attributes, ending)| {
                let attributes = attributes.concat();
                match ending {
                    0 => format!("<{name}{attributes}/>"),
                    1 => format!("<{name}{attributes}"),
                    2 => format!("<{name}{attributes} >"),
                    _ => format!("<{name}{attributes}>"),
                }
            }
        ),
        3 => name.prop_map(|name| format!("</{name}>")),
        1 => text().prop_map(|t| format!("<!--{t}-->")),
        1 => text().prop_map(|t| format!("<![CDATA[{t}]]>")),
        1 => Just("<!DOCTYPE html>".to_owned()),
        1 => text().prop_map(|t| format!("<?{t}?>")),
    ]
}

/// Inline content: text, entities, code spans, autolinks, footnote
/// references and raw tags, nested in emphasis, links and raw elements.
fn inline() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        6 => text(),
        2 => prop::sample::select(ENTITIES).prop_map(str::to_owned),
        1 => text().prop_map(|t| format!("`{t}`")),
        1 => url().prop_map(|u| format!("<{u}>")),
        1 => label().prop_map(|l| format!("[^{l}]")),
        3 => raw_tag(),
    ];
    leaf.prop_recursive(3, 32, 4, |inner| {
        let run = prop::collection::vec(inner, 1..4).prop_map(|parts| parts.concat());
        let title = prop_oneof![
            Just(String::new()),
            text().prop_map(|t| format!(" \"{}\"", t.replace('"', ""))),
        ];
        Union::new_weighted(vec![
            (
                3,
                (
                    prop::sample::select(&["*", "**", "_", "__", "~~", "~", "***"][..]),
                    run.clone(),
                )
                    .prop_map(|(mark, run)| format!("{mark}{run}{mark}"))
                    .boxed(),
            ),
            (
                3,
                (run.clone(), url(), title.clone())
                    .prop_map(|(text, url, title)| format!("[{text}]({url}{title})"))
                    .boxed(),
            ),
            (
                2,
                (run.clone(), url(), title)
                    .prop_map(|(alt, url, title)| format!("![{alt}]({url}{title})"))
                    .boxed(),
            ),
            (
                1,
                (run.clone(), label())
                    .prop_map(|(text, label)| format!("[{text}][{label}]"))
                    .boxed(),
            ),
            (
                3,
                (
                    prop::sample::select(TAG_NAMES),
                    prop::collection::vec(attribute(), 0..3),
                    run.clone(),
                )
                    .prop_map(|(name, attributes, run)| {
                        format!("<{name}{}>{run}</{name}>", attributes.concat())
                    })
                    .boxed(),
            ),
            (
                2,
                prop::collection::vec(run, 1..4)
                    .prop_map(|parts| parts.join(" "))
                    .boxed(),
            ),
        ])
    })
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(inline(), 1..5).prop_map(|parts| parts.join(" ").replace('\n', " "))
}

/// One leaf block of Markdown.
fn leaf_block() -> BoxedStrategy<String> {
    Union::new_weighted(vec![
        (5, line().boxed()),
        (
            2,
            (1..=7usize, line())
                .prop_map(|(level, text)| format!("{} {text}", "#".repeat(level)))
                .boxed(),
        ),
        (
            1,
            (line(), prop::sample::select(&["===", "---"][..]))
                .prop_map(|(text, underline)| format!("{text}\n{underline}"))
                .boxed(),
        ),
        (
            2,
            (
                prop::sample::select(&["```", "~~~", "````"][..]),
                prop::sample::select(CODE_LANGUAGES),
                prop::collection::vec(text(), 0..4),
                any::<bool>(),
            )
                .prop_map(|(fence, language, body, closed)| {
                    let end = if closed { fence } else { "" };
                    format!("{fence}{language}\n{}\n{end}", body.join("\n"))
                })
                .boxed(),
        ),
        (1, text().prop_map(|t| format!("    {t}")).boxed()),
        (2, table().boxed()),
        (
            1,
            (label(), line())
                .prop_map(|(label, text)| format!("[^{label}]: {text}"))
                .boxed(),
        ),
        (
            1,
            (label(), url(), text())
                .prop_map(|(label, url, title)| {
                    format!("[{label}]: {url} \"{}\"", title.replace('"', ""))
                })
                .boxed(),
        ),
        (
            1,
            prop::sample::select(&["***", "---", "___", "- - -"][..])
                .prop_map(str::to_owned)
                .boxed(),
        ),
        (
            2,
            (
                prop::sample::select(TAG_NAMES),
                prop::collection::vec(attribute(), 0..3),
                line(),
                any::<bool>(),
            )
                .prop_map(|(name, attributes, text, closed)| {
                    let attributes = attributes.concat();
                    let end = if closed {
                        format!("</{name}>")
                    } else {
                        String::new()
                    };
                    format!("<{name}{attributes}>\n{text}\n{end}")
                })
                .boxed(),
        ),
        (
            1,
            (line(), line())
                .prop_map(|(summary, body)| {
                    format!("<details open><summary>{summary}</summary>\n\n{body}\n\n</details>")
                })
                .boxed(),
        ),
        (1, raw_tag().boxed()),
    ])
    .boxed()
}

fn table() -> impl Strategy<Value = String> {
    (1..6usize)
        .prop_flat_map(|columns| {
            (
                prop::collection::vec(line(), columns),
                prop::collection::vec(
                    prop::sample::select(&["---", ":--", "--:", ":-:", "-"][..]),
                    columns,
                ),
                prop::collection::vec(prop::collection::vec(line(), 0..=columns + 1), 0..5),
            )
        })
        .prop_map(|(header, alignment, rows)| {
            let row = |cells: &[String]| {
                let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
                format!("| {} |", cells.join(" | "))
            };
            let mut table = format!("{}\n|{}|", row(&header), alignment.join("|"));
            for cells in rows {
                table.push('\n');
                table.push_str(&row(&cells));
            }
            table
        })
}

/// A block, possibly inside blockquotes and list items (task items too).
fn block() -> impl Strategy<Value = String> {
    leaf_block().prop_recursive(3, 16, 3, |inner| {
        let container = prop_oneof![
            Just("> ".to_owned()),
            Just(">".to_owned()),
            Just("- ".to_owned()),
            Just("* ".to_owned()),
            Just("+ ".to_owned()),
            Just("1. ".to_owned()),
            Just("2) ".to_owned()),
            Just("- [ ] ".to_owned()),
            Just("- [x] ".to_owned()),
            Just("* [X] ".to_owned()),
            Just("  ".to_owned()),
        ];
        (container, prop::collection::vec(inner, 1..3)).prop_map(|(marker, blocks)| {
            let indent = if marker.starts_with('>') {
                marker.clone()
            } else {
                " ".repeat(marker.len())
            };
            let mut out = String::new();
            for (index, line) in blocks.join("\n\n").lines().enumerate() {
                out.push_str(if index == 0 { &marker } else { &indent });
                out.push_str(line);
                out.push('\n');
            }
            out
        })
    })
}

/// A whole body of at most `limit` bytes.
fn document(limit: usize) -> impl Strategy<Value = String> {
    let separator = prop::sample::select(&["\n", "\n\n", "\n\n\n", "\r\n", " "][..]);
    prop::collection::vec((block(), separator), 0..24).prop_map(move |blocks| {
        let mut body = String::new();
        for (block, separator) in blocks {
            body.push_str(&block);
            body.push_str(separator);
        }
        truncate(body, limit)
    })
}
