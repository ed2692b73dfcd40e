# Bulk scenario: ACTS activities for LEADS leads in one INSERT ... SELECT and
# in one COPY, per variant on fresh identical tables. B1/B2 (row triggers)
# run on a tenth of the data (a tenth of the leads, still 10 activities
# each) and are extrapolated linearly, next to B0 on that same subset.
# B0, lead_qual (both models), B3 and F1 run ROUNDS times, alternating; the
# best time counts.
source "$BENCH_DIR/lib.sh"

leads=$(scaled 100000 100)
acts=$((leads * 10))
sub_leads=$(( (leads + 9) / 10 ))
sub_acts=$((sub_leads * 10))
copy_file="$DATA_DIR/activities.copy"
cols="lead_id, activity, occurred_at, properties"

# The COPY file, written once by the server (it reads it back the same way).
sql "COPY (SELECT $cols FROM bench.activity_src WHERE lead_id <= $leads ORDER BY i) TO '$copy_file'"
sql "COPY (SELECT $cols FROM bench.activity_src WHERE lead_id <= $sub_leads ORDER BY i) TO '$copy_file.sub'"

# bulk VARIANT LEADS FILE-SUFFIX: prints "insert_seconds copy_seconds".
bulk() {
  local n=$(( $2 * 10 )) ins cp
  setup "$1" "$2"
  ins=$(PGOPTIONS=$(variant_options "$1") timed "INSERT INTO bench.activities ($cols) SELECT $cols FROM bench.activity_src WHERE lead_id <= $2")
  # The realistic model's rules must match the data: its stages show it.
  [ "$1" != lead_qual_realistic ] ||
    log "bulk $1 stages: $(sql "SELECT string_agg(stage || ' ' || n, ', ' ORDER BY stage) FROM (SELECT stage, count(*) AS n FROM bench.leads GROUP BY stage) s")"
  setup "$1" "$2"
  cp=$(PGOPTIONS=$(variant_options "$1") timed "COPY bench.activities ($cols) FROM '$copy_file$3'")
  log "bulk $1 $n rows: insert ${ins}s copy ${cp}s"
  echo "$ins $cp"
}

declare -A ins cp
label() {
  case $1 in
    lead_qual_realistic) echo "lead_qual, realistic model" ;;
    *_ff70) echo "${1%_ff70}, leads fillfactor 70" ;;
    lead_qual_update) echo "lead_qual, leads written by UPDATE" ;;
    *) echo "$1" ;;
  esac
}
for ((r = 1; r <= ${BENCH_ROUNDS:-2}; r++)); do
  for v in B0 lead_qual lead_qual_realistic B3 F1 F0 lead_qual_ff70 F1_ff70 lead_qual_update; do
    read -r i c < <(bulk "$v" "$leads" "")
    ins[$v]=$(min "$i" "${ins[$v]:-$i}") cp[$v]=$(min "$c" "${cp[$v]:-$c}")
  done
done
for v in B0 B2 B1 F2; do read -r "ins[$v.sub]" "cp[$v.sub]" < <(bulk "$v" "$sub_leads" .sub); done
# The cost of a nullable occurred_at (one run): lead_qual's BEFORE ROW
# stamping trigger, which turns off COPY's multi-row inserts.
read -r "ins[lead_qual_nullable]" "cp[lead_qual_nullable]" < <(bulk lead_qual_nullable "$leads" "")

{
  echo "## Bulk: $acts activities for $leads leads (10 per lead), one statement"
  echo
  echo "Fresh tables per run; time of the one statement, commit included. B0, lead_qual, B3, F1, F0: best of ${BENCH_ROUNDS:-2}."
  echo "lead_qual runs bench_model (what every baseline implements); \"lead_qual, realistic model\" runs bench_realistic"
  echo "(\`test/bench/sql/model_realistic.sql\`: 7 fit rules, 9 engagement rules of which 4 test properties, 14-day half-life)."
  echo "| variant | INSERT ... SELECT (s) | ratio to B0 | COPY (s) | ratio to B0 |"
  echo "|---|---:|---:|---:|---:|"
  for v in B0 lead_qual lead_qual_realistic B3 F1 F0 lead_qual_ff70 F1_ff70 lead_qual_update; do
    echo "| $(label "$v") | $(fmt "${ins[$v]}") | $(fmt "$(calc "${ins[$v]} / ${ins[B0]}")") | $(fmt "${cp[$v]}") | $(fmt "$(calc "${cp[$v]} / ${cp[B0]}")") |"
  done
  v=lead_qual_nullable
  echo "| lead_qual, nullable occurred_at (one run) | $(fmt "${ins[$v]}") | $(fmt "$(calc "${ins[$v]} / ${ins[B0]}")") | $(fmt "${cp[$v]}") | $(fmt "$(calc "${cp[$v]} / ${cp[B0]}")") |"
  for v in B2 B1 F2; do
    echo "| $v (extrapolated ×10 from $sub_acts rows) | $(fmt "$(calc "${ins[$v.sub]} * 10")") | $(fmt "$(calc "${ins[$v.sub]} / ${ins[B0.sub]}")") | $(fmt "$(calc "${cp[$v.sub]} * 10")") | $(fmt "$(calc "${cp[$v.sub]} / ${cp[B0.sub]}")") |"
  done
  echo
  echo "The activity table's occurred_at is NOT NULL DEFAULT now() in every variant but \"lead_qual, nullable"
  echo "occurred_at\", where track() adds the BEFORE ROW trigger that stamps NULL times (COPY then inserts row by row)."
  echo
  echo "\"leads fillfactor 70\": the same on a leads table with fillfactor 70, so that each page has room for the new row"
  echo "versions of its leads (HOT updates: no new index entries); the activity table is the same."
  echo
  echo "\"leads written by UPDATE\": lead_qual with lead_qual.direct_lead_writes off, each statement's leads written"
  echo "by one UPDATE (how every lead_qual wrote them before the direct writes; README \"How the leads are written\")."
  echo
  echo "F1 and F2 are the floors of issue #17: a statement trigger that reads the transition table and updates each"
  echo "touched lead once, and a row trigger that updates the lead once per row; neither computes anything."
  echo "F0 is a statement trigger declared with the transition table whose function returns at once: the capture"
  echo "of the inserted rows alone, which every statement trigger reading them (F1, B3, lead_qual) pays first."
  echo
  echo "B2, B1 and F2 are row triggers, linear in the rows: they ran on $sub_acts rows for $sub_leads leads; their ratios are"
  echo "to B0 on that same subset (B0: INSERT $(fmt "${ins[B0.sub]}") s, COPY $(fmt "${cp[B0.sub]}") s)."
  echo
} >"$OUT/20_bulk.md"

for m in "INSERT ... SELECT:ins" "COPY:cp"; do
  label=${m%%:*}
  declare -n t=${m##*:}
  r=$(calc "${t[lead_qual]} / ${t[B0]}")
  target "bulk $label: lead_qual / B0" "<= 1.5" "$(fmt "$r")" "$(awk -v r="$r" 'BEGIN { print (r <= 1.5) }')"
  target "bulk $label: lead_qual vs B3" "faster than B3" \
    "$(fmt "${t[lead_qual]}") s vs $(fmt "${t[B3]}") s" "$(awk -v a="${t[lead_qual]}" -v b="${t[B3]}" 'BEGIN { print (a < b) }')"
  for v in lead_qual lead_qual_realistic; do
    r=$(calc "${t[$v]} / ${t[F1]}")
    target "bulk $label: $(label "$v") / F1 (issue #17)" "<= 1.1" "$(fmt "$r")" "$(awk -v r="$r" 'BEGIN { print (r <= 1.1) }')"
    r=$(calc "${t[$v]} / ${t[B0]}")
    target "bulk $label: $(label "$v") / B0 (issue #17)" "<= 1.25" "$(fmt "$r")" "$(awk -v r="$r" 'BEGIN { print (r <= 1.25) }')"
  done
  unset -n t
done
