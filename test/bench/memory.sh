# Memory: the backend's memory during a bulk INSERT ... SELECT of 250k and
# of 1M activities (scaled) for the same leads, B0 and lead_qual. Sampled
# from /proc/<backend pid>/status every 20 ms (as root): peak RssAnon (the
# backend's private memory) and VmHWM (peak resident set, which also counts
# the shared buffers the backend touched, so it grows with the data written).
source "$BENCH_DIR/lib.sh"

leads=$(scaled 100000 100)
small=$(( leads * 10 / 4 ))
large=$(( leads * 10 ))
pidfile="$OUT/backend.pid"

# measure VARIANT ROWS: prints "peak_rss_anon_kb vm_hwm_kb" of the backend.
measure() {
  setup "$1" "$leads"
  rm -f "$pidfile"
  "${PSQL[@]}" -At -c "\\o $pidfile" -c "SELECT pg_backend_pid()" -c "\\o" -c "SELECT pg_sleep(0.2)" \
    -c "INSERT INTO bench.activities (lead_id, activity, occurred_at, properties)
        SELECT lead_id, activity, occurred_at, properties FROM bench.activity_src WHERE i <= $2" \
    -c "SELECT pg_sleep(0.2)" >/dev/null &
  local client=$! pid= anon=0 hwm=0 a h
  while [ -z "$pid" ] && kill -0 "$client" 2>/dev/null; do sleep 0.01; pid=$(cat "$pidfile" 2>/dev/null || true); done
  while kill -0 "$client" 2>/dev/null; do
    read -r a h < <(awk '/^RssAnon:/ { a = $2 } /^VmHWM:/ { h = $2 } END { print a + 0, h + 0 }' \
      "/proc/$pid/status" 2>/dev/null || echo "0 0")
    [ "$a" -gt "$anon" ] && anon=$a
    [ "$h" -gt "$hwm" ] && hwm=$h
    sleep 0.02
  done
  wait "$client"
  log "memory $1 $2 rows: RssAnon peak ${anon} kB, VmHWM ${hwm} kB"
  echo "$anon $hwm"
}

declare -A anon hwm
for v in B0 lead_qual; do
  for n in "$small" "$large"; do read -r "anon[$v.$n]" "hwm[$v.$n]" < <(measure "$v" "$n"); done
done

mb() { fmt "$(calc "$1 / 1024")" 1; }
{
  echo "## Memory: backend during one bulk INSERT ... SELECT ($leads leads)"
  echo
  echo "| variant | rows | peak RssAnon (MB) | VmHWM (MB) |"
  echo "|---|---:|---:|---:|"
  for v in B0 lead_qual; do
    for n in "$small" "$large"; do
      echo "| $v | $n | $(mb "${anon[$v.$n]}") | $(mb "${hwm[$v.$n]}") |"
    done
  done
  echo
  echo "RssAnon is the backend's private memory (sampled every 20 ms, peak); VmHWM is the kernel's peak resident set,"
  echo "which includes the pages of shared_buffers the backend touched. The transition table spills to disk beyond"
  echo "work_mem (4 MB), so private memory should not grow with the rows."
  echo
} >"$OUT/70_memory.md"

g=$(calc "${anon[lead_qual.$large]} / ${anon[lead_qual.$small]}")
target "memory: lead_qual private memory, $large rows / $small rows" "no growth with rows (<= 1.2)" \
  "$(mb "${anon[lead_qual.$small]}") MB → $(mb "${anon[lead_qual.$large]}") MB ($(fmt "$g"))" \
  "$(awk -v r="$g" 'BEGIN { print (r <= 1.2) }')"
