#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on loopback, then stops it.
# The command sees LIANJIE_TEST_PG_URL; without a PostgreSQL installation it runs without one
# (the tests marked `postgres` then report themselves skipped, with the reason).
set -euo pipefail
pg_bin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && pg_bin="$d"; done
if [ -z "$pg_bin" ]; then
  echo "with-postgres: PostgreSQL not installed; running without it" >&2
  exec "$@"
fi
workdir=$(mktemp -d /tmp/lianjie-pg.XXXXXX)
chmod 755 "$workdir"
port=$(( 20000 + RANDOM % 20000 ))
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$workdir" 2>/dev/null || { useradd -r postgres && chown postgres "$workdir"; }
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$pg_bin/initdb" -D "$workdir/data" -U lianjie --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $workdir -c fsync=off" start >/dev/null
cleanup() { "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$workdir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$workdir"; }
trap cleanup EXIT
export LIANJIE_TEST_PG_URL="postgresql+psycopg://lianjie@127.0.0.1:$port/postgres"
"$@"
