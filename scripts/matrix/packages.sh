# What a test-matrix chroot for PostgreSQL major $1 has installed (sourced by
# scripts/matrix.sh). "?name": only if the suite has it.
lq_matrix_packages() {
  local v=$1
  echo g++ make procps nlohmann-json3-dev libre2-dev \
    postgresql-"$v" postgresql-server-dev-"$v" postgresql-server-dev-all debhelper dpkg-dev \
    libtap-parser-sourcehandler-pgtap-perl "?postgresql-$v-pgtap" "?postgresql-$v-cron"
}
