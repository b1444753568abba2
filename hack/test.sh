#!/usr/bin/env bash
# The test command: builds everything (tests included) and runs the whole suite.
# Tests that need kubectl or the Python `kubernetes` client skip with a message when those are
# missing; `.ci/run` installs them, so in CI nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

timeout 3600 swift build --build-tests
timeout 1800 swift test --skip-build --skip SoakTests
# The fault soak drives two controllers through minutes of virtual time as fast as they keep up with
# real work; run in parallel with every other suite on 2 cores it measures the machine's load, not
# the controller. It runs alone, after the rest.
timeout 900 swift test --skip-build --filter SoakTests
