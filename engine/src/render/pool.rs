//! Where renders run: a pool of one thread per core, at a lower CPU priority
//! than the async workers. A render takes milliseconds of CPU; the async
//! workers answer cached reads, health and admission refusals in
//! microseconds. With renders on tokio's blocking pool (up to 512 threads at
//! the workers' priority), an engine at capacity time-sliced every render
//! against every other and against the workers, so a refusal or a cache hit
//! waited behind the scheduler's slices of renders. Here at most one render
//! runs per core, the rest wait their turn (admission bounds how many), and
//! the kernel runs a woken worker ahead of a render.

use std::sync::OnceLock;

/// How much less CPU priority render threads get than the rest of the engine
/// (a nice value, as `nice -n`; weight about a tenth of the workers').
const RENDER_NICENESS: i32 = 10;

/// The pool's work panicked (the caller answers INTERNAL).
#[derive(Debug, thiserror::Error)]
#[error("the render was lost (it panicked)")]
pub struct RenderLost;

/// Runs `work` on the render pool and waits for its result without blocking
/// the async worker.
pub async fn run<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, RenderLost> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    pool().spawn(move || {
        // The caller may have gone (its deadline passed); then nobody waits.
        let _ = sender.send(work());
    });
    receiver.await.map_err(|_| RenderLost)
}

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(std::thread::available_parallelism().map_or(1, |n| n.get()))
            .thread_name(|index| format!("quire-render-{index}"))
            .start_handler(|_| lower_priority())
            // Rayon aborts the process on a panic by default; a panicking
            // render fails its own call only (its sender is dropped).
            .panic_handler(|_| tracing::error!("a render panicked"))
            .build()
            .expect("the render pool's threads start")
    })
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux a nice value belongs to a thread: `who = 0` is the calling one.
    // SAFETY: setpriority takes plain integers and touches no memory of ours.
    let lowered = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, RENDER_NICENESS) };
    if lowered != 0 {
        tracing::warn!("render threads run at the engine's own CPU priority (setpriority failed)");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_pool_at_a_lower_priority() {
        let (name, niceness) = run(|| {
            let name = std::thread::current().name().map(str::to_owned);
            // SAFETY: as in lower_priority.
            let niceness = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
            (name, niceness)
        })
        .await
        .expect("the work ran");
        assert!(name.is_some_and(|name| name.starts_with("quire-render-")));
        assert!(niceness >= RENDER_NICENESS, "niceness {niceness}");
    }

    #[tokio::test]
    async fn a_panicking_render_fails_its_call_only() {
        assert!(run(|| panic!("a render bug")).await.is_err());
        assert_eq!(run(|| 2 + 2).await.expect("the pool still works"), 4);
    }
}
