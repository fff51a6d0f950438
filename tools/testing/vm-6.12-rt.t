#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The VM test suite on the 6.12-rt test kernel.
exec "$(dirname "$0")/vm-suite.sh" 6.12-rt
