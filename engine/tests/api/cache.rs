use std::time::{Duration, Instant};

use prost_types::FieldMask;
use quire_proto::v1;
use tonic::Code;

use crate::harness::{TestEngine, authed, fresh_database};
use crate::redis_server::RedisServer;

const FRESHNESS_BOUND: Duration = Duration::from_secs(1);

fn by_slug(slug: &str) -> v1::GetPostRequest {
    v1::GetPostRequest {
        key: Some(v1::get_post_request::Key::Slug(slug.to_owned())),
        view: 0,
    }
}

async fn title_on(engine: &TestEngine, key: &str, slug: &str) -> Result<String, tonic::Status> {
    let response = engine
        .posts()
        .get_post(authed(by_slug(slug), key))
        .await?
        .into_inner();
    Ok(response.post.map(|post| post.title).unwrap_or_default())
}

async fn retitle(engine: &TestEngine, post: &v1::Post, title: &str) {
    let mut edit = post.clone();
    edit.title = title.to_owned();
    edit.etag.clear();
    engine
        .posts()
        .update_post(authed(
            v1::UpdatePostRequest {
                post: Some(edit),
                update_mask: Some(FieldMask {
                    paths: vec!["title".into()],
                }),
                ..Default::default()
            },
            &engine.admin_key,
        ))
        .await
        .expect("update");
}

/// Polls until `engine` serves `title`; returns how long that took.
async fn wait_for_title(engine: &TestEngine, key: &str, slug: &str, title: &str) -> Duration {
    let started = Instant::now();
    loop {
        let seen = title_on(engine, key, slug).await.expect("reads never fail");
        if seen == title {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < FRESHNESS_BOUND,
            "still serving {seen:?} instead of {title:?} after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_write_on_one_replica_is_seen_on_the_other_within_one_second() {
    let a = TestEngine::start().await;
    let b = TestEngine::start_on(a.database_url.clone()).await;
    let (ada, _) = a.author("ada", v1::AuthorRole::Author).await;
    let post = a.published(&ada, "shared", "Version 0", "").await;
    let reader = b.key(&["content:read"]).await;
    for round in 1..=5 {
        // Both levels warm on B.
        title_on(&b, &reader, "shared").await.unwrap();
        title_on(&b, &reader, "shared").await.unwrap();
        retitle(&a, &post, &format!("Version {round}")).await;
        let took = wait_for_title(&b, &reader, "shared", &format!("Version {round}")).await;
        assert!(took < FRESHNESS_BOUND, "round {round} took {took:?}");
    }
}

#[tokio::test]
async fn a_read_racing_a_write_never_leaves_a_stale_entry_behind() {
    let a = TestEngine::start().await;
    let b = TestEngine::start_on(a.database_url.clone()).await;
    let (ada, _) = a.author("ada", v1::AuthorRole::Author).await;
    let post = a.published(&ada, "raced", "v0", "").await;
    let reader = a.key(&["content:read"]).await;
    for round in 1..=30 {
        let title = format!("v{round}");
        // Readers on both replicas keep filling both levels while the write happens.
        let racers: Vec<_> = (0..6)
            .map(|i| {
                let engine = if i % 2 == 0 {
                    a.channel.clone()
                } else {
                    b.channel.clone()
                };
                let key = reader.clone();
                tokio::spawn(async move {
                    let mut client = v1::post_service_client::PostServiceClient::new(engine);
                    for _ in 0..5 {
                        let _ = client.get_post(authed(by_slug("raced"), &key)).await;
                    }
                })
            })
            .collect();
        retitle(&a, &post, &title).await;
        for racer in racers {
            racer.await.unwrap();
        }
        wait_for_title(&a, &reader, "raced", &title).await;
        wait_for_title(&b, &reader, "raced", &title).await;
        // Once fresh, never stale again: nothing old was left in either level.
        for _ in 0..5 {
            assert_eq!(title_on(&a, &reader, "raced").await.unwrap(), title);
            assert_eq!(title_on(&b, &reader, "raced").await.unwrap(), title);
        }
    }
}

#[tokio::test]
async fn a_thousand_concurrent_cold_reads_cause_one_load() {
    let a = TestEngine::start().await;
    let (ada, _) = a.author("ada", v1::AuthorRole::Author).await;
    a.published(&ada, "popular", "Popular", "body").await;
    // A second replica with a Redis prefix of its own: cold in both levels.
    let cold_prefix = format!("{}_cold", a.database_url.rsplit('/').next().unwrap());
    // The burst may queue for longer than the default in a debug build on a
    // busy test machine; shedding is not what this test is about.
    let b = TestEngine::start_with(
        a.database_url.clone(),
        &[
            ("QUIRE_REDIS_PREFIX", &cold_prefix),
            ("QUIRE_MAX_QUEUE_WAIT_MS", "5000"),
        ],
    )
    .await;
    let reader = b.key(&["content:read"]).await;
    let before = b.cache.loads();
    let readers: Vec<_> = (0..1000)
        .map(|_| {
            let mut client = b.posts();
            let key = reader.clone();
            tokio::spawn(async move {
                client
                    .get_post(authed(by_slug("popular"), &key))
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    for reader in readers {
        reader.await.unwrap().expect("every read succeeds");
    }
    assert_eq!(
        b.cache.loads() - before,
        1,
        "one load from PostgreSQL for a thousand readers"
    );
}

#[tokio::test]
async fn a_missing_post_is_cached_briefly_and_found_once_created() {
    let engine = TestEngine::start().await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let reader = engine.key(&["content:read"]).await;
    let error = title_on(&engine, &reader, "soon").await.unwrap_err();
    assert_eq!(error.code(), Code::NotFound);
    engine.published(&ada, "soon", "Soon", "").await;
    wait_for_title(&engine, &reader, "soon", "Soon").await;
}

#[tokio::test]
async fn with_the_cache_off_every_read_goes_to_postgresql() {
    let engine = TestEngine::start_with(fresh_database().await, &[("QUIRE_CACHE", "off")]).await;
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    let post = engine.published(&ada, "uncached", "One", "").await;
    let reader = engine.key(&["content:read"]).await;
    assert_eq!(title_on(&engine, &reader, "uncached").await.unwrap(), "One");
    retitle(&engine, &post, "Two").await;
    assert_eq!(title_on(&engine, &reader, "uncached").await.unwrap(), "Two");
    assert_eq!(engine.cache.loads(), 0);
}

#[tokio::test]
async fn redis_stopped_and_restarted_loses_no_change_and_never_fails_a_read() {
    let mut redis = RedisServer::start().await;
    let url = redis.url();
    let database = fresh_database().await;
    let a = TestEngine::start_with(database.clone(), &[("REDIS_URL", &url)]).await;
    let b = TestEngine::start_with(database, &[("REDIS_URL", &url)]).await;
    let (ada, _) = a.author("ada", v1::AuthorRole::Author).await;
    let post = a.published(&ada, "resilient", "r0", "").await;
    let reader = b.key(&["content:read"]).await;
    for round in 1..=24 {
        if round == 8 {
            redis.stop();
        }
        if round == 16 {
            redis.restart().await;
        }
        let title = format!("r{round}");
        retitle(&a, &post, &title).await;
        wait_for_title(&b, &reader, "resilient", &title).await;
        wait_for_title(&a, &reader, "resilient", &title).await;
    }
    // Both replicas applied every change.
    let head: i64 = sqlx::query_scalar("SELECT max(sequence) FROM changes")
        .fetch_one(a.store.pool())
        .await
        .unwrap();
    let deadline = Instant::now() + FRESHNESS_BOUND;
    while a.cache.applied_sequence() != Some(head) || b.cache.applied_sequence() != Some(head) {
        assert!(
            Instant::now() < deadline,
            "replicas did not apply up to {head}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_relay_publishes_every_change_on_redis_in_order() {
    use prost::Message;
    use tokio_stream::StreamExt;

    let Ok(url) = std::env::var("REDIS_URL") else {
        panic!("REDIS_URL must be set; `npm test` sets it")
    };
    let engine = TestEngine::start().await;
    let prefix = engine.database_url.rsplit('/').next().unwrap().to_owned();
    let mut pubsub = redis::Client::open(url)
        .unwrap()
        .get_async_pubsub()
        .await
        .unwrap();
    pubsub.subscribe(format!("{prefix}:changes")).await.unwrap();
    let (ada, _) = engine.author("ada", v1::AuthorRole::Author).await;
    engine.published(&ada, "relayed", "Relayed", "").await;
    let mut messages = pubsub.on_message();
    let mut sequences = Vec::new();
    while sequences.len() < 2 {
        let message = tokio::time::timeout(FRESHNESS_BOUND, messages.next())
            .await
            .expect("published in time")
            .unwrap();
        let change = v1::Change::decode(message.get_payload_bytes()).expect("a Change message");
        assert_eq!(change.slug, "relayed");
        sequences.push(change.sequence);
    }
    assert_eq!(sequences, [1, 2], "created, then published");
}
