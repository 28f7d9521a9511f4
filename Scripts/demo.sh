#!/usr/bin/env bash
# The first command of the README: dependencies, a release build, and convkit
# answering "what do stride and padding do?" on a shipped photo.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build -c release --product convkit
bin=$(swift build -c release --show-bin-path)/convkit
img=Fixtures/corpus/png/camera.png
out=${1:-demo-out}
mkdir -p "$out"
"$bin" info "$img"
sobel="3x3: -1,0,1 -2,0,2 -1,0,1"
for args in "--padding valid" "--padding same" "--padding same --stride 2" "--padding valid --dilation 2"; do
  name=$(echo "$args" | tr -d ' -')
  echo
  echo "== Sobel x, $args"
  # shellcheck disable=SC2086
  "$bin" shape "$img" --kernel "$sobel" $args
  # shellcheck disable=SC2086
  "$bin" apply "$img" --kernel "$sobel" $args --padding-mode replicate --map abs -o "$out/sobel-$name.png"
done
echo
echo "== the seed's Keras layer: 28x28x1, 32 filters 3x3, stride 2"
"$bin" shape --input 28x28x1 --out-channels 32 --kernel-size 3 --stride 2
echo
echo "pictures in $out/"
