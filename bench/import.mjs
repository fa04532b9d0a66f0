// Issue 17's import benchmark: `quire-engine import wordpress` (release build)
// on generated exports of 1,000 and 10,000 posts, each into a database of its
// own: posts per second (rendering, tags, comments and the change feed
// included) and the importer's peak memory, which must stay flat with the
// file's size. The baseline, in the same run: the same posts written through
// the API by a client, one CreatePost (published, backdated) after another,
// as a migration script without an importer would.
//
// The exports are built from a real one: every published post of WordPress's
// Theme Unit Test export (../shared/corpora), its body, categories, tags and
// comments, repeated with new ids, slugs and titles until the size is reached.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engineClients, PostStatus } from '../scripts/lib/engine-client.mjs';
import { ROOT, startProcess } from '../scripts/lib/processes.mjs';
import { startBenchEngine } from './lib/engine.mjs';
import { createDatabase, dropDatabase } from './lib/scratch.mjs';

const SIZES = { full: [1000, 10000], quick: [200, 1000] };
/** Posts the API baseline writes: its rate is per post, so a sample does. */
const API_POSTS = { full: 1000, quick: 200 };
const TARGET_POSTS_PER_SECOND = 500;
const RSS_POLL_MS = 50;

/**
 * The shared corpora folder: QUIRE_CORPORA, else `../shared/corpora` beside the repository, else
 * /work/shared/corpora (where the development machines keep it, for clones made elsewhere).
 */
export function corporaDir(root = ROOT) {
  if (process.env.QUIRE_CORPORA) return process.env.QUIRE_CORPORA;
  const beside = path.join(root, '..', 'shared', 'corpora');
  return existsSync(beside) ? beside : '/work/shared/corpora';
}

/** The Theme Unit Test export split into its header, its published posts' items, and its footer. */
function themeUnitTest(root) {
  const xml = readFileSync(path.join(corporaDir(root), 'wordpress', 'themeunittestdata.wordpress.xml'), 'utf8');
  const first = xml.indexOf('<item>');
  const last = xml.lastIndexOf('</item>') + '</item>'.length;
  const items = xml
    .slice(first, last)
    .split(/(?<=<\/item>)\s*/)
    // WordPress writes these with CDATA or without.
    .filter((item) => /<wp:post_type>(?:<!\[CDATA\[)?post(?:\]\]>)?<\/wp:post_type>/.test(item))
    .filter((item) => /<wp:status>(?:<!\[CDATA\[)?publish(?:\]\]>)?<\/wp:status>/.test(item))
    .filter((item) => !/<wp:post_password>(?:<!\[CDATA\[)?[^<\]]/.test(item));
  return { header: xml.slice(0, first), items, footer: xml.slice(last) };
}

/** An export of `posts` posts made of the corpus's own, written to `file`. */
function writeExport(root, file, posts) {
  const { header, items, footer } = themeUnitTest(root);
  let commentId = 0;
  const out = [header];
  for (let n = 1; n <= posts; n++) {
    const item = items[(n - 1) % items.length]
      .replace(/<wp:post_id>\d+<\/wp:post_id>/, `<wp:post_id>${n}</wp:post_id>`)
      .replace(/<wp:post_name>(?:<!\[CDATA\[)?([^\]<]*)(?:\]\]>)?<\/wp:post_name>/, (_, slug) => `<wp:post_name><![CDATA[${slug || 'post'}-${n}]]></wp:post_name>`)
      .replace(/<title>([\s\S]*?)<\/title>/, (_, title) => `<title>${title.replace(/\]\]>$/, ` ${n}]]>`)}</title>`)
      .replace(/<wp:comment_id>\d+<\/wp:comment_id>/g, () => `<wp:comment_id>${++commentId}</wp:comment_id>`)
      .replace(/<wp:comment_parent>\d+<\/wp:comment_parent>/g, '<wp:comment_parent>0</wp:comment_parent>')
      .replace(/<wp:postmeta>[\s\S]*?<\/wp:postmeta>/g, '');
    out.push(item, '\n');
  }
  out.push(footer);
  writeFileSync(file, out.join(''));
  return { bytes: out.reduce((sum, part) => sum + Buffer.byteLength(part), 0), templates: items.length };
}

/** VmHWM of a running process, in MiB (0 once it has exited). */
function peakRss(pid) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB$/m);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs the importer on `file` into a new database; its time, peak memory and report. */
async function importOnce({ targetDir, databaseUrl, file, name }) {
  const url = await createDatabase(databaseUrl, name);
  const engine = path.join(targetDir, 'release', 'quire-engine');
  const env = { ...process.env, DATABASE_URL: url, QUIRE_LOG: 'warn' };
  try {
    const migrate = startProcess([engine, 'migrate'], { env, output: 'keep', name: 'quire-engine migrate' });
    if ((await migrate.exited).code !== 0) throw new Error(`migrating failed:\n${migrate.output()}`);
    const started = performance.now();
    const importer = startProcess([engine, 'import', 'wordpress', file], { env, output: 'keep', name: 'quire-engine import' });
    let peakMiB = 0;
    const poll = setInterval(() => {
      peakMiB = Math.max(peakMiB, peakRss(importer.pid));
    }, RSS_POLL_MS);
    const { code } = await importer.exited;
    clearInterval(poll);
    const seconds = (performance.now() - started) / 1000;
    const output = importer.output();
    if (code !== 0) throw new Error(`the import failed (exit ${code}):\n${output}`);
    return { seconds, peakMiB, report: output };
  } finally {
    await dropDatabase(databaseUrl, name);
  }
}

/** The baseline: `posts` posts written through CreatePost, one after another. */
async function apiOnce({ targetDir, databaseUrl, redisUrl, posts, root }) {
  const { items } = themeUnitTest(root);
  const database = `quire_bench_import_api_${Date.now()}`;
  const engine = await startBenchEngine({ targetDir, databaseUrl, redisUrl, database, logFile: path.join(os.tmpdir(), `${database}.log`) });
  try {
    const clients = engineClients(engine.url, await engine.createKey(['admin']));
    const { author } = await clients.authors.createAuthor({
      author: { slug: 'importer', displayName: 'Importer', email: 'importer@example.com' },
      password: 'a long enough password',
    });
    const bodies = items.map((item) => ({
      title: (item.match(/<title><!\[CDATA\[([\s\S]*?)\]\]><\/title>/) ?? item.match(/<title>([\s\S]*?)<\/title>/))?.[1] || 'Untitled',
      html: item.match(/<content:encoded><!\[CDATA\[([\s\S]*?)\]\]><\/content:encoded>/)?.[1] ?? '',
    }));
    const started = performance.now();
    for (let n = 1; n <= posts; n++) {
      const body = bodies[(n - 1) % bodies.length];
      await clients.posts.createPost({
        post: { slug: `post-${n}`, title: `${body.title} ${n}`.slice(0, 200), markdown: body.html, authorId: author.id, tags: [{ name: 'Imported' }] },
        status: PostStatus.PUBLISHED,
        publishTime: { seconds: BigInt(1_300_000_000 + n * 3600), nanos: 0 },
      });
    }
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    await engine.stop();
  }
}

/**
 * @param {{ root: string, targetDir: string, databaseUrl: string, redisUrl: string, quick: boolean, log: (s: string) => void }} options
 */
export async function importBenchmark({ root, targetDir, databaseUrl, redisUrl, quick, log }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quire-bench-import-'));
  try {
    const results = [];
    for (const posts of SIZES[quick ? 'quick' : 'full']) {
      const file = path.join(dir, `export-${posts}.xml`);
      const { bytes, templates } = writeExport(root, file, posts);
      log(`import: ${posts} posts (${(bytes / 1024 / 1024).toFixed(1)} MiB)…`);
      const run = await importOnce({ targetDir, databaseUrl, file, name: `quire_bench_import_${posts}_${Date.now()}` });
      const created = Number(run.report.match(/created: .*?(\d+) posts/)?.[1] ?? 0);
      if (created !== posts) throw new Error(`the import of ${posts} posts created ${created}:\n${run.report}`);
      results.push({ posts, bytes, templates, seconds: run.seconds, postsPerSecond: posts / run.seconds, peakMiB: run.peakMiB });
    }
    const apiPosts = API_POSTS[quick ? 'quick' : 'full'];
    log(`import: the API baseline, ${apiPosts} posts…`);
    const api = await apiOnce({ targetDir, databaseUrl, redisUrl, posts: apiPosts, root });
    return { results, api: { posts: apiPosts, seconds: api.seconds, postsPerSecond: apiPosts / api.seconds }, targetPostsPerSecond: TARGET_POSTS_PER_SECOND };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function importReport({ results, api, targetPostsPerSecond }) {
  const largest = results.at(-1);
  const smallest = results[0];
  return [
    '### Import: a WordPress export into an empty Quire',
    '',
    `\`quire-engine import wordpress\` (release build) on generated exports: the ${smallest.templates} published posts of WordPress's Theme Unit ` +
      'Test export (bodies, categories, tags, comments) repeated with new ids, slugs and titles; each into a new database, timed from start to exit ' +
      '(connecting and the first pass that collects authors included). Peak memory: the process\'s VmHWM. Baseline in the same run: a client ' +
      `writing ${api.posts} of the same posts through CreatePost (published, backdated), one after another, to an engine (release build).`,
    '',
    '| posts | export (MiB) | seconds | posts/s | peak memory (MiB) | target |',
    '|---:|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.posts} | ${fixed(r.bytes / 1024 / 1024, 1)} | ${fixed(r.seconds, 1)} | ${fixed(r.postsPerSecond, 0)} | ${fixed(r.peakMiB, 1)} | ` +
        `≥ ${targetPostsPerSecond} posts/s: ${r.postsPerSecond >= targetPostsPerSecond ? 'met' : 'not met'} |`,
    ),
    '',
    `Through the API: ${fixed(api.postsPerSecond, 0)} posts/s; the importer ${fixed(largest.postsPerSecond / api.postsPerSecond, 2)}x that. ` +
      `Memory, ${largest.posts} posts / ${smallest.posts}: ${fixed(largest.peakMiB / smallest.peakMiB, 2)}x for a file ${fixed(largest.bytes / smallest.bytes, 1)}x the size (flat: about 1x).`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { ensureServices } = await import('../scripts/services/index.mjs');
  const services = await ensureServices({ root: ROOT, log: console.log });
  const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
  const result = await importBenchmark({
    root: ROOT,
    targetDir,
    databaseUrl: services.adminDatabaseUrl,
    redisUrl: services.redisUrl,
    quick: process.argv.includes('--quick'),
    log: console.log,
  });
  console.log(importReport(result));
  process.exit(0);
}
