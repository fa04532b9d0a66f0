//! WordPress's export format (WXR 1.2, Tools → Export), read as a stream,
//! and its bodies made into what Quire stores.
//!
//! [`Export`] reads the file one item at a time with quick-xml, so memory
//! stays flat with the file's size; and bounded whatever the file holds,
//! because an export is input from elsewhere: no XML token, field or item
//! may outgrow its limit ([`ExportError::TooLarge`]), a post brings at most
//! [`COMMENTS_PER_POST_MAX`] comments and [`TERMS_PER_POST_MAX`] terms, and
//! elements nest at most [`DEPTH_MAX`] deep. Elements are matched by the
//! prefixed names WordPress writes (`wp:post_id`, `content:encoded`), which
//! every WXR file declares alike; anything else is skipped with its children.
//!
//! # Bodies
//!
//! A body is kept as HTML, not converted to Markdown: WordPress's HTML
//! (tables with attributes, captions, nested lists, embeds) does not convert
//! faithfully, and Quire's renderer sanitises raw HTML like any other. It is
//! still stored as Markdown, in which raw HTML passes through only as an
//! HTML block, and a CommonMark HTML block ends at its first blank line: so
//! [`body_markdown`] makes the whole body one block that starts with a block
//! tag and holds no blank line. On the way it does what WordPress does when
//! it shows a post (`wpautop`: paragraphs from blank lines, line breaks from
//! single newlines; `<pre>` untouched), drops Gutenberg's block comments
//! (keeping `<!--more-->`, where the renderer ends the excerpt), and turns
//! the shortcodes whose meaning is HTML into that HTML (`[caption]` a
//! figure, embeds and media links); any other shortcode stays as the text it
//! is, so readers see `[gallery]` rather than nothing.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, BufRead, Read};
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::errors::SyntaxError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Longest body, excerpt or comment: far beyond any real post.
pub const CONTENT_MAX_BYTES: usize = 16 << 20;
/// Longest of any other field (a title, a name, a slug, an address).
pub const FIELD_MAX_BYTES: usize = 1 << 20;
/// Most text one item may hold, its comments included: what bounds the
/// memory of reading one item.
pub const ITEM_MAX_BYTES: usize = 64 << 20;
/// Most comments one post may bring.
pub const COMMENTS_PER_POST_MAX: usize = 100_000;
/// Most categories and tags one post may bring.
pub const TERMS_PER_POST_MAX: usize = 1_000;
/// Deepest nesting of elements: WXR needs five levels; quick-xml remembers
/// every open element, so depth is memory.
pub const DEPTH_MAX: usize = 64;
/// Longest single XML token (a text run, a CDATA section, a tag): quick-xml
/// reads a whole token into memory before answering it, so this is what
/// keeps one huge token from being read whole before a field's limit could
/// refuse it.
const TOKEN_MAX_BYTES: usize = CONTENT_MAX_BYTES + (1 << 20);

/// The exported site (the channel's own fields).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    /// The site's name, as plain text.
    pub title: String,
    /// Its address, which names the source of every item imported from it.
    pub link: String,
    /// Its language ("en", "en-US"), as WordPress wrote it.
    pub language: String,
}

/// An author of the site (`wp:author`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Author {
    /// The login posts name their author by (`dc:creator`), cleaned the way
    /// WordPress's importer cleans it.
    pub login: String,
    /// As exported; may be empty.
    pub email: String,
    /// The name shown, as plain text.
    pub display_name: String,
}

/// The taxonomies an import keeps; the others (menus, post formats) are
/// site structure, not content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermKind {
    /// `category`
    Category,
    /// `post_tag`
    Tag,
}

/// A category or tag of the site (`wp:category`, `wp:tag`, or `wp:term`
/// of taxonomy `category` or `post_tag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Category or tag.
    pub kind: TermKind,
    /// Percent-decoded (non-Latin slugs are exported encoded).
    pub slug: String,
    /// As plain text.
    pub name: String,
}

/// A category or tag of one post (`<category domain="…" nicename="…">`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostTerm {
    /// Category (`domain="category"`) or tag (`domain="post_tag"`).
    pub kind: TermKind,
    /// The `nicename`, percent-decoded.
    pub slug: String,
    /// As plain text.
    pub name: String,
}

/// A comment on a post (`wp:comment`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comment {
    /// `wp:comment_id`; 0 when missing.
    pub id: i64,
    /// The comment this one answers; 0 for none.
    pub parent_id: i64,
    /// The commenter's name, as plain text.
    pub author: String,
    /// As exported; may be empty.
    pub email: String,
    /// The commenter's website; may be empty.
    pub url: String,
    /// `wp:comment_date_gmt`, else `wp:comment_date` taken as UTC.
    pub date: Option<DateTime<Utc>>,
    /// As WordPress stores it: text with some HTML.
    pub content: String,
    /// `wp:comment_approved` is "1" (not "0", "spam" or "trash").
    pub approved: bool,
    /// "", "comment", "pingback" or "trackback".
    pub comment_type: String,
}

/// An item of the export: a post, page, attachment, menu item or any other
/// post type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Post {
    /// `wp:post_id`; 0 when missing.
    pub id: i64,
    /// "post", "page", "attachment", "nav_menu_item", …
    pub post_type: String,
    /// "publish", "draft", "future", "private", "pending", "trash", "inherit", …
    pub status: String,
    /// Plain text: WordPress titles are HTML (references, sometimes tags).
    pub title: String,
    /// `wp:post_name`, percent-decoded; may be empty (drafts).
    pub slug: String,
    /// The author's login (`dc:creator`), cleaned as [`Author::login`] is.
    pub creator: String,
    /// Its permalink on the old site (`<link>`).
    pub link: String,
    /// `wp:post_date_gmt`; for a draft, whose GMT date is zero, its local
    /// `wp:post_date` taken as UTC; `None` when neither is a date.
    pub published: Option<DateTime<Utc>>,
    /// `wp:post_modified_gmt`, with the same fallback.
    pub modified: Option<DateTime<Utc>>,
    /// The body as WordPress stores it (`content:encoded`); see
    /// [`body_markdown`].
    pub html: String,
    /// The hand-written excerpt (`excerpt:encoded`), as plain text.
    pub excerpt: String,
    /// Its categories and tags, in file order.
    pub terms: Vec<PostTerm>,
    /// The attachment that is its featured image (`_thumbnail_id`).
    pub thumbnail_id: Option<i64>,
    /// The page or post it belongs to (`wp:post_parent`); 0 for none.
    pub parent_id: i64,
    /// Whether it has a password (`wp:post_password`), which Quire cannot
    /// ask readers for.
    pub password_protected: bool,
    /// An attachment's file address (`wp:attachment_url`); else empty.
    pub attachment_url: String,
    /// Its comments, in file order.
    pub comments: Vec<Comment>,
}

/// What an export holds, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// The site, once, before anything else.
    Site(Site),
    /// An author.
    Author(Author),
    /// A category or tag.
    Term(Term),
    /// A post of any type (boxed: it is far larger than the others).
    Post(Box<Post>),
}

/// Why an export cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the file failed (the disk or the network, not its content).
    #[error("reading the export failed at byte {position}: {source}")]
    Unreadable {
        /// Where reading stopped.
        position: u64,
        /// What the reader said.
        #[source]
        source: Arc<io::Error>,
    },
    /// Not well-formed XML, or not XML at all.
    #[error("the export is not well-formed XML (at byte {position}): {reason}")]
    NotXml {
        /// Where the XML went wrong.
        position: u64,
        /// What is wrong there.
        reason: String,
    },
    /// Well-formed XML, but not a WordPress export.
    #[error("not a WordPress export (WXR): {reason}")]
    NotWordPress {
        /// What the file is instead.
        reason: String,
    },
    /// The file ends before its elements do.
    #[error(
        "the export ends at byte {position} before its elements are closed: the file is truncated"
    )]
    Truncated {
        /// Where the file ends.
        position: u64,
    },
    /// A field, a token or an item is larger than an import accepts.
    #[error("{field} of {} is larger than the {limit} bytes an import accepts (at byte {position})", item_named(*.post_id))]
    TooLarge {
        /// The element (`content:encoded`), or "item" for the item as a whole.
        field: String,
        /// The post it belongs to, when its id was read before.
        post_id: Option<i64>,
        /// The limit it exceeds.
        limit: usize,
        /// Where in the file.
        position: u64,
    },
    /// A post brings more comments or terms than an import accepts.
    #[error("{} has more than {limit} {what}", item_named(*.post_id))]
    TooMany {
        /// "comments" or "categories and tags".
        what: &'static str,
        /// The post, when its id was read before.
        post_id: Option<i64>,
        /// The limit it exceeds.
        limit: usize,
    },
    /// Elements nest deeper than [`DEPTH_MAX`].
    #[error("elements nest more than {DEPTH_MAX} deep at byte {position}")]
    TooDeep {
        /// Where in the file.
        position: u64,
    },
}

/// Which item an error is about, for its message.
fn item_named(post_id: Option<i64>) -> String {
    match post_id {
        Some(id) => format!("post {id}"),
        None => "an item".to_owned(),
    }
}

/// Reads an export one item at a time; memory stays flat with the file's
/// size (one item is held at a time, and every part of it is bounded).
pub struct Export<R: BufRead> {
    xml: Reader<TokenBudget<R>>,
    buf: Vec<u8>,
    /// Elements open, counted rather than named: quick-xml checks that each
    /// end tag matches its start.
    depth: usize,
    /// An empty element (`<wp:post_password/>`) was answered as opened: its
    /// close is answered next.
    close_next: bool,
    stage: Stage,
    site: Site,
    site_sent: bool,
    /// An item read while the site was still to be answered.
    queued: Option<Item>,
    /// The element opened last, which names the field in errors.
    element: String,
    /// What the item being read has taken so far, for its limits.
    item: Option<ItemBudget>,
}

/// How far into the document the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before the root element.
    Prolog,
    /// In `<rss>`, before `<channel>`.
    Rss,
    /// In `<channel>`, where the site's items are.
    Channel,
    /// After `</channel>`, in `<rss>`.
    AfterChannel,
    /// After `</rss>`.
    Done,
}

/// The item being read: which post (once its id is known) and how much
/// text it holds.
#[derive(Debug, Clone, Copy, Default)]
struct ItemBudget {
    post_id: Option<i64>,
    bytes: usize,
}

/// One step through the document, owned, so the reader's buffer is free
/// again.
#[derive(Debug)]
enum Node {
    /// An element starts. Attributes are read only for `<category>`, the
    /// one element whose attributes an import needs.
    Open {
        name: String,
        attributes: Vec<(String, String)>,
    },
    /// The innermost open element ends.
    Close,
    /// Character data: text, a CDATA section or a resolved reference.
    Text(String),
    /// The end of the file.
    End,
}

/// A child element: its name and (for `<category>`) attributes.
type Child = (String, Vec<(String, String)>);

impl<R: BufRead> Export<R> {
    /// An export read from `reader`.
    pub fn new(reader: R) -> Self {
        let mut xml = Reader::from_reader(TokenBudget {
            inner: reader,
            used: 0,
        });
        // Exports made by plugins carry a stray `&` now and then ("AT&T");
        // it is the text it looks like.
        xml.config_mut().allow_dangling_amp = true;
        Self {
            xml,
            buf: Vec::with_capacity(8 << 10),
            depth: 0,
            close_next: false,
            stage: Stage::Prolog,
            site: Site::default(),
            site_sent: false,
            queued: None,
            element: String::new(),
            item: None,
        }
    }

    /// The next thing in the file, in file order, the site first; `Ok(None)`
    /// at the end.
    pub fn next_item(&mut self) -> Result<Option<Item>, ExportError> {
        if let Some(item) = self.queued.take() {
            return Ok(Some(item));
        }
        loop {
            if self.stage == Stage::Done {
                return Ok(None);
            }
            let node = self.next_node()?;
            match self.stage {
                Stage::Prolog => match node {
                    Node::Open { name, .. } if name == "rss" => self.stage = Stage::Rss,
                    Node::Open { name, .. } => {
                        return Err(ExportError::NotWordPress {
                            reason: format!("the document is <{name}>, not an RSS feed (<rss>)"),
                        });
                    }
                    Node::Text(text) if text.trim().is_empty() => {}
                    Node::Text(_) | Node::Close => {
                        return Err(ExportError::NotXml {
                            position: self.xml.buffer_position(),
                            reason: "text where the document should start".to_owned(),
                        });
                    }
                    Node::End => {
                        return Err(ExportError::NotWordPress {
                            reason: "the file has no elements".to_owned(),
                        });
                    }
                },
                Stage::Rss => match node {
                    Node::Open { name, .. } if name == "channel" => self.stage = Stage::Channel,
                    Node::Open { .. } => self.skip()?,
                    Node::Text(_) => {}
                    Node::Close => {
                        return Err(ExportError::NotWordPress {
                            reason: "the feed has no <channel>".to_owned(),
                        });
                    }
                    Node::End => return Err(self.truncated()),
                },
                Stage::Channel => match node {
                    Node::Open { name, .. } => {
                        if let Some(item) = self.channel_child(&name)? {
                            return Ok(Some(self.after_site(item)));
                        }
                    }
                    Node::Text(_) => {}
                    Node::Close => {
                        self.stage = Stage::AfterChannel;
                        if !self.site_sent {
                            self.site_sent = true;
                            return Ok(Some(Item::Site(std::mem::take(&mut self.site))));
                        }
                    }
                    Node::End => return Err(self.truncated()),
                },
                Stage::AfterChannel => match node {
                    Node::Open { .. } => self.skip()?,
                    Node::Text(_) => {}
                    Node::Close => self.stage = Stage::Done,
                    Node::End => return Err(self.truncated()),
                },
                Stage::Done => return Ok(None),
            }
        }
    }

    /// Reads the child `name` of `<channel>`: the site's fields, or an item.
    fn channel_child(&mut self, name: &str) -> Result<Option<Item>, ExportError> {
        match name {
            "title" => self.site.title = plain_line(&self.read_text(name, FIELD_MAX_BYTES)?),
            "link" => self.site.link = self.scalar(name)?,
            "language" => self.site.language = self.scalar(name)?,
            "wp:author" => return Ok(Some(Item::Author(self.author()?))),
            "wp:category" | "wp:tag" | "wp:term" => {
                return Ok(self.site_term(name)?.map(Item::Term));
            }
            "item" => {
                self.item = Some(ItemBudget::default());
                let post = self.post();
                self.item = None;
                return Ok(Some(Item::Post(Box::new(post?))));
            }
            _ => self.skip()?,
        }
        Ok(None)
    }

    /// `item`, after the site when the site is still to be answered.
    fn after_site(&mut self, item: Item) -> Item {
        if self.site_sent {
            return item;
        }
        self.site_sent = true;
        self.queued = Some(item);
        Item::Site(std::mem::take(&mut self.site))
    }

    fn author(&mut self) -> Result<Author, ExportError> {
        let mut author = Author::default();
        while let Some((name, _)) = self.next_child()? {
            match name.as_str() {
                "wp:author_login" => author.login = login(&self.scalar(&name)?),
                "wp:author_email" => author.email = self.scalar(&name)?,
                "wp:author_display_name" => {
                    author.display_name = plain_line(&self.read_text(&name, FIELD_MAX_BYTES)?);
                }
                _ => self.skip()?,
            }
        }
        Ok(author)
    }

    /// A `wp:category`, `wp:tag` or `wp:term`; `None` for taxonomies an
    /// import does not keep.
    fn site_term(&mut self, element: &str) -> Result<Option<Term>, ExportError> {
        let mut taxonomy = match element {
            "wp:category" => "category",
            "wp:tag" => "post_tag",
            _ => "",
        }
        .to_owned();
        let (mut slug, mut name) = (String::new(), String::new());
        while let Some((child, _)) = self.next_child()? {
            match child.as_str() {
                "wp:category_nicename" | "wp:tag_slug" | "wp:term_slug" => {
                    slug = percent_decoded(&self.scalar(&child)?);
                }
                "wp:cat_name" | "wp:tag_name" | "wp:term_name" => {
                    name = plain_line(&self.read_text(&child, FIELD_MAX_BYTES)?);
                }
                "wp:term_taxonomy" => taxonomy = self.scalar(&child)?,
                _ => self.skip()?,
            }
        }
        Ok(term_kind(&taxonomy).map(|kind| Term { kind, slug, name }))
    }

    fn post(&mut self) -> Result<Post, ExportError> {
        let mut post = Post::default();
        let (mut title, mut excerpt) = (String::new(), String::new());
        let mut dates: [String; 4] = Default::default();
        while let Some((name, attributes)) = self.next_child()? {
            match name.as_str() {
                "title" => title = self.read_text(&name, FIELD_MAX_BYTES)?,
                "link" => post.link = self.scalar(&name)?,
                "dc:creator" => post.creator = login(&self.scalar(&name)?),
                "content:encoded" => post.html = self.read_text(&name, CONTENT_MAX_BYTES)?,
                "excerpt:encoded" => excerpt = self.read_text(&name, CONTENT_MAX_BYTES)?,
                "wp:post_id" => {
                    post.id = number(&self.scalar(&name)?);
                    if let Some(item) = &mut self.item {
                        item.post_id = Some(post.id);
                    }
                }
                "wp:post_date_gmt" => dates[0] = self.scalar(&name)?,
                "wp:post_date" => dates[1] = self.scalar(&name)?,
                "wp:post_modified_gmt" => dates[2] = self.scalar(&name)?,
                "wp:post_modified" => dates[3] = self.scalar(&name)?,
                "wp:post_name" => post.slug = percent_decoded(&self.scalar(&name)?),
                "wp:status" => post.status = self.scalar(&name)?,
                "wp:post_type" => post.post_type = self.scalar(&name)?,
                "wp:post_parent" => post.parent_id = number(&self.scalar(&name)?),
                "wp:post_password" => post.password_protected = !self.scalar(&name)?.is_empty(),
                "wp:attachment_url" => post.attachment_url = self.scalar(&name)?,
                "category" => {
                    let term = self.post_term(&attributes)?;
                    if let Some(term) = term {
                        if post.terms.len() == TERMS_PER_POST_MAX {
                            return Err(self.too_many("categories and tags", TERMS_PER_POST_MAX));
                        }
                        post.terms.push(term);
                    }
                }
                "wp:postmeta" => {
                    if let Some(id) = self.thumbnail_id()? {
                        post.thumbnail_id = Some(id);
                    }
                }
                "wp:comment" => {
                    if post.comments.len() == COMMENTS_PER_POST_MAX {
                        return Err(self.too_many("comments", COMMENTS_PER_POST_MAX));
                    }
                    post.comments.push(self.comment()?);
                }
                _ => self.skip()?,
            }
        }
        post.title = plain_line(&title);
        post.excerpt = plain_text(&excerpt);
        post.published = wordpress_time(&dates[0], &dates[1]);
        post.modified = wordpress_time(&dates[2], &dates[3]);
        Ok(post)
    }

    /// A `<category>` of a post; `None` for domains an import does not keep.
    fn post_term(
        &mut self,
        attributes: &[(String, String)],
    ) -> Result<Option<PostTerm>, ExportError> {
        let attribute = |key: &str| {
            attributes
                .iter()
                .find(|(name, _)| name == key)
                .map_or("", |(_, value)| value.as_str())
        };
        let Some(kind) = term_kind(attribute("domain")) else {
            self.skip()?;
            return Ok(None);
        };
        let slug = percent_decoded(attribute("nicename").trim());
        let name = plain_line(&self.read_text("category", FIELD_MAX_BYTES)?);
        Ok(Some(PostTerm { kind, slug, name }))
    }

    /// The featured image a `wp:postmeta` names, if it is `_thumbnail_id`.
    fn thumbnail_id(&mut self) -> Result<Option<i64>, ExportError> {
        const THUMBNAIL_KEY: &str = "_thumbnail_id";
        let (mut key, mut value) = (None, None);
        while let Some((name, _)) = self.next_child()? {
            match name.as_str() {
                "wp:meta_key" => key = Some(self.scalar(&name)?),
                // Other values (serialised arrays, page builders' data, which
                // can be large) are skipped unread.
                "wp:meta_value" if key.as_deref().is_none_or(|key| key == THUMBNAIL_KEY) => {
                    value = Some(self.scalar(&name)?);
                }
                _ => self.skip()?,
            }
        }
        Ok(match (key, value) {
            (Some(key), Some(value)) if key == THUMBNAIL_KEY => value.parse().ok(),
            _ => None,
        })
    }

    fn comment(&mut self) -> Result<Comment, ExportError> {
        let mut comment = Comment::default();
        let (mut gmt, mut local) = (String::new(), String::new());
        while let Some((name, _)) = self.next_child()? {
            match name.as_str() {
                "wp:comment_id" => comment.id = number(&self.scalar(&name)?),
                "wp:comment_parent" => comment.parent_id = number(&self.scalar(&name)?),
                "wp:comment_author" => {
                    comment.author = plain_line(&self.read_text(&name, FIELD_MAX_BYTES)?);
                }
                "wp:comment_author_email" => comment.email = self.scalar(&name)?,
                "wp:comment_author_url" => comment.url = self.scalar(&name)?,
                "wp:comment_date_gmt" => gmt = self.scalar(&name)?,
                "wp:comment_date" => local = self.scalar(&name)?,
                "wp:comment_content" => {
                    comment.content = self.read_text(&name, CONTENT_MAX_BYTES)?;
                }
                "wp:comment_approved" => comment.approved = self.scalar(&name)? == "1",
                "wp:comment_type" => comment.comment_type = self.scalar(&name)?,
                _ => self.skip()?,
            }
        }
        comment.date = wordpress_time(&gmt, &local);
        Ok(comment)
    }

    /// The next child of the element being read; `None` once it closes.
    /// Text between children (indentation) is skipped.
    fn next_child(&mut self) -> Result<Option<Child>, ExportError> {
        loop {
            match self.next_node()? {
                Node::Open { name, attributes } => return Ok(Some((name, attributes))),
                Node::Close => return Ok(None),
                Node::Text(_) => {}
                Node::End => return Err(self.truncated()),
            }
        }
    }

    /// The text of the element just opened, trimmed, at most
    /// [`FIELD_MAX_BYTES`].
    fn scalar(&mut self, field: &str) -> Result<String, ExportError> {
        let text = self.read_text(field, FIELD_MAX_BYTES)?;
        let trimmed = text.trim();
        Ok(if trimmed.len() == text.len() {
            text
        } else {
            trimmed.to_owned()
        })
    }

    /// The text of the element just opened, up to its end, refused beyond
    /// `limit` bytes. Child elements (not expected in a field) are skipped.
    fn read_text(&mut self, field: &str, limit: usize) -> Result<String, ExportError> {
        let mut text = String::new();
        loop {
            match self.next_node()? {
                Node::Text(piece) => {
                    if text.len() + piece.len() > limit {
                        return Err(self.too_large(field, limit));
                    }
                    self.charge(piece.len())?;
                    if text.is_empty() {
                        text = piece;
                    } else {
                        text.push_str(&piece);
                    }
                }
                Node::Open { .. } => self.skip()?,
                Node::Close => return Ok(text),
                Node::End => return Err(self.truncated()),
            }
        }
    }

    /// Counts `bytes` of text against the item being read.
    fn charge(&mut self, bytes: usize) -> Result<(), ExportError> {
        let Some(item) = &mut self.item else {
            return Ok(());
        };
        item.bytes += bytes;
        if item.bytes > ITEM_MAX_BYTES {
            return Err(self.too_large("item", ITEM_MAX_BYTES));
        }
        Ok(())
    }

    /// Skips the rest of the element just opened, children included.
    fn skip(&mut self) -> Result<(), ExportError> {
        let mut open = 1usize;
        while open > 0 {
            match self.next_node()? {
                Node::Open { .. } => open += 1,
                Node::Close => open -= 1,
                Node::Text(_) => {}
                Node::End => return Err(self.truncated()),
            }
        }
        Ok(())
    }

    /// The next node of the document; comments, processing instructions and
    /// the declarations are passed over.
    fn next_node(&mut self) -> Result<Node, ExportError> {
        if self.close_next {
            self.close_next = false;
            self.depth = self.depth.saturating_sub(1);
            return Ok(Node::Close);
        }
        loop {
            self.buf.clear();
            self.xml.get_mut().used = 0;
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(error) => {
                    let position = self.xml.error_position();
                    let post_id = self.item.and_then(|item| item.post_id);
                    return Err(classify(error, position, &self.element, post_id));
                }
            };
            let node = match event {
                Event::Start(ref start) | Event::Empty(ref start) => {
                    if self.depth == DEPTH_MAX {
                        return Err(ExportError::TooDeep {
                            position: self.xml.buffer_position(),
                        });
                    }
                    let name = start.name().0.to_owned();
                    let attributes = if name == "category" {
                        match attributes_of(start) {
                            Ok(attributes) => attributes,
                            Err(error) => {
                                return Err(ExportError::NotXml {
                                    position: self.xml.buffer_position(),
                                    reason: error.to_string(),
                                });
                            }
                        }
                    } else {
                        Vec::new()
                    };
                    self.depth += 1;
                    self.close_next = matches!(event, Event::Empty(_));
                    self.element.clear();
                    self.element.push_str(&name);
                    Node::Open { name, attributes }
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    Node::Close
                }
                Event::Text(text) => Node::Text(text.xml10_content().into_owned()),
                Event::CData(data) => Node::Text(data.xml10_content().into_owned()),
                Event::GeneralRef(reference) => Node::Text(resolved(&reference)),
                Event::Eof => Node::End,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => continue,
            };
            return Ok(node);
        }
    }

    fn truncated(&self) -> ExportError {
        ExportError::Truncated {
            position: self.xml.buffer_position(),
        }
    }

    fn too_large(&self, field: &str, limit: usize) -> ExportError {
        ExportError::TooLarge {
            field: field.to_owned(),
            post_id: self.item.and_then(|item| item.post_id),
            limit,
            position: self.xml.buffer_position(),
        }
    }

    fn too_many(&self, what: &'static str, limit: usize) -> ExportError {
        ExportError::TooMany {
            what,
            post_id: self.item.and_then(|item| item.post_id),
            limit,
        }
    }
}

/// An error of quick-xml as what it means for the export.
fn classify(
    error: quick_xml::Error,
    position: u64,
    element: &str,
    post_id: Option<i64>,
) -> ExportError {
    match error {
        quick_xml::Error::Io(source)
            if source
                .get_ref()
                .is_some_and(|inner| inner.is::<TokenTooLarge>()) =>
        {
            ExportError::TooLarge {
                field: element.to_owned(),
                post_id,
                limit: TOKEN_MAX_BYTES,
                position,
            }
        }
        quick_xml::Error::Io(source) => ExportError::Unreadable { position, source },
        // Each of these is the input ending inside a construct.
        quick_xml::Error::Syntax(
            SyntaxError::InvalidBangMarkup
            | SyntaxError::UnclosedPI
            | SyntaxError::UnclosedXmlDecl
            | SyntaxError::UnclosedComment
            | SyntaxError::UnclosedDoctype
            | SyntaxError::UnclosedCData
            | SyntaxError::UnclosedTag
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue,
        ) => ExportError::Truncated { position },
        other => ExportError::NotXml {
            position,
            reason: other.to_string(),
        },
    }
}

/// The attributes of `start`, values unescaped.
fn attributes_of(start: &BytesStart<'_>) -> Result<Vec<(String, String)>, quick_xml::Error> {
    start
        .attributes()
        .map(|attribute| {
            let attribute = attribute?;
            let value = attribute.normalized_value(XmlVersion::Implicit1_0)?;
            Ok((attribute.key.0.to_owned(), value.into_owned()))
        })
        .collect()
}

/// The text a reference stands for. WXR declares no entities, yet exports
/// made by plugins do write HTML's (`&nbsp;`): those are kept as written,
/// which is what they mean in the HTML the fields hold.
fn resolved(reference: &BytesRef<'_>) -> String {
    match reference.resolve_char_ref() {
        Ok(Some(character)) => character.to_string(),
        Ok(None) => match quick_xml::escape::resolve_predefined_entity(reference) {
            Some(text) => text.to_owned(),
            None => format!("&{};", &**reference),
        },
        Err(_) => char::REPLACEMENT_CHARACTER.to_string(),
    }
}

/// The reader quick-xml reads through, which refuses to give it more than
/// [`TOKEN_MAX_BYTES`] for one event.
struct TokenBudget<R> {
    inner: R,
    /// Bytes handed out since the event began.
    used: usize,
}

/// The error [`TokenBudget`] stops a token with.
#[derive(Debug)]
struct TokenTooLarge;

impl std::fmt::Display for TokenTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an XML token longer than {TOKEN_MAX_BYTES} bytes")
    }
}

impl std::error::Error for TokenTooLarge {}

impl<R: BufRead> Read for TokenBudget<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let amount = available.len().min(out.len());
        out[..amount].copy_from_slice(&available[..amount]);
        self.consume(amount);
        Ok(amount)
    }
}

impl<R: BufRead> BufRead for TokenBudget<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let left = TOKEN_MAX_BYTES.saturating_sub(self.used);
        let available = self.inner.fill_buf()?;
        if left == 0 && !available.is_empty() {
            return Err(io::Error::other(TokenTooLarge));
        }
        Ok(&available[..available.len().min(left)])
    }

    fn consume(&mut self, amount: usize) {
        self.used += amount;
        self.inner.consume(amount);
    }
}

fn term_kind(taxonomy: &str) -> Option<TermKind> {
    match taxonomy {
        "category" => Some(TermKind::Category),
        "post_tag" => Some(TermKind::Tag),
        _ => None,
    }
}

/// A login as WordPress's importer matches it (`sanitize_user`): letters,
/// digits, space and `_.-@`. Real exports carry strays (`>themereviewteam`
/// in the Theme Unit Test) that name the same author.
fn login(text: &str) -> String {
    let kept: String = text
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-' | '@'))
        .collect();
    kept.trim().to_owned()
}

/// A WordPress number field; 0 (WordPress's "none") when it is not one.
fn number(text: &str) -> i64 {
    text.parse().unwrap_or(0)
}

/// A post's time: its GMT field, else (drafts have a zero GMT date) its
/// local one taken as UTC.
fn wordpress_time(gmt: &str, local: &str) -> Option<DateTime<Utc>> {
    let parse = |text: &str| {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .ok()
            .map(|time| time.and_utc())
    };
    parse(gmt).or_else(|| parse(local))
}

/// HTML (a title, a name) as the text a reader sees, on one line.
fn plain_line(html: &str) -> String {
    let text: Cow<'_, str> = if html.contains(['<', '&']) {
        Cow::Owned(crate::render::text_of_html(html))
    } else {
        Cow::Borrowed(html)
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// HTML (an excerpt) as the text a reader sees: a line per block, spaces
/// collapsed.
fn plain_text(html: &str) -> String {
    let text: Cow<'_, str> = if html.contains(['<', '&']) {
        Cow::Owned(crate::render::text_of_html(html))
    } else {
        Cow::Borrowed(html)
    };
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `%ce%b5…` as the text it encodes; the text as it is when the bytes it
/// encodes are not UTF-8.
fn percent_decoded(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |offset: usize| {
            bytes
                .get(at + offset)
                .and_then(|&byte| char::from(byte).to_digit(16))
        };
        match (bytes[at], hex(1), hex(2)) {
            (b'%', Some(high), Some(low)) => {
                // Two hexadecimal digits: at most 255.
                decoded.push(u8::try_from(high * 16 + low).unwrap_or(u8::MAX));
                at += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(decoded).unwrap_or_else(|_| text.to_owned())
}

// ---------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------

/// Elements wpautop treats as blocks (WordPress's `$allblocks`): a chunk
/// of a body starts before each start tag of one and ends after each end
/// tag.
#[rustfmt::skip]
const AUTOP_BLOCKS: &[&str] = &[
    "table", "thead", "tfoot", "caption", "col", "colgroup", "tbody", "tr", "td", "th", "div",
    "dl", "dd", "dt", "ul", "ol", "li", "pre", "form", "map", "area", "blockquote", "address",
    "style", "p", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "fieldset", "legend", "section",
    "article", "aside", "hgroup", "header", "footer", "nav", "figure", "figcaption", "details",
    "menu", "summary",
];

/// Void elements among them: their chunk ends where it starts.
const AUTOP_VOID_BLOCKS: &[&str] = &["hr", "col", "area"];

/// Elements whose content is not markup, each with its end tag: passed
/// through whole, never split into paragraphs nor given line breaks (the
/// sanitiser drops them with their content anyway).
const OPAQUE_ELEMENTS: &[(&str, &str)] = &[
    ("script", "</script"),
    ("style", "</style"),
    ("textarea", "</textarea"),
    ("title", "</title"),
    ("xmp", "</xmp"),
    ("svg", "</svg"),
    ("math", "</math"),
];

/// Tags that start a CommonMark HTML block of type 6, the kind that ends
/// only at a blank line (`<pre>`, `<script>` and `<style>` start type 1,
/// which ends at their end tag, and comments type 2).
#[rustfmt::skip]
const HTML_BLOCK_TAGS: &[&str] = &[
    "address", "article", "aside", "base", "basefont", "blockquote", "body", "caption", "center",
    "col", "colgroup", "dd", "details", "dialog", "dir", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5",
    "h6", "head", "header", "hr", "html", "iframe", "legend", "li", "link", "main", "menu",
    "menuitem", "nav", "noframes", "ol", "optgroup", "option", "p", "param", "search", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "track", "ul",
];

/// Written on each blank line of preformatted text (see [`one_html_block`]).
const EMPTY_COMMENT: &str = "<!---->";

/// A WordPress body (`content:encoded`) as the Markdown Quire stores,
/// rendering as WordPress showed it: one CommonMark HTML block (it starts
/// with a block tag and holds no blank line, so the renderer hands all of it
/// to the sanitiser), ending with a newline; empty for an empty body.
pub fn body_markdown(html: &str) -> String {
    let mut html = Cow::Borrowed(html);
    if html.contains('\r') {
        html = Cow::Owned(html.replace("\r\n", "\n").replace('\r', "\n"));
    }
    // Quire refuses NUL in a body; CommonMark reads it as U+FFFD anyway.
    if html.contains('\0') {
        html = Cow::Owned(html.replace('\0', "\u{FFFD}"));
    }
    // Block (Gutenberg) content is shown as saved: WordPress runs wpautop
    // only on classic content.
    let mut autop = Autop::new(html.contains("<!-- wp:"));
    for part in parts_of(&html) {
        match part {
            Part::Flow(flow) => {
                let flow = without_comments(flow);
                let flow = expand_shortcodes(&flow);
                let flow = linked_bare_urls(&flow);
                autop.push_flow(&flow);
            }
            Part::Pre(pre) => autop.push_pre(pre),
        }
    }
    one_html_block(&autop.finish())
}

/// A part of a body: preformatted text, left exactly as it is, or the rest.
#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Pre(&'a str),
    Flow(&'a str),
}

/// `html` cut into `<pre>…</pre>` elements and what is between them.
fn parts_of(html: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut pre_end = Finder::new("</pre");
    let mut comment_end = Finder::new("-->");
    let (mut flow_start, mut from) = (0, 0);
    while let Some(found) = html[from..].find('<') {
        let at = from + found;
        let rest = &html[at..];
        if rest.starts_with("<!--") {
            // A comment may mention `<pre>` without starting one.
            match comment_len(rest, at, &mut comment_end, html) {
                Some(len) => {
                    from = at + len;
                    continue;
                }
                None => break,
            }
        }
        if starts_tag(rest, "pre")
            && let Some(end_tag) = end_tag_from(&mut pre_end, html, at + 4)
        {
            let end = html[end_tag..]
                .find('>')
                .map_or(html.len(), |gt| end_tag + gt + 1);
            if flow_start < at {
                parts.push(Part::Flow(&html[flow_start..at]));
            }
            parts.push(Part::Pre(&html[at..end]));
            (flow_start, from) = (end, end);
            continue;
        }
        from = at + 1;
    }
    if flow_start < html.len() {
        parts.push(Part::Flow(&html[flow_start..]));
    }
    parts
}

/// Whether `html` starts with a start tag named `name` (any case).
fn starts_tag(html: &str, name: &str) -> bool {
    let bytes = html.as_bytes();
    bytes.first() == Some(&b'<')
        && bytes
            .get(1..=name.len())
            .is_some_and(|found| found.eq_ignore_ascii_case(name.as_bytes()))
        && bytes
            .get(name.len() + 1)
            .is_none_or(|&next| next.is_ascii_whitespace() || matches!(next, b'>' | b'/'))
}

/// Where the next end tag `finder` looks for (`</pre`, followed by `>` or
/// whitespace) starts, at or after `from`.
fn end_tag_from(finder: &mut Finder, html: &str, mut from: usize) -> Option<usize> {
    loop {
        let at = finder.next_from(html, from)?;
        let next = html.as_bytes().get(at + finder.needle.len());
        if next.is_none_or(|&next| next == b'>' || next.is_ascii_whitespace()) {
            return Some(at);
        }
        from = at + 1;
    }
}

/// The length of the comment starting at `at` (`rest` is `html[at..]`);
/// `None` when it never closes.
fn comment_len(rest: &str, at: usize, comment_end: &mut Finder, html: &str) -> Option<usize> {
    // `<!-->` and `<!--->` are whole (empty) comments to a browser.
    if rest.starts_with("<!-->") {
        return Some(5);
    }
    if rest.starts_with("<!--->") {
        return Some(6);
    }
    comment_end.next_from(html, at + 4).map(|end| end + 3 - at)
}

/// The next occurrence of a needle (ASCII, any case) at or after positions
/// that only move forward, in time linear in the text overall: a body is
/// input from elsewhere, and a thousand `<pre>`s never closed must not each
/// search the rest of it.
struct Finder {
    needle: &'static str,
    /// The last answer, and where it was looked for from.
    last: Option<(usize, Option<usize>)>,
}

impl Finder {
    fn new(needle: &'static str) -> Self {
        Self { needle, last: None }
    }

    fn next_from(&mut self, html: &str, from: usize) -> Option<usize> {
        match self.last {
            // None after an earlier position: none after this one either.
            Some((searched, None)) if searched <= from => return None,
            Some((searched, Some(at))) if searched <= from && at >= from => return Some(at),
            _ => {}
        }
        let found = find_ignoring_case(html.get(from..)?, self.needle).map(|at| from + at);
        self.last = Some((from, found));
        found
    }
}

/// Where `needle` (ASCII) occurs in `haystack`, ignoring ASCII case.
fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    let first = needle.first()?;
    let mut from = 0;
    while from + needle.len() <= haystack.len() {
        let candidate = haystack[from..]
            .iter()
            .position(|byte| byte.eq_ignore_ascii_case(first))?
            + from;
        if haystack
            .get(candidate..candidate + needle.len())
            .is_some_and(|found| found.eq_ignore_ascii_case(needle))
        {
            return Some(candidate);
        }
        from = candidate + 1;
    }
    None
}

/// `html` without its comments but `<!--more-->` (`<!--more Read on-->`),
/// where the renderer ends the excerpt. Gutenberg's block comments
/// (`<!-- wp:image {"id":1} -->`, `<!-- /wp:image -->`) and `<!--nextpage-->`
/// go with the rest: they are invisible, and one holding a blank line would
/// end the HTML block. A comment never closed is shown as the text it is, as
/// the renderer shows one (a browser would hide the rest of the post).
fn without_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut comment_end = Finder::new("-->");
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let comment = &rest[start..];
        let offset = html.len() - comment.len();
        match comment_len(comment, offset, &mut comment_end, html) {
            Some(len) => {
                if is_more_marker(&comment[..len]) {
                    out.push_str(&comment[..len]);
                }
                rest = &comment[len..];
            }
            None => {
                out.push_str("&lt;!--");
                rest = &comment[4..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `<!--more-->` or `<!--more Custom text-->`, as the renderer finds it.
fn is_more_marker(comment: &str) -> bool {
    comment
        .strip_prefix("<!--more")
        .is_some_and(|rest| rest.starts_with(['-', ' ', '\t']))
}

/// The shortcodes an import can show, each as WordPress would have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shortcode {
    /// `[caption …]<img …> Text[/caption]`: a figure.
    Caption(&'static str),
    /// `[embed]URL[/embed]`: a link (the embed itself is a third party's
    /// script).
    Embed,
    /// `[audio …]`, `[video …]`, `[gallery …]`, `[playlist …]`: a link to
    /// the media they name, when they name one.
    Media(&'static str),
}

impl Shortcode {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "caption" => Self::Caption("[/caption]"),
            "wp_caption" => Self::Caption("[/wp_caption]"),
            "embed" => Self::Embed,
            "audio" => Self::Media("[/audio]"),
            "video" => Self::Media("[/video]"),
            "gallery" => Self::Media("[/gallery]"),
            "playlist" => Self::Media("[/playlist]"),
            _ => return None,
        })
    }
}

/// The attributes of a media shortcode that name its file, in the order
/// WordPress looks at them.
const MEDIA_SOURCES: &[&str] = &[
    "src", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mp3", "m4a", "ogg", "wav", "flac",
];

/// `html` with its captions, embeds and media shortcodes as the HTML they
/// stood for; every other shortcode (and one that names nothing to show)
/// stays as the text it is. Linear in `html`: each `[` is looked at once,
/// and closing tags are searched forward only.
fn expand_shortcodes(html: &str) -> String {
    if !html.contains('[') {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len());
    let mut closers: HashMap<&'static str, Finder> = HashMap::new();
    // Media shortcodes made links, whose `[/audio]` then goes too.
    let mut open_media: HashMap<&'static str, usize> = HashMap::new();
    let (mut written, mut from) = (0, 0);
    while let Some(found) = html[from..].find('[') {
        let start = from + found;
        from = start + 1;
        let Some(tag) = ShortcodeTag::at(html, start) else {
            continue;
        };
        let replacement = match (tag.kind, tag.closing) {
            (Shortcode::Media(closer), true) => match open_media.get_mut(closer) {
                Some(open) if *open > 0 => {
                    *open -= 1;
                    Some((String::new(), tag.end))
                }
                _ => None,
            },
            (_, true) => None,
            (Shortcode::Media(closer), false) => media_link(tag.attributes).map(|link| {
                if !tag.self_closing {
                    *open_media.entry(closer).or_default() += 1;
                }
                (link, tag.end)
            }),
            (Shortcode::Caption(_) | Shortcode::Embed, false) => {
                let closer = match tag.kind {
                    Shortcode::Caption(closer) => closer,
                    _ => "[/embed]",
                };
                let finder = closers.entry(closer).or_insert_with(|| Finder::new(closer));
                finder.next_from(html, tag.end).and_then(|close| {
                    let content = &html[tag.end..close];
                    let html = match tag.kind {
                        Shortcode::Embed => embed_link(content),
                        _ => Some(caption_figure(tag.attributes, content)),
                    };
                    html.map(|html| (html, close + closer.len()))
                })
            }
        };
        if let Some((replacement, end)) = replacement {
            out.push_str(&html[written..start]);
            out.push_str(&replacement);
            (written, from) = (end, end);
        }
    }
    out.push_str(&html[written..]);
    out
}

/// A shortcode's opening or closing tag.
struct ShortcodeTag<'a> {
    kind: Shortcode,
    closing: bool,
    /// `[audio src="…" /]`
    self_closing: bool,
    attributes: &'a str,
    /// Just after its `]`.
    end: usize,
}

impl<'a> ShortcodeTag<'a> {
    /// The tag of a shortcode an import shows, starting at `start` (a `[`).
    fn at(html: &'a str, start: usize) -> Option<Self> {
        let rest = &html[start + 1..];
        let (closing, rest) = match rest.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let name_len = rest
            .bytes()
            .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-'))
            .count();
        let kind = Shortcode::named(&rest[..name_len])?;
        let after_name = &rest[name_len..];
        if !after_name.starts_with([']', '/', ' ', '\t', '\n']) {
            return None;
        }
        // Attributes hold no bracket: a `[` first means this is no tag, and
        // the next candidate starts there.
        let bracket = after_name.find(['[', ']'])?;
        if after_name.as_bytes()[bracket] != b']' {
            return None;
        }
        let inside = &after_name[..bracket];
        let self_closing = inside.trim_end().ends_with('/');
        let end = html.len() - after_name.len() + bracket + 1;
        Some(Self {
            kind,
            closing,
            self_closing,
            attributes: inside.trim_end().trim_end_matches('/'),
            end,
        })
    }
}

/// The attributes of a shortcode as WordPress reads them
/// (`shortcode_parse_atts`): named ones, keys lower-cased, and positional
/// ones (`[audio https://…]`), values unquoted.
fn shortcode_attributes(text: &str) -> (HashMap<String, String>, Vec<String>) {
    let (mut named, mut positional) = (HashMap::new(), Vec::new());
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let key_len = rest
            .bytes()
            .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-'))
            .count();
        let after_key = rest[key_len..].trim_start();
        if key_len > 0
            && let Some(value) = after_key.strip_prefix('=')
        {
            let (value, next) = shortcode_value(value.trim_start());
            named.insert(rest[..key_len].to_ascii_lowercase(), value.to_owned());
            rest = next.trim_start();
        } else {
            let (value, next) = shortcode_value(rest);
            positional.push(value.to_owned());
            rest = next.trim_start();
        }
    }
    (named, positional)
}

/// A quoted or bare value at the start of `text`, and what follows it.
fn shortcode_value(text: &str) -> (&str, &str) {
    match text.chars().next() {
        Some(quote @ ('"' | '\'')) => match text[1..].find(quote) {
            Some(end) => (&text[1..=end], &text[end + 2..]),
            None => (&text[1..], ""),
        },
        _ => {
            let end = text.find(char::is_whitespace).unwrap_or(text.len());
            (&text[..end], &text[end..])
        }
    }
}

/// `[caption]`'s figure, as WordPress's `img_caption_shortcode` builds it:
/// the image (with its link) and then the caption, from the `caption`
/// attribute or the text after the image. Both are the author's HTML, kept
/// as written for the sanitiser. Without a caption, the content as it is.
fn caption_figure(attributes: &str, content: &str) -> String {
    let (named, _) = shortcode_attributes(attributes);
    let content = content.trim();
    let (media, caption) = match named.get("caption") {
        Some(caption) => (content, caption.trim()),
        None => match media_end(content) {
            Some(end) => (content[..end].trim_end(), content[end..].trim()),
            None => (content, ""),
        },
    };
    if caption.is_empty() {
        return content.to_owned();
    }
    format!("<figure>{media}<figcaption>{caption}</figcaption></figure>")
}

/// Where the first image of a caption's content ends, with the link around
/// it if there is one.
fn media_end(content: &str) -> Option<usize> {
    let mut from = 0;
    let image = loop {
        let at = find_ignoring_case(&content[from..], "<img")? + from;
        if starts_tag(&content[at..], "img") {
            break at;
        }
        from = at + 1;
    };
    let after_image = image + tag_len(&content[image..], 4);
    let rest = &content[after_image..];
    let trimmed = rest.trim_start();
    Some(match trimmed.get(..4) {
        Some(close) if close.eq_ignore_ascii_case("</a>") => {
            after_image + (rest.len() - trimmed.len()) + 4
        }
        _ => after_image,
    })
}

/// `[embed]URL[/embed]` as a link to the URL; `None` when it holds none.
fn embed_link(content: &str) -> Option<String> {
    let url = decoded_references(content.trim());
    is_web_address(&url).then(|| link_paragraph(&url))
}

/// A media shortcode as a link to its file; `None` when it names none.
fn media_link(attributes: &str) -> Option<String> {
    let (named, positional) = shortcode_attributes(attributes);
    MEDIA_SOURCES
        .iter()
        .filter_map(|key| named.get(*key))
        .chain(&positional)
        .map(|value| decoded_references(value.trim()))
        .find(|url| is_web_address(url))
        .map(|url| link_paragraph(&url))
}

/// `html` with every line that is only a web address made a link to it:
/// WordPress embeds such addresses (a video, a tweet), which a post can only
/// link to.
fn linked_bare_urls(html: &str) -> String {
    if !html.contains("http") {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len());
    for line in html.split_inclusive('\n') {
        let (text, newline) = match line.strip_suffix('\n') {
            Some(text) => (text, "\n"),
            None => (line, ""),
        };
        let address = text.trim_matches([' ', '\t']);
        let url = decoded_references(address);
        if is_web_address(&url) {
            out.push_str(&link_paragraph(&url));
            out.push_str(newline);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// An http(s) address alone, as WordPress's auto-embed recognises one.
fn is_web_address(text: &str) -> bool {
    let lower = text
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else {
        return false;
    };
    !rest.is_empty() && !rest.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
}

/// A paragraph linking to `url` (plain text), escaped.
fn link_paragraph(url: &str) -> String {
    let url = escaped(url);
    format!("<p><a href=\"{url}\">{url}</a></p>")
}

/// `text` safe in HTML text and in a quoted attribute.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// HTML text with its character references decoded: the basic named ones
/// and numeric ones, which are what addresses carry (`&amp;`, `&#038;`).
fn decoded_references(html: &str) -> Cow<'_, str> {
    if !html.contains('&') {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after
            .find(';')
            .filter(|&semicolon| semicolon <= 10)
            .and_then(|semicolon| Some((reference_char(&after[..semicolon])?, semicolon)));
        match decoded {
            Some((character, semicolon)) => {
                out.push(character);
                rest = &after[semicolon + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn reference_char(name: &str) -> Option<char> {
    let number = |digits: &str, radix| {
        u32::from_str_radix(digits, radix)
            .ok()
            .and_then(char::from_u32)
    };
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => match name.strip_prefix('#')? {
            hex if hex.starts_with(['x', 'X']) => number(&hex[1..], 16),
            decimal => number(decimal, 10),
        },
    }
}

/// A piece of HTML as wpautop sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Text(&'a str),
    /// A start or end tag.
    Tag {
        raw: &'a str,
        name: &'a str,
        closing: bool,
    },
    /// A comment, or an element whose content is not markup
    /// (`<script>…</script>`), whole.
    Opaque(&'a str),
}

/// Splits HTML into [`Token`]s in one forward pass, finding tags as a
/// browser does: quoted attribute values may hold `>`, and a tag never
/// closed takes the rest of the text (a browser drops it with the rest).
struct Tokens<'a> {
    html: &'a str,
    at: usize,
    closers: Vec<Finder>,
    comment_end: Finder,
}

impl<'a> Tokens<'a> {
    fn new(html: &'a str) -> Self {
        Self {
            html,
            at: 0,
            closers: OPAQUE_ELEMENTS
                .iter()
                .map(|&(_, closer)| Finder::new(closer))
                .collect(),
            comment_end: Finder::new("-->"),
        }
    }

    /// The markup starting at `self.at` (a `<`) and its length; `None` when
    /// the `<` starts none (`a < b`).
    fn markup(&mut self) -> Option<(Token<'a>, usize)> {
        let rest = &self.html[self.at..];
        let bytes = rest.as_bytes();
        if rest.starts_with("<!--") {
            let len =
                comment_len(rest, self.at, &mut self.comment_end, self.html).unwrap_or(rest.len());
            return Some((Token::Opaque(&rest[..len]), len));
        }
        let closing = bytes.get(1) == Some(&b'/');
        let name_start = if closing { 2 } else { 1 };
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b':' | b'_'))
            .count();
        let name = &rest[name_start..name_start + name_len];
        let len = tag_len(rest, name_start + name_len);
        let raw = &rest[..len];
        if !closing
            && !raw.ends_with("/>")
            && let Some(index) = OPAQUE_ELEMENTS
                .iter()
                .position(|(element, _)| element.eq_ignore_ascii_case(name))
            && let Some(end_tag) = self.closers[index].next_from(self.html, self.at + len)
        {
            let end = self.html[end_tag..]
                .find('>')
                .map_or(self.html.len(), |gt| end_tag + gt + 1);
            return Some((Token::Opaque(&self.html[self.at..end]), end - self.at));
        }
        Some((Token::Tag { raw, name, closing }, len))
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let rest = &self.html[self.at..];
        if rest.is_empty() {
            return None;
        }
        if rest.starts_with('<')
            && let Some((token, len)) = self.markup()
        {
            self.at += len;
            return Some(token);
        }
        // Text runs to the next `<`; a `<` that starts no markup is text.
        let skip = usize::from(rest.starts_with('<'));
        let len = rest[skip..].find('<').map_or(rest.len(), |at| at + skip);
        self.at += len;
        Some(Token::Text(&rest[..len]))
    }
}

/// The length of the tag starting `html`, its name ending at `from`: up to
/// its `>`, skipping quoted attribute values; all of `html` when it never
/// ends.
fn tag_len(html: &str, from: usize) -> usize {
    let bytes = html.as_bytes();
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'>' => return at + 1,
            b'=' => {
                at += 1;
                while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
                    at += 1;
                }
                if let Some(&quote @ (b'"' | b'\'')) = bytes.get(at) {
                    match bytes[at + 1..].iter().position(|&byte| byte == quote) {
                        Some(end) => at += end + 2,
                        None => return bytes.len(),
                    }
                }
            }
            _ => at += 1,
        }
    }
    bytes.len()
}

/// A rendered part of the body: HTML, or preformatted text kept as it is.
#[derive(Debug)]
enum Block {
    Html(String),
    Pre(String),
}

/// One chunk of wpautop: at most a block start tag, inline content, and at
/// most a block end tag.
#[derive(Debug, Default)]
struct Chunk {
    open: Option<(String, &'static str)>,
    pieces: Vec<Piece>,
    close: Option<(String, &'static str)>,
}

/// Inline content of a chunk.
#[derive(Debug)]
enum Piece {
    Text(String),
    /// `<br>`
    LineBreak(String),
    /// Any other tag.
    Markup(String),
    /// A comment or an element whose content is not markup: shown as
    /// nothing, so alone it makes no paragraph.
    Opaque(String),
}

impl Piece {
    fn is_blank(&self) -> bool {
        matches!(self, Self::Text(text) if text.trim_ascii().is_empty())
    }

    fn is_visible(&self) -> bool {
        match self {
            Self::Text(text) => !text.trim_ascii().is_empty(),
            Self::LineBreak(_) | Self::Markup(_) => true,
            Self::Opaque(_) => false,
        }
    }
}

/// WordPress's `wpautop`, the formatting it applies when it shows a
/// classic post, done once here: text separated by blank lines becomes
/// paragraphs and single newlines in them line breaks; chunks are cut before
/// each block start tag and after each block end tag, and a chunk that
/// starts with a block tag is not wrapped in a paragraph; `<pre>` is left
/// alone.
struct Autop {
    /// Gutenberg content, whose blocks WordPress shows as saved: newlines in
    /// a chunk that starts with a block tag are not line breaks.
    block_editor: bool,
    blocks: Vec<Block>,
    chunk: Chunk,
    /// A `<p …>` whose text follows a blank line, in the next chunk.
    pending_paragraph: Option<String>,
}

impl Autop {
    fn new(block_editor: bool) -> Self {
        Self {
            block_editor,
            blocks: Vec::new(),
            chunk: Chunk::default(),
            pending_paragraph: None,
        }
    }

    fn push_flow(&mut self, html: &str) {
        for token in Tokens::new(html) {
            match token {
                Token::Tag { raw, name, closing } => {
                    if let Some(block) = listed(AUTOP_BLOCKS, name) {
                        if closing {
                            self.chunk.close = Some((raw.to_owned(), block));
                            self.flush();
                        } else {
                            self.flush();
                            self.chunk.open = Some((raw.to_owned(), block));
                            if AUTOP_VOID_BLOCKS.contains(&block) {
                                self.flush();
                            }
                        }
                    } else if !closing && name.eq_ignore_ascii_case("br") {
                        // Two line breaks in a row end a paragraph, as a
                        // blank line does.
                        if self.chunk.ends_with_line_break() {
                            self.chunk.drop_line_break();
                            self.flush();
                        } else {
                            self.chunk.pieces.push(Piece::LineBreak(raw.to_owned()));
                        }
                    } else {
                        self.chunk.pieces.push(Piece::Markup(raw.to_owned()));
                    }
                }
                Token::Opaque(raw) => self.chunk.pieces.push(Piece::Opaque(raw.to_owned())),
                Token::Text(text) => {
                    for (index, paragraph) in between_blank_lines(text).into_iter().enumerate() {
                        if index > 0 {
                            self.flush();
                        }
                        if !paragraph.is_empty() {
                            self.chunk.pieces.push(Piece::Text(paragraph.to_owned()));
                        }
                    }
                }
            }
        }
    }

    fn push_pre(&mut self, pre: &str) {
        self.flush();
        self.pending_paragraph = None;
        self.blocks.push(Block::Pre(pre.to_owned()));
    }

    fn finish(mut self) -> Vec<Block> {
        self.flush();
        self.blocks
    }

    /// Ends the chunk being built, rendering it.
    fn flush(&mut self) {
        let Chunk {
            open,
            pieces,
            close,
        } = std::mem::take(&mut self.chunk);
        if open.is_none() && close.is_none() && pieces.is_empty() {
            return;
        }
        let line_breaks = !(self.block_editor && open.is_some());
        let inline = inline_html(&pieces, line_breaks);
        let visible = pieces.iter().any(Piece::is_visible);
        let mut html = String::new();
        match open {
            None if visible => {
                let opener = self.pending_paragraph.take();
                html.push_str(opener.as_deref().unwrap_or("<p>"));
                html.push_str(&inline);
                html.push_str("</p>");
                if let Some((raw, name)) = close
                    && name != "p"
                {
                    html.push_str(&raw);
                }
            }
            None => {
                html.push_str(&inline);
                match close {
                    // Every paragraph is closed where it is opened, so a
                    // `</p>` alone closes nothing (or an empty paragraph).
                    Some((_, "p")) => self.pending_paragraph = None,
                    Some((raw, _)) => html.push_str(&raw),
                    None => {}
                }
            }
            Some((raw, name)) => {
                self.pending_paragraph = None;
                if name == "p" && close.is_none() && inline.is_empty() {
                    self.pending_paragraph = Some(raw);
                    return;
                }
                html.push_str(&raw);
                if name == "blockquote" && visible {
                    // wpautop puts a quotation's text in a paragraph.
                    html.push_str("<p>");
                    html.push_str(&inline);
                    html.push_str("</p>");
                } else {
                    html.push_str(&inline);
                }
                match close {
                    Some((close_raw, close_name)) => {
                        if name == "p" && close_name != "p" {
                            html.push_str("</p>");
                        }
                        html.push_str(&close_raw);
                    }
                    None if name == "p" => html.push_str("</p>"),
                    None => {}
                }
            }
        }
        if !html.is_empty() {
            self.blocks.push(Block::Html(html));
        }
    }
}

impl Chunk {
    /// Whether the inline content ends with a `<br>` (and whitespace).
    fn ends_with_line_break(&self) -> bool {
        self.pieces
            .iter()
            .rev()
            .find(|piece| !piece.is_blank())
            .is_some_and(|piece| matches!(piece, Piece::LineBreak(_)))
    }

    /// Drops the `<br>` the inline content ends with, and what follows it.
    fn drop_line_break(&mut self) {
        while let Some(piece) = self.pieces.pop() {
            if matches!(piece, Piece::LineBreak(_)) {
                return;
            }
        }
    }
}

/// The canonical (lower-case) name `name` has in `list`, if it is there.
fn listed(list: &[&'static str], name: &str) -> Option<&'static str> {
    list.iter()
        .copied()
        .find(|listed| listed.eq_ignore_ascii_case(name))
}

/// `text` cut at its blank lines (the lines between are dropped).
fn between_blank_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut from) = (0, 0);
    while let Some(found) = text[from..].find('\n') {
        let newline = from + found;
        let mut next = newline + 1;
        while bytes
            .get(next)
            .is_some_and(|&byte| matches!(byte, b' ' | b'\t'))
        {
            next += 1;
        }
        if bytes.get(next) == Some(&b'\n') {
            parts.push(&text[start..newline]);
            start = next + 1;
            from = next + 1;
        } else {
            from = newline + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A chunk's inline content, trimmed, its newlines made `<br>` when
/// `line_breaks` (unless a `<br>` already ends the line, as in wpautop).
fn inline_html(pieces: &[Piece], line_breaks: bool) -> String {
    let Some(first) = pieces.iter().position(|piece| !piece.is_blank()) else {
        return String::new();
    };
    let last = pieces
        .iter()
        .rposition(|piece| !piece.is_blank())
        .unwrap_or(first);
    let mut html = String::new();
    // Nothing seen yet is like a break just written: a newline after only
    // comments starts no line of its own.
    let mut after_break = true;
    for (index, piece) in pieces.iter().enumerate().take(last + 1).skip(first) {
        match piece {
            Piece::Text(text) => {
                let mut text = text.as_str();
                if index == first {
                    text = text.trim_ascii_start();
                }
                if index == last {
                    text = text.trim_ascii_end();
                }
                if !line_breaks {
                    html.push_str(text);
                    continue;
                }
                for (line_index, line) in text.split('\n').enumerate() {
                    if line_index > 0 {
                        html.truncate(html.trim_end_matches([' ', '\t']).len());
                        if !after_break {
                            html.push_str("<br>");
                        }
                        html.push('\n');
                        after_break = true;
                    }
                    if !line.trim_ascii().is_empty() {
                        after_break = false;
                    }
                    html.push_str(line);
                }
            }
            Piece::LineBreak(raw) => {
                html.push_str(raw);
                after_break = true;
            }
            Piece::Markup(raw) => {
                html.push_str(raw);
                after_break = false;
            }
            // Invisible: the line it is on shows only what is around it.
            Piece::Opaque(raw) => html.push_str(raw),
        }
    }
    html
}

/// The blocks as one CommonMark HTML block: blank lines dropped (wpautop
/// has used them), the first line a block tag (a `<div>` around all of it
/// when it is not), and a newline at the end.
fn one_html_block(blocks: &[Block]) -> String {
    let mut markdown = String::new();
    for block in blocks {
        match block {
            Block::Html(html) => {
                for line in html.split('\n').filter(|line| !is_blank_line(line)) {
                    markdown.push_str(line);
                    markdown.push('\n');
                }
            }
            Block::Pre(pre) => {
                for line in pre.split('\n') {
                    markdown.push_str(line);
                    // The HTML block would end at a blank line, yet
                    // preformatted text keeps its blank lines: an empty
                    // comment holds each one, and the sanitiser, which strips
                    // comments, gives the empty line back.
                    if is_blank_line(line) {
                        markdown.push_str(EMPTY_COMMENT);
                    }
                    markdown.push('\n');
                }
            }
        }
    }
    if !markdown.is_empty() && !starts_html_block(&markdown) {
        markdown.insert_str(0, "<div>\n");
        markdown.push_str("</div>\n");
    }
    markdown
}

/// A blank line to CommonMark: nothing but spaces and tabs.
fn is_blank_line(line: &str) -> bool {
    line.bytes().all(|byte| matches!(byte, b' ' | b'\t'))
}

/// Whether `markdown` starts with a tag that opens an HTML block ending
/// only at a blank line (type 6).
fn starts_html_block(markdown: &str) -> bool {
    let Some(rest) = markdown.strip_prefix('<') else {
        return false;
    };
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let name_len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let after = &rest[name_len..];
    listed(HTML_BLOCK_TAGS, &rest[..name_len]).is_some()
        && (after.starts_with([' ', '\t', '\n', '>']) || after.starts_with("/>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::{Duration, Instant};

    /// The Theme Unit Test export (see `engine/tests/api/imports.rs`):
    /// `QUIRE_CORPORA` when set, else the shared corpora beside the
    /// repository or where development machines keep them.
    fn corpus_path() -> std::path::PathBuf {
        let corpora = std::env::var_os("QUIRE_CORPORA").map_or_else(
            || {
                let beside = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../shared/corpora");
                if beside.is_dir() {
                    beside
                } else {
                    std::path::PathBuf::from("/work/shared/corpora")
                }
            },
            std::path::PathBuf::from,
        );
        corpora.join("wordpress/themeunittestdata.wordpress.xml")
    }

    fn corpus() -> Vec<u8> {
        let path = corpus_path();
        std::fs::read(&path).unwrap_or_else(|error| {
            panic!(
                "{}: {error} (set QUIRE_CORPORA to the shared corpora)",
                path.display()
            )
        })
    }

    fn read_all(xml: &[u8]) -> Result<Vec<Item>, ExportError> {
        let mut export = Export::new(xml);
        let mut items = Vec::new();
        while let Some(item) = export.next_item()? {
            items.push(item);
        }
        Ok(items)
    }

    fn posts(items: &[Item]) -> HashMap<i64, &Post> {
        items
            .iter()
            .filter_map(|item| match item {
                Item::Post(post) => Some((post.id, &**post)),
                _ => None,
            })
            .collect()
    }

    fn utc(text: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|time| time.to_utc())
    }

    fn render(markdown: &str) -> crate::render::Rendered {
        crate::render::render_until(
            markdown,
            &crate::render::Library::default(),
            Instant::now() + Duration::from_secs(10),
        )
        .expect("renders")
    }

    /// Whether comrak reads `markdown` as exactly one HTML block.
    fn is_one_html_block(markdown: &str) -> bool {
        let arena = comrak::Arena::new();
        let root = comrak::parse_document(&arena, markdown, &comrak::Options::default());
        let blocks: Vec<_> = root.children().collect();
        blocks.len() == 1
            && matches!(
                blocks[0].data().value,
                comrak::nodes::NodeValue::HtmlBlock(_)
            )
    }

    /// A small export around `items` (the XML of the channel's children).
    fn export_of(items: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>A &amp; B</title>
<link>https://example.com</link>
<language>en-GB</language>
{items}
</channel>
</rss>
"#
        )
    }

    #[test]
    fn the_wordpress_theme_unit_test_reads_with_its_real_counts() {
        let items = read_all(&corpus()).expect("the Theme Unit Test export reads");

        let Some(Item::Site(site)) = items.first() else {
            panic!("the site comes first: {:?}", items.first());
        };
        assert_eq!(site.title, "Theme Unit Test Data");
        assert_eq!(site.link, "https://wpthemetestdata.wordpress.com");
        assert_eq!(site.language, "en");
        let sites = items.iter().filter(|item| matches!(item, Item::Site(_)));
        assert_eq!(sites.count(), 1);

        let authors: Vec<&Author> = items
            .iter()
            .filter_map(|item| match item {
                Item::Author(author) => Some(author),
                _ => None,
            })
            .collect();
        assert_eq!(authors.len(), 2);
        assert_eq!(authors[1].login, "themereviewteam");
        assert_eq!(authors[1].display_name, "Theme Reviewer");

        let terms = |kind| {
            items
                .iter()
                .filter(|item| matches!(item, Item::Term(term) if term.kind == kind))
                .count()
        };
        // 68 `wp:category`, and one `wp:term` of taxonomy `category` (the
        // six `nav_menu` terms are left out); 110 `wp:tag`.
        assert_eq!(terms(TermKind::Category), 69);
        assert_eq!(terms(TermKind::Tag), 110);

        let all: Vec<&Post> = items
            .iter()
            .filter_map(|item| match item {
                Item::Post(post) => Some(&**post),
                _ => None,
            })
            .collect();
        let count = |post_type: &str, status: &str| {
            all.iter()
                .filter(|post| post.post_type == post_type && post.status == status)
                .count()
        };
        assert_eq!(count("post", "publish"), 56);
        assert_eq!(count("post", "future"), 1);
        assert_eq!(count("post", "draft"), 1);
        assert_eq!(count("page", "publish"), 21);
        assert_eq!(count("attachment", "inherit"), 37);
        assert_eq!(count("nav_menu_item", "publish"), 70);
        assert_eq!(all.len(), 186);
        let posts = posts(&items);

        let comments: Vec<&Comment> = all.iter().flat_map(|post| &post.comments).collect();
        assert_eq!(comments.len(), 33);
        assert_eq!(
            comments.iter().filter(|comment| comment.approved).count(),
            30
        );
        let of_type = |kind: &str| {
            comments
                .iter()
                .filter(|comment| comment.comment_type == kind)
                .count()
        };
        assert_eq!(
            (
                of_type(""),
                of_type("comment"),
                of_type("pingback"),
                of_type("trackback")
            ),
            (28, 1, 2, 2)
        );
        assert_eq!(posts[&1148].comments.len(), 20, "Template: Comments");
        assert!(comments.iter().all(|comment| comment.date.is_some()));

        // Every post names one of the authors, strays (`>themereviewteam`)
        // cleaned off.
        assert!(
            all.iter()
                .all(|post| authors.iter().any(|author| author.login == post.creator))
        );
        assert_eq!(
            all.iter()
                .filter(|post| post.thumbnail_id.is_some())
                .count(),
            6
        );
        assert!(
            all.iter()
                .filter(|post| post.post_type == "attachment")
                .all(|post| post.attachment_url.starts_with("https://"))
        );

        let special = posts[&1174];
        assert_eq!(
            special.title,
            "Markup: Title With Special Characters ~`!@#$%^&*()-_=+{}[]/\\;:'\"?,.>"
        );
        assert_eq!(posts[&1173].title, "Markup: Title With Markup");
        assert_eq!(
            posts[&1811].slug, "επίπεδο-2",
            "a Greek slug is percent-decoded"
        );
        assert_eq!(posts[&1811].title, "Επίπεδο 2 -Second Greek level");
        assert_eq!(posts[&1811].parent_id, 1809);
        assert!(posts[&1168].password_protected);
        assert!(!posts[&1241].password_protected);

        let sticky = posts[&1241];
        assert_eq!(sticky.published, utc("2012-01-07T14:07:21Z"));
        assert_eq!(sticky.slug, "template-sticky");
        assert_eq!(
            sticky.link,
            "https://wpthemetestdata.wordpress.com/2012/01/07/template-sticky/"
        );
        assert_eq!(
            sticky.terms,
            vec![
                PostTerm {
                    kind: TermKind::Category,
                    slug: "classic".to_owned(),
                    name: "Classic".to_owned(),
                },
                PostTerm {
                    kind: TermKind::Tag,
                    slug: "sticky-2".to_owned(),
                    name: "sticky".to_owned(),
                },
                PostTerm {
                    kind: TermKind::Tag,
                    slug: "template".to_owned(),
                    name: "template".to_owned(),
                },
                PostTerm {
                    kind: TermKind::Category,
                    slug: "uncategorized".to_owned(),
                    name: "Uncategorized".to_owned(),
                },
            ]
        );
        let draft = posts[&1164];
        assert_eq!(draft.status, "draft");
        assert_eq!(draft.slug, "");
        assert!(
            draft
                .terms
                .iter()
                .any(|term| term.name == "content περιεχόμενο")
        );
        assert_eq!(posts[&1153].published, utc("2030-01-01T19:00:18Z"));
        assert!(
            posts[&993]
                .excerpt
                .starts_with("This is a user-defined post excerpt. It should be displayed")
        );
        assert_eq!(posts[&1011].thumbnail_id, Some(1022));
        assert_eq!(posts[&1241].thumbnail_id, None);

        let more = body_markdown(&posts[&358].html);
        assert!(more.contains("\n<!--more-->\n"), "{more}");
        let caption = body_markdown(&posts[&1163].html);
        assert!(
            caption.contains("<figcaption>Bell on wharf in San Francisco</figcaption>"),
            "{caption}"
        );
        assert!(render(&caption).html.contains("<figcaption>"));
        let attribute_caption = body_markdown(&posts[&568].html);
        assert!(
            attribute_caption.contains("<figcaption>Chunk of resinous blackboy husk"),
            "{attribute_caption}"
        );
        let rendered = render(&body_markdown(&posts[&1241].html));
        assert!(
            rendered.html.starts_with("<p>This is a sticky post.</p>"),
            "{}",
            rendered.html
        );
    }

    #[test]
    fn every_wordpress_theme_unit_test_body_is_one_html_block_that_renders() {
        let items = read_all(&corpus()).expect("reads");
        for post in posts(&items)
            .values()
            .filter(|post| matches!(post.post_type.as_str(), "post" | "page"))
        {
            let markdown = body_markdown(&post.html);
            if post.html.trim().is_empty() {
                assert_eq!(markdown, "", "post {}", post.id);
                continue;
            }
            assert!(markdown.ends_with('\n'), "post {}", post.id);
            assert!(starts_html_block(&markdown), "post {}: {markdown}", post.id);
            assert!(
                markdown.lines().all(|line| !is_blank_line(line)),
                "post {}: {markdown}",
                post.id
            );
            assert!(is_one_html_block(&markdown), "post {}: {markdown}", post.id);
            assert!(!markdown.contains("<!-- wp:"), "post {}", post.id);
            let rendered = render(&markdown);
            assert!(
                !rendered.html.contains("&lt;p&gt;"),
                "post {}: {}",
                post.id,
                rendered.html
            );
        }
        let posts = posts(&items);
        // Classic paragraphs render as paragraphs.
        let generated = render(&body_markdown(&posts[&1446].html));
        assert_eq!(
            generated.html.matches("<p>").count(),
            2,
            "{}",
            generated.html
        );
        // Its headings, table and preformatted poem survive.
        let markup = render(&body_markdown(&posts[&1178].html));
        assert!(markup.html.contains("<h2>Tables</h2>"), "{}", markup.html);
        assert!(markup.html.contains("<td>$100K</td>"), "{}", markup.html);
        assert!(
            markup.html.contains("</cite>\n\n\n\tTwo roads diverged"),
            "{}",
            markup.html
        );
        // An address alone on its line is a link.
        let video = body_markdown(&posts[&1161].html);
        assert!(
            video.starts_with(
                "<p><a href=\"https://www.youtube.com/watch?v=SQEQr7c0-dw\">https://www.youtube.com/watch?v=SQEQr7c0-dw</a></p>\n"
            ),
            "{video}"
        );
        let audio = body_markdown(&posts[&587].html);
        assert!(audio.contains("<a href=\"https://wpthemetestdata.files.wordpress.com/2008/06/originaldixielandjazzbandwithalbernard-stlouisblues.mp3\">"), "{audio}");
        let gallery = body_markdown(&posts[&555].html);
        assert!(gallery.starts_with("<p>[gallery]</p>\n"), "{gallery}");
        // Block content: comments gone, `<!--more-->` kept, `<!--nextpage-->` gone.
        let blocks = body_markdown(&posts[&24].html);
        assert!(blocks.contains("\n<!--more-->\n"), "{blocks}");
        assert!(!blocks.contains("nextpage"), "{blocks}");
        let embeds = body_markdown(&posts[&1738].html);
        assert!(
            embeds.contains("<p><a href=\"https://www.instagram.com/p/BpmueLLgEn_/?utm_source=ig_share_sheet&amp;igshid=1hcxphic7p9e2\">"),
            "{embeds}"
        );
    }

    #[test]
    fn a_small_buffer_reads_the_same_items_as_a_large_one() {
        let corpus = corpus();
        let whole = read_all(&corpus).expect("reads");
        let mut export = Export::new(std::io::BufReader::with_capacity(7, corpus.as_slice()));
        let mut items = Vec::new();
        while let Some(item) = export.next_item().expect("reads") {
            items.push(item);
        }
        assert_eq!(items, whole);
    }

    #[test]
    fn a_small_export_reads_field_by_field() {
        let xml = export_of(
            r#"
<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[ann]]></wp:author_login><wp:author_email>ann@example.com</wp:author_email><wp:author_display_name><![CDATA[Ann &amp; Co]]></wp:author_display_name></wp:author>
<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename>%e6%97%a5%e6%9c%ac</wp:category_nicename><wp:category_parent/><wp:cat_name><![CDATA[日本]]></wp:cat_name></wp:category>
<wp:tag><wp:term_id>4</wp:term_id><wp:tag_slug>rust</wp:tag_slug><wp:tag_name><![CDATA[Rust]]></wp:tag_name></wp:tag>
<wp:term><wp:term_id>5</wp:term_id><wp:term_taxonomy>nav_menu</wp:term_taxonomy><wp:term_slug>main</wp:term_slug><wp:term_name>Main</wp:term_name></wp:term>
<wp:term><wp:term_id>6</wp:term_id><wp:term_taxonomy>post_tag</wp:term_taxonomy><wp:term_slug>go</wp:term_slug><wp:term_name>Go</wp:term_name></wp:term>
<wp:unknown><item><wp:post_id>999</wp:post_id></item></wp:unknown>
<item>
  <title>Fish &amp;amp; Chips &#8217;n&#8217; &lt;em&gt;more&lt;/em&gt;&nbsp;</title>
  <link>https://example.com/?p=7</link>
  <dc:creator><![CDATA[ann]]></dc:creator>
  <content:encoded><![CDATA[Hello]]>&amp;<![CDATA[ world]]></content:encoded>
  <excerpt:encoded><![CDATA[<p>An <b>excerpt</b>.</p><p>Second.</p>]]></excerpt:encoded>
  <wp:post_id>7</wp:post_id>
  <wp:post_date>2020-05-06 07:08:09</wp:post_date>
  <wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>
  <wp:post_modified>not a date</wp:post_modified>
  <wp:post_modified_gmt>0000-00-00 00:00:00</wp:post_modified_gmt>
  <wp:post_name><![CDATA[%e6%97%a5%e6%9c%ac-go]]></wp:post_name>
  <wp:status>draft</wp:status>
  <wp:post_parent>3</wp:post_parent>
  <wp:post_type>post</wp:post_type>
  <wp:post_password><![CDATA[secret]]></wp:post_password>
  <category domain="category" nicename="%e6%97%a5%e6%9c%ac"><![CDATA[日本]]></category>
  <category domain="post_format" nicename="post-format-aside"><![CDATA[Aside]]></category>
  <category domain="post_tag" nicename="fish-chips"><![CDATA[Fish &amp; Chips]]></category>
  <wp:postmeta><wp:meta_key>_edit_last</wp:meta_key><wp:meta_value><![CDATA[1]]></wp:meta_value></wp:postmeta>
  <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value><![CDATA[42]]></wp:meta_value></wp:postmeta>
  <wp:comment>
    <wp:comment_id>11</wp:comment_id>
    <wp:comment_author><![CDATA[Bob]]></wp:comment_author>
    <wp:comment_author_email>bob@example.com</wp:comment_author_email>
    <wp:comment_author_url>https://bob.example</wp:comment_author_url>
    <wp:comment_date>2020-05-07 10:00:00</wp:comment_date>
    <wp:comment_date_gmt>2020-05-07 09:00:00</wp:comment_date_gmt>
    <wp:comment_content><![CDATA[Nice <b>post</b>]]></wp:comment_content>
    <wp:comment_approved>0</wp:comment_approved>
    <wp:comment_type>pingback</wp:comment_type>
    <wp:comment_parent>10</wp:comment_parent>
    <wp:commentmeta><wp:meta_key>akismet</wp:meta_key><wp:meta_value>x</wp:meta_value></wp:commentmeta>
  </wp:comment>
</item>
"#,
        );
        let items = read_all(xml.as_bytes()).expect("reads");
        let post = Post {
            id: 7,
            post_type: "post".to_owned(),
            status: "draft".to_owned(),
            title: "Fish & Chips ’n’ more".to_owned(),
            slug: "日本-go".to_owned(),
            creator: "ann".to_owned(),
            link: "https://example.com/?p=7".to_owned(),
            published: utc("2020-05-06T07:08:09Z"),
            modified: None,
            html: "Hello& world".to_owned(),
            excerpt: "An excerpt.\nSecond.".to_owned(),
            terms: vec![
                PostTerm {
                    kind: TermKind::Category,
                    slug: "日本".to_owned(),
                    name: "日本".to_owned(),
                },
                PostTerm {
                    kind: TermKind::Tag,
                    slug: "fish-chips".to_owned(),
                    name: "Fish & Chips".to_owned(),
                },
            ],
            thumbnail_id: Some(42),
            parent_id: 3,
            password_protected: true,
            attachment_url: String::new(),
            comments: vec![Comment {
                id: 11,
                parent_id: 10,
                author: "Bob".to_owned(),
                email: "bob@example.com".to_owned(),
                url: "https://bob.example".to_owned(),
                date: utc("2020-05-07T09:00:00Z"),
                content: "Nice <b>post</b>".to_owned(),
                approved: false,
                comment_type: "pingback".to_owned(),
            }],
        };
        assert_eq!(
            items,
            vec![
                Item::Site(Site {
                    title: "A & B".to_owned(),
                    link: "https://example.com".to_owned(),
                    language: "en-GB".to_owned(),
                }),
                Item::Author(Author {
                    login: "ann".to_owned(),
                    email: "ann@example.com".to_owned(),
                    display_name: "Ann & Co".to_owned(),
                }),
                Item::Term(Term {
                    kind: TermKind::Category,
                    slug: "日本".to_owned(),
                    name: "日本".to_owned(),
                }),
                Item::Term(Term {
                    kind: TermKind::Tag,
                    slug: "rust".to_owned(),
                    name: "Rust".to_owned(),
                }),
                Item::Term(Term {
                    kind: TermKind::Tag,
                    slug: "go".to_owned(),
                    name: "Go".to_owned(),
                }),
                Item::Post(Box::new(post)),
            ]
        );
    }

    #[test]
    fn a_title_decodes_references_once_as_html_does() {
        // `&amp;amp;` in XML is `&amp;` in the HTML title: one ampersand.
        let xml = export_of(
            "<item><title>Fish &amp;amp; Chips &#8217;n&#8217; &lt;em&gt;more&lt;/em&gt;&nbsp;</title></item>",
        );
        let items = read_all(xml.as_bytes()).expect("reads");
        let Some(Item::Post(post)) = items.last() else {
            panic!("{items:?}");
        };
        assert_eq!(post.title, "Fish & Chips ’n’ more");
    }

    #[test]
    fn the_site_is_answered_at_the_channel_end_when_nothing_follows_it() {
        let items = read_all(export_of("").as_bytes()).expect("reads");
        assert_eq!(
            items,
            vec![Item::Site(Site {
                title: "A & B".to_owned(),
                link: "https://example.com".to_owned(),
                language: "en-GB".to_owned(),
            })]
        );
    }

    #[test]
    fn what_is_not_a_wordpress_export_is_refused_as_such() {
        let not_wordpress = |xml: &str| {
            matches!(
                read_all(xml.as_bytes()),
                Err(ExportError::NotWordPress { .. })
            )
        };
        assert!(not_wordpress(""));
        assert!(not_wordpress("<?xml version=\"1.0\"?>\n<!-- nothing -->\n"));
        assert!(not_wordpress("<html><body><p>Hi</p></body></html>"));
        assert!(not_wordpress("<rss version=\"2.0\"><other/></rss>"));
        let not_xml =
            |text: &str| matches!(read_all(text.as_bytes()), Err(ExportError::NotXml { .. }));
        assert!(not_xml("hello, world"));
        assert!(not_xml("{\"json\": true}"));
        assert!(not_xml("<rss><channel><item></channel></rss>"));
        assert!(not_xml("<rss><channel></rss>"));
        assert!(matches!(
            read_all(b"\xff\xfe<\x00r\x00s\x00s\x00"),
            Err(ExportError::NotXml { .. } | ExportError::NotWordPress { .. })
        ));
        let error = read_all(b"<html/>").expect_err("refused");
        assert_eq!(
            error.to_string(),
            "not a WordPress export (WXR): the document is <html>, not an RSS feed (<rss>)"
        );
    }

    #[test]
    fn a_truncated_export_is_refused_wherever_it_is_cut() {
        let corpus = corpus();
        let text = String::from_utf8(corpus.clone()).expect("UTF-8");
        let mut cut = 1;
        while cut < text.len() {
            let mut at = cut;
            while !text.is_char_boundary(at) {
                at += 1;
            }
            match read_all(&corpus[..at]) {
                Err(ExportError::Truncated { position }) => assert!(position <= at as u64),
                other => panic!("cut at {at}: {other:?}"),
            }
            cut += 7919;
        }
    }

    #[test]
    fn an_oversized_field_is_refused_with_its_post() {
        let title = "t".repeat(FIELD_MAX_BYTES + 1);
        let xml = export_of(&format!(
            "<item><wp:post_id>5</wp:post_id><title>{title}</title></item>"
        ));
        match read_all(xml.as_bytes()) {
            Err(ExportError::TooLarge {
                field,
                post_id,
                limit,
                ..
            }) => assert_eq!(
                (field.as_str(), post_id, limit),
                ("title", Some(5), FIELD_MAX_BYTES)
            ),
            other => panic!("{other:?}"),
        }
        // A body in many CDATA sections, each small.
        let section = format!("<![CDATA[{}]]>", "b".repeat(1 << 20));
        let body = section.repeat(17);
        let xml = export_of(&format!(
            "<item><wp:post_id>6</wp:post_id><content:encoded>{body}</content:encoded></item>"
        ));
        match read_all(xml.as_bytes()) {
            Err(error @ ExportError::TooLarge { .. }) => {
                assert_eq!(
                    error.to_string().split(" (at byte").next(),
                    Some(
                        "content:encoded of post 6 is larger than the 16777216 bytes an import accepts"
                    )
                );
            }
            other => panic!("{other:?}"),
        }
        // One token too long to hold, refused before it is read whole.
        let xml = export_of(&format!(
            "<item><content:encoded><![CDATA[{}]]></content:encoded></item>",
            "c".repeat(TOKEN_MAX_BYTES + 10)
        ));
        match read_all(xml.as_bytes()) {
            Err(ExportError::TooLarge { field, limit, .. }) => {
                assert_eq!(
                    (field.as_str(), limit),
                    ("content:encoded", TOKEN_MAX_BYTES)
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn too_many_comments_or_terms_are_refused() {
        let comments = "<wp:comment></wp:comment>".repeat(COMMENTS_PER_POST_MAX + 1);
        let xml = export_of(&format!(
            "<item><wp:post_id>8</wp:post_id>{comments}</item>"
        ));
        assert!(matches!(
            read_all(xml.as_bytes()),
            Err(ExportError::TooMany {
                what: "comments",
                post_id: Some(8),
                ..
            })
        ));
        let terms = "<category domain=\"post_tag\" nicename=\"t\">t</category>"
            .repeat(TERMS_PER_POST_MAX + 1);
        let xml = export_of(&format!("<item>{terms}</item>"));
        let error = read_all(xml.as_bytes()).expect_err("refused");
        assert_eq!(
            error.to_string(),
            "an item has more than 1000 categories and tags"
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let xml = export_of(&format!("{}{}", "<a>".repeat(100), "</a>".repeat(100)));
        assert!(matches!(
            read_all(xml.as_bytes()),
            Err(ExportError::TooDeep { .. })
        ));
    }

    #[test]
    fn classic_paragraphs_and_line_breaks_become_one_html_block() {
        let body = body_markdown("First line\nsecond line  \n\n\nNext *paragraph*\r\n\r\nLast");
        assert_eq!(
            body,
            "<p>First line<br>\nsecond line</p>\n<p>Next *paragraph*</p>\n<p>Last</p>\n"
        );
        assert!(is_one_html_block(&body));
        let rendered = render(&body);
        assert_eq!(
            rendered.html,
            "<p>First line<br>\nsecond line</p>\n<p>Next *paragraph*</p>\n<p>Last</p>\n"
        );
    }

    #[test]
    fn block_tags_cut_chunks_as_wpautop_does() {
        let body = body_markdown(
            "<strong>Headings</strong>\n<h1>One</h1>\nSingle line:\n<blockquote>Stay hungry.\nStay foolish.</blockquote>\n<ul>\n\t<li>Item\n<ul>\n\t<li>Inner</li>\n</ul>\n</li>\n</ul>\n<address>1 Loop\nCupertino</address><b>After</b>\n<hr />\nEnd<br />\n<br>New paragraph",
        );
        assert_eq!(
            body,
            "<p><strong>Headings</strong></p>\n<h1>One</h1>\n<p>Single line:</p>\n<blockquote><p>Stay hungry.<br>\nStay foolish.</p></blockquote>\n<ul>\n<li>Item\n<ul>\n<li>Inner</li>\n</ul>\n</li>\n</ul>\n<address>1 Loop<br>\nCupertino</address>\n<p><b>After</b></p>\n<hr />\n<p>End</p>\n<p>New paragraph</p>\n"
        );
        let body = body_markdown(
            "<p>\n\nText in an opened paragraph\n</p>\n\n<div>\nIn a div\n\nSecond</div>",
        );
        assert_eq!(
            body,
            "<p>Text in an opened paragraph</p>\n<div>In a div\n<p>Second</p></div>\n"
        );
    }

    #[test]
    fn block_comments_go_and_the_more_marker_stays() {
        let body = body_markdown(
            "<!-- wp:paragraph -->\n<p>One\nline</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:more -->\n<!--more Read on-->\n<!-- /wp:more -->\n\n<!-- wp:nextpage -->\n<!--nextpage-->\n<!-- /wp:nextpage -->\n\n<!-- wp:image {\"id\":5} /-->\n<!-- wp:list -->\n<ul><!-- wp:list-item -->\n<li>A</li>\n<!-- /wp:list-item --></ul>\n<!-- /wp:list -->",
        );
        assert_eq!(
            body,
            "<p>One\nline</p>\n<!--more Read on-->\n<ul>\n<li>A</li>\n</ul>\n"
        );
        let classic = body_markdown(
            "Teaser <!--more--> rest\n\n<!--more-->\n\nAfter <!-- a note\n\nwith a blank line -->",
        );
        assert_eq!(
            classic,
            "<p>Teaser <!--more--> rest</p>\n<!--more-->\n<p>After</p>\n"
        );
        assert!(is_one_html_block(&classic));
        let unclosed = body_markdown("Before <!-- never closed\n\nAfter");
        assert_eq!(
            unclosed,
            "<p>Before &lt;!-- never closed</p>\n<p>After</p>\n"
        );
    }

    #[test]
    fn preformatted_blank_lines_survive_in_one_block() {
        let original = "<pre class=\"code\">fn main() {\n\n  \n    run();\n}</pre>";
        let body = body_markdown(&format!("Before\n\n{original}\n\nAfter"));
        assert!(body.lines().all(|line| !is_blank_line(line)), "{body}");
        assert!(is_one_html_block(&body), "{body}");
        let start = body.find("<pre").expect("a pre");
        let end = body.find("</pre>").expect("its end") + "</pre>".len();
        assert_eq!(body[start..end].replace(EMPTY_COMMENT, ""), original);
        let rendered = render(&body);
        assert!(
            rendered
                .html
                .contains("<pre class=\"code\">fn main() {\n\n  \n    run();\n}</pre>")
                || rendered
                    .html
                    .contains("<pre>fn main() {\n\n  \n    run();\n}</pre>"),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("<p>After</p>"), "{}", rendered.html);
        // A body that starts with preformatted text is wrapped: `<pre>` would
        // start a block that ends at `</pre>`.
        let body = body_markdown("<pre>a\n\nb</pre>\nAfter\n\n# Not a heading");
        assert_eq!(
            body,
            "<div>\n<pre>a\n<!---->\nb</pre>\n<p>After</p>\n<p># Not a heading</p>\n</div>\n"
        );
        assert!(is_one_html_block(&body));
        assert!(!render(&body).html.contains("<h1"));
    }

    #[test]
    fn captions_become_figures() {
        let body = body_markdown(
            "[caption id=\"attachment_1\" align=\"alignnone\" width=\"300\"]<a href=\"https://e.com/i.jpg\"><img src=\"https://e.com/i.jpg\" alt=\"x\" width=\"300\" /></a> A <em>fine</em> caption[/caption]",
        );
        assert_eq!(
            body,
            "<figure><a href=\"https://e.com/i.jpg\"><img src=\"https://e.com/i.jpg\" alt=\"x\" width=\"300\" /></a>\n<figcaption>A <em>fine</em> caption</figcaption>\n</figure>\n"
        );
        let rendered = render(&body);
        assert!(
            rendered
                .html
                .contains("<figcaption>A <em>fine</em> caption</figcaption>"),
            "{}",
            rendered.html
        );
        let attribute = body_markdown(
            "Text [caption caption=\"From the attribute\"]<img src=\"https://e.com/i.jpg\">[/caption] more",
        );
        assert_eq!(
            attribute,
            "<p>Text</p>\n<figure><img src=\"https://e.com/i.jpg\">\n<figcaption>From the attribute</figcaption>\n</figure>\n<p>more</p>\n"
        );
        // Without a caption, the image alone; never closed, the text it is.
        assert_eq!(
            body_markdown("[caption]<img src=\"a.jpg\">[/caption]"),
            "<p><img src=\"a.jpg\"></p>\n"
        );
        assert_eq!(
            body_markdown("[caption]<img src=\"a.jpg\"> Open"),
            "<p>[caption]<img src=\"a.jpg\"> Open</p>\n"
        );
    }

    #[test]
    fn other_shortcodes_stay_readable_and_media_become_links() {
        let body = body_markdown(
            "[foo bar=\"1\"]\n\n[gallery ids=\"1,2\"]\n\n[embed width=\"500\"]https://e.com/watch?a=1&amp;b=\"2\"[/embed]\n\n[video mp4=\"https://e.com/v.mp4\"]Fallback[/video]\n\n[audio https://e.com/a.mp3]\n\n[embed]not an address[/embed]",
        );
        assert_eq!(
            body,
            "<p>[foo bar=\"1\"]</p>\n<p>[gallery ids=\"1,2\"]</p>\n<p>[embed width=\"500\"]https://e.com/watch?a=1&amp;b=\"2\"[/embed]</p>\n<p><a href=\"https://e.com/v.mp4\">https://e.com/v.mp4</a></p>\n<p>Fallback</p>\n<p><a href=\"https://e.com/a.mp3\">https://e.com/a.mp3</a></p>\n<p>[embed]not an address[/embed]</p>\n"
        );
        let embed = body_markdown("[embed]https://e.com/watch?a=1&amp;b=2&#038;c=<3[/embed]");
        assert_eq!(
            embed,
            "<p>[embed]https://e.com/watch?a=1&amp;b=2&#038;c=<3[/embed]</p>\n"
        );
        let embed = body_markdown("[embed]https://e.com/watch?a=1&amp;b=2&#038;c='3'[/embed]");
        assert_eq!(
            embed,
            "<p><a href=\"https://e.com/watch?a=1&amp;b=2&amp;c=&#39;3&#39;\">https://e.com/watch?a=1&amp;b=2&amp;c=&#39;3&#39;</a></p>\n"
        );
        let bare = body_markdown("Watch:\nhttps://www.youtube.com/watch?v=x&amp;t=1\nThen this.");
        assert_eq!(
            bare,
            "<p>Watch:</p>\n<p><a href=\"https://www.youtube.com/watch?v=x&amp;t=1\">https://www.youtube.com/watch?v=x&amp;t=1</a></p>\n<p>Then this.</p>\n"
        );
        assert!(
            render(&bare)
                .html
                .contains("<a href=\"https://www.youtube.com/watch?v=x&amp;t=1\"")
        );
    }

    #[test]
    fn the_body_always_starts_with_a_block_tag() {
        assert_eq!(body_markdown(""), "");
        assert_eq!(body_markdown(" \n\t\n"), "");
        assert_eq!(body_markdown("Just text"), "<p>Just text</p>\n");
        assert_eq!(body_markdown("<span>x</span>"), "<p><span>x</span></p>\n");
        assert_eq!(
            body_markdown("<!--more-->\nText"),
            "<p><!--more-->\nText</p>\n"
        );
        assert_eq!(
            body_markdown("<!--more-->\n\nText"),
            "<div>\n<!--more-->\n<p>Text</p>\n</div>\n"
        );
        assert_eq!(
            body_markdown("Teaser\n<!--more-->\nRest"),
            "<p>Teaser<br>\n<!--more-->\nRest</p>\n"
        );
        assert_eq!(
            body_markdown("<script>a()\n\nb()</script>\n\nText"),
            "<div>\n<script>a()\nb()</script>\n<p>Text</p>\n</div>\n"
        );
        assert_eq!(
            body_markdown("<hgroup><h1>T</h1></hgroup>"),
            "<div>\n<hgroup>\n<h1>T</h1>\n</hgroup>\n</div>\n"
        );
        assert_eq!(body_markdown("a\0b"), "<p>a\u{FFFD}b</p>\n");
        for body in [
            "<pre>x</pre>",
            "<!--more-->",
            "text",
            "<table><tr><td>1</td></tr></table>",
        ] {
            let markdown = body_markdown(body);
            assert!(starts_html_block(&markdown), "{markdown}");
            assert!(markdown.ends_with('\n'));
            assert!(is_one_html_block(&markdown), "{markdown}");
        }
    }

    #[test]
    fn block_editor_markup_keeps_its_newlines() {
        let body = body_markdown(
            "<!-- wp:paragraph -->\n<p>A\nB</p>\n<!-- /wp:paragraph -->\n\nLoose\ntext",
        );
        assert_eq!(body, "<p>A\nB</p>\n<p>Loose<br>\ntext</p>\n");
    }

    #[test]
    fn hostile_bodies_convert_in_linear_time() {
        let started = Instant::now();
        for piece in [
            "[caption ",
            "[caption]",
            "[audio ",
            "<a ",
            "<a href=\"",
            "<!--",
            "<script>",
            "<pre>",
            "<p>",
            "\n\n",
            "[",
            "<br>",
            "<img ",
        ] {
            let body = piece.repeat(200_000 / piece.len().max(1) * 4);
            let markdown = body_markdown(&body);
            assert!(markdown.lines().all(|line| !is_blank_line(line)), "{piece}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn helpers_decode_slugs_and_dates() {
        assert_eq!(percent_decoded("%ce%b5%cf%80%ce%af"), "επί");
        assert_eq!(percent_decoded("100%-sure%2"), "100%-sure%2");
        assert_eq!(percent_decoded("%ff%fe"), "%ff%fe");
        assert_eq!(wordpress_time("0000-00-00 00:00:00", ""), None);
        assert_eq!(
            wordpress_time("2012-01-07 14:07:21", "2012-01-07 07:07:21"),
            utc("2012-01-07T14:07:21Z")
        );
        assert_eq!(login(">themereviewteam"), "themereviewteam");
        assert_eq!(
            between_blank_lines("a\n \t\nb\n\n\nc\nd"),
            vec!["a", "b", "\nc\nd"]
        );
    }
}
