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

pub mod wordpress;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use quire_proto::v1;
use uuid::Uuid;

use crate::auth::{Caller, NO_PASSWORD, Scope};
use crate::content::ContentError;
use crate::content::posts::{self as content_posts, Target};
use crate::domain::{
    COMMENT_BODY_MAX, COMMENTER_NAME_MAX, DESCRIPTION_MAX, DISPLAY_NAME_MAX, EMAIL_MAX,
    FieldViolations, Slug, TAGS_PER_POST_MAX, TITLE_MAX,
};
use crate::grpc::post_fields;
use crate::store::authors::{self, AuthorProfile};
use crate::store::comments::{self, NewComment};
use crate::store::{Store, StoreError, Tx, imports};

use wordpress::{Export, Item, TermKind};

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

/// Imports a WordPress export (WXR) file.
pub async fn wordpress(store: &Store, path: &Path, options: Options) -> anyhow::Result<Report> {
    let open = || -> anyhow::Result<Export<BufReader<std::fs::File>>> {
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        Ok(Export::new(BufReader::with_capacity(1 << 16, file)))
    };
    // First pass: what posts refer to (authors by login, attachments by id),
    // small next to the posts, so the second pass can write each post whole
    // wherever in the file these come.
    let mut site = wordpress::Site::default();
    let mut people: HashMap<String, wordpress::Author> = HashMap::new();
    let mut attachments: HashMap<i64, String> = HashMap::new();
    let mut export = open()?;
    while let Some(item) = export.next_item()? {
        match item {
            Item::Site(found) => site = found,
            Item::Author(author) => {
                people.insert(author.login.clone(), author);
            }
            Item::Post(post) if post.post_type == "attachment" => {
                attachments.insert(post.id, post.attachment_url);
            }
            Item::Term(_) | Item::Post(_) => {}
        }
    }
    let mut import = Import {
        store,
        options,
        source: format!("wordpress:{}", site.link.trim_end_matches('/')),
        people,
        attachments,
        authors: HashMap::new(),
        counted_authors: Default::default(),
        report: Report::default(),
    };
    let mut export = open()?;
    while let Some(item) = export.next_item()? {
        if let Item::Post(post) = item {
            import.post(*post).await?;
        }
    }
    Ok(import.report)
}

/// One import's state between items.
struct Import<'a> {
    store: &'a Store,
    options: Options,
    /// `import_sources.source` of this export.
    source: String,
    people: HashMap<String, wordpress::Author>,
    attachments: HashMap<i64, String>,
    /// Authors by login, once committed.
    authors: HashMap<String, Uuid>,
    /// Logins whose author was counted as created (once, even dry).
    counted_authors: std::collections::HashSet<String>,
    report: Report,
}

/// What writing one post did.
struct Wrote {
    comments: u64,
    author: Uuid,
    author_created: bool,
}

/// What a WordPress status becomes: `Ok(None)` a draft, `Err` left out.
fn target_of(post: &wordpress::Post) -> Result<Option<Target>, &'static str> {
    match post.status.as_str() {
        // A missed schedule ("future" in the past) is what WordPress then
        // publishes: dated when it was due.
        "publish" | "future" if !post.password_protected => Ok(Some(Target::publish_at(Some(
            post.published.unwrap_or_else(chrono::Utc::now),
        )))),
        "publish" | "future" | "draft" | "pending" | "private" => Ok(None),
        "trash" => Err("posts in the trash"),
        "auto-draft" | "inherit" => Err("autosaves and revisions"),
        _ => Err("posts of an unknown status"),
    }
}

impl Import<'_> {
    async fn post(&mut self, post: wordpress::Post) -> anyhow::Result<()> {
        let kind = match post.post_type.as_str() {
            "post" => v1::PostKind::Post,
            "page" => v1::PostKind::Page,
            "attachment" => {
                self.report
                    .leave_out("attachments (images stay at their WordPress addresses)");
                return Ok(());
            }
            other => {
                self.report
                    .leave_out(format!("{other} items (not posts or pages)"));
                return Ok(());
            }
        };
        let target = match target_of(&post) {
            Ok(target) => target,
            Err(why) => {
                self.report.leave_out(why);
                return Ok(());
            }
        };
        let item = format!("{} {} {:?}", post.post_type, post.id, post.title);
        if target.is_none() && matches!(post.status.as_str(), "publish" | "future" | "private") {
            let why = if post.password_protected {
                "is password-protected"
            } else {
                "is private"
            };
            self.report.warnings.push(format!(
                "{item} {why}: imported as a draft (Quire shows published posts to everyone)"
            ));
        }
        let source_id = format!("post:{}", post.id);
        let mut tx = self.store.begin().await?;
        if imports::find(&mut tx, &self.source, &source_id)
            .await?
            .is_some()
        {
            self.report.unchanged += 1;
            return Ok(());
        }
        match self
            .write_post(&mut tx, &post, kind, target, &source_id)
            .await
        {
            Ok(wrote) => {
                if self.options.dry_run {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                    self.authors.insert(post.creator.clone(), wrote.author);
                }
                if wrote.author_created && self.counted_authors.insert(post.creator.clone()) {
                    self.report.count("authors");
                }
                self.report.count(if kind == v1::PostKind::Page {
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
                self.report.refused.push(Refusal { item, reason });
                Ok(())
            }
            Err(Refused::Failed(error)) => Err(error),
        }
    }

    /// Writes `post` in `tx`, with its author when new and its comments.
    async fn write_post(
        &mut self,
        tx: &mut Tx,
        post: &wordpress::Post,
        kind: v1::PostKind,
        target: Option<Target>,
        source_id: &str,
    ) -> Result<Wrote, Refused> {
        let (author, author_created) = self.author(tx, &post.creator).await?;
        let slug = free_post_slug(tx, post).await?;
        let mut title = post.title.trim().to_owned();
        if title.is_empty() {
            title = "Untitled".to_owned();
        }
        if title.chars().count() > TITLE_MAX {
            title = title.chars().take(TITLE_MAX).collect();
        }
        let mut tags: Vec<v1::TagRef> = Vec::new();
        for term in &post.terms {
            // WordPress files every post without a category under this one.
            // A category and a tag of one name are one Quire tag.
            let repeated = tags
                .iter()
                .any(|tag| tag.name.to_lowercase() == term.name.trim().to_lowercase());
            if repeated || (term.kind == TermKind::Category && term.slug == "uncategorized") {
                continue;
            }
            if tags.len() == TAGS_PER_POST_MAX {
                self.report.warnings.push(format!(
                    "post {} has more than {TAGS_PER_POST_MAX} categories and tags: the first {TAGS_PER_POST_MAX} are kept",
                    post.id
                ));
                break;
            }
            tags.push(v1::TagRef {
                slug: String::new(),
                name: term.name.clone(),
            });
        }
        let message = v1::Post {
            slug,
            kind: kind as i32,
            title,
            markdown: wordpress::body_markdown(&post.html),
            author_id: author.to_string(),
            tags,
            cover_image_url: post
                .thumbnail_id
                .and_then(|id| self.attachments.get(&id))
                .cloned()
                .unwrap_or_default(),
            seo: Some(v1::PostSeo {
                meta_description: shortened(&post.excerpt, DESCRIPTION_MAX),
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut violations = FieldViolations::new();
        let edit = post_fields::parse(&message, &post_fields::all_fields(), &mut violations);
        violations.into_result().map_err(Refused::invalid)?;
        let new = content_posts::prepare(self.store, &operator(), author, edit, target)
            .await
            .map_err(Refused::from)?;
        let written = content_posts::create(tx, new)
            .await
            .map_err(Refused::from)?;
        let id = written.post.id;
        let created = post.published.unwrap_or_else(chrono::Utc::now);
        let modified = post.modified.unwrap_or(created).max(created);
        imports::date_post(tx, id, created, modified).await?;
        let comments = self.comments(tx, id, post).await?;
        imports::record(tx, &self.source, source_id, id, &post.link).await?;
        Ok(Wrote {
            comments,
            author,
            author_created,
        })
    }

    /// The approved comments of `post`, flattened in the order they were
    /// written (Quire's comments do not nest); pings and trackbacks, spam and
    /// unapproved ones are left out.
    async fn comments(
        &mut self,
        tx: &mut Tx,
        post_id: Uuid,
        post: &wordpress::Post,
    ) -> Result<u64, Refused> {
        let mut approved: Vec<&wordpress::Comment> = post
            .comments
            .iter()
            .filter(|comment| {
                comment.approved && matches!(comment.comment_type.as_str(), "" | "comment")
            })
            .collect();
        let left_out = post.comments.len() - approved.len();
        for _ in 0..left_out {
            self.report
                .leave_out("comments not approved, spam, pingbacks or trackbacks");
        }
        approved.sort_by_key(|comment| (comment.date, comment.id));
        for comment in &approved {
            let body = shortened(
                crate::render::text_of_html(&comment.content).trim(),
                COMMENT_BODY_MAX,
            );
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
            imports::record(
                tx,
                &self.source,
                &format!("comment:{}", comment.id),
                record.id,
                "",
            )
            .await?;
        }
        Ok(approved.len() as u64)
    }

    /// The Quire author of a WordPress login: the one imported for it
    /// before, else the author with its email, else a new author without a
    /// password (they set one before signing in).
    /// Answers whether it was created.
    async fn author(&mut self, tx: &mut Tx, login: &str) -> Result<(Uuid, bool), Refused> {
        if let Some(&id) = self.authors.get(login) {
            return Ok((id, false));
        }
        let source_id = format!("author:{login}");
        if let Some(id) = imports::find(tx, &self.source, &source_id).await? {
            return Ok((id, false));
        }
        let person = self
            .people
            .get(login)
            .cloned()
            .unwrap_or_else(|| wordpress::Author {
                login: login.to_owned(),
                email: String::new(),
                display_name: login.to_owned(),
            });
        // An author without an email gets an address that can never be
        // anyone's (RFC 2606), so the unique email rule still holds.
        let email = match person.email.trim() {
            "" => format!(
                "{}@import.invalid",
                Slug::derive(login).map_or_else(|| "author".to_owned(), Slug::into_string)
            ),
            email => email.to_owned(),
        };
        let (id, created) = match imports::author_by_email(tx, &email).await? {
            Some(id) => (id, false),
            None => {
                let base = Slug::derive(&person.display_name)
                    .or_else(|| Slug::derive(login))
                    .unwrap_or_else(|| Slug::parse("author").expect("a valid slug"));
                let mut slug = base.clone();
                for n in 2.. {
                    if !imports::author_slug_taken(tx, slug.as_str()).await? {
                        break;
                    }
                    slug = base.numbered(n);
                }
                let display_name = match person.display_name.trim() {
                    "" => login,
                    name => name,
                };
                let id = Uuid::new_v4();
                let profile = AuthorProfile {
                    slug: slug.into_string(),
                    display_name: shortened(display_name, DISPLAY_NAME_MAX),
                    email: shortened(&email, EMAIL_MAX),
                    bio: String::new(),
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

/// A slug for `post` that no post or page holds: its WordPress slug when
/// Quire accepts it, else one derived from it or its title, numbered when
/// taken (WordPress lets a page and a post share one).
async fn free_post_slug(tx: &mut Tx, post: &wordpress::Post) -> Result<String, StoreError> {
    let base = Slug::parse_post(&post.slug)
        .ok()
        .or_else(|| Slug::derive(&post.slug))
        .or_else(|| Slug::derive(&post.title))
        .filter(|slug| Slug::parse_post(slug.as_str()).is_ok())
        .unwrap_or_else(|| {
            Slug::parse(&format!("{}-{}", post.post_type, post.id)).expect("a valid slug")
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
fn shortened(text: &str, max: usize) -> String {
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
