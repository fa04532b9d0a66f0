// The services module's command line, run as `node scripts/services.mjs`:
//   up    prints DATABASE_URL=..., DATABASE_ADMIN_URL=... and REDIS_URL=... lines (for `eval`):
//         DATABASE_URL is the engine's (an ordinary role), DATABASE_ADMIN_URL one that may create
//         databases, which the tests need (`DATABASE_URL=$DATABASE_ADMIN_URL cargo nextest run`);
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
    process.stdout.write(
      [
        `DATABASE_URL=${shellQuote(services.databaseUrl)}`,
        `DATABASE_ADMIN_URL=${shellQuote(services.adminDatabaseUrl)}`,
        `REDIS_URL=${shellQuote(services.redisUrl)}`,
        '',
      ].join('\n'),
    );
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
