# Batch scoring: engagement of every lead over ACTS stored activities, with
# lead_qual's parallel aggregate and with the equivalent SQL expression
# (sql/batch_*.sql), alternating, BATCH_ROUNDS runs each (default 5: on a
# shared 2-core machine one run of the same query moves by a quarter), best
# counts; at the default work_mem and at 256MB (no spilling of the hash
# aggregate). Both must get parallel plans (Gather + Partial Aggregate) and
# the same total engagement. Also: the floor (the same GROUP BY computing
# nothing), and once, the SQL written with extract() (numeric; about ten
# times slower).
source "$BENCH_DIR/lib.sh"

leads=$(scaled 100000 100)
acts=$(scaled 5000000 1000)
as_of=$(sql "SELECT now()")
variants=(lead_qual sql floor)
mems=(4MB 256MB)
"${PSQL[@]}" -v leads="$leads" -v acts="$acts" -f "$BENCH_DIR/sql/batch_data.sql" >/dev/null
sql "CHECKPOINT" >/dev/null

# run VARIANT WORK_MEM [EXPLAIN]: psql output of the query (with \timing).
run() {
  "${PSQL[@]}" -At -v as_of="$as_of" -c "SET max_parallel_workers_per_gather = 2" -c "SET work_mem = '$2'" \
    -c '\timing on' -f <(echo "${3:-}"; grep -v '^--' "$BENCH_DIR/sql/batch_$1.sql")
}

declare -A best total plan
for v in "${variants[@]}"; do plan[$v]=$(run "$v" 4MB "EXPLAIN (COSTS OFF)" | grep -v '^Time:'); done
rounds=${BATCH_ROUNDS:-5}
for ((r = 1; r <= rounds; r++)); do
  for m in "${mems[@]}"; do
    for v in "${variants[@]}"; do
      out=$(run "$v" "$m")
      t=$(awk '/^Time: / { printf "%.3f", $2 / 1000 }' <<<"$out")
      total[$v.$m]=$(grep '|' <<<"$out")
      best[$v.$m]=$(min "$t" "${best[$v.$m]:-$t}")
      log "batch $v work_mem=$m run $r: ${t}s (${total[$v.$m]})"
    done
  done
done

out=$(run sql_extract 4MB)
best[sql_extract.4MB]=$(awk '/^Time: / { printf "%.3f", $2 / 1000 }' <<<"$out")
total[sql_extract.4MB]=$(grep '|' <<<"$out")
plan[sql_extract]=$(run sql_extract 4MB "EXPLAIN (COSTS OFF)" | grep -v '^Time:')
log "batch sql_extract work_mem=4MB: ${best[sql_extract.4MB]}s (${total[sql_extract.4MB]})"

parallel() { grep -q 'Gather' <<<"${plan[$1]}" && grep -q 'Partial' <<<"${plan[$1]}" && echo yes || echo no; }
# same A B: 1 when two "count|sum" results agree (sums to 1e-9 relative).
same() {
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, "|"); split(b, y, "|"); d = x[2] - y[2]; d = d < 0 ? -d : d
    m = y[2] < 0 ? -y[2] : y[2]; print (x[1] == y[1] && d <= 1e-9 * m + 1e-9) }'
}
ok_same=1
for k in "${!total[@]}"; do [[ $k == floor.* ]] || [ "$(same "${total[$k]}" "${total[sql.4MB]}")" = 1 ] || ok_same=0; done
label() {
  case $1 in
    lead_qual) echo "lead_qual.engagement(engagement_state(...))" ;;
    sql) echo "SQL: CASE points, power() decay (float8, date_part), LEAST caps" ;;
    sql_extract) echo "SQL as often written: extract(epoch ...) (numeric; one run)" ;;
    floor) echo "floor: the same GROUP BY, count(*) only" ;;
  esac
}
{
  echo "## Batch scoring: engagement of $leads leads over $acts stored activities"
  echo
  echo "One GROUP BY lead query (\`test/bench/sql/batch_*.sql\`), max_parallel_workers_per_gather = 2, best of $rounds, as of"
  echo "one fixed time. Ratio: the SQL's time / lead_qual's at the same work_mem (> 1: lead_qual faster)."
  echo
  echo "| variant | parallel plan | work_mem 4MB (s) | ratio | work_mem 256MB (s) | ratio |"
  echo "|---|---|---:|---:|---:|---:|"
  for v in "${variants[@]}"; do
    echo "| $(label "$v") | $(parallel "$v") | $(fmt "${best[$v.4MB]}") | $(fmt "$(calc "${best[$v.4MB]} / ${best[lead_qual.4MB]}")") |" \
         "$(fmt "${best[$v.256MB]}") | $(fmt "$(calc "${best[$v.256MB]} / ${best[lead_qual.256MB]}")") |"
  done
  echo "| $(label sql_extract) | $(parallel sql_extract) | $(fmt "${best[sql_extract.4MB]}") |" \
       "$(fmt "$(calc "${best[sql_extract.4MB]} / ${best[lead_qual.4MB]}")") | | |"
  echo
  echo "The floor bounds any speed-up: even a free engagement computation makes lead_qual at most"
  echo "$(fmt "$(calc "${best[sql.4MB]} / ${best[floor.4MB]}")")x faster than the float8 SQL here (SQL time / floor time, work_mem 4MB)."
  echo
  echo "Same leads and total engagement in every run: $( [ $ok_same = 1 ] && echo yes || echo "**no**") (count|sum: ${total[lead_qual.4MB]})."
  echo
  echo "lead_qual's plan:"
  echo '```'
  echo "${plan[lead_qual]}"
  echo '```'
  echo
} >"$OUT/50_batch.md"

r=$(calc "${best[sql.4MB]} / ${best[lead_qual.4MB]}")
target "batch scoring: SQL (float8) time / lead_qual time, default work_mem" ">= 3" "$(fmt "$r")" \
  "$(awk -v r="$r" 'BEGIN { print (r >= 3) }')"
target "batch scoring: SQL (float8) time / lead_qual time, default work_mem (issue #17)" ">= 1.3" "$(fmt "$r")" \
  "$(awk -v r="$r" 'BEGIN { print (r >= 1.3) }')"
ok=$([ "$(parallel lead_qual)" = yes ] && [ $ok_same = 1 ] && echo 1 || echo 0)
target "batch scoring: lead_qual plan parallel, results equal SQL's" "Gather + Partial Aggregate; same total" \
  "parallel: $(parallel lead_qual), same total: $( [ $ok_same = 1 ] && echo yes || echo no)" "$ok"
sql "DROP TABLE bench.batch_acts" >/dev/null
