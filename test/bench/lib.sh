# Helpers shared by the scenario scripts (sourced; needs PG* from
# pg_virtualenv, BENCH_DIR, OUT and BENCH_SCALE from run.sh).

set -euo pipefail
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
# The variants drop and create tables: their NOTICEs are not results.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
source "$BENCH_DIR/../../scripts/pg_version.sh"
PGBENCH=$("$PG_CONFIG" --bindir)/pgbench

# scaled N [min]: N * BENCH_SCALE, rounded, at least `min` (default 1).
scaled() {
  awk -v n="$1" -v s="$BENCH_SCALE" -v m="${2:-1}" 'BEGIN { v = int(n * s + 0.5); print (v < m ? m : v) }'
}

# calc EXPR: floating-point arithmetic (awk), e.g. calc "3 / 2".
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }

# fmt N [digits]: a number rounded for the tables.
fmt() { awk -v n="$1" -v d="${2:-2}" 'BEGIN { if (n == "") print "n/a"; else printf "%.*f", d, n }'; }

sql() { "${PSQL[@]}" -At -c "$1"; }

# timed SQL...: runs the statements in one psql session with \timing and
# prints the seconds the last one took (client-side, commit included).
# Returns non-zero (printing nothing) when a statement fails, e.g. on
# statement_timeout.
timed() {
  local out
  out=$("${PSQL[@]}" -c '\timing on' "${@/#/-c}" 2>"$OUT/last_error") || return 1
  awk '/^Time: / { t = $2 } END { printf "%.3f", t / 1000 }' <<<"$out"
}

# variant_options VARIANT: the PGOPTIONS of VARIANT's measured sessions:
# lead_qual_update writes the leads through one UPDATE per statement, as
# every lead_qual did before the direct writes (README "How the leads are
# written"), on the same tables and trigger as lead_qual.
variant_options() {
  if [ "$1" = lead_qual_update ]; then echo "${PGOPTIONS:-} -c lead_qual.direct_lead_writes=off"; else echo "${PGOPTIONS:-}"; fi
}

# setup VARIANT LEADS: fresh tables with VARIANT's trigger, compacted and
# analyzed, dirty pages flushed, so the timed statement starts from the same
# state in every variant.
setup() {
  "${PSQL[@]}" -c "SELECT bench.reset('$1', $2)" -c "VACUUM FULL ANALYZE bench.leads" \
    -c "VACUUM ANALYZE bench.activities" -c "CHECKPOINT" >/dev/null
}

# verdict OK: "met" or "**not met**" for the targets table.
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "**not met**"; fi; }

# target NAME GOAL MEASURED OK: one row of the targets table.
target() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$(verdict "$4")" >>"$OUT/targets.md"; }

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# setup_loaded VARIANT LEADS: like setup, but the leads already have their
# 10 activities each (loaded without a trigger, then VARIANT attached: B2/B3
# get their running sums, lead_qual.track() scores every lead).
setup_loaded() {
  "${PSQL[@]}" -c "SELECT bench.reset('B0', $2)" \
    -c "INSERT INTO bench.activities (lead_id, activity, occurred_at, properties)
        SELECT lead_id, activity, occurred_at, properties FROM bench.activity_src WHERE lead_id <= $2" \
    -c "SELECT bench.attach('$1')" -c "VACUUM FULL ANALYZE bench.leads" -c "VACUUM ANALYZE bench.activities" \
    -c "CHECKPOINT" >/dev/null
}

# min A B...: the smallest number; max likewise.
min() { printf '%s\n' "$@" | sort -g | head -1; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
