#!/bin/sh
# Entrypoint of the local Postgres image (test/cluster/node/base-images.ts), written for this
# project. It honours the official image's contract: POSTGRES_USER (default postgres),
# POSTGRES_PASSWORD (required on first start), POSTGRES_DB (default: the user), PGDATA; on first
# start (no PG_VERSION in PGDATA) it runs initdb, then execs the command (default `postgres`).
set -eu
if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi
if [ "$1" = postgres ]; then
  : "${PGDATA:?PGDATA must be set}"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set to initialise the database}"
    user="${POSTGRES_USER:-postgres}"
    db="${POSTGRES_DB:-$user}"
    pwfile="$(mktemp)"
    printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    if [ "$db" != postgres ]; then
      sock="$(mktemp -d)"
      pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=$sock" -w start >/dev/null
      psql -v ON_ERROR_STOP=1 -h "$sock" -U "$user" -d postgres -q \
        -c "CREATE DATABASE \"$db\" OWNER \"$user\""
      pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
      rmdir "$sock"
    fi
    echo "postgres-entrypoint: initialised $PGDATA (database $db, user $user)"
  fi
fi
exec "$@"
