#!/usr/bin/env bash
# The demo inside a throwaway cluster (scripts/demo.sh starts it with
# pg_virtualenv): build a CRM, generate data, track it, replay 180 days while a
# LISTENing client collects hand-offs, print the reports, draw the chart.
set -euo pipefail
cd "$(dirname "$0")"
out=${DEMO_OUTPUT:-../../demo-output}
mkdir -p "$out"
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_q -f schema.sql
start=$(date +%s)
psql_q -f generate.sql

# The sales hand-off worker (worker.py): LISTENs, and takes every hand-off
# from lead_qual's durable feed exactly once. It is stopped a few seconds
# into the replay and started again after it: the second run takes what was
# handed off while it was down.
work=$(mktemp -d)
handoffs="$out/handoffs.log" stop_file="$work/stop"
: >"$handoffs"
start_worker() { rm -f "$stop_file"; /usr/bin/python3 worker.py "$handoffs" "$stop_file" & worker=$!; }
stop_worker() { touch "$stop_file"; wait "$worker" 2>/dev/null || true; }
start_worker
trap 'touch "$stop_file"; kill "$worker" 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 1

psql_q -f replay.sql 2>&1 | sed -e 's/^psql:[^:]*:[0-9]*: NOTICE:  //' &
replay=$!
sleep 3
stop_worker
echo "[demo] worker stopped during the replay (it comes back after it)"
wait "$replay"
start_worker
sleep 2
stop_worker
trap - EXIT
rm -rf "$work"

psql_q -f report.sql

echo
echo "== Hand-offs handled by the worker (scripts/demo/worker.py), exactly once across its restart"
in_history=$(psql -X -At -c "SELECT count(*) FROM lead_qual.stage_history WHERE to_stage::text = 'sql' AND reason <> 'backfill'")
read -r handled distinct caught_up same < <(psql -X -At -F ' ' -c "
  SELECT count(*), count(DISTINCT d.history_id), count(*) FILTER (WHERE d.how = 'caught_up'),
         count(*) FILTER (WHERE h.to_stage::text = 'sql' AND h.lead_key = d.lead_key)
    FROM demo.handoffs d LEFT JOIN lead_qual.stage_history h ON h.id = d.history_id")
echo "$in_history hand-offs to sales in the history; the worker handled $handled ($distinct distinct history ids, $same of them the history's sql row of that lead), $caught_up of them taken from the feed after its restart; the first three:"
head -n 3 "$handoffs"

# The picture: funnel and score distribution from the views.
# The funnel as stages reached (lead_qual.stage_reached: every lead that got
# to a stage or beyond, at any time), each with its conversion from the one
# before: "stage leads percent".
psql -X -At -F ' ' -c "
  WITH reached AS (
    SELECT 0 AS step, 'all' AS stage, count(*) AS leads FROM crm.leads
    UNION ALL
    SELECT lead_qual.stage_rank(r.stage), r.stage_name, count(*)
      FROM lead_qual.stage_reached r
     WHERE r.lead_table = 'crm.leads' AND r.stage_name IN ('mql', 'sql', 'opportunity', 'customer')
     GROUP BY r.stage, r.stage_name)
  SELECT stage, leads, round(100.0 * leads / NULLIF(lag(leads) OVER (ORDER BY step), 0), 1)
    FROM reached ORDER BY step" | sed 's/ $/ -/' >"$out/funnel.dat"
psql -X -At -F ' ' -c "SELECT band_low, leads, reached FROM lead_qual.score_bands WHERE lead_table = 'crm.leads'" >"$out/bands.dat"
# The learned model against the current one (report.sql kept fit_model()'s
# report in demo.proposal): "label current learned" per rule, the label a
# short reading of the rule, and the two holdout AUCs.
psql -X -q -At -F " " -f rules.sql >"$out/rules.dat"
read -r auc_current auc_learned < <(psql -X -At -F ' ' -c "
  SELECT round((report #>> '{holdout,auc_current}')::numeric, 3), round((report #>> '{holdout,auc_proposed}')::numeric, 3)
    FROM demo.proposal")
(cd "$out" && gnuplot -e "outfile='lead_qual_demo.png'; auc_current='$auc_current'; auc_learned='$auc_learned'" \
   "$OLDPWD/chart.gp")
echo
echo "[demo] chart written to $(cd "$out" && pwd)/lead_qual_demo.png"
echo "[demo] replay and reports took $(( $(date +%s) - start )) s"
