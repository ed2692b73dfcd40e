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
# Then with row filters (track() options lead_filter and activity_filter;
# LQ_DIFF_FILTERS=soft): the same kinds of statements plus those that move
# leads and activities into and out of the filters, against the oracle
# restricted to the rows inside them. Same seed, LQ_DIFF_FILTER_ITERATIONS
# statements (default 400).
PGDATABASE=$db LQ_DIFF_FILTERS=soft LQ_DIFF_REGRESSIONS=0 LQ_DIFF_ITERATIONS=${LQ_DIFF_FILTER_ITERATIONS:-400} \
  /usr/bin/python3 test/diff/difftest.py 2>&1 | tee "$log.filters"
rc_filters=${PIPESTATUS[0]}
[[ $rc -eq 0 ]] && rc=$rc_filters
# Then with a second model on the same leads (add_score(), LQ_DIFF_SCORES=1;
# plain activity tables): its columns must equal the driving model's after
# every statement. Same seed, LQ_DIFF_SCORE_ITERATIONS statements (default 300).
PGDATABASE=$db LQ_DIFF_SCORES=1 LQ_DIFF_LAYOUTS=plain LQ_DIFF_REGRESSIONS=0 \
  LQ_DIFF_ITERATIONS=${LQ_DIFF_SCORE_ITERATIONS:-300} /usr/bin/python3 test/diff/difftest.py 2>&1 | tee "$log.scores"
rc_scores=${PIPESTATUS[0]}
[[ $rc -eq 0 ]] && rc=$rc_scores
# Then with every lead written through SQL (lead_qual.direct_lead_writes
# off; the runs above write leads without SQL wherever the table allows:
# src/pg/direct_lead_update.hpp). Same seed, LQ_DIFF_SQL_ITERATIONS
# statements (default 300).
PGDATABASE=$db PGOPTIONS="${PGOPTIONS:-} -c lead_qual.direct_lead_writes=off" LQ_DIFF_REGRESSIONS=0 \
  LQ_DIFF_ITERATIONS=${LQ_DIFF_SQL_ITERATIONS:-300} /usr/bin/python3 test/diff/difftest.py 2>&1 | tee "$log.sql"
rc_sql=${PIPESTATUS[0]}
[[ $rc -eq 0 ]] && rc=$rc_sql
# Then with numeric, citext and char(12) lead keys
# (LQ_DIFF_KEYS=numeric,citext,char), which activities and conditions spell
# differently from the lead's row (4.0 for 4, upper case, trailing blanks):
# each activity must still count for its lead. Same seed,
# LQ_DIFF_KEY_ITERATIONS statements (default 300).
PGDATABASE=$db LQ_DIFF_KEYS=numeric,citext,char LQ_DIFF_REGRESSIONS=0 \
  LQ_DIFF_ITERATIONS=${LQ_DIFF_KEY_ITERATIONS:-300} /usr/bin/python3 test/diff/difftest.py 2>&1 | tee "$log.keys"
rc_keys=${PIPESTATUS[0]}
[[ $rc -eq 0 ]] && rc=$rc_keys
if [[ -n $counts ]]; then
  passed=0 failed=0
  for l in "$log" "$log.filters" "$log.scores" "$log.sql" "$log.keys"; do
    if line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$l" | tail -n 1); then
      read -r p _ f _ <<<"$line"; passed=$((passed + p)); failed=$((failed + f))
    else
      failed=$((failed + 1))
    fi
  done
  echo "differential${LQ_SUITE_LABEL:-} $passed $failed" >>"$counts"
fi
exit "$rc"
