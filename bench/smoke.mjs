// The smoke check `npm test` runs on `npm run bench -- --quick`: every
// scenario ran and produced numbers. Never how good they are: a slow or busy
// machine must not fail a test run, a benchmark that stopped measuring must.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The quick report's JSON (written by bench/run.mjs --quick). */
export function quickReportPath(root) {
  return path.join(root, 'bench', 'results', 'latest-quick.json');
}

const LOAD_FIELDS = ['throughput', 'p50_ms', 'p90_ms', 'p99_ms', 'p999_ms'];

/** What is missing from one quire-load result, or null. */
function loadProblem(result) {
  if (!(result.requests > 0)) return `no successful requests (${result.errors ?? '?'} errors)`;
  const missing = LOAD_FIELDS.filter((field) => !Number.isFinite(result[field]));
  return missing.length ? `not a number: ${missing.join(', ')}` : null;
}

function group(checks, name, results, problemOf) {
  const problems = results.map(problemOf).filter(Boolean);
  checks.push({ name, problem: results.length === 0 ? 'no results' : problems.length ? problems.join('; ') : null });
}

/**
 * One check per scenario of the report.
 * @returns {{ name: string, problem: string | null }[]}
 */
export function quickReportChecks(report) {
  const checks = [];
  const scenarios = (results, key) => [...new Set(results.map(key))];

  const engineRuns = (report.engineRead?.results ?? []).filter((r) => r.scenario !== 'rss');
  for (const name of scenarios(engineRuns, (r) => `${r.scenario} cache ${r.cache}`)) {
    group(checks, `engine reads: ${name}`, engineRuns.filter((r) => `${r.scenario} cache ${r.cache}` === name), loadProblem);
  }
  if (!engineRuns.length) checks.push({ name: 'engine reads', problem: 'no results' });

  const compare = report.compare?.results ?? [];
  const compareRuns = compare.filter((r) => r.name !== 'rss' && r.server !== 'redis');
  // The open-loop run's name carries its rate; the check's name must not vary.
  const compareKey = (r) => `${r.name.replace(/ at \d+ req\/s/, '')} on ${r.server}`;
  for (const name of scenarios(compareRuns, compareKey)) {
    group(checks, `engine vs baselines: ${name}`, compareRuns.filter((r) => compareKey(r) === name), loadProblem);
  }
  if (!compareRuns.length) checks.push({ name: 'engine vs baselines', problem: 'no results' });
  group(checks, 'engine vs baselines: peak RSS', compare.filter((r) => r.name === 'rss'), (r) =>
    Number.isFinite(r.peak_rss_mib) ? null : `no RSS for ${r.server}`,
  );

  const web = report.web;
  const webRuns = web?.results ?? [];
  for (const name of scenarios(webRuns, (r) => `${r.name}, ${r.mode} loop`)) {
    group(checks, `web: ${name}`, webRuns.filter((r) => `${r.name}, ${r.mode} loop` === name), loadProblem);
  }
  if (!webRuns.length) checks.push({ name: 'web', problem: 'no results' });
  for (const replica of ['a', 'b', 'both']) {
    const d = web?.writeToFresh?.[replica];
    const problem = !d
      ? 'no results'
      : !(d.count > 0)
        ? `no write became visible (${d.timeouts} timeouts)`
        : ['p50_ms', 'p90_ms', 'p99_ms'].every((f) => Number.isFinite(d[f]))
          ? null
          : 'percentiles are not numbers';
    checks.push({ name: `web: write-to-fresh, replica ${replica}`, problem });
  }

  const media = report.media?.results ?? [];
  for (const result of media) {
    const figures = [result.engineMs, result.sharpMs, result.ready?.p50_ms, result.ready?.p99_ms];
    const problem = !result.widthsMatch
      ? 'the engine and sharp made different variants'
      : figures.every(Number.isFinite)
        ? null
        : 'figures are not numbers';
    checks.push({ name: `media: ${result.megapixels} MP`, problem });
  }
  if (!media.length) checks.push({ name: 'media', problem: 'no results' });
  checks.push({ name: 'media: peak memory', problem: Number.isFinite(report.media?.peakMemoryMiB) ? null : 'not measured' });

  const imports = report.imports?.results ?? [];
  for (const result of imports) {
    const problem = [result.postsPerSecond, result.peakMiB].every((f) => Number.isFinite(f) && f > 0) ? null : 'figures are not numbers';
    checks.push({ name: `import: ${result.posts} posts`, problem });
  }
  if (!imports.length) checks.push({ name: 'import', problem: 'no results' });
  checks.push({ name: 'import: API baseline', problem: Number.isFinite(report.imports?.api?.postsPerSecond) ? null : 'not measured' });

  const faults = report.faults?.results ?? [];
  for (const result of faults) {
    const problem = !(result.acknowledged > 0)
      ? 'no write was acknowledged'
      : !Number.isFinite(result.staleness?.p99Ms)
        ? 'no staleness measured'
        : [result.lost, result.duplicated, result.unavailability?.longestMs].every(Number.isFinite)
          ? null
          : 'figures are not numbers';
    checks.push({ name: `faults: ${result.title}`, problem });
  }
  if (!faults.length) checks.push({ name: 'faults', problem: 'no results' });
  return checks;
}

/** Reads the quick report; throws when it is missing or not JSON. */
export function readQuickReport(root) {
  return JSON.parse(readFileSync(quickReportPath(root), 'utf8'));
}
