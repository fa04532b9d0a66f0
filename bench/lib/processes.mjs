// Processes under test: the engine on a core of its own, the load generator
// on the other, so the generator is never the engine's competition.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import { waitForPort } from '../../scripts/lib/ports.mjs';

export { freePort } from '../../scripts/lib/ports.mjs';

const exec = promisify(execFile);
/** How long a server may take to drain after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** Servers started and not yet stopped, so a failed run leaves none behind. */
const running = new Set();

/** Prefixes argv with `taskset -c CPUS` when taskset exists and the machine has those cores. */
export function pinned(cpus, argv) {
  const haveTaskset = existsSync('/usr/bin/taskset');
  return haveTaskset && os.cpus().length > 1 ? ['taskset', '-c', cpus, ...argv] : argv;
}



/**
 * Starts a server process and waits for its port.
 * @returns {Promise<{ pid: number, stop: () => Promise<void> }>}
 */
export async function startServer({ argv, env, port, logFile, cwd }) {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    running.delete(stop);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
  };
  running.add(stop);
  await Promise.race([
    waitForPort(port),
    exited.then((code) => {
      throw new Error(`${argv.join(' ')} exited with ${code}; see ${logFile}`);
    }),
  ]).catch(async (error) => {
    await stop();
    throw error;
  });
  return { pid: child.pid, stop };
}

/** Stops every server still running (after a benchmark failed half-way). */
export async function stopAllServers() {
  await Promise.all([...running].map((stop) => stop()));
}

/** Peak resident memory of a process so far, in MiB (Linux). */
export async function peakRssMiB(pid) {
  try {
    const { stdout } = await exec('grep', ['VmHWM', `/proc/${pid}/status`]);
    return Number(stdout.match(/(\d+)/)[1]) / 1024;
  } catch {
    return null;
  }
}

/** Runs a command and returns its stdout. */
export async function output(argv, env = process.env) {
  const { stdout } = await exec(argv[0], argv.slice(1), { env, maxBuffer: 16 << 20 });
  return stdout;
}
