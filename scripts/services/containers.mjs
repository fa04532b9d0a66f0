// The fallback when PostgreSQL or Redis is not installed but a Docker engine answers: containers
// through testcontainers, removed when the process that started them exits.
//
// testcontainers is an optional dependency, imported only here and only on this path.
import { findProgram, runProgram } from '../lib/processes.mjs';
import { PG_ADMIN_DATABASE, PG_ADMIN_ROLE, PG_APP_ROLE, PG_APP_ROLE_ATTRIBUTES, PG_DATABASE } from './postgres-roles.mjs';
import { errorMessage, readSettings } from './settings.mjs';

/** @typedef {import('./settings.mjs').Log} Log */

const PG_IMAGE = 'postgres:17-alpine';
/** A throwaway container on loopback: fixed passwords are enough. */
const PG_CONTAINER_PASSWORD = 'quire';
const REDIS_IMAGE = 'redis:7-alpine';
const DOCKER_INFO_TIMEOUT_MS = 5_000;

/** @param {Log} log */
export async function dockerAnswers(log) {
  if (readSettings(process.env).dockerHost) return true;
  const docker = findProgram('docker');
  if (!docker) return false;
  const info = await runProgram(docker, ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: DOCKER_INFO_TIMEOUT_MS });
  if (info.code === 0) log(`Docker engine ${info.stdout.trim()} answers`);
  return info.code === 0;
}

/**
 * A container with the roles of Quire's own cluster (postgres-roles.mjs): the superuser, and the
 * ordinary role that owns the engine's database.
 *
 * @param {Log} log
 * @returns {Promise<{ url: string, adminUrl: string, stop: () => Promise<void> }>}
 */
export async function startPostgresContainer(log) {
  const { PostgreSqlContainer } = await importOptional('@testcontainers/postgresql');
  log(`PostgreSQL: starting a ${PG_IMAGE} container`);
  const container = await startContainer(
    PG_IMAGE,
    new PostgreSqlContainer(PG_IMAGE)
      .withDatabase(PG_ADMIN_DATABASE)
      .withUsername(PG_ADMIN_ROLE)
      .withPassword(PG_CONTAINER_PASSWORD),
  );
  const stop = async () => void (await container.stop());
  // Inside the container psql reaches the server over its socket, as the image's superuser.
  const created = await container.exec([
    ...['psql', '-v', 'ON_ERROR_STOP=1', '-U', PG_ADMIN_ROLE, '-d', PG_ADMIN_DATABASE],
    ...['-c', `CREATE ROLE ${PG_APP_ROLE} ${PG_APP_ROLE_ATTRIBUTES} PASSWORD '${PG_CONTAINER_PASSWORD}'`],
    ...['-c', `CREATE DATABASE ${PG_DATABASE} OWNER ${PG_APP_ROLE}`],
  ]);
  if (created.exitCode !== 0) {
    await stop().catch(() => {});
    throw new Error(`Could not create the role and database of the engine in the ${PG_IMAGE} container: ${created.output}`);
  }
  const adminUrl = container.getConnectionUri();
  const url = Object.assign(new URL(adminUrl), { username: PG_APP_ROLE, pathname: `/${PG_DATABASE}` });
  return { url: url.toString(), adminUrl, stop };
}

/**
 * @param {Log} log
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function startRedisContainer(log) {
  const { RedisContainer } = await importOptional('@testcontainers/redis');
  log(`Redis: starting a ${REDIS_IMAGE} container`);
  const container = await startContainer(REDIS_IMAGE, new RedisContainer(REDIS_IMAGE));
  return { url: container.getConnectionUrl(), stop: async () => void (await container.stop()) };
}

/**
 * @template {{ start: () => Promise<any> }} C
 * @param {string} image
 * @param {C} container
 * @returns {Promise<Awaited<ReturnType<C['start']>>>}
 */
async function startContainer(image, container) {
  try {
    return await container.start();
  } catch (error) {
    throw new Error(`Could not start a ${image} container: ${errorMessage(error)}`, { cause: error });
  }
}

/** @param {string} specifier */
async function importOptional(specifier) {
  try {
    return await import(specifier);
  } catch (error) {
    throw new Error(
      `A Docker engine answers, but ${specifier} could not be loaded (${errorMessage(error)}). ` +
        'Run `npm install` (it is an optional dependency), or install PostgreSQL and Redis locally.',
      { cause: error },
    );
  }
}
