#!/usr/bin/env bash
# The demo: installs what is missing, builds and installs lead_qual, starts a
# throwaway PostgreSQL cluster (scripts/pg_version.sh chooses the major), runs scripts/demo/run.sh in it (a CRM with
# 10,000 leads and 200,000 activities replayed through the triggers, reports,
# hand-off notifications, a chart in demo-output/), and drops the cluster
# again: nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[demo] checking packages"
bash scripts/deps.sh
source scripts/pg_version.sh
echo "[demo] building and installing lead_qual"
bash scripts/build.sh
echo "[demo] starting a throwaway cluster"
export DEMO_OUTPUT="$PWD/demo-output"
pg_virtualenv -v "$PG_MAJOR" -o shared_buffers=512MB -o max_wal_size=2GB bash scripts/demo/run.sh
echo "[demo] done; the cluster has been dropped"
