#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's `postgresql`) on 127.0.0.1:${PGPORT:-55432} with
# its data under /tmp, creates the database `vod_test`, and prints its URL for
# VOD_TEST_DATABASE_URL. Run as root (CI) or as any user who may `su postgres`.
#
#   export VOD_TEST_DATABASE_URL=$(bash .ci/postgres.sh)
set -euo pipefail
port=${PGPORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=/tmp/vod-pg-$port
if ! su postgres -c "$bin/pg_ctl -D $data status" >/dev/null 2>&1; then
    rm -rf "$data"
    mkdir -p "$data"
    chown postgres "$data"
    su postgres -c "$bin/initdb -D $data -A trust -U postgres" >/dev/null
    su postgres -c "$bin/pg_ctl -D $data -l $data/log -w -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200' start" >/dev/null
fi
su postgres -c "$bin/psql -h 127.0.0.1 -p $port -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = 'vod_test'\"" | grep -q 1 ||
    su postgres -c "$bin/createdb -h 127.0.0.1 -p $port -U postgres vod_test"
echo "postgres://postgres@127.0.0.1:$port/vod_test"
