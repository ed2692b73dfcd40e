# Streaming scenario: single-row INSERTs (one transaction each, prepared)
# from 4 concurrent clients for a random lead among LEADS that already have
# 10 activities each. Variants alternate, ROUNDS times; best TPS counts.
# First with fsync off (pg_virtualenv's default: commits cost no flush, so
# the ratio is the CPU cost alone; this is the target), then one round with
# fsync on (every commit flushes WAL, as in production).
source "$BENCH_DIR/lib.sh"

leads=$(scaled 100000 100)
seconds=$(scaled 20 5)
rounds=${BENCH_ROUNDS:-3}
variants=(B0 B2 F2 lead_qual lead_qual_realistic lead_qual_ff70 lead_qual_update)
declare -A tps lat
label() {
  case $1 in
    lead_qual_realistic) echo "lead_qual, realistic model" ;;
    *_ff70) echo "${1%_ff70}, leads fillfactor 70" ;;
    lead_qual_update) echo "lead_qual, leads written by UPDATE" ;;
    *) echo "$1" ;;
  esac
}

# round FSYNC: one pgbench run per variant, keeping each one's best.
round() {
  local v out t l
  for v in "${variants[@]}"; do
    setup_loaded "$v" "$leads"
    out=$(PGOPTIONS=$(variant_options "$v") "$PGBENCH" -n -M prepared -c 4 -j 2 -T "$seconds" -D leads="$leads" -f "$BENCH_DIR/stream.pgbench" 2>&1)
    t=$(awk '/^tps = / { print $3 }' <<<"$out")
    l=$(awk '/^latency average = / { print $4 }' <<<"$out")
    log "stream fsync=$1 $v: $t tps, $l ms"
    if [ -z "${tps[$1.$v]:-}" ] || awk -v a="$t" -v b="${tps[$1.$v]}" 'BEGIN { exit !(a > b) }'; then
      tps[$1.$v]=$t lat[$1.$v]=$l
    fi
  done
}

fsync() { sql "ALTER SYSTEM SET fsync = $1" >/dev/null; sql "SELECT pg_reload_conf()" >/dev/null; sleep 0.5; }
fsync off
for ((r = 1; r <= rounds; r++)); do round off; done
fsync on
round on
fsync off

{
  echo "## Streaming: single-row INSERTs from 4 clients"
  echo
  echo "\`pgbench -c 4 -j 2 -M prepared -T $seconds\`, one transaction per activity of a random lead among $leads that"
  echo "have 10 activities each (\`test/bench/stream.pgbench\`). fsync off: best of $rounds (CPU cost alone); fsync on: one run."
  echo
  echo "| variant | TPS, fsync off | ratio to B0 | mean latency (ms) | TPS, fsync on | ratio to B0 |"
  echo "|---|---:|---:|---:|---:|---:|"
  for v in "${variants[@]}"; do
    echo "| $(label "$v") | $(fmt "${tps[off.$v]}" 0) | $(fmt "$(calc "${tps[off.$v]} / ${tps[off.B0]}")") | $(fmt "${lat[off.$v]}" 3) |" \
         "$(fmt "${tps[on.$v]}" 0) | $(fmt "$(calc "${tps[on.$v]} / ${tps[on.B0]}")") |"
  done
  echo
} >"$OUT/30_stream.md"

r=$(calc "${tps[off.lead_qual]} / ${tps[off.B0]}")
target "streaming: lead_qual TPS / B0 TPS (fsync off)" ">= 0.6" "$(fmt "$r")" "$(awk -v r="$r" 'BEGIN { print (r >= 0.6) }')"
for v in lead_qual lead_qual_realistic; do
  r=$(calc "${tps[off.$v]} / ${tps[off.B0]}")
  target "streaming: $(label "$v") TPS / B0 TPS, fsync off (issue #17)" ">= 0.8" "$(fmt "$r")" "$(awk -v r="$r" 'BEGIN { print (r >= 0.8) }')"
  r=$(calc "${tps[off.$v]} / ${tps[off.F2]}")
  target "streaming: $(label "$v") TPS / F2 TPS, fsync off (issue #17)" ">= 0.95" "$(fmt "$r")" "$(awk -v r="$r" 'BEGIN { print (r >= 0.95) }')"
done
