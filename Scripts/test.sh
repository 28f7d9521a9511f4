#!/usr/bin/env bash
# The test command of the README (and of CI): dependencies, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
