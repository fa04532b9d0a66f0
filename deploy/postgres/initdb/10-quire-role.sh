#!/bin/sh
# Run once by the postgres image, when the pgdata volume is created (mounted
# as /docker-entrypoint-initdb.d by docker-compose.yml), as the superuser
# POSTGRES_USER: makes the engine's ordinary role `quire` (password
# QUIRE_DB_PASSWORD) and its database `quire`, which it owns, and with it the
# `public` schema (PostgreSQL 15+), so that the engine can run its migrations.
# The same layout as the cluster `npm start` makes (scripts/services/postgres-roles.mjs).
set -eu
: "${QUIRE_DB_PASSWORD:?set QUIRE_DB_PASSWORD, the password of the role quire}"
psql --no-psqlrc --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set app_password="$QUIRE_DB_PASSWORD" <<'SQL'
CREATE ROLE quire LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
CREATE DATABASE quire OWNER quire;
SQL
