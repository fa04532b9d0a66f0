// `npm test`: every check of the project, from a fresh clone, ending with one
// plain "N passed, N failed" line counted from the runners' own summaries.
//
//   1. contract: buf lint, buf format, buf breaking against main, and
//      generation drift (regenerating gen/ must change nothing);
//   2. engine: cargo-nextest (or cargo test) against real PostgreSQL and
//      Redis from the services module;
//   3. web: vitest, the TypeScript check and `next build`;
//   4. end to end (tests/e2e): the engine binary driven with `buf curl`, and
//      the built web app in headless Chromium against a real engine;
//   5. benchmarks as a smoke check: `npm run bench -- --quick` runs, and every
//      scenario of its report has numbers (how good they are is not checked).
//
// A step that fails does not stop the others: the summary shows everything.
import { ensureServices } from './services/index.mjs';
import { generate } from './generate.mjs';
import { ensureChromium } from './lib/chromium.mjs';
import { ensureVarnish } from './lib/varnish.mjs';
import { ensureNodeModules } from './lib/install.mjs';
import { ROOT, run } from './lib/processes.mjs';
import { addTally, emptyTally, parseNextest, parseNodeTest, parseVitest } from './lib/tally.mjs';
import { quickReportChecks, quickReportPath, readQuickReport } from '../bench/smoke.mjs';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { buildWeb } from './build.mjs';

const total = emptyTally();
/** @type {string[]} */
const failures = [];

/** A check that is one test: passes when `body` resolves. */
async function check(name, body) {
  console.log(`\n── ${name}`);
  try {
    await body();
    total.passed += 1;
    console.log(`✓ ${name}`);
  } catch (error) {
    total.failed += 1;
    failures.push(name);
    console.log(`✗ ${name}\n${error instanceof Error ? error.message : error}`);
  }
}

/** A step that runs a test runner and contributes its counts. */
async function suite(name, command, args, parse, env = process.env) {
  console.log(`\n── ${name}`);
  let output = '';
  let exitedCleanly = true;
  try {
    output = (await run(command, args, { env, tee: true })).output;
  } catch (error) {
    exitedCleanly = false;
    output = error.output ?? '';
  }
  const tally = parse(output);
  if (!tally || tally.passed + tally.failed === 0) {
    // No summary means the runner itself broke (or ran nothing): that is a failure, never a pass.
    total.failed += 1;
    failures.push(`${name} (no test results)`);
    return;
  }
  if (!exitedCleanly && tally.failed === 0) {
    tally.failed = 1;
  }
  addTally(total, tally);
  if (tally.failed > 0) failures.push(name);
}

/** `npm run bench -- --quick`, then one test per scenario of its report: did it produce numbers? */
async function benchSmoke(env) {
  rmSync(quickReportPath(ROOT), { force: true });
  await check('benchmarks: npm run bench -- --quick finishes', () => run('node', ['bench/run.mjs', '--quick'], { env }));
  let report;
  try {
    report = readQuickReport(ROOT);
  } catch (error) {
    total.failed += 1;
    failures.push('benchmarks: no quick report');
    console.log(`✗ benchmarks: no quick report (${error instanceof Error ? error.message : error})`);
    return;
  }
  for (const { name, problem } of quickReportChecks(report)) {
    if (problem) {
      total.failed += 1;
      failures.push(`benchmarks: ${name}`);
      console.log(`✗ benchmarks: ${name}: ${problem}`);
    } else {
      total.passed += 1;
      console.log(`✓ benchmarks: ${name} has numbers`);
    }
  }
}

async function hasNextest() {
  try {
    await run('cargo', ['nextest', '--version'], { quiet: true });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  await ensureNodeModules();

  await check('contract: buf lint', () => run('buf', ['lint']));
  await check('contract: buf format', () => run('buf', ['format', '--diff', '--exit-code'], { quiet: true }));
  await check('contract: buf breaking against main', () =>
    run('buf', ['breaking', '--against', `${ROOT}/.git#branch=main`]),
  );
  await check('contract: regenerating gen/ changes nothing', async () => {
    await generate();
    const { output } = await run('git', ['status', '--porcelain', '--', 'gen'], { capture: true });
    if (output.trim()) throw new Error(`gen/ is out of date with proto/; run \`npm run generate\` and commit:\n${output}`);
  });

  await check('engine: rustfmt', () => run('cargo', ['fmt', '--package', 'quire-engine', '--', '--check']));
  await check('engine: clippy (warnings are errors)', () =>
    run('cargo', ['clippy', '--locked', '--package', 'quire-engine', '--tests', '--', '-D', 'warnings']),
  );

  const services = await ensureServices({ root: ROOT, log: (line) => console.log(line) });
  // Tests create databases of their own: they get the role that may.
  const serviceEnv = { ...process.env, DATABASE_URL: services.adminDatabaseUrl, REDIS_URL: services.redisUrl };
  try {
    if (await hasNextest()) {
      await suite('engine: cargo nextest', 'cargo', ['nextest', 'run', '--locked', '--no-fail-fast'], parseNextest, serviceEnv);
    } else {
      await suite('engine: cargo test', 'cargo', ['test', '--locked', '--no-fail-fast'], parseCargoTest, serviceEnv);
    }
    await suite('web: vitest', 'npm', ['test', '--workspace', 'web', '--', '--reporter=default'], parseVitest, serviceEnv);
    await check('web: typecheck', () => run('npm', ['run', 'typecheck', '--workspace', 'web']));
    await check('web: next build', () => buildWeb());

    // End to end: the engine binary through buf curl, and the web app in Chromium and behind Varnish.
    await run('cargo', ['build', '--locked', '--package', 'quire-engine'], { env: serviceEnv });
    const chromium = await ensureChromium();
    await ensureVarnish();
    const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
    const e2eEnv = {
      ...serviceEnv,
      QUIRE_ENGINE_BIN: path.join(targetDir, 'debug', 'quire-engine'),
      QUIRE_CHROMIUM: chromium,
    };
    await suite('end to end: engine API and web in Chromium', 'node', ['--test', '--test-reporter=tap', 'tests/e2e/'], parseNodeTest, e2eEnv);

    await benchSmoke(serviceEnv);
  } finally {
    if (process.env.QUIRE_STOP_SERVICES === '1') await services.stop();
  }

  console.log('');
  if (failures.length) console.log(`Failed: ${failures.join('; ')}`);
  console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
  process.exit(total.failed === 0 ? 0 : 1);
}

/** cargo test prints one "test result: ok. N passed; M failed; K ignored" line per test binary. */
function parseCargoTest(output) {
  const tally = emptyTally();
  let seen = false;
  for (const match of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
    seen = true;
    tally.passed += Number(match[1]);
    tally.failed += Number(match[2]);
    tally.skipped += Number(match[3]);
  }
  return seen ? tally : null;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  console.log(`${total.passed} passed, ${total.failed + 1} failed`);
  process.exit(1);
});
