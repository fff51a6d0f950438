#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Unit tests of the CLI's parsing and filters (TAP from cli_test).
exec "$(dirname "$0")/cli_test"
