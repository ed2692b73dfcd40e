#!/usr/bin/env bash
# Runs inside a test-matrix chroot (started by scripts/matrix.sh) for
# PostgreSQL major $1, from the pristine tree in /build/src:
#   build     make, which must give no compiler warning
#   suites    make install, then in a pg_virtualenv cluster the suites
#             scripts/sql_suites.sh runs (pg_regress, pgTAP, isolation, the
#             TAP tests, among them ALTER EXTENSION UPDATE from every release)
#   deb       dpkg-buildpackage -us -uc (pg_buildext builds the
#             postgresql-NN-lead-qual package and runs installcheck on it)
# Appends "name passed failed" lines to /build/out/counts; logs and the
# packages go to /build/out.
set -uo pipefail
major=$1
out=/build/out
export PG_CONFIG=/usr/lib/postgresql/$major/bin/pg_config
export PG_MAJOR=$major
count() { echo "$1 $2 $3" >>"$out/counts"; }
cp -a /build/src /build/lead_qual
cd /build/lead_qual || exit 1

echo "== build (PostgreSQL $("$PG_CONFIG" --version | cut -d' ' -f2))"
make -j2 PG_CONFIG="$PG_CONFIG" >"$out/build.log" 2>&1
rc=$?
warnings=$(grep -c 'warning:' "$out/build.log")
grep -E 'warning:|error:' "$out/build.log" | head -n 40
echo "make: exit $rc, $warnings warnings"
if [[ $rc -eq 0 && $warnings -eq 0 ]]; then count build 1 0; else count build 0 1; fi
[[ $rc -eq 0 ]] || exit 0

make -s install PG_CONFIG="$PG_CONFIG" >"$out/install.log" 2>&1 || { cat "$out/install.log"; count install 0 1; exit 0; }
# pg_cron is preloaded when installed, for test/tap/pg_cron.sh; wal_level =
# logical lets test/tap/replication.sh replicate between two databases.
opts=(-o wal_level=logical)
if [[ -f $("$PG_CONFIG" --pkglibdir)/pg_cron.so ]]; then
  opts+=(-o shared_preload_libraries=pg_cron -o cron.database_name=postgres)
fi
pg_virtualenv -v "$major" "${opts[@]}" bash scripts/sql_suites.sh "$out/counts"
cp /tmp/lq_*.log "$out/" 2>/dev/null
[[ -f regression.diffs ]] && cp regression.diffs "$out/"

echo "== dpkg-buildpackage -us -uc"
# The package's installcheck must find the packaged files, not the ones
# installed above.
make -s uninstall PG_CONFIG="$PG_CONFIG" >/dev/null 2>&1
rm -rf /build/deb && mkdir /build/deb && cp -a /build/src /build/deb/lead-qual
( cd /build/deb/lead-qual && DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc ) >"$out/deb.log" 2>&1
rc=$?
grep -E '^### |tests passed|tests failed|^dpkg-deb: building' "$out/deb.log"
mkdir -p "$out/debs"
cp /build/deb/*.deb "$out/debs/" 2>/dev/null
if [[ $rc -eq 0 ]] && compgen -G "$out/debs/postgresql-$major-lead-qual_*.deb" >/dev/null; then
  count deb 1 0
else
  tail -n 40 "$out/deb.log"; count deb 0 1
fi
exit 0
