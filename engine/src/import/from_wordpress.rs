//! A WordPress export as entries for the importer: what each of WordPress's
//! parts becomes in Quire.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use quire_proto::v1;

use super::wordpress::{self, Export, Item, TermKind};
use super::{Entry, EntryComment, Importer, Options, Person, Report};
use crate::content::posts::Target;

/// Imports a WordPress export (WXR) file.
pub async fn wordpress(
    store: &crate::store::Store,
    path: &Path,
    options: Options,
) -> anyhow::Result<Report> {
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
    let source = format!("wordpress:{}", site.link.trim_end_matches('/'));
    let mut importer = Importer::new(store, options, source);
    let mut export = open()?;
    while let Some(item) = export.next_item()? {
        if let Item::Post(post) = item
            && let Some(entry) = entry_of(*post, &people, &attachments, &mut importer.report)
        {
            importer.entry(entry).await?;
        }
    }
    Ok(importer.report)
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

/// `post` as an entry; `None` (counted in `report`) when it is not a post or
/// page to import.
fn entry_of(
    post: wordpress::Post,
    people: &HashMap<String, wordpress::Author>,
    attachments: &HashMap<i64, String>,
    report: &mut Report,
) -> Option<Entry> {
    let kind = match post.post_type.as_str() {
        "post" => v1::PostKind::Post,
        "page" => v1::PostKind::Page,
        "attachment" => {
            report.leave_out("attachments (images stay at their WordPress addresses)");
            return None;
        }
        other => {
            report.leave_out(format!("{other} items (not posts or pages)"));
            return None;
        }
    };
    let target = match target_of(&post) {
        Ok(target) => target,
        Err(why) => {
            report.leave_out(why);
            return None;
        }
    };
    let label = format!("{} {} {:?}", post.post_type, post.id, post.title);
    if target.is_none() && matches!(post.status.as_str(), "publish" | "future" | "private") {
        let why = if post.password_protected {
            "is password-protected"
        } else {
            "is private"
        };
        report.drafted(&label, why);
    }
    let (approved, left_out): (Vec<_>, Vec<_>) = post
        .comments
        .into_iter()
        .partition(|c| c.approved && matches!(c.comment_type.as_str(), "" | "comment"));
    for _ in left_out {
        report.leave_out("comments not approved, spam, pingbacks or trackbacks");
    }
    let mut approved = approved;
    approved.sort_by_key(|comment| (comment.date, comment.id));
    let person = people.get(&post.creator);
    Some(Entry {
        source_id: format!("post:{}", post.id),
        label,
        kind,
        target,
        slugs: vec![post.slug, post.title.clone()],
        title: post.title,
        author: Person {
            key: post.creator.clone(),
            email: person.map(|p| p.email.clone()).unwrap_or_default(),
            display_name: person.map_or(post.creator.clone(), |p| p.display_name.clone()),
            slug: String::new(),
            bio: String::new(),
        },
        // WordPress files every post without a category under this one.
        tags: post
            .terms
            .into_iter()
            .filter(|term| !(term.kind == TermKind::Category && term.slug == "uncategorized"))
            .map(|term| term.name)
            .collect(),
        markdown: wordpress::body_markdown(&post.html),
        cover_image_url: post
            .thumbnail_id
            .and_then(|id| attachments.get(&id))
            .cloned()
            .unwrap_or_default(),
        cover_image_alt: String::new(),
        meta_title: String::new(),
        meta_description: post.excerpt,
        canonical_url: String::new(),
        link: post.link,
        created: post.published,
        modified: post.modified,
        comments: approved
            .into_iter()
            .map(|comment| EntryComment {
                source_id: format!("comment:{}", comment.id),
                body: crate::render::text_of_html(&comment.content),
                author: comment.author,
                email: comment.email,
                date: comment.date,
            })
            .collect(),
    })
}
