#!/usr/bin/env bash
# Builds the core library and its GoogleTest unit tests with AddressSanitizer
# (leak detection on) and UndefinedBehaviorSanitizer in build-asan/, runs them
# through ctest, and ends with the line "N passed, N failed" (unit test cases).
# Exits non-zero if any test failed, or if nothing could be built or run.
# Any sanitizer report aborts the test case that triggered it, so it counts as
# a failure (CMakeLists.txt compiles with -fno-sanitize-recover=all).
#
#   CXX=clang++ bash scripts/sanitize.sh     # another compiler (default: c++)
set -euo pipefail
cd "$(dirname "$0")/.."

build="build-asan"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# detect_leaks=1 is the default on x86-64 Linux; spelled out so that an
# inherited ASAN_OPTIONS cannot turn it off.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-}"

fail() {
  echo "sanitize: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

echo "== configure $build (LQ_SANITIZE=address,undefined)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DLQ_SANITIZE=address,undefined >"$log" 2>&1 ||
  { cat "$log"; fail "cmake configure failed"; }
echo "== build"
cmake --build "$build" -j"$(nproc)" >"$log" 2>&1 || { tail -n 60 "$log"; fail "build failed"; }

echo "== ctest"
rc=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 300 >"$log" 2>&1 || rc=$?
line=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1) || { tail -n 60 "$log"; fail "no ctest summary"; }
read -r failed _ _ _ _ total <<<"$line"
if [[ $failed -gt 0 || $rc -ne 0 ]]; then
  # Everything but the passing tests: the failing tests' output (sanitizer
  # reports with stack traces) and the list of failures.
  grep -vE 'Test +#[0-9]+: .* Passed' "$log" | head -n 400 || true
else
  tail -n 3 "$log"
fi
[[ $total -gt 0 ]] || fail "ctest ran no test"
echo "$((total - failed)) passed, $failed failed"
[[ $failed -eq 0 && $rc -eq 0 ]]
