// Processes under test: the engine on a core of its own, the load generator
// on the other, so the generator is never the engine's competition. Starting,
// waiting for and stopping them is scripts/lib/processes.mjs's.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { startProcess, waitForReady } from '../../scripts/lib/processes.mjs';

/** How long a server may take to drain after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

/** Prefixes argv with `taskset -c CPUS` when taskset exists and the machine has those cores. */
export function pinned(cpus, argv) {
  const haveTaskset = existsSync('/usr/bin/taskset');
  return haveTaskset && os.cpus().length > 1 ? ['taskset', '-c', cpus, ...argv] : argv;
}

/**
 * Starts a server process, its output appended to `logFile`, and waits for its
 * port, or for `ready` (with `waitingFor` naming it) when given.
 * @param {{ argv: string[], env?: NodeJS.ProcessEnv, port: number, logFile: string, cwd?: string, ready?: () => Promise<boolean>, waitingFor?: string }} options
 * @returns {Promise<import('../../scripts/lib/processes.mjs').ServerProcess>}
 */
export async function startServer({ argv, env, port, logFile, cwd, ready, waitingFor }) {
  const server = startProcess(argv, { env, cwd, output: { appendTo: logFile }, stopTimeoutMs: STOP_TIMEOUT_MS });
  await waitForReady(server, ready ? { port, check: ready, waitingFor } : { port });
  return server;
}

/** Peak resident memory of a process so far, in MiB (Linux). */
export function peakRssMiB(pid) {
  return statusMiB(pid, 'VmHWM');
}

/** Resident memory of a process now, in MiB (Linux). */
export function currentRssMiB(pid) {
  return statusMiB(pid, 'VmRSS');
}

function statusMiB(pid, field) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(status)[1]) / 1024;
  } catch {
    return null;
  }
}
