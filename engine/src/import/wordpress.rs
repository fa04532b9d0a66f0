//! WordPress's export format (WXR, Tools → Export), read as a stream, and
//! its bodies made into what Quire stores.
//!
//! [`Export`] reads the file one item at a time with quick-xml, so memory
//! stays flat with the file's size; every field is bounded, since an export
//! is input from elsewhere. [`body_markdown`] keeps a body as HTML rather
//! than converting it to Markdown: WordPress's HTML (tables with attributes,
//! captions, nested lists, embeds) does not convert faithfully, and Quire's
//! renderer sanitises raw HTML like any other. It does on the way in what
//! WordPress does on display (paragraphs from blank lines, `wpautop`), drops
//! Gutenberg's block comments, and turns the common shortcodes into the HTML
//! they stood for.

use std::collections::HashMap;
use std::io::BufRead;

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Longest text of one element (a body, mostly): far beyond any real post.
const FIELD_MAX_BYTES: usize = 16 << 20;
/// Most comments one post may bring.
const COMMENTS_PER_POST_MAX: usize = 100_000;
/// Most categories and tags one post may bring.
const TERMS_PER_POST_MAX: usize = 1_000;

/// The exported site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    pub title: String,
    /// Its address, which names the source of every imported item.
    pub link: String,
    pub language: String,
}

/// An author (`wp:author`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    pub login: String,
    pub email: String,
    pub display_name: String,
}

/// The taxonomies an import keeps; menus and post formats are not content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    Category,
    Tag,
}

/// A category or tag of the site (`wp:category`, `wp:tag`, `wp:term`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub kind: TermKind,
    pub slug: String,
    pub name: String,
}

/// A category or tag of one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostTerm {
    pub kind: TermKind,
    pub slug: String,
    pub name: String,
}

/// A comment (`wp:comment`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub parent_id: i64,
    pub author: String,
    pub email: String,
    pub url: String,
    pub date: Option<DateTime<Utc>>,
    /// As WordPress stores it: text with some HTML.
    pub content: String,
    /// `wp:comment_approved` is "1" (not "0", "spam" or "trash").
    pub approved: bool,
    /// "", "comment", "pingback" or "trackback".
    pub comment_type: String,
}

/// An item: a post, page, attachment, menu item or other post type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    /// "post", "page", "attachment", "nav_menu_item", …
    pub post_type: String,
    /// "publish", "draft", "future", "private", "pending", "trash", "inherit", …
    pub status: String,
    /// Plain text: WordPress titles are HTML (entities, sometimes tags).
    pub title: String,
    /// `wp:post_name`, percent-decoded (non-Latin slugs are exported encoded); may be empty.
    pub slug: String,
    /// The author's login (`dc:creator`).
    pub creator: String,
    /// Its permalink on the old site.
    pub link: String,
    /// `wp:post_date_gmt`, or for a draft (whose GMT date is zero) its local date taken as UTC.
    pub published: Option<DateTime<Utc>>,
    /// `wp:post_modified_gmt`, with the same fallback.
    pub modified: Option<DateTime<Utc>>,
    /// The body, as HTML (`content:encoded`).
    pub html: String,
    /// The hand-written excerpt, as plain text.
    pub excerpt: String,
    pub terms: Vec<PostTerm>,
    /// The featured image's attachment id (`_thumbnail_id`).
    pub thumbnail_id: Option<i64>,
    pub parent_id: i64,
    pub password_protected: bool,
    /// An attachment's file address.
    pub attachment_url: String,
    pub comments: Vec<Comment>,
}

/// What the file contains, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Site(Site),
    Author(Author),
    Term(Term),
    Post(Box<Post>),
}

/// Why an export cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Not well-formed XML.
    #[error("not well-formed XML near byte {position}: {source}")]
    Xml {
        position: u64,
        #[source]
        source: quick_xml::Error,
    },
    /// XML, but not a WordPress export.
    #[error("not a WordPress export (WXR): {0}")]
    NotWordPress(&'static str),
    /// The file ends inside an element.
    #[error("the export ends early, inside <{0}>: the file is truncated")]
    Truncated(String),
    /// A field exceeds its bound.
    #[error("{field} of item {item} is larger than an import accepts")]
    TooLarge { field: String, item: i64 },
}

/// The thing being read.
#[derive(Debug)]
enum Open {
    Nothing,
    Author(Author),
    Term {
        taxonomy: String,
        slug: String,
        name: String,
    },
    Post(Box<Post>),
}

/// Reads an export one item at a time.
pub struct Export<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    /// Names of the open elements, outermost first.
    stack: Vec<String>,
    /// Text of the innermost element so far (references resolved, CDATA as is).
    text: String,
    open: Open,
    comment: Option<Comment>,
    meta: Option<(String, String)>,
    /// The domain and nicename of the `<category>` being read.
    category: Option<(String, String)>,
    site: Site,
    site_sent: bool,
    seen_channel: bool,
    /// An item read while the site was still to be sent.
    pending: Option<Item>,
}

impl<R: BufRead> Export<R> {
    /// An export read from `reader`.
    pub fn new(reader: R) -> Self {
        Self {
            reader: Reader::from_reader(reader),
            buf: Vec::with_capacity(8192),
            stack: Vec::new(),
            text: String::new(),
            open: Open::Nothing,
            comment: None,
            meta: None,
            category: None,
            site: Site::default(),
            site_sent: false,
            seen_channel: false,
            pending: None,
        }
    }

    /// The next thing in the file, in file order: the site first; `None`
    /// at the end.
    pub fn next_item(&mut self) -> Result<Option<Item>, ExportError> {
        if let Some(item) = self.pending.take() {
            return Ok(Some(item));
        }
        loop {
            self.buf.clear();
            let event = self
                .reader
                .read_event_into(&mut self.buf)
                .map_err(|source| ExportError::Xml {
                    position: self.reader.buffer_position(),
                    source,
                })?;
            let item = match event {
                Event::Start(start) => {
                    let name = start.name().as_ref().to_owned();
                    let attributes = category_attributes(&name, &start);
                    self.start(&name, attributes)?;
                    self.stack.push(name);
                    self.text.clear();
                    None
                }
                Event::Empty(start) => {
                    let name = start.name().as_ref().to_owned();
                    let attributes = category_attributes(&name, &start);
                    self.start(&name, attributes)?;
                    self.stack.push(name);
                    self.text.clear();
                    self.end()?
                }
                Event::End(_) => self.end()?,
                Event::Text(text) => {
                    let text = text.xml10_content().into_owned();
                    self.push_text(&text)?;
                    None
                }
                Event::CData(cdata) => {
                    let text = cdata.into_inner().into_owned();
                    self.push_text(&text)?;
                    None
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => quick_xml::escape::resolve_predefined_entity(&reference)
                            .unwrap_or_default()
                            .to_owned(),
                    };
                    self.push_text(&resolved)?;
                    None
                }
                Event::Eof => {
                    if let Some(open) = self.stack.last() {
                        return Err(ExportError::Truncated(open.clone()));
                    }
                    if !self.seen_channel {
                        return Err(ExportError::NotWordPress("it has no <rss><channel>"));
                    }
                    return Ok(self.site_once());
                }
                _ => None,
            };
            if let Some(item) = item {
                return Ok(Some(match self.site_once() {
                    Some(site) => {
                        self.pending = Some(item);
                        site
                    }
                    None => item,
                }));
            }
        }
    }

    /// The site, the first time it is asked for.
    fn site_once(&mut self) -> Option<Item> {
        (!self.site_sent).then(|| {
            self.site_sent = true;
            Item::Site(self.site.clone())
        })
    }

    fn parent(&self) -> &str {
        self.stack.last().map_or("", String::as_str)
    }

    fn start(&mut self, name: &str, category: Option<(String, String)>) -> Result<(), ExportError> {
        let parent = self.parent().to_owned();
        match (parent.as_str(), name) {
            ("", "rss") => {}
            ("", _) => return Err(ExportError::NotWordPress("its root element is not <rss>")),
            ("rss", "channel") => self.seen_channel = true,
            ("channel", "item") => self.open = Open::Post(Box::default()),
            ("channel", "wp:author") => self.open = Open::Author(Author::default()),
            ("channel", "wp:category" | "wp:tag" | "wp:term") => {
                let taxonomy = match name {
                    "wp:category" => "category",
                    "wp:tag" => "post_tag",
                    _ => "",
                };
                self.open = Open::Term {
                    taxonomy: taxonomy.to_owned(),
                    slug: String::new(),
                    name: String::new(),
                };
            }
            ("item", "wp:comment") => self.comment = Some(Comment::default()),
            ("item", "wp:postmeta") => self.meta = Some(Default::default()),
            ("item", "category") => self.category = category,
            _ => {}
        }
        Ok(())
    }

    fn push_text(&mut self, text: &str) -> Result<(), ExportError> {
        if self.text.len() + text.len() > FIELD_MAX_BYTES {
            let item = match &self.open {
                Open::Post(post) => post.id,
                _ => 0,
            };
            return Err(ExportError::TooLarge {
                field: self.parent().to_owned(),
                item,
            });
        }
        self.text.push_str(text);
        Ok(())
    }

    /// Closes the innermost element; answers an item it completes.
    fn end(&mut self) -> Result<Option<Item>, ExportError> {
        let name = self.stack.pop().unwrap_or_default();
        let parent = self.parent().to_owned();
        let text = std::mem::take(&mut self.text);
        match (parent.as_str(), name.as_str()) {
            ("channel", "title") => self.site.title = text.trim().to_owned(),
            ("channel", "link") => self.site.link = text.trim().to_owned(),
            ("channel", "language") => self.site.language = text.trim().to_owned(),
            ("channel", "item" | "wp:author" | "wp:category" | "wp:tag" | "wp:term") => {
                return Ok(match std::mem::replace(&mut self.open, Open::Nothing) {
                    Open::Post(post) => Some(Item::Post(post)),
                    Open::Author(author) => Some(Item::Author(author)),
                    Open::Term {
                        taxonomy,
                        slug,
                        name,
                    } => kind_of(&taxonomy).map(|kind| Item::Term(Term { kind, slug, name })),
                    Open::Nothing => None,
                });
            }
            ("wp:author", field) => {
                if let Open::Author(author) = &mut self.open {
                    match field {
                        "wp:author_login" => author.login = login(&text),
                        "wp:author_email" => author.email = text.trim().to_owned(),
                        "wp:author_display_name" => author.display_name = text.trim().to_owned(),
                        _ => {}
                    }
                }
            }
            ("wp:category" | "wp:tag" | "wp:term", field) => {
                if let Open::Term {
                    taxonomy,
                    slug,
                    name,
                } = &mut self.open
                {
                    match field {
                        "wp:category_nicename" | "wp:tag_slug" | "wp:term_slug" => {
                            *slug = percent_decoded(text.trim());
                        }
                        "wp:cat_name" | "wp:tag_name" | "wp:term_name" => {
                            *name = plain_text(&text);
                        }
                        "wp:term_taxonomy" => *taxonomy = text.trim().to_owned(),
                        _ => {}
                    }
                }
            }
            ("item", "wp:comment") => {
                if let (Some(comment), Open::Post(post)) = (self.comment.take(), &mut self.open) {
                    if post.comments.len() >= COMMENTS_PER_POST_MAX {
                        return Err(ExportError::TooLarge {
                            field: "wp:comment".to_owned(),
                            item: post.id,
                        });
                    }
                    post.comments.push(comment);
                }
            }
            ("wp:comment", field) => {
                if let Some(comment) = &mut self.comment {
                    match field {
                        "wp:comment_id" => comment.id = number(&text),
                        "wp:comment_parent" => comment.parent_id = number(&text),
                        "wp:comment_author" => comment.author = plain_text(&text),
                        "wp:comment_author_email" => comment.email = text.trim().to_owned(),
                        "wp:comment_author_url" => comment.url = text.trim().to_owned(),
                        "wp:comment_date_gmt" => comment.date = comment.date.or(date(&text)),
                        "wp:comment_date" => comment.date = date(&text).or(comment.date),
                        "wp:comment_content" => comment.content = text,
                        "wp:comment_approved" => comment.approved = text.trim() == "1",
                        "wp:comment_type" => comment.comment_type = text.trim().to_owned(),
                        _ => {}
                    }
                }
            }
            ("item", "wp:postmeta") => {
                if let (Some((key, value)), Open::Post(post)) = (self.meta.take(), &mut self.open)
                    && key == "_thumbnail_id"
                {
                    post.thumbnail_id = value.trim().parse().ok();
                }
            }
            ("wp:postmeta", "wp:meta_key") => {
                if let Some(meta) = &mut self.meta {
                    meta.0 = text.trim().to_owned();
                }
            }
            ("wp:postmeta", "wp:meta_value") => {
                if let Some(meta) = &mut self.meta {
                    meta.1 = text;
                }
            }
            ("item", field) => self.post_field(field, text)?,
            _ => {}
        }
        Ok(None)
    }

    fn post_field(&mut self, field: &str, text: String) -> Result<(), ExportError> {
        let Open::Post(post) = &mut self.open else {
            return Ok(());
        };
        match field {
            "title" => post.title = plain_text(&text),
            "link" => post.link = text.trim().to_owned(),
            "dc:creator" => post.creator = login(&text),
            "content:encoded" => post.html = text,
            "excerpt:encoded" => post.excerpt = plain_text(&text),
            "wp:post_id" => post.id = number(&text),
            "wp:post_date_gmt" => post.published = date(&text).or(post.published),
            // The local date, for drafts whose GMT date is zero; a GMT date wins.
            "wp:post_date" => post.published = post.published.or(date(&text)),
            "wp:post_modified_gmt" => post.modified = date(&text).or(post.modified),
            "wp:post_modified" => post.modified = post.modified.or(date(&text)),
            "wp:post_name" => post.slug = percent_decoded(text.trim()),
            "wp:status" => post.status = text.trim().to_owned(),
            "wp:post_type" => post.post_type = text.trim().to_owned(),
            "wp:post_parent" => post.parent_id = number(&text),
            "wp:post_password" => post.password_protected = !text.trim().is_empty(),
            "wp:attachment_url" => post.attachment_url = text.trim().to_owned(),
            "category" => {
                let (domain, slug) = self.category.take().unwrap_or_default();
                if let Some(kind) = kind_of(&domain) {
                    if post.terms.len() >= TERMS_PER_POST_MAX {
                        return Err(ExportError::TooLarge {
                            field: "category".to_owned(),
                            item: post.id,
                        });
                    }
                    post.terms.push(PostTerm {
                        kind,
                        slug: percent_decoded(&slug),
                        name: plain_text(&text),
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A `<category>`'s domain and nicename (other elements: `None`).
fn category_attributes(name: &str, start: &BytesStart) -> Option<(String, String)> {
    (name == "category").then(|| {
        let attribute = |key: &str| {
            start
                .try_get_attribute(key)
                .ok()
                .flatten()
                .and_then(|a| {
                    a.normalized_value(XmlVersion::Implicit1_0)
                        .ok()
                        .map(|v| v.into_owned())
                })
                .unwrap_or_default()
        };
        (attribute("domain"), attribute("nicename"))
    })
}

fn kind_of(taxonomy: &str) -> Option<TermKind> {
    match taxonomy {
        "category" => Some(TermKind::Category),
        "post_tag" => Some(TermKind::Tag),
        _ => None,
    }
}

/// A login as WordPress keeps it (`sanitize_user`): letters, digits, space
/// and `_.-@`. Real exports carry strays (`themereviewteam>`) that name the
/// same author.
fn login(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-' | '@'))
        .collect::<String>()
        .trim()
        .to_owned()
}

fn number(text: &str) -> i64 {
    text.trim().parse().unwrap_or(0)
}

/// A WordPress date ("2012-03-15 21:41:11"); `None` for the zero date drafts have.
fn date(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|naive| naive.and_utc())
}

/// HTML as the text a reader sees (entities decoded, tags gone), on one line.
fn plain_text(html: &str) -> String {
    let text = crate::render::text_of_html(html);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `%ce%b5…` as the text it encodes (invalid UTF-8 replaced).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Elements that start a block: a chunk beginning with one is HTML
/// WordPress leaves as it is, not a paragraph to wrap.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "audio",
    "blockquote",
    "canvas",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "iframe",
    "li",
    "main",
    "map",
    "math",
    "menu",
    "nav",
    "noscript",
    "object",
    "ol",
    "p",
    "picture",
    "pre",
    "script",
    "section",
    "select",
    "style",
    "summary",
    "svg",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "video",
];

/// Elements whose start would make CommonMark end the HTML block at their
/// end tag rather than at a blank line: a body starting with one is wrapped.
const RAW_TEXT_STARTS: &[&str] = &["pre", "script", "style", "textarea"];

/// A WordPress body as the Markdown Quire stores: one CommonMark HTML block
/// (it starts with a block tag and holds no blank line, so the renderer
/// passes all of it to the sanitiser), rendering as WordPress showed it.
pub fn body_markdown(html: &str) -> String {
    let html = shortcodes(&without_block_comments(html));
    let mut chunks: Vec<String> = Vec::new();
    for part in split_pre(&html) {
        match part {
            Part::Pre(pre) => {
                // The block may hold no blank line, yet the preformatted
                // text keeps its own: an empty comment stands on each, which
                // the sanitiser removes, leaving the line empty again.
                let kept: Vec<&str> = pre
                    .split('\n')
                    .map(|line| {
                        if line.trim().is_empty() {
                            "<!---->"
                        } else {
                            line
                        }
                    })
                    .collect();
                chunks.push(kept.join("\n"));
            }
            Part::Flow(text) => {
                for chunk in paragraphs(text) {
                    chunks.push(chunk);
                }
            }
        }
    }
    let body = chunks.join("\n");
    let first_tag = opening_tag_name(body.trim_start());
    let starts_block = first_tag
        .as_deref()
        .is_some_and(|tag| BLOCK_TAGS.contains(&tag) && !RAW_TEXT_STARTS.contains(&tag));
    if body.trim().is_empty() {
        String::new()
    } else if starts_block {
        format!("{}\n", body.trim())
    } else {
        format!("<div>\n{}\n</div>\n", body.trim())
    }
}

/// The lower-cased name of the tag `html` starts with, if it starts with one.
fn opening_tag_name(html: &str) -> Option<String> {
    let rest = html.strip_prefix('<')?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    (!name.is_empty()).then_some(name)
}

/// Drops Gutenberg's block comments (`<!-- wp:image {…} -->`, `<!-- /wp:… -->`)
/// and `<!--nextpage-->`; keeps `<!--more-->`, which ends the excerpt.
fn without_block_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 4..];
        let Some(end) = after.find("-->") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = after[..end].trim();
        let dropped =
            inner.starts_with("wp:") || inner.starts_with("/wp:") || inner.starts_with("nextpage");
        if !dropped {
            out.push_str(&rest[start..start + 4 + end + 3]);
        }
        rest = &after[end + 3..];
    }
    out.push_str(rest);
    out
}

/// Parts of a body: preformatted text, left exactly as it is, and the rest.
enum Part<'a> {
    Pre(&'a str),
    Flow(&'a str),
}

fn split_pre(html: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut rest = html;
    loop {
        let lower = rest.to_ascii_lowercase();
        let Some(start) = find_tag(&lower, "pre") else {
            parts.push(Part::Flow(rest));
            return parts;
        };
        let end = lower[start..]
            .find("</pre>")
            .map_or(rest.len(), |end| start + end + "</pre>".len());
        parts.push(Part::Flow(&rest[..start]));
        parts.push(Part::Pre(&rest[start..end]));
        rest = &rest[end..];
    }
}

/// Where `<name` starts as a tag (followed by `>`, space or `/`) in `lower`.
fn find_tag(lower: &str, name: &str) -> Option<usize> {
    let needle = format!("<{name}");
    let mut from = 0;
    while let Some(at) = lower[from..].find(&needle) {
        let at = from + at;
        match lower.as_bytes().get(at + needle.len()) {
            Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/') | None => return Some(at),
            _ => from = at + needle.len(),
        }
    }
    None
}

/// wpautop: text separated by blank lines becomes paragraphs, single line
/// breaks in them `<br>`; a chunk that starts with a block element stays as
/// it is. A line that is only an address (WordPress embeds those) becomes a
/// link to it.
fn paragraphs(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let flush = |current: &mut Vec<String>, chunks: &mut Vec<String>| {
        if current.is_empty() {
            return;
        }
        let lines = std::mem::take(current);
        let joined = with_line_breaks(&lines);
        if starts_with_block(&lines[0]) {
            chunks.push(joined);
        } else {
            chunks.push(format!("<p>{joined}</p>"));
        }
    };
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            flush(&mut current, &mut chunks);
            continue;
        }
        let trimmed = line.trim();
        if is_bare_url(trimmed) {
            let url = escape(trimmed);
            current.push(format!("<a href=\"{url}\">{url}</a>"));
        } else {
            current.push(line.to_owned());
        }
    }
    flush(&mut current, &mut chunks);
    chunks
}

/// Whether `line` starts with a block element's tag (or a comment).
fn starts_with_block(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("<!--") || block_tag(line.strip_prefix("</").unwrap_or(line))
}

/// Whether `line` ends with a block element's tag (or a comment).
fn ends_with_block(line: &str) -> bool {
    let line = line.trim_end();
    if line.ends_with("-->") {
        return true;
    }
    line.strip_suffix('>')
        .and_then(|head| head.rfind('<').map(|at| &head[at..]))
        .is_some_and(|tag| block_tag(tag.strip_prefix("</").unwrap_or(tag)))
}

/// Whether `tag` (`<name…` or `name…`) names a block element.
fn block_tag(tag: &str) -> bool {
    let tag = tag.strip_prefix('<').unwrap_or(tag);
    opening_tag_name(&format!("<{tag}")).is_some_and(|name| BLOCK_TAGS.contains(&name.as_str()))
}

/// The lines of one chunk joined as wpautop joins them: a line break
/// between two runs of text is `<br>`, one next to a block element's tag is
/// only a line break (`<address>1 Infinite Loop↵Cupertino</address>` keeps
/// its lines; a list does not get breaks between its items).
fn with_line_breaks(lines: &[String]) -> String {
    let mut out = String::new();
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            let previous = &lines[index - 1];
            if ends_with_block(previous) || starts_with_block(line) {
                out.push('\n');
            } else {
                out.push_str("<br>\n");
            }
        }
        out.push_str(line);
    }
    out
}

fn is_bare_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && !text.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The shortcodes whose meaning is HTML: `[caption]` a figure, `[embed]`,
/// `[audio]` and `[video]` a link. Any other stays as the text it is:
/// readers see `[gallery]` rather than nothing.
fn shortcodes(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('[') {
        out.push_str(&rest[..start]);
        let candidate = &rest[start..];
        match shortcode(candidate) {
            Some((html, used)) => {
                out.push_str(&html);
                rest = &candidate[used..];
            }
            None => {
                out.push('[');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The HTML of the shortcode `text` starts with, and its length in bytes.
fn shortcode(text: &str) -> Option<(String, usize)> {
    let name: String = text[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !matches!(
        name.as_str(),
        "caption" | "wp_caption" | "embed" | "audio" | "video"
    ) {
        return None;
    }
    let open_end = text.find(']')?;
    let attributes = shortcode_attributes(&text[1 + name.len()..open_end]);
    let closing = format!("[/{name}]");
    let (content, used) = match text[open_end + 1..].find(&closing) {
        Some(at) => (
            &text[open_end + 1..open_end + 1 + at],
            open_end + 1 + at + closing.len(),
        ),
        None if name == "audio" || name == "video" => ("", open_end + 1),
        None => return None,
    };
    let html = match name.as_str() {
        "caption" | "wp_caption" => {
            let content = content.trim();
            let media_end = if content.starts_with("<a") {
                content.find("</a>").map(|at| at + 4)
            } else if content.starts_with("<img") {
                content.find('>').map(|at| at + 1)
            } else {
                None
            }?;
            let (media, caption) = content.split_at(media_end);
            let caption = match caption.trim() {
                "" => attributes.get("caption").cloned().unwrap_or_default(),
                text => text.to_owned(),
            };
            format!("<figure>{media}<figcaption>{caption}</figcaption></figure>")
        }
        "embed" => {
            let url = content.trim();
            if !is_bare_url(url) {
                return None;
            }
            let url = escape(url);
            format!("<p><a href=\"{url}\">{url}</a></p>")
        }
        _ => {
            let url = [
                "src", "mp4", "m4v", "webm", "ogv", "mp3", "m4a", "ogg", "wav",
            ]
            .iter()
            .find_map(|key| attributes.get(*key))
            .filter(|url| is_bare_url(url))?;
            let url = escape(url);
            let kind = if name == "audio" { "Audio" } else { "Video" };
            format!("<p><a href=\"{url}\">{kind}: {url}</a></p>")
        }
    };
    Some((html, used))
}

/// `key="value" key='value' key=value` of a shortcode.
fn shortcode_attributes(text: &str) -> HashMap<String, String> {
    let mut attributes = HashMap::new();
    let mut rest = text.trim();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let (value, next) = match after.chars().next() {
            Some(quote @ ('"' | '\'')) => match after[1..].find(quote) {
                Some(end) => (&after[1..1 + end], &after[end + 2..]),
                None => (&after[1..], ""),
            },
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        let key = key
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or_default()
            .to_owned();
        attributes.insert(key, value.to_owned());
        rest = next.trim_start();
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::PathBuf;

    /// The Theme Unit Test export (see `engine/tests/api/imports.rs`).
    fn corpus() -> PathBuf {
        let corpora = std::env::var_os("QUIRE_CORPORA").map_or_else(
            || {
                let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora");
                if beside.is_dir() {
                    beside
                } else {
                    PathBuf::from("/work/shared/corpora")
                }
            },
            PathBuf::from,
        );
        corpora.join("wordpress/themeunittestdata.wordpress.xml")
    }

    fn read_all(xml: &str) -> Result<Vec<Item>, ExportError> {
        let mut export = Export::new(xml.as_bytes());
        let mut items = Vec::new();
        while let Some(item) = export.next_item()? {
            items.push(item);
        }
        Ok(items)
    }

    #[test]
    fn the_theme_unit_test_export_reads_whole() {
        let file = std::fs::File::open(corpus()).expect("the shared corpora (QUIRE_CORPORA)");
        let mut export = Export::new(std::io::BufReader::new(file));
        let mut site = None;
        let (mut authors, mut terms, mut comments) = (0, 0, 0);
        let mut kinds: HashMap<(String, String), usize> = HashMap::new();
        let mut posts = HashMap::new();
        while let Some(item) = export.next_item().unwrap() {
            match item {
                Item::Site(found) => site = Some(found),
                Item::Author(_) => authors += 1,
                Item::Term(_) => terms += 1,
                Item::Post(post) => {
                    comments += post.comments.len();
                    *kinds
                        .entry((post.post_type.clone(), post.status.clone()))
                        .or_default() += 1;
                    posts.insert(post.slug.clone(), post);
                }
            }
        }
        assert_eq!(site.unwrap().link, "https://wpthemetestdata.wordpress.com");
        assert_eq!(authors, 2);
        assert!(terms > 0);
        assert_eq!(comments, 33);
        let count = |kind: &str, status: &str| kinds[&(kind.to_owned(), status.to_owned())];
        assert_eq!(count("post", "publish"), 56);
        assert_eq!(count("post", "future"), 1);
        assert_eq!(count("post", "draft"), 1);
        assert_eq!(count("page", "publish"), 21);
        assert_eq!(count("attachment", "inherit"), 37);
        assert_eq!(count("nav_menu_item", "publish"), 70);

        let special = &posts["title-with-special-characters"];
        assert_eq!(
            special.title,
            "Markup: Title With Special Characters ~`!@#$%^&*()-_=+{}[]/\\;:'\"?,.>"
        );
        assert!(
            posts.contains_key("επίπεδο-2"),
            "a Greek slug is percent-decoded"
        );
        let more = &posts["template-more-tag"];
        assert_eq!(
            more.published,
            Some(
                DateTime::parse_from_rfc3339("2012-03-15T21:41:11Z")
                    .unwrap()
                    .to_utc()
            )
        );
        assert!(body_markdown(&more.html).contains("<!--more-->"));
        assert!(
            more.terms
                .iter()
                .any(|t| t.kind == TermKind::Tag && t.name == "read more")
        );
        let caption = body_markdown(&posts["post-format-image-caption"].html);
        assert!(caption.contains("<figcaption>"), "{caption}");
        assert!(posts["template-password-protected"].password_protected);
    }

    #[test]
    fn classic_paragraphs_and_line_breaks_become_html_in_one_block() {
        let body = body_markdown(
            "First line\nsecond line\n\n\nNext paragraph with *stars*\n\n<h2>Heading</h2>\n\nhttps://www.youtube.com/watch?v=x\n",
        );
        assert_eq!(
            body,
            "<p>First line<br>\nsecond line</p>\n<p>Next paragraph with *stars*</p>\n<h2>Heading</h2>\n<p><a href=\"https://www.youtube.com/watch?v=x\">https://www.youtube.com/watch?v=x</a></p>\n"
        );
        assert!(body.lines().all(|line| !line.trim().is_empty()));
    }

    #[test]
    fn line_breaks_inside_blocks_are_kept_and_between_blocks_are_not() {
        let body = body_markdown(
            "<address>1 Infinite Loop\nCupertino</address>\n<ul>\n<li>One</li>\n<li>Two</li>\n</ul>",
        );
        assert_eq!(
            body,
            "<address>1 Infinite Loop<br>\nCupertino</address>\n<ul>\n<li>One</li>\n<li>Two</li>\n</ul>\n"
        );
    }

    #[test]
    fn block_comments_go_and_the_more_marker_stays() {
        let body = body_markdown(
            "<!-- wp:paragraph -->\n<p>One</p>\n<!-- /wp:paragraph -->\n\n<!--more-->\n\n<!-- wp:image {\"id\":5} /-->\n<p>Two</p>",
        );
        assert_eq!(body, "<p>One</p>\n<!--more-->\n<p>Two</p>\n");
    }

    #[test]
    fn preformatted_text_keeps_its_blank_lines_in_one_block() {
        let body = body_markdown("<pre>a\n\n  b</pre>\n\nAfter");
        assert!(body.starts_with("<div>\n"), "{body}");
        assert!(body.lines().all(|line| !line.trim().is_empty()), "{body}");
        assert!(body.contains("<pre>a\n<!---->\n  b</pre>"), "{body}");
        let rendered = crate::render::render_until(
            &body,
            &crate::render::Library::default(),
            std::time::Instant::now() + std::time::Duration::from_secs(10),
        )
        .unwrap();
        assert!(
            rendered.html.contains("<pre>a\n\n  b</pre>"),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("<p>After</p>"), "{}", rendered.html);
    }

    #[test]
    fn captions_become_figures_and_other_shortcodes_stay_readable() {
        let body = body_markdown(
            "[caption id=\"a\" align=\"alignnone\" width=\"300\"]<img src=\"https://e.com/i.jpg\" alt=\"x\" /> A caption[/caption]\n\n[gallery ids=\"1,2\"]\n\n[video mp4=\"https://e.com/v.mp4\"][/video]",
        );
        assert!(
            body.contains("<figure><img src=\"https://e.com/i.jpg\" alt=\"x\" /><figcaption>A caption</figcaption></figure>"),
            "{body}"
        );
        assert!(body.contains("<p>[gallery ids=\"1,2\"]</p>"), "{body}");
        assert!(
            body.contains("<a href=\"https://e.com/v.mp4\">Video: https://e.com/v.mp4</a>"),
            "{body}"
        );
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        assert!(matches!(
            read_all("not xml at all"),
            Err(ExportError::NotWordPress(_)) | Err(ExportError::Xml { .. })
        ));
        assert!(matches!(
            read_all("<html><body/></html>"),
            Err(ExportError::NotWordPress(_))
        ));
        assert!(matches!(
            read_all("<rss><channel><item><title>cut"),
            Err(ExportError::Truncated(_))
        ));
        assert!(matches!(
            read_all("<rss></rss>"),
            Err(ExportError::NotWordPress(_))
        ));
        let items = read_all("<rss><channel><link>https://x.example</link><item><wp:post_id>7</wp:post_id><title>A &amp; B</title></item></channel></rss>").unwrap();
        assert_eq!(items.len(), 2);
        let Item::Post(post) = &items[1] else {
            panic!("{items:?}")
        };
        assert_eq!((post.id, post.title.as_str()), (7, "A & B"));
    }
}
