# Several scores per lead (issue #16, README "Several scores per lead"): the
# cost of a second model added with add_score(), which has its own trigger
# set and so writes each lead a second time. lead_qual alone against
# lead_qual with a challenger (the bench model again under another name:
# the same work twice), on identical fresh tables, alternating; best of
# ROUNDS. Bulk: one INSERT ... SELECT of 10 activities for each of LEADS
# leads. Streaming: stream.sh's single-row INSERTs (pgbench, 4 clients,
# fsync off).
source "$BENCH_DIR/lib.sh"

leads=$(scaled 100000 100)
acts=$((leads * 10))
seconds=$(scaled 20 5)
rounds=${BENCH_ROUNDS:-2}
cols="lead_id, activity, occurred_at, properties"
sql "INSERT INTO lead_qual.scoring_model (name, definition)
     SELECT 'bench_challenger', m.definition FROM lead_qual.scoring_model m WHERE m.name = 'bench_model'
     ON CONFLICT DO NOTHING" >/dev/null
challenger() {
  "${PSQL[@]}" -c "SELECT lead_qual.add_score('bench.leads', 'bench_challenger', '{\"add_columns\": true}')" \
    -c "VACUUM FULL ANALYZE bench.leads" -c "CHECKPOINT" >/dev/null
}

declare -A ins tps
for ((r = 1; r <= rounds; r++)); do
  for v in one two; do
    setup lead_qual "$leads"
    if [ "$v" = two ]; then challenger; fi
    i=$(timed "INSERT INTO bench.activities ($cols) SELECT $cols FROM bench.activity_src WHERE lead_id <= $leads")
    ins[$v]=$(min "$i" "${ins[$v]:-$i}")
    setup_loaded lead_qual "$leads"
    if [ "$v" = two ]; then challenger; fi
    out=$("$PGBENCH" -n -M prepared -c 4 -j 2 -T "$seconds" -D leads="$leads" -f "$BENCH_DIR/stream.pgbench" 2>&1)
    t=$(awk '/^tps = / { print $3 }' <<<"$out")
    tps[$v]=$(max "$t" "${tps[$v]:-$t}")
    log "scores $v model(s): insert ${i}s, stream $t tps"
  done
done

{
  echo "## Several scores per lead: the cost of a challenger"
  echo
  echo "lead_qual with its one model, and with a second model added by \`add_score()\` (the same definition under another"
  echo "name: the same work twice). Bulk: one INSERT ... SELECT of $acts activities for $leads leads, fresh tables, best of"
  echo "$rounds. Streaming: \`test/bench/stream.pgbench\` as in the streaming scenario (4 clients, fsync off, ${seconds} s), best of $rounds."
  echo
  echo "| models | INSERT ... SELECT (s) | ratio | streaming TPS | ratio |"
  echo "|---|---:|---:|---:|---:|"
  echo "| one (track()) | $(fmt "${ins[one]}") | 1.00 | $(fmt "${tps[one]}" 0) | 1.00 |"
  echo "| two (track() + add_score()) | $(fmt "${ins[two]}") | $(fmt "$(calc "${ins[two]} / ${ins[one]}")") |" \
       "$(fmt "${tps[two]}" 0) | $(fmt "$(calc "${tps[two]} / ${tps[one]}")") |"
  echo
} >"$OUT/80_scores.md"
