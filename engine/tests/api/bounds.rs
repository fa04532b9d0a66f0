//! Bounded responses: a body that renders too large is refused before
//! anything is written, and a listing ends its page early rather than
//! outgrowing the message limit.

use quire_proto::v1;
use tonic::Code;

use crate::harness::{TestEngine, authed, fresh_database, violated_fields};

async fn post_count(engine: &TestEngine) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM posts")
        .fetch_one(engine.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_body_that_renders_too_large_is_a_field_error_and_writes_nothing() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    // 200 KB of footnote references render to well over the HTML limit.
    let markdown = format!("{}\n\n[^1]: note", "[^1] ".repeat(40_000));
    let error = engine
        .posts()
        .create_post(authed(
            v1::CreatePostRequest {
                post: Some(v1::Post {
                    slug: "amplified".into(),
                    title: "Amplified".into(),
                    markdown: markdown.clone(),
                    author_id: ada.id.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&error), ["post.markdown"]);
    assert!(
        error.message().contains("KiB of HTML"),
        "{}",
        error.message()
    );
    assert_eq!(post_count(&engine).await, 0);

    let error = engine
        .posts()
        .preview_post(authed(
            v1::PreviewPostRequest { markdown },
            &engine.admin_key,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&error), ["markdown"]);
}

#[tokio::test]
async fn a_full_listing_of_large_posts_pages_by_bytes_and_loses_none() {
    const LIMIT: usize = 1 << 20;
    let engine = TestEngine::start_with(
        fresh_database().await,
        &[("QUIRE_MAX_MESSAGE_BYTES", &LIMIT.to_string())],
    )
    .await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    // Each post answers ~600 KB in the FULL view (Markdown and HTML).
    let paragraph = "Plain words in a long paragraph of a large draft. ".repeat(6_000);
    for n in 0..4 {
        engine
            .draft(&ada, &format!("large-{n}"), "Large", &paragraph)
            .await;
    }
    let mut seen = Vec::new();
    let mut page_token = String::new();
    for _ in 0..10 {
        let response = engine
            .posts()
            .list_posts(authed(
                v1::ListPostsRequest {
                    statuses: vec![v1::PostStatus::Draft as i32],
                    view: v1::PostView::Full as i32,
                    page_size: 20,
                    page_token: page_token.clone(),
                    ..Default::default()
                },
                &engine.admin_key,
            ))
            .await
            .expect("every page fits the limit")
            .into_inner();
        assert!(prost::Message::encoded_len(&response) <= LIMIT);
        assert!(!response.posts.is_empty());
        seen.extend(response.posts.into_iter().map(|post| post.slug));
        page_token = response.next_page_token;
        if page_token.is_empty() {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, ["large-0", "large-1", "large-2", "large-3"]);
}
