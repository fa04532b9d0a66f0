// @ts-check
/**
 * The cache's log lines: one a failure kind at most every LOG_INTERVAL_MS, so
 * that an outage does not write a line per request.
 */

const LOG_INTERVAL_MS = 10_000;
/** @type {Map<string, number>} */
const lastLogged = new Map();

/**
 * @param {string} what e.g. "read", "write"
 * @param {unknown} error
 */
export function warnCacheFailure(what, error) {
  const now = Date.now();
  if (now - (lastLogged.get(what) ?? 0) < LOG_INTERVAL_MS) return;
  lastLogged.set(what, now);
  const message = error instanceof Error ? error.message : String(error);
  console.warn(`[cache] ${what} failed: ${message}`);
}
