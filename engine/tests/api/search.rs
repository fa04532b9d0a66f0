//! SearchPosts from the replica's index: relevance on a judged corpus, the
//! query language, pagination, freshness across replicas, rebuilds and
//! restarts, and the guard rails.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use quire_proto::v1;
use serde::Deserialize;
use tonic::{Code, Status};

use crate::harness::{TestEngine, authed, fresh_database, violated_fields};

/// The judged corpus (realistic posts in nine languages, queries with the
/// posts that must rank in their top 3).
const CORPUS: &str = include_str!("../fixtures/search_corpus.json");

#[derive(Deserialize)]
struct Corpus {
    posts: Vec<CorpusPost>,
    queries: Vec<Judged>,
}

#[derive(Deserialize)]
struct CorpusPost {
    slug: String,
    title: String,
    markdown: String,
    tags: Vec<String>,
    author: String,
}

#[derive(Deserialize)]
struct Judged {
    query: String,
    top3: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    tag: Option<String>,
    author: Option<String>,
    note: String,
}

/// How long a change may take to become searchable (the freshness bound).
const FRESH_WITHIN: Duration = Duration::from_secs(1);

async fn search(
    engine: &TestEngine,
    request: v1::SearchPostsRequest,
) -> Result<v1::SearchPostsResponse, Status> {
    engine
        .posts()
        .search_posts(authed(request, &engine.admin_key))
        .await
        .map(tonic::Response::into_inner)
}

fn query(text: &str) -> v1::SearchPostsRequest {
    v1::SearchPostsRequest {
        query: text.to_owned(),
        ..Default::default()
    }
}

fn slugs(response: &v1::SearchPostsResponse) -> Vec<String> {
    response
        .results
        .iter()
        .map(|result| result.post.as_ref().expect("post").slug.clone())
        .collect()
}

/// Polls until `check` holds for the slugs `text` finds; returns how long it took.
async fn until_found(
    engine: &TestEngine,
    text: &str,
    check: impl Fn(&[String]) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let found = slugs(&search(engine, query(text)).await.expect("search"));
        if check(&found) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{text:?} still finds {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn publish(engine: &TestEngine, author_id: &str, post: &CorpusPost) -> v1::Post {
    let created = engine
        .posts()
        .create_post(authed(
            v1::CreatePostRequest {
                post: Some(v1::Post {
                    slug: post.slug.clone(),
                    title: post.title.clone(),
                    markdown: post.markdown.clone(),
                    author_id: author_id.to_owned(),
                    tags: post
                        .tags
                        .iter()
                        .map(|slug| v1::TagRef {
                            name: slug.replace('-', " "),
                            slug: slug.clone(),
                        })
                        .collect(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .expect("create")
        .into_inner()
        .post
        .expect("post");
    engine
        .posts()
        .publish_post(authed(
            v1::PublishPostRequest {
                id: created.id,
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .expect("publish")
        .into_inner()
        .post
        .expect("post")
}

/// An engine holding the whole corpus, indexed.
async fn corpus_engine(extra: &[(&str, &str)]) -> (TestEngine, Corpus) {
    let engine = TestEngine::start_with(fresh_database().await, extra).await;
    let corpus: Corpus = serde_json::from_str(CORPUS).expect("the corpus parses");
    let mut authors = std::collections::HashMap::new();
    for post in &corpus.posts {
        if !authors.contains_key(&post.author) {
            let (author, _) = engine.author(&post.author, v1::AuthorRole::Author).await;
            authors.insert(post.author.clone(), author.id);
        }
        publish(&engine, &authors[&post.author], post).await;
    }
    // Changes apply in order: once the last post is found, all are indexed.
    let last = corpus.posts.last().expect("posts");
    until_found(&engine, &last.title, |found| found.contains(&last.slug)).await;
    (engine, corpus)
}

#[tokio::test]
async fn the_judged_queries_find_their_posts_in_the_top_three() {
    let (engine, corpus) = corpus_engine(&[]).await;
    assert!(corpus.queries.len() >= 25);
    let mut failures = Vec::new();
    for judged in &corpus.queries {
        let response = search(
            &engine,
            v1::SearchPostsRequest {
                query: judged.query.clone(),
                tag_slug: judged.tag.clone().unwrap_or_default(),
                author_slug: judged.author.clone().unwrap_or_default(),
                page_size: 50,
                ..Default::default()
            },
        )
        .await
        .expect("search");
        let found = slugs(&response);
        let top3: Vec<&String> = found.iter().take(3).collect();
        let missing: Vec<&String> = judged
            .top3
            .iter()
            .filter(|slug| !top3.contains(slug))
            .collect();
        let present: Vec<&String> = judged
            .absent
            .iter()
            .filter(|slug| found.contains(slug))
            .collect();
        if !missing.is_empty() || !present.is_empty() {
            failures.push(format!(
                "{:?} ({}): top 3 {top3:?}, missing {missing:?}, should be absent {present:?}",
                judged.query, judged.note
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} judged queries failed:\n{}",
        failures.len(),
        corpus.queries.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn snippets_highlight_escaped_text_and_pages_follow_one_order() {
    let (engine, _) = corpus_engine(&[]).await;
    let response = search(&engine, query("postgres")).await.expect("search");
    let snippet = response
        .results
        .iter()
        .map(|result| result.snippet_html.as_str())
        .find(|snippet| snippet.contains("<mark>"))
        .expect("a highlighted snippet");
    let without_marks = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !without_marks.contains('<'),
        "only <mark> is markup: {snippet}"
    );

    // Every page of two, in turn, is the one big page, without repeats.
    let all = search(
        &engine,
        v1::SearchPostsRequest {
            page_size: 50,
            ..query("the or and or postgres or garden")
        },
    )
    .await
    .expect("search");
    assert!(all.results.len() > 4, "{:?}", slugs(&all));
    let mut paged = Vec::new();
    let mut token = String::new();
    loop {
        let page = search(
            &engine,
            v1::SearchPostsRequest {
                page_size: 2,
                page_token: token,
                ..query("the or and or postgres or garden")
            },
        )
        .await
        .expect("page");
        assert_eq!(page.total_size, all.total_size);
        paged.extend(slugs(&page));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(paged, slugs(&all));
    assert_eq!(paged.iter().collect::<HashSet<_>>().len(), paged.len());

    let foreign = search(
        &engine,
        v1::SearchPostsRequest {
            page_token: "bm9wZQ".into(),
            ..query("garden")
        },
    )
    .await
    .expect_err("a made-up token");
    assert_eq!(violated_fields(&foreign), ["page_token"]);
}

#[tokio::test]
async fn publish_edit_unpublish_and_delete_reach_another_replica_within_a_second() {
    let a = TestEngine::start().await;
    let b = TestEngine::start_on(a.database_url.clone()).await;
    let (ada, _) = a.author("ada", v1::AuthorRole::Author).await;
    let post = a
        .published(
            &ada,
            "aurora",
            "Chasing the aurora",
            "Green curtains over Tromsø.",
        )
        .await;
    let took = until_found(&b, "aurora", |found| found == ["aurora"]).await;
    assert!(
        took < FRESH_WITHIN,
        "published → searchable on B in {took:?}"
    );

    let edited = a
        .posts()
        .update_post(authed(
            v1::UpdatePostRequest {
                post: Some(v1::Post {
                    id: post.id.clone(),
                    markdown: "Violet skies over Lofoten.".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["markdown".into()],
                }),
                ..Default::default()
            },
            &a.admin_key,
        ))
        .await
        .expect("edit")
        .into_inner()
        .post
        .expect("post");
    let took = until_found(&b, "lofoten", |found| found == ["aurora"]).await;
    assert!(took < FRESH_WITHIN, "edit → searchable on B in {took:?}");
    assert!(
        slugs(&search(&b, query("tromsø")).await.unwrap()).is_empty(),
        "the old text is gone"
    );

    a.posts()
        .unpublish_post(authed(
            v1::UnpublishPostRequest {
                id: post.id.clone(),
                etag: edited.etag,
                ..Default::default()
            },
            &a.admin_key,
        ))
        .await
        .expect("unpublish");
    let took = until_found(&b, "lofoten", |found| found.is_empty()).await;
    assert!(took < FRESH_WITHIN, "unpublished → gone on B in {took:?}");

    let again = a
        .published(&ada, "aurora-2", "Aurora again", "Northern lights.")
        .await;
    until_found(&b, "northern", |found| found == ["aurora-2"]).await;
    a.posts()
        .delete_post(authed(
            v1::DeletePostRequest {
                id: again.id,
                ..Default::default()
            },
            &a.admin_key,
        ))
        .await
        .expect("delete");
    let took = until_found(&b, "northern", |found| found.is_empty()).await;
    assert!(took < FRESH_WITHIN, "deleted → gone on B in {took:?}");
}

#[tokio::test]
async fn title_matches_rank_first_and_body_matches_are_highlighted() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    engine
        .published(
            &ada,
            "body-only",
            "Gardening",
            "My tomatoes grow near the borrow checker.",
        )
        .await;
    engine
        .published(
            &ada,
            "in-title",
            "Borrow checker explained",
            "A gentle tour.",
        )
        .await;
    until_found(&engine, "borrow checker", |found| found.len() == 2).await;
    let response = search(&engine, query("borrow checker")).await.unwrap();
    assert_eq!(slugs(&response), ["in-title", "body-only"]);
    assert!(
        response.results[1]
            .snippet_html
            .contains("<mark>borrow</mark>"),
        "{}",
        response.results[1].snippet_html
    );
    assert_eq!(response.total_size, 2);
}

#[tokio::test]
async fn drafts_are_never_found_and_tag_renames_are() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    engine
        .draft(&ada, "secret", "Secret meadow plans", "unpublished")
        .await;
    engine
        .published(&ada, "public", "Public meadow walk", "Wildflowers.")
        .await;
    until_found(&engine, "meadow", |found| found == ["public"]).await;

    // The harness tags every post "Rust": renamed, the post is found by its new name.
    engine
        .tags()
        .update_tag(authed(
            v1::UpdateTagRequest {
                tag: Some(v1::Tag {
                    slug: "rust".into(),
                    name: "Ferrous".into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["name".into()],
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .expect("rename the tag");
    until_found(&engine, "ferrous", |found| found == ["public"]).await;
}

#[tokio::test]
async fn an_index_on_disk_resumes_after_a_restart_and_is_rebuilt_when_removed() {
    let database = fresh_database().await;
    let dir = std::env::temp_dir().join(format!(
        "quire-search-{}",
        database.rsplit('/').next().unwrap_or("test")
    ));
    let settings = [("QUIRE_SEARCH_DIR", dir.to_str().expect("utf-8 path"))];
    let mut first = TestEngine::start_with(database.clone(), &settings).await;
    assert!(first.search_index.as_ref().unwrap().built_at_start());
    let (ada, _) = first.author("ada", v1::AuthorRole::Author).await;
    first
        .published(&ada, "kept", "Kept across restarts", "Lighthouse keepers.")
        .await;
    until_found(&first, "lighthouse", |found| found == ["kept"]).await;
    first.shut_down();
    drop(first);

    // Written while that replica was down: found through the change log.
    let other = TestEngine::start_on(database.clone()).await;
    other
        .published(&ada, "missed", "Written meanwhile", "Lighthouse lenses.")
        .await;
    drop(other);

    let mut second = TestEngine::start_with(database.clone(), &settings).await;
    let index = second.search_index.clone().unwrap();
    assert!(
        !index.built_at_start(),
        "the index on disk is resumed, not rebuilt"
    );
    let found = slugs(&search(&second, query("lighthouse")).await.unwrap());
    assert_eq!(found.len(), 2, "ready only once caught up: {found:?}");
    second.shut_down();
    drop(second);

    std::fs::remove_dir_all(&dir).expect("remove the index");
    let third = TestEngine::start_with(database, &settings).await;
    assert!(third.search_index.as_ref().unwrap().built_at_start());
    let found = slugs(&search(&third, query("lighthouse")).await.unwrap());
    assert_eq!(found.len(), 2, "rebuilt from PostgreSQL: {found:?}");
    drop(third);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn bad_queries_are_refused_with_a_field_and_clients_are_rate_limited() {
    let engine = TestEngine::start_with(
        fresh_database().await,
        &[("QUIRE_SEARCH_RATE_PER_CLIENT", "2")],
    )
    .await;
    for bad in ["", "-only -excluded", &"word ".repeat(17), &"x".repeat(201)] {
        let refused = search(
            &engine,
            v1::SearchPostsRequest {
                client_key: "bad".into(),
                ..query(bad)
            },
        )
        .await
        .expect_err("refused");
        assert_eq!(refused.code(), Code::InvalidArgument, "{bad:?}");
        assert_eq!(violated_fields(&refused), ["query"], "{bad:?}");
    }
    let by = |client: &str| v1::SearchPostsRequest {
        client_key: client.into(),
        ..query("anything")
    };
    // A burst of twice the rate, then refusals for that client only.
    for _ in 0..4 {
        search(&engine, by("reader-a"))
            .await
            .expect("within the burst");
    }
    let refused = search(&engine, by("reader-a"))
        .await
        .expect_err("over the rate");
    assert_eq!(refused.code(), Code::ResourceExhausted);
    let details = tonic_types::StatusExt::get_error_details(&refused);
    assert!(details.retry_info().is_some(), "says when to retry");
    search(&engine, by("reader-b"))
        .await
        .expect("another client is not limited");
}

#[tokio::test]
async fn the_postgres_baseline_still_answers() {
    let engine =
        TestEngine::start_with(fresh_database().await, &[("QUIRE_SEARCH", "postgres")]).await;
    assert!(engine.search_index.is_none());
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    engine
        .published(
            &ada,
            "in-title",
            "Borrow checker explained",
            "A gentle tour.",
        )
        .await;
    let found = slugs(&search(&engine, query("borrow checker")).await.unwrap());
    assert_eq!(found, ["in-title"]);
}

#[tokio::test]
async fn posts_rendered_before_an_upgrade_are_rendered_again_and_become_searchable() {
    let database = fresh_database().await;
    let mut first = TestEngine::start_on(database.clone()).await;
    let (ada, _) = first.author("ada", v1::AuthorRole::Author).await;
    let post = first
        .published(
            &ada,
            "raw-html",
            "Raw HTML",
            "Markdown words.\n\n<div class=\"note\">\n<p>Lighthouse inside a block.</p>\n</div>\n",
        )
        .await;
    first.shut_down();
    drop(first);
    // As an older renderer left it: raw HTML's text missing from the plain text.
    let pool = sqlx::PgPool::connect(&database).await.expect("connect");
    sqlx::query(
        "UPDATE posts SET render_version = 0, plain_text = 'Markdown words.', excerpt = 'Markdown words.'",
    )
    .execute(&pool)
    .await
    .expect("age the rendering");
    let changes_before: i64 = sqlx::query_scalar("SELECT count(*) FROM changes")
        .fetch_one(&pool)
        .await
        .expect("count changes");
    pool.close().await;

    // The new engine's index starts from the old plain text; its scheduler
    // renders the post again and the recorded change reaches the index.
    let engine = TestEngine::start_on(database.clone()).await;
    until_found(&engine, "lighthouse", |found| found == ["raw-html"]).await;
    let (plain_text, render_version): (String, i32) =
        sqlx::query_as("SELECT plain_text, render_version FROM posts WHERE slug = 'raw-html'")
            .fetch_one(engine.store.pool())
            .await
            .expect("read the post");
    assert!(
        plain_text.contains("Lighthouse inside a block."),
        "{plain_text:?}"
    );
    assert_eq!(render_version, quire_engine::render::VERSION);
    let now = engine
        .posts()
        .get_post(authed(
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Id(post.id.clone())),
                view: 0,
            },
            &engine.admin_key,
        ))
        .await
        .expect("get the post")
        .into_inner()
        .post
        .expect("post");
    assert!(now.excerpt.contains("Lighthouse"), "{:?}", now.excerpt);
    assert_eq!(
        now.etag, post.etag,
        "not an edit: the writer's etag stays good"
    );
    assert_eq!(now.revision, post.revision, "nor a revision");
    let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM changes")
        .fetch_one(engine.store.pool())
        .await
        .expect("count changes");
    assert_eq!(recorded, changes_before + 1, "one change for the one post");
    assert!(
        !quire_engine::scheduler::rerender_stale(&engine.store)
            .await
            .expect("rerender"),
        "nothing is left to render"
    );
}
