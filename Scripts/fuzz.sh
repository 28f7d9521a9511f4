#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS (default 600), built with AddressSanitizer.
#
#   Scripts/fuzz.sh TARGET [SECONDS] [extra libFuzzer flags...]
#   Scripts/fuzz.sh build           # build every target only
#
# TARGET: png | jpeg | npy | tiff | webp | kernelstring | preset (or FuzzPNG, ...).
# Seeds: Fixtures/corpus and ../shared/corpus (when present) by format, Filters/*.yaml
# for presets, a few kernel strings. The working corpus grows in .build-fuzz/corpus/TARGET;
# crashers land in .build-fuzz/artifacts/TARGET/ (copy them to Fixtures/regressions/).
# One fuzzer process (no -jobs/-workers): the machine has 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$root/.build-fuzz"

build() {
    (cd "$root/Fuzz" && swift build --scratch-path "$scratch" -c debug \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
        -Xcc -fsanitize=fuzzer-no-link,address 2>&1 | grep -v "Cannot export local symbol" | tail -5)
}

target="${1:?usage: Scripts/fuzz.sh png|jpeg|npy|tiff|webp|kernelstring|preset|build [SECONDS] [libFuzzer flags]}"
if [[ "$target" == build ]]; then build; exit 0; fi
seconds="${2:-600}"
shift $(( $# >= 2 ? 2 : 1 ))
case "$target" in
    png|FuzzPNG) name=FuzzPNG; globs=("*.png" "*.PNG"); maxlen=600000 ;;
    jpeg|jpg|FuzzJPEG) name=FuzzJPEG; globs=("*.jpg" "*.jpeg"); maxlen=600000 ;;
    npy|FuzzNPY) name=FuzzNPY; globs=("*.npy"); maxlen=65536 ;;
    tiff|tif|FuzzTIFF) name=FuzzTIFF; globs=("*.tif" "*.tiff"); maxlen=200000 ;;
    webp|FuzzWebP) name=FuzzWebP; globs=("*.webp"); maxlen=200000 ;;
    kernelstring|FuzzKernelString) name=FuzzKernelString; globs=(); maxlen=4096 ;;
    preset|FuzzPreset) name=FuzzPreset; globs=(); maxlen=16384 ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
esac

if ! build; then
    # A tree half-edited by someone else: fuzz the last binary that built.
    [[ -x "$scratch/debug/$name" ]] || { echo "fuzz: build failed" >&2; exit 1; }
    echo "fuzz: build failed; running the existing $scratch/debug/$name" >&2
fi
corpus="$scratch/corpus/$name"
artifacts="$scratch/artifacts/$name"
mkdir -p "$corpus" "$artifacts"
seeds=()
for dir in "$root/Fixtures/corpus" "$root/Fixtures/formats" "$root/../shared/corpus" "$root/Fixtures/regressions"; do
    [[ -d "$dir" ]] || continue
    for g in "${globs[@]}"; do
        while IFS= read -r -d '' f; do seeds+=("$f"); done < <(find "$dir" -type f -iname "$g" -print0)
    done
done
if [[ "$name" == FuzzPreset ]]; then
    while IFS= read -r -d '' f; do seeds+=("$f"); done < <(find "$root/Filters" "$root/Tests/ConvKitPresetsTests" \
        -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -print0 2>/dev/null)
fi
seeddir="$scratch/seeds/$name"
rm -rf "$seeddir"; mkdir -p "$seeddir"
i=0
for f in "${seeds[@]}"; do cp "$f" "$seeddir/seed-$i-$(basename "$f")"; i=$((i + 1)); done
if [[ "$name" == FuzzKernelString ]]; then
    printf '3x3: -1,0,1 -2,0,2 -1,0,1' > "$seeddir/sobel"
    printf '5x3+0+1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15' > "$seeddir/origin"
    printf '1,2,1,2,4,2,1,2,1;3: 0,-1,0 -1,4,-1 0,-1,0' > "$seeddir/bank"
    printf '3x3: nan,1,nan 1,-4,1 -,1,-' > "$seeddir/nan"
fi
if [[ -d "$root/Fixtures/regressions/$name" ]]; then
    cp "$root/Fixtures/regressions/$name"/* "$seeddir/" 2>/dev/null || true
fi

# ASAN inside the target; libFuzzer stops at the first crash, leak, timeout or OOM.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
exec "$scratch/debug/$name" "$corpus" "$seeddir" \
    -max_total_time="$seconds" -max_len="$maxlen" -timeout=20 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$@"
