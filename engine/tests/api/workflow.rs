//! One click, one write: a save that also publishes is one transaction and
//! one change, and every write says which cache tags it invalidated.

use std::time::{Duration, Instant};

use prost_types::FieldMask;
use quire_proto::v1;

use crate::harness::{TestEngine, authed, violated_fields};

fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask {
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
    })
}

#[tokio::test]
async fn saving_and_publishing_in_one_update_records_one_change_with_its_cache_tags() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let mut draft = engine.draft(&ada, "hello", "Hello", "Hi").await;
    draft.title = "Hello, world".into();
    let response = engine
        .posts()
        .update_post(authed(
            v1::UpdatePostRequest {
                post: Some(draft.clone()),
                update_mask: mask(&["title"]),
                status: v1::PostStatus::Published as i32,
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .expect("save and publish")
        .into_inner();
    let post = response.post.expect("post");
    assert_eq!(post.status(), v1::PostStatus::Published);
    assert_eq!(post.title, "Hello, world");
    for expected in [
        format!("post:{}", post.id),
        "slug:hello".to_owned(),
        "posts".to_owned(),
        "tag:rust".to_owned(),
        "author:ada".to_owned(),
    ] {
        assert!(
            response.cache_tags.contains(&expected),
            "{expected} missing from {:?}",
            response.cache_tags
        );
    }
    // Sequence 1 created the draft; the save and publish is exactly one more.
    let changes = engine.changes_after(1, 1, &engine.admin_key).await;
    assert_eq!(changes[0].kind(), v1::ChangeKind::PostPublished);
    assert_eq!(changes[0].cache_tags, response.cache_tags);
    assert!(engine.no_change_after(2).await);
}

#[tokio::test]
async fn a_publish_the_caller_may_not_make_writes_nothing_of_the_save() {
    let engine = TestEngine::start().await;
    let (carl, session) = engine.author("carl", v1::AuthorRole::Contributor).await;
    let mut draft = engine.draft(&carl, "mine", "Mine", "").await;
    draft.title = "Changed".into();
    draft.etag.clear();
    let refused = engine
        .posts()
        .update_post(authed(
            v1::UpdatePostRequest {
                post: Some(draft.clone()),
                update_mask: mask(&["title"]),
                status: v1::PostStatus::Published as i32,
                ..Default::default()
            },
            &session,
        ))
        .await
        .expect_err("contributors may not publish");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
    let stored = engine
        .posts()
        .get_post(authed(
            v1::GetPostRequest {
                key: Some(v1::get_post_request::Key::Id(draft.id.clone())),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner()
        .post
        .unwrap();
    assert_eq!(
        (stored.title.as_str(), stored.status()),
        ("Mine", v1::PostStatus::Draft)
    );
    assert!(engine.no_change_after(1).await);
}

#[tokio::test]
async fn create_can_publish_or_schedule_in_the_same_write() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let create = |slug: &str, status: v1::PostStatus, publish_time| v1::CreatePostRequest {
        post: Some(v1::Post {
            slug: slug.into(),
            title: "Now".into(),
            author_id: ada.id.clone(),
            ..Default::default()
        }),
        status: status as i32,
        publish_time,
        ..Default::default()
    };
    let published = engine
        .posts()
        .create_post(authed(
            create("now", v1::PostStatus::Published, None),
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(published.post.unwrap().status(), v1::PostStatus::Published);
    assert!(published.cache_tags.contains(&"posts".to_owned()));
    let changes = engine.changes_after(0, 1, &engine.admin_key).await;
    assert_eq!(changes[0].kind(), v1::ChangeKind::PostCreated);
    assert_eq!(changes[0].status(), v1::PostStatus::Published);

    let later = prost_types::Timestamp {
        seconds: chrono::Utc::now().timestamp() + 3600,
        nanos: 0,
    };
    let scheduled = engine
        .posts()
        .create_post(authed(
            create("later", v1::PostStatus::Scheduled, Some(later)),
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(scheduled.post.unwrap().status(), v1::PostStatus::Scheduled);
    // Readers saw nothing: only the post's own tags.
    assert!(!scheduled.cache_tags.contains(&"posts".to_owned()));

    let invalid = engine
        .posts()
        .create_post(authed(
            create("bad", v1::PostStatus::Scheduled, None),
            &engine.admin_key,
        ))
        .await
        .expect_err("a schedule needs a time");
    assert_eq!(violated_fields(&invalid), ["publish_time"]);
}

#[tokio::test]
async fn a_tag_rename_refreshes_cached_posts_that_show_the_tag() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    engine.published(&ada, "tagged", "Tagged", "").await;
    let reader = engine.key(&["content:read"]).await;
    let tag_names = || async {
        engine
            .posts()
            .get_post(authed(
                v1::GetPostRequest {
                    key: Some(v1::get_post_request::Key::Slug("tagged".into())),
                    ..Default::default()
                },
                &reader,
            ))
            .await
            .unwrap()
            .into_inner()
            .post
            .unwrap()
            .tags
            .into_iter()
            .map(|tag| tag.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(tag_names().await, ["Rust"]);
    let renamed = engine
        .tags()
        .update_tag(authed(
            v1::UpdateTagRequest {
                tag: Some(v1::Tag {
                    slug: "rust".into(),
                    name: "Rust language".into(),
                    ..Default::default()
                }),
                update_mask: mask(&["name"]),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(renamed.cache_tags, ["tag:rust", "tags"]);
    let started = Instant::now();
    while tag_names().await != ["Rust language"] {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the cached post still shows the old tag name after 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn deleting_a_published_post_answers_the_tags_it_invalidated() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.published(&ada, "gone", "Gone", "").await;
    let deleted = engine
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
        .unwrap()
        .into_inner();
    let mut tags = deleted.cache_tags.clone();
    tags.sort();
    let mut expected = vec![
        format!("post:{}", post.id),
        "slug:gone".to_owned(),
        "posts".to_owned(),
        "tags".to_owned(),
        "authors".to_owned(),
        "tag:rust".to_owned(),
        "author:ada".to_owned(),
    ];
    expected.sort();
    assert_eq!(tags, expected);
}
