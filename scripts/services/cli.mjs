// The services module's command line, run as `node scripts/services.mjs`:
//   up    prints DATABASE_URL=... and REDIS_URL=... lines (for `eval`);
//   down  stops the servers under .quire/.
import { ROOT, shellQuote } from '../lib/processes.mjs';
import { ensureServices, stopLocalServices } from './index.mjs';
import { errorMessage } from './settings.mjs';

/** @typedef {import('./settings.mjs').Log} Log */

/**
 * Runs one command; failures are printed and set the exit code rather than thrown.
 *
 * @param {string[]} args
 */
export async function runCli(args) {
  try {
    await main(args);
  } catch (error) {
    process.stderr.write(`services: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  }
}

/** @param {string[]} args */
async function main(args) {
  /** @type {Log} */
  const log = (msg) => process.stderr.write(`services: ${msg}\n`);
  const [command] = args;

  if (command === 'up') {
    const services = await ensureServices({ root: ROOT, log });
    process.stdout.write(`DATABASE_URL=${shellQuote(services.databaseUrl)}\nREDIS_URL=${shellQuote(services.redisUrl)}\n`);
    if (services.source === 'testcontainers') {
      // Containers are removed when the process that started them exits.
      log('the containers live as long as this command runs; press Ctrl-C to stop them');
      await new Promise((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await services.stop();
    }
    return;
  }
  if (command === 'down') {
    await stopLocalServices({ root: ROOT, log });
    return;
  }
  process.stderr.write('usage: node scripts/services.mjs up|down\n');
  process.exitCode = 2;
}
