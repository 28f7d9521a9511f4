#!/usr/bin/env bash
# The test command of the README (and of CI): dependencies, then every test.
# A release convkit is built too: the 20000x20000 streaming test
# (Tests/CLITests/StreamingCLITests+Cleanup.swift) runs it through CONVKIT_RELEASE_BIN,
# since a debug build takes minutes on that image; without the variable the test is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build --build-tests
swift build -c release --product convkit
CONVKIT_RELEASE_BIN="$(swift build -c release --show-bin-path)/convkit"
export CONVKIT_RELEASE_BIN
swift test --skip-build
