# SPDX-License-Identifier: GPL-2.0
#
# make               build the module (for KDIR) and the CLI
# make KDIR=/lib/modules/<release>/build   build the module for that kernel
# make test          install what is needed, then host and VM tests on 6.1, 6.1-rt, 6.12
# make demo          boot the 6.1 test VM, load the module, make traffic, show it
# make check         checkpatch --strict + sparse on module/, -Werror on tools/
# make clean

KDIR ?= $(shell bash -c '. scripts/lib.sh; default_kdir')
TEST_KERNELS ?= 6.1 6.1-rt 6.12

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

demo:
	scripts/deps.sh
	$(MAKE) cli
	scripts/demo.sh

check:
	scripts/deps.sh
	scripts/check.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools clean
	rm -rf build

.PHONY: all module cli test demo check clean
