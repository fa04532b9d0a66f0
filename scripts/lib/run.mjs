// Running child processes from the project scripts, with the repo's npm
// binaries on PATH and failures as errors that name the command.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in scripts/lib/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** PATH with the workspace's node_modules/.bin first, as `npm run` would set it. */
export function pathWithNodeBins(env = process.env) {
  return [path.join(ROOT, 'node_modules', '.bin'), env.PATH ?? ''].join(path.delimiter);
}

/**
 * Runs a command to completion; rejects when it exits non-zero. The error
 * carries the captured output as `output`.
 *
 * Output modes: inherited (default); `quiet` captures both streams and shows
 * them only in the error; `capture` captures stdout; `tee` shows both streams
 * live and also captures them.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, quiet?: boolean, capture?: boolean, tee?: boolean }} [options]
 * @returns {Promise<{ output: string }>}
 */
export function run(command, args, options = {}) {
  const { cwd = ROOT, env = process.env, quiet = false, capture = false, tee = false } = options;
  const piped = quiet || capture || tee;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...env, PATH: pathWithNodeBins(env) },
      stdio: ['ignore', piped ? 'pipe' : 'inherit', quiet || tee ? 'pipe' : 'inherit'],
    });
    let output = '';
    const collect = (echo) => (chunk) => {
      output += chunk;
      if (tee) echo.write(chunk);
    };
    child.stdout?.on('data', collect(process.stdout));
    child.stderr?.on('data', collect(process.stderr));
    child.on('error', (error) => reject(Object.assign(new Error(`could not run ${command}: ${error.message}`), { output })));
    child.on('close', (code) => {
      if (code === 0) return resolve({ output });
      const detail = quiet ? `\n${output}`.trimEnd() : '';
      reject(Object.assign(new Error(`${command} ${args.join(' ')} exited with ${code}${detail}`), { output }));
    });
  });
}
