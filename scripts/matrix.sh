#!/usr/bin/env bash
# The test matrix: lead_qual against real PostgreSQL servers of several
# majors, each from Debian's own packages in a chroot made with debootstrap
# from the Debian mirror this machine's apt uses (see scripts/pg_version.sh
# for which major comes from which suite; 16 is in no Debian suite).
#
#   bash scripts/matrix.sh            # every major in the matrix
#   bash scripts/matrix.sh 17 18      # some of them
#
# For each major, in a chroot with PostgreSQL and the build dependencies
# (scripts/matrix/in_chroot.sh): build without warnings, make install, the
# pg_regress suite, pgTAP, the isolation specs and the TAP tests (among them
# ALTER EXTENSION UPDATE from every released version), then
# dpkg-buildpackage -us -uc (which runs installcheck against the package).
# Then in a throwaway copy of a clean chroot of the same suite
# (scripts/matrix/clean_install.sh): apt-get install ./the .deb, CREATE
# EXTENSION. Chroots are cached in $LQ_MATRIX_CACHE (default
# /var/cache/lead_qual-matrix) between runs; the packages are left in
# matrix-output/. Prints "N passed, N failed" per major and in total; exits
# non-zero if anything failed. Needs root (debootstrap, chroot, mount).
set -euo pipefail
cd "$(dirname "$0")/.."
tree=$PWD
source scripts/pg_version.sh
source scripts/matrix/packages.sh
cache=${LQ_MATRIX_CACHE:-/var/cache/lead_qual-matrix}
export LQ_MATRIX_CACHE=$cache
output=$tree/matrix-output
[[ $(id -u) -eq 0 ]] || { echo "matrix: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

declare -A suite_of
for entry in $LQ_MATRIX_SUITES; do suite_of[${entry%%:*}]=${entry#*:}; done
majors=("$@")
[[ ${#majors[@]} -gt 0 ]] || for entry in $LQ_MATRIX_SUITES; do majors+=("${entry%%:*}"); done
for m in "${majors[@]}"; do
  [[ -n ${suite_of[$m]:-} ]] || { echo "matrix: no Debian suite for PostgreSQL $m (known: $LQ_MATRIX_SUITES)" >&2; exit 2; }
done

# Every file system mounted into a chroot is unmounted on exit, whatever
# happens (found by findmnt, so also those mounted in a subshell); scratch
# copies of clean chroots are removed.
release() {  # ROOT: unmount everything mounted under ROOT
  { findmnt -rn -o TARGET | grep -F "$1/" || true; } | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
}
scratch=
cleanup() {
  release "$cache"
  if [[ -n $scratch && -d $scratch ]]; then rm -rf --one-file-system "$scratch"; fi
}
trap cleanup EXIT
enter() {  # ROOT COMMAND...: COMMAND in ROOT with /proc, /dev/pts and /dev/shm
  local root=$1; shift
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  mountpoint -q "$root/dev/pts" || mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
  mountpoint -q "$root/dev/shm" || mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}

rm -rf "$output" && mkdir -p "$output"
start=$(date +%s)
for major in "${majors[@]}"; do
  suite=${suite_of[$major]}
  t0=$(date +%s)
  echo "=== PostgreSQL $major (Debian $suite)"
  out=$output/$major
  mkdir -p "$out"
  : >"$out/counts"
  # shellcheck disable=SC2046  # the package list is words
  if ! root=$(bash scripts/matrix/chroot.sh "$suite" $(lq_matrix_packages "$major")); then
    echo "matrix: could not make the $suite chroot" >&2
    echo "chroot 0 1" >>"$out/counts"; echo "$major 0 1" >>"$output/summary"; continue
  fi
  # A pristine copy of the working tree (tracked and new files, as in a
  # fresh clone plus uncommitted work; no build products).
  rm -rf "$root/build" && mkdir -p "$root/build/src" "$root/build/out"
  git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$root/build/src"
  enter "$root" bash /build/src/scripts/matrix/in_chroot.sh "$major" || echo "in_chroot 0 1" >>"$root/build/out/counts"
  release "$root"
  cp -a "$root/build/out/." "$out/"
  rm -rf "$root/build"

  echo "== clean $suite: apt-get install ./postgresql-$major-lead-qual_*.deb, CREATE EXTENSION"
  if compgen -G "$out/debs/postgresql-$major-lead-qual_*.deb" >/dev/null; then
    : >"$out/clean_install.log"
    if clean=$(bash scripts/matrix/chroot.sh "$suite-clean"); then
      scratch=$cache/scratch-$suite-$$
      cp -a "$clean" "$scratch"
      mkdir -p "$scratch/tmp/debs"
      cp "$out"/debs/postgresql-"$major"-lead-qual_*.deb "$scratch/tmp/debs/"
      rm -f "$scratch"/tmp/debs/*dbgsym*
      cp scripts/matrix/clean_install.sh "$scratch/tmp/"
      enter "$scratch" bash /tmp/clean_install.sh "$major" >"$out/clean_install.log" 2>&1 || true
      cat "$out/clean_install.log"
      release "$scratch"
      rm -rf --one-file-system "$scratch"
      scratch=
    fi
    ok=$(grep -c '^ok' "$out/clean_install.log" || true)
    echo "clean-install $ok $((2 - ok))" >>"$out/counts"
  else
    echo "clean-install 0 1" >>"$out/counts"
  fi
  awk '{printf "  %-14s %4d passed, %d failed\n", $1, $2, $3}' "$out/counts"
  p=$(awk '{s+=$2} END {print s+0}' "$out/counts"); f=$(awk '{s+=$3} END {print s+0}' "$out/counts")
  echo "PostgreSQL $major: $p passed, $f failed ($(( $(date +%s) - t0 ))s)"
  echo "$major $p $f" >>"$output/summary"
done

echo "=== matrix summary ($(( $(date +%s) - start ))s)"
awk '{printf "  PostgreSQL %-3s %5d passed, %d failed\n", $1, $2, $3}' "$output/summary"
passed=$(awk '{s+=$2} END {print s+0}' "$output/summary")
failed=$(awk '{s+=$3} END {print s+0}' "$output/summary")
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
