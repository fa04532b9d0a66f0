// Child processes for the project scripts, tests and benchmarks: commands run to completion,
// servers started and stopped, and what goes with them (waiting, pid and lock files, finding
// programs). The one place that spawns, so that every caller gets the same output handling,
// time limits and clean-up.
//
// Only Node built-ins: the services module uses these before `npm install` has finished.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tcpAnswers } from './ports.mjs';

/** The repository root (this file lives in scripts/lib/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** How long a server may take to answer after it was started, unless its caller knows better. */
const READY_TIMEOUT_MS = 30_000;
const LOG_TAIL_LINES = 20;

/** @typedef {'inherit' | 'pipe' | 'tee'} StreamMode inherit: shown only; pipe: captured only; tee: shown and captured */
/** @typedef {{ code: number | null, stdout: string, stderr: string, output: string, timedOut: boolean }} RunResult output: both captured streams, in the order they arrived */
/** @typedef {{ cwd?: string, env?: NodeJS.ProcessEnv, input?: string, timeoutMs?: number, stdout?: StreamMode, stderr?: StreamMode }} RunOptions */
/** @typedef {'inherit' | 'keep' | { appendTo: string }} ProcessOutput inherit: this process's stdout and stderr; keep: in memory (`output()`); appendTo: a log file */
/** @typedef {{ code: number | null, signal: NodeJS.Signals | null, error?: Error }} Exit */
/**
 * @typedef {object} ServerProcess
 * @property {string} name how errors name it
 * @property {number | undefined} pid
 * @property {Promise<Exit>} exited
 * @property {() => boolean} running
 * @property {() => string} output what it printed, with `output: 'keep'`
 * @property {() => string} whereToLook its kept output or its log file, appended to error messages
 * @property {(signal: NodeJS.Signals) => void} kill signals it (its process group, with `ownGroup`) while it runs
 * @property {() => Promise<void>} stop SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves once it has exited
 */

// ---------------------------------------------------------------------------------------------
// Commands run to completion

/** PATH with the workspace's node_modules/.bin first, as `npm run` would set it. */
export function pathWithNodeBins(env = process.env) {
  return [path.join(ROOT, 'node_modules', '.bin'), env.PATH ?? ''].join(path.delimiter);
}

/**
 * Runs a program to completion. Never rejects for a non-zero exit, only when it cannot be started.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {RunOptions} [options] timeoutMs: killed (SIGKILL) after this long, and `code` is null
 * @returns {Promise<RunResult>}
 */
export function runProgram(command, args, { cwd, env, input, timeoutMs, stdout = 'pipe', stderr = 'pipe' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', stdout === 'inherit' ? 'inherit' : 'pipe', stderr === 'inherit' ? 'inherit' : 'pipe'],
    });
    const captured = { stdout: '', stderr: '', output: '' };
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, timeoutMs);
    const collect = (/** @type {'stdout' | 'stderr'} */ stream, /** @type {StreamMode} */ mode) => (/** @type {string} */ chunk) => {
      captured[stream] += chunk;
      captured.output += chunk;
      if (mode === 'tee') process[stream].write(chunk);
    };
    child.stdout?.setEncoding('utf8').on('data', collect('stdout', stdout));
    child.stderr?.setEncoding('utf8').on('data', collect('stderr', stderr));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`Could not run ${command}: ${error.message}`, { cause: error }), { output: captured.output }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? null : code, ...captured, timedOut });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * Runs a project command to completion (in the repository, with its npm binaries on PATH);
 * rejects when it exits non-zero. The error carries the captured output as `output`.
 *
 * Output modes: inherited (default); `quiet` captures both streams and shows them only in the
 * error; `capture` captures stdout; `tee` shows both streams live and also captures them.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, quiet?: boolean, capture?: boolean, tee?: boolean }} [options]
 * @returns {Promise<{ output: string }>}
 */
export async function run(command, args, { cwd = ROOT, env = process.env, quiet = false, capture = false, tee = false } = {}) {
  const result = await runProgram(command, args, {
    cwd,
    env: { ...env, PATH: pathWithNodeBins(env) },
    stdout: tee ? 'tee' : quiet || capture ? 'pipe' : 'inherit',
    stderr: tee ? 'tee' : quiet ? 'pipe' : 'inherit',
  });
  if (result.code === 0) return { output: result.output };
  const detail = quiet ? `\n${result.output}`.trimEnd() : '';
  throw Object.assign(new Error(`${command} ${args.join(' ')} exited with ${result.code}${detail}`), { output: result.output });
}

/**
 * Runs `argv` to completion and answers its standard output; its standard error is shown only
 * when it fails.
 *
 * @param {string[]} argv
 * @param {{ env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<string>}
 */
export async function commandOutput(argv, { env } = {}) {
  const result = await runProgram(argv[0], argv.slice(1), { env });
  if (result.code !== 0) throw new Error(`${argv.join(' ')} exited with ${result.code}\n${result.stderr}`.trimEnd());
  return result.stdout;
}

/**
 * What a failed run said, for error messages.
 *
 * @param {RunResult} result
 */
export function failureText(result) {
  if (result.timedOut) return 'timed out';
  const text = `${result.stderr}\n${result.stdout}`.trim();
  return text || `exit code ${result.code}`;
}

/**
 * The major version `program --version` reports, or null.
 *
 * @param {string} program
 * @param {RegExp} pattern captures the major version from `program --version`
 */
export async function programMajorVersion(program, pattern) {
  const result = await runProgram(program, ['--version'], { timeoutMs: 10_000 });
  const match = pattern.exec(result.stdout);
  return match ? Number(match[1]) : null;
}

/** @param {string} value */
export function shellQuote(value) {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------
// Servers

/** Started and not yet stopped, so that a run that fails half-way leaves none behind. */
const unstopped = new Set();

/**
 * Starts a long-running program.
 *
 * With `ownGroup` it and its children get a process group of their own, which the signals go to:
 * a terminal's Ctrl-C then reaches only this process, which stops them in order. `stopTimeoutMs`
 * null gives it the time it takes to drain.
 *
 * @param {string[]} argv
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, output?: ProcessOutput, echo?: boolean, ownGroup?: boolean, stopTimeoutMs?: number | null, name?: string }} [options]
 *   echo: with `output: 'keep'`, also written to this process's stderr as it arrives
 * @returns {ServerProcess}
 */
export function startProcess(argv, { cwd, env, output = 'inherit', echo = false, ownGroup = false, stopTimeoutMs = null, name = argv.join(' ') } = {}) {
  const piped = output !== 'inherit';
  const child = spawn(argv[0], argv.slice(1), { cwd, env, detached: ownGroup, stdio: piped ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  let kept = '';
  if (output === 'keep') {
    const collect = (/** @type {string} */ chunk) => {
      kept += chunk;
      if (echo) process.stderr.write(chunk);
    };
    child.stdout?.setEncoding('utf8').on('data', collect);
    child.stderr?.setEncoding('utf8').on('data', collect);
  } else if (piped) {
    const log = fs.createWriteStream(output.appendTo, { flags: 'a' });
    // Both streams share the file, so neither may end it for the other.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
  }

  /** @type {Exit | null} */
  let exit = null;
  /** @type {Promise<Exit>} */
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve((exit = { code, signal })));
    // A program that could not be started never emits 'exit'.
    child.on('error', (error) => {
      if (child.pid === undefined) resolve((exit = { code: null, signal: null, error }));
    });
  });
  const running = () => exit === null;

  /** @param {NodeJS.Signals} signal */
  const kill = (signal) => {
    if (!running() || child.pid === undefined) return;
    try {
      if (ownGroup) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ESRCH') throw error;
    }
  };

  /** @type {ServerProcess} */
  const server = {
    name,
    pid: child.pid,
    exited,
    running,
    output: () => kept,
    whereToLook: () => (output === 'keep' ? `:\n${kept}` : piped ? `; see ${output.appendTo}` : ''),
    kill,
    stop: async () => {
      unstopped.delete(server);
      if (!running()) return;
      kill('SIGTERM');
      const timer = stopTimeoutMs === null ? undefined : setTimeout(() => kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
  unstopped.add(server);
  void exited.then(() => unstopped.delete(server));
  return server;
}

/**
 * Waits until `server` answers: something accepts connections on `port`, or `check` says so.
 * Fails as soon as the server exits; on any failure the server is stopped, so a failed start
 * leaves nothing running.
 *
 * @param {ServerProcess} server
 * @param {{ port?: number, host?: string, check?: () => Promise<boolean>, waitingFor?: string, timeoutMs?: number, intervalMs?: number }} readiness
 *   waitingFor: what `check` waits for, for the error ("on http://127.0.0.1:3000")
 */
export async function waitForReady(
  server,
  { port, host = '127.0.0.1', check = () => tcpAnswers(host, Number(port)), waitingFor = `on ${host}:${port}`, timeoutMs = READY_TIMEOUT_MS, intervalMs = 100 },
) {
  const gone = server.exited.then(() => false);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (!server.running()) {
        const { code, signal, error } = await server.exited;
        throw new Error(error ? `${server.name} could not be started: ${error.message}` : `${server.name} exited with ${code ?? signal}${server.whereToLook()}`);
      }
      if ((await Promise.race([check(), gone])) && server.running()) return;
      if (Date.now() > deadline) {
        throw new Error(`${server.name} did not answer ${waitingFor} within ${timeoutMs / 1000}s${server.whereToLook()}`);
      }
      await sleep(intervalMs);
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Stops every server still running (after a benchmark failed half-way, say). */
export async function stopAllProcesses() {
  await Promise.all([...unstopped].map((server) => server.stop()));
}

/**
 * Polls `check` until it returns true or the time is up.
 *
 * @param {number} timeoutMs
 * @param {() => Promise<boolean>} check
 * @param {{ intervalMs?: number }} [options]
 */
export async function waitUntil(timeoutMs, check, { intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** Resolves once something accepts connections on `host:port`; rejects after `timeoutMs`. */
export async function waitForPort(port, { host = '127.0.0.1', timeoutMs = READY_TIMEOUT_MS } = {}) {
  if (!(await waitUntil(timeoutMs, () => tcpAnswers(host, Number(port)), { intervalMs: 100 }))) {
    throw new Error(`nothing answered on ${host}:${port} within ${timeoutMs / 1000}s`);
  }
}

/**
 * The last lines of a log file, for error messages.
 *
 * @param {string} file
 */
export function logTail(file) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.trimEnd().split('\n').slice(-LOG_TAIL_LINES);
    return `Last lines of ${file}:\n${lines.join('\n')}`;
  } catch {
    return `(no log at ${file})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Pid and lock files

/** @param {number} pid */
export function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/** @param {string} file */
export function readPidFile(file) {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/**
 * Runs `body` holding `lockFile`: a file created exclusively, holding this process's pid, so one
 * process at a time runs it. A lock whose holder is gone is taken over.
 *
 * @template T
 * @param {string} lockFile
 * @param {{ timeoutMs: number, onWait?: (holder: number | null) => void }} options onWait: called once, when another process holds the lock
 * @param {() => Promise<T>} body
 * @returns {Promise<T>}
 */
export async function withLock(lockFile, { timeoutMs, onWait = () => {} }, body) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
    }
    const holder = readPidFile(lockFile);
    if (holder !== null && !processAlive(holder)) {
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Another process (pid ${holder ?? 'unknown'}) holds ${lockFile}. Remove the file if that process is gone.`);
    }
    if (!announced) {
      onWait(holder);
      announced = true;
    }
    await sleep(250);
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Programs on this machine

/**
 * @param {string} name
 * @param {string[]} [extraDirs] searched after PATH
 * @returns {string | null}
 */
export function findProgram(name, extraDirs = []) {
  for (const dir of new Set([...pathDirs(), ...extraDirs])) {
    const found = executableIn(dir, name);
    if (found) return found;
  }
  return null;
}

/**
 * @param {string} dir
 * @param {string} name
 * @returns {string | null}
 */
export function executableIn(dir, name) {
  const candidate = path.join(dir, name);
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return fs.statSync(candidate).isFile() ? candidate : null;
  } catch {
    return null;
  }
}

export function pathDirs() {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
}
