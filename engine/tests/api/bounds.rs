//! Bounded responses: a body that renders too large is refused before
//! anything is written, and a listing ends its page early rather than
//! outgrowing the message limit.

use std::time::{Duration, Instant};

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

/// CPU time this process (the test and the engine in it) has used.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux /proc");
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .expect("stat format")
        .1
        .split(' ')
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // USER_HZ is 100 on every Linux this runs on.
    Duration::from_millis(ticks * 10)
}

#[tokio::test]
async fn pathological_markdown_is_answered_within_a_cpu_bound() {
    let engine = TestEngine::start().await;
    let cases: Vec<(&str, String)> = vec![
        ("nested quotes", format!("{} x", ">".repeat(50_000))),
        ("nested lists", "- ".repeat(50_000)),
        (
            "nested emphasis",
            format!("{}x{}", "*".repeat(50_000), "*".repeat(50_000)),
        ),
        ("open brackets", "[".repeat(100_000)),
        ("link openers", "[a](".repeat(50_000)),
        ("backticks", "`".repeat(100_000)),
        ("angle brackets", "<".repeat(100_000)),
        ("nested divs", "<div>".repeat(50_000)),
        (
            "wide table",
            format!("{}\n{}\n", "|a".repeat(20_000), "|-".repeat(20_000)),
        ),
        (
            "footnote storm",
            format!("{}\n\n[^1]: x", "[^1]".repeat(100_000)),
        ),
        ("entity soup", "&#x1F600;&amp;&lt;".repeat(30_000)),
        ("emphasis runs", "a*b_c**d__e".repeat(50_000)),
    ];
    for (name, markdown) in cases {
        assert!(
            markdown.len() <= 1 << 20,
            "{name} is within the input limit"
        );
        let cpu = cpu_time();
        let started = Instant::now();
        let answer = engine
            .posts()
            .preview_post(authed(
                v1::PreviewPostRequest { markdown },
                &engine.admin_key,
            ))
            .await;
        let (wall, cpu) = (started.elapsed(), cpu_time() - cpu);
        if let Err(status) = &answer {
            assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
            assert_eq!(violated_fields(status), ["markdown"], "{name}");
        }
        // A debug build on a shared machine: generous, and still far from the
        // 20 s a single request once burned.
        assert!(cpu < Duration::from_secs(4), "{name} used {cpu:?} of CPU");
        assert!(wall < Duration::from_secs(6), "{name} took {wall:?}");
    }
}
