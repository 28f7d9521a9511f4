#!/usr/bin/env bash
# The first command of the README: dependencies, a release build, and
# `convkit demo`, which answers "what do stride, padding and kernel size do?"
# on a photo built into convkit: a comparison grid (PNG), an HTML report and
# the shape table, with the seed's Keras numbers for 28x28x1.
#   Scripts/demo.sh [DIR]   (default demo-out)
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build -c release --product convkit
bin=$(swift build -c release --show-bin-path)/convkit
"$bin" demo -o "${1:-demo-out}"
