use std::collections::HashSet;

use prost_types::{FieldMask, Timestamp};
use quire_proto::v1;
use tonic::Code;

use crate::harness::{TestEngine, authed, violated_fields};

fn get_by_slug(slug: &str) -> v1::GetPostRequest {
    v1::GetPostRequest {
        key: Some(v1::get_post_request::Key::Slug(slug.to_owned())),
        view: 0,
    }
}

#[tokio::test]
async fn create_renders_markdown_once_and_get_by_slug_returns_it() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let created = engine
        .draft(
            &ada,
            "hello-world",
            "Hello",
            "# Intro\n\nSome *text* here.\n\n```rust\nfn main() {}\n```\n\n## Next\n",
        )
        .await;
    assert_eq!(created.status(), v1::PostStatus::Draft);
    assert!(created.html.contains("<em>text</em>"), "{}", created.html);
    assert!(
        created.html.contains("class=\""),
        "code is highlighted with classes: {}",
        created.html
    );
    assert_eq!(
        created
            .toc
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        ["Intro", "Next"]
    );
    assert_eq!(created.excerpt, "Some text here.");
    assert!(created.word_count > 3);
    assert_eq!(created.reading_time_minutes, 1);
    assert_eq!(created.tags[0].slug, "rust");
    assert_eq!(
        created.author.as_ref().map(|a| a.slug.as_str()),
        Some("ada")
    );

    let fetched = engine
        .posts()
        .get_post(authed(get_by_slug("hello-world"), &engine.admin_key))
        .await
        .expect("get")
        .into_inner();
    assert_eq!(fetched.post.map(|p| p.id), Some(created.id));
    assert!(!fetched.slug_moved);
}

#[tokio::test]
async fn create_with_a_bad_slug_answers_invalid_argument_and_writes_nothing() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let error = engine
        .posts()
        .create_post(authed(
            v1::CreatePostRequest {
                post: Some(v1::Post {
                    slug: "Not A Slug".into(),
                    title: " ".into(),
                    author_id: ada.id.clone(),
                    ..Default::default()
                }),
                request_id: String::new(),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .expect_err("rejected");
    let fields = violated_fields(&error);
    assert!(fields.contains(&"post.slug".to_owned()), "{fields:?}");
    assert!(fields.contains(&"post.title".to_owned()), "{fields:?}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM posts")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn create_with_a_taken_slug_answers_already_exists() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    engine.draft(&ada, "taken", "One", "").await;
    let error = engine
        .posts()
        .create_post(authed(
            v1::CreatePostRequest {
                post: Some(v1::Post {
                    slug: "taken".into(),
                    title: "Two".into(),
                    author_id: ada.id,
                    ..Default::default()
                }),
                request_id: String::new(),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .expect_err("rejected");
    assert_eq!(error.code(), Code::AlreadyExists);
    let changes: i64 = sqlx::query_scalar("SELECT count(*) FROM changes")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(changes, 1, "only the first create recorded a change");
}

#[tokio::test]
async fn a_retried_create_with_the_same_request_id_returns_the_first_post() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let request = v1::CreatePostRequest {
        post: Some(v1::Post {
            slug: "once".into(),
            title: "Once".into(),
            author_id: ada.id,
            ..Default::default()
        }),
        request_id: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let first = engine
        .posts()
        .create_post(authed(request.clone(), &engine.admin_key))
        .await
        .unwrap()
        .into_inner();
    let second = engine
        .posts()
        .create_post(authed(request, &engine.admin_key))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.post.map(|p| p.id), second.post.map(|p| p.id));
}

fn update(post: v1::Post, paths: &[&str]) -> v1::UpdatePostRequest {
    v1::UpdatePostRequest {
        post: Some(post),
        update_mask: Some(FieldMask {
            paths: paths.iter().map(|p| p.to_string()).collect(),
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn update_with_a_stale_etag_answers_aborted_and_changes_nothing() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.draft(&ada, "etag", "First", "").await;
    let mut edit = post.clone();
    edit.title = "Second".into();
    engine
        .posts()
        .update_post(authed(update(edit.clone(), &["title"]), &engine.admin_key))
        .await
        .expect("first edit");
    edit.title = "Third".into();
    let error = engine
        .posts()
        .update_post(authed(update(edit, &["title"]), &engine.admin_key))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::Aborted);
    let reason = tonic_types::StatusExt::get_details_error_info(&error).map(|info| info.reason);
    assert_eq!(reason.as_deref(), Some("STALE_ETAG"), "the detail says why");
    let title: String = sqlx::query_scalar("SELECT title FROM posts")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(title, "Second");
}

#[tokio::test]
async fn two_concurrent_updates_with_the_same_etag_exactly_one_wins() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.draft(&ada, "race", "Start", "").await;
    let attempts = (0..8).map(|i| {
        let mut edit = post.clone();
        edit.title = format!("Edit {i}");
        let mut client = engine.posts();
        let key = engine.admin_key.clone();
        tokio::spawn(async move {
            client
                .update_post(authed(update(edit, &["title"]), &key))
                .await
        })
    });
    let results = futures_results(attempts).await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let aborted = results
        .iter()
        .filter(|r| matches!(r, Err(s) if s.code() == Code::Aborted))
        .count();
    assert_eq!((wins, aborted), (1, 7), "{results:?}");
}

async fn futures_results<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut results = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        results.push(handle.await.expect("task"));
    }
    results
}

#[tokio::test]
async fn an_unknown_update_mask_path_is_rejected() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.draft(&ada, "mask", "Mask", "").await;
    let error = engine
        .posts()
        .update_post(authed(update(post, &["html"]), &engine.admin_key))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&error), ["update_mask.paths"]);
}

#[tokio::test]
async fn a_renamed_post_is_found_by_its_old_slug_and_says_it_moved() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let mut post = engine.published(&ada, "old-name", "Renamed", "").await;
    post.slug = "new-name".into();
    post.etag.clear();
    engine
        .posts()
        .update_post(authed(update(post.clone(), &["slug"]), &engine.admin_key))
        .await
        .expect("rename");
    let reader = engine.key(&["content:read"]).await;
    let found = engine
        .posts()
        .get_post(authed(get_by_slug("old-name"), &reader))
        .await
        .unwrap()
        .into_inner();
    assert!(found.slug_moved);
    let found = found.post.unwrap();
    assert_eq!(found.slug, "new-name");
    assert_eq!(found.previous_slugs, ["old-name"]);
}

#[tokio::test]
async fn every_update_keeps_a_revision_and_restore_brings_old_content_back() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let mut post = engine.draft(&ada, "revised", "Version one", "one").await;
    post.title = "Version two".into();
    post.markdown = "two".into();
    post.etag.clear();
    engine
        .posts()
        .update_post(authed(
            update(post.clone(), &["title", "markdown"]),
            &engine.admin_key,
        ))
        .await
        .unwrap();
    let revisions = engine
        .posts()
        .list_post_revisions(authed(
            v1::ListPostRevisionsRequest {
                post_id: post.id.clone(),
                page_size: 0,
                page_token: String::new(),
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .revisions;
    assert_eq!(
        revisions.iter().map(|r| r.revision).collect::<Vec<_>>(),
        [2, 1]
    );
    let restored = engine
        .posts()
        .restore_post_revision(authed(
            v1::RestorePostRevisionRequest {
                post_id: post.id.clone(),
                revision: 1,
                etag: String::new(),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .post
        .unwrap();
    assert_eq!(restored.title, "Version one");
    assert!(restored.html.contains("one"));
    assert_eq!(restored.revision, 3);
}

#[tokio::test]
async fn listing_neither_skips_nor_repeats_posts_while_new_ones_are_published() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let mut expected = HashSet::new();
    for i in 0..12 {
        expected.insert(
            engine
                .published(&ada, &format!("post-{i}"), &format!("Post {i}"), "body")
                .await
                .id,
        );
    }
    let reader = engine.key(&["content:read"]).await;
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut inserted = 0;
    loop {
        let page = engine
            .posts()
            .list_posts(authed(
                v1::ListPostsRequest {
                    page_size: 5,
                    page_token: token.clone(),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.posts.into_iter().map(|p| p.id));
        // Newer posts arrive between pages: they sort before the cursor and must not disturb it.
        engine
            .published(&ada, &format!("late-{inserted}"), "Late", "body")
            .await;
        inserted += 1;
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no post repeated");
    assert_eq!(
        unique, expected,
        "every post that existed at the start was listed once"
    );
}

#[tokio::test]
async fn skip_reaches_any_page_by_position_alone_and_after_a_token() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    for i in 0..7 {
        engine
            .published(&ada, &format!("post-{i}"), &format!("Post {i}"), "body")
            .await;
    }
    let reader = engine.key(&["content:read"]).await;
    let list = |page_size: i32, skip: i32, page_token: String| {
        let (engine, reader) = (&engine, &reader);
        async move {
            engine
                .posts()
                .list_posts(authed(
                    v1::ListPostsRequest {
                        page_size,
                        skip,
                        page_token,
                        ..Default::default()
                    },
                    reader,
                ))
                .await
                .map(|response| response.into_inner())
        }
    };
    let slugs = |page: &v1::ListPostsResponse| -> Vec<String> {
        page.posts.iter().map(|post| post.slug.clone()).collect()
    };
    let all = slugs(&list(100, 0, String::new()).await.unwrap());
    assert_eq!(all.len(), 7);

    // Page 3 of pages of 2, by position: what a walk of pages 1 and 2 would reach.
    let third = list(2, 4, String::new()).await.unwrap();
    assert_eq!(slugs(&third), all[4..6]);
    assert_eq!(third.total_size, 7);
    // Its token continues from there; a skip after a token counts from the token.
    let rest = list(2, 0, third.next_page_token.clone()).await.unwrap();
    assert_eq!(slugs(&rest), all[6..]);
    assert!(rest.next_page_token.is_empty());
    let first = list(2, 0, String::new()).await.unwrap();
    let skipped = list(2, 2, first.next_page_token).await.unwrap();
    assert_eq!(slugs(&skipped), all[4..6]);
    // Past the end: an empty page, no token.
    let beyond = list(2, 50, String::new()).await.unwrap();
    assert!(beyond.posts.is_empty() && beyond.next_page_token.is_empty());

    for (skip, expected) in [(-1, "must not be negative"), (1_000_001, "at most")] {
        let error = list(2, skip, String::new()).await.unwrap_err();
        assert_eq!(error.code(), tonic::Code::InvalidArgument);
        assert_eq!(violated_fields(&error), ["skip"], "{expected}");
    }
}

#[tokio::test]
async fn a_malformed_page_token_or_negative_page_size_answers_invalid_argument() {
    let engine = TestEngine::start().await;
    let error = engine
        .posts()
        .list_posts(authed(
            v1::ListPostsRequest {
                page_size: -1,
                page_token: "garbage!".into(),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    let fields = violated_fields(&error);
    assert!(
        fields.contains(&"page_size".to_owned()) && fields.contains(&"page_token".to_owned()),
        "{fields:?}"
    );
}

#[tokio::test]
async fn a_past_publish_time_backdates_the_post_and_a_future_one_schedules_it() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let moved = engine.draft(&ada, "moved", "Moved here", "").await;
    let post = engine.draft(&ada, "later", "Later", "").await;
    let past = Timestamp {
        seconds: 1_000_000_000,
        nanos: 0,
    };
    let backdated = engine
        .posts()
        .publish_post(authed(
            v1::PublishPostRequest {
                id: moved.id.clone(),
                etag: String::new(),
                publish_time: Some(past),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .post
        .unwrap();
    assert_eq!(backdated.status(), v1::PostStatus::Published);
    assert_eq!(backdated.publish_time, Some(past));
    // Oldest first in the listing, by the date it carries.
    let listed = engine
        .posts()
        .list_posts(authed(v1::ListPostsRequest::default(), &engine.admin_key))
        .await
        .unwrap()
        .into_inner()
        .posts;
    assert_eq!(listed.last().map(|p| p.slug.as_str()), Some("moved"));
    // A post created published with a past time is dated then; a future
    // time with PUBLISHED is a field error, not a silent schedule.
    let created = |slug: &str, seconds: i64| v1::CreatePostRequest {
        post: Some(v1::Post {
            slug: slug.into(),
            title: slug.into(),
            author_id: ada.id.clone(),
            ..Default::default()
        }),
        status: v1::PostStatus::Published as i32,
        publish_time: Some(Timestamp { seconds, nanos: 0 }),
        ..Default::default()
    };
    let imported = engine
        .posts()
        .create_post(authed(
            created("imported", 1_200_000_000),
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .post
        .unwrap();
    assert_eq!(
        (imported.status(), imported.publish_time.map(|t| t.seconds)),
        (v1::PostStatus::Published, Some(1_200_000_000))
    );
    let error = engine
        .posts()
        .create_post(authed(
            created("too-soon", chrono::Utc::now().timestamp() + 3600),
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&error), ["publish_time"]);
    let future = Timestamp {
        seconds: chrono::Utc::now().timestamp() + 3600,
        nanos: 0,
    };
    let scheduled = engine
        .posts()
        .publish_post(authed(
            v1::PublishPostRequest {
                id: post.id,
                etag: String::new(),
                publish_time: Some(future),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .post
        .unwrap();
    assert_eq!(scheduled.status(), v1::PostStatus::Scheduled);
}

#[tokio::test]
async fn a_scheduled_post_is_published_exactly_once_by_concurrent_schedulers() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.draft(&ada, "due", "Due", "").await;
    // Schedule, then move the time into the past as if it had come.
    let future = Timestamp {
        seconds: chrono::Utc::now().timestamp() + 3600,
        nanos: 0,
    };
    engine
        .posts()
        .publish_post(authed(
            v1::PublishPostRequest {
                id: post.id.clone(),
                etag: String::new(),
                publish_time: Some(future),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap();
    sqlx::query("UPDATE posts SET publish_time = now() - interval '1 second'")
        .execute(engine.store.pool())
        .await
        .unwrap();
    let replicas = (0..4).map(|_| {
        let store = engine.store.clone();
        tokio::spawn(async move { quire_engine::scheduler::publish_due(&store).await })
    });
    let published: usize = futures_results(replicas)
        .await
        .into_iter()
        .map(|r| r.unwrap_or(0))
        .sum();
    // The engine's own scheduler may have got there first; either way it happened once.
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM changes WHERE kind = 3")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert!(published <= 1);
    assert_eq!(events, 1);
    let status: i16 = sqlx::query_scalar("SELECT status FROM posts")
        .fetch_one(engine.store.pool())
        .await
        .unwrap();
    assert_eq!(status, 3);
}

#[tokio::test]
async fn unpublishing_hides_a_post_from_readers_and_delete_removes_it() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.published(&ada, "gone", "Gone", "").await;
    let reader = engine.key(&["content:read"]).await;
    engine
        .posts()
        .unpublish_post(authed(
            v1::UnpublishPostRequest {
                id: post.id.clone(),
                etag: String::new(),
                archive: false,
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap();
    let error = engine
        .posts()
        .get_post(authed(get_by_slug("gone"), &reader))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound);
    engine
        .posts()
        .delete_post(authed(
            v1::DeletePostRequest {
                id: post.id.clone(),
                etag: String::new(),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap();
    let error = engine
        .posts()
        .get_post(authed(get_by_slug("gone"), &engine.admin_key))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound);
}

#[tokio::test]
async fn xss_vectors_in_markdown_come_out_inert() {
    let engine = TestEngine::start().await;
    let vectors = [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)><script>alert(1)</script></svg>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "[x](&#106;avascript:alert(1))",
    ];
    let html = engine
        .posts()
        .preview_post(authed(
            v1::PreviewPostRequest {
                markdown: vectors.join("\n\n"),
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .html
        .to_lowercase();
    for forbidden in [
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "<svg",
        "<iframe",
        "style=",
    ] {
        assert!(!html.contains(forbidden), "{forbidden} survived in {html}");
    }
}

#[tokio::test]
async fn an_unknown_post_answers_not_found() {
    let engine = TestEngine::start().await;
    let error = engine
        .posts()
        .get_post(authed(get_by_slug("nothing-here"), &engine.admin_key))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::NotFound);
    let error = engine
        .posts()
        .get_post(authed(
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Id("not-a-uuid".into())),
                view: 0,
            },
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&error), ["id"]);
}

#[tokio::test]
async fn a_slug_the_site_routes_itself_is_refused_with_a_field_error() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    for reserved in ["search", "admin", "tag"] {
        let refused = engine
            .posts()
            .create_post(authed(
                v1::CreatePostRequest {
                    post: Some(v1::Post {
                        slug: reserved.into(),
                        title: "Unreachable".into(),
                        author_id: ada.id.clone(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                &engine.admin_key,
            ))
            .await
            .expect_err("a reserved slug is refused");
        assert_eq!(refused.code(), Code::InvalidArgument);
        assert_eq!(violated_fields(&refused), ["post.slug"]);
    }
}

#[tokio::test]
async fn pathologically_nested_markdown_is_refused_quickly_with_a_field_error() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let markdown = format!("{} x", ">".repeat(50_000));
    let started = std::time::Instant::now();
    let preview = engine
        .posts()
        .preview_post(authed(
            v1::PreviewPostRequest {
                markdown: markdown.clone(),
            },
            &engine.admin_key,
        ))
        .await
        .expect_err("too deep to render");
    assert_eq!(violated_fields(&preview), ["markdown"]);
    let create = engine
        .posts()
        .create_post(authed(
            v1::CreatePostRequest {
                post: Some(v1::Post {
                    slug: "deep".into(),
                    title: "Deep".into(),
                    markdown,
                    author_id: ada.id.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .expect_err("too deep to render");
    assert_eq!(violated_fields(&create), ["post.markdown"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "refusing took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn adjacent_posts_are_the_published_neighbours_of_a_published_post() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let oldest = engine.published(&ada, "oldest", "Oldest", "one").await;
    engine
        .draft(&ada, "in-between", "A draft", "not a neighbour")
        .await;
    let middle = engine.published(&ada, "middle", "Middle", "two").await;
    let newest = engine.published(&ada, "newest", "Newest", "three").await;
    let reader = engine.key(&["content:read"]).await;
    let adjacent = |slug: &str| {
        let mut posts = engine.posts();
        let request = authed(
            v1::GetAdjacentPostsRequest {
                slug: slug.to_owned(),
            },
            &reader,
        );
        async move {
            posts
                .get_adjacent_posts(request)
                .await
                .map(|r| r.into_inner())
        }
    };
    let slugs = |response: &v1::GetAdjacentPostsResponse| {
        (
            response.newer.as_ref().map(|p| p.slug.clone()),
            response.older.as_ref().map(|p| p.slug.clone()),
        )
    };

    let around_middle = adjacent("middle").await.expect("neighbours");
    assert_eq!(
        slugs(&around_middle),
        (Some(newest.slug.clone()), Some(oldest.slug.clone()))
    );
    let newer = around_middle.newer.expect("newer");
    assert!(
        newer.html.is_empty() && newer.markdown.is_empty(),
        "basic view"
    );
    assert_eq!(
        slugs(&adjacent("newest").await.unwrap()),
        (None, Some(middle.slug.clone()))
    );
    assert_eq!(
        slugs(&adjacent("oldest").await.unwrap()),
        (Some(middle.slug), None)
    );

    assert_eq!(
        adjacent("in-between").await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        adjacent("no-such-post").await.unwrap_err().code(),
        Code::NotFound
    );
    let invalid = adjacent("Not A Slug").await.unwrap_err();
    assert_eq!(invalid.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&invalid), vec!["slug"]);
}
