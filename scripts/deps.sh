#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything tcpstates needs on a Debian bookworm machine:
# build tools, qemu + busybox for the test VM, the test kernels (6.1, 6.1-rt
# and 6.12 from bookworm-backports, images and headers), bpftrace, libmnl,
# sparse, the kernel's checkpatch (from linux-source-6.1) and the kernel's
# YNL netlink CLI (from linux-source-6.12, with python3-yaml/-jsonschema),
# libmicrohttpd (the exporter's HTTP server), Debian's prometheus (promtool
# for the host tests, the server for the VM test) and curl.
#
# Idempotent: when everything is present it returns in well under a second.
# Usage: scripts/deps.sh [--check]   (--check: only report what is missing)
# TCPSTATES_WANT_612RT=1 also installs 6.12-rt (scripts/test-matrix.sh);
# TCPSTATES_WANT_BCC=1 also installs bcc's tools (scripts/bench.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

pkgs=(build-essential kmod cpio busybox-static qemu-system-x86 qemu-utils
      bpftrace libmnl-dev libmnl0 sparse linux-source-6.1 perl
      iproute2 tcpdump python3 xz-utils zstd pkg-config bc flex bison
      libelf-dev libssl-dev dwarves python3-yaml python3-jsonschema dkms
      python3-matplotlib libmicrohttpd-dev prometheus curl)
[ "${TCPSTATES_WANT_BCC:-0}" != 1 ] || pkgs+=(bpfcc-tools)

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

# Kernel flavours: "name|apt-target-suite|image-meta|headers-meta"
have_kernel() {	# $1: release regex; true when image, modules and headers exist
	local r
	for r in $(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p'); do
		[[ $r =~ $1 ]] || continue
		[ -d "/lib/modules/$r/kernel" ] && [ -e "/lib/modules/$r/build/Makefile" ] && return 0
	done
	return 1
}

need=()
mapfile -t need < <(missing_pkgs "${pkgs[@]}")
want_61=0 want_61rt=0 want_612=0 want_612rt=0
have_kernel '^6\.1\.[0-9.-]+-amd64$' || want_61=1
have_kernel '^6\.1\.[0-9.-]+-rt-amd64$' || want_61rt=1
have_kernel '^6\.12\.[0-9.+a-z-]+[0-9]-amd64$' || want_612=1
[ "${TCPSTATES_WANT_612RT:-0}" != 1 ] || have_kernel '^6\.12\.[0-9.+a-z-]+-rt-amd64$' || want_612rt=1
# linux-source-6.12 (backports) carries tools/net/ynl
want_src612=0
ls /usr/src/linux-source-6.12.tar.* >/dev/null 2>&1 || want_src612=1

if [ ${#need[@]} -eq 0 ] && [ $want_61$want_61rt$want_612$want_612rt$want_src612 = 00000 ] &&
   [ -e "$(checkpatch_path)" ] && [ -e "$(ynl_path)" ]; then
	[ $check_only = 1 ] && echo "deps: all present"
	exit 0
fi
if [ $check_only = 1 ]; then
	echo "deps: missing packages: ${need[*]:-none};" \
	     "kernels to install: 6.1=$want_61 6.1-rt=$want_61rt 6.12=$want_612 6.12-rt=$want_612rt;" \
	     "linux-source-6.12: $want_src612"
	exit 1
fi

SUDO=
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		die "deps: installing packages needs root; run 'sudo $0' (missing: ${need[*]:-test kernels})"
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# The test kernels boot from /boot/vmlinuz-* with our own initramfs: skip the
# host's initramfs-tools run.
export INITRD=No
apt_opts=(-y -q -o Dpkg::Use-Pty=0 --no-install-recommends)

log "deps: apt-get update"
$SUDO apt-get -q update >/dev/null
if [ ${#need[@]} -gt 0 ]; then
	log "deps: installing ${need[*]}"
	$SUDO env INITRD=No apt-get "${apt_opts[@]}" install "${need[@]}" >/dev/null
fi
if [ $want_61 = 1 ] || [ $want_61rt = 1 ]; then
	log "deps: installing Debian 6.1 kernels (generic and -rt)"
	$SUDO env INITRD=No apt-get "${apt_opts[@]}" install \
		linux-image-amd64 linux-headers-amd64 \
		linux-image-rt-amd64 linux-headers-rt-amd64 >/dev/null
fi

if [ $want_612 = 1 ] || [ $want_612rt = 1 ] || [ $want_src612 = 1 ]; then
	# bookworm-backports through a private source list: the mirror is the
	# one this machine's apt configuration already uses for bookworm.
	mirror=$(apt_mirror) || die "deps: cannot find the Debian mirror in the apt configuration"
	state=/var/lib/tcpstates-apt
	$SUDO mkdir -p "$state/lists/partial"
	{
		echo "deb $mirror bookworm main"
		echo "deb $mirror bookworm-updates main"
		echo "deb $mirror bookworm-backports main"
	} | $SUDO tee "$state/sources.list" >/dev/null
	bapt=(-o "Dir::Etc::SourceList=$state/sources.list"
	      -o "Dir::Etc::SourceParts=/dev/null"
	      -o "Dir::State::Lists=$state/lists")
	log "deps: apt-get update (bookworm-backports)"
	$SUDO apt-get -q "${bapt[@]}" update >/dev/null
	if [ $want_612 = 1 ]; then
		# Resolve the versioned package names behind the backports
		# meta packages, so the 6.1 meta packages stay as they are.
		img=$(apt-cache "${bapt[@]}" -t bookworm-backports depends linux-image-amd64 |
		      sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\).*/\1/p' | head -n1)
		hdr=$(apt-cache "${bapt[@]}" -t bookworm-backports depends linux-headers-amd64 |
		      sed -n 's/^ *Depends: \(linux-headers-[0-9][^ ]*-amd64\).*/\1/p' | head -n1)
		[ -n "$img" ] && [ -n "$hdr" ] || die "deps: no kernel found in bookworm-backports"
		log "deps: installing $img $hdr from bookworm-backports"
		$SUDO env INITRD=No apt-get "${apt_opts[@]}" "${bapt[@]}" -t bookworm-backports \
			install "$img" "$hdr" >/dev/null
	fi
	if [ $want_612rt = 1 ]; then
		img=$(apt-cache "${bapt[@]}" -t bookworm-backports depends linux-image-rt-amd64 |
		      sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-rt-amd64\).*/\1/p' | head -n1)
		hdr=$(apt-cache "${bapt[@]}" -t bookworm-backports depends linux-headers-rt-amd64 |
		      sed -n 's/^ *Depends: \(linux-headers-[0-9][^ ]*-rt-amd64\).*/\1/p' | head -n1)
		[ -n "$img" ] && [ -n "$hdr" ] || die "deps: no rt kernel found in bookworm-backports"
		log "deps: installing $img $hdr from bookworm-backports"
		$SUDO env INITRD=No apt-get "${apt_opts[@]}" "${bapt[@]}" -t bookworm-backports \
			install "$img" "$hdr" >/dev/null
	fi
	if [ $want_src612 = 1 ]; then
		log "deps: installing linux-source-6.12 from bookworm-backports (for ynl)"
		$SUDO apt-get "${apt_opts[@]}" "${bapt[@]}" -t bookworm-backports \
			install linux-source-6.12 >/dev/null
	fi
fi
[ -e "$(checkpatch_path)" ] || prepare_checkpatch
[ -e "$(ynl_path)" ] || prepare_ynl
log "deps: done"
