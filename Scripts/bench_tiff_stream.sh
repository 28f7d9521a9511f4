#!/usr/bin/env bash
# Scripts/bench_tiff_stream.sh [SIDE] [DIR]: gaussian5 on a SIDE x SIDE RGB image (default 40000) as striped
# TIFF, tiled TIFF and PNG, by convkit (release, streamed) and by libvips' `vips conv` (the same 5x5 kernel,
# float precision) and `vips gaussblur 1.0 --min-ampl 0.1` (its separable integer path), each to the same
# format it read. Prints wall seconds and peak RSS (GNU time) per run. Inputs are made once in DIR
# (default /tmp/convkit-bench) by vips from a corpus photo; they take about 5 GB per TIFF at 40000.
set -euo pipefail
side="${1:-40000}"
dir="${2:-/tmp/convkit-bench}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.build/release/convkit"
[ -x "$bin" ] || (cd "$root" && swift build -c release --product convkit)
mkdir -p "$dir"
cd "$dir"
photo="$root/Fixtures/corpus/jpeg/testorig.jpg"
if [ ! -s "strips-$side.tif" ]; then
    vips resize "$photo" "big-$side.v" "$(python3 -c "print($side / 227)")" --vscale "$(python3 -c "print($side / 149)")" --kernel linear
    vips extract_area "big-$side.v" "strips-$side.tif[strip]" 0 0 "$side" "$side"
    vips copy "strips-$side.tif" "tiles-$side.tif[tile,tile-width=256,tile-height=256]"
    vips copy "strips-$side.tif" "png-$side.png[compression=2]"
    rm -f "big-$side.v"
fi
"$bin" filters show gaussian5 | awk '/kernel:/{k=1; next} k && NF==5 {print} k && NF!=5 && n++>0 {exit}' > g5.rows
{ echo "5 5 1 0"; cat g5.rows; } > gaussian5.mat
run() {
    local label="$1"; shift
    rm -f out.*
    /usr/bin/time -f "%e %M" -o time.txt "$@" >/dev/null 2>err.txt || { echo "$label: failed: $(tail -1 err.txt)"; return; }
    read -r secs kib < time.txt
    printf '%-46s %8.1f s %8.0f MB\n' "$label" "$secs" "$((kib / 1024))"
}
for kind in strips tiles png; do
    ext=tif; [ "$kind" = png ] && ext=png
    in="$kind-$side.$ext"
    run "convkit gaussian5 ($in)" "$bin" apply "$in" --filter gaussian5 -o "out.$ext"
    run "vips conv gaussian5.mat ($in)" vips conv "$in" "out.$ext" gaussian5.mat
    run "vips gaussblur 1.0 --min-ampl 0.1 ($in)" vips gaussblur "$in" "out.$ext" 1.0 --min-ampl 0.1
done
rm -f out.* time.txt err.txt g5.rows
