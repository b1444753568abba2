#!/usr/bin/env bash
# The test command: builds everything (tests included) and runs the whole suite.
# Tests that need kubectl or the Python `kubernetes` client skip with a message when those are
# missing; `.ci/run` installs them, so in CI nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

timeout 3600 swift build --build-tests
timeout 1800 swift test --skip-build
