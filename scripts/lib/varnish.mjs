// The HTTP edge (Varnish with xkey, deploy/varnish/quire.vcl) for tests and benchmarks: Debian's
// varnishd, installed when we can (root with apt) like Chromium, and started in front of web
// servers of the caller's choosing with a site include written for them.
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './ports.mjs';
import { ROOT, run, startProcess, waitForReady } from './processes.mjs';

export const VARNISHD = '/usr/sbin/varnishd';

/** The production VCL; it includes quire-site.vcl from the vcl_path. */
const VCL_DIR = path.join(ROOT, 'deploy', 'varnish');
const MAIN_VCL = path.join(VCL_DIR, 'quire.vcl');

/** Where Debian (multiarch) and Varnish's own packages put vmods. */
const VMOD_DIRS = ['/usr/lib/x86_64-linux-gnu/varnish/vmods', '/usr/lib/aarch64-linux-gnu/varnish/vmods', '/usr/lib/varnish/vmods', '/usr/local/lib/varnish/vmods'];
const XKEY_VMOD = 'libvmod_xkey.so';

/**
 * The rule deploy/varnish/entrypoint.sh applies too: characters that need no quoting in a VCL
 * string, and the minimum length the web requires (web/lib/env.ts).
 */
const PURGE_SECRET_PATTERN = /^[A-Za-z0-9._~+/=-]{16,}$/;

/** Probe timing for local edges: a stopped web counts as sick within about 3 s. */
const PROBE = { interval: '1s', timeout: '1s', window: 3, threshold: 2 };

/** How long varnishd may take to compile the VCL and listen. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** @typedef {{ host: string, port: number }} Backend */
/**
 * @typedef {object} Edge
 * @property {import('./processes.mjs').ServerProcess} process
 * @property {string} url `http://127.0.0.1:<port>`
 * @property {number} port
 * @property {() => Promise<void>} stop
 */

/** The xkey vmod's path, or null. */
export function xkeyVmod() {
  for (const dir of VMOD_DIRS) {
    const candidate = path.join(dir, XKEY_VMOD);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

export function varnishInstalled() {
  return fs.existsSync(VARNISHD) && xkeyVmod() !== null;
}

/**
 * Makes sure varnishd and the xkey vmod are installed: installs Debian's `varnish` and
 * `varnish-modules` when we can (root with apt), else says how.
 *
 * @param {(message: string) => void} [log]
 * @returns {Promise<string>} the path of varnishd
 */
export async function ensureVarnish(log = console.log) {
  if (varnishInstalled()) return VARNISHD;
  const canInstall = process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(
      `The edge tests need Varnish 7 at ${VARNISHD} with the xkey vmod (${XKEY_VMOD}). ` +
        'Install them (Debian/Ubuntu: sudo apt-get install varnish varnish-modules).',
    );
  }
  log('Installing Varnish for the edge tests (apt-get install varnish varnish-modules)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env, quiet: true });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'varnish', 'varnish-modules'], { env, quiet: true });
  if (!varnishInstalled()) {
    throw new Error(`varnish and varnish-modules were installed, but ${VARNISHD} or ${XKEY_VMOD} (in ${VMOD_DIRS.join(', ')}) is missing.`);
  }
  return VARNISHD;
}

/**
 * The site include for `backends`: each with a health probe on /healthz, a round-robin director
 * over them when there are several, and the purge secret.
 *
 * @param {Backend[]} backends
 * @param {string} purgeSecret
 */
function siteVcl(backends, purgeSecret) {
  const probe = [
    'probe web_health {',
    '    .url = "/healthz";',
    `    .interval = ${PROBE.interval};`,
    `    .timeout = ${PROBE.timeout};`,
    `    .window = ${PROBE.window};`,
    `    .threshold = ${PROBE.threshold};`,
    // Healthy from the start: the web is up before the edge starts, and a
    // sick start would answer 503 until the probes agree.
    `    .initial = ${PROBE.threshold};`,
    '}',
  ];
  const backendBlocks = backends.flatMap(({ host, port }, i) => [
    `backend web_${i + 1} {`,
    `    .host = "${host}";`,
    `    .port = "${port}";`,
    '    .probe = web_health;',
    '}',
  ]);
  const hint =
    backends.length === 1
      ? ['sub quire_backend {', '    set req.backend_hint = web_1;', '}']
      : [
          'sub vcl_init {',
          '    new webs = directors.round_robin();',
          ...backends.map((_, i) => `    webs.add_backend(web_${i + 1});`),
          '}',
          'sub quire_backend {',
          '    set req.backend_hint = webs.backend();',
          '}',
        ];
  return [
    '# Written by scripts/lib/varnish.mjs for one local edge; see deploy/varnish/quire.vcl.',
    ...(backends.length > 1 ? ['import directors;'] : []),
    ...probe,
    ...backendBlocks,
    ...hint,
    'sub quire_purge_allowed {',
    `    if (req.http.X-Quire-Purge-Secret == "${purgeSecret}") {`,
    '        set req.http.X-Quire-Purge-Allowed = "yes";',
    '    }',
    '}',
    '',
  ].join('\n');
}

/**
 * Starts varnishd with deploy/varnish/quire.vcl on 127.0.0.1:`port`, in front of `backends`.
 * `workDir` gets the site include, varnishd's state (`state/`) and its log (`varnish.log`).
 *
 * @param {{ port: number, backends: Backend[], purgeSecret: string, workDir: string, cacheSize?: string, name?: string, argvPrefix?: string[] }} options
 *   argvPrefix: what runs varnishd (`taskset -c 0`, say; its worker process inherits it)
 * @returns {Promise<Edge>}
 */
export async function startVarnish({ port, backends, purgeSecret, workDir, cacheSize = '64m', name = 'varnish', argvPrefix = [] }) {
  if (backends.length === 0) throw new Error('startVarnish needs at least one backend');
  for (const { host } of backends) {
    if (!/^[\w.:-]+$/.test(host)) throw new Error(`not a backend host name: ${JSON.stringify(host)}`);
  }
  if (!PURGE_SECRET_PATTERN.test(purgeSecret)) {
    throw new Error('The purge secret must be at least 16 characters of letters, digits and . _ ~ + / = -');
  }
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(path.join(workDir, 'quire-site.vcl'), siteVcl(backends, purgeSecret), { mode: 0o600 });
  const adminPort = await freePort();
  const log = path.join(workDir, 'varnish.log');
  const argv = [
    ...argvPrefix,
    VARNISHD,
    '-F',
    '-n', path.join(workDir, 'state'),
    '-a', `127.0.0.1:${port}`,
    '-f', MAIN_VCL,
    '-p', `vcl_path=${workDir}:${VCL_DIR}`,
    '-T', `127.0.0.1:${adminPort}`,
    '-s', `malloc,${cacheSize}`,
    // As root varnishd would drop to the `varnish` user, which cannot read a private work
    // directory; a local test edge has nothing to protect from itself.
    ...(process.getuid?.() === 0 ? ['-j', 'none'] : []),
  ];
  const server = startProcess(argv, { name, output: { appendTo: log }, stopTimeoutMs: STOP_TIMEOUT_MS });
  // Stops it when it exits or does not answer in time, so a failed start leaves nothing behind.
  await waitForReady(server, { port, timeoutMs: START_TIMEOUT_MS });
  return { process: server, url: `http://127.0.0.1:${port}`, port, stop: () => server.stop() };
}
