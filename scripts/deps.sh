#!/usr/bin/env bash
# Installs, with apt-get, whatever lead_qual needs that this Debian 12 machine
# lacks. Idempotent and silent when everything is present.
# The PostgreSQL major is the one scripts/pg_version.sh chooses.
set -euo pipefail
source "$(dirname "$0")/pg_version.sh"

packages=(
  build-essential cmake pkg-config clang clang-format clang-tidy
  postgresql-"$PG_MAJOR" postgresql-server-dev-"$PG_MAJOR" postgresql-"$PG_MAJOR"-pgtap libtap-parser-sourcehandler-pgtap-perl
  nlohmann-json3-dev libre2-dev liblinear-dev libgtest-dev libbenchmark-dev libclang-rt-14-dev
  postgresql-"$PG_MAJOR"-cron gnuplot-nox python3-jsonschema python3-psycopg2
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing packages: ${missing[*]} (run as root, or install them yourself)" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
