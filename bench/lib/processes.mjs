// Processes under test: the engine on a core of its own, the load generator
// on the other, so the generator is never the engine's competition.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Prefixes argv with `taskset -c CPUS` when taskset exists and the machine has those cores. */
export function pinned(cpus, argv) {
  const haveTaskset = existsSync('/usr/bin/taskset');
  return haveTaskset && os.cpus().length > 1 ? ['taskset', '-c', cpus, ...argv] : argv;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForPort(port, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on ${port}`);
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
  await Promise.race([
    waitForPort(port),
    exited.then((code) => {
      throw new Error(`${argv.join(' ')} exited with ${code}; see ${logFile}`);
    }),
  ]);
  return {
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
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
