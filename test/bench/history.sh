# History growth: the cost of one more activity for a lead that already has
# 10, 100, 1,000 or 10,000. Five leads per size; each transaction inserts one
# activity and rolls back, so the histories stay put. One client; the sizes
# run up then down, four times over, and each size's figure is the median
# latency of all its transactions (BEGIN, INSERT, ROLLBACK), from pgbench's
# per-transaction log: other load on the machine delays some transactions,
# not the median.
source "$BENCH_DIR/lib.sh"

sizes=(10 100 1000 10000)
per_size=5
txns=$(scaled 500 50)
declare -A lat

# Leads 1..20: group g holds leads g*5+1 .. g*5+5 with sizes[g] activities
# each, stored lead by lead (contiguous: the cheapest case for B1).
"${PSQL[@]}" -c "SELECT bench.reset('B0', $((per_size * ${#sizes[@]})))" -c "
  INSERT INTO bench.activities (lead_id, activity, occurred_at, properties)
  SELECT l, (ARRAY['page_view', 'email_click', 'content_download', 'webinar', 'demo_request'])[1 + (l * 31 + n) % 5],
         now() - (n * 7919 % 7776000) * interval '1 second', '{\"url\": \"/page/1\"}'
    FROM unnest(ARRAY[$(IFS=,; echo "${sizes[*]}")]) WITH ORDINALITY AS s(size, g),
         generate_series((g::int - 1) * $per_size + 1, g::int * $per_size) AS l, generate_series(1, size) AS n
   ORDER BY l, n" >/dev/null

for v in B0 B2 B1 lead_qual; do
  "${PSQL[@]}" -c "SELECT bench.detach()" -c "SELECT bench.attach('$v')" -c "VACUUM ANALYZE bench.leads" \
    -c "VACUUM ANALYZE bench.activities" -c "CHECKPOINT" >/dev/null
  for order in "0 1 2 3" "3 2 1 0" "0 1 2 3" "3 2 1 0" "0 1 2 3" "3 2 1 0" "0 1 2 3" "3 2 1 0"; do
    for g in $order; do
      "$PGBENCH" -n -M prepared -c 1 -t "$txns" -D lo=$((g * per_size + 1)) -D hi=$((g * per_size + per_size)) \
        -l --log-prefix="$OUT/history_$v.${sizes[$g]}" -f "$BENCH_DIR/history.pgbench" >/dev/null 2>&1
    done
  done
  for s in "${sizes[@]}"; do
    # Field 3 of pgbench's log: the transaction's latency in microseconds.
    lat[$v.$s]=$(cat "$OUT/history_$v.$s".* | awk '{ print $3 / 1000 }' | sort -g |
      awk '{ x[NR] = $1 } END { print (NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2) }')
  done
  log "history $v: $(for s in "${sizes[@]}"; do printf '%s:%sms ' "$s" "${lat[$v.$s]}"; done)"
done

# growth VARIANT: largest / smallest median over the sizes.
growth() {
  local all=("${lat[$1.10]}" "${lat[$1.100]}" "${lat[$1.1000]}" "${lat[$1.10000]}")
  calc "$(max "${all[@]}") / $(min "${all[@]}")"
}
{
  echo "## History growth: one more activity for a lead with N activities"
  echo
  echo "Median latency (ms) of BEGIN; INSERT one activity; ROLLBACK (one client, $((txns * 8)) transactions per size in 8"
  echo "runs, sizes interleaved; \`test/bench/history.pgbench\`). Growth: the largest median / the smallest."
  echo
  echo "| variant | N = 10 | 100 | 1,000 | 10,000 | growth |"
  echo "|---|---:|---:|---:|---:|---:|"
  for v in B0 B2 B1 lead_qual; do
    echo "| $v | $(for s in "${sizes[@]}"; do printf '%s | ' "$(fmt "${lat[$v.$s]}" 3)"; done)$(fmt "$(growth "$v")") |"
  done
  echo
} >"$OUT/40_history.md"

r=$(growth lead_qual)
target "history growth: lead_qual, largest / smallest median latency" "<= 1.2 (flat)" "$(fmt "$r")" \
  "$(awk -v r="$r" 'BEGIN { print (r <= 1.2) }')"
r=$(growth B1)
target "history growth: B1 grows" "B1 largest / smallest > 1.2" "$(fmt "$r")" "$(awk -v r="$r" 'BEGIN { print (r > 1.2) }')"
