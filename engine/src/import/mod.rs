//! Moving a blog to Quire: imports from other platforms.
//!
//! An import reads its file as a stream, one item at a time, so memory stays
//! flat with the file's size. Each post is written in one transaction with
//! everything that belongs to it (its author when new, tags, dates,
//! comments) and a row saying which source item it was (`import_sources`):
//! a second run of the same file finds every item imported and changes
//! nothing; an interrupted run continues where it stopped; nothing is ever
//! half-imported, so nothing half-imported is published. A dry run does the
//! same work and rolls every transaction back, so what it reports is exactly
//! what a run would do.
//!
//! Posts are written through the same rules as the API (`post_fields` for
//! the fields, `content::posts` for rendering, permissions, publishing and
//! the change it records), so the caches and search index of every replica
//! follow an import as they follow any write.

mod from_ghost;
mod from_wordpress;
pub mod ghost;
pub mod wordpress;

pub use from_ghost::ghost;
pub use from_wordpress::wordpress;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::{DateTime, Utc};
use quire_proto::v1;
use uuid::Uuid;

use crate::auth::{Caller, NO_PASSWORD, Scope};
use crate::content::ContentError;
use crate::content::posts::{self as content_posts, Target};
use crate::domain::{
    ALT_TEXT_MAX, BIO_MAX, COMMENT_BODY_MAX, COMMENTER_NAME_MAX, DESCRIPTION_MAX, DISPLAY_NAME_MAX,
    EMAIL_MAX, FieldViolations, Slug, TAG_NAME_MAX, TAGS_PER_POST_MAX, TITLE_MAX, name_key,
};
use crate::grpc::post_fields;
use crate::store::authors::{self, AuthorProfile};
use crate::store::comments::{self, NewComment};
use crate::store::{Store, StoreError, Tx, imports};

/// How an import runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Do everything, then roll it back: report what a run would do.
    pub dry_run: bool,
}

/// What an import did (or, dry, would do).
#[derive(Debug, Default)]
pub struct Report {
    /// Items created, by kind ("posts", "pages", "authors", "comments").
    pub created: BTreeMap<&'static str, u64>,
    /// Items a run before this one imported already.
    pub unchanged: u64,
    /// Items left out on purpose, counted by why (menu items, attachments…).
    pub left_out: BTreeMap<String, u64>,
    /// Items that could not be imported, each with why.
    pub refused: Vec<Refusal>,
    /// What was imported differently from the source, each with why.
    pub warnings: Vec<String>,
}

/// An item that could not be imported.
#[derive(Debug)]
pub struct Refusal {
    /// Which item ("post 123 \"Title\"").
    pub item: String,
    /// Why, in words an operator can act on.
    pub reason: String,
}

impl Report {
    fn count(&mut self, kind: &'static str) {
        *self.created.entry(kind).or_default() += 1;
    }

    fn leave_out(&mut self, why: impl Into<String>) {
        *self.left_out.entry(why.into()).or_default() += 1;
    }

    /// Warns that `item`, published where it came from but not to everyone
    /// (`why`), is imported as a draft.
    fn drafted(&mut self, item: &str, why: &str) {
        self.warnings.push(format!(
            "{item} {why}: imported as a draft (Quire shows published posts to everyone)"
        ));
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let created: Vec<String> = self
            .created
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        let created = if created.is_empty() {
            "nothing".to_owned()
        } else {
            created.join(", ")
        };
        writeln!(f, "created: {created}")?;
        writeln!(f, "unchanged (imported before): {}", self.unchanged)?;
        for (why, n) in &self.left_out {
            writeln!(f, "left out: {n} {why}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        writeln!(f, "refused: {}", self.refused.len())?;
        for refusal in &self.refused {
            writeln!(f, "  {}: {}", refusal.item, refusal.reason)?;
        }
        Ok(())
    }
}

/// The caller an import writes as: the operator, with every permission.
fn operator() -> Caller {
    Caller::Service {
        key_id: Uuid::nil(),
        scopes: vec![Scope::Admin],
    }
}

/// A post or page from any source, as Quire will write it.
pub(crate) struct Entry {
    /// `import_sources.source_id` ("post:123").
    pub source_id: String,
    /// How the report names it ("post 123 \"Title\"").
    pub label: String,
    pub kind: v1::PostKind,
    /// `None`: a draft.
    pub target: Option<Target>,
    pub title: String,
    /// Slugs to try, best first (the source's own, then its title).
    pub slugs: Vec<String>,
    pub author: Person,
    /// Tag names, without repeats.
    pub tags: Vec<String>,
    pub markdown: String,
    pub cover_image_url: String,
    pub cover_image_alt: String,
    pub meta_title: String,
    pub meta_description: String,
    pub canonical_url: String,
    /// Its address on the old site.
    pub link: String,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
    /// Approved comments, in the order they were written.
    pub comments: Vec<EntryComment>,
}

/// An author as a source knows them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Person {
    /// The source's own key (a login, an id): `import_sources.source_id`'s
    /// `author:` part.
    pub key: String,
    pub email: String,
    pub display_name: String,
    pub slug: String,
    pub bio: String,
}

/// An approved comment.
pub(crate) struct EntryComment {
    pub source_id: String,
    pub author: String,
    pub email: String,
    /// Plain text.
    pub body: String,
    pub date: Option<DateTime<Utc>>,
}

/// One import's state between items.
pub(crate) struct Importer<'a> {
    store: &'a Store,
    options: Options,
    /// `import_sources.source` of this export.
    source: String,
    /// Authors by key, once committed.
    authors: HashMap<String, Uuid>,
    /// Keys whose author was counted as created (once, even dry).
    counted_authors: std::collections::HashSet<String>,
    pub report: Report,
}

/// What writing one post did.
struct Wrote {
    comments: u64,
    author: Uuid,
    author_created: bool,
}

impl<'a> Importer<'a> {
    pub fn new(store: &'a Store, options: Options, source: String) -> Self {
        Self {
            store,
            options,
            source,
            authors: HashMap::new(),
            counted_authors: Default::default(),
            report: Report::default(),
        }
    }

    /// Writes `entry` in a transaction of its own (rolled back on a dry
    /// run), unless a run before imported it; a refusal is reported.
    pub async fn entry(&mut self, entry: Entry) -> anyhow::Result<()> {
        let mut tx = self.store.begin().await?;
        if imports::find(&mut tx, &self.source, &entry.source_id)
            .await?
            .is_some()
        {
            self.report.unchanged += 1;
            return Ok(());
        }
        match self.write(&mut tx, &entry).await {
            Ok(wrote) => {
                if self.options.dry_run {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                    self.authors.insert(entry.author.key.clone(), wrote.author);
                }
                if wrote.author_created && self.counted_authors.insert(entry.author.key.clone()) {
                    self.report.count("authors");
                }
                self.report.count(if entry.kind == v1::PostKind::Page {
                    "pages"
                } else {
                    "posts"
                });
                for _ in 0..wrote.comments {
                    self.report.count("comments");
                }
                Ok(())
            }
            Err(Refused::Because(reason)) => {
                self.report.refused.push(Refusal {
                    item: entry.label,
                    reason,
                });
                Ok(())
            }
            Err(Refused::Failed(error)) => Err(error),
        }
    }

    /// Writes `entry` in `tx`, with its author when new and its comments.
    async fn write(&mut self, tx: &mut Tx, entry: &Entry) -> Result<Wrote, Refused> {
        let (author, author_created) = self.author(tx, &entry.author).await?;
        let slug = free_post_slug(tx, entry).await?;
        let mut title = entry.title.trim().to_owned();
        if title.is_empty() {
            title = "Untitled".to_owned();
        }
        let mut tags: Vec<String> = Vec::new();
        for name in &entry.tags {
            let repeated = tags.iter().any(|tag| name_key(tag) == name_key(name));
            if repeated || name.trim().is_empty() {
                continue;
            }
            if tags.len() == TAGS_PER_POST_MAX {
                self.report.warnings.push(format!(
                    "{} has more than {TAGS_PER_POST_MAX} tags: the first {TAGS_PER_POST_MAX} are kept",
                    entry.label
                ));
                break;
            }
            tags.push(name.trim().to_owned());
        }
        let message = v1::Post {
            slug,
            kind: entry.kind as i32,
            title: shortened(&title, TITLE_MAX),
            markdown: entry.markdown.clone(),
            author_id: author.to_string(),
            tags: tags
                .into_iter()
                .map(|name| v1::TagRef {
                    slug: String::new(),
                    name: shortened(&name, TAG_NAME_MAX),
                })
                .collect(),
            cover_image_url: entry.cover_image_url.clone(),
            cover_image_alt: shortened(&entry.cover_image_alt, ALT_TEXT_MAX),
            seo: Some(v1::PostSeo {
                meta_title: shortened(&entry.meta_title, TITLE_MAX),
                meta_description: shortened(&entry.meta_description, DESCRIPTION_MAX),
                canonical_url: entry.canonical_url.clone(),
            }),
            ..Default::default()
        };
        let mut violations = FieldViolations::new();
        let edit = post_fields::parse(&message, &post_fields::all_fields(), &mut violations);
        violations.into_result().map_err(Refused::invalid)?;
        let new = content_posts::prepare(self.store, &operator(), author, edit, entry.target)
            .await
            .map_err(Refused::from)?;
        let written = content_posts::create(tx, new)
            .await
            .map_err(Refused::from)?;
        let id = written.post.id;
        let created = entry.created.unwrap_or_else(Utc::now);
        let modified = entry.modified.unwrap_or(created).max(created);
        imports::date_post(tx, id, created, modified).await?;
        let comments = self.comments(tx, id, &entry.comments).await?;
        imports::record(tx, &self.source, &entry.source_id, id, &entry.link).await?;
        Ok(Wrote {
            comments,
            author,
            author_created,
        })
    }

    /// `comments` of the post `post_id`, flattened in the order they were
    /// written (Quire's comments do not nest); answers how many.
    async fn comments(
        &mut self,
        tx: &mut Tx,
        post_id: Uuid,
        comments: &[EntryComment],
    ) -> Result<u64, Refused> {
        let mut written = 0;
        for comment in comments {
            let body = shortened(comment.body.trim(), COMMENT_BODY_MAX);
            if body.is_empty() {
                self.report.leave_out("empty comments");
                continue;
            }
            let name = shortened(comment.author.trim(), COMMENTER_NAME_MAX);
            let record = comments::insert(
                tx,
                Uuid::new_v4(),
                &NewComment {
                    post_id,
                    author_name: if name.is_empty() {
                        "Anonymous".to_owned()
                    } else {
                        name
                    },
                    author_email: shortened(comment.email.trim(), EMAIL_MAX),
                    body,
                    status: comments::status::APPROVED,
                    client_key: String::new(),
                },
            )
            .await?;
            if let Some(date) = comment.date {
                imports::date_comment(tx, record.id, date).await?;
            }
            imports::record(tx, &self.source, &comment.source_id, record.id, "").await?;
            written += 1;
        }
        Ok(written)
    }

    /// The Quire author of `person`: the one imported for them before, else
    /// the author with their email, else a new author without a password
    /// (they set one before signing in). Answers whether it was created.
    async fn author(&mut self, tx: &mut Tx, person: &Person) -> Result<(Uuid, bool), Refused> {
        if let Some(&id) = self.authors.get(&person.key) {
            return Ok((id, false));
        }
        let source_id = format!("author:{}", person.key);
        if let Some(id) = imports::find(tx, &self.source, &source_id).await? {
            return Ok((id, false));
        }
        // An author without an email gets an address that can never be
        // anyone's (RFC 2606), so the unique email rule still holds.
        let email = match person.email.trim() {
            "" => format!(
                "{}@import.invalid",
                Slug::derive(&person.key).map_or_else(|| "author".to_owned(), Slug::into_string)
            ),
            email => email.to_owned(),
        };
        let display_name = match person.display_name.trim() {
            "" => person.key.as_str(),
            name => name,
        };
        let (id, created) = match imports::author_by_email(tx, &email).await? {
            Some(id) => (id, false),
            None => {
                let base = Slug::parse(&person.slug)
                    .ok()
                    .or_else(|| Slug::derive(display_name))
                    .or_else(|| Slug::derive(&person.key))
                    .unwrap_or_else(|| Slug::parse("author").expect("a valid slug"));
                let mut slug = base.clone();
                for n in 2.. {
                    if !imports::author_slug_taken(tx, slug.as_str()).await? {
                        break;
                    }
                    slug = base.numbered(n);
                }
                let id = Uuid::new_v4();
                let profile = AuthorProfile {
                    slug: slug.into_string(),
                    display_name: shortened(display_name, DISPLAY_NAME_MAX),
                    email: shortened(&email, EMAIL_MAX),
                    bio: shortened(&person.bio, BIO_MAX),
                    avatar_url: String::new(),
                    website_url: String::new(),
                    role: v1::AuthorRole::Author as i16,
                };
                authors::insert(tx, id, &profile, NO_PASSWORD).await?;
                (id, true)
            }
        };
        imports::record(tx, &self.source, &source_id, id, "").await?;
        Ok((id, created))
    }
}

/// A slug for `entry` that no post or page holds: the first of its slugs
/// Quire accepts as it is, else one derived from them, numbered when taken
/// (WordPress lets a page and a post share one).
async fn free_post_slug(tx: &mut Tx, entry: &Entry) -> Result<String, StoreError> {
    let base = entry
        .slugs
        .iter()
        .find_map(|slug| Slug::parse_post(slug).ok())
        .or_else(|| {
            entry
                .slugs
                .iter()
                .filter_map(|slug| Slug::derive(slug))
                .find(|slug| Slug::parse_post(slug.as_str()).is_ok())
        })
        .unwrap_or_else(|| {
            Slug::derive(&entry.source_id)
                .unwrap_or_else(|| Slug::parse("post").expect("a valid slug"))
        });
    let mut slug = base.clone();
    for n in 2.. {
        if !imports::post_slug_taken(tx, slug.as_str()).await? {
            break;
        }
        slug = base.numbered(n);
    }
    Ok(slug.into_string())
}

/// `text` cut to at most `max` characters.
pub(crate) fn shortened(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Why one item was not imported: its own fault (reported, the import
/// goes on) or the database's (the import stops; a rerun continues).
enum Refused {
    Because(String),
    Failed(anyhow::Error),
}

impl Refused {
    fn invalid(violations: FieldViolations) -> Self {
        let reasons: Vec<String> = violations
            .iter()
            .map(|violation| format!("{} {}", violation.field, violation.description))
            .collect();
        Self::Because(reasons.join("; "))
    }
}

impl From<ContentError> for Refused {
    fn from(error: ContentError) -> Self {
        match error {
            ContentError::Invalid(violations) => Self::invalid(violations),
            ContentError::Store(error) => Self::from(error),
            other => Self::Because(other.to_string()),
        }
    }
}

impl From<StoreError> for Refused {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Taken { field } => Self::Because(format!("{field} is already in use")),
            other => Self::Failed(other.into()),
        }
    }
}
