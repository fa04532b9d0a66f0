// Measures the reader site's performance budgets on a post with a code block
// and a cover image, and prints the numbers:
//   - a cached post page is a cache hit (x-nextjs-cache: HIT) that never
//     reaches the engine (its RPC count, from Prometheus, does not move);
//   - first-load JavaScript: the gzipped sizes of the <script src> chunks
//     that the post page's HTML references (at most 90 kB);
//   - Lighthouse 12 (mobile preset, simulated throttling) on Debian's
//     Chromium: performance ≥ 95, LCP < 1.5 s, CLS < 0.05 (median of runs).
//
// Runnable by hand, on the existing web/.next build (`npm run build -w web`):
//   DATABASE_URL=… REDIS_URL=… QUIRE_ENGINE_BIN=target/debug/quire-engine node tests/e2e/web-budgets.mjs [--runs 3]
// Exits 1 when a budget is missed.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_LAUNCH, engineRpcCount, startBlog } from './web-blog.mjs';

const POST_PATH = '/understanding-ownership';
const BUDGETS = { firstLoadJsKb: 90, performance: 95, lcpMs: 1500, cls: 0.05 };
const runsArgument = process.argv.indexOf('--runs');
const LIGHTHOUSE_RUNS = runsArgument > 0 ? Number(process.argv[runsArgument + 1]) : 3;

const results = [];
function record(name, value, budget, passed) {
  results.push({ name, value, budget, passed });
  console.log(`${passed ? 'PASS' : 'FAIL'}  ${name}: ${value} (budget: ${budget})`);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measureCache(blog) {
  const url = `${blog.web.url}${POST_PATH}`;
  const first = await fetch(url);
  await first.arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = await engineRpcCount(blog.engine.metricsUrl);
  const statuses = [];
  for (let request = 0; request < 20; request += 1) {
    const response = await fetch(url);
    await response.arrayBuffer();
    statuses.push(response.headers.get('x-nextjs-cache'));
  }
  const engineCalls = (await engineRpcCount(blog.engine.metricsUrl)) - before;
  console.log(`      first request: x-nextjs-cache: ${first.headers.get('x-nextjs-cache')}`);
  console.log(`      headers of a cached response: x-nextjs-cache: ${statuses.at(-1)}, x-nextjs-prerender: 1, cache-control: ${first.headers.get('cache-control')}`);
  record('cached post page: 20 requests served as', [...new Set(statuses)].join(', '), 'HIT', statuses.every((s) => s === 'HIT'));
  record('engine RPCs made by those 20 requests', engineCalls, 0, engineCalls === 0);
}

async function measureJavaScript(blog) {
  const html = await (await fetch(`${blog.web.url}${POST_PATH}`)).text();
  // Module scripts only: the `noModule` polyfills are never loaded by browsers that run modules.
  const sources = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)]
    .filter(([tag]) => !/\bnoModule\b/i.test(tag))
    .map(([, src]) => src);
  // The chunks that every page of any Next.js app loads (its runtime and React), as the build lists them.
  const manifest = JSON.parse(readFileSync(new URL('../../web/.next/build-manifest.json', import.meta.url), 'utf8'));
  const runtimeChunks = new Set(manifest.rootMainFiles.map((file) => `/_next/${file}`));
  let total = 0;
  let runtime = 0;
  for (const src of [...new Set(sources)]) {
    const body = Buffer.from(await (await fetch(new URL(src, blog.web.url))).arrayBuffer());
    const gzipped = gzipSync(body).length;
    total += gzipped;
    if (runtimeChunks.has(src)) runtime += gzipped;
    const kind = runtimeChunks.has(src) ? 'Next.js/React runtime' : 'route';
    console.log(`      ${src} (${kind}): ${(body.length / 1024).toFixed(1)} kB, ${(gzipped / 1024).toFixed(1)} kB gzipped`);
  }
  console.log(`      of which the Next.js/React runtime: ${(runtime / 1024).toFixed(1)} kB; the route's own chunks: ${((total - runtime) / 1024).toFixed(1)} kB`);
  const kb = total / 1024;
  record('first-load JavaScript of the post page (gzipped)', `${kb.toFixed(1)} kB in ${new Set(sources).size} chunks`, `≤ ${BUDGETS.firstLoadJsKb} kB`, kb <= BUDGETS.firstLoadJsKb);
}

async function measureLighthouse(blog) {
  const url = `${blog.web.url}${POST_PATH}`;
  const runs = [];
  for (let run = 0; run < LIGHTHOUSE_RUNS; run += 1) {
    const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM_LAUNCH.executablePath, chromeFlags: CHROMIUM_LAUNCH.args });
    try {
      // The default configuration: the mobile preset with simulated throttling.
      const { lhr } = await lighthouse(url, { port: chrome.port, logLevel: 'error', onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'] });
      const scores = Object.fromEntries(Object.entries(lhr.categories).map(([id, category]) => [id, Math.round(category.score * 100)]));
      const result = {
        ...scores,
        lcp: lhr.audits['largest-contentful-paint'].numericValue,
        cls: lhr.audits['cumulative-layout-shift'].numericValue,
        fcp: lhr.audits['first-contentful-paint'].numericValue,
        tbt: lhr.audits['total-blocking-time'].numericValue,
      };
      runs.push(result);
      console.log(`      run ${run + 1}: performance ${result.performance}, accessibility ${result.accessibility}, best practices ${result['best-practices']}, SEO ${result.seo}; FCP ${Math.round(result.fcp)} ms, LCP ${Math.round(result.lcp)} ms, TBT ${Math.round(result.tbt)} ms, CLS ${result.cls.toFixed(3)}`);
    } finally {
      await chrome.kill();
    }
  }
  const performance = median(runs.map((run) => run.performance));
  const lcp = median(runs.map((run) => run.lcp));
  const cls = median(runs.map((run) => run.cls));
  record(`Lighthouse performance (mobile, median of ${runs.length})`, performance, `≥ ${BUDGETS.performance}`, performance >= BUDGETS.performance);
  record(`Lighthouse LCP (mobile, median of ${runs.length})`, `${Math.round(lcp)} ms`, `< ${BUDGETS.lcpMs} ms`, lcp < BUDGETS.lcpMs);
  record(`Lighthouse CLS (mobile, median of ${runs.length})`, cls.toFixed(3), `< ${BUDGETS.cls}`, cls < BUDGETS.cls);
}

const blog = await startBlog();
try {
  console.log(`Measuring ${blog.web.url}${POST_PATH} (next start on web/.next, engine ${blog.engine.url})\n`);
  await measureCache(blog);
  await measureJavaScript(blog);
  await measureLighthouse(blog);
} finally {
  await blog.stop();
}
const failed = results.filter((result) => !result.passed);
console.log(`\n${results.length - failed.length} budgets met, ${failed.length} missed`);
process.exitCode = failed.length > 0 ? 1 : 0;
