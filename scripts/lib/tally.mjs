// Counting test results from each runner's own summary line, so that
// `npm test` can end with one honest "N passed, N failed" line.

/** @typedef {{ passed: number, failed: number, skipped: number }} Tally */

/** @returns {Tally} */
export function emptyTally() {
  return { passed: 0, failed: 0, skipped: 0 };
}

/**
 * Reads cargo-nextest's closing line: "Summary [ 1.2s] 12 tests run: 11 passed, 1 failed, 2 skipped".
 * @param {string} output
 * @returns {Tally | null}
 */
export function parseNextest(output) {
  const line = output.split('\n').reverse().find((l) => /\d+ tests? run:/.test(l));
  if (!line) return null;
  return {
    passed: countOf(line, /(\d+) passed/),
    failed: countOf(line, /(\d+) failed/) + countOf(line, /(\d+) timed out/),
    skipped: countOf(line, /(\d+) skipped/),
  };
}

/**
 * Reads vitest's summary: "Tests  3 failed | 10 passed | 1 skipped (14)".
 * @param {string} output
 * @returns {Tally | null}
 */
export function parseVitest(output) {
  const line = stripAnsi(output)
    .split('\n')
    .reverse()
    .find((l) => /^\s*Tests\s+.*\(\d+\)\s*$/.test(l));
  if (!line) return null;
  return {
    passed: countOf(line, /(\d+) passed/),
    failed: countOf(line, /(\d+) failed/),
    skipped: countOf(line, /(\d+) (skipped|todo)/),
  };
}

/**
 * @param {Tally} total
 * @param {Tally} part
 */
export function addTally(total, part) {
  total.passed += part.passed;
  total.failed += part.failed;
  total.skipped += part.skipped;
}

/** @param {string} text */
export function stripAnsi(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function countOf(line, pattern) {
  const match = stripAnsi(line).match(pattern);
  return match ? Number(match[1]) : 0;
}

/**
 * Reads node's test runner TAP summary: "# pass 6", "# fail 0", "# skipped 0".
 * @param {string} output
 * @returns {Tally | null}
 */
export function parseNodeTest(output) {
  const count = (name) => {
    const matches = [...output.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    return matches.length ? Number(matches[matches.length - 1][1]) : null;
  };
  const passed = count('pass');
  const failed = count('fail');
  if (passed === null || failed === null) return null;
  return { passed, failed: failed + (count('cancelled') ?? 0), skipped: (count('skipped') ?? 0) + (count('todo') ?? 0) };
}
