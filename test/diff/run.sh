#!/usr/bin/env bash
# The differential test of live scoring (issue #12; see test/diff/README.md)
# against the server in PGHOST/PGPORT (pg_virtualenv sets them): creates a
# scratch database, runs test/diff/difftest.py with the seed and bounds from
# the LQ_DIFF_* environment, drops the database. Prints the harness's output
# and ends with its "N passed, N failed" line (checked statements); with a
# file argument, appends "differential P F" to it as scripts/sql_suites.sh
# does for the other suites. Exit status: the harness's (1 on any failure).
set -uo pipefail
cd "$(dirname "$0")/../.."
counts=${1:-}
db=lq_diff_$$
log=${LQ_DIFF_LOG:-/tmp/lq_diff.log}

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" >/dev/null || exit 1
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null' EXIT
PGDATABASE=$db psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION lead_qual" >/dev/null || exit 1

# Debian's python3 (python3-psycopg2, scripts/deps.sh), not whatever python3 is first on PATH.
PGDATABASE=$db /usr/bin/python3 test/diff/difftest.py 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
if [[ -n $counts ]]; then
  if line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1); then
    read -r p _ f _ <<<"$line"; echo "differential${LQ_SUITE_LABEL:-} $p $f" >>"$counts"
  else
    echo "differential${LQ_SUITE_LABEL:-} 0 1" >>"$counts"
  fi
fi
exit "$rc"
