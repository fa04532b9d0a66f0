// nginx serving files from a directory: the benchmarks' baseline for what a static file server
// answers on this machine (Debian's nginx-light, installed when missing, as Chromium is for tests).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { run, startProcess, waitForReady } from '../../scripts/lib/processes.mjs';

export const NGINX = '/usr/sbin/nginx';

export async function ensureNginx(log = console.log) {
  if (existsSync(NGINX)) return NGINX;
  if (!(process.getuid?.() === 0 && existsSync('/usr/bin/apt-get'))) {
    throw new Error(`The static-file baseline needs nginx at ${NGINX} (Debian/Ubuntu: sudo apt-get install nginx-light).`);
  }
  log('Installing nginx for the static-file baseline (apt-get install nginx-light)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env, quiet: true });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'nginx-light'], { env, quiet: true });
  return NGINX;
}

/**
 * Serves `files` (name → content, each at `/<name>` as text/html) from one nginx worker on
 * 127.0.0.1:`port`, everything under `workDir`. Each is also stored gzipped beside it and sent
 * so to clients that accept it (`gzip_static`), as a static site is deployed.
 *
 * @param {{ port: number, files: Record<string, string>, workDir: string, argvPrefix?: string[] }} options
 */
export async function startStaticServer({ port, files, workDir, argvPrefix = [] }) {
  const root = path.join(workDir, 'root');
  mkdirSync(root, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(root, `${name}.html`), content);
    writeFileSync(path.join(root, `${name}.html.gz`), gzipSync(content, { level: 9 }));
  }
  const config = path.join(workDir, 'nginx.conf');
  writeFileSync(
    config,
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${path.join(workDir, 'nginx.pid')};`,
      `error_log ${path.join(workDir, 'error.log')} warn;`,
      'worker_rlimit_nofile 16384;',
      'events { worker_connections 8192; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${workDir}/body; proxy_temp_path ${workDir}/proxy; fastcgi_temp_path ${workDir}/fastcgi;`,
      `  uwsgi_temp_path ${workDir}/uwsgi; scgi_temp_path ${workDir}/scgi;`,
      '  keepalive_requests 100000;',
      `  server { listen 127.0.0.1:${port}; root ${root}; default_type text/html; location / { gzip_static on; try_files $uri.html =404; } }`,
      '}',
      '',
    ].join('\n'),
  );
  const server = startProcess([...argvPrefix, NGINX, '-c', config, '-p', workDir], { name: 'nginx', output: { appendTo: path.join(workDir, 'nginx.log') } });
  await waitForReady(server, { port });
  return { ...server, url: `http://127.0.0.1:${port}`, port };
}
