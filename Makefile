# SPDX-License-Identifier: GPL-2.0
#
# make               build the module (for KDIR) and the CLI
# make KDIR=/lib/modules/<release>/build   build the module for that kernel
# make install       module, CLI, exporter (tcpstates-exporter, its systemd unit, its
#                    Prometheus rules and scrape snippet), man page and bash completion;
#                    runs depmod
#                    (DESTDIR, PREFIX=/usr/local, KDIR: the module's kernel)
# make uninstall     remove exactly what install installed (same variables)
# make modules_install   the module only, into /lib/modules/<release>/extra
# make dkms-install  sources to /usr/src/tcpstates-<version>, dkms add,
#                    build and install for KDIR's kernel (idempotent)
# make dkms-uninstall    dkms remove --all, remove /usr/src/tcpstates-<version>
# make test          install what is needed, then host and VM tests on 6.1, 6.1-rt, 6.12
#                    (VM suites side by side, one per CPU; the tools' tests on 6.1 only)
# make test-matrix   the VM suites on every kernel: 6.1, 6.1-rt, 6.12, 6.12-rt and
#                    the source-built 5.10, 7.2 and debug (built and cached first)
# make stress        the long reliability suites on 6.1, 6.1-rt and 6.12
# make demo          boot the 6.1 test VM, load the module, make traffic, show it
# make bench         overhead and loss vs bpftrace in the 6.1 test VM, into build/bench/ (~20 min)
# make check         checkpatch --strict + sparse on module/, -Werror on tools/
# make clean

KDIR ?= $(shell bash -c '. scripts/lib.sh; default_kdir')
TEST_KERNELS ?= 6.1 6.1-rt 6.12

# The release KDIR's kernel reports (uname -r, the module's vermagic):
# UTS_RELEASE, as include/config/kernel.release in Debian's 6.1 headers is
# only the upstream version (6.1.192 for 6.1.0-56-amd64); that file where
# utsrelease.h is missing. Set KRELEASE to uninstall once the headers are gone.
KRELEASE ?= $(or $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null),$(shell cat \
	$(KDIR)/include/config/kernel.release 2>/dev/null))
# The one version number: MODULE_VERSION in module/main.c (dkms.conf repeats
# it; tools/testing/host/install.t checks that they agree).
VERSION := $(shell sed -n 's/^MODULE_VERSION("\(.*\)");/\1/p' module/main.c)

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# systemd reads /usr/local/lib/systemd/system and /usr/lib/systemd/system
UNITDIR ?= $(PREFIX)/lib/systemd/system
PROMDIR ?= $(PREFIX)/share/tcpstates/prometheus
PROMFILES := tcpstates-rules.yml tcpstates-rules.test.yml scrape.yml
MODDIR = $(DESTDIR)/lib/modules/$(KRELEASE)/extra
# depmod and modinfo live in /sbin, which a user's PATH may lack.
DEPMOD ?= $(shell PATH="$$PATH:/sbin:/usr/sbin" command -v depmod)
MODINFO ?= $(shell PATH="$$PATH:/sbin:/usr/sbin" command -v modinfo)
DKMS ?= dkms
DKMS_SRC ?= /usr/src/tcpstates-$(VERSION)

all: module cli

module:
	@test -n "$(KDIR)" || { echo "no kernel headers found: install linux-headers-$$(uname -r) or run scripts/deps.sh" >&2; exit 2; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

cli:
	$(MAKE) -C tools

test:
	scripts/deps.sh
	$(MAKE) cli
	TEST_KERNELS="$(TEST_KERNELS)" scripts/test.sh

test-matrix:
	scripts/test-matrix.sh

stress:
	scripts/stress.sh

demo:
	scripts/deps.sh
	$(MAKE) cli
	scripts/demo.sh

check:
	scripts/deps.sh
	scripts/check.sh

bench:
	TCPSTATES_WANT_BCC=1 scripts/deps.sh
	$(MAKE) cli
	scripts/bench.sh

bench-scaling:
	scripts/deps.sh
	$(MAKE) cli
	scripts/bench-scaling.sh -k 6.1 -f
	scripts/bench-scaling.sh -k 6.12 -f

bench-insns:
	scripts/deps.sh
	$(MAKE) cli
	scripts/bench-insns.sh -k 6.1

krelease:
	@test -n "$(KRELEASE)" || { echo "cannot tell the kernel release of KDIR='$(KDIR)': set KDIR=/lib/modules/<release>/build (or KRELEASE=<release>)" >&2; exit 2; }

# depmod for KRELEASE, in DESTDIR when set (without the warnings about the
# modules.order and modules.builtin* files a staging tree does not have);
# skipped, with a note, without depmod or when nothing was installed there.
define run_depmod
	@if [ -z "$(DEPMOD)" ]; then \
		echo "depmod not found: run 'depmod $(KRELEASE)' once it is installed" >&2; \
	elif [ -d "$(DESTDIR)/lib/modules/$(KRELEASE)" ]; then \
		echo "$(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR) )$(KRELEASE)"; \
		out=$$($(DEPMOD) $(if $(DESTDIR),-b "$(DESTDIR)") "$(KRELEASE)" 2>&1) || \
			{ printf '%s\n' "$$out" >&2; exit 1; }; \
		printf '%s\n' "$$out" | grep -v $(if $(DESTDIR),-e 'could not open modules\.\(order\|builtin\)') -e '^$$' >&2 || true; \
	fi
endef

modules_install: module krelease
	@if [ -n "$(MODINFO)" ]; then \
		v=$$($(MODINFO) -F vermagic module/tcpstates.ko | cut -d' ' -f1); \
		[ "$$v" = "$(KRELEASE)" ] || { echo "module/tcpstates.ko is built for '$$v', not $(KRELEASE)" >&2; exit 1; }; \
	fi
	install -d "$(MODDIR)"
	install -m 0644 module/tcpstates.ko "$(MODDIR)/tcpstates.ko"
	$(run_depmod)

install: modules_install cli
	install -d "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(MANDIR)/man8" "$(DESTDIR)$(BASHCOMPDIR)" \
		"$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(PROMDIR)"
	install -m 0755 tools/tcpstates "$(DESTDIR)$(SBINDIR)/tcpstates"
	install -m 0755 tools/tcpstates-exporter "$(DESTDIR)$(SBINDIR)/tcpstates-exporter"
	sed 's|^ExecStart=/usr/local/sbin/|ExecStart=$(SBINDIR)/|' tools/prometheus/tcpstates-exporter.service \
		>"$(DESTDIR)$(UNITDIR)/tcpstates-exporter.service"
	chmod 0644 "$(DESTDIR)$(UNITDIR)/tcpstates-exporter.service"
	install -m 0644 $(addprefix tools/prometheus/,$(PROMFILES)) "$(DESTDIR)$(PROMDIR)/"
	install -m 0644 tools/tcpstates.8 "$(DESTDIR)$(MANDIR)/man8/tcpstates.8"
	install -m 0644 tools/tcpstates.bash-completion "$(DESTDIR)$(BASHCOMPDIR)/tcpstates"

uninstall: krelease
	rm -f "$(MODDIR)/tcpstates.ko" "$(DESTDIR)$(SBINDIR)/tcpstates" \
		"$(DESTDIR)$(MANDIR)/man8/tcpstates.8" "$(DESTDIR)$(BASHCOMPDIR)/tcpstates" \
		"$(DESTDIR)$(SBINDIR)/tcpstates-exporter" "$(DESTDIR)$(UNITDIR)/tcpstates-exporter.service" \
		$(addprefix "$(DESTDIR)$(PROMDIR)"/,$(PROMFILES))
	rmdir "$(DESTDIR)$(PROMDIR)" "$(DESTDIR)$(dir $(PROMDIR))" 2>/dev/null || true
	$(run_depmod)

# DKMS: the sources kbuild needs (no objects), then add, build and install
# for KRELEASE. A build left from an earlier run for KRELEASE is removed
# first, so running it again installs the current sources.
dkms-src:
	@test -n "$(VERSION)" || { echo "no MODULE_VERSION in module/main.c" >&2; exit 2; }
	@grep -qx 'PACKAGE_VERSION="$(VERSION)"' dkms.conf || { echo "dkms.conf: PACKAGE_VERSION is not $(VERSION) (MODULE_VERSION in module/main.c)" >&2; exit 2; }
	rm -rf "$(DKMS_SRC)"
	install -d "$(DKMS_SRC)/module"
	install -m 0644 dkms.conf Kbuild "$(DKMS_SRC)/"
	install -m 0644 module/Kbuild $(filter-out %.mod.c,$(wildcard module/*.[ch])) "$(DKMS_SRC)/module/"
	cp -R include "$(DKMS_SRC)/"

dkms-add: dkms-src
	@if $(DKMS) status -m tcpstates -v $(VERSION) | grep -q .; then \
		echo "tcpstates/$(VERSION) is already added to dkms"; \
	else \
		echo "$(DKMS) add -m tcpstates -v $(VERSION)"; \
		$(DKMS) add -m tcpstates -v $(VERSION); \
	fi

dkms-install: krelease dkms-add
	@if $(DKMS) status -m tcpstates -v $(VERSION) -k $(KRELEASE) | grep -qF '$(KRELEASE)'; then \
		echo "$(DKMS) remove -m tcpstates -v $(VERSION) -k $(KRELEASE)"; \
		$(DKMS) remove -m tcpstates -v $(VERSION) -k $(KRELEASE); \
	fi
	@# dkms deletes a module it no longer has a build of: add it back
	@$(DKMS) status -m tcpstates -v $(VERSION) | grep -q . || $(DKMS) add -m tcpstates -v $(VERSION)
	$(DKMS) build -m tcpstates -v $(VERSION) -k $(KRELEASE)
	$(DKMS) install -m tcpstates -v $(VERSION) -k $(KRELEASE)

dkms-uninstall:
	@if $(DKMS) status -m tcpstates -v $(VERSION) | grep -q .; then \
		echo "$(DKMS) remove -m tcpstates -v $(VERSION) --all"; \
		$(DKMS) remove -m tcpstates -v $(VERSION) --all; \
	fi
	rm -rf "$(DKMS_SRC)"

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools clean
	rm -rf build

.PHONY: all module cli test test-matrix stress demo check bench bench-scaling bench-insns clean krelease modules_install install \
	uninstall dkms-src dkms-add dkms-install dkms-uninstall
