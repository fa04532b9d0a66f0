// Makes sure the npm workspace is installed, so that `npm start`, `npm test`
// and `npm run generate` work on a fresh clone without a prior `npm install`.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, run } from './processes.mjs';

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export async function ensureNodeModules(log = console.log) {
  const lockfile = path.join(ROOT, 'package-lock.json');
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lockfile).mtimeMs) return;
  log('Installing npm dependencies (npm ci)…');
  await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
}
