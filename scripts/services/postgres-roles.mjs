// Who is who in the PostgreSQL cluster Quire runs under .quire/postgres:
//
//   postgres  the superuser (initdb's bootstrap user): administration, and `npm test` and the
//             benchmarks, which create databases of their own;
//   quire     an ordinary role (NOSUPERUSER NOCREATEDB NOCREATEROLE) that owns database `quire`
//             (and so, on PostgreSQL 15+, its `public` schema): the engine migrates and serves
//             through it, and `npm start` gives the engine and the web app no other.
//
// The engine therefore cannot do what only a superuser can (read and write server files, run
// programs, change server settings, bypass row security), and it does not use the connection
// slots PostgreSQL keeps for superusers (superuser_reserved_connections), which stay free for an
// administrator when the engines have used up theirs.
//
// Earlier versions of Quire made `quire` the bootstrap superuser (initdb -U quire) and owner of
// everything. Such a cluster is upgraded in place the first time this version uses it, by
// deploy/postgres/upgrade-superuser-quire.sql, in one transaction that keeps every row: the old
// superuser is renamed `postgres`, and a new ordinary `quire` takes over database `quire` and all
// the migrations created in it. Why that rather than a new role beside the old superuser (say
// `quire_app`, leaving `quire` a superuser):
//   - the engine's URL stays postgres://quire@127.0.0.1:<port>/quire on old and new clusters
//     alike: what an operator wrote down or scripted (`DATABASE_URL=… quire-engine keys create`)
//     keeps working, only without superuser powers;
//   - whatever migrates through that URL creates tables the engine's role owns; with a second
//     role, a `quire-engine migrate` run through the old URL would create tables owned by the
//     superuser, which the engine could not use;
//   - every cluster ends up with the one layout described here.
// The one visible change: `quire` can no longer create databases or act as superuser; that is
// `psql -h 127.0.0.1 -p <port> -U postgres` now. (The bootstrap superuser cannot simply lose
// SUPERUSER: PostgreSQL 16 refuses it, hence the rename.)
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, failureText, runProgram } from '../lib/processes.mjs';
import { LOCAL_HOST } from './settings.mjs';

/** @typedef {import('./settings.mjs').Log} Log */
/** @typedef {import('../lib/processes.mjs').RunResult} RunResult */

/** The superuser of the clusters Quire creates. */
export const PG_ADMIN_ROLE = 'postgres';
/** The database the admin connects to (tests and benchmarks create their own next to `quire`). */
export const PG_ADMIN_DATABASE = 'postgres';
/** The engine's role, which owns PG_DATABASE. */
export const PG_APP_ROLE = 'quire';
export const PG_DATABASE = 'quire';
/** No superuser powers, no databases or roles of its own, no replication, row security applies. */
export const PG_APP_ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
/** The bootstrap superuser of clusters made by earlier versions (initdb -U quire). */
const LEGACY_SUPERUSER = 'quire';
/** The role PostgreSQL creates with initdb, whatever its name. */
const BOOTSTRAP_SUPERUSER_OID = 10;
const UPGRADE_SQL = path.join(ROOT, 'deploy', 'postgres', 'upgrade-superuser-quire.sql');
const PSQL_TIMEOUT_MS = 60_000;

/**
 * Brings the roles of Quire's own cluster (running on `port`, trust authentication) to the layout
 * above: upgrades a cluster of an earlier version, creates the engine's role and database when
 * missing, and checks the result. Idempotent; cheap when there is nothing to do.
 *
 * @param {{ psql: string, port: number, log: Log }} options
 */
export async function ensureRoles({ psql, port, log }) {
  const sql = psqlSession(psql, port);
  const roles = await readRoles(sql);

  const legacy = roles.get(LEGACY_SUPERUSER);
  if (legacy?.bootstrap) {
    if (roles.has(PG_ADMIN_ROLE)) {
      throw new Error(
        `Quire's PostgreSQL on ${LOCAL_HOST}:${port} has both a superuser "${LEGACY_SUPERUSER}" (from an earlier ` +
          `version of Quire) and a role "${PG_ADMIN_ROLE}", so "${LEGACY_SUPERUSER}" cannot be renamed to ` +
          `"${PG_ADMIN_ROLE}". Rename or drop "${PG_ADMIN_ROLE}" and start again (${UPGRADE_SQL} does the rest).`,
      );
    }
    log(
      `PostgreSQL: upgrading the roles of a cluster made by an earlier Quire: the superuser "${LEGACY_SUPERUSER}" ` +
        `becomes "${PG_ADMIN_ROLE}"; "${PG_APP_ROLE}" becomes an ordinary role that owns database "${PG_DATABASE}"`,
    );
    // The upgrade connects to the database it hands over, so it must exist (it does, unless the
    // earlier version stopped between initdb and creating it).
    await sql(LEGACY_SUPERUSER, PG_ADMIN_DATABASE, createDatabaseIfMissing(''), 'create database "quire"');
    await sql(
      LEGACY_SUPERUSER,
      PG_DATABASE,
      fs.readFileSync(UPGRADE_SQL, 'utf8'),
      `run ${path.relative(ROOT, UPGRADE_SQL)}`,
      { hint: 'Nothing was changed. If it waited for a lock, stop the engines of an earlier start and try again.' },
    );
  } else if (!roles.get(PG_ADMIN_ROLE)?.superuser) {
    throw new Error(
      `Quire's PostgreSQL on ${LOCAL_HOST}:${port} has no superuser "${PG_ADMIN_ROLE}" (nor the superuser ` +
        `"${LEGACY_SUPERUSER}" of earlier versions): it was changed by hand. Fix the roles, or remove ` +
        '.quire/postgres to start afresh (its data is lost).',
    );
  }

  await sql(
    PG_ADMIN_ROLE,
    PG_ADMIN_DATABASE,
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_APP_ROLE}') THEN
         CREATE ROLE ${PG_APP_ROLE} ${PG_APP_ROLE_ATTRIBUTES};
       END IF;
     END $$;
     ${createDatabaseIfMissing(`OWNER ${PG_APP_ROLE}`)}`,
    `create role "${PG_APP_ROLE}" and database "${PG_DATABASE}"`,
  );

  // Changed by hand, say: the engine would run as a superuser, or could not migrate.
  const check = await sql(
    PG_ADMIN_ROLE,
    PG_ADMIN_DATABASE,
    `SELECT r.rolsuper, d.datdba = r.oid FROM pg_roles r, pg_database d WHERE r.rolname = '${PG_APP_ROLE}' AND d.datname = '${PG_DATABASE}'`,
    'check the roles',
  );
  const [superuser, owner] = check.stdout.trim().split('|');
  if (superuser !== 'f') {
    throw new Error(
      `The role "${PG_APP_ROLE}" of Quire's PostgreSQL on ${LOCAL_HOST}:${port} is a superuser; the engine must not ` +
        `be. Run: psql -h ${LOCAL_HOST} -p ${port} -U ${PG_ADMIN_ROLE} -c 'ALTER ROLE ${PG_APP_ROLE} NOSUPERUSER'`,
    );
  }
  if (owner !== 't') {
    throw new Error(
      `Database "${PG_DATABASE}" of Quire's PostgreSQL on ${LOCAL_HOST}:${port} is not owned by "${PG_APP_ROLE}", so the ` +
        `engine cannot migrate it. Run: psql -h ${LOCAL_HOST} -p ${port} -U ${PG_ADMIN_ROLE} -c 'ALTER DATABASE ` +
        `${PG_DATABASE} OWNER TO ${PG_APP_ROLE}' (and hand it the tables in it too).`,
    );
  }
}

/**
 * The roles that matter here, as the first of them that can connect sees them.
 *
 * @param {PsqlSession} sql
 * @returns {Promise<Map<string, { superuser: boolean, bootstrap: boolean }>>}
 */
async function readRoles(sql) {
  const query =
    `SELECT rolname, rolsuper, oid = ${BOOTSTRAP_SUPERUSER_OID} FROM pg_roles ` +
    `WHERE rolname IN ('${PG_ADMIN_ROLE}', '${LEGACY_SUPERUSER}')`;
  /** @type {RunResult | undefined} */
  let result;
  // Clusters of this version have `postgres`; those of earlier versions only `quire`.
  for (const role of [PG_ADMIN_ROLE, LEGACY_SUPERUSER]) {
    result = await sql(role, PG_ADMIN_DATABASE, query, 'read the roles', { mayFail: true });
    if (result.code === 0) break;
  }
  if (result?.code !== 0) {
    throw new Error(`Could not connect to Quire's PostgreSQL as "${PG_ADMIN_ROLE}" or "${LEGACY_SUPERUSER}": ${failureText(result)}`);
  }
  const rows = result.stdout.trim().split('\n').filter(Boolean);
  return new Map(
    rows.map((row) => {
      const [name, superuser, bootstrap] = row.split('|');
      return [name, { superuser: superuser === 't', bootstrap: bootstrap === 't' }];
    }),
  );
}

/**
 * psql's \gexec runs the statement only when the query returns it: CREATE DATABASE cannot run
 * inside a DO block.
 *
 * @param {string} options
 */
function createDatabaseIfMissing(options) {
  return (
    `SELECT 'CREATE DATABASE ${PG_DATABASE} ${options}' ` +
    `WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${PG_DATABASE}')\n\\gexec\n`
  );
}

/** @typedef {(role: string, database: string, script: string, what: string, options?: { mayFail?: boolean, hint?: string }) => Promise<RunResult>} PsqlSession */

/**
 * Runs SQL scripts through psql on the local cluster, stopping at the first error; unaligned,
 * tuples-only output, fields separated by `|`. Rejects when psql fails (adding `hint` to the
 * message), unless `mayFail`.
 *
 * @param {string} psql
 * @param {number} port
 * @returns {PsqlSession}
 */
function psqlSession(psql, port) {
  // The caller's PG* variables (PGSSLMODE, PGOPTIONS, a service file…) are for other servers.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PG')));
  return async (role, database, script, what, { mayFail = false, hint = '' } = {}) => {
    const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', LOCAL_HOST, '-p', String(port), '-U', role, '-d', database];
    const result = await runProgram(psql, args, { env, input: script, timeoutMs: PSQL_TIMEOUT_MS });
    if (result.code !== 0 && !mayFail) {
      throw new Error(`PostgreSQL on ${LOCAL_HOST}:${port}: could not ${what} (psql as ${role}): ${failureText(result)}${hint ? `\n${hint}` : ''}`);
    }
    return result;
  };
}
