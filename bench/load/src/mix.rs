//! `quire-load mix`: closed-loop callers offering a mix of PostService calls
//! (readers', editors' and authors'), each call timed and its outcome kept,
//! for the fault suite's overload scenario. A caller refused with a
//! `RetryInfo` waits as it asks before its next call, as gRPC clients with
//! retry pushback do. What the calls were is left to the caller to judge: it
//! gets every call, as JSON.
//!
//! The fault suite's Node.js harness made these calls itself before; on a
//! small machine its event loop shared the engine's cores and its delays
//! landed in every latency it measured. This runs where it is told (pinned to
//! a core of its own by the harness) and costs a few microseconds a call.

use std::time::{Duration, Instant};

use quire_proto::v1;
use quire_proto::v1::post_service_client::PostServiceClient;
use serde::Deserialize;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;

/// What to offer (read from the file `--spec` names; see `bench/lib/faults/load.mjs`).
#[derive(Deserialize)]
pub struct Spec {
    /// Share of each call kind (`get_post`, `list_posts`, `list_drafts`, `preview`, `update_post`).
    pub kinds: Vec<(Kind, f64)>,
    /// Published posts GetPost reads, round robin.
    pub slugs: Vec<String>,
    /// Drafts UpdatePost edits, round robin.
    pub draft_ids: Vec<String>,
    /// What PreviewPost renders.
    pub preview_markdown: String,
    pub concurrency: usize,
    pub duration_ms: u64,
    /// Each call's deadline.
    pub timeout_ms: u64,
    pub honour_retry_info: bool,
}

#[derive(Clone, Copy, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    GetPost,
    ListPosts,
    ListDrafts,
    Preview,
    UpdatePost,
}

/// One call, as `load.mjs` keeps it: when it started (ms since the load
/// began), how long it took, and `ok` or the gRPC code in snake case.
#[derive(serde::Serialize)]
struct Call {
    kind: Kind,
    start: f64,
    ms: f64,
    outcome: String,
}

/// Offers `spec` over `channels` and prints every call as one JSON line:
/// `{"seconds": …, "cpu_seconds": …, "calls": [...]}` (`cpu_seconds`: this
/// process's own, so that a report can say what the generator cost).
pub async fn run(channels: Vec<Channel>, key: String, spec: Spec) -> anyhow::Result<()> {
    anyhow::ensure!(
        !spec.kinds.is_empty() && spec.concurrency > 0,
        "the spec needs kinds and callers"
    );
    anyhow::ensure!(
        !spec.slugs.is_empty() && !spec.draft_ids.is_empty(),
        "the spec needs slugs and draft ids"
    );
    let spec = std::sync::Arc::new(spec);
    let key = std::sync::Arc::new(key);
    let began = Instant::now();
    let until = began + Duration::from_millis(spec.duration_ms);
    let mut callers = Vec::new();
    for index in 0..spec.concurrency {
        let client = PostServiceClient::new(channels[index % channels.len()].clone());
        let (spec, key) = (spec.clone(), key.clone());
        callers.push(tokio::spawn(async move {
            let mut calls = Vec::new();
            let mut n = index;
            // A small generator per caller: the mix needs no cryptographic randomness.
            let mut roll = Roll(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1));
            while Instant::now() < until {
                let kind = roll.pick(&spec.kinds);
                let start = Instant::now();
                let result = call(client.clone(), &key, &spec, kind, n).await;
                let ms = start.elapsed().as_secs_f64() * 1_000.0;
                let (outcome, pause) = match result {
                    Ok(()) => ("ok".to_owned(), None),
                    Err(status) => (
                        outcome_of(status.code()),
                        spec.honour_retry_info
                            .then(|| status.get_details_retry_info())
                            .flatten()
                            .and_then(|info| info.retry_delay),
                    ),
                };
                calls.push(Call {
                    kind,
                    start: (start - began).as_secs_f64() * 1_000.0,
                    ms,
                    outcome,
                });
                if let Some(pause) = pause {
                    let left = until.saturating_duration_since(Instant::now());
                    tokio::time::sleep(pause.min(left)).await;
                }
                n += spec.concurrency;
            }
            calls
        }));
    }
    let mut calls = Vec::new();
    for caller in callers {
        calls.extend(caller.await?);
    }
    let seconds = began.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({ "seconds": seconds, "cpu_seconds": own_cpu_seconds(), "calls": calls })
    );
    Ok(())
}

async fn call(
    mut client: PostServiceClient<Channel>,
    key: &str,
    spec: &Spec,
    kind: Kind,
    n: usize,
) -> Result<(), Status> {
    let timeout = Duration::from_millis(spec.timeout_ms);
    fn with_deadline<T>(message: T, key: &str, timeout: Duration) -> Request<T> {
        let mut request = crate::scenario::authed(message, key);
        request.set_timeout(timeout);
        request
    }
    match kind {
        Kind::GetPost => {
            let slug = spec.slugs[n % spec.slugs.len()].clone();
            client
                .get_post(with_deadline(
                    v1::GetPostRequest {
                        key: Some(v1::get_post_request::Key::Slug(slug)),
                        view: v1::PostView::Full as i32,
                    },
                    key,
                    timeout,
                ))
                .await
                .map(drop)
        }
        Kind::ListPosts => client
            .list_posts(with_deadline(
                v1::ListPostsRequest {
                    page_size: 10,
                    view: v1::PostView::Basic as i32,
                    ..Default::default()
                },
                key,
                timeout,
            ))
            .await
            .map(drop),
        Kind::ListDrafts => client
            .list_posts(with_deadline(
                v1::ListPostsRequest {
                    page_size: 20,
                    statuses: vec![v1::PostStatus::Draft as i32],
                    view: v1::PostView::Basic as i32,
                    ..Default::default()
                },
                key,
                timeout,
            ))
            .await
            .map(drop),
        Kind::Preview => client
            .preview_post(with_deadline(
                v1::PreviewPostRequest {
                    markdown: spec.preview_markdown.clone(),
                },
                key,
                timeout,
            ))
            .await
            .map(drop),
        Kind::UpdatePost => {
            let id = spec.draft_ids[n % spec.draft_ids.len()].clone();
            client
                .update_post(with_deadline(
                    v1::UpdatePostRequest {
                        post: Some(v1::Post {
                            id,
                            title: format!("Edited {n}"),
                            ..Default::default()
                        }),
                        update_mask: Some(prost_types::FieldMask {
                            paths: vec!["title".into()],
                        }),
                        ..Default::default()
                    },
                    key,
                    timeout,
                ))
                .await
                .map(drop)
        }
    }
}

/// User and system CPU time of this process so far (Linux's /proc), or null.
fn own_cpu_seconds() -> Option<f64> {
    // Clock ticks: 100 a second on every Linux architecture we run on (USER_HZ).
    const TICKS_PER_SECOND: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    // utime and stime are fields 14 and 15 of the full line.
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / TICKS_PER_SECOND)
}

/// The code as `clients.mjs`'s `outcomeOf` names it: `resource_exhausted`, `deadline_exceeded`, ….
fn outcome_of(code: Code) -> String {
    let name = format!("{code:?}");
    let mut snake = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}

/// xorshift64*: enough to pick a call kind by its share.
struct Roll(u64);

impl Roll {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick(&mut self, kinds: &[(Kind, f64)]) -> Kind {
        let total: f64 = kinds.iter().map(|(_, share)| share).sum();
        let mut roll = self.next() * total;
        for &(kind, share) in kinds {
            roll -= share;
            if roll < 0.0 {
                return kind;
            }
        }
        kinds[0].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_named_as_the_node_harness_names_them() {
        assert_eq!(outcome_of(Code::ResourceExhausted), "resource_exhausted");
        assert_eq!(outcome_of(Code::DeadlineExceeded), "deadline_exceeded");
        assert_eq!(outcome_of(Code::Unavailable), "unavailable");
    }

    #[test]
    fn kinds_are_picked_by_their_share() {
        let mut roll = Roll(42);
        let kinds = [(Kind::Preview, 0.75), (Kind::GetPost, 0.25)];
        let previews = (0..10_000)
            .filter(|_| matches!(roll.pick(&kinds), Kind::Preview))
            .count();
        assert!((7_200..7_800).contains(&previews), "{previews}");
    }
}
