# Builds the working tree's extension in a private copy ($1) and installs it.
# A private copy, because other sessions build in the repository itself
# (sanitizer builds leave instrumented objects that a plain `make` would
# happily install); this builds from sources only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$1
source "$root/scripts/pg_version.sh"
pg_config=$PG_CONFIG
mkdir -p "$dest"
tar -C "$root" --exclude='*.o' --exclude='*.d' --exclude='*.so' --exclude='*.bc' \
  -cf - Makefile lead_qual.control scripts/sql_assemble.sh src | tar -C "$dest" -xf -
make -s -C "$dest" -j"$(nproc)" PG_CONFIG="$pg_config" >/dev/null
make -s -C "$dest" install PG_CONFIG="$pg_config" >/dev/null
sha256sum "$dest/lead_qual.so" | cut -d' ' -f1
