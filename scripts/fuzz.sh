#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz/*.cpp, with AddressSanitizer and
# UndefinedBehaviorSanitizer; CMake option LQ_FUZZ) in build-fuzz/ with
# clang++, then runs each one for FUZZ_SECONDS (default 30) seconds, starting
# from its seed corpus test/fuzz/corpus/<target>/ (new inputs go to
# build-fuzz/corpus/<target>/, never into the repository), FUZZ_JOBS (default
# nproc) targets at a time. A target fails when it crashes, trips a sanitizer or a check, leaks,
# times out or runs out of memory; the input is kept in
# build-fuzz/artifacts/<target>/ and printed in hex. Ends with the line
# "N passed, N failed" (N = targets) and exits non-zero if any failed.
#
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh            # a longer run
#   FUZZ_SECONDS=600 FUZZ_JOBS=1 bash scripts/fuzz.sh  # ... on one core
#   FUZZ_TARGETS="model predicate" bash scripts/fuzz.sh
#   build-fuzz/fuzz_model build-fuzz/artifacts/model/crash-...   # reproduce
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
build="build-fuzz"
jobs=${FUZZ_JOBS:-$(nproc)}
logdir=$(mktemp -d)
pids=()
cleanup() {  # stops our own runs (the fuzzers are the children of $pids) if interrupted
  local pid
  for pid in "${pids[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$logdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "fuzz: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

cxx=${FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}
[[ -n "$cxx" ]] || fail "clang++ not found (apt-get install clang libclang-rt-14-dev)"

echo "== configure $build (LQ_FUZZ=ON, $cxx)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DLQ_FUZZ=ON -DLQ_UNIT_TESTS=OFF >"$logdir/cmake.log" 2>&1 || { cat "$logdir/cmake.log"; fail "cmake configure failed"; }
echo "== build"
cmake --build "$build" -j"$jobs" >"$logdir/build.log" 2>&1 || { tail -n 60 "$logdir/build.log"; fail "build failed"; }

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for f in test/fuzz/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
[[ ${#targets[@]} -gt 0 ]] || fail "no fuzz target in test/fuzz"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

run_target() {  # target -> exit status of the fuzzer
  local t=$1
  local exe=$build/fuzz_$t seeds=test/fuzz/corpus/$t work=$build/corpus/$t artifacts=$build/artifacts/$t
  mkdir -p "$work" "$artifacts" "$seeds"
  local args=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -max_len=8192
              -print_final_stats=1 -artifact_prefix="$artifacts/")
  [[ -f test/fuzz/$t.dict ]] && args+=(-dict="test/fuzz/$t.dict")
  "$exe" "${args[@]}" "$work" "$seeds"
}

echo "== run ${#targets[@]} targets for ${seconds}s each, $jobs at a time"
for t in "${targets[@]}"; do
  [[ -x $build/fuzz_$t ]] || fail "no fuzz target $t"
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
  rm -rf "$build/artifacts/$t"
  {
    rc=0
    run_target "$t" >"$logdir/$t.log" 2>&1 || rc=$?
    echo "$rc" >"$logdir/$t.rc"
  } &
  pids+=($!)
done
wait || true
pids=()

passed=0 failed=0
for t in "${targets[@]}"; do
  rc=$(cat "$logdir/$t.rc" 2>/dev/null || echo "none")
  log=$logdir/$t.log
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 || true)
  if [[ $rc == 0 ]] && grep -q 'Done [0-9]* runs' "$log"; then
    passed=$((passed + 1))
    echo "ok   $t: $runs runs, ${cov:-cov: ?}"
  else
    failed=$((failed + 1))
    echo "FAIL $t (exit $rc): $runs runs"
    grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse|INITED|RELOAD)' "$log" | tail -n 80
    for a in "$build/artifacts/$t"/*; do
      [[ -f $a ]] || continue
      echo "  input $a ($(stat -c %s "$a") bytes):"
      head -c 512 "$a" | od -A d -t x1z | head -n 40
    done
  fi
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
