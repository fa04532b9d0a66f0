//! Load shedding: beyond its running and queued slots the engine answers
//! RESOURCE_EXHAUSTED with RetryInfo at once, and health keeps answering.

use std::time::{Duration, Instant};

use quire_proto::v1;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

use crate::harness::{TestEngine, authed, fresh_database};

#[tokio::test]
async fn calls_beyond_capacity_are_shed_quickly_with_retry_info() {
    let engine = TestEngine::start_with(
        fresh_database().await,
        &[
            ("QUIRE_MAX_CONCURRENT_CALLS", "2"),
            ("QUIRE_MAX_QUEUED_CALLS", "0"),
        ],
    )
    .await;
    // A preview renders for a while on the blocking pool: a slow call.
    let markdown = "```rust\nfn main() { let x = 1; }\n```\n\n".repeat(300);
    let calls = (0..24).map(|_| {
        let mut posts = engine.posts();
        let request = authed(
            v1::PreviewPostRequest {
                markdown: markdown.clone(),
            },
            &engine.admin_key,
        );
        async move {
            let started = Instant::now();
            let result = posts.preview_post(request).await;
            (result, started.elapsed())
        }
    });
    let health = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        HealthClient::new(engine.channel.clone())
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
    };
    let (answers, health) = tokio::join!(futures_util::future::join_all(calls), health);
    assert!(health.is_ok(), "health is never shed");

    let mut served = 0;
    let mut shed = Vec::new();
    for (result, took) in answers {
        match result {
            Ok(_) => served += 1,
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                let retry = status.get_details_retry_info().expect("RetryInfo");
                assert!(retry.retry_delay.is_some());
                shed.push(took);
            }
        }
    }
    assert!(served >= 2, "the calls within capacity are served");
    assert!(!shed.is_empty(), "calls beyond capacity are shed");
    shed.sort();
    let median = shed[shed.len() / 2];
    assert!(
        median < Duration::from_millis(100),
        "shed calls answer at once, not after queueing: median {median:?}"
    );
}
