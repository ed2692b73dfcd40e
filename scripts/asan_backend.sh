#!/usr/bin/env bash
# By hand, not part of scripts/test.sh: the pg_regress suite and the isolation
# specs against a PostgreSQL backend (scripts/pg_version.sh chooses which) running lead_qual built with
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
# PostgreSQL itself is not instrumented: the extension is compiled with
# -fsanitize=address,undefined and brings the sanitizer runtimes with it into
# every backend that loads it. Checked: lead_qual's stack and global accesses
# (overflows, use after scope or return) and undefined behaviour. Not
# checked: heap accesses, since the runtime cannot replace malloc after the
# server started (see below); the core's own heap use is covered by the unit
# tests under ASan in scripts/sanitize.sh. Any report aborts the backend
# (halt_on_error, no recovery from UB), which fails the test that triggered
# it, and is written to the report directory; the script fails when a test
# fails or any report was written. Leak detection is off: PostgreSQL frees
# memory by context, not one by one.
#
# The sanitizer build replaces the installed lead_qual.so for the duration of
# the run (the control file loads '$libdir/lead_qual'); the normal build is
# reinstalled on exit, whatever happens. Do not run benchmarks meanwhile
# (test/bench/run.sh refuses a sanitizer build).
#
#   bash scripts/asan_backend.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
source scripts/pg_version.sh
bindir=$("$PG_CONFIG" --bindir)
port=${ASAN_PORT:-54329}

work=$(mktemp -d /tmp/lead_qual_asan.XXXXXX)
chmod 755 "$work"
mkdir -m 777 "$work/reports"
tree=$(pwd)
cleanup() {
  if [[ -f $work/data/postmaster.pid ]]; then
    runuser -u postgres -- "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  echo "== reinstalling the normal build"
  (cd "$tree" && bash scripts/build.sh)
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building lead_qual with -fsanitize=address,undefined (a copy of the tree in $work/src)"
mkdir "$work/src"
git ls-files -z | xargs -0 cp --parents -t "$work/src"
# Options: the runtimes start late, when a backend loads lead_qual, and by
# then PostgreSQL has overwritten its environment block with the process
# title, so ASAN_OPTIONS cannot be read. They are compiled in instead.
# Preloading the runtimes into the server (LD_PRELOAD) would also check the
# heap, but PostgreSQL 15 as Debian 12 builds it hangs at start-up that way (a
# glibc gettext lock in main()), hence verify_asan_link_order=0.
cat >"$work/src/src/pg/sanitizer_options.cpp" <<EOF
// Written by scripts/asan_backend.sh for the sanitizer build only.
extern "C" const char *__asan_default_options() {
  return "verify_asan_link_order=0:detect_leaks=0:halt_on_error=1:abort_on_error=1:log_path=$work/reports/asan";
}
extern "C" const char *__ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1:log_path=$work/reports/ubsan";
}
EOF
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
make -s -C "$work/src" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" \
  PG_CXXFLAGS="-std=c++17 -fno-strict-aliasing -Wno-register -Wno-missing-field-initializers -g $sanitize" \
  SHLIB_LINK="-lre2 -llinear -lstdc++ $sanitize" >/dev/null
make -s -C "$work/src" install PG_CONFIG="$PG_CONFIG" >/dev/null
ldd "$("$PG_CONFIG" --pkglibdir)/lead_qual.so" | grep -q libasan || { echo "asan_backend: not a sanitizer build" >&2; exit 1; }

echo "== starting a throwaway server (port $port)"
chown postgres "$work"
runuser -u postgres -- "$bindir/initdb" -D "$work/data" -A trust >/dev/null
runuser -u postgres -- "$bindir/postgres" -D "$work/data" -p "$port" -k "$work" >"$work/server.log" 2>&1 &
for _ in $(seq 60); do "$bindir/pg_isready" -q -h "$work" -p "$port" && break; sleep 1; done
"$bindir/pg_isready" -q -h "$work" -p "$port" || { cat "$work/server.log"; exit 1; }

export PGHOST=$work PGPORT=$port PGUSER=postgres
# The runtime must be live in a backend that has loaded lead_qual.
loaded=$(psql -X -q -At -d postgres -v ON_ERROR_STOP=1 -c "CREATE EXTENSION lead_qual" \
  -c "SELECT lead_qual.stage_rank('mql') >= 0 AND pg_read_file('/proc/self/maps') LIKE '%libasan%'" \
  -c "DROP EXTENSION lead_qual")
[[ $loaded == t ]] || { echo "asan_backend: the ASan runtime is not loaded in the backend" >&2; exit 1; }
echo "== pg_regress and isolation specs (ASan runtime loaded in the backend)"
rc=0
make -s installcheck-regress PG_CONFIG="$PG_CONFIG" || rc=1
make -s installcheck-isolation PG_CONFIG="$PG_CONFIG" || rc=1

if [[ $rc -ne 0 ]]; then echo "== server log (tail)"; tail -n 40 "$work/server.log"; fi
reports=$(find "$work/reports" -type f | wc -l)
if [[ $reports -gt 0 ]]; then
  echo "== sanitizer reports"
  head -n 80 "$work"/reports/*
  rc=1
fi
echo "asan_backend: $reports sanitizer reports; tests $([[ $rc -eq 0 ]] && echo passed || echo failed)"
exit $rc
