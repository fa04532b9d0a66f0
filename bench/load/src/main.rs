//! `quire-load`: drives one RPC of a quire.v1 server, or an HTTP GET of one
//! web page, as hard as it can (closed loop) or at a fixed rate (open loop,
//! measuring from each request's intended start so that a stalled server
//! cannot hide its queueing delay), and prints throughput and latency
//! percentiles as one JSON line.
//!
//! Also seeds a benchmark corpus through the API.

mod http;
mod mix;
mod scenario;
mod seed;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use hdrhistogram::Histogram;
use tokio::sync::Mutex;
use tonic::transport::{Channel, Endpoint};

use scenario::Scenario;

/// Command line.
#[derive(Parser)]
struct Cli {
    /// The gRPC server, e.g. http://127.0.0.1:50051 (not needed by http-get).
    #[arg(long, default_value = "")]
    url: String,
    /// API key sent as `authorization: Bearer <key>`.
    #[arg(long, default_value = "")]
    key: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure one scenario.
    Run {
        /// get-post | list-posts | search-posts | create-post | health | http-get
        #[arg(long)]
        scenario: Scenario,
        /// The page http-get requests, e.g. http://127.0.0.1:3000/some-post.
        #[arg(long, default_value = "")]
        target_url: String,
        /// A request header for http-get, `name: value`; repeatable.
        #[arg(long = "header")]
        headers: Vec<String>,
        /// Slug read by get-post.
        #[arg(long, default_value = "")]
        slug: String,
        /// Author id for create-post.
        #[arg(long, default_value = "")]
        author_id: String,
        /// What search-posts looks for, as a reader types it.
        #[arg(long, default_value = scenario::DEFAULT_SEARCH_QUERY)]
        query: String,
        /// Concurrent requests in flight: the workers of a closed loop, or those
        /// sending at `rate` in an open loop; for http-get also the number of
        /// HTTP/1.1 connections.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// HTTP/2 connections to spread the RPCs over (http-get opens one per
        /// request in flight instead).
        #[arg(long, default_value_t = 4)]
        connections: usize,
        /// Seconds to measure (after `warmup`).
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Seconds of warm-up, not measured.
        #[arg(long, default_value_t = 1.0)]
        warmup: f64,
        /// Requests per second (open loop); 0 runs closed loop.
        #[arg(long, default_value_t = 0.0)]
        rate: f64,
    },
    /// Offer a mix of PostService calls from closed-loop callers (the fault
    /// suite's overload load) and print every call as JSON.
    Mix {
        /// A JSON file with the mix, the posts and the callers (see `mix::Spec`).
        #[arg(long)]
        spec: std::path::PathBuf,
        /// HTTP/2 connections the callers share.
        #[arg(long, default_value_t = 4)]
        connections: usize,
    },
    /// Send one SearchPosts and print what it found as JSON (`total_size`,
    /// `results`): a benchmark checks its queries match what it says they do.
    Search {
        /// What to look for.
        #[arg(long)]
        query: String,
    },
    /// Create an author and `posts` published posts with realistic
    /// Markdown; prints the author's id.
    Seed {
        /// How many posts.
        #[arg(long, default_value_t = 1000)]
        posts: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            scenario,
            target_url,
            headers,
            slug,
            author_id,
            query,
            concurrency,
            connections,
            seconds,
            warmup,
            rate,
        } => {
            let target = if scenario.is_http() {
                Target::Http(Box::new(http::HttpGet::new(&target_url, &headers)?))
            } else {
                anyhow::ensure!(
                    !cli.url.is_empty(),
                    "--url is required by {}",
                    scenario.name()
                );
                Target::Grpc {
                    scenario,
                    channels: connect(&cli.url, connections).await?,
                    context: scenario::Context {
                        key: cli.key,
                        slug,
                        author_id,
                        query,
                    },
                }
            };
            let target = Arc::new(target);
            let result = if rate > 0.0 {
                open_loop(scenario, target, rate, concurrency, warmup, seconds).await
            } else {
                closed_loop(scenario, target, concurrency, warmup, seconds).await
            };
            println!("{}", result);
            Ok(())
        }
        Command::Mix { spec, connections } => {
            anyhow::ensure!(!cli.url.is_empty(), "--url is required by mix");
            let spec =
                std::fs::read(&spec).with_context(|| format!("reading {}", spec.display()))?;
            let spec: mix::Spec = serde_json::from_slice(&spec).context("the mix spec")?;
            let connections = connections.min(spec.concurrency).max(1);
            mix::run(connect(&cli.url, connections).await?, cli.key, spec).await
        }
        Command::Search { query } => {
            anyhow::ensure!(!cli.url.is_empty(), "--url is required by search");
            let channel = connect(&cli.url, 1).await?.remove(0);
            let found = scenario::search_once(channel, &cli.key, &query).await?;
            println!("{found}");
            Ok(())
        }
        Command::Seed { posts } => {
            anyhow::ensure!(!cli.url.is_empty(), "--url is required by seed");
            let channel = connect(&cli.url, 1).await?.remove(0);
            seed::seed(channel, &cli.key, posts).await
        }
    }
}

async fn connect(url: &str, connections: usize) -> anyhow::Result<Vec<Channel>> {
    let mut channels = Vec::new();
    for _ in 0..connections.max(1) {
        let channel = Endpoint::from_shared(url.to_owned())?
            .tcp_nodelay(true)
            .connect()
            .await
            .with_context(|| format!("connecting to {url}"))?;
        channels.push(channel);
    }
    Ok(channels)
}

/// What the loops drive: RPCs over shared HTTP/2 channels, or GETs of a page.
enum Target {
    Grpc {
        scenario: Scenario,
        channels: Vec<Channel>,
        context: scenario::Context,
    },
    Http(Box<http::HttpGet>),
}

impl Target {
    /// Sends request number `sequence` from worker (or slot) `slot`; whether it succeeded.
    async fn call(&self, slot: usize, sequence: u64) -> bool {
        match self {
            Target::Grpc {
                scenario,
                channels,
                context,
            } => {
                scenario
                    .call(channels[slot % channels.len()].clone(), context, sequence)
                    .await
            }
            Target::Http(get) => get.call().await,
        }
    }
}

struct Recorder {
    histogram: Histogram<u64>,
    errors: u64,
    /// Every request sent, warm-up and errors included (to relate server-side counters to requests).
    sent: u64,
}

fn new_recorder() -> Arc<Mutex<Recorder>> {
    Arc::new(Mutex::new(Recorder {
        histogram: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds"),
        errors: 0,
        sent: 0,
    }))
}

/// `concurrency` workers, each sending its next request when the last answered.
async fn closed_loop(
    scenario: Scenario,
    target: Arc<Target>,
    concurrency: usize,
    warmup: f64,
    seconds: f64,
) -> serde_json::Value {
    let recorder = new_recorder();
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(warmup);
    let end = measure_from + Duration::from_secs_f64(seconds);
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let target = target.clone();
        let recorder = recorder.clone();
        workers.push(tokio::spawn(async move {
            let mut local =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            let mut errors = 0;
            let mut sent_count = 0;
            let mut sequence = worker as u64 * 1_000_000;
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                sequence += 1;
                sent_count += 1;
                let ok = target.call(worker, sequence).await;
                if sent >= measure_from {
                    if ok {
                        let _ = local.record(sent.elapsed().as_micros() as u64);
                    } else {
                        errors += 1;
                    }
                }
            }
            let mut shared = recorder.lock().await;
            let _ = shared.histogram.add(&local);
            shared.errors += errors;
            shared.sent += sent_count;
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let recorder = recorder.lock().await;
    report(scenario, "closed", &recorder, seconds, concurrency, 0.0)
}

/// Requests at a fixed rate, each timed from when it was *due*, so queueing
/// behind a slow server counts (no coordinated omission). As wrk2 does it:
/// `concurrency` workers (for HTTP, each on a connection of its own), worker
/// `w` sending requests `w`, `w + concurrency`, …; a request that falls due
/// while its worker still waits for the last answer is sent late, and its
/// lateness counts. No task or connection per request, whose cost would be
/// the generator's, not the server's.
async fn open_loop(
    scenario: Scenario,
    target: Arc<Target>,
    rate: f64,
    concurrency: usize,
    warmup: f64,
    seconds: f64,
) -> serde_json::Value {
    let recorder = new_recorder();
    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(warmup);
    let total = ((warmup + seconds) * rate) as u64;
    let workers = concurrency.max(1) as u64;
    let mut tasks = Vec::with_capacity(workers as usize);
    for worker in 0..workers {
        let target = target.clone();
        let recorder = recorder.clone();
        tasks.push(tokio::spawn(async move {
            let mut local =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            let mut errors = 0;
            for n in (worker..total).step_by(workers as usize) {
                let due = start + interval.mul_f64(n as f64);
                wait_until(due).await;
                let ok = target.call(worker as usize, n).await;
                if due >= measure_from {
                    if ok {
                        let _ = local.record(due.elapsed().as_micros() as u64);
                    } else {
                        errors += 1;
                    }
                }
            }
            let mut shared = recorder.lock().await;
            let _ = shared.histogram.add(&local);
            shared.errors += errors;
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let mut recorder = recorder.lock().await;
    recorder.sent = total;
    report(scenario, "open", &recorder, seconds, workers as usize, rate)
}

/// Tokio's timer wakes on millisecond ticks: it sleeps to within the last
/// tick, then yields until `due`, so that timer lateness (up to a millisecond,
/// counted as latency) is not mistaken for the server's.
async fn wait_until(due: Instant) {
    const TIMER_TICK: Duration = Duration::from_millis(1);
    if let Some(early) = due.checked_duration_since(Instant::now())
        && early > TIMER_TICK
    {
        tokio::time::sleep_until((due - TIMER_TICK).into()).await;
    }
    while Instant::now() < due {
        tokio::task::yield_now().await;
    }
}

fn report(
    scenario: Scenario,
    mode: &str,
    recorder: &Recorder,
    seconds: f64,
    concurrency: usize,
    rate: f64,
) -> serde_json::Value {
    let h = &recorder.histogram;
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    serde_json::json!({
        "scenario": scenario.name(),
        "mode": mode,
        "concurrency": concurrency,
        "target_rate": rate,
        "requests": h.len(),
        "errors": recorder.errors,
        "sent": recorder.sent,
        "throughput": h.len() as f64 / seconds,
        "p50_ms": ms(0.5),
        "p90_ms": ms(0.9),
        "p99_ms": ms(0.99),
        "p999_ms": ms(0.999),
        "max_ms": h.max() as f64 / 1000.0,
    })
}
