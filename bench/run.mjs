// `npm run bench [-- --quick]`: builds release binaries, brings up services
// through the same module as `npm start` and `npm test`, runs the benchmarks
// and writes a Markdown report with the machine, versions, figures and ratios
// to bench/results/. The fault suite last (bench/faults.mjs), on servers of its own.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWeb } from '../scripts/build.mjs';
import { ensureServices } from '../scripts/services/index.mjs';
import { ensureNodeModules } from '../scripts/lib/install.mjs';
import { ROOT, commandOutput, run, stopAllProcesses } from '../scripts/lib/processes.mjs';
import { engineReadBenchmark, engineReadReport, saveJson } from './engine-read.mjs';
import { rpcComparison, rpcComparisonReport } from './rpc-compare.mjs';
import { searchBenchmark, searchReport } from './search.mjs';
import { webBenchmark, webReport } from './web.mjs';
import { renderCostBenchmark, renderCostReport } from './render-cost.mjs';
import { browserBenchmark, browserReport } from './browser.mjs';
import { mediaBenchmark, mediaReport } from './media.mjs';
import { importBenchmark, importReport } from './import.mjs';
import { faultBenchmark, faultReport } from './faults.mjs';
import { dropRemainingDatabases } from './lib/scratch.mjs';

const quick = process.argv.includes('--quick');
const log = (line) => console.log(line);

async function versions() {
  const first = async (argv) => (await commandOutput(argv).catch(() => 'unknown')).split('\n')[0].trim();
  return {
    rustc: await first(['rustc', '--version']),
    node: process.version,
    next: JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'next', 'package.json'), 'utf8')).version,
    postgres: await first(['psql', '--version']),
    redis: await first(['redis-server', '--version']),
  };
}

async function main() {
  await ensureNodeModules(log);
  const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
  log('Building release binaries…');
  // One package per build: built together, Cargo unifies their dependencies' features and the
  // engine binary differs from (and rebuilds over) the one `npm start` and `npm run build` make.
  await run('cargo', ['build', '--release', '--locked', '--package', 'quire-engine']);
  await run('cargo', ['build', '--release', '--locked', '--package', 'quire-load']);
  // Rebuilt unless built from exactly these sources, as npm start and npm test do.
  await buildWeb(log);
  const services = await ensureServices({ root: ROOT, log });
  const started = Date.now();

  const seconds = {};
  const timed = async (name, body) => {
    const begin = Date.now();
    const result = await body();
    seconds[name] = Math.round((Date.now() - begin) / 1000);
    return result;
  };
  // Every benchmark gets the same settings.
  // Each benchmark creates a database of its own: it gets the role that may.
  const options = { root: ROOT, targetDir, databaseUrl: services.adminDatabaseUrl, redisUrl: services.redisUrl, quick, log };
  const engineRead = await timed('engine reads', () => engineReadBenchmark(options));

  const compare = await timed('engine vs baselines', () => rpcComparison(options));

  log('SearchPosts: the search index vs PostgreSQL full-text search…');
  const search = await timed('search', () => searchBenchmark(options));

  log('Web benchmarks…');
  const web = await timed('web', () => webBenchmark(options));

  log('Render cost as the blog grows…');
  const renderCost = await timed('render-cost', () => renderCostBenchmark(options));

  log('Media: variants in the engine vs sharp…');
  const media = await timed('media', () => mediaBenchmark(options));

  log('Import: a WordPress export vs the API…');
  const imports = await timed('import', () => importBenchmark(options));

  log('Browser budgets (route JavaScript, Lighthouse through the edge)…');
  const browser = await timed('browser', () => browserBenchmark(options));

  // The fault suite runs its own PostgreSQL and Redis: it stops and kills them.
  const faults = await timed('faults', () =>
    faultBenchmark({ engineBin: path.join(targetDir, 'release', 'quire-engine'), loadBin: path.join(targetDir, 'release', 'quire-load'), quick, log }),
  );
  const elapsedSeconds = Math.round((Date.now() - started) / 1000);

  const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
  const v = await versions();
  const report = [
    `# Quire benchmarks${quick ? ' (quick)' : ''}`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${machine}, ${os.type()} ${os.release()}`,
    `- versions: ${v.rustc}; Node ${v.node}; Next.js ${v.next}; ${v.postgres}; ${v.redis}`,
    `- benchmarks took ${elapsedSeconds} s after building (${Object.entries(seconds).map(([name, s]) => `${name} ${s} s`).join(', ')})`,
    '',
    engineReadReport(engineRead),
    '',
    rpcComparisonReport(compare),
    '',
    searchReport(search),
    '',
    webReport(web),
    '',
    renderCostReport(renderCost),
    '',
    mediaReport(media),
    '',
    importReport(imports),
    '',
    browserReport(browser),
    '',
    faultReport(faults),
    '',
    unmeasuredReport(),
    '',
  ].join('\n');

  const resultsDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const name = quick ? 'latest-quick' : 'latest';
  writeFileSync(path.join(resultsDir, `${name}.md`), report);
  saveJson(path.join(resultsDir, `${name}.json`), { quick, machine, versions: v, elapsedSeconds, seconds, engineRead, compare, search, web, renderCost, media, imports, browser, faults });
  console.log(`\n${report}`);
  console.log(`Report written to bench/results/${name}.md`);
}

main().catch(async (error) => {
  console.error(error instanceof Error ? error.stack : error);
  await stopAllProcesses();
  await dropRemainingDatabases();
  process.exit(1);
});

/**
 * Budgets the issues name that no benchmark here measures yet: listed in every report, so that
 * "not reported" never reads as "met". Remove a line when a benchmark reports it.
 */
const UNMEASURED_TARGETS = [];

function unmeasuredReport() {
  if (UNMEASURED_TARGETS.length === 0) return '### Targets not measured by this run\n\nNone: every budget the issues name is measured above.';
  return [
    '### Targets not measured by this run',
    '',
    '| issue | target | budget |',
    '|---|---|---|',
    ...UNMEASURED_TARGETS.map(([issue, target, budget]) => `| ${issue} | ${target} | ${budget} (not measured) |`),
  ].join('\n');
}
