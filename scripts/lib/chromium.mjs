// Browser tests drive Debian's Chromium (never a downloaded browser). On a
// machine without it, install it when we can (root with apt), or say how.
import { existsSync } from 'node:fs';
import { run } from './processes.mjs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export async function ensureChromium(log = console.log) {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM_PATH}. Install it (Debian/Ubuntu: sudo apt-get install chromium).`,
    );
  }
  log('Installing Chromium for the browser tests (apt-get install chromium)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env, quiet: true });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium'], { env, quiet: true });
  return CHROMIUM_PATH;
}
