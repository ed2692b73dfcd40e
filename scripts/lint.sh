#!/usr/bin/env bash
# Static checks of the C++: every file under src/ and test/ (*.cpp, *.hpp)
# must be formatted as .clang-format says (clang-format --dry-run -Werror),
# and every translation unit under src/ must pass the clang-tidy checks of
# .clang-tidy. Compile commands come from CMake for src/core and from the
# PGXS Makefile (make -n) for src/pg, merged into build-lint/. Ends with the
# line "N passed, N failed" (N = files checked by clang-format plus
# translation units checked by clang-tidy) and exits non-zero if any failed.
#
#   LINT_ONLY=format bash scripts/lint.sh    # or LINT_ONLY=tidy
set -euo pipefail
cd "$(dirname "$0")/.."

build="build-lint"
jobs=$(nproc)
only=${LINT_ONLY:-}
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
source scripts/pg_version.sh

fail() {
  echo "lint: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}
for tool in clang-format clang-tidy python3; do
  command -v "$tool" >/dev/null || fail "$tool not found (apt-get install clang-format clang-tidy)"
done

passed=0 failed=0

if [[ -z $only || $only == format ]]; then
  echo "== clang-format --dry-run -Werror"
  mapfile -t sources < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'test/*.cpp' 'test/*.hpp')
  for f in "${sources[@]}"; do
    if clang-format --dry-run -Werror "$f" >"$logdir/format.log" 2>&1; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL format $f"
      head -n 20 "$logdir/format.log"
    fi
  done
fi

if [[ -z $only || $only == tidy ]]; then
  echo "== compile commands ($build/compile_commands.json)"
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLQ_UNIT_TESTS=OFF >"$logdir/cmake.log" 2>&1 ||
    { cat "$logdir/cmake.log"; fail "cmake configure failed"; }
  # PGXS has no compile database: take the compile lines make would run.
  make -n -B PG_CONFIG="$PG_CONFIG" 2>/dev/null >"$logdir/make.txt" || fail "make -n failed"
  python3 - "$build/compile_commands.json" "$logdir/make.txt" <<'PY' || fail "writing the compile database failed"
import json, os, shlex, sys
db_path, make_path = sys.argv[1], sys.argv[2]
root = os.getcwd()
entries = [e for e in json.load(open(db_path)) if "/src/core/" in e["file"]]
for line in open(make_path):
    args = shlex.split(line)
    if "-c" in args and args[-1].startswith("src/pg/") and args[-1].endswith(".cpp"):
        entries.append({"directory": root, "file": os.path.join(root, args[-1]), "arguments": args})
json.dump(entries, open(db_path, "w"), indent=1)
PY
  echo "== clang-tidy ($(grep -c '"file"' "$build/compile_commands.json") translation units, $jobs at a time)"
  mapfile -t units < <(git ls-files 'src/*.cpp')
  for f in "${units[@]}"; do
    while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
    log="$logdir/tidy.$(tr / _ <<<"$f")"
    {
      rc=0
      # g++ warning flags from PGXS that clang does not know are not findings.
      clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option "$f" >"$log" 2>&1 || rc=$?
      echo "$rc" >"$log.rc"
    } &
  done
  wait || true
  for f in "${units[@]}"; do
    log="$logdir/tidy.$(tr / _ <<<"$f")"
    if [[ $(cat "$log.rc") == 0 ]]; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAIL tidy $f"
      grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated|^Suppressed|^Use -header-filter|^Error while processing' "$log" | head -n 40
    fi
  done
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
