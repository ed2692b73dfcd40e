#!/usr/bin/env bash
# Runs the SQL-level suites against the server in PGHOST/PGPORT (set up by
# pg_virtualenv in scripts/test.sh): pg_regress, pgTAP, isolation specs.
# Appends "suite passed failed" lines to the file named by $1.
set -uo pipefail
cd "$(dirname "$0")/.."
counts=$1
label=${LQ_SUITE_LABEL:-}  # appended to each suite name in the counts
source scripts/pg_version.sh

run_suite() {  # name, make target, log file
  local name=$1 target=$2 log=$3
  echo "== $name"
  make -s "$target" PG_CONFIG="$PG_CONFIG" >"$log" 2>&1
  local rc=$?
  cat "$log"
  return $rc
}

# pg_regress: "All N tests passed." or "M of N tests failed."
run_suite "pg_regress" installcheck-regress /tmp/lq_regress.log
if [[ -f regression.diffs ]]; then cat regression.diffs; fi
if line=$(grep -Eo 'All [0-9]+ tests passed' /tmp/lq_regress.log); then
  echo "pg_regress$label $(grep -Eo '[0-9]+' <<<"$line") 0" >>"$counts"
elif line=$(grep -Eo '[0-9]+ of [0-9]+ tests failed' /tmp/lq_regress.log); then
  read -r f _ n _ <<<"$line"; echo "pg_regress$label $((n - f)) $f" >>"$counts"
else
  echo "pg_regress$label 0 1" >>"$counts"
fi

# pgTAP through pg_prove --verbose: count "ok"/"not ok" lines; tests that
# were planned ("1..N") but never ran count as failed.
run_suite "pgTAP" installcheck-pgtap /tmp/lq_pgtap.log
prove_rc=$?
ok=$(grep -cE '^ok [0-9]+' /tmp/lq_pgtap.log || true)
not_ok=$(grep -cE '^not ok [0-9]+' /tmp/lq_pgtap.log || true)
planned=$(grep -Eo '^1\.\.[0-9]+' /tmp/lq_pgtap.log | awk -F'[.]+' '{s+=$2} END {print s+0}')
failed=$not_ok
(( planned > ok + not_ok )) && failed=$((planned - ok))
if [[ $prove_rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi
echo "pgTAP$label $ok $failed" >>"$counts"

# Isolation specs: same summary format as pg_regress.
run_suite "isolation" installcheck-isolation /tmp/lq_isolation.log
if [[ -f output_iso/regression.diffs ]]; then cat output_iso/regression.diffs; fi
if line=$(grep -Eo 'All [0-9]+ tests passed' /tmp/lq_isolation.log); then
  echo "isolation$label $(grep -Eo '[0-9]+' <<<"$line") 0" >>"$counts"
elif line=$(grep -Eo '[0-9]+ of [0-9]+ tests failed' /tmp/lq_isolation.log); then
  read -r f _ n _ <<<"$line"; echo "isolation$label $((n - f)) $f" >>"$counts"
else
  echo "isolation$label 0 1" >>"$counts"
fi
# TAP shell tests (test/tap/*.sh) through prove: counted like pgTAP.
if compgen -G "test/tap/*.sh" >/dev/null; then
  run_suite "TAP" installcheck-tap /tmp/lq_tap.log
  tap_rc=$?
  ok=$(grep -cE '^ok [0-9]+' /tmp/lq_tap.log || true)
  not_ok=$(grep -cE '^not ok [0-9]+' /tmp/lq_tap.log || true)
  planned=$(grep -Eo '^1\.\.[0-9]+' /tmp/lq_tap.log | awk -F'[.]+' '{s+=$2} END {print s+0}')
  failed=$not_ok
  (( planned > ok + not_ok )) && failed=$((planned - ok))
  if [[ $tap_rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi
  echo "TAP$label $ok $failed" >>"$counts"
fi
# Differential test of live scoring (test/diff, issue #12): random statement
# sequences checked after every statement against an independent SQL oracle
# and verify(), with a fixed seed and a bounded count (LQ_DIFF_* to vary).
echo "== differential"
bash test/diff/run.sh "$counts" >/tmp/lq_diff_suite.log 2>&1
tail -n 25 /tmp/lq_diff_suite.log
exit 0
