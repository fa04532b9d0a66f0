// Issue 16's media benchmark: photos of 1, 6, 12 and 24 megapixels uploaded to
// the engine (release build, its own database), timed from the first byte sent
// to the item's READY state; the engine's own time per image making its
// variants (quire_media_variants_seconds); the variants' bytes; the engine's
// peak memory. Then sharp (libvips, bench/baseline/src/variants.ts) makes the
// same variants from the same originals — the bytes the engine stored — at the
// same widths, formats and quality settings, in the same run.
//
// The photos are cut from a real one: lake.jpg, a 4000×2250 drone photo that
// ships with the webp crate (an engine dependency, so in Cargo's registry after
// any engine build; no photo corpus can be fetched on this machine). The photo
// and its mirror images tile an 8000×4500 scene; each upload is a different
// 3:2 crop of it, scaled down to its size, saved
// as a camera's JPEG at quality 92, 4:2:0 — real detail, and no two uploads the
// same file.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { engineClients, MediaState } from '../scripts/lib/engine-client.mjs';
import { ROOT, stopAllProcesses } from '../scripts/lib/processes.mjs';
import { ensureServices } from '../scripts/services/index.mjs';
import { ensureBaselineInstalled } from './rpc-compare.mjs';
import { startBenchEngine } from './lib/engine.mjs';
import { peakRssMiB } from './lib/processes.mjs';
import { distribution } from './web.mjs';

/** Photo sizes (3:2, as cameras shoot), by megapixels. */
const SIZES = [
  { megapixels: 1, width: 1224, height: 816 },
  { megapixels: 6, width: 3000, height: 2000 },
  { megapixels: 12, width: 4240, height: 2832 },
  { megapixels: 24, width: 6000, height: 4000 },
];
/** Uploads per size: enough for a p99 at the small sizes, each a different photo. */
const UPLOADS = { full: { 1: 20, 6: 6, 12: 4, 24: 4 }, quick: { 1: 3, 24: 1 } };
const CHUNK_BYTES = 512 * 1024;
const READY_POLL_MS = 20;
const READY_TIMEOUT_MS = 300_000;
const PEAK_MEMORY_BUDGET_MIB = 256;

const run = promisify(execFile);

/** sharp, from the baseline's own dependencies. */
function loadSharp(root) {
  return createRequire(path.join(root, 'bench', 'baseline', 'package.json'))('sharp');
}

/** The source photo's path, from Cargo's metadata of the engine's dependencies. */
async function sourcePhoto(root) {
  const { stdout } = await run('cargo', ['metadata', '--locked', '--format-version', '1'], { cwd: root, maxBuffer: 256 * 1024 * 1024 });
  const webp = JSON.parse(stdout).packages.find((p) => p.name === 'webp');
  if (!webp) throw new Error('the webp crate is not among the engine\'s dependencies: no source photo');
  return path.join(path.dirname(webp.manifest_path), 'assets', 'lake.jpg');
}

/** The source photo with its mirror images, 2 × 2: raw RGB pixels. */
async function scene(sharp, source) {
  const image = sharp(source).removeAlpha();
  const { width, height } = await image.metadata();
  const tiles = [
    await image.clone().png({ compressionLevel: 0 }).toBuffer(),
    await image.clone().flop().png({ compressionLevel: 0 }).toBuffer(),
    await image.clone().flip().png({ compressionLevel: 0 }).toBuffer(),
    await image.clone().flip().flop().png({ compressionLevel: 0 }).toBuffer(),
  ];
  const size = { width: width * 2, height: height * 2 };
  const pixels = await sharp({ create: { ...size, channels: 3, background: '#000' } })
    .composite(tiles.map((input, i) => ({ input, left: (i % 2) * width, top: Math.floor(i / 2) * height })))
    .removeAlpha()
    .raw()
    .toBuffer();
  return { pixels, ...size };
}

/** A `width`×`height` JPEG cut from a random place of `from` at a random scale. */
async function photo(sharp, from, width, height) {
  const most = Math.min(from.width / width, from.height / height);
  const scale = 1 + Math.random() * (most - 1);
  const crop = { width: Math.floor(width * scale), height: Math.floor(height * scale) };
  const left = Math.floor(Math.random() * (from.width - crop.width + 1));
  const top = Math.floor(Math.random() * (from.height - crop.height + 1));
  return sharp(from.pixels, { raw: { width: from.width, height: from.height, channels: 3 } })
    .extract({ left, top, ...crop })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .jpeg({ quality: 92, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

async function* uploadStream(filename, bytes) {
  yield { part: { case: 'header', value: { filename, altText: 'A benchmark photo' } } };
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
    yield { part: { case: 'chunk', value: bytes.subarray(offset, offset + CHUNK_BYTES) } };
  }
}

/** The sum of quire_media_variants_seconds so far. */
async function variantSeconds(metricsUrl) {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const sum = text.match(/^quire_media_variants_seconds_sum(?:\{[^}]*\})? (\S+)$/m);
  return sum ? Number(sum[1]) : 0;
}

async function readMediaFile(clients, filePath) {
  const parts = [];
  for await (const message of clients.media.readMediaFile({ path: filePath })) parts.push(message.chunk);
  return Buffer.concat(parts);
}

/** Uploads `bytes` and waits until its variants exist; the item and the timings. */
async function uploadUntilReady(clients, metricsUrl, filename, bytes) {
  const before = await variantSeconds(metricsUrl);
  const started = performance.now();
  const { item: uploaded, existed } = await clients.media.uploadMedia(uploadStream(filename, bytes));
  if (existed) throw new Error(`${filename} was already in the library: the photos must differ`);
  const acknowledgedMs = performance.now() - started;
  for (;;) {
    const { item } = await clients.media.getMedia({ id: uploaded.id });
    if (item.state === MediaState.READY) {
      const readyMs = performance.now() - started;
      return { item, acknowledgedMs, readyMs, variantMs: ((await variantSeconds(metricsUrl)) - before) * 1000 };
    }
    if (item.state === MediaState.FAILED) throw new Error(`${filename}: making its variants failed`);
    if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`${filename}: not ready after ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

const FORMATS = { 'image/avif': 'avif', 'image/webp': 'webp', 'image/jpeg': 'jpeg', 'image/png': 'png' };

/** Bytes per format over all of an item's variants. */
function bytesByFormat(variants) {
  const totals = {};
  for (const variant of variants) totals[variant.format] = (totals[variant.format] ?? 0) + variant.bytes;
  return totals;
}

const median = (values) => distribution(values).p50_ms;

/**
 * @param {{ root: string, targetDir: string, databaseUrl: string, redisUrl: string, quick: boolean, log: (s: string) => void }} options
 */
export async function mediaBenchmark({ root, targetDir, databaseUrl, redisUrl, quick, log }) {
  await ensureBaselineInstalled(root);
  const sharp = loadSharp(root);
  const source = await sourcePhoto(root);
  const from = await scene(sharp, source);
  const mode = quick ? 'quick' : 'full';
  const sizes = SIZES.filter((size) => UPLOADS[mode][size.megapixels]);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'quire-bench-media-'));
  const database = `quire_bench_media_${Date.now()}`;
  const engine = await startBenchEngine({ targetDir, databaseUrl, redisUrl, database, logFile: path.join(os.tmpdir(), `${database}.log`) });
  const results = [];
  let peakMemoryMiB;
  try {
    const clients = engineClients(engine.url, await engine.createKey(['admin']));
    for (const size of sizes) {
      const uploads = [];
      for (let n = 0; n < UPLOADS[mode][size.megapixels]; n += 1) {
        const bytes = await photo(sharp, from, size.width, size.height);
        const filename = `photo-${size.megapixels}mp-${n}.jpg`;
        const upload = await uploadUntilReady(clients, engine.metricsUrl, filename, bytes);
        // sharp starts from the original the engine stored and made its variants from.
        const original = path.join(scratch, `original-${size.megapixels}mp-${n}.jpg`);
        writeFileSync(original, await readMediaFile(clients, upload.item.path));
        const variants = upload.item.variants.map((v) => ({ width: v.width, format: FORMATS[v.contentType], bytes: Number(v.byteSize) }));
        const { acknowledgedMs, readyMs, variantMs } = upload;
        uploads.push({ filename, uploadBytes: bytes.length, original, acknowledgedMs, readyMs, variantMs, variants });
      }
      const sharpMade = await sharpVariants(root, uploads.map((u) => u.original));
      const engineMs = median(uploads.map((u) => u.variantMs));
      const sharpMs = median(sharpMade.map((r) => r.ms));
      const engineBytes = sumBytes(uploads.map((u) => bytesByFormat(u.variants)));
      const sharpBytes = sumBytes(sharpMade.map((r) => bytesByFormat(r.variants)));
      const widthsMatch = uploads.every((u, i) => sameWidths(u.variants, sharpMade[i].variants));
      if (size.megapixels === 24) peakMemoryMiB = await peakRssMiB(engine.pid);
      results.push({
        ...size,
        uploads: uploads.length,
        uploadBytes: median(uploads.map((u) => u.uploadBytes)),
        variantCount: uploads[0].variants.length,
        widthsMatch,
        engineMs,
        sharpMs,
        acknowledged: distribution(uploads.map((u) => u.acknowledgedMs)),
        ready: distribution(uploads.map((u) => u.readyMs)),
        engineBytes,
        sharpBytes,
      });
      log(
        `  ${size.megapixels} MP: variants ${engineMs.toFixed(0)} ms (engine) vs ${sharpMs.toFixed(0)} ms (sharp); ` +
          `upload-to-ready p50 ${distribution(uploads.map((u) => u.readyMs)).p50_ms.toFixed(0)} ms`,
      );
    }
    peakMemoryMiB ??= await peakRssMiB(engine.pid);
    return { source: path.basename(source), results, peakMemoryMiB, peakMemoryBudgetMiB: PEAK_MEMORY_BUDGET_MIB, sharpVersion: sharp.versions };
  } finally {
    await engine.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** sharp's variants of each file, in a process of its own. */
async function sharpVariants(root, files) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/variants.ts', ...files], {
    cwd: path.join(root, 'bench', 'baseline'),
    env: { ...process.env, NODE_ENV: 'production' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim().split('\n').map((line) => JSON.parse(line));
}

function sumBytes(perImage) {
  const totals = {};
  for (const image of perImage) for (const [format, bytes] of Object.entries(image)) totals[format] = (totals[format] ?? 0) + bytes;
  return totals;
}

function sameWidths(engine, sharp) {
  const key = (variants) => variants.map((v) => `${v.width}.${v.format}`).sort().join(',');
  return key(engine) === key(sharp);
}

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const kib = (bytes) => (Number.isFinite(bytes) ? (bytes / 1024).toFixed(0) : '–');

/** The Markdown section of the report. */
export function mediaReport({ source, results, peakMemoryMiB, peakMemoryBudgetMiB, sharpVersion }) {
  const lines = [
    '### Media: variants in the engine vs sharp (libvips)',
    '',
    `Photos cut from a real one (${source}, 4000×2250, from the webp crate; each upload a different 3:2 crop of it and its mirror images, ` +
      'scaled to size, JPEG quality 92) uploaded to the engine (release build) one at a time; ' +
      `each gets ${'AVIF, WebP and JPEG'} variants at 320, 640, 960, 1280, 1920 and 2560 px wide (never wider than the photo). ` +
      "Engine time: its `quire_media_variants_seconds` for the item (decode, Lanczos3 resize, encode). sharp " +
      `${sharpVersion?.sharp ?? ''} (libvips ${sharpVersion?.vips ?? ''}) makes the same variants from the same stored originals, ` +
      `with Lanczos3 and the same quality settings (AVIF 50, WebP 80, JPEG 80; sharp's other defaults), all variants of an image ` +
      'concurrently. Times are medians over the uploads of a size (each a different photo). Both unpinned on the same machine, one after the other.',
    '',
    '| photo | uploads | variants | engine (ms per image) | sharp (ms) | speed, sharp / engine | AVIF bytes, engine / sharp | WebP | JPEG | target |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of results) {
    const ratio = (format) => fixed(r.engineBytes[format] / r.sharpBytes[format], 2);
    const speed = r.sharpMs / r.engineMs;
    const smaller = ['avif', 'webp', 'jpeg'].every((f) => r.engineBytes[f] <= r.sharpBytes[f]);
    const met = speed >= 1 && smaller && r.widthsMatch;
    lines.push(
      `| ${r.megapixels} MP (${r.width}×${r.height}) | ${r.uploads} | ${r.variantCount}${r.widthsMatch ? '' : ' (widths differ!)'} | ` +
        `${fixed(r.engineMs, 0)} | ${fixed(r.sharpMs, 0)} | ${fixed(speed, 2)}x | ${ratio('avif')} | ${ratio('webp')} | ${ratio('jpeg')} | ` +
        `as fast, ≤ bytes: ${met ? 'met' : 'not met'} |`,
    );
  }
  lines.push(
    '',
    'Bytes are totals over all uploads of a size. The quality settings are the same numbers, not the same encoders: for AVIF the ' +
      'engine uses rav1e (speed 7) and sharp libaom (effort 4), which map quality 50 differently, so that ratio compares settings ' +
      "rather than equal visual quality; sharp's JPEG encoder is mozjpeg, the engine's jpeg-encoder (progressive, optimised tables, " +
      'the same standard quantisation tables and 4:2:0).',
    '',
    'Upload to ready: from the first byte sent to the item READY with its variants (polled every 20 ms); acknowledged: the upload answered ' +
      '(the original cleaned and stored).',
    '',
    '| photo | upload (KiB) | acknowledged p50 (ms) | ready p50 (ms) | ready p99 (ms) |',
    '|---|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.megapixels} MP | ${kib(r.uploadBytes)} | ${fixed(r.acknowledged.p50_ms, 0)} | ${fixed(r.ready.p50_ms, 0)} | ${fixed(r.ready.p99_ms, 0)} |`,
    ),
    '',
    `Engine peak memory (VmHWM, the whole run up to and including the 24 MP uploads): ${fixed(peakMemoryMiB, 1)} MiB ` +
      `(target ≤ ${peakMemoryBudgetMiB} MiB: ${peakMemoryMiB <= peakMemoryBudgetMiB ? 'met' : 'not met'}).`,
  );
  return lines.join('\n');
}

// `node bench/media.mjs [--quick]`, after `npm run bench` has built the release engine: this
// benchmark alone, its report section printed.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const services = await ensureServices({ root: ROOT, log: console.log });
  try {
    const result = await mediaBenchmark({
      root: ROOT,
      targetDir: process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'),
      databaseUrl: services.adminDatabaseUrl,
      redisUrl: services.redisUrl,
      quick: process.argv.includes('--quick'),
      log: console.log,
    });
    console.log(`\n${mediaReport(result)}`);
  } finally {
    await stopAllProcesses();
  }
}
