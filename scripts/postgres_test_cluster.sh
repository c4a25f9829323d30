#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests (tests/server/
# store_test.cc runs its PostgreSQL cases when MAI_TEST_POSTGRES_URL is set).
#
#   scripts/postgres_test_cluster.sh start DIR   # prints the URL last
#   scripts/postgres_test_cluster.sh stop DIR    # stops it, removes DIR
#
# start: creates DIR (which must be absent or empty), runs initdb there with
# trust authentication, starts the server on a free port listening on
# 127.0.0.1 only (its Unix socket in DIR), creates the database `mai_test`
# and prints its URL on the last line:
#   postgresql://<user>@127.0.0.1:<port>/mai_test
# where <user> (the cluster's superuser) is the user running the script. As
# root, the server runs as the `postgres` system user (initdb refuses root)
# and DIR is made theirs. Starting a cluster that runs already just prints
# its URL again; a stopped one in DIR is started again.
#
# stop: stops the cluster and removes DIR; a DIR that does not exist is
# fine. Only a DIR made by `start` (it holds a marker file) is ever removed.
#
# Durability is off (fsync=off): the cluster is for tests only. The system's
# own cluster (/var/lib/postgresql, port 5432) is never touched.
# PG_BINDIR may name the PostgreSQL server binaries' folder.
set -euo pipefail

readonly MARKER=".mai_postgres_test_cluster"
readonly DATABASE="mai_test"

die() {
  echo "postgres_test_cluster: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
command=$1
dir=$2
[[ -n $dir ]] || usage
case $command in start | stop) ;; *) usage ;; esac

# The server binaries: PG_BINDIR, PostgreSQL 15 from Debian, else the newest
# installed version.
find_bindir() {
  if [[ -n ${PG_BINDIR:-} ]]; then
    [[ -x $PG_BINDIR/initdb && -x $PG_BINDIR/pg_ctl ]] ||
      die "PG_BINDIR=$PG_BINDIR holds no initdb and pg_ctl"
    echo "$PG_BINDIR"
    return
  fi
  local candidate
  for candidate in /usr/lib/postgresql/15/bin \
    $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -rn); do
    if [[ -x $candidate/initdb && -x $candidate/pg_ctl ]]; then
      echo "$candidate"
      return
    fi
  done
  die "no PostgreSQL server binaries (initdb, pg_ctl) under" \
    "/usr/lib/postgresql/*/bin; install the 'postgresql' package or set" \
    "PG_BINDIR"
}

# Runs a command as the cluster's system user: `postgres` when we are root.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A TCP port on 127.0.0.1 nobody listens on now.
free_port() {
  local port tries
  for ((tries = 0; tries < 200; tries++)); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "found no free TCP port on 127.0.0.1"
}

is_running() {
  [[ -f $dir/data/postmaster.pid ]] &&
    as_owner "$bindir/pg_ctl" status -D "$dir/data" >/dev/null 2>&1
}

print_url() {
  echo "postgresql://$(cat "$dir/superuser")@127.0.0.1:$(cat "$dir/port")/$DATABASE"
}

stop_cluster() {
  if [[ ! -e $dir ]]; then
    echo "postgres_test_cluster: $dir does not exist; nothing to stop" >&2
    return
  fi
  [[ -f $dir/$MARKER ]] ||
    die "$dir was not made by this script (no $MARKER); not touching it"
  if is_running; then
    as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 \
      >/dev/null || die "pg_ctl could not stop the cluster in $dir (see $dir/server.log)"
  fi
  rm -rf -- "$dir"
  echo "postgres_test_cluster: stopped and removed $dir" >&2
}

# initdb into DIR/data with `superuser` as the bootstrap role.
init_cluster() {
  local superuser=$1
  if [[ -e $dir ]]; then
    [[ -d $dir ]] || die "$dir exists and is not a directory"
    [[ -z $(ls -A "$dir") ]] ||
      die "$dir is not empty and holds no cluster made by this script"
  fi
  mkdir -p -- "$dir"
  dir=$(cd "$dir" && pwd -P)
  # The socket DIR/.s.PGSQL.<port> must fit in sun_path (108 bytes).
  ((${#dir} <= 90)) || die "$dir is too long for a Unix socket path (over 90 characters)"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 ||
      die "running as root needs the 'postgres' system user (initdb refuses root)"
    chown postgres: "$dir"
    as_owner test -w "$dir" ||
      die "the postgres user cannot write $dir (a parent folder is closed to" \
        "it); choose a DIR under /tmp"
  fi
  chmod 755 "$dir"
  touch "$dir/$MARKER"
  echo "$superuser" >"$dir/superuser"
  as_owner "$bindir/initdb" -D "$dir/data" --username="$superuser" \
    --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    die "initdb failed (see $dir/initdb.log): $(tail -n 3 "$dir/initdb.log" | tr '\n' ' ')"
  # Local connections only: the socket in DIR and 127.0.0.1. Trust is fine
  # for a cluster nobody else can reach.
  cat >>"$dir/data/postgresql.conf" <<EOF

# --- mai test cluster (scripts/postgres_test_cluster.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
}

start_cluster() {
  local superuser
  superuser=$(id -un)
  if [[ -e $dir && -f $dir/$MARKER ]]; then
    dir=$(cd "$dir" && pwd -P)
    [[ -f $dir/data/PG_VERSION ]] ||
      die "$dir holds an incomplete cluster; run '$0 stop $dir' first"
    if is_running; then
      print_url
      return
    fi
  else
    init_cluster "$superuser"
  fi
  # Start on a free port; another process may take it first: try again.
  local port tries started=0
  for ((tries = 0; tries < 5; tries++)); do
    port=$(free_port)
    echo "$port" >"$dir/port"
    if as_owner "$bindir/pg_ctl" start -D "$dir/data" -w -t 60 \
      -l "$dir/server.log" -o "-p $port" >/dev/null 2>&1; then
      started=1
      break
    fi
    is_running && break # started after all (slow); keep it
  done
  [[ $started -eq 1 ]] || is_running ||
    die "the server did not start (see $dir/server.log): $(tail -n 3 "$dir/server.log" 2>/dev/null | tr '\n' ' ')"
  # The test database (the superuser's role exists: initdb made it).
  local psql=("$bindir/psql" -X -q -h "$dir" -p "$port" -U "$(cat "$dir/superuser")" -d postgres)
  local exists
  exists=$(as_owner "${psql[@]}" -tA -c \
    "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'") ||
    die "cannot connect to the new cluster (see $dir/server.log)"
  if [[ $exists != 1 ]]; then
    as_owner "${psql[@]}" -c "CREATE DATABASE $DATABASE" >/dev/null ||
      die "cannot create database $DATABASE"
  fi
  print_url
}

bindir=$(find_bindir)
case $command in
  start) start_cluster ;;
  stop) stop_cluster ;;
esac
