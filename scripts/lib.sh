# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the scripts in this folder (sourced, not run).

TCPSTATES_CACHE=${TCPSTATES_CACHE:-/var/cache/tcpstates}

log() { printf '%s\n' "$*" >&2; }
die() { printf '%s\n' "$*" >&2; exit 2; }

# The Debian mirror this machine's apt configuration uses for bookworm.
apt_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" && $0 !~ /^#/ {
			i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++
			if ($i ~ /^\[/) i++
			if ($(i + 1) == "bookworm") { print $i; exit }
		}' "$f"
	done | head -n1 | grep . && return 0
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			uri = ""; ok = 0; en = 1
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^#/) continue
				if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
				if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) ok = 1
				if ($i ~ /^Enabled:[ \t]*no/) en = 0
			}
			if (ok && en && uri != "") { print uri; exit }
		}' "$f"
	done | head -n1 | grep .
}

checkpatch_path() { echo "$TCPSTATES_CACHE/checkpatch/scripts/checkpatch.pl"; }

# The kernel's YNL CLI and the netlink specs' schemas, from Debian's
# linux-source-6.12 (6.12's cli.py lives in tools/net/ynl).
ynl_path() { echo "$TCPSTATES_CACHE/ynl/tools/net/ynl/cli.py"; }

prepare_ynl() {
	local tarball dir="$TCPSTATES_CACHE/ynl"
	tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)
	[ -n "$tarball" ] || die "ynl: linux-source-6.12 is not installed (run scripts/deps.sh)"
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -xf "$tarball" -C "$dir" --strip-components=1 --wildcards \
		'*/tools/net/ynl' '*/Documentation/netlink' ||
		die "ynl: cannot extract it from $tarball"
	[ -e "$(ynl_path)" ] || die "ynl: $(ynl_path) is not in $tarball"
}

# checkpatch.pl and the data files it reads, from Debian's linux-source-6.1.
prepare_checkpatch() {
	local tarball dir="$TCPSTATES_CACHE/checkpatch" top
	tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
	[ -n "$tarball" ] || die "checkpatch: linux-source-6.1 is not installed (run scripts/deps.sh)"
	top=$(basename "$tarball" | sed 's/\.tar\..*//')
	mkdir -p "$dir"
	tar -xf "$tarball" -C "$dir" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
}

# Source-built kernels (scripts/build-kernel.sh) live in
# $TCPSTATES_CACHE/kernels/NAME/: NAME is debug, 7.2 or 5.10.
source_kernel_names="debug 7.2 5.10"

# The release of a cached source-built kernel, by name.
source_kernel_release() {
	local f=$TCPSTATES_CACHE/kernels/$1/release
	[ -s "$f" ] && [ -s "$TCPSTATES_CACHE/kernels/$1/bzImage" ] && cat "$f"
}

# The cache directory of a source-built kernel, by release.
source_kernel_dir() {
	local d
	for d in "$TCPSTATES_CACHE"/kernels/*/; do
		[ -s "$d/release" ] && [ "$(cat "$d/release")" = "$1" ] || continue
		echo "${d%/}"
		return 0
	done
	return 1
}

# kernel_file RELEASE DEBIAN-PATH CHECK CACHED: Debian's DEBIAN-PATH when
# DEBIAN-PATH/CHECK exists, else CACHED in the source-built kernel's cache.
kernel_file() {
	local d
	if [ -e "$2$3" ]; then
		echo "$2"
	elif d=$(source_kernel_dir "$1"); then
		echo "$d$4"
	else
		return 1
	fi
}

# The kernel image of a release, and the build tree modules compile against.
kernel_image() { kernel_file "$1" "/boot/vmlinuz-$1" "" /bzImage; }
kernel_build_dir() { kernel_file "$1" "/lib/modules/$1/build" /Makefile ""; }

# Test-kernel releases, newest first, for one flavour: 6.1 | 6.1-rt | 6.12 |
# 6.12-rt (Debian's, installed) | debug | 7.2 | 5.10 (source-built, cached)
# | any (every installed release with image, modules and headers).
kernel_release() {
	local flavour=$1 r re
	case $flavour in
	6.1)     re='^6\.1\.[0-9.+a-z-]*[0-9]-amd64$' ;;
	6.1-rt)  re='^6\.1\.[0-9.+a-z-]*-rt-amd64$' ;;
	6.12)    re='^6\.12\.[0-9.+a-z-]*[0-9a-z]-amd64$' ;;
	6.12-rt) re='^6\.12\.[0-9.+a-z-]*-rt-amd64$' ;;
	debug|7.2|5.10) source_kernel_release "$flavour"; return ;;
	any)     re='.' ;;
	[0-9]*.*[0-9]*-*) echo "$flavour"; return 0 ;;   # already a release
	*) die "unknown kernel flavour '$flavour' (use 6.1, 6.1-rt, 6.12, 6.12-rt, debug, 7.2, 5.10 or a release)" ;;
	esac
	for r in $(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -rV); do
		[[ $r =~ $re ]] || continue
		[ "$flavour" != 6.1 ] || [[ $r != *-rt-* ]] || continue
		[ "$flavour" != 6.12 ] || [[ $r != *-rt-* ]] || continue
		[ -d "/lib/modules/$r/kernel" ] || continue
		echo "$r"
		return 0
	done
	return 1
}

# The kernel build dir `make` uses by default: the running kernel's when it
# has one, else the newest non-rt test kernel installed by scripts/deps.sh.
default_kdir() {
	local r
	if [ -e "/lib/modules/$(uname -r)/build/Makefile" ]; then
		echo "/lib/modules/$(uname -r)/build"
		return 0
	fi
	for r in $(ls /lib/modules 2>/dev/null | sort -rV); do
		[[ $r == *-rt-* ]] && continue
		[ -e "/lib/modules/$r/build/Makefile" ] || continue
		echo "/lib/modules/$r/build"
		return 0
	done
	return 1
}

# The qemu TCG plugin of bench-insns.sh (scripts/tbcount.c) into $1, with
# every warning an error (check.sh and insns.t build it so too)
build_plugin() {
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	cc -O2 -shared -fPIC -fvisibility=hidden -Wall -Wextra -Werror -pthread \
		-o "$1" "$top/scripts/tbcount.c"
}

# Build the module for one kernel release into build/RELEASE/ (a copy of
# the sources, so that builds for several kernels do not collide). Fails on
# any compiler warning. Prints the path of the .ko.
build_module_for() {
	local release=$1 top out log kdir
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	out=$top/build/$release
	kdir=$(kernel_build_dir "$release") ||
		die "no headers for $release (run scripts/deps.sh or scripts/build-kernel.sh)"
	mkdir -p "$out/module"
	# Sources only: objects of an in-tree build for another kernel stay out.
	rm -f "$out"/module/*.[ch]
	cp "$top"/module/*.[ch] "$top/module/Kbuild" "$out/module/"
	cp "$top/Kbuild" "$out/"
	rm -rf "$out/include"
	cp -r "$top/include" "$out/"
	log=$out/build.log
	if ! make -C "$kdir" M="$out" modules >"$log" 2>&1; then
		cat "$log" >&2
		die "module build failed for $release"
	fi
	if grep -E 'warning:|error:' "$log" >&2; then
		die "module build for $release has warnings"
	fi
	echo "$out/module/tcpstates.ko"
}

# Build the tests' fault-injection module (tools/testing/faults) for one
# kernel release into build/RELEASE/faults/. Prints the path of the .ko.
build_faults_for() {
	local release=$1 top out kdir
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	out=$top/build/$release/faults
	kdir=$(kernel_build_dir "$release") ||
		die "no headers for $release (run scripts/deps.sh or scripts/build-kernel.sh)"
	mkdir -p "$out"
	cp "$top"/tools/testing/faults/*.c "$top/tools/testing/faults/Kbuild" "$out/"
	if ! make -C "$kdir" M="$out" modules >"$out/build.log" 2>&1 ||
	   grep -E 'warning:|error:' "$out/build.log" >&2; then
		cat "$out/build.log" >&2
		die "fault module build failed for $release"
	fi
	echo "$out/tcpstates_faults.ko"
}

# A 32-bit (i386) kernel tree ready for out-of-tree module builds, from
# linux-source-6.1: defconfig with what the module needs, modules_prepare
# only (no kernel is built), cached in $TCPSTATES_CACHE/i386-6.1. Prints
# its path. For the build test of the module on 32-bit kernels (64-bit
# divisions that a 32-bit kernel cannot link).
prepare_i386_tree() {
	local dir=$TCPSTATES_CACHE/i386-6.1 tarball o
	# (the module's entry hooks are ftrace callbacks: FUNCTION_TRACER and
	# DYNAMIC_FTRACE bring DYNAMIC_FTRACE_WITH_REGS, on i386 too)
	local opts="MODULES MODULE_UNLOAD KPROBES KALLSYMS NET INET IPV6 NET_NS
		    SECURITY INET_DIAG FTRACE FUNCTION_TRACER DYNAMIC_FTRACE"
	# A tree prepared with other options is prepared again.
	if [ "$(cat "$dir/.prepared" 2>/dev/null)" != "$(echo $opts)" ]; then
		tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
		[ -n "$tarball" ] || die "i386 tree: linux-source-6.1 is not installed (run scripts/deps.sh)"
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xf "$tarball" -C "$dir" --strip-components=1
		make -C "$dir" -s ARCH=i386 defconfig >/dev/null
		for o in $opts; do
			"$dir/scripts/config" --file "$dir/.config" -e "$o"
		done
		"$dir/scripts/config" --file "$dir/.config" -d WERROR -d DEBUG_INFO_BTF
		make -C "$dir" -s ARCH=i386 olddefconfig >/dev/null
		make -C "$dir" -s ARCH=i386 -j"$(nproc)" modules_prepare >/dev/null 2>&1 ||
			die "i386 tree: modules_prepare failed in $dir"
		echo $opts >"$dir/.prepared"
	fi
	echo "$dir"
}
