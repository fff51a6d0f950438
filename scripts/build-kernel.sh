#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, the source-built test kernels and cache them outside the
# repository, in $TCPSTATES_CACHE/kernels/NAME/:
#
#   debug  Debian's linux-source-6.1 with KASAN, lockdep (PROVE_LOCKING),
#          kmemleak and DEBUG_ATOMIC_SLEEP
#   7.2    the newest kernel Debian carries: linux-source-7.2 from sid
#   5.10   the 5.10 LTS: linux-source-5.10 from bullseye
#
# Each is x86_64_defconfig + kvm_guest.config + what the VM and the tests
# need (kprobes, ftrace, BPF for bpftrace, IPv6, namespaces, netem, 9p and
# virtio built in), without debug info. The cache holds bzImage, release
# (the kernel's uname -r), the build tree for out-of-tree module builds,
# build.log and build-seconds. A cached kernel is reused: delete its
# directory (or pass -f) to rebuild.
#
# Usage: scripts/build-kernel.sh [-f] [-j JOBS] NAME...   (NAME: debug 7.2 5.10)
#        scripts/build-kernel.sh --list                    (what is cached)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

force=0 jobs=$(nproc)
usage() { sed -n '20,21s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# Source package and Debian suite of each kernel.
source_of() {
	case $1 in
	debug) echo "linux-source-6.1 bookworm" ;;
	7.2)   echo "linux-source-7.2 sid" ;;
	5.10)  echo "linux-source-5.10 bullseye" ;;
	*) die "build-kernel: unknown kernel '$1' (use debug, 7.2 or 5.10)" ;;
	esac
}

# The source tarball of a package: from /usr/src when the package is
# installed (linux-source-6.1 is, by deps.sh), else downloaded with
# apt-get download from its suite through a private source list (mirror
# from this machine's apt configuration) and unpacked with dpkg-deb.
fetch_source() {
	local pkg=$1 suite=$2 dl=$TCPSTATES_CACHE/src mirror state deb
	local tb
	tb=$(ls "/usr/src/$pkg.tar."* 2>/dev/null | head -n1 || true)
	if [ -n "$tb" ]; then echo "$tb"; return 0; fi
	tb=$(ls "$dl/$pkg/usr/src/$pkg.tar."* 2>/dev/null | head -n1 || true)
	if [ -n "$tb" ]; then echo "$tb"; return 0; fi
	mirror=$(apt_mirror) || die "build-kernel: cannot find the Debian mirror in the apt configuration"
	state=$TCPSTATES_CACHE/apt-$suite
	mkdir -p "$state/lists/partial" "$dl/$pkg"
	echo "deb $mirror $suite main" >"$state/sources.list"
	local apt=(-o "Dir::Etc::SourceList=$state/sources.list"
		   -o "Dir::Etc::SourceParts=/dev/null"
		   -o "Dir::State::Lists=$state/lists" -o APT::Sandbox::User=root)
	log "build-kernel: apt-get update ($suite)"
	apt-get -q "${apt[@]}" update >/dev/null
	log "build-kernel: downloading $pkg from $suite"
	(cd "$dl/$pkg" && apt-get -q "${apt[@]}" download "$pkg" >/dev/null)
	deb=$(ls "$dl/$pkg/${pkg}"_*.deb | head -n1)
	dpkg-deb -x "$deb" "$dl/$pkg"
	rm -f "$deb"
	tb=$(ls "$dl/$pkg/usr/src/$pkg.tar."* 2>/dev/null | head -n1 || true)
	[ -n "$tb" ] || die "build-kernel: no source tarball in $pkg"
	echo "$tb"
}

# Options on top of x86_64_defconfig + kvm_guest.config.
common_opts=(
	MODULES MODULE_UNLOAD KALLSYMS KALLSYMS_ALL KPROBES KPROBE_EVENTS
	FTRACE FUNCTION_TRACER DYNAMIC_FTRACE BPF_SYSCALL BPF_EVENTS PERF_EVENTS
	DEBUG_FS NET_NS USER_NS IPV6 UNIX PACKET INET_DIAG NET_SCHED
	NET_SCH_NETEM VIRTIO VIRTIO_PCI NET_9P NET_9P_VIRTIO 9P_FS DEVTMPFS
	TMPFS BLK_DEV_INITRD SERIAL_8250 SERIAL_8250_CONSOLE PVH
	IKCONFIG IKCONFIG_PROC
	IP_DCCP INET_DIAG_DESTROY NET_CLS_U32 NET_CLS_ACT NET_ACT_GACT CGROUPS
	NET_SCH_PRIO GACT_PROB CGROUP_BPF
)
# What x86_64_defconfig brings and no test uses: the VM has no disk, no
# display, no USB and no network card (loopback and namespaces only).
trim_opts=(
	DRM FB AGP SOUND USB_SUPPORT WLAN WIRELESS CFG80211 RFKILL NETFILTER
	MD ATA SCSI ETHERNET HID INPUT_MOUSE INPUT_JOYSTICK INPUT_TABLET
	INPUT_TOUCHSCREEN HIBERNATION SUSPEND CPU_FREQ HWMON THERMAL I2C
	PCCARD NFS_FS EXT4_FS MACINTOSH_DRIVERS SECURITY_SELINUX AUDIT
)
debug_opts=(
	KASAN KASAN_GENERIC KASAN_INLINE PROVE_LOCKING
	DEBUG_KMEMLEAK DEBUG_ATOMIC_SLEEP DEBUG_LIST DEBUG_OBJECTS
	DEBUG_OBJECTS_TIMERS DEBUG_OBJECTS_WORK DEBUG_OBJECTS_RCU_HEAD
	DEBUG_OBJECTS_FREE
)

configure() {
	local name=$1 src=$2 o
	make -C "$src" -s x86_64_defconfig >/dev/null
	make -C "$src" -s kvm_guest.config >/dev/null
	for o in "${common_opts[@]}"; do "$src/scripts/config" --file "$src/.config" -e "$o"; done
	for o in "${trim_opts[@]}"; do "$src/scripts/config" --file "$src/.config" -d "$o"; done
	"$src/scripts/config" --file "$src/.config" \
		-d DEBUG_INFO -e DEBUG_INFO_NONE -d DEBUG_INFO_BTF -d WERROR \
		--set-str LOCALVERSION "-tcpstates" -d LOCALVERSION_AUTO \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS ""
	if [ "$name" = debug ]; then
		for o in "${debug_opts[@]}"; do "$src/scripts/config" --file "$src/.config" -e "$o"; done
		"$src/scripts/config" --file "$src/.config" \
			--set-str LOCALVERSION "-tcpstates-debug" \
			-d DEBUG_KMEMLEAK_DEFAULT_OFF -e DEBUG_KMEMLEAK_AUTO_SCAN \
			--set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 16000
	fi
	make -C "$src" -s olddefconfig >/dev/null
	# olddefconfig drops what a dependency forbids: say so, it matters.
	for o in "${common_opts[@]}" $([ "$name" != debug ] || echo "${debug_opts[@]}"); do
		grep -q "^CONFIG_$o=y" "$src/.config" ||
			log "build-kernel: $name: CONFIG_$o is not set (not available in this version)"
	done
}

# The options a kernel is built with, as the cache remembers them
options_of() {
	echo "${common_opts[*]} / ${trim_opts[*]}"
	[ "$1" != debug ] || echo "${debug_opts[*]}"
}

build_one() {
	local name=$1 pkg suite tb dir=$TCPSTATES_CACHE/kernels/$1 work t0 t1 rel
	if [ "$force" = 0 ] && [ -s "$dir/bzImage" ] && [ -s "$dir/release" ]; then
		if [ "$(cat "$dir/options" 2>/dev/null)" = "$(options_of "$name")" ]; then
			log "build-kernel: $name is cached: $(cat "$dir/release") in $dir"
			return 0
		fi
		log "build-kernel: $name is cached with other options: building it again"
	fi
	read -r pkg suite <<<"$(source_of "$name")"
	tb=$(fetch_source "$pkg" "$suite")
	work=$TCPSTATES_CACHE/kernels/.build-$name
	rm -rf "$work" "$dir"
	mkdir -p "$work"
	log "build-kernel: unpacking $tb"
	tar -xf "$tb" -C "$work" --strip-components=1
	configure "$name" "$work"
	log "build-kernel: building $name with $jobs jobs; log in $work/build.log"
	t0=$(date +%s)
	if ! nice make -C "$work" -j"$jobs" bzImage modules >"$work/build.log" 2>&1; then
		tail -n 40 "$work/build.log" >&2
		die "build-kernel: $name failed to build (log: $work/build.log)"
	fi
	t1=$(date +%s)
	rel=$(cat "$work/include/config/kernel.release")
	# What an out-of-tree module build needs stays in the tree (Module.symvers,
	# include/generated, scripts); the objects go.
	find "$work" -name '*.o' -delete -o -name '*.cmd' -delete -o -name '*.a' -delete
	cp "$work/arch/x86/boot/bzImage" "$work/bzImage"
	echo "$rel" >"$work/release"
	echo $((t1 - t0)) >"$work/build-seconds"
	options_of "$name" >"$work/options"
	mv "$work" "$dir"
	ln -sfn . "$dir/build"
	log "build-kernel: $name ($rel) built in $((t1 - t0)) s"
}

names=()
while [ $# -gt 0 ]; do
	case $1 in
	-f) force=1; shift ;;
	-j) jobs=${2:?}; shift 2 ;;
	--list)
		for d in "$TCPSTATES_CACHE"/kernels/*/; do
			[ -s "$d/release" ] || continue
			printf '%s\t%s\t%s s\n' "$(basename "$d")" "$(cat "$d/release")" \
				"$(cat "$d/build-seconds" 2>/dev/null || echo '?')"
		done
		exit 0 ;;
	-h|--help) usage ;;
	-*) log "build-kernel: unknown option $1"; usage ;;
	*) names+=("$1"); shift ;;
	esac
done
[ ${#names[@]} -gt 0 ] || usage
for n in "${names[@]}"; do source_of "$n" >/dev/null; done
for n in "${names[@]}"; do build_one "$n"; done
