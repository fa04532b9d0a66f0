// Web benchmarks: a post page served from the ISR cache against the same page
// rendered on every request (Next.js draft mode), and the time from a write
// acknowledged by the engine until two web replicas sharing a Redis cache
// both serve the new content.
//
// The engine and the web servers are pinned to CPU 0 (together: they are the
// system under test, and a per-request render is web + engine work), the load
// generator to CPU 1; PostgreSQL and Redis are not pinned.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthorRole, engineClients } from '../scripts/lib/engine-client.mjs';
import { freePort } from '../scripts/lib/ports.mjs';
import { commandOutput } from '../scripts/lib/processes.mjs';
import { startWebServer } from '../scripts/lib/web-server.mjs';
import { ensureVarnish, startVarnish } from '../scripts/lib/varnish.mjs';
import { ensureNginx, startStaticServer } from './lib/nginx.mjs';
import { peakRssMiB, pinned } from './lib/processes.mjs';
import { startBenchEngine } from './lib/engine.mjs';
import { deleteRedisKeys } from './lib/scratch.mjs';

/** The post every scenario reads. */
const SLUG = 'bench-ownership';
/** How often the write-to-fresh poller asks each replica for the page. */
const POLL_INTERVAL_MS = 5;
/**
 * Pause between writes, so each measurement starts from a settled cache: longer
 * than the followers' second expiration of a change's tags (1 s after it,
 * `recheckDelayMs` in web/lib/changes/follower.ts), whose re-render would
 * otherwise land in the middle of the next write's measurement.
 */
const WRITE_SPACING_MS = 1_300;
/** A write not visible on both replicas by then counts as a timeout. */
const FRESH_TIMEOUT_MS = 10_000;

/** A post of about 700 words with headings, a table and code blocks (highlighted by the engine). */
export function benchMarkdown() {
  const words = ['cache', 'render', 'replica', 'latency', 'stream', 'borrow', 'owner', 'lifetime', 'tail', 'budget'];
  const paragraph = (seed) =>
    Array.from({ length: 60 }, (_, i) => words[(seed * 7 + i * 3) % words.length]).join(' ').replace(/^./, (c) => c.toUpperCase()) + '.';
  const sections = [];
  for (let section = 0; section < 4; section += 1) {
    sections.push(`## Section ${section + 1}: ${words[section]} and ${words[section + 3]}`, '', paragraph(section), '', paragraph(section + 5), '');
    if (section % 2 === 0) {
      sections.push(
        '```rust',
        "fn longest<'a>(x: &'a str, y: &'a str) -> &'a str {",
        '    if x.len() > y.len() { x } else { y }',
        '}',
        '```',
        '',
      );
    } else {
      sections.push('| level | hit rate | p99 |', '|---|---:|---:|', '| memory | 97% | 0.2 ms |', '| redis | 3% | 0.9 ms |', '');
      sections.push('```ts', 'export async function load(slug: string) {', '  return await client.getPost({ slug });', '}', '```', '');
    }
  }
  return sections.join('\n');
}

/** An author and a few published posts, one of them the benchmarked `SLUG`. */
async function seed(admin) {
  const { author } = await admin.authors.createAuthor({
    author: { slug: 'bench-author', displayName: 'Bench Author', email: 'bench@example.com', role: AuthorRole.EDITOR },
    password: 'benchmark password',
  });
  let benched;
  for (const [slug, title] of [
    ['bench-older', 'An older post'],
    [SLUG, 'Understanding ownership'],
    ['bench-newer', 'A newer post'],
  ]) {
    const { post } = await admin.posts.createPost({
      post: { slug, title, markdown: benchMarkdown(), authorId: author.id, tags: [{ name: 'Rust' }, { name: 'Performance' }] },
    });
    const { post: published } = await admin.posts.publishPost({ id: post.id });
    if (slug === SLUG) benched = published;
  }
  return benched;
}

/** The engine's RPC count so far, summed over methods and statuses, from its Prometheus metrics. */
async function engineRpcCount(metricsUrl) {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^quire_rpc_requests_total\{[^}]*\} (\d+(?:\.\d+)?(?:e\+?\d+)?)$/gm)) {
    total += Number(match[1]);
  }
  return total;
}

/**
 * The web app (its standalone server) on the existing build, pinned to `cpu`, its output appended to `logFile`.
 * @param {{ cpu: string, engineUrl: string, apiKey: string, cache?: { redisUrl: string, prefix: string }, logFile: string, env?: Record<string, string> }} options
 */
function startWeb({ cpu, engineUrl, apiKey, cache, logFile, env }) {
  return startWebServer({ engineUrl, apiKey, cache, env, argvPrefix: pinned(cpu, []), output: { appendTo: logFile } });
}

/** Requests `url` through an edge until the edge answers it from its cache. */
async function untilEdgeHit(url, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status === 200 && response.headers.get('x-quire-edge') === 'hit') return;
    if (Date.now() > deadline) throw new Error(`${url} is still ${response.status} ${response.headers.get('x-quire-edge')} at the edge`);
    await sleep(50);
  }
}

async function get(url, headers = {}) {
  const response = await fetch(url, { headers, redirect: 'manual' });
  const body = await response.text();
  return { status: response.status, cache: response.headers.get('x-nextjs-cache'), cacheControl: response.headers.get('cache-control'), body };
}

/** Requests `url` until it is a cache hit. */
async function untilHit(url, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await get(url);
    if (response.status === 200 && response.cache === 'HIT') return response;
    if (Date.now() > deadline) throw new Error(`${url} is still ${response.status} ${response.cache}`);
    await sleep(50);
  }
}

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

export function distribution(values) {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  return {
    count: finite.length,
    timeouts: values.length - finite.length,
    p50_ms: quantile(finite, 0.5),
    p90_ms: quantile(finite, 0.9),
    p99_ms: quantile(finite, 0.99),
    max_ms: values.length - finite.length ? Infinity : finite.at(-1) ?? NaN,
    mean_ms: finite.reduce((s, v) => s + v, 0) / finite.length,
  };
}

/**
 * @param {{ root: string, targetDir: string, databaseUrl: string, redisUrl: string, quick: boolean, log: (s: string) => void }} options
 */
export async function webBenchmark({ root, targetDir, databaseUrl, redisUrl, quick, log }) {
  const loadBin = path.join(targetDir, 'release', 'quire-load');
  const database = `quire_bench_web_${Date.now()}`;
  const logFile = path.join(os.tmpdir(), `${database}.log`);
  const cachePrefix = `quire:bench:web:${Date.now()}_${process.pid}:`;
  const seconds = quick ? 1.5 : 8;
  const warmup = quick ? 0.5 : 2;
  const rounds = quick ? 1 : 2;
  const writes = quick ? 10 : 100;
  // Quick runs measure for a second: the per-request peer answers in about a second at 32
  // connections, so in a one-second window it could complete nothing.
  const concurrency = quick ? 4 : 32;

  await ensureVarnish(log);
  await ensureNginx(log);
  const edgeDir = path.join(os.tmpdir(), `${database}-edge`);
  const purgeSecret = `bench-${database}-purge-secret`;
  const [edgePort, freshEdgePort] = [await freePort(), await freePort()];
  // Both replicas purge both edges (one in front of the first, one in front of both).
  const purgeEnv = {
    QUIRE_EDGE_PURGE_URLS: `http://127.0.0.1:${edgePort},http://127.0.0.1:${freshEdgePort}`,
    QUIRE_EDGE_PURGE_SECRET: purgeSecret,
  };

  const running = [];
  try {
    const engine = await startBenchEngine({ targetDir, databaseUrl, redisUrl, database, cpu: '0', logFile });
    running.push(engine);
    const { url: engineUrl, metricsUrl } = engine;
    const adminKey = await engine.createKey(['admin']);
    const readKey = await engine.createKey(['content:read', 'comments:create']);
    const clients = engineClients(engineUrl, adminKey);
    let post = await seed(clients);

    const web = (cache) => startWeb({ cpu: '0', engineUrl, apiKey: readKey, cache, logFile, env: cache ? purgeEnv : {} });
    const cache = { redisUrl, prefix: cachePrefix };
    // The default deployment (one process, pages in its memory), and a replica
    // of a shared deployment (pages in Redis, checked against Redis tags on every hit).
    const memoryWeb = await web(undefined);
    running.push(memoryWeb);
    const sharedWeb = await web(cache);
    running.push(sharedWeb);

    const previewModeId = JSON.parse(readFileSync(path.join(root, 'web', '.next', 'prerender-manifest.json'), 'utf8')).preview
      .previewModeId;
    const draftCookie = `__prerender_bypass=${previewModeId}`;

    // What each peer is, checked rather than assumed.
    const pageUrl = (server) => `${server.url}/${SLUG}`;
    const memoryHit = await untilHit(pageUrl(memoryWeb));
    const sharedHit = await untilHit(pageUrl(sharedWeb));
    const probes = 20;
    const warmingErrors = () => (readFileSync(logFile, 'utf8').match(/Unexpected cache miss after cache warming/g) ?? []).length;
    const errorsBefore = warmingErrors();
    const before = await engineRpcCount(metricsUrl);
    const draftAnswers = [];
    for (let i = 0; i < probes; i += 1) draftAnswers.push(await get(pageUrl(memoryWeb), { cookie: draftCookie }));
    const draftRpcs = (await engineRpcCount(metricsUrl)) - before;
    await sleep(200); // let the server's log reach the file
    const draftWarmingErrors = warmingErrors() - errorsBefore;
    const draft = draftAnswers[0];
    // Next.js labels draft answers `x-nextjs-cache: HIT` all the same; what
    // shows they are rendered is the private no-store answer and the engine's
    // RPC count.
    if (draftAnswers.some((a) => a.status !== 200 || !a.cacheControl?.includes('no-store') || !a.body.includes(post.title))) {
      throw new Error(`draft mode did not render the post: ${draftAnswers.map((a) => `${a.status} ${a.cacheControl}`).join(', ')}`);
    }
    if (draftRpcs < probes) {
      throw new Error(`draft mode is not rendering each request: ${draftRpcs} engine RPCs for ${probes} page requests`);
    }
    const verification = {
      isr: { cache: memoryHit.cache, cacheControl: memoryHit.cacheControl, bytes: memoryHit.body.length },
      shared: { cache: sharedHit.cache, cacheControl: sharedHit.cacheControl },
      draft: { cache: draft.cache, cacheControl: draft.cacheControl, bytes: draft.body.length, engineRpcsPerRequest: draftRpcs / probes, warmingErrorsPerRequest: draftWarmingErrors / probes },
    };
    log(`  draft mode: cache-control ${draft.cacheControl}, ${draftRpcs / probes} engine RPCs per page; ISR: ${memoryHit.cache}`);

    // The edge in front of the shared replica, and the same HTML as a file from nginx, on the same CPU.
    const edge = await startVarnish({
      port: edgePort,
      backends: [{ host: '127.0.0.1', port: sharedWeb.port }],
      purgeSecret,
      workDir: path.join(edgeDir, 'edge'),
      argvPrefix: pinned('0', []),
    });
    running.push(edge);
    await untilEdgeHit(pageUrl(edge));
    const nginx = await startStaticServer({
      port: await freePort(),
      files: { [SLUG]: memoryHit.body },
      workDir: path.join(edgeDir, 'nginx'),
      argvPrefix: pinned('0', []),
    });
    running.push(nginx);

    // Every peer is asked as browsers ask: accepting gzip (which Next.js compresses per response,
    // Varnish stores compressed, and nginx has precompressed).
    const gzip = ['--header', `accept-encoding: ${ACCEPT_ENCODING}`];
    const peers = [
      { name: 'ISR cached (memory)', server: memoryWeb, headers: gzip },
      { name: 'rendered per request (draft mode)', server: memoryWeb, headers: [...gzip, '--header', `cookie: ${draftCookie}`] },
      { name: 'ISR cached (shared Redis)', server: sharedWeb, headers: gzip },
      { name: EDGE, server: edge, headers: gzip },
      { name: STATIC, server: nginx, headers: gzip },
    ];
    const load = async (peer, extra) => {
      const argv = pinned('1', [
        loadBin, 'run', '--scenario', 'http-get', '--target-url', pageUrl(peer.server), ...peer.headers,
        '--seconds', String(seconds), '--warmup', String(warmup), ...extra,
      ]);
      const rpcsBefore = await engineRpcCount(metricsUrl);
      const result = JSON.parse(await commandOutput(argv));
      const rpcs = (await engineRpcCount(metricsUrl)) - rpcsBefore;
      // `sent` counts warm-up requests too, as the engine's counter does.
      return { ...result, name: peer.name, engine_rpcs_per_request: result.sent ? rpcs / result.sent : null };
    };

    const results = [];
    for (let round = 0; round < rounds; round += 1) {
      for (const peer of peers) {
        const result = { ...(await load(peer, ['--concurrency', String(concurrency)])), round };
        results.push(result);
        log(`  ${peer.name}: ${Math.round(result.throughput)} req/s, p99 ${result.p99_ms} ms, errors ${result.errors}`);
      }
    }
    const saturation = (name) => {
      const runs = results.filter((r) => r.name === name && r.mode === 'closed');
      return runs.reduce((s, r) => s + r.throughput, 0) / runs.length;
    };
    const halfRates = {};
    for (const peer of peers) {
      const rate = Math.max(1, Math.round(saturation(peer.name) / 2));
      halfRates[peer.name] = rate;
      const result = { ...(await load(peer, ['--rate', String(rate)])), round: 0 };
      results.push(result);
      log(`  ${peer.name}, open loop at ${rate} req/s: p99 ${result.p99_ms} ms, p99.9 ${result.p999_ms} ms, errors ${result.errors}`);
    }
    const rss = { web: await peakRssMiB(memoryWeb.pid), engine: await peakRssMiB(engine.pid) };

    // Write-to-fresh on two replicas sharing the cache.
    await memoryWeb.stop();
    const replicaB = await web(cache);
    running.push(replicaB);
    const replicas = [sharedWeb, replicaB];
    await Promise.all(replicas.map((replica) => untilHit(pageUrl(replica))));
    await edge.stop();
    const freshEdge = await startVarnish({
      port: freshEdgePort,
      backends: replicas.map((replica) => ({ host: '127.0.0.1', port: replica.port })),
      purgeSecret,
      workDir: path.join(edgeDir, 'fresh-edge'),
    });
    running.push(freshEdge);
    await untilEdgeHit(pageUrl(freshEdge));
    log(`  write-to-fresh: ${writes} title changes, ${WRITE_SPACING_MS} ms apart…`);
    const fresh = { a: [], b: [], both: [], edge: [] };
    const pollUntil = async (replica, title, ackedAt) => {
      for (;;) {
        const response = await get(pageUrl(replica)).catch(() => null);
        const now = performance.now();
        if (response?.status === 200 && response.body.includes(title)) return now - ackedAt;
        if (now - ackedAt > FRESH_TIMEOUT_MS) return Infinity;
        await sleep(POLL_INTERVAL_MS);
      }
    };
    for (let n = 0; n < writes; n += 1) {
      const title = `Understanding ownership, revision ${n} ${Math.random().toString(36).slice(2, 8)}`;
      const response = await clients.posts.updatePost({
        post: { id: post.id, etag: post.etag, title },
        updateMask: { paths: ['title'] },
      });
      const ackedAt = performance.now();
      post = response.post;
      const [a, b, throughEdge] = await Promise.all([...replicas, freshEdge].map((server) => pollUntil(server, title, ackedAt)));
      fresh.a.push(a);
      fresh.b.push(b);
      fresh.edge.push(throughEdge);
      fresh.both.push(Math.max(a, b));
      await sleep(WRITE_SPACING_MS);
    }
    const writeToFresh = { writes, a: distribution(fresh.a), b: distribution(fresh.b), both: distribution(fresh.both), edge: distribution(fresh.edge) };
    log(`  write-to-fresh on both replicas: p50 ${writeToFresh.both.p50_ms.toFixed(1)} ms, p99 ${writeToFresh.both.p99_ms.toFixed(1)} ms`);
    log(`  write-to-fresh through the edge: p50 ${writeToFresh.edge.p50_ms.toFixed(1)} ms, p99 ${writeToFresh.edge.p99_ms.toFixed(1)} ms`);

    return { slug: SLUG, seconds, warmup, rounds, concurrency, verification, halfRates, results, rss, writeToFresh };
  } finally {
    for (const server of running.reverse()) await server.stop().catch(() => {});
    await deleteRedisKeys(redisUrl, cachePrefix);
  }
}

const EDGE = 'edge (Varnish) in front of the shared replica';
/** What the load generator accepts, as browsers do. */
const ACCEPT_ENCODING = 'gzip';
const STATIC = 'static file (nginx)';

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : value === Infinity ? 'timeout' : '–');

/** The Markdown section of the report. */
export function webReport({ slug, seconds, warmup, rounds, concurrency, verification, halfRates, results, rss, writeToFresh }) {
  const mean = (name, mode, field) => {
    const runs = results.filter((r) => r.name === name && r.mode === mode && Number.isFinite(r[field]));
    return runs.length ? runs.reduce((s, r) => s + r[field], 0) / runs.length : NaN;
  };
  const names = [...new Set(results.map((r) => r.name))];
  const isr = 'ISR cached (memory)';
  const perRequest = 'rendered per request (draft mode)';
  const lines = [
    '### Web: the edge, the cached ISR post page and one rendered per request',
    '',
    `\`GET /${slug}\` (a ~700-word post with code blocks and a table) from the Next.js standalone server (\`node server.js\`) of the production build; ` +
      `quire-load over keep-alive HTTP/1.1, sending \`accept-encoding: ${ACCEPT_ENCODING}\` as browsers do (non-2xx counted as errors). Closed loop: ${concurrency} connections, ` +
      `${seconds} s after ${warmup} s warm-up, ${rounds} round(s) with the peers alternated. Open loop: half of each ` +
      "peer's measured saturation, latency from each request's scheduled send time. Web servers and engine pinned to CPU 0, " +
      'load generator to CPU 1 (PostgreSQL and Redis unpinned).',
    '',
    '- **ISR cached (memory)**: one Next.js server with its default cache in its own memory; the page is a cache hit ' +
      `(\`x-nextjs-cache: ${verification.isr.cache}\`, \`cache-control: ${verification.isr.cacheControl}\`).`,
    '- **ISR cached (shared Redis)**: a replica configured for several replicas (`REDIS_URL` + `QUIRE_WEB_CACHE_PREFIX`): ' +
      `every hit reads the page and its tags' state from Redis (\`x-nextjs-cache: ${verification.shared.cache}\`).`,
    `- **${EDGE}**: Varnish with xkey (deploy/varnish/quire.vcl) in front of the shared-Redis replica, pinned to CPU 0 too; ` +
      'the page is an edge hit (`x-quire-edge: hit`), so the web sees none of these requests.',
    `- **${STATIC}**: the same HTML as a file from one nginx worker (Debian nginx-light), precompressed beside it (\`gzip_static\`), on CPU 0: what this machine can serve.`,
    '- **rendered per request (draft mode)**: the same URL and server with the `__prerender_bypass` cookie ' +
      '(`preview.previewModeId` of the build). Next.js skips the ISR page cache and the `\'use cache\'` data cache, so ' +
      'every request fetches the post, its comments and its neighbours from the engine and renders the page. Checked before the run ' +
      `and counted during it: \`cache-control: ${verification.draft.cacheControl}\` and ` +
      `${fixed(verification.draft.engineRpcsPerRequest, 1)} engine RPCs per page request (engine metrics); Next.js still labels ` +
      `the answer \`x-nextjs-cache: ${verification.draft.cache ?? '(absent)'}\`, which is not evidence either way. ` +
      "The engine's own read cache stays on, as in production. Caveat: Next.js logs \"Unexpected cache miss after cache " +
      `warming phase during prerendering\" with a stack trace ${fixed(verification.draft.warmingErrorsPerRequest, 1)} time(s) per ` +
      'draft request (a prerender whose warmed caches draft mode then bypasses), so this baseline may cost more than a ' +
      'plain dynamic render of the same page would.',
    '',
    '| peer | mode | throughput (req/s) | p50 (ms) | p90 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | engine RPCs / request | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const name of names) {
    for (const mode of ['closed', 'open']) {
      const runs = results.filter((r) => r.name === name && r.mode === mode);
      if (!runs.length) continue;
      const errors = runs.reduce((s, r) => s + r.errors, 0);
      const label = mode === 'closed' ? 'closed loop (saturation)' : `open loop at ${halfRates[name]} req/s`;
      lines.push(
        `| ${name} | ${label} | ${fixed(mean(name, mode, 'throughput'), 0)} | ${fixed(mean(name, mode, 'p50_ms'), 3)} | ` +
          `${fixed(mean(name, mode, 'p90_ms'), 3)} | ${fixed(mean(name, mode, 'p99_ms'), 3)} | ${fixed(mean(name, mode, 'p999_ms'), 3)} | ` +
          `${fixed(Math.max(...runs.map((r) => r.max_ms)), 3)} | ${fixed(mean(name, mode, 'engine_rpcs_per_request'), 3)} | ${errors} |`,
      );
    }
  }
  const ratio = mean(isr, 'closed', 'throughput') / mean(perRequest, 'closed', 'throughput');
  const sharedRatio = mean('ISR cached (shared Redis)', 'closed', 'throughput') / mean(perRequest, 'closed', 'throughput');
  const p99Half = mean(isr, 'open', 'p99_ms');
  const edgeRatio = mean(EDGE, 'closed', 'throughput') / mean(isr, 'closed', 'throughput');
  const edgeToStatic = mean(EDGE, 'closed', 'throughput') / mean(STATIC, 'closed', 'throughput');
  const edgeP99Half = mean(EDGE, 'open', 'p99_ms');
  const verdict = (ok) => (ok ? 'met' : 'not met');
  lines.push(
    '',
    '| ratio / target | figure | target | |',
    '|---|---:|---:|---|',
    `| ISR (memory) / per-request throughput | ${fixed(ratio, 1)}x | ≥ 10x | ${verdict(ratio >= 10)} |`,
    `| ISR (shared Redis) / per-request throughput | ${fixed(sharedRatio, 1)}x | ≥ 10x | ${verdict(sharedRatio >= 10)} |`,
    `| ISR (memory) p99 at half saturation (${halfRates[isr]} req/s) | ${fixed(p99Half, 3)} ms | < 10 ms | ${verdict(p99Half < 10)} |`,
    `| per-request p99 / ISR p99, closed loop | ${fixed(mean(perRequest, 'closed', 'p99_ms') / mean(isr, 'closed', 'p99_ms'), 1)}x | | |`,
    `| edge / Next.js (ISR memory) throughput | ${fixed(edgeRatio, 1)}x | ≥ 20x | ${verdict(edgeRatio >= 20)} |`,
    `| edge / static nginx throughput | ${fixed(edgeToStatic, 2)} | ≥ 0.33 | ${verdict(edgeToStatic >= 1 / 3)} |`,
    `| edge p99 at half saturation (${halfRates[EDGE]} req/s) | ${fixed(edgeP99Half, 3)} ms | ≤ 5 ms | ${verdict(edgeP99Half <= 5)} |`,
    '',
    `Peak RSS: web (memory-cache server) ${fixed(rss.web, 1)} MiB, engine ${fixed(rss.engine, 1)} MiB.`,
    '',
    '### Web: write-to-fresh on two replicas',
    '',
    `Two Next.js replicas sharing one Redis cache prefix, the post's page warm (a hit) on both. ${writeToFresh.writes} writes, ` +
      `${WRITE_SPACING_MS} ms apart, each an \`UpdatePost\` of the title (etag + update mask \`title\`) through the engine's gRPC API; ` +
      `from the acknowledged response, each replica is polled every ${POLL_INTERVAL_MS} ms until its page shows the new title. ` +
      '"both" is the later of the two, i.e. when every reader sees the write; "edge" polls the page through Varnish in front of ' +
      'both replicas (round robin), which the replicas\' change followers purge by tag.',
    '',
    '| replica | writes | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | mean (ms) | timeouts (> 10 s) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const [name, d] of [['A', writeToFresh.a], ['B', writeToFresh.b], ['both', writeToFresh.both], ['edge', writeToFresh.edge]]) {
    lines.push(
      `| ${name} | ${d.count + d.timeouts} | ${fixed(d.p50_ms, 1)} | ${fixed(d.p90_ms, 1)} | ${fixed(d.p99_ms, 1)} | ${fixed(d.max_ms, 1)} | ${fixed(d.mean_ms, 1)} | ${d.timeouts} |`,
    );
  }
  const bothP99 = writeToFresh.both.timeouts ? Infinity : writeToFresh.both.p99_ms;
  const edgeFreshP99 = writeToFresh.edge.timeouts ? Infinity : writeToFresh.edge.p99_ms;
  lines.push(
    '',
    `Targets: p99 on both replicas under 1000 ms: ${fixed(bothP99, 1)} ms, ${verdict(bothP99 < 1000)}; ` +
      `through the edge p99 ≤ 250 ms: ${fixed(edgeFreshP99, 1)} ms, ${verdict(edgeFreshP99 <= 250)}.`,
  );
  return lines.join('\n');
}
