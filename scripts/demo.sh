#!/usr/bin/env bash
# The demo: installs what is missing, builds and installs lead_qual, starts a
# throwaway PostgreSQL 15 cluster, shows the product at work, and drops the
# cluster again (nothing is left running).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[demo] checking packages"
bash scripts/deps.sh
echo "[demo] building and installing lead_qual"
bash scripts/build.sh
echo "[demo] starting a throwaway cluster"
pg_virtualenv -v 15 psql -X -q -v ON_ERROR_STOP=1 -f scripts/demo.sql
echo "[demo] done; the cluster has been dropped"
