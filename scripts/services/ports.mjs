// Ports of the servers under .quire/: which to try, and the port each checkout remembers, so that
// two checkouts on one machine each find their own server again.
import fs from 'node:fs';
import path from 'node:path';
import { portIsFree } from '../lib/ports.mjs';
import { CONNECT_TIMEOUT_MS, LOCAL_HOST } from './settings.mjs';

/** How many ports after the default are tried when the default is taken. */
const PORT_SEARCH_SPAN = 50;

/**
 * The ports to try, in order: the explicit one alone; else the one this checkout used last, the
 * default, and the PORT_SEARCH_SPAN ports after it.
 *
 * @param {number | undefined} explicitPort
 * @param {number | null} rememberedPort
 * @param {number} defaultPort
 * @returns {number[]}
 */
export function portCandidates(explicitPort, rememberedPort, defaultPort) {
  if (explicitPort !== undefined) return [explicitPort];
  const span = Array.from({ length: PORT_SEARCH_SPAN + 1 }, (_, i) => defaultPort + i);
  return [...new Set([...(rememberedPort === null ? [] : [rememberedPort]), ...span])].filter((port) => port <= 65535);
}

/**
 * Free on LOCAL_HOST: nothing answers on it and it can be bound.
 *
 * @param {number} port
 */
export function localPortIsFree(port) {
  return portIsFree(port, { host: LOCAL_HOST, timeoutMs: CONNECT_TIMEOUT_MS });
}

/**
 * @param {string} file
 * @returns {number | null}
 */
export function readPortFile(file) {
  try {
    const port = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
  } catch {
    return null;
  }
}

/**
 * @param {string} file
 * @param {number} port
 */
export function writePortFile(file, port) {
  if (readPortFile(file) === port) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${port}\n`);
}

/**
 * @param {string} name
 * @param {number} defaultPort
 * @param {string} portVariable
 * @param {string} urlVariable
 */
export function noFreePortMessage(name, defaultPort, portVariable, urlVariable) {
  return (
    `No free port for ${name} on ${LOCAL_HOST} among ${defaultPort}-${defaultPort + PORT_SEARCH_SPAN}. ` +
    `Set ${portVariable} to a free port, or set ${urlVariable}.`
  );
}
