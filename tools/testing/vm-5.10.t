#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The VM test suite on the 5.10 test kernel.
exec "$(dirname "$0")/vm-suite.sh" 5.10
