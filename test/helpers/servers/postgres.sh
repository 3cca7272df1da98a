#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for tests: its own cluster in a folder you name, listening on
# 127.0.0.1 only, on a free port, with a superuser role and a database for the tests.
#
#   test/helpers/servers/postgres.sh start DIR   # prints `export TEST_DATABASE_URL=...`
#   test/helpers/servers/postgres.sh stop DIR    # stops the server and deletes DIR
#
# so `eval "$(test/helpers/servers/postgres.sh start /tmp/parley-pg)"` sets up a shell. Progress
# goes to stderr; stdout carries only the export line. DIR must not exist yet, or be empty.
# As root the server runs as the `postgres` user (PostgreSQL refuses root); otherwise as you.
# Durability is switched off (fsync, full_page_writes): the data lives only as long as the tests.
#
# Environment: PARLEY_PG_PORT (first port to try, default 55432), PARLEY_PG_BINDIR (default
# /usr/lib/postgresql/15/bin), PARLEY_PG_USER / PARLEY_PG_PASSWORD / PARLEY_PG_DB (default
# parley / parley / parley_test).
set -u -o pipefail

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

bindir="${PARLEY_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
role="${PARLEY_PG_USER:-parley}"
password="${PARLEY_PG_PASSWORD:-parley}"
dbname="${PARLEY_PG_DB:-parley_test}"

# Run a PostgreSQL program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port nothing on 127.0.0.1 answers on. A race with another process remains possible, so
# start() also retries on the next port when the server fails to start.
port_is_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

next_free_port() {
  local port=$1
  while [ "$port" -lt 65000 ]; do
    if port_is_free "$port"; then echo "$port"; return 0; fi
    port=$((port + 1))
  done
  return 1
}

write_config() {
  local data=$1 dir=$2 port=$3
  cat >>"$data/postgresql.conf" <<EOF

# parley test server
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

start() {
  local dir=$1
  [ -x "$bindir/initdb" ] || die "no PostgreSQL at $bindir (apt-get install postgresql)"
  mkdir -p "$dir" || die "cannot create $dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  chmod 700 "$dir"

  local locale=C
  locale -a 2>/dev/null | grep -qixE 'C\.utf-?8' && locale=C.UTF-8
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale="$locale" \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync \
    >"$dir/initdb.log" 2>&1 </dev/null || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

  local port="${PARLEY_PG_PORT:-55432}" tries=0 started=no
  cp "$dir/data/postgresql.conf" "$dir/postgresql.conf.orig"
  while [ "$tries" -lt 5 ]; do
    port=$(next_free_port "$port") || die "no free port"
    cp "$dir/postgresql.conf.orig" "$dir/data/postgresql.conf"
    write_config "$dir/data" "$dir" "$port"
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      >/dev/null 2>&1 </dev/null; then
      started=yes
      break
    fi
    say "server did not start on port $port; trying the next one"
    tail -n 5 "$dir/server.log" >&2 2>/dev/null
    tries=$((tries + 1))
    port=$((port + 1))
  done
  [ "$started" = yes ] || die "PostgreSQL did not start; see $dir/server.log"
  echo "$port" >"$dir/port"

  local psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres)
  as_owner "${psql[@]}" -c "CREATE ROLE \"$role\" LOGIN SUPERUSER PASSWORD '$password'" \
    </dev/null >&2 || die "could not create role $role"
  as_owner "${psql[@]}" -c "CREATE DATABASE \"$dbname\" OWNER \"$role\"" \
    </dev/null >&2 || die "could not create database $dbname"

  local url="postgres://$role:$password@127.0.0.1:$port/$dbname"
  # Prove the URL works the way the tests will use it: over TCP, with the password.
  local version
  version=$("$bindir/psql" -X -At "$url" -c 'SHOW server_version' </dev/null) \
    || die "cannot connect with $url"
  say "PostgreSQL $version on 127.0.0.1:$port, data in $dir/data, log $dir/server.log"
  echo "export TEST_DATABASE_URL='$url'"
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 </dev/null \
      || as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 </dev/null \
      || say "could not stop the server in $dir"
  fi
  # Delete only what start() made, never a folder given by mistake.
  if [ -f "$dir/initdb.log" ]; then
    rm -rf "$dir"
  else
    say "$dir does not look like a test cluster; left in place"
  fi
}

case "${1:-}" in
  start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start DIR | stop DIR" ;;
esac
