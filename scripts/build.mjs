// `npm run build`: the release engine binary and the production web build.
// Both are skipped when up to date: Cargo decides for the engine; the web
// build is reused while the sources it was built from are unchanged.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureNodeModules } from './lib/install.mjs';
import { ROOT, run } from './lib/processes.mjs';
import { completeStandaloneServer } from './lib/web-server.mjs';

const WEB_BUILD = path.join(ROOT, 'web', '.next');
const FINGERPRINT_FILE = path.join(WEB_BUILD, 'quire-sources.sha256');
/** Generated or build output inside the web sources; not inputs of the build. */
const NOT_SOURCES = new Set(['node_modules', '.next', 'tsconfig.tsbuildinfo', 'next-env.d.ts']);

function* files(directory) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (NOT_SOURCES.has(entry.name)) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

/** A digest of everything `next build` reads: web/, gen/ts, the lockfile and build-time settings. */
function webSourcesFingerprint() {
  const hash = createHash('sha256');
  const inputs = [...files(path.join(ROOT, 'web')), ...files(path.join(ROOT, 'gen', 'ts')), path.join(ROOT, 'package-lock.json')];
  for (const file of inputs.sort()) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${path.relative(ROOT, file)}\0${size}\0${mtimeMs}\n`);
  }
  hash.update(`QUIRE_ALLOWED_ORIGINS=${process.env.QUIRE_ALLOWED_ORIGINS ?? ''}`);
  return hash.digest('hex');
}

function webBuildIsCurrent(fingerprint) {
  return existsSync(path.join(WEB_BUILD, 'BUILD_ID')) && existsSync(FINGERPRINT_FILE) && readFileSync(FINGERPRINT_FILE, 'utf8') === fingerprint;
}

/** `next build`, unless web/.next was built from exactly the current sources. */
export async function buildWeb(log = console.log) {
  const fingerprint = webSourcesFingerprint();
  if (webBuildIsCurrent(fingerprint)) {
    log('The web app is built and up to date.');
  } else {
    log('Building the web app (next build)…');
    await run('npm', ['run', 'build', '--workspace', 'web']);
    writeFileSync(FINGERPRINT_FILE, fingerprint);
  }
  completeStandaloneServer();
}

export async function build(log = console.log) {
  await ensureNodeModules(log);
  log('Building the engine (cargo build --release; the first build takes several minutes)…');
  await run('cargo', ['build', '--release', '--locked', '--package', 'quire-engine']);
  await buildWeb(log);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  build().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
