#!/usr/bin/env bash
# Runs inside a throwaway copy of a clean Debian chroot (debootstrap, nothing
# else installed), for PostgreSQL major $1: installs the package in /tmp/debs
# the way a user would, `apt-get install ./postgresql-NN-lead-qual_*.deb`
# (apt pulls PostgreSQL itself), starts the "main" cluster the server package
# created, and runs CREATE EXTENSION lead_qual and a query in it as postgres.
# Prints "ok"/"not ok" lines.
set -uo pipefail
major=$1
export DEBIAN_FRONTEND=noninteractive
deb=$(ls /tmp/debs/postgresql-"$major"-lead-qual_*.deb)
apt-get -q update >/tmp/apt.log 2>&1
if apt-get -q -y install "$deb" >>/tmp/apt.log 2>&1; then
  echo "ok - apt-get install ./${deb##*/}"
else
  tail -n 20 /tmp/apt.log; echo "not ok - apt-get install ./${deb##*/}"; exit 0
fi
trap 'pg_ctlcluster "$major" main stop >/dev/null 2>&1 || true' EXIT
pg_ctlcluster "$major" main start
got=$(runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -p "$(pg_conftool -s "$major" main show port)" \
  -c "CREATE EXTENSION lead_qual" \
  -c "SELECT extversion FROM pg_extension WHERE extname = 'lead_qual'" \
  -c "SELECT lead_qual.transition('lead', 'MQL')::text" 2>&1)
want=$(printf '%s\n%s' "$(sed -n "s/^default_version = '\(.*\)'/\1/p" /usr/share/postgresql/"$major"/extension/lead_qual.control)" mql)
if [[ $got == "$want" ]]; then
  echo "ok - CREATE EXTENSION lead_qual on the installed PostgreSQL $major"
else
  echo "not ok - CREATE EXTENSION lead_qual: got '$got', want '$want'"
fi
