#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The VM test suite on the 7.2 test kernel.
exec "$(dirname "$0")/vm-suite.sh" 7.2
