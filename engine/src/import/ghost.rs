//! Ghost's JSON export (Settings → Advanced → Import/Export → Export), read
//! as a stream.
//!
//! The file is one JSON document, `{"db": [{"meta": …, "data": {"posts":
//! […], "tags": […], "posts_tags": […], "users": […], …}}]}`: the posts and
//! the tables that join them to their tags and authors. It is read twice:
//! once for everything but the posts (small next to them), skipping the
//! posts' bodies unparsed, then once for the posts, one at a time, each
//! handed over as soon as it is read. Memory stays flat with the number of
//! posts, whatever order Ghost wrote the tables in.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A post or page as Ghost exports it (the fields an import uses).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Post {
    pub id: String,
    pub title: String,
    pub slug: String,
    /// The rendered body; Ghost writes it next to the editor's own format.
    pub html: Option<String>,
    /// The editor's document (Ghost 5), for a body without `html`.
    pub lexical: Option<String>,
    pub mobiledoc: Option<String>,
    pub feature_image: Option<String>,
    /// "post" or "page".
    #[serde(rename = "type")]
    pub post_type: String,
    /// "published", "draft", "scheduled" or "sent" (an email only).
    pub status: String,
    /// "public", "members", "paid" or "tiers".
    pub visibility: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub published_at: Option<String>,
    pub custom_excerpt: Option<String>,
    pub canonical_url: Option<String>,
    /// SEO fields, in older exports on the post itself.
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
}

/// A post's SEO fields (Ghost 5 keeps them in `posts_meta`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PostMeta {
    pub post_id: String,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub feature_image_alt: Option<String>,
}

/// A tag; internal tags (`#name`, visibility "internal") organise the
/// site, not its readers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub visibility: String,
}

/// A staff user (an author).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub email: String,
    pub bio: Option<String>,
    pub website: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Link {
    post_id: String,
    tag_id: String,
    author_id: String,
    sort_order: i64,
}

/// Everything in the export but the posts: what the posts refer to.
#[derive(Debug, Default)]
pub struct Relations {
    pub tags: HashMap<String, Tag>,
    pub users: HashMap<String, User>,
    pub meta: HashMap<String, PostMeta>,
    /// Tag ids of each post, in Ghost's order.
    pub post_tags: HashMap<String, Vec<String>>,
    /// Author ids of each post, the primary one first.
    pub post_authors: HashMap<String, Vec<String>>,
}

impl Relations {
    /// The names of `post`'s public tags, in order.
    pub fn tag_names(&self, post: &str) -> Vec<String> {
        self.post_tags
            .get(post)
            .into_iter()
            .flatten()
            .filter_map(|id| self.tags.get(id))
            .filter(|tag| tag.visibility != "internal" && !tag.name.starts_with('#'))
            .map(|tag| tag.name.clone())
            .collect()
    }

    /// `post`'s primary author.
    pub fn author(&self, post: &str) -> Option<&User> {
        self.post_authors
            .get(post)
            .and_then(|ids| ids.first())
            .and_then(|id| self.users.get(id))
    }
}

/// Why an export cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum GhostError {
    /// Not JSON, or not shaped as a Ghost export.
    #[error("not a Ghost export: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The callback stopped the stream (the import failed).
    #[error("stopped")]
    Stopped,
}

/// Reads everything but the posts.
pub fn read_relations(reader: impl Read) -> Result<Relations, GhostError> {
    let mut relations = Relations::default();
    let mut links: Vec<(&'static str, Link)> = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    ExportSeed(&mut Pass::Relations {
        relations: &mut relations,
        links: &mut links,
    })
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    links.sort_by_key(|(_, link)| link.sort_order);
    for (table, link) in links {
        let (joined, id) = match table {
            "posts_tags" => (&mut relations.post_tags, link.tag_id),
            _ => (&mut relations.post_authors, link.author_id),
        };
        joined.entry(link.post_id).or_default().push(id);
    }
    Ok(relations)
}

/// Hands each post to `each` as it is read; `each` answers false to stop.
pub fn read_posts(reader: impl Read, each: &mut dyn FnMut(Post) -> bool) -> Result<(), GhostError> {
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let mut stopped = false;
    let result = ExportSeed(&mut Pass::Posts {
        each,
        stopped: &mut stopped,
    })
    .deserialize(&mut deserializer);
    if stopped {
        return Err(GhostError::Stopped);
    }
    result?;
    deserializer.end()?;
    Ok(())
}

/// What one pass over the file keeps.
enum Pass<'a> {
    Relations {
        relations: &'a mut Relations,
        links: &'a mut Vec<(&'static str, Link)>,
    },
    Posts {
        each: &'a mut dyn FnMut(Post) -> bool,
        stopped: &'a mut bool,
    },
}

/// `{"db": [entry…]}`.
struct ExportSeed<'p, 'a>(&'p mut Pass<'a>);

impl<'de> DeserializeSeed<'de> for ExportSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ExportSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Ghost export: {\"db\": [{\"data\": {…}}]}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "db" {
                map.next_value_seed(EntriesSeed(&mut *self.0))?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(de::Error::missing_field("db"))
        }
    }
}

/// `[{"meta": …, "data": {…}}…]`.
struct EntriesSeed<'p, 'a>(&'p mut Pass<'a>);

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of exports")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(EntrySeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// `{"meta": …, "data": {table: [row…]…}}`.
struct EntrySeed<'p, 'a>(&'p mut Pass<'a>);

impl<'de> DeserializeSeed<'de> for EntrySeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an export with its data")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "data" {
                map.next_value_seed(TablesSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `{"posts": […], "tags": […], …}`.
struct TablesSeed<'p, 'a>(&'p mut Pass<'a>);

impl<'de> DeserializeSeed<'de> for TablesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the export's tables")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(table) = map.next_key::<String>()? {
            match (&mut *self.0, table.as_str()) {
                (Pass::Posts { .. }, "posts") => map.next_value_seed(PostsSeed(&mut *self.0))?,
                (Pass::Relations { relations, .. }, "tags") => {
                    for tag in map.next_value::<Vec<Tag>>()? {
                        relations.tags.insert(tag.id.clone(), tag);
                    }
                }
                (Pass::Relations { relations, .. }, "users") => {
                    for user in map.next_value::<Vec<User>>()? {
                        relations.users.insert(user.id.clone(), user);
                    }
                }
                (Pass::Relations { relations, .. }, "posts_meta") => {
                    for meta in map.next_value::<Vec<PostMeta>>()? {
                        relations.meta.insert(meta.post_id.clone(), meta);
                    }
                }
                (Pass::Relations { links, .. }, "posts_tags") => {
                    let rows = map.next_value::<Vec<Link>>()?;
                    links.extend(rows.into_iter().map(|link| ("posts_tags", link)));
                }
                (Pass::Relations { links, .. }, "posts_authors") => {
                    let rows = map.next_value::<Vec<Link>>()?;
                    links.extend(rows.into_iter().map(|link| ("posts_authors", link)));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `[post…]`, each handed over as it is read.
struct PostsSeed<'p, 'a>(&'p mut Pass<'a>);

impl<'de> DeserializeSeed<'de> for PostsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PostsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of posts")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Pass::Posts { each, stopped } = &mut *self.0 else {
            return Err(de::Error::custom("posts read in the wrong pass"));
        };
        while let Some(post) = seq.next_element::<Post>()? {
            if !each(post) {
                **stopped = true;
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Ghost 5 export built to Ghost's format: the tables in Ghost's order
    /// (posts first), SEO fields in `posts_meta`, an internal tag, a
    /// members-only post, `__GHOST_URL__` in image addresses.
    pub(crate) const EXPORT: &str = include_str!("../../tests/fixtures/ghost-5.json");

    #[test]
    fn relations_join_posts_to_their_public_tags_in_order_and_their_authors() {
        let relations = read_relations(EXPORT.as_bytes()).unwrap();
        assert_eq!(relations.tag_names("p1"), ["Getting Started", "News"]);
        assert_eq!(
            relations.author("p1").map(|u| u.email.as_str()),
            Some("ada@example.com")
        );
        assert_eq!(
            relations.meta["p1"].meta_description.as_deref(),
            Some("Said for search engines")
        );
        assert!(relations.tag_names("p3").is_empty());
    }

    #[test]
    fn posts_stream_one_at_a_time_in_file_order() {
        let mut seen = Vec::new();
        read_posts(EXPORT.as_bytes(), &mut |post| {
            seen.push((post.slug, post.post_type, post.status, post.html.is_some()));
            true
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                ("hello".into(), "post".into(), "published".into(), true),
                ("about".into(), "page".into(), "published".into(), true),
                ("wip".into(), "post".into(), "draft".into(), false),
                ("members".into(), "post".into(), "published".into(), true),
            ]
        );
    }

    #[test]
    fn a_stop_ends_the_stream_and_bad_files_are_errors_not_panics() {
        let mut read = 0;
        let stopped = read_posts(EXPORT.as_bytes(), &mut |_| {
            read += 1;
            false
        });
        assert!(matches!(stopped, Err(GhostError::Stopped)));
        assert_eq!(read, 1);
        for bad in [
            "",
            "[]",
            "{\"posts\":[]}",
            "{\"db\":[{\"data\":{\"posts\":[{\"id\":1}]}}]}",
            "{\"db\":[",
        ] {
            assert!(
                read_posts(bad.as_bytes(), &mut |_| true).is_err(),
                "{bad:?}"
            );
        }
    }
}
