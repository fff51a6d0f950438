#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP test for the packaging, in a private copy of the tree: one version
# number everywhere; make install / uninstall / modules_install into a
# DESTDIR (module for one installed kernel, depmod, CLI, man page, bash
# completion); the man page renders without a warning and documents what
# the completion offers; the completion completes commands, options and
# values; and a DKMS build for every installed kernel with headers, through
# `make dkms-add` and `make dkms-uninstall` (needs root and dkms; builds
# only, installs nothing, and leaves /usr/src and the dkms tree as found).
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"

if ! kdir=$(default_kdir); then
	echo "1..0 # SKIP no kernel headers installed (run scripts/deps.sh)"
	exit 0
fi
rel=$(basename "$(dirname "$kdir")")
# Every kernel whose headers can build modules, for the DKMS builds
releases=()
for b in /lib/modules/*/build; do
	[ -e "$b/Makefile" ] && releases+=("$(basename "$(dirname "$b")")")
done

# shellcheck source=tools/testing/host/tap.sh
. "$root/tools/testing/host/tap.sh"
has() { grep -qF -- "$2" "$1"; }
comment() { sed 's/^/# /'; }
# Pipelines into grep -q or head are avoided: with pipefail, the writer's
# SIGPIPE would fail them at random.

src=$tmp/src
dest=$tmp/dest
mkdir -p "$src"
# The working tree as it is, without objects, build/ and .git
tar -C "$root" --exclude=./.git --exclude=./build --exclude='*.o' \
	--exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' \
	--exclude=modules.order --exclude=Module.symvers -cf - . | tar -C "$src" -xf -
mk() { make -C "$src" --no-print-directory "$@"; }
version=$(sed -n 's/^MODULE_VERSION("\(.*\)");/\1/p' "$src/module/main.c")

echo "1..$((43 + ${#releases[@]}))"

# --- one version -----------------------------------------------------------
conf() {	# conf EXPR: EXPR evaluated after sourcing dkms.conf, as dkms does
	bash -c 'kernel_source_dir=/KSRC dkms_tree=/DKMS kernelver=R; . "$1"; eval "echo \"$2\""' \
		conf "$src/dkms.conf" "$1"
}
# shellcheck disable=SC2016 # conf expands its argument
ok "$([ -n "$version" ] && [ "$(conf '$PACKAGE_VERSION')" = "$version" ]; echo $?)" \
	"dkms.conf PACKAGE_VERSION is MODULE_VERSION of module/main.c ('$version')"
# shellcheck disable=SC2016
ok "$([ "$(conf '$PACKAGE_NAME ${BUILT_MODULE_NAME[0]} ${BUILT_MODULE_LOCATION[0]} ${DEST_MODULE_LOCATION[0]} $AUTOINSTALL')" = \
	"tcpstates tcpstates module/ /extra yes" ] &&
	[ "$(conf '${MAKE[0]}')" = "make -C /KSRC M=/DKMS/tcpstates/$version/build modules" ] &&
	[ "$(conf '$CLEAN')" = "make -C /KSRC M=/DKMS/tcpstates/$version/build clean" ]; echo $?)" \
	"dkms.conf: name, module location, MAKE and CLEAN with the kernel's build dir"

# --- make install / uninstall ----------------------------------------------
rc=0; mk -s KDIR="$kdir" >"$tmp/build.log" 2>&1 || rc=$?
ok "$rc" "make KDIR=$kdir builds the module and the CLI"
[ "$rc" = 0 ] || comment <"$tmp/build.log"
out=$("$src/tools/tcpstates" --version 2>/dev/null) || true
out=${out%%$'\n'*}
ok "$([[ $out =~ ^tcpstates\ $version($|[^0-9.]) ]]; echo $?)" \
	"tcpstates --version reports $version (got: ${out:-nothing})"

vars=(DESTDIR="$dest" PREFIX=/usr KDIR="$kdir")
rc=0; mk install "${vars[@]}" >"$tmp/install.log" 2>&1 || rc=$?
ok "$rc" "make install DESTDIR=... PREFIX=/usr KDIR=..."
[ "$rc" = 0 ] || comment <"$tmp/install.log"
ko=$dest/lib/modules/$rel/extra/tcpstates.ko
vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1) || true
ok "$(cmp -s "$src/module/tcpstates.ko" "$ko" && [ "$vermagic" = "$rel" ]; echo $?)" \
	"module in lib/modules/$rel/extra, built for $rel (vermagic: ${vermagic:-none})"
ok "$(grep -qx 'extra/tcpstates.ko:' "$dest/lib/modules/$rel/modules.dep" 2>/dev/null; echo $?)" \
	"depmod -b DESTDIR: modules.dep lists extra/tcpstates.ko"
ok "$([ -x "$dest/usr/sbin/tcpstates" ] && cmp -s "$src/tools/tcpstates" "$dest/usr/sbin/tcpstates"; echo $?)" \
	"CLI in PREFIX/sbin, executable"
ok "$(cmp -s "$src/tools/tcpstates.8" "$dest/usr/share/man/man8/tcpstates.8"; echo $?)" \
	"man page in PREFIX/share/man/man8"
ok "$(cmp -s "$src/tools/tcpstates.bash-completion" \
	"$dest/usr/share/bash-completion/completions/tcpstates"; echo $?)" \
	"completion in PREFIX/share/bash-completion/completions/tcpstates"
ok "$([ -x "$dest/usr/sbin/tcpstates-exporter" ] &&
	cmp -s "$src/tools/tcpstates-exporter" "$dest/usr/sbin/tcpstates-exporter"; echo $?)" \
	"exporter in PREFIX/sbin, executable"
unit=$dest/usr/lib/systemd/system/tcpstates-exporter.service
ok "$(grep -qx 'ExecStart=/usr/sbin/tcpstates-exporter $TCPSTATES_EXPORTER_ARGS' "$unit" 2>/dev/null &&
	[ "$(diff "$src/tools/prometheus/tcpstates-exporter.service" "$unit" | grep -c '^[<>]')" = 2 ]; echo $?)" \
	"systemd unit in PREFIX/lib/systemd/system, ExecStart in PREFIX/sbin"
ok "$(for f in tcpstates-rules.yml tcpstates-rules.test.yml scrape.yml; do
	cmp -s "$src/tools/prometheus/$f" "$dest/usr/share/tcpstates/prometheus/$f" || exit 1; done; echo $?)" \
	"alert rules, their tests and the scrape snippet in PREFIX/share/tcpstates/prometheus"
# Nothing else: those files and depmod's index files
extra=$(cd "$dest" && find . -type f | sed 's|^\./||' | grep -vx \
	-e "lib/modules/$rel/extra/tcpstates.ko" -e "lib/modules/$rel/modules\.[a-z.]*" \
	-e usr/sbin/tcpstates -e usr/share/man/man8/tcpstates.8 \
	-e usr/share/bash-completion/completions/tcpstates \
	-e usr/sbin/tcpstates-exporter -e usr/lib/systemd/system/tcpstates-exporter.service \
	-e 'usr/share/tcpstates/prometheus/[a-z.-]*\.yml') || true
ok "$([ -z "$extra" ]; echo $?)" "install writes nothing else${extra:+: $extra}"
rc=0; mk install "${vars[@]}" >"$tmp/install2.log" 2>&1 || rc=$?
ok "$([ "$rc" = 0 ] && cmp -s "$src/module/tcpstates.ko" "$ko"; echo $?)" \
	"make install again: same result"

rc=0; mk uninstall "${vars[@]}" >"$tmp/uninstall.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || comment <"$tmp/uninstall.log"
left=$(cd "$dest" && find . -type f -not -name 'modules.*' | sed 's|^\./||') || true
ok "$([ "$rc" = 0 ] && [ -z "$left" ]; echo $?)" \
	"make uninstall removes module, CLI, exporter and its files, man page, completion${left:+ (left: $left)}"
ok "$([ -e "$dest/lib/modules/$rel/modules.dep" ] &&
	! grep -q tcpstates "$dest/lib/modules/$rel/modules.dep"; echo $?)" \
	"make uninstall runs depmod: modules.dep no longer lists tcpstates"
rc=0; mk uninstall "${vars[@]}" >/dev/null 2>&1 || rc=$?
ok "$rc" "make uninstall again: nothing to do, no error"

# Default PREFIX, and modules_install alone
rc=0; mk install DESTDIR="$tmp/dest2" KDIR="$kdir" >/dev/null 2>&1 || rc=$?
ok "$([ "$rc" = 0 ] && [ -x "$tmp/dest2/usr/local/sbin/tcpstates" ] &&
	[ -f "$tmp/dest2/usr/local/share/man/man8/tcpstates.8" ] &&
	[ -f "$tmp/dest2/usr/local/share/bash-completion/completions/tcpstates" ] &&
	[ -f "$tmp/dest2/lib/modules/$rel/extra/tcpstates.ko" ]; echo $?)" \
	"PREFIX defaults to /usr/local"
rc=0; mk modules_install DESTDIR="$tmp/dest3" KDIR="$kdir" >/dev/null 2>&1 || rc=$?
files=$(cd "$tmp/dest3" 2>/dev/null && find . -type f -not -name 'modules.*' | sed 's|^\./||') || true
ok "$([ "$rc" = 0 ] && [ "$files" = "lib/modules/$rel/extra/tcpstates.ko" ] &&
	grep -qx 'extra/tcpstates.ko:' "$tmp/dest3/lib/modules/$rel/modules.dep"; echo $?)" \
	"modules_install: the module (and depmod) only"

# A module built for another kernel is not installed under this one's name
other=""
for r in "${releases[@]}"; do [ "$r" != "$rel" ] && other=$r && break; done
if [ -n "$other" ]; then
	rc=0; mk modules_install DESTDIR="$tmp/dest4" KDIR="$kdir" KRELEASE="$other" \
		>"$tmp/wrong.log" 2>&1 || rc=$?
	ok "$([ "$rc" != 0 ] && has "$tmp/wrong.log" "built for '$rel', not $other" &&
		[ ! -e "$tmp/dest4/lib/modules/$other/extra/tcpstates.ko" ]; echo $?)" \
		"modules_install refuses a module whose vermagic is another release"
else
	ok 0 "modules_install refuses a module of another release # SKIP only one kernel"
fi

# --- man page --------------------------------------------------------------
man8=$src/tools/tcpstates.8
rc=0; groff -man -Tutf8 -ww -z "$man8" >"$tmp/groff.err" 2>&1 || rc=$?
ok "$([ "$rc" = 0 ] && [ ! -s "$tmp/groff.err" ]; echo $?)" \
	"groff -man -ww: no warning$( [ -s "$tmp/groff.err" ] && echo ": $(head -n3 "$tmp/groff.err")")"
rc=0; LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$man8" >"$tmp/man.txt" 2>"$tmp/man.err" || rc=$?
sections=$(grep -E '^[A-Z][A-Z ]+$' "$tmp/man.txt" | tr '\n' ,)
ok "$([ "$rc" = 0 ] && [ ! -s "$tmp/man.err" ] &&
	[ "$sections" = "NAME,SYNOPSIS,DESCRIPTION,COMMANDS,OPTIONS,FILTERS,OUTPUT,EXIT STATUS,EXAMPLES,FILES,PERMISSIONS,SEE ALSO," ]; echo $?)" \
	"man -l renders, no warning, sections in order (${sections%,})"
out=$(lexgrog "$man8" 2>&1) || true
ok "$([[ $out == *': "tcpstates - '* ]]; echo $?)" "lexgrog finds the NAME line"
missing=""
text=$(tr -s ' \n' ' ' <"$tmp/man.txt")
for w in "tcpstates conns --state CLOSE_WAIT --sort age" "tcpstates watch -L 443" \
	"tcpstates watch --since 1200" "tcpstates events -j | jq" "tcpstates show 4242" \
	"tcpstates summary --duration 30" /proc/tcpstates_conns /proc/tcpstates_stats \
	"state established '( dport = :443 or sport = :443 )'" "Flags of ss and bcc" \
	'multicast groups events' events-all CAP_NET_ADMIN "--netns all" \
	"sudo modprobe tcpstates" "sudo insmod tcpstates.ko" "ss(8)" "conntrack(8)" \
	"tcpstates-bpfcc(8)" "genl(8)" NEW_SYN_RECV "receive buffer overflowed"; do
	[[ $text == *"$w"* ]] || missing+=" '$w'"
done
ok "$([ -z "$missing" ]; echo $?)" "man page has the examples, files and references${missing:+; missing:$missing}"

# The man page and the completion agree on the options
comp=$src/tools/tcpstates.bash-completion
man_opts=$(grep -oE -- '(^|[ [(|])--[a-z][a-z0-9-]*' "$tmp/man.txt" | grep -oE -- '--[a-z0-9-]+' | sort -u)
comp_opts=$(bash --norc --noprofile -c '. "$1"; for c in "" watch events life conns listeners stats show summary; do
	_tcpstates_options "$c"; done' x "$comp" | tr -s '[:blank:]' '\n' | grep -E -- '^--' | sort -u)
diff <(echo "$man_opts") <(echo "$comp_opts") >"$tmp/opts.diff" || true
ok "$([ -n "$comp_opts" ] && [ ! -s "$tmp/opts.diff" ]; echo $?)" \
	"man page and completion know the same long options$( [ -s "$tmp/opts.diff" ] &&
	echo ": $(grep '^[<>]' "$tmp/opts.diff" | tr '\n' ' ')")"

# --- bash completion -------------------------------------------------------
complete_words() {	# complete_words WORD...: COMPREPLY, one per line
	bash --norc --noprofile -c '. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
		_tcpstates tcpstates "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' x "$comp" "$@"
}
words() { complete_words "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }
ok "$(bash -n "$comp"; echo $?)" "completion: bash -n"
out=$(bash --norc --noprofile -c '. "$1"; complete -p tcpstates' x "$comp" 2>&1) || true
ok "$([ "$out" = "complete -F _tcpstates tcpstates" ]; echo $?)" \
	"completion registers _tcpstates for tcpstates (got: $out)"
out=$(words tcpstates "")
ok "$([ "$out" = "conns events help life listeners show stats summary watch" ]; echo $?)" "commands (got: $out)"
out=$(words tcpstates s)
ok "$([ "$out" = "show stats summary" ]; echo $?)" "commands starting with s (got: $out)"
out=$(words tcpstates conns --sort "")
ok "$([ "$out" = "age bytes comm cookie drops handshake local pid remote retrans rtt state" ]; echo $?)" "--sort keys (got: $out)"
out=$(words tcpstates conns --sort h)/$(words tcpstates conns --sort = ag)/$(words tcpstates -aH --sort c)
ok "$([ "$out" = "handshake/age/comm cookie" ]; echo $?)" "--sort h, --sort=ag, -aH --sort c (got: $out)"
out=$(words tcpstates l)/$(words tcpstates listeners --sort d)/$(words tcpstates life --r)
ok "$([ "$out" = "life listeners/drops/--rcvbuf --replay --ring --rport" ]; echo $?)" \
	"life and listeners: the commands, --sort drops, life's --ring (got: $out)"
out=$(words tcpstates watch --state CLOSE_WAIT,TI)/$(words tcpstates conns state close-)/$(words tcpstates events exclude FIN)
ok "$([ "$out" = "CLOSE_WAIT,TIME_WAIT/close-wait/FIN_WAIT1 FIN_WAIT2" ]; echo $?)" \
	"--state, state, exclude: kernel and ss names, after a comma (got: $out)"
out=$(words tcpstates events --netns "")/$(words tcpstates -N a)
ok "$([[ $out == *all*/all ]]; echo $?)" "--netns offers all (got: ${out#*/})"
out=$(words tcpstates events cause t)/$(words tcpstates conns role p)/$(words tcpstates conns -f i)
ok "$([ "$out" = "timeout tw_early tw_netns tw_overflow tw_timer/passive/inet inet6" ]; echo $?)" \
	"the filter expression: cause, role, family values (got: $out)"
out=$(words tcpstates conns s)/$(words tcpstates events sport = "")/$(words tcpstates stats "")
ok "$([ "$out" = "sport src state/-/" ] || [ "$out" = "sport src state//" ]; echo $?)" \
	"the filter expression's keys after a command; nothing after an operator or stats (got: $out)"
w=" $(words tcpstates watch --) " c=" $(words tcpstates conns --) "
s=" $(words tcpstates summary --) " e=" $(words tcpstates events --) "
ok "$(for o in --since --replay --ladder --count --duration --state --json; do
	[[ $w == *" $o "* ]] || exit 1; done
	for o in --sort --reverse --state --wide; do [[ $c == *" $o "* ]] || exit 1; done
	for o in --duration --lport --time; do [[ $s == *" $o "* ]] || exit 1; done
	for o in --state --json --netns; do [[ $e == *" $o "* ]] || exit 1; done
	[[ $w != *" --sort "* && $c != *" --since "* && $c != *" --duration "* &&
	   $s != *" --ladder "* && $e != *" --duration "* && $e != *" --sort "* ]]; echo $?)" \
	"options per command (watch: --since --replay --ladder --count, conns: --sort --reverse, summary: --duration)"
out=$(words tcpstates -c watch s)/$(words tcpstates -L 80 conns st)/$(words tcpstates help "")
ok "$([ "$out" = "show stats summary/state/conns events life listeners show stats summary watch" ]; echo $?)" \
	"option values are not commands; help completes commands (got: $out)"

# The completion and the CLI agree: the options of each command (as its
# help lists them, plus --help), and the values the CLI accepts.
cli=$src/tools/tcpstates
cli_opts() {	# the options "tcpstates [help CMD] --help" lists
	if [ -n "$1" ]; then "$cli" help "$1"; else "$cli" --help; fi 2>/dev/null |
		grep -E '^ +-' | sed -E 's/^ +//; s/  .*//' | tr -s ', ' '\n' | grep -E '^-' | sort -u
}
comp_cmd_opts() {
	bash --norc --noprofile -c '. "$1"; _tcpstates_options "$2"' x "$comp" "$1" |
		tr -s '[:blank:]' '\n' | grep -E '^-' | sort -u
}
bad=""
for c in "" watch events life conns listeners stats show summary; do
	a=$(cli_opts "$c")
	[ -z "$c" ] || a=$(printf '%s\n' "$a" -h --help | sort -u)
	d=$(diff <(echo "$a") <(comp_cmd_opts "$c") | grep '^[<>]' | tr '\n' ' ') || true
	[ -z "$a" ] && d="no options in the CLI's help"
	[ -z "$d" ] || bad+=" ${c:-(none)}: $d;"
done
ok "$([ -z "$bad" ]; echo $?)" "completion offers each command's options as the CLI's help lists them${bad:+:$bad}"
bad=""
# shellcheck disable=SC2016
for v in $(bash --norc --noprofile -c '. "$1"; echo $_tcpstates_states' x "$comp"); do
	"$cli" events --state "$v" --help >/dev/null 2>&1 || bad+=" --state $v"
done
# shellcheck disable=SC2016
for v in $(bash --norc --noprofile -c '. "$1"; echo $_tcpstates_sort_keys' x "$comp"); do
	"$cli" conns --sort "$v" --help >/dev/null 2>&1 || bad+=" --sort $v"
done
rc=0; "$cli" conns --sort bogus --help >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || bad+=" (--sort bogus: exit $rc, not 2)"
rc=0; "$cli" events --state BOGUS --help >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || bad+=" (--state BOGUS: exit $rc, not 2)"
# shellcheck disable=SC2016
for v in $(bash --norc --noprofile -c '. "$1"; echo $_tcpstates_causes' x "$comp"); do
	"$cli" events cause "$v" --help >/dev/null 2>&1 || bad+=" cause $v"
done
# shellcheck disable=SC2016
for v in $(bash --norc --noprofile -c '. "$1"; echo $_tcpstates_roles' x "$comp"); do
	"$cli" events role "$v" --help >/dev/null 2>&1 || bad+=" role $v"
done
# shellcheck disable=SC2016
for v in $(bash --norc --noprofile -c '. "$1"; echo $_tcpstates_keys' x "$comp"); do
	case $v in
	and | or) "$cli" events sport = :1 "$v" sport = :2 --help ;;
	not) "$cli" events not sport = :1 --help ;;
	state | exclude) "$cli" events "$v" established --help ;;
	src | dst) "$cli" events "$v" 10.0.0.0/8 --help ;;
	sport | dport) "$cli" events "$v" = :1 --help ;;
	cgroup) "$cli" events cgroup 1 --help ;;
	comm) "$cli" events comm 'x*' --help ;;
	cause) "$cli" events cause normal --help ;;
	role) "$cli" events role active --help ;;
	family) "$cli" events family inet --help ;;
	*) "$cli" events "$v" 1 --help ;;
	esac >/dev/null 2>&1 || bad+=" key $v"
done
ok "$([ -z "$bad" ]; echo $?)" \
	"the CLI takes every state, sort key, cause, role and filter key the completion offers, refuses others${bad:+; refused:$bad}"

# --- DKMS: a build for every kernel with headers ---------------------------
ntests=$((2 + ${#releases[@]}))
skip=""
[ "$(id -u)" = 0 ] || skip="needs root"
command -v dkms >/dev/null || skip="dkms is not installed (scripts/deps.sh installs it)"
if [ -n "$skip" ]; then
	for ((i = 0; i < ntests; i++)); do ok 0 "dkms # SKIP $skip"; done
	exit 0
fi

# One run at a time on this machine: the lock is /usr/src itself, so no
# lock file is left behind.
exec 9</usr/src
flock -w 1800 9 || { echo "Bail out! cannot lock /usr/src for the dkms test"; exit 1; }
usrsrc=/usr/src/tcpstates-$version
dkms_tree=/var/lib/dkms
dkms=(dkms)
dkms_status() { "${dkms[@]}" status -m tcpstates -v "$version" 2>/dev/null; }
if [ -e "$usrsrc" ] || [ -n "$(dkms_status)" ]; then
	# Someone installed this version: leave it alone, use private trees.
	echo "# tcpstates/$version is already in /usr/src or dkms: testing in private trees"
	dkms_tree=$tmp/dkms
	usrsrc=$tmp/usrsrc/tcpstates-$version
	mkdir -p "$dkms_tree" "$tmp/usrsrc"
	dkms=(dkms --dkmstree "$dkms_tree" --sourcetree "$tmp/usrsrc")
fi
dvars=(DKMS="${dkms[*]}" DKMS_SRC="$usrsrc")
cleanup() {
	mk dkms-uninstall "${dvars[@]}" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Sign with a key of our own, not /var/lib/dkms/mok.key, which dkms would
# otherwise create.
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub

rc=0; mk dkms-add "${dvars[@]}" >"$tmp/dkms-add.log" 2>&1 || rc=$?
ok "$([ "$rc" = 0 ] && [ -f "$usrsrc/dkms.conf" ] && [ -f "$usrsrc/Kbuild" ] &&
	[ -f "$usrsrc/module/Kbuild" ] && [ -f "$usrsrc/module/main.c" ] &&
	[ -f "$usrsrc/include/uapi/linux/tcpstates.h" ] &&
	[ -z "$(find "$usrsrc" -name '*.o' -o -name '*.ko' -o -name '*.mod.c')" ] &&
	[[ $(dkms_status) == *added* ]]; echo $?)" \
	"make dkms-add: sources (no objects) in $usrsrc, added to dkms"
[ "$rc" = 0 ] || comment <"$tmp/dkms-add.log"

for r in "${releases[@]}"; do
	t0=$(date +%s%N)
	rc=0; "${dkms[@]}" build -m tcpstates -v "$version" -k "$r" >"$tmp/dkms-$r.log" 2>&1 || rc=$?
	t1=$(date +%s%N)
	# tcpstates.ko, or .ko.xz/.zst when the kernel's own modules are compressed
	kos=("$dkms_tree/tcpstates/$version/$r/$(uname -m)/module/"tcpstates.ko*)
	built=""
	[ -f "${kos[0]}" ] && built=${kos[0]}
	vm=$(modinfo -F vermagic "${built:-/nonexistent}" 2>/dev/null | cut -d' ' -f1) || true
	signed=ok
	if [ -f "$mok_signing_key" ] &&
	   [ "$(modinfo -F signer "${built:-/nonexistent}" 2>/dev/null)" != "DKMS module signing key" ]; then
		signed="not signed with the test key"
	fi
	warn=$(grep -E 'warning:|error:' "$dkms_tree/tcpstates/$version/build/make.log" 2>/dev/null) || true
	echo "# dkms build for $r: $(( (t1 - t0) / 1000000 )) ms"
	ok "$([ "$rc" = 0 ] && [ "$vm" = "$r" ] && [ "$signed" = ok ] && [ -z "$warn" ]; echo $?)" \
		"dkms build for $r: ${built##*/}, vermagic ${vm:-none}, signature $signed${warn:+, warnings}"
	if [ "$rc" != 0 ] || [ -n "$warn" ]; then
		comment <"$tmp/dkms-$r.log"
		echo "$warn" | comment
	fi
done

rc=0; mk dkms-uninstall "${dvars[@]}" >"$tmp/dkms-rm.log" 2>&1 || rc=$?
ok "$([ "$rc" = 0 ] && [ ! -e "$usrsrc" ] && [ ! -e "$dkms_tree/tcpstates/$version" ] &&
	[ -z "$(dkms_status)" ]; echo $?)" \
	"make dkms-uninstall: removed from dkms and $(dirname "$usrsrc")"
[ "$rc" = 0 ] || comment <"$tmp/dkms-rm.log"
