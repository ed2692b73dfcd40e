# shellcheck shell=bash
# Throwaway PostgreSQL servers on loopback for the Citus suite (test/citus/run.sh):
# each in its own directory under $LQ_CITUS_BASE, stopped and removed by
# lq_stop_all (run.sh traps EXIT). Sourced; needs PG_CONFIG (scripts/pg_version.sh).

lq_bindir=$("$PG_CONFIG" --bindir)
LQ_CITUS_NODES=()

# A TCP port on 127.0.0.1 that nothing listens on.
lq_free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
}

# lq_start NAME PORT PRELOAD: a new cluster listening on 127.0.0.1:PORT and a
# socket in $LQ_CITUS_BASE. Every node scores as of the same fixed time
# (lead_qual.as_of), so results do not depend on when statements run;
# LQ_CITUS_AS_OF overrides it (empty: the statement's start, for the bench).
lq_start() {
  local port=$2 preload=$3 dir=$LQ_CITUS_BASE/$1
  "$lq_bindir/initdb" -D "$dir" -A trust -U postgres -E UTF8 --no-locale >"$dir.initdb.log" 2>&1 || {
    cat "$dir.initdb.log"; return 1; }
  cat >>"$dir/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$LQ_CITUS_BASE'
shared_preload_libraries = '$preload'
max_prepared_transactions = 50
max_connections = 100
fsync = off
timezone = 'UTC'
lead_qual.as_of = '${LQ_CITUS_AS_OF-2026-03-01 00:00:00+00}'
CONF
  if [[ $preload == *citus* ]]; then
    # The nodes connect to each other over loopback without TLS; triggers
    # on distributed tables need enable_unsafe_triggers.
    printf '%s\n' "citus.node_conninfo = 'sslmode=disable'" "citus.enable_unsafe_triggers = on" >>"$dir/postgresql.conf"
  fi
  LQ_CITUS_NODES+=("$dir")
  "$lq_bindir/pg_ctl" -D "$dir" -l "$dir.log" -w -t 60 start >/dev/null || { cat "$dir.log"; return 1; }
}

lq_stop_all() {
  local dir
  for dir in "${LQ_CITUS_NODES[@]}"; do
    "$lq_bindir/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
  done
}
