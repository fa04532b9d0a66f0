//! Health tells the truth: NOT_SERVING within a second of losing PostgreSQL
//! (calls then fail at once, with a retry hint), SERVING again within a
//! second of its return; losing Redis never flips it.

use std::time::{Duration, Instant};

use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

use crate::fault_proxy::{Fault, FaultProxy, through_proxy};
use crate::harness::{TestEngine, fresh_database};
use crate::redis_server::RedisServer;

const WITHIN: Duration = Duration::from_secs(1);

async fn health(engine: &TestEngine) -> ServingStatus {
    let response = HealthClient::new(engine.channel.clone())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health answers whatever PostgreSQL does");
    response.into_inner().status()
}

/// How long until health reports `status`; panics past `WITHIN`.
async fn until_health(engine: &TestEngine, status: ServingStatus) -> Duration {
    let started = Instant::now();
    while health(engine).await != status {
        assert!(
            started.elapsed() < WITHIN,
            "health did not report {status:?} within {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

/// A read that always needs PostgreSQL.
async fn list_drafts(engine: &TestEngine) -> Result<(), tonic::Status> {
    engine.drafts().await.map(|_| ())
}

async fn engine_through(proxy_fault: Fault) -> (TestEngine, FaultProxy) {
    let (target, proxied_url) = through_proxy(&fresh_database().await).await;
    let proxy = FaultProxy::start(target).await;
    let engine = TestEngine::start_on(proxied_url(proxy.port)).await;
    assert_eq!(health(&engine).await, ServingStatus::Serving);
    list_drafts(&engine)
        .await
        .expect("reads work before the fault");
    proxy.set(proxy_fault);
    (engine, proxy)
}

#[tokio::test]
async fn losing_postgresql_reports_not_serving_and_fails_fast_then_recovers() {
    let (engine, proxy) = engine_through(Fault::Reset).await;
    let down_after = until_health(&engine, ServingStatus::NotServing).await;

    let started = Instant::now();
    let refused = list_drafts(&engine).await.expect_err("PostgreSQL is down");
    assert_eq!(refused.code(), Code::Unavailable);
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "a call while PostgreSQL is known down took {:?}",
        started.elapsed()
    );
    assert!(
        refused.get_details_retry_info().is_some(),
        "UNAVAILABLE says when to retry"
    );

    proxy.set(Fault::Pass);
    let up_after = until_health(&engine, ServingStatus::Serving).await;
    list_drafts(&engine).await.expect("reads work again");
    println!("NOT_SERVING after {down_after:?}, SERVING again after {up_after:?}");
}

#[tokio::test]
async fn a_hung_postgresql_is_detected_as_down_too() {
    let (engine, proxy) = engine_through(Fault::Blackhole).await;
    until_health(&engine, ServingStatus::NotServing).await;
    proxy.set(Fault::Pass);
    until_health(&engine, ServingStatus::Serving).await;
}

#[tokio::test]
async fn losing_redis_never_flips_health() {
    let mut redis = RedisServer::start().await;
    let engine =
        TestEngine::start_with(fresh_database().await, &[("REDIS_URL", &redis.url())]).await;
    redis.stop();
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        assert_eq!(health(&engine).await, ServingStatus::Serving);
        list_drafts(&engine)
            .await
            .expect("reads work without Redis");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_call_waiting_for_a_connection_fails_when_postgresql_is_found_down() {
    let (target, proxied_url) = through_proxy(&fresh_database().await).await;
    let proxy = FaultProxy::start(target).await;
    // A long acquire timeout: without the liveness signal the call would wait it out.
    let engine = TestEngine::start_with(
        proxied_url(proxy.port),
        &[("QUIRE_DB_ACQUIRE_TIMEOUT_MS", "20000")],
    )
    .await;
    list_drafts(&engine)
        .await
        .expect("reads work before the fault");
    proxy.set(Fault::Blackhole);
    let started = Instant::now();
    let refused = list_drafts(&engine).await.expect_err("PostgreSQL hangs");
    assert_eq!(refused.code(), Code::Unavailable);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the call waited {:?}, not until the probe found PostgreSQL down",
        started.elapsed()
    );
    proxy.set(Fault::Pass);
    until_health(&engine, ServingStatus::Serving).await;
}
