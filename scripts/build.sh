#!/usr/bin/env bash
# Builds and installs the extension into the local PostgreSQL server that
# scripts/pg_version.sh chooses (PGXS; PG_CONFIG=... to choose another).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg_version.sh
make -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
