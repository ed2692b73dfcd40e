# preview() and preview_summary() of a candidate model (issue #16) over a
# tracked leads table: LEADS leads with 10 activities each, both models
# evaluated in one grouped pass. Best of 2 each; nothing is written.
source "$BENCH_DIR/lib.sh"

leads=$(scaled 100000 100)
has_preview=$(sql "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'lead_qual' AND p.proname = 'preview'")
if [ "$has_preview" -eq 0 ]; then
  printf '## Preview of a candidate model\n\nNot in this build.\n\n' >"$OUT/70_preview.md"
  exit 0
fi
setup_loaded lead_qual "$leads"
# The candidate: bench_model with demo requests worth more and page views less.
candidate="(SELECT jsonb_set(jsonb_set(definition, '{engagement,rules,4,points}', '30'),
                             '{engagement,rules,0,points}', '0.5')
              FROM lead_qual.scoring_model WHERE name = 'bench_model')"

declare -A best
for r in 1 2; do
  for f in preview preview_summary; do
    t=$(timed "SELECT count(*) FROM lead_qual.$f('bench.leads', $candidate)")
    best[$f]=$(min "$t" "${best[$f]:-$t}")
    log "$f run $r: ${t}s"
  done
done

{
  echo "## Preview of a candidate model: $leads tracked leads, $((leads * 10)) activities"
  echo
  echo "| function | time (s) | leads/s |"
  echo "|---|---:|---:|"
  for f in preview preview_summary; do
    echo "| lead_qual.$f('leads', candidate) | $(fmt "${best[$f]}") | $(fmt "$(calc "$leads / ${best[$f]}")" 0) |"
  done
  echo
  echo "Best of 2. Both the current model and the candidate are evaluated for every lead (default outcome: opportunity)."
  echo
} >"$OUT/70_preview.md"
