//! A Ghost export as entries for the importer: what each of Ghost's parts
//! becomes in Quire.

use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use quire_proto::v1;

use super::ghost::{self, Relations};
use super::{Entry, Importer, Options, Person, Report};
use crate::content::posts::Target;

/// Posts read ahead of the writes: the reader blocks beyond this, so memory
/// stays flat.
const READ_AHEAD: usize = 16;

/// What Ghost writes instead of the site's address in its exports.
const GHOST_URL: &str = "__GHOST_URL__";

/// Imports a Ghost export (JSON) file. `site_url` replaces Ghost's
/// `__GHOST_URL__` placeholder in image and link addresses.
pub async fn ghost(
    store: &crate::store::Store,
    path: &Path,
    options: Options,
    site_url: Option<&str>,
) -> anyhow::Result<Report> {
    let open = || -> anyhow::Result<BufReader<std::fs::File>> {
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        Ok(BufReader::with_capacity(1 << 16, file))
    };
    let relations = tokio::task::spawn_blocking({
        let file = open()?;
        move || ghost::read_relations(file)
    })
    .await??;
    // The posts are read on a thread of their own, handed over one at a
    // time as the writes take them.
    let (sender, mut posts) = tokio::sync::mpsc::channel::<ghost::Post>(READ_AHEAD);
    let reader = tokio::task::spawn_blocking({
        let file = open()?;
        move || ghost::read_posts(file, &mut |post| sender.blocking_send(post).is_ok())
    });
    let mut importer = Importer::new(store, options, "ghost".to_owned());
    let site_url = site_url.map(|url| url.trim_end_matches('/').to_owned());
    let mut placeholder_warned = false;
    while let Some(post) = posts.recv().await {
        if site_url.is_none() && !placeholder_warned && mentions_placeholder(&post) {
            placeholder_warned = true;
            importer.report.warnings.push(format!(
                "addresses in the export start with {GHOST_URL}: pass --site-url with the Ghost site's address to \
                 make them absolute (covers that are not absolute addresses are left out)"
            ));
        }
        if let Some(entry) = entry_of(post, &relations, site_url.as_deref(), &mut importer.report) {
            importer.entry(entry).await?;
        }
    }
    match reader.await? {
        Ok(()) | Err(ghost::GhostError::Stopped) => Ok(importer.report),
        Err(error) => Err(error.into()),
    }
}

fn mentions_placeholder(post: &ghost::Post) -> bool {
    post.html.as_deref().unwrap_or_default().contains(GHOST_URL)
        || post
            .feature_image
            .as_deref()
            .unwrap_or_default()
            .contains(GHOST_URL)
}

/// A Ghost time ("2021-03-01T12:00:00.000Z").
fn time(text: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text?).ok().map(|t| t.to_utc())
}

/// `post` as an entry; `None` (counted in `report`) when it is not imported.
fn entry_of(
    post: ghost::Post,
    relations: &Relations,
    site_url: Option<&str>,
    report: &mut Report,
) -> Option<Entry> {
    let kind = match post.post_type.as_str() {
        "" | "post" => v1::PostKind::Post,
        "page" => v1::PostKind::Page,
        _ => {
            report.leave_out("Ghost items that are neither posts nor pages");
            return None;
        }
    };
    let label = format!(
        "{} {} {:?}",
        if kind == v1::PostKind::Page {
            "page"
        } else {
            "post"
        },
        post.id,
        post.title
    );
    let published = time(post.published_at.as_deref());
    let public = matches!(post.visibility.as_str(), "" | "public");
    let target = match post.status.as_str() {
        "published" | "scheduled" if public => Some(Target::publish_at(published)),
        "published" | "scheduled" | "sent" => {
            let why = if post.status == "sent" {
                "was sent as an email only"
            } else {
                "is for members only"
            };
            report.drafted(&label, why);
            None
        }
        _ => None,
    };
    let absolute = |url: &str| match site_url {
        Some(site) => url.replace(GHOST_URL, site),
        None => url.to_owned(),
    };
    let has_document = post.lexical.is_some() || post.mobiledoc.is_some();
    if post.html.is_none() && has_document {
        report.refused.push(super::Refusal {
            item: label,
            reason: "the export has its body only in Ghost's editor format (Lexical or \
                     Mobiledoc), without the HTML this import reads"
                .to_owned(),
        });
        return None;
    }
    let html = post.html.as_deref().unwrap_or_default();
    let meta = relations.meta.get(&post.id);
    let pick = |own: &Option<String>, from_meta: Option<&Option<String>>| {
        from_meta
            .and_then(Option::as_ref)
            .or(own.as_ref())
            .cloned()
            .unwrap_or_default()
    };
    let cover = absolute(post.feature_image.as_deref().unwrap_or_default());
    let cover = if cover.starts_with("https://") || cover.starts_with("http://") {
        cover
    } else {
        String::new()
    };
    let author = relations.author(&post.id);
    Some(Entry {
        source_id: format!("post:{}", post.id),
        label,
        kind,
        target,
        slugs: vec![post.slug.clone(), post.title.clone()],
        title: post.title,
        author: author.map_or_else(
            || Person {
                key: "ghost".to_owned(),
                display_name: "Ghost".to_owned(),
                ..Person::default()
            },
            |user| Person {
                key: user.id.clone(),
                email: user.email.clone(),
                display_name: user.name.clone(),
                slug: user.slug.clone(),
                bio: user.bio.clone().unwrap_or_default(),
            },
        ),
        tags: relations.tag_names(&post.id),
        // Ghost's HTML is paragraphs already; the same rules make it the
        // one HTML block the renderer passes whole to the sanitiser.
        markdown: super::wordpress::body_markdown(&absolute(html)),
        cover_image_url: cover,
        cover_image_alt: meta
            .and_then(|m| m.feature_image_alt.clone())
            .unwrap_or_default(),
        meta_title: pick(&post.meta_title, meta.map(|m| &m.meta_title)),
        meta_description: meta
            .and_then(|m| m.meta_description.clone())
            .or(post.meta_description)
            .or(post.custom_excerpt)
            .unwrap_or_default(),
        canonical_url: post.canonical_url.unwrap_or_default(),
        link: format!("/{}/", post.slug),
        created: published.or(time(post.created_at.as_deref())),
        modified: time(post.updated_at.as_deref()),
        comments: Vec::new(),
    })
}
