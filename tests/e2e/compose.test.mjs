// docker-compose.yml and the Dockerfiles, checked without a Docker engine:
// Compose validates and resolves the file for each profile, and the images
// are held to the build commands of `npm run build` and to the files they copy.
//
// Compose v2 (`docker compose`) is used when the Docker CLI has the plugin,
// else Compose v1 (`docker-compose`), which Debian packages; as root with
// apt-get it is installed when neither exists (as scripts/lib/chromium.mjs
// does for Chromium).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { ROOT, run } from '../../scripts/lib/processes.mjs';

const read = (file) => readFileSync(path.join(ROOT, file), 'utf8');

/** The profiles and the env file each is run with (see docker-compose.yml). */
const PROFILES = {
  default: { args: [], services: ['postgres', 'redis', 'migrate', 'init', 'engine', 'web', 'varnish'] },
  scale: {
    args: ['--env-file', 'deploy/scale.env', '--profile', 'scale'],
    services: ['engine', 'engine-2', 'web', 'web-2', 'lb', 'varnish'],
  },
  observability: {
    args: ['--env-file', 'deploy/observability.env', '--profile', 'observability'],
    services: ['engine', 'web', 'otel-collector', 'jaeger'],
  },
};

/** Compose sees only this environment, so that the caller's QUIRE_* variables cannot change the result. */
const composeEnv = { PATH: process.env.PATH, HOME: process.env.HOME ?? '/tmp' };

/** @type {string[]} the Compose command: ['docker', 'compose'] or ['docker-compose'] */
let compose;

async function works(command, args) {
  try {
    await run(command, args, { quiet: true, env: composeEnv });
    return true;
  } catch {
    return false;
  }
}

async function findCompose() {
  if (await works('docker', ['compose', 'version'])) return ['docker', 'compose'];
  if (await works('docker-compose', ['version'])) return ['docker-compose'];
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(
      'Checking docker-compose.yml needs Docker Compose: the Docker CLI with the compose plugin, or ' +
        'docker-compose (Debian/Ubuntu: sudo apt-get install docker-compose).',
    );
  }
  console.log('Installing docker-compose to check docker-compose.yml (apt-get install docker-compose)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env, quiet: true });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'docker-compose'], { env, quiet: true });
  return ['docker-compose'];
}

/** Runs Compose on docker-compose.yml with `args`; resolves to its standard output. */
async function composeOutput(args) {
  const [command, ...prefix] = compose;
  try {
    const { output } = await run(command, [...prefix, ...args], { capture: true, env: composeEnv });
    return output;
  } catch (error) {
    throw new Error(`${compose.join(' ')} ${args.join(' ')} failed: ${error.message}\n${error.output ?? ''}`);
  }
}

before(async () => {
  compose = await findCompose();
});

for (const [profile, { args, services }] of Object.entries(PROFILES)) {
  test(`compose: the ${profile} profile validates and has its services`, async () => {
    const resolved = await composeOutput([...args, 'config']);
    const listed = (await composeOutput([...args, 'config', '--services'])).split('\n').filter(Boolean);
    for (const service of services) {
      assert.ok(listed.includes(service), `${profile}: service ${service} missing from ${listed.join(', ')}`);
    }
    if (profile === 'scale') {
      assert.match(resolved, /QUIRE_ENGINE_URL: http:\/\/lb:50051/, 'scale: webs call the engines through nginx');
      assert.deepEqual(environmentValues(resolved, 'QUIRE_EDGE_SITE'), ['scale'], 'scale: the edge in front of both webs');
    } else {
      assert.match(resolved, /QUIRE_ENGINE_URL: http:\/\/engine:50051/);
      assert.deepEqual(environmentValues(resolved, 'QUIRE_EDGE_SITE'), ['compose']);
    }
    // Readers come through one proxy (the edge), and the webs purge it.
    assert.ok(environmentValues(resolved, 'QUIRE_TRUSTED_PROXY_HOPS').every((hops) => hops === '1'), `${profile}: webs trust one hop`);
    assert.ok(environmentValues(resolved, 'QUIRE_EDGE_PURGE_URLS').every((url) => url === 'http://varnish'), `${profile}: webs purge the edge`);
    if (profile === 'observability') {
      assert.match(resolved, /OTEL_EXPORTER_OTLP_ENDPOINT: http:\/\/otel-collector:4317/, 'engines: OTLP over gRPC');
      assert.match(resolved, /OTEL_EXPORTER_OTLP_ENDPOINT: http:\/\/otel-collector:4318/, 'webs: OTLP over HTTP');
    }
  });
}

/** The value of `key` in a resolved `environment:` map, each occurrence. */
function environmentValues(resolved, key) {
  return [...resolved.matchAll(new RegExp(`^\\s+${key}: '?([^'\\n]*)'?$`, 'gm'))].map(([, value]) => value);
}

for (const [profile, { args }] of Object.entries(PROFILES)) {
  test(`compose: in the ${profile} profile the engines connect as an ordinary role, not as the superuser`, async () => {
    const resolved = await composeOutput([...args, 'config']);
    const [superuser] = environmentValues(resolved, 'POSTGRES_USER');
    assert.ok(superuser, 'postgres: POSTGRES_USER is set');
    const urls = environmentValues(resolved, 'DATABASE_URL');
    // engine (and engine-2), migrate, init
    assert.ok(urls.length >= 3, `DATABASE_URL of every engine service: ${urls.join(', ')}`);
    for (const url of urls) {
      const { username, pathname } = new URL(url);
      assert.notEqual(username, superuser, `DATABASE_URL ${url} connects as the superuser ${superuser}`);
      assert.equal(username, 'quire');
      assert.equal(pathname, '/quire');
    }
  });
}

test('compose: the init script makes the engine\'s role ordinary and the owner of its database', () => {
  const script = read('deploy/postgres/initdb/10-quire-role.sh');
  const role = script.match(/^CREATE ROLE quire (.*);$/m)?.[1] ?? '';
  for (const attribute of ['LOGIN', 'NOSUPERUSER', 'NOCREATEDB', 'NOCREATEROLE', 'NOREPLICATION', 'NOBYPASSRLS']) {
    assert.match(role, new RegExp(`\\b${attribute}\\b`), `CREATE ROLE quire … ${attribute}`);
  }
  assert.match(script, /^CREATE DATABASE quire OWNER quire;$/m);
  const file = read('docker-compose.yml');
  assert.match(file, /- \.\/deploy\/postgres\/initdb:\/docker-entrypoint-initdb\.d:ro$/m, 'the postgres image runs it');
  assert.match(file, /QUIRE_DB_PASSWORD: \$\{POSTGRES_PASSWORD:-quire\}/, 'the role gets the password of DATABASE_URL');
});

test('compose: engines wait for a successful migration, webs for the init secrets, and have health checks', () => {
  const file = read('docker-compose.yml');
  assert.match(file, /migrate:\s*\n\s*condition: service_completed_successfully/);
  assert.match(file, /init:\s*\n\s*condition: service_completed_successfully/);
  assert.match(file, /test: \["CMD", "grpc-health-check"\]/);
  assert.match(file, /robots\.txt/);
  // Each image is built by one service only: replicas must run one build.
  assert.equal(file.match(/dockerfile: engine\/Dockerfile/g)?.length, 1);
  assert.equal(file.match(/dockerfile: web\/Dockerfile/g)?.length, 1);
});

/** The commands `npm run build` runs (scripts/build.mjs), as shell words. */
function buildCommands() {
  const script = read('scripts/build.mjs');
  const commands = [...script.matchAll(/run\('(\w+)', \[([^\]]*)\]/g)].map(
    ([, command, list]) => [command, ...[...list.matchAll(/'([^']*)'/g)].map(([, word]) => word)].join(' '),
  );
  assert.ok(commands.length >= 2, `expected the cargo and npm builds in scripts/build.mjs, found ${commands.join('; ')}`);
  return commands;
}

test('images: the Dockerfiles and README build with the commands of `npm run build`', () => {
  const dockerfiles = { cargo: read('engine/Dockerfile'), npm: read('web/Dockerfile') };
  const readme = read('README.md');
  for (const command of buildCommands()) {
    const dockerfile = dockerfiles[command.split(' ')[0]];
    assert.ok(dockerfile, `no Dockerfile for ${command}`);
    assert.ok(dockerfile.includes(command), `the Dockerfile does not run \`${command}\``);
    assert.ok(readme.includes(command), `README.md does not mention \`${command}\``);
  }
  assert.match(dockerfiles.npm, /\bnpm ci\b/, 'web/Dockerfile installs with npm ci, as scripts/lib/install.mjs does');
  assert.match(dockerfiles.npm, /node", "web\/server\.js"/, 'web/Dockerfile runs the standalone server');
});

test('images: every file the Dockerfiles copy exists and is not excluded by .dockerignore', () => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const dockerfile of ['engine/Dockerfile', 'web/Dockerfile']) {
    for (const [, sources] of read(dockerfile).matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)) {
      for (const source of sources.split(' ')) {
        assert.ok(existsSync(path.join(ROOT, source)), `${dockerfile} copies ${source}, which does not exist`);
        const top = source.split('/')[0];
        assert.ok(!ignored.includes(top) && !ignored.includes(source), `${dockerfile} copies ${source}, excluded by .dockerignore`);
      }
    }
  }
});

test('images: the engine image holds every member of the Cargo workspace', () => {
  const members = read('Cargo.toml').match(/members = \[([^\]]*)\]/)[1].match(/"[^"]+"/g).map((m) => m.slice(1, -1));
  const dockerfile = read('engine/Dockerfile');
  for (const member of members) {
    assert.match(dockerfile, new RegExp(`^COPY ${member} ${member}$`, 'm'), `engine/Dockerfile does not copy ${member}`);
  }
});

test('nginx: the upstreams of the scale profile are its services', async () => {
  const services = (await composeOutput([...PROFILES.scale.args, 'config', '--services'])).split('\n');
  const upstreams = [...read('deploy/nginx/nginx.conf').matchAll(/^\s*server ([\w-]+):\d+/gm)].map(([, host]) => host);
  assert.deepEqual(new Set(upstreams), new Set(['engine', 'engine-2', 'web', 'web-2']));
  for (const host of upstreams) assert.ok(services.includes(host), `nginx names ${host}, which is no service`);
});

test('scripts: the container scripts are valid POSIX shell', async () => {
  for (const script of ['deploy/engine/grpc-health-check', 'deploy/engine/init-secrets', 'deploy/web/entrypoint', 'deploy/postgres/initdb/10-quire-role.sh']) {
    await run('sh', ['-n', path.join(ROOT, script)], { quiet: true });
  }
});
