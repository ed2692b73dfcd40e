#!/usr/bin/env bash
# Makes (or reuses) a Debian chroot for the test matrix and prints its path.
#
#   bash scripts/matrix/chroot.sh SUITE [PACKAGE...]
#   bash scripts/matrix/chroot.sh SUITE-clean
#
# SUITE is a Debian suite (bookworm, trixie, sid, ...). The chroot is
# debootstrapped from the Debian mirror this machine's apt is configured
# with and kept in $LQ_MATRIX_CACHE/SUITE (default
# /var/cache/lead_qual-matrix): it is reused while its stamp is there and it
# can run a command; one without a stamp (an interrupted build) or broken is
# made again. Then whichever PACKAGEs are not installed in it are installed
# with apt-get; a package written "?name" only if the suite has it.
# SUITE-clean is the bare debootstrap of SUITE, like a freshly installed
# machine, to be copied, not changed: scripts/matrix.sh installs the built
# package in a copy. Needs root.
set -euo pipefail
name=$1; shift
suite=${name%-clean}
packages=("$@")
cache=${LQ_MATRIX_CACHE:-/var/cache/lead_qual-matrix}
root=$cache/$name
stamp=$root/.lead_qual-matrix-ready
log() { echo "[chroot $name] $*" >&2; }
apt_log=$cache/$name.apt.log

unmount_under() {  # file systems a killed run may have left mounted
  { findmnt -rn -o TARGET | grep -F "$1/" || true; } | sort -r | xargs -r -n1 umount -l
}

if [[ -f $stamp ]] && chroot "$root" /bin/true 2>/dev/null; then
  log "reusing $root (made $(cat "$stamp"))"
else
  # The Debian mirror from this machine's apt configuration (the first
  # non-security source whose origin is Debian).
  mirror=$(apt-get indextargets --format '$(REPO_URI) $(ORIGIN) $(LABEL)' 2>/dev/null |
    awk '$2 == "Debian" && $3 == "Debian" { print $1; exit }')
  [[ -n $mirror ]] || { echo "chroot: no Debian mirror in this machine's apt configuration" >&2; exit 1; }
  mkdir -p "$cache"
  unmount_under "$root"
  rm -rf --one-file-system "$root"
  log "debootstrap from $mirror (a few minutes)"
  # Unstable's Release file may be past its Valid-Until on the mirror:
  # debootstrap does not check it, apt (below) is told not to.
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$cache/$name.debootstrap.log" 2>&1 ||
    { tail -n 20 "$cache/$name.debootstrap.log" >&2; exit 1; }
  echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"
  cat >"$root/etc/apt/apt.conf.d/90lead-qual-matrix" <<'CONF'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
Acquire::Languages "none";
CONF
  # No service may start by itself inside a chroot (it would outlive the
  # run); the clean chroot's check starts its cluster itself. In the build
  # chroots, installing a server must not even create a "main" cluster:
  # tests make their own with pg_virtualenv.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  if [[ $name == "$suite" ]]; then
    mkdir -p "$root/etc/postgresql-common/createcluster.d"
    echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.d/lead-qual-matrix.conf"
  fi
  date -u +%FT%TZ >"$stamp"
  log "made $root"
fi

in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
# apt-get failing in a cached chroot (a broken package state, a suite that
# moved on too far): the chroot is made again, once.
apt_failed() {
  tail -n 30 "$apt_log" >&2
  umount -l "$root/proc" 2>/dev/null || true
  if [[ -z ${LQ_CHROOT_REMADE:-} ]]; then
    log "apt-get failed: making the chroot again"
    rm -f "$stamp"
    LQ_CHROOT_REMADE=1 exec bash "$0" "$name" "${packages[@]}"
  fi
  exit 1
}
missing=()
for p in "${packages[@]}"; do
  [[ $(in_root dpkg-query -W -f='${Status}' "${p#\?}" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  mountpoint -q "$root/proc" || { mount -t proc proc "$root/proc"; trap 'umount -l "$root/proc" 2>/dev/null || true' EXIT; }
  in_root apt-get -q update >>"$apt_log" 2>&1 || apt_failed
  want=()
  for p in "${missing[@]}"; do
    if [[ $p == \?* ]]; then
      p=${p#\?}
      if [[ -z $(in_root apt-cache showpkg "$p" 2>/dev/null | sed -n '/^Versions:/{n;p}') ]]; then
        log "$p: not in $suite, skipped"; continue
      fi
    fi
    want+=("$p")
  done
  if [[ ${#want[@]} -gt 0 ]]; then
    log "apt-get install ${want[*]}"
    { in_root apt-get -q -y install "${want[@]}" && in_root apt-get clean; } >>"$apt_log" 2>&1 || apt_failed
  fi
fi
echo "$root"
