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
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

declare -A suite_of
for entry in $LQ_MATRIX_SUITES; do suite_of[${entry%%:*}]=${entry#*:}; done
majors=("$@")
[[ ${#majors[@]} -gt 0 ]] || for entry in $LQ_MATRIX_SUITES; do majors+=("${entry%%:*}"); done
for m in "${majors[@]}"; do
  [[ -n ${suite_of[$m]:-} ]] || { echo "matrix: no Debian suite for PostgreSQL $m (known: $LQ_MATRIX_SUITES)" >&2; exit 2; }
done

# Every file system mounted into a chroot is unmounted on exit, whatever
# happens; scratch copies of clean chroots are removed.
mounts=()
scratch=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null || true; done
  for d in "${scratch[@]}"; do
    if ! findmnt -rn -o TARGET | grep -qF "$d/"; then rm -rf --one-file-system "$d"; fi
  done
}
trap cleanup EXIT
enter() {  # ROOT COMMAND...: COMMAND in ROOT with /proc, /dev/pts and /dev/shm
  local root=$1; shift
  local m
  for m in proc dev/pts dev/shm; do
    if ! mountpoint -q "$root/$m"; then
      case $m in
        proc) mount -t proc proc "$root/proc" ;;
        dev/pts) mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" ;;
        dev/shm) mount -t tmpfs -o mode=1777 shm "$root/dev/shm" ;;
      esac
      mounts+=("$root/$m")
    fi
  done
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}
release() {  # ROOT: unmount what enter() mounted there
  local i keep=()
  for i in "${mounts[@]}"; do
    if [[ $i == "$1"/* ]]; then umount "$i" 2>/dev/null || umount -l "$i"; else keep+=("$i"); fi
  done
  mounts=("${keep[@]}")
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
    echo "chroot 0 1" >>"$out/counts"; continue
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
    clean=$(bash scripts/matrix/chroot.sh "$suite-clean")
    copy=$cache/scratch-$suite-$$
    scratch+=("$copy")
    cp -a "$clean" "$copy"
    mkdir -p "$copy/tmp/debs"
    cp "$out"/debs/postgresql-"$major"-lead-qual_*.deb "$copy/tmp/debs/"
    rm -f "$copy"/tmp/debs/*dbgsym*
    cp scripts/matrix/clean_install.sh "$copy/tmp/"
    enter "$copy" bash /tmp/clean_install.sh "$major" | tee "$out/clean_install.log" || true
    release "$copy"
    rm -rf --one-file-system "$copy"
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
