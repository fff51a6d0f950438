# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the host-side shell tests (sourced): a scratch directory
# removed on exit, and numbered results.

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0

ok() {	# ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
