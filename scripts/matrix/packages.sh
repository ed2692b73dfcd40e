# shellcheck shell=bash
# What a test-matrix chroot for PostgreSQL major $1 has installed (sourced by
# scripts/matrix.sh). "?name": only if the suite has it.
lq_matrix_packages() {
  local v=$1
  # build-essential and postgresql-all: debian/control's Build-Depends
  # (dpkg-buildpackage checks them); python3-jsonschema: test/meta/validate.py;
  # python3-psycopg2: the differential test (test/diff).
  echo build-essential procps nlohmann-json3-dev libre2-dev liblinear-dev \
    postgresql-"$v" postgresql-server-dev-"$v" postgresql-server-dev-all postgresql-all debhelper dpkg-dev \
    libtap-parser-sourcehandler-pgtap-perl python3-jsonschema python3-psycopg2 "?postgresql-$v-pgtap" "?postgresql-$v-cron"
}
