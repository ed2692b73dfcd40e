#!/usr/bin/env bash
# The Citus suite (issue #15): lead_qual on a Citus coordinator and two
# workers, compared lead by lead with the same statements on one server.
#
# When the citus extension is installed for the PostgreSQL major in use
# (scripts/pg_version.sh), starts four throwaway servers on loopback
# (cluster.sh): a plain one (the reference) and a Citus coordinator with two
# workers. Each scenario (scenarios/*.sql, its first line says what it runs)
# gets its own schema and model: set-up.sql, on Citus distribute.sql
# (leads and activities distributed by the lead id, co-located), then
# track.sql, then the scenario, on both. Checked per scenario: it runs on
# Citus; its output, its leads (scores, stages, states), its stage history
# (lead_qual.history(), read on the coordinator) and the hand-offs taken
# from the durable feed on the coordinator (lead_qual.take_handoffs()) equal
# the one server's. Some scenarios check more (their
# own lines below).
#
# Prints TAP lines and ends with "N passed, N failed" (exit 1 when any
# failed); without Citus it prints "skipped: Citus not installed" and exits 0.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
source scripts/pg_version.sh
if [[ ! -f "$("$PG_CONFIG" --sharedir)/extension/citus.control" ]]; then
  echo "skipped: Citus not installed (no citus extension for PostgreSQL $PG_MAJOR)"
  exit 0
fi
# PostgreSQL refuses to run as root.
if [[ $(id -u) -eq 0 ]]; then
  exec runuser -u postgres -- env PG_CONFIG="$PG_CONFIG" bash "$PWD/test/citus/run.sh" "$@"
fi
echo "# Citus $(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$("$PG_CONFIG" --sharedir)/extension/citus.control") on $("$PG_CONFIG" --version)"

LQ_CITUS_BASE=$(mktemp -d -t lq_citus.XXXXXX)
export LQ_CITUS_BASE
source test/citus/cluster.sh
trap 'lq_stop_all; rm -rf "$LQ_CITUS_BASE"' EXIT
export PGHOST=$LQ_CITUS_BASE PGUSER=postgres PGDATABASE=postgres
suite=test/citus

start_servers() {
  ps=$(lq_free_port) && lq_start single "$ps" "" &&
    pc=$(lq_free_port) && lq_start coordinator "$pc" citus &&
    p1=$(lq_free_port) && lq_start worker1 "$p1" citus &&
    p2=$(lq_free_port) && lq_start worker2 "$p2" citus
}
if ! start_servers; then
  echo "1..0 # could not start the servers"; echo "0 passed, 1 failed"; exit 1
fi

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -p "$@"; }
{
  sql "$ps" -c "CREATE EXTENSION lead_qual" &&
    for p in "$pc" "$p1" "$p2"; do sql "$p" -c "CREATE EXTENSION citus" || exit 1; done &&
    sql "$pc" -c "SELECT citus_set_coordinator_host('127.0.0.1', $pc)" \
      -c "SELECT citus_add_node('127.0.0.1', $p1)" -c "SELECT citus_add_node('127.0.0.1', $p2)" &&
    # Citus propagates the extension to the workers.
    sql "$pc" -c "CREATE EXTENSION lead_qual"
} >"$LQ_CITUS_BASE/setup.log" 2>&1 || {
  cat "$LQ_CITUS_BASE/setup.log"; echo "1..0 # could not set up the cluster"; echo "0 passed, 1 failed"; exit 1; }

n=0 passed=0 failed=0 todo=0
# Checks of what is not built yet print as TAP "# TODO": counted apart,
# neither passed nor failed, until the feature makes them pass. None now.
todo_reason() {  # description -> the reason, or nothing
  :
}
ok() {
  n=$((n + 1))
  local reason; reason=$(todo_reason "$1")
  if [[ -n $reason ]]; then todo=$((todo + 1)); echo "ok $n - $1 # TODO $reason (passes now)"; return; fi
  passed=$((passed + 1)); echo "ok $n - $1"
}
not_ok() {  # description, details (printed as TAP comments)
  n=$((n + 1))
  local reason; reason=$(todo_reason "$1")
  if [[ -n $reason ]]; then todo=$((todo + 1)); echo "not ok $n - $1 # TODO $reason"
  else failed=$((failed + 1)); echo "not ok $n - $1"; fi
  [[ -n ${2:-} ]] && head -n 40 <<<"$2" | sed 's/^/#   /'
  return 0
}
# Compares the one server's text with Citus's; on Citus errors the error.
same() {  # description, one-server text, Citus text, Citus error
  if [[ -n $4 ]]; then not_ok "$1" "Citus: $4"
  elif [[ $2 == "$3" ]]; then ok "$1"
  else not_ok "$1" "$(diff <(echo "$2") <(echo "$3") | sed -e 's/^</one server:/' -e 's/^>/Citus:     /' | grep -v '^---')"
  fi
}

# run PORT DIR NAME FILE...: runs the files in one session of the server on
# PORT; writes DIR/NAME.out (the output) and DIR/NAME.err (the first error;
# empty when none).
run() {
  local port=$1 dir=$2 name=$3; shift 3
  { cat "$@"; echo "SELECT 'done';"; } |
    sql "$port" -v s="$schema" -v m="$model" -f - >"$dir/$name.out" 2>"$dir/$name.stderr"
  grep -m 1 -E 'ERROR|FATAL' "$dir/$name.stderr" >"$dir/$name.err" || true
}

# The lead_qual triggers left on the scenario's tables on every node of a
# server set (one server: itself; Citus: coordinator and workers, shards too).
triggers_left() {
  local port total=0 count
  for port in "$@"; do
    count=$(sql "$port" -v s="$schema" -f - 2>&1 <<'SQL'
SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = :'s') AND t.tgname LIKE 'lead\_qual%';
SQL
)
    [[ $count =~ ^[0-9]+$ ]] || { echo "$count"; return; }
    total=$((total + count))
  done
  echo "$total"
}

for file in "$suite"/scenarios/*.sql; do
  name=$(basename "$file" .sql)
  what=$(head -n 1 "$file" | sed 's/^-- //')
  schema=crm_$name model=citus_$name
  d=$LQ_CITUS_BASE/$name
  mkdir -p "$d"
  run "$ps" "$d" single_setup "$suite/setup.sql" "$suite/track.sql"
  run "$pc" "$d" citus_setup "$suite/setup.sql" "$suite/distribute.sql" "$suite/track.sql"
  if [[ -s $d/single_setup.err ]]; then
    not_ok "$name: set-up on one server" "$(cat "$d/single_setup.err")"; continue
  fi
  setup_err=$(cat "$d/citus_setup.err")
  run "$ps" "$d" single "$file"
  run "$pc" "$d" citus "$file"
  if [[ -s $d/single.err ]]; then not_ok "$name: runs on one server" "$(cat "$d/single.err")"; continue; fi
  err=${setup_err:+set-up: $setup_err}
  err=${err:-$(cat "$d/citus.err")}
  if [[ -z $err ]]; then ok "$name: runs on Citus ($what)"; else not_ok "$name: runs on Citus ($what)" "$err"; fi
  same "$name: output" "$(cat "$d/single.out")" "$(cat "$d/citus.out")" "$err"
  for part in leads history; do
    same "$name: $part" "$(sql "$ps" -v s="$schema" -f "$suite/snapshot_$part.sql" 2>&1)" \
      "$(sql "$pc" -v s="$schema" -f "$suite/snapshot_$part.sql" 2>&1)" ""
  done
  feed_single=$(sql "$ps" -v s="$schema" -f "$suite/snapshot_feed.sql" 2>&1)
  feed_citus=$(sql "$pc" -v s="$schema" -f "$suite/snapshot_feed.sql" 2>&1)
  same "$name: hand-off feed taken on the coordinator" "$feed_single" "$feed_citus" ""
  case $name in
    *stage_two_shards)
      # The statement really spans both workers.
      nodes=$(sql "$pc" -v s="$schema" -f - 2>&1 <<'SQL'
SELECT count(DISTINCT p.nodeport) FROM pg_dist_shard_placement p
 WHERE p.shardid IN (SELECT get_shard_id_for_distribution_column(:'s' || '.leads', i) FROM generate_series(1, 6) i);
SQL
)
      same "$name: the updated leads live on both workers" "2" "$nodes" ""
      # The hand-offs the coordinator took from the feed came from both.
      keys=$(cut -d'|' -f2 <<<"$feed_citus" | sort -u | paste -sd,)
      nodes=$(sql "$pc" -v s="$schema" -v keys="{$keys}" -f - 2>&1 <<'SQL'
SELECT count(DISTINCT p.nodeport) FROM pg_dist_shard_placement p
 WHERE p.shardid IN (SELECT get_shard_id_for_distribution_column(:'s' || '.leads', k) FROM unnest(:'keys'::bigint[]) k);
SQL
)
      same "$name: hand-offs from both workers taken on the coordinator" "2" "$nodes" "";;
    *untrack_truncate)
      same "$name: no lead_qual trigger left on any node" "$(triggers_left "$ps")" "$(triggers_left "$pc" "$p1" "$p2")" "";;
  esac
done

# What lead_qual refuses on a distributed table, clearly (README "Citus").
for what in "SELECT lead_qual.forget_lead('crm_01_track.leads', '3')" "CALL lead_qual.backfill('crm_01_track.leads')"; do
  name=${what#* lead_qual.} name=${name%%(*}
  err=$(sql "$pc" -c '\set VERBOSITY verbose' -c "$what" 2>&1)
  same "$name() of a distributed table: refused with SQLSTATE 0A000" "1" \
    "$(grep -c "ERROR:  0A000: $name() of a Citus distributed table (crm_01_track.leads) is not supported" <<<"$err")" ""
done
err=$(sql "$pc" -c '\set VERBOSITY verbose' -c "SELECT lead_qual.add_score('crm_01_track.leads', 'citus_01_track')" 2>&1)
same "add_score() of a distributed table: refused with SQLSTATE 0A000" "1" \
  "$(grep -c "ERROR:  0A000: cannot add a score to crm_01_track.leads: crm_01_track.leads is a Citus distributed table" <<<"$err")" ""

echo "1..$n"
echo "$todo checks of features not built yet (# TODO above: neither passed nor failed)"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
