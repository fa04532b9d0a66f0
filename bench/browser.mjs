// The reader's browser budgets (issue 14), measured through the edge: each reader route's own
// JavaScript (gzipped, beyond the App Router runtime every page loads) and Lighthouse 12 on
// the seeded post with a cover image and a code block, loaded from Varnish in front of
// the Next.js standalone server of the production build.
//
// Nothing here is pinned to a CPU: while Lighthouse runs, the page and its assets are edge
// hits, so the servers are idle and Chromium (whose renderers fork from a zygote that a
// later `taskset` would miss) has both cores.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { freePort } from '../scripts/lib/ports.mjs';
import { ensureChromium } from '../scripts/lib/chromium.mjs';
import { ensureVarnish, startVarnish } from '../scripts/lib/varnish.mjs';
import { startWebServer } from '../scripts/lib/web-server.mjs';
import { CHROMIUM_LAUNCH, seedSettled } from '../tests/e2e/web-blog.mjs';
import { seedBlog } from '../tests/e2e/web-seed.mjs';
import { startBenchEngine } from './lib/engine.mjs';

/** The budgets, as the issue states them. */
export const BROWSER_BUDGETS = { routeJsKb: 15, performance: 95, lcpMs: 1500, cls: 0.05, tbtMs: 150 };

/** The seeded post with a cover image and a code block (tests/e2e/web-seed.mjs). */
const POST_PATH = '/understanding-ownership';

/** One URL of each kind of reader route the seeded blog has. */
const ROUTES = [
  { name: 'post', path: POST_PATH },
  { name: 'home', path: '/' },
  { name: 'listing, page 2', path: '/page/2' },
  { name: 'tag listing', path: '/tag/rust' },
  { name: 'author', path: '/author/ada' },
  { name: 'static page', path: '/about' },
  { name: 'search', path: '/search?q=zeppelin' },
];

/**
 * A URL that no route matches, answered by the root not-found page: the root layout and nothing
 * of any route. What it loads beyond `rootMainFiles` is what this app's root layout adds to
 * every page (see routeJavaScript).
 */
const BARE_PATH = '/no/such/route';

/** How long a page or asset may take to become an edge hit before measuring. */
const EDGE_HIT_TIMEOUT_MS = 20_000;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kb = (bytes) => bytes / 1024;

/** Requests `url` until the edge answers it from its cache, so that the measurement sees the edge, not a render. */
async function untilEdgeHit(url) {
  const deadline = Date.now() + EDGE_HIT_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(url);
    const body = await response.text();
    if (response.ok && response.headers.get('x-quire-edge') === 'hit') return body;
    if (Date.now() > deadline) throw new Error(`${url} is still ${response.status} ${response.headers.get('x-quire-edge')} at the edge`);
    await sleep(100);
  }
}

/** The `<script src>` chunks of an HTML page that a module-capable browser runs (`noModule` polyfills excluded). */
function scriptSources(html) {
  return [
    ...new Set(
      [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)].filter(([tag]) => !/\bnoModule\b/i.test(tag)).map(([, src]) => src.replaceAll('&amp;', '&')),
    ),
  ];
}

/** Stylesheets that block rendering, and the CSS inlined into the HTML, for the report's context. */
function cssDelivery(html) {
  const blockingStylesheets = [...html.matchAll(/<link\b[^>]*\brel="stylesheet"[^>]*>/g)].length;
  const inlineCssBytes = [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/g)].reduce((sum, [, css]) => sum + Buffer.byteLength(css), 0);
  return { blockingStylesheets, inlineCssBytes };
}

/**
 * Each route's JavaScript through the edge. "The framework runtime every App Router page loads"
 * is `rootMainFiles` in the build manifest: Next.js puts those chunks (its client runtime and
 * React) on every App Router page, whatever the app. The bare not-found page loads a few more,
 * the ones this app's root layout pulls in (its `next/link`s, error and not-found boundaries):
 * app code every page pays too, but the app's and not the framework's, so it counts as each
 * route's own here, and the bare page's share is reported beside it (`layoutGzipBytes`).
 */
async function routeJavaScript(edgeUrl, root, log) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'web', '.next', 'build-manifest.json'), 'utf8'));
  const runtime = new Set(manifest.rootMainFiles.map((file) => `/_next/${file}`));
  const sizes = new Map();
  const gzipped = async (src) => {
    if (!sizes.has(src)) {
      const response = await fetch(new URL(src, edgeUrl));
      if (!response.ok) throw new Error(`${src}: ${response.status} through the edge`);
      const body = Buffer.from(await response.arrayBuffer());
      sizes.set(src, { bytes: body.length, gzipBytes: gzipSync(body).length });
    }
    return sizes.get(src);
  };
  const measure = async ({ name, path: pathname, status: expected = 200 }) => {
    const url = `${edgeUrl}${pathname}`;
    const response = await fetch(url);
    const html = await response.text();
    if (response.status !== expected) throw new Error(`${pathname} answered ${response.status} through the edge, not ${expected}`);
    const chunks = [];
    for (const src of scriptSources(html)) chunks.push({ src, runtime: runtime.has(new URL(src, edgeUrl).pathname), ...(await gzipped(src)) });
    const sum = (list) => list.reduce((s, c) => s + c.gzipBytes, 0);
    const own = chunks.filter((c) => !c.runtime);
    return { name, path: pathname, status: response.status, chunks, runtimeGzipBytes: sum(chunks.filter((c) => c.runtime)), ownGzipBytes: sum(own), ...cssDelivery(html) };
  };

  const bare = await measure({ name: 'bare (root not-found)', path: BARE_PATH, status: 404 });
  const missingRuntime = [...runtime].filter((src) => !bare.chunks.some((c) => new URL(c.src, edgeUrl).pathname === src));
  if (missingRuntime.length) log(`  note: the bare page does not load these rootMainFiles: ${missingRuntime.join(', ')}`);
  const layoutChunks = new Set(bare.chunks.filter((c) => !c.runtime).map((c) => c.src));
  const routes = [];
  for (const route of ROUTES) {
    await (await fetch(`${edgeUrl}${route.path}`)).arrayBuffer(); // rendered on first request: the measured answer is the stored one
    const measured = await measure(route);
    measured.beyondBareGzipBytes = measured.chunks.filter((c) => !c.runtime && !layoutChunks.has(c.src)).reduce((s, c) => s + c.gzipBytes, 0);
    routes.push(measured);
    log(
      `  ${route.name} (${route.path}): own JS ${kb(measured.ownGzipBytes).toFixed(1)} kB gzipped in ${measured.chunks.filter((c) => !c.runtime).length} chunks ` +
        `(runtime ${kb(measured.runtimeGzipBytes).toFixed(1)} kB; beyond the bare page ${kb(measured.beyondBareGzipBytes).toFixed(1)} kB); ` +
        `${measured.blockingStylesheets} stylesheet link(s), ${kb(measured.inlineCssBytes).toFixed(1)} kB inline CSS`,
    );
  }
  return { runtimeChunks: [...runtime], bare, layoutGzipBytes: bare.ownGzipBytes, routes };
}

/** Lighthouse now and then fails to record a trace (NO_NAVSTART, NO_FCP): a run is tried this often. */
const LIGHTHOUSE_ATTEMPTS = 3;

async function withRetries(run, log) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= LIGHTHOUSE_ATTEMPTS) throw error;
      log(`  ${error instanceof Error ? error.message : error}; trying again`);
    }
  }
}

/** One Lighthouse 12 run with its default configuration: the mobile preset, simulated throttling. */
async function lighthouseRun(url, reportFile) {
  const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM_LAUNCH.executablePath, chromeFlags: CHROMIUM_LAUNCH.args });
  try {
    const { lhr } = await lighthouse(url, { port: chrome.port, logLevel: 'error', onlyCategories: ['performance'] });
    if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    if (reportFile) writeFileSync(reportFile, JSON.stringify(lhr));
    const audit = (id) => lhr.audits[id];
    const requests = audit('network-requests').details?.items ?? [];
    // Lighthouse 12.2's trace engine fails on some newer Chromium traces (Debian's 156: "reading
    // 'frame_sequence'"); the metrics do not depend on it, these diagnostics do: null when they failed.
    const diagnostic = (id) => (audit(id) && audit(id).scoreDisplayMode !== 'error' ? audit(id).details : null);
    const lcpElement = diagnostic('largest-contentful-paint-element')?.items?.[0]?.items?.[0]?.node;
    const renderBlocking = diagnostic('render-blocking-resources');
    return {
      performance: Math.round(lhr.categories.performance.score * 100),
      fcpMs: audit('first-contentful-paint').numericValue,
      lcpMs: audit('largest-contentful-paint').numericValue,
      tbtMs: audit('total-blocking-time').numericValue,
      cls: audit('cumulative-layout-shift').numericValue,
      speedIndexMs: audit('speed-index').numericValue,
      lcpElement: lcpElement?.snippet ?? null,
      renderBlocking: renderBlocking ? renderBlocking.items.map((item) => item.url) : null,
      lcpLoadStartMs: audit('metrics').details.items[0].lcpLoadStart ?? null,
      lcpLoadEndMs: audit('metrics').details.items[0].lcpLoadEnd ?? null,
      scriptTransferBytes: requests.filter((r) => r.resourceType === 'Script').reduce((s, r) => s + (r.transferSize ?? 0), 0),
      lighthouseVersion: lhr.lighthouseVersion,
      chromeVersion: lhr.environment?.hostUserAgent?.match(/Chrome\/([\d.]+)/)?.[1] ?? null,
      benchmarkIndex: lhr.environment?.benchmarkIndex ?? null,
    };
  } finally {
    await chrome.kill();
  }
}

/**
 * @param {{ root: string, targetDir: string, databaseUrl: string, redisUrl: string, quick: boolean, log: (s: string) => void, engineBin?: string }} options
 *   engineBin: the engine binary; by default QUIRE_ENGINE_BIN, else the release build in targetDir.
 *   Only the edge serves what Lighthouse loads, so a debug engine measures the same.
 *   lighthouseReportDir: where to keep each run's full Lighthouse result (JSON), for a closer look.
 */
export async function browserBenchmark({ root, targetDir, databaseUrl, redisUrl, quick, log, engineBin, lighthouseReportDir = process.env.QUIRE_BENCH_LIGHTHOUSE_DIR }) {
  const engine = engineBin ?? process.env.QUIRE_ENGINE_BIN ?? path.join(targetDir, 'release', 'quire-engine');
  const runs = quick ? 1 : 3;
  const database = `quire_bench_browser_${Date.now()}`;
  const logFile = path.join(os.tmpdir(), `${database}.log`);
  const purgeSecret = `bench-${database}-purge-secret`;
  await ensureChromium(log);
  await ensureVarnish(log);

  const running = [];
  try {
    const benchEngine = await startBenchEngine({ targetDir, databaseUrl, redisUrl, database, logFile, engineBin: engine });
    running.push(benchEngine);
    const { url: engineUrl, createKey } = benchEngine;

    // The public origin is the edge's: canonical URLs, and the cover image, are loaded through it.
    const [edgePort, webPort] = [await freePort(), await freePort()];
    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    const web = await startWebServer({
      engineUrl,
      apiKey: await createKey(['content:read', 'comments:create']),
      port: webPort,
      siteUrl: edgeUrl,
      env: { QUIRE_EDGE_PURGE_URLS: edgeUrl, QUIRE_EDGE_PURGE_SECRET: purgeSecret, QUIRE_TRUSTED_PROXY_HOPS: '1' },
      output: { appendTo: logFile },
    });
    running.push(web);
    const edge = await startVarnish({
      port: edgePort,
      backends: [{ host: '127.0.0.1', port: webPort }],
      purgeSecret,
      workDir: path.join(os.tmpdir(), `${database}-edge`),
    });
    running.push(edge);
    await seedBlog(engineUrl, createKey, { assetBaseUrl: edgeUrl });
    await seedSettled();

    log('  route JavaScript, through the edge…');
    const javascript = await routeJavaScript(edgeUrl, root, log);

    // Lighthouse loads an edge hit, and the scripts and stylesheets it finds are edge hits too.
    const postUrl = `${edgeUrl}${POST_PATH}`;
    const html = await untilEdgeHit(postUrl);
    for (const src of [...scriptSources(html), ...[...html.matchAll(/<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"/g)].map(([, href]) => href)]) {
      await untilEdgeHit(new URL(src.replaceAll('&amp;', '&'), edgeUrl).toString());
    }
    // A web/public file: the edge keeps it under the build's key (web/next.config.ts).
    await untilEdgeHit(`${edgeUrl}/samples/cover.jpg`);
    const cover = await fetch(`${edgeUrl}/samples/cover.jpg`);
    await cover.arrayBuffer();
    const coverEdge = cover.headers.get('x-quire-edge');
    // Simulated throttling multiplies the main-thread time it observes (4x CPU): anything else busy
    // on the machine shows up in TBT and LCP, so the report says how busy it was.
    const loadAverage = os.loadavg()[0];
    const lighthouseRuns = [];
    for (let n = 0; n < runs; n += 1) {
      if (lighthouseReportDir) mkdirSync(lighthouseReportDir, { recursive: true });
      const result = await withRetries(() => lighthouseRun(postUrl, lighthouseReportDir && path.join(lighthouseReportDir, `lighthouse-${n + 1}.json`)), log);
      lighthouseRuns.push(result);
      log(
        `  Lighthouse run ${n + 1}/${runs}: performance ${result.performance}, FCP ${Math.round(result.fcpMs)} ms, LCP ${Math.round(result.lcpMs)} ms, ` +
          `TBT ${Math.round(result.tbtMs)} ms, CLS ${result.cls.toFixed(3)}; LCP resource loaded ${Math.round(result.lcpLoadStartMs)}–${Math.round(result.lcpLoadEndMs)} ms; ` +
          `LCP element ${result.lcpElement ?? '(audit failed)'}; render-blocking: ${result.renderBlocking?.join(', ') ?? '(audit failed)'}`,
      );
    }
    const pick = (field) => median(lighthouseRuns.map((r) => r[field]));
    const lighthouseMedian = { performance: pick('performance'), fcpMs: pick('fcpMs'), lcpMs: pick('lcpMs'), tbtMs: pick('tbtMs'), cls: pick('cls'), speedIndexMs: pick('speedIndexMs') };
    return { postPath: POST_PATH, budgets: BROWSER_BUDGETS, coverEdge, javascript, lighthouse: { loadAverage, runs: lighthouseRuns, median: lighthouseMedian } };
  } finally {
    for (const server of running.reverse()) await server.stop().catch(() => {});
  }
}

const verdict = (ok) => (ok ? 'met' : 'not met');

/** The Markdown section of the report. */
export function browserReport({ postPath, budgets, coverEdge, javascript, lighthouse: { loadAverage, runs, median: m } }) {
  const worst = javascript.routes.reduce((a, b) => (b.ownGzipBytes > a.ownGzipBytes ? b : a));
  const first = runs[0];
  const lines = [
    '### Browser: route JavaScript and Lighthouse, through the edge',
    '',
    'The seeded blog (tests/e2e/web-seed.mjs) on the Next.js standalone server of the production build, Varnish (deploy/varnish/quire.vcl) in ' +
      'front of it; pages, scripts and the cover image (a file of web/public) are loaded from the edge as edge hits ' +
      `(the cover image: \`x-quire-edge: ${coverEdge}\`).`,
    '',
    "**Route JavaScript**: the gzipped size (Node's zlib, default level) of the `<script src>` chunks a route's HTML references, " +
      'minus the App Router runtime (`rootMainFiles` of the build manifest: ' +
      `${kb(javascript.routes[0]?.runtimeGzipBytes ?? 0).toFixed(1)} kB gzipped, loaded by every page). The root layout's own chunks ` +
      `(what the bare not-found page \`${javascript.bare.path}\` loads beyond the runtime: ${kb(javascript.layoutGzipBytes).toFixed(1)} kB) ` +
      'count as every route\'s own. Inline RSC payload scripts are data, not counted.',
    '',
    '| route | URL | own chunks | own JS (kB gz) | beyond the bare page (kB gz) | stylesheet links / inline CSS (kB) | budget | |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const route of javascript.routes) {
    const own = kb(route.ownGzipBytes);
    lines.push(
      `| ${route.name} | \`${route.path}\` | ${route.chunks.filter((c) => !c.runtime).length} | ${own.toFixed(1)} | ${kb(route.beyondBareGzipBytes).toFixed(1)} | ` +
        `${route.blockingStylesheets} / ${kb(route.inlineCssBytes).toFixed(1)} | ≤ ${budgets.routeJsKb} | ${verdict(own <= budgets.routeJsKb)} |`,
    );
  }
  lines.push(
    '',
    `**Lighthouse ${first?.lighthouseVersion ?? '12'}** (default configuration: mobile, simulated throttling; Chromium ${first?.chromeVersion ?? '?'}, ` +
      `benchmark index ${first?.benchmarkIndex ?? '?'}) on \`${postPath}\` (cover image, code block), median of ${runs.length} run(s), ` +
      `each in a fresh browser; 1-minute load average before the runs ${loadAverage?.toFixed(2) ?? '?'} on ${os.cpus().length} cores.`,
    '',
    '| metric | median | runs | budget | |',
    '|---|---:|---|---:|---|',
    `| performance | ${m.performance} | ${runs.map((r) => r.performance).join(', ')} | ≥ ${budgets.performance} | ${verdict(m.performance >= budgets.performance)} |`,
    `| LCP | ${Math.round(m.lcpMs)} ms | ${runs.map((r) => Math.round(r.lcpMs)).join(', ')} | < ${budgets.lcpMs} ms | ${verdict(m.lcpMs < budgets.lcpMs)} |`,
    `| CLS | ${m.cls.toFixed(3)} | ${runs.map((r) => r.cls.toFixed(3)).join(', ')} | < ${budgets.cls} | ${verdict(m.cls < budgets.cls)} |`,
    `| TBT | ${Math.round(m.tbtMs)} ms | ${runs.map((r) => Math.round(r.tbtMs)).join(', ')} | < ${budgets.tbtMs} ms | ${verdict(m.tbtMs < budgets.tbtMs)} |`,
    `| FCP | ${Math.round(m.fcpMs)} ms | ${runs.map((r) => Math.round(r.fcpMs)).join(', ')} | | |`,
    `| Speed Index | ${Math.round(m.speedIndexMs)} ms | ${runs.map((r) => Math.round(r.speedIndexMs)).join(', ')} | | |`,
    '',
    `Largest route: ${worst.name}, ${kb(worst.ownGzipBytes).toFixed(1)} kB. First run: LCP resource loaded ` +
      `${Math.round(first.lcpLoadStartMs)}–${Math.round(first.lcpLoadEndMs)} ms (simulated); LCP element: ${first.lcpElement ? `\`${first.lcpElement}\`` : 'not reported (audit failed)'}; ` +
      `render-blocking resources: ${first.renderBlocking ? first.renderBlocking.map((u) => `\`${new URL(u).pathname}\``).join(', ') || 'none' : 'not reported (audit failed)'}; ` +
      `script bytes transferred during the load: ${kb(first.scriptTransferBytes).toFixed(1)} kB.`,
  );
  return lines.join('\n');
}
