use std::time::Duration;

use quire_proto::v1;
use tokio_stream::StreamExt;

use crate::harness::{TestEngine, authed};

/// Every change (drafts' too), as a caller with write access sees them.
async fn collect(engine: &TestEngine, after: i64, want: usize) -> Vec<v1::Change> {
    let writer = engine.key(&["content:read", "content:write"]).await;
    engine.changes_after(after, want, &writer).await
}

#[tokio::test]
async fn watching_from_sequence_n_delivers_n_plus_one_onwards_in_order_exactly_once() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    for i in 0..4 {
        engine.published(&ada, &format!("p-{i}"), "P", "").await;
    }
    // 4 creates + 4 publishes = sequences 1..=8.
    let all = collect(&engine, 0, 8).await;
    assert_eq!(
        all.iter().map(|c| c.sequence).collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    let resumed = collect(&engine, 5, 3).await;
    assert_eq!(
        resumed.iter().map(|c| c.sequence).collect::<Vec<_>>(),
        [6, 7, 8]
    );
    // Sequence 6 publishes p-2; 7 and 8 create and publish p-3.
    assert_eq!(resumed[0].kind(), v1::ChangeKind::PostPublished);
    assert_eq!(resumed[1].kind(), v1::ChangeKind::PostCreated);
    assert_eq!(resumed[2].kind(), v1::ChangeKind::PostPublished);
    assert_eq!(resumed[2].slug, "p-3");
    assert_eq!(resumed[2].tag_slugs, ["rust"]);
    assert!(!resumed[2].was_published);
}

#[tokio::test]
async fn a_live_stream_receives_changes_committed_after_it_started() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let reader = engine.key(&["content:read", "content:write"]).await;
    let mut stream = engine
        .changes()
        .watch_changes(authed(
            v1::WatchChangesRequest { after_sequence: -1 },
            &reader,
        ))
        .await
        .unwrap()
        .into_inner();
    let mut post = engine.published(&ada, "live", "Live", "").await;
    post.slug = "renamed".into();
    post.etag.clear();
    engine
        .posts()
        .update_post(authed(
            v1::UpdatePostRequest {
                post: Some(post),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["slug".into()],
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let message = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.extend(message.changes);
    }
    let rename = &seen[2];
    assert_eq!(rename.kind(), v1::ChangeKind::PostUpdated);
    assert_eq!(
        (rename.slug.as_str(), rename.previous_slug.as_str()),
        ("renamed", "live")
    );
    assert!(rename.was_published);
}

#[tokio::test]
async fn a_stream_ends_with_unavailable_when_the_engine_shuts_down() {
    let mut engine = TestEngine::start().await;
    let reader = engine.key(&["content:read"]).await;
    let mut stream = engine
        .changes()
        .watch_changes(authed(
            v1::WatchChangesRequest { after_sequence: -1 },
            &reader,
        ))
        .await
        .unwrap()
        .into_inner();
    engine.shut_down();
    let ended = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("the stream ends promptly")
        .expect("with a status, not silently");
    assert_eq!(
        ended.expect_err("shutdown is not a normal end").code(),
        tonic::Code::Unavailable
    );
}

#[tokio::test]
async fn a_reader_key_sees_no_change_to_a_draft() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let (_, contributor) = engine.author("carl", v1::AuthorRole::Contributor).await;
    engine.draft(&ada, "secret-plan", "Secret", "").await;
    let published = engine.published(&ada, "public", "Public", "").await;
    // Sequences: 1 the draft, 2 and 3 the public post's create and publish.
    let reader = engine.key(&["content:read"]).await;
    for credential in [reader.as_str(), contributor.as_str()] {
        let seen = engine.changes_after(0, 1, credential).await;
        assert_eq!(
            seen.iter().map(|c| c.sequence).collect::<Vec<_>>(),
            [3],
            "only the publication is public"
        );
        assert_eq!(seen[0].post_id, published.id);
    }
}
