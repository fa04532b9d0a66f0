-- Upgrades a PostgreSQL cluster whose bootstrap superuser is `quire` (made by
-- `npm start` before Quire separated the roles, or by docker-compose.yml with
-- POSTGRES_USER=quire) to the layout Quire uses now, keeping every row:
--
--   postgres  the superuser (the same role as before, renamed), for administration;
--   quire     a new ordinary role (NOSUPERUSER NOCREATEDB NOCREATEROLE) that owns
--             database quire and everything the migrations created in it.
--
-- The engine's URL keeps its user name: postgres://quire@…/quire now connects
-- as the ordinary owner, and whatever migrates through it later creates tables
-- that the engine owns. The bootstrap superuser cannot lose SUPERUSER
-- (PostgreSQL 16 refuses it), hence the rename. Everything happens in one
-- transaction: a failure changes nothing, and running it again is safe.
--
-- Run it as `quire`, connected to database `quire`, while no engine is running
-- (it waits at most 10 s for locks the tables are held with):
--
--   psql -h <host> -U quire -d quire -v app_password=<new password of quire> -f upgrade-superuser-quire.sql
--
-- `npm start` runs it by itself on its own cluster under .quire/ (trust
-- authentication, no password). With password authentication, pass
-- app_password: the new `quire` has no password otherwise. `postgres` keeps
-- the password the old `quire` had (SCRAM secrets survive a rename; an MD5
-- one does not: set it again with \password postgres).
\set ON_ERROR_STOP on
SET lock_timeout = '10s';
BEGIN;

DO $$
BEGIN
  IF current_database() <> 'quire' THEN
    RAISE EXCEPTION 'connect to database quire (this is %)', current_database();
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = current_user AND rolname = 'quire' AND oid = 10) THEN
    RAISE EXCEPTION 'nothing to upgrade: quire is not the bootstrap superuser (connected as %)', current_user;
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres') THEN
    RAISE EXCEPTION 'a role named postgres exists already; rename or drop it first';
  END IF;
END
$$;

-- A session cannot rename its own user: act as a helper superuser meanwhile.
CREATE ROLE quire_upgrade SUPERUSER NOLOGIN;
SET SESSION AUTHORIZATION quire_upgrade;

ALTER ROLE quire RENAME TO postgres;
CREATE ROLE quire LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
\if :{?app_password}
ALTER ROLE quire PASSWORD :'app_password';
\endif
ALTER DATABASE quire OWNER TO quire;

-- What the superuser (oid 10) owns in this database outside the system
-- schemas, except extension members: schemas, tables and views (with their
-- indexes, TOAST tables and column sequences), free-standing sequences,
-- types and domains, and routines. (REASSIGN OWNED cannot be used: it refuses
-- the bootstrap superuser, which also owns the system catalogs.)
DO $$
DECLARE
  statement text;
BEGIN
  FOR statement IN
    SELECT format('ALTER SCHEMA %I OWNER TO quire', n.nspname)
    FROM pg_namespace n
    WHERE n.nspowner = 10
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
    UNION ALL
    SELECT format('ALTER %s %I.%I OWNER TO quire',
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                  n.nspname, c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relowner = 10 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
      -- column sequences follow their table; extension members stay
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
    UNION ALL
    SELECT format('ALTER %s %I.%I OWNER TO quire', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_class c ON c.oid = t.typrelid
    WHERE t.typowner = 10
      -- enums, domains, ranges and their multiranges, and composite types of
      -- their own (a table's row type follows the table)
      AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND c.relkind = 'c'))
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    UNION ALL
    SELECT format('ALTER ROUTINE %s OWNER TO quire', p.oid::regprocedure)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.proowner = 10
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE statement;
  END LOOP;
END
$$;

RESET SESSION AUTHORIZATION;
DROP ROLE quire_upgrade;
COMMIT;
