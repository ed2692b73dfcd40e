# shellcheck shell=bash
# The one place that decides which PostgreSQL server the scripts build
# against, install into and test with (sourced by the scripts; sets and
# exports PG_CONFIG and PG_MAJOR).
#
#   PG_CONFIG=/usr/lib/postgresql/17/bin/pg_config bash scripts/test.sh
#   PG_MAJOR=17 bash scripts/test.sh        # the same, by major
#
# Without either: the newest server installed (/usr/lib/postgresql/N), or,
# on a machine with none yet, the distribution's default major (the one
# Debian's "postgresql" package depends on; 15 on Debian 12), which
# scripts/deps.sh then installs. Supported majors are the ones
# src/pg/compat.hpp accepts; it refuses others at compile time.

lq_pg_major_of() {  # pg_config -> major ("PostgreSQL 17.2 (Debian ...)" -> 17)
  "$1" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/'
}

if [[ -n ${PG_CONFIG:-} ]]; then
  PG_MAJOR=$(lq_pg_major_of "$PG_CONFIG")
elif [[ -z ${PG_MAJOR:-} ]]; then
  PG_MAJOR=$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sed -E 's|.*/postgresql/([0-9]+)/.*|\1|' | sort -n | tail -n 1 || true)
  lq_default_major() { apt-cache depends postgresql 2>/dev/null | sed -nE 's/^ *Depends: postgresql-([0-9]+)$/\1/p' | head -n 1 || true; }
  [[ -n $PG_MAJOR ]] || PG_MAJOR=$(lq_default_major)
  # A fresh machine may have no package lists yet.
  if [[ -z $PG_MAJOR && $(id -u) -eq 0 ]]; then
    apt-get update -qq >/dev/null 2>&1 || true
    PG_MAJOR=$(lq_default_major)
  fi
  if [[ -z $PG_MAJOR ]]; then
    echo "pg_version: no PostgreSQL server installed and no distribution default found; set PG_CONFIG or PG_MAJOR" >&2
    exit 1
  fi
fi
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
export PG_CONFIG PG_MAJOR

# The test matrix (scripts/matrix.sh): each tested major and the Debian suite
# whose packages provide it. 15 is Debian 12's own; 16 is in no Debian suite
# (src/pg/compat.hpp handles it, untested).
export LQ_MATRIX_SUITES="15:bookworm 17:trixie 18:sid"
