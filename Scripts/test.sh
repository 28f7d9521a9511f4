#!/usr/bin/env bash
# The test command of the README (and of CI): dependencies, then every test.
# A release convkit is built too, and installed into a temporary prefix by Scripts/test-install.sh
# (binary, man page, completions; the demo run from another directory). The 20000x20000 streaming test
# (Tests/CLITests/StreamingCLITests+Cleanup.swift) runs the release binary through CONVKIT_RELEASE_BIN,
# since a debug build takes minutes on that image; without the variable the test is skipped.
# The kernel tests also run on a second build with 8-float vectors and 4-channel tiles
# (the AVX2 / arm64 NEON configuration, CONVKIT_VECTOR_BITS=256, target haswell), so that the
# code of the other vector width is tested here too; the full run's summary stays the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build --build-tests
swift build -c release --product convkit
CONVKIT_RELEASE_BIN="$(swift build -c release --show-bin-path)/convkit"
export CONVKIT_RELEASE_BIN
echo "== Install into a temporary prefix (Scripts/test-install.sh)"
Scripts/test-install.sh
echo "== Kernel tests at 8-float vectors (CONVKIT_VECTOR_BITS=256, haswell)"
CONVKIT_VECTOR_BITS=256 CONVKIT_TARGET_CPU=haswell swift test --scratch-path .build-v256 \
    --filter "KernelPathTests|PoolingTests|StreamingTests|WinogradTests|GoldenTests"
echo "== All tests"
swift test --skip-build
