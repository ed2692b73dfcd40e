# Rescore (and refresh, when this build has it) of every lead of a tracked
# leads table: LEADS leads with 10 activities each, twice each, best counts.
source "$BENCH_DIR/lib.sh"

leads=$(scaled 100000 100)
has_refresh=$(sql "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'lead_qual' AND p.proname = 'refresh'")
fns=(rescore)
[ "$has_refresh" -gt 0 ] && fns+=(refresh)
setup_loaded lead_qual "$leads"

declare -A best
for r in 1 2; do
  for f in "${fns[@]}"; do
    t=$(timed "SELECT lead_qual.$f('bench.leads')")
    best[$f]=$(min "$t" "${best[$f]:-$t}")
    log "$f run $r: ${t}s"
  done
done

{
  echo "## Rescore and refresh: $leads tracked leads, $((leads * 10)) activities"
  echo
  echo "| function | time (s) | leads/s |"
  echo "|---|---:|---:|"
  for f in "${fns[@]}"; do
    echo "| lead_qual.$f('leads') | $(fmt "${best[$f]}") | $(fmt "$(calc "$leads / ${best[$f]}")" 0) |"
  done
  [ "$has_refresh" -gt 0 ] || echo "| lead_qual.refresh('leads') | not in this build | |"
  echo
  echo "Best of 2. rescore() rebuilds every lead from its history; refresh() decays the stored states to now."
  echo
} >"$OUT/60_rescore.md"
