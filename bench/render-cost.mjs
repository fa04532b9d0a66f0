// What a post page costs to render as the blog grows: the same post on a blog
// of 100 posts and on one of 10,000 (1,000 in a quick run), each rendered on
// every request (Next.js draft mode), the two blogs' requests alternated in
// one run. Also the last page of the home listing, which is reached by
// position (ListPosts `skip`), not by walking the pages before it.
//
// Each blog is an engine with its own database and a web server; all four are
// pinned to CPU 0, the requests come one at a time from this process.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuthorRole, engineClients, PostStatus } from '../scripts/lib/engine-client.mjs';
import { startWebServer } from '../scripts/lib/web-server.mjs';
import { startBenchEngine } from './lib/engine.mjs';
import { pinned } from './lib/processes.mjs';
import { benchMarkdown, distribution } from './web.mjs';

const SLUG = 'bench-render-cost';
/** Posts per page of the home listing (web/lib/engine/posts.ts POSTS_PER_PAGE). */
const POSTS_PER_PAGE = 10;
/** Concurrent CreatePost calls while seeding. */
const SEED_CONCURRENCY = 8;
const TARGET_RATIO = 1.2;

/** `count` published posts with the benchmarked one in the middle, so that it has neighbours on both sides. */
async function seedPosts(clients, count) {
  const { author } = await clients.authors.createAuthor({
    author: { slug: 'render-author', displayName: 'Render Author', email: 'render@example.com', role: AuthorRole.EDITOR },
    password: 'benchmark password',
  });
  const create = (slug, title, markdown, tag) =>
    clients.posts.createPost({ post: { slug, title, markdown, authorId: author.id, tags: [{ name: tag }] }, status: PostStatus.PUBLISHED });
  const fillers = async (from, to) => {
    let next = from;
    const worker = async () => {
      while (next < to) {
        const n = next++;
        await create(`filler-${n}`, `Filler post ${n}`, `Post number ${n}, one paragraph of text about caches and replicas.`, `topic-${n % 10}`);
      }
    };
    await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  };
  const half = Math.floor((count - 1) / 2);
  await fillers(0, half);
  await create(SLUG, 'Understanding ownership', benchMarkdown(), 'Rust');
  await fillers(half, count - 1);
}

/** One blog: an engine on its own database, seeded with `posts` posts, and a web server in front. */
async function startSizedBlog({ targetDir, databaseUrl, redisUrl, posts, logFile, log }) {
  const database = `quire_bench_render_${posts}_${Date.now()}`;
  const engine = await startBenchEngine({ targetDir, databaseUrl, redisUrl, database, cpu: '0', logFile });
  try {
    const started = Date.now();
    await seedPosts(engineClients(engine.url, await engine.createKey(['admin'])), posts);
    log(`  seeded ${posts} posts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const web = await startWebServer({
      engineUrl: engine.url,
      apiKey: await engine.createKey(['content:read', 'comments:create']),
      argvPrefix: pinned('0', []),
      output: { appendTo: logFile },
    });
    return {
      posts,
      web,
      stop: async () => {
        await web.stop().catch(() => {});
        await engine.stop();
      },
    };
  } catch (error) {
    await engine.stop();
    throw error;
  }
}

/** Milliseconds to render `pathname` once (draft mode), checking that it rendered `expect`. */
async function renderOnce(blog, pathname, cookie, expect) {
  const started = performance.now();
  const response = await fetch(`${blog.web.url}${pathname}`, { headers: { cookie } });
  const body = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 200 || !response.headers.get('cache-control')?.includes('no-store') || !body.includes(expect)) {
    throw new Error(`${pathname} on the ${blog.posts}-post blog: ${response.status} ${response.headers.get('cache-control')}, not a rendered page`);
  }
  return elapsed;
}

/**
 * @param {{ root: string, targetDir: string, databaseUrl: string, redisUrl: string, quick: boolean, log: (s: string) => void }} options
 */
export async function renderCostBenchmark({ root, targetDir, databaseUrl, redisUrl, quick, log }) {
  const sizes = [100, quick ? 1_000 : 10_000];
  const samples = quick ? 20 : 200;
  const warmup = quick ? 3 : 20;
  const logFile = path.join(os.tmpdir(), `quire_bench_render_${Date.now()}.log`);
  const previewModeId = JSON.parse(readFileSync(path.join(root, 'web', '.next', 'prerender-manifest.json'), 'utf8')).preview.previewModeId;
  const cookie = `__prerender_bypass=${previewModeId}`;

  const blogs = [];
  try {
    for (const posts of sizes) blogs.push(await startSizedBlog({ targetDir, databaseUrl, redisUrl, posts, logFile, log }));
    const pages = [
      { name: 'post page', path: () => `/${SLUG}`, expect: 'Understanding ownership' },
      { name: 'last page of the home listing', path: (blog) => `/page/${Math.ceil(blog.posts / POSTS_PER_PAGE)}`, expect: 'Filler post 0' },
    ];
    const rows = [];
    for (const page of pages) {
      const times = blogs.map(() => []);
      for (let round = 0; round < warmup + samples; round += 1) {
        for (const [index, blog] of blogs.entries()) {
          const ms = await renderOnce(blog, page.path(blog), cookie, page.expect);
          if (round >= warmup) times[index].push(ms);
        }
      }
      const [small, large] = times.map(distribution);
      rows.push({ name: page.name, paths: blogs.map((blog) => page.path(blog)), small, large, ratio: large.p50_ms / small.p50_ms });
      log(`  ${page.name}: p50 ${small.p50_ms.toFixed(1)} ms at ${sizes[0]} posts, ${large.p50_ms.toFixed(1)} ms at ${sizes[1]} (${(large.p50_ms / small.p50_ms).toFixed(2)}x)`);
    }
    return { sizes, samples, warmup, rows };
  } finally {
    for (const blog of blogs.reverse()) await blog.stop();
  }
}

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** The Markdown section of the report. */
export function renderCostReport({ sizes, samples, warmup, rows }) {
  const [small, large] = sizes.map((n) => n.toLocaleString('en-US'));
  const lines = [
    `### Web: render cost at ${small} vs ${large} posts`,
    '',
    `The same post (about 700 words, code blocks, a table, neighbours on both sides) on a blog of ${small} published posts and on one of ${large}, ` +
      'each blog its own engine and database with a Next.js server in front, all pinned to CPU 0. Every request renders the page ' +
      "(draft mode: Next.js's page and data caches skipped; the engine's read cache on, as in production), checked by its " +
      `\`no-store\` answer. Requests one at a time, the two blogs alternated: ${warmup} warm-up and ${samples} measured each.`,
    '',
    `| page | path (${small} / ${large}) | p50 at ${small} (ms) | p90 | p50 at ${large} (ms) | p90 | p50 ratio | target |`,
    '|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    const target = row.name === 'post page' ? `≤ ${TARGET_RATIO}x: ${row.ratio <= TARGET_RATIO ? 'met' : 'not met'}` : '';
    lines.push(
      `| ${row.name} | \`${row.paths.join('` / `')}\` | ${fixed(row.small.p50_ms, 1)} | ${fixed(row.small.p90_ms, 1)} | ` +
        `${fixed(row.large.p50_ms, 1)} | ${fixed(row.large.p90_ms, 1)} | ${fixed(row.ratio, 2)}x | ${target} |`,
    );
  }
  return lines.join('\n');
}
