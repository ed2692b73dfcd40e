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

# The sales-alert worker: a psql that LISTENs and runs a trivial query once a
# second, after which psql prints the notifications that arrived. It stops
# when the replay is done and is counted afterwards.
listener_log="$out/notifications.log"
stop_file=$(mktemp -u)
( { echo "LISTEN lead_qual;"; while [[ ! -e $stop_file ]]; do echo "SELECT 1;"; sleep 1; done; } |
    psql -X -q -At >"$listener_log" 2>&1 ) &
listener=$!
trap 'touch "$stop_file"; kill "$listener" 2>/dev/null || true' EXIT
sleep 1

psql_q -f replay.sql 2>&1 | sed -e 's/^psql:[^:]*:[0-9]*: NOTICE:  //'
sleep 2
touch "$stop_file"
wait "$listener" 2>/dev/null || true
rm -f "$stop_file"
trap - EXIT

psql_q -f report.sql

echo
echo "== Hand-offs received by the LISTENing client (channel lead_qual)"
received=$(grep -c 'Asynchronous notification' "$listener_log" || true)
to_sql=$(grep 'Asynchronous notification' "$listener_log" | grep -c '"to":"sql"' || true)
echo "$received notifications received, $to_sql of them hand-offs to sales (to: sql); the first three of those:"
# (awk stops reading after three, without a SIGPIPE failing the pipeline)
grep 'Asynchronous notification' "$listener_log" | grep '"to":"sql"' |
  awk 'n < 3 { sub(/^Asynchronous notification "lead_qual" with payload "/, ""); sub(/" received from server process.*$/, ""); print; n++ }'

# The picture: funnel and score distribution from the views.
psql -X -At -F ' ' -c "SELECT stage, leads FROM lead_qual.funnel WHERE lead_table = 'crm.leads'::regclass" >"$out/funnel.dat"
psql -X -At -F ' ' -c "SELECT band_low, leads, reached FROM lead_qual.score_bands WHERE lead_table = 'crm.leads'::regclass" >"$out/bands.dat"
(cd "$out" && gnuplot -e "outfile='lead_qual_demo.png'" "$OLDPWD/chart.gp")
echo
echo "[demo] chart written to $(cd "$out" && pwd)/lead_qual_demo.png"
echo "[demo] replay and reports took $(( $(date +%s) - start )) s"
