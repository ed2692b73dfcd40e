#!/usr/bin/env bash
# make bench: lead_qual against the alternatives users have (B0 bare insert,
# B1/B2 row triggers, B3 statement trigger), side by side in one run on a
# throwaway cluster. Writes test/bench/results.md. Never part of the tests.
#   BENCH_SCALE=0.1 bash test/bench/run.sh     # all sizes x0.1, a quick look
#   BENCH_ONLY="bulk stream" ...               # a subset of the scenarios
#   BENCH_NO_BUILD=1 ...                       # use the installed extension
# The installed extension is shared with other sessions: the report says
# whether the library changed during the run.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
export BENCH_DIR
export BENCH_SCALE=${BENCH_SCALE:-1}
export BENCH_ONLY=${BENCH_ONLY:-bulk stream instructions history batch rescore preview memory citus}
awk -v s="$BENCH_SCALE" 'BEGIN { exit !(s > 0 && s <= 10) }' || { echo "BENCH_SCALE must be in (0, 10]" >&2; exit 2; }

# Scratch space: the scenario outputs, and a directory the server (running as
# postgres) can write the COPY file into.
OUT=$(mktemp -d /tmp/lead_qual_bench.XXXXXX)
export OUT DATA_DIR="$OUT/data"
mkdir -m 1777 "$DATA_DIR"
chmod 755 "$OUT"
trap 'rm -rf "$OUT"' EXIT

start=$(date +%s)
source "$BENCH_DIR/../../scripts/pg_version.sh"
lib=$("$PG_CONFIG" --pkglibdir)/lead_qual.so
if [ -z "${BENCH_NO_BUILD:-}" ]; then bash "$BENCH_DIR/build.sh" "$OUT/build" >/dev/null; fi
if ldd "$lib" | grep -q 'libasan\|libubsan'; then
  echo "the installed $lib is a sanitizer build (another session's?): not benchmarking it" >&2
  exit 1
fi
sha256sum "$lib" | cut -d' ' -f1 >"$OUT/lib_before"

# Which code was measured: the commit, and whether the tree differed from it.
git -C "$BENCH_DIR" describe --always --dirty=' (uncommitted changes)' >"$OUT/commit" 2>/dev/null || echo unknown >"$OUT/commit"

# -t: a private temporary cluster (other sessions may have their own "regress").
# Big enough shared_buffers for the 5M-row batch table; no checkpoint in the
# middle of a measurement (each one starts with an explicit CHECKPOINT).
pg_virtualenv -t -v "$PG_MAJOR" -o 'shared_buffers=1GB' -o 'max_wal_size=4GB' -o 'checkpoint_timeout=30min' \
  -o 'max_parallel_workers_per_gather=2' bash "$BENCH_DIR/suite.sh"
export BENCH_SECONDS=$(( $(date +%s) - start ))
sha256sum "$lib" | cut -d' ' -f1 >"$OUT/lib_after"
bash "$BENCH_DIR/report.sh" >"$BENCH_DIR/results.md"
cat "$BENCH_DIR/results.md"
echo "[bench] total ${BENCH_SECONDS}s; wrote $BENCH_DIR/results.md" >&2
