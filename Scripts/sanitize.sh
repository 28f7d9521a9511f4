#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer and/or ThreadSanitizer.
#
#   Scripts/sanitize.sh [address|thread|all] [swift test args...]
#   Scripts/sanitize.sh address --filter ConvKitIOTests
#
# Each sanitizer has its own scratch path (.build-asan, .build-tsan), so the
# normal build is untouched. The CLI tests run the convkit binary of the same
# build, so it is instrumented too. CONVKIT_SANITIZER tells the tests to skip
# RSS and address-space limits (shadow memory) and to allow more time.
# Exit status: non-zero when a build fails, a test fails or a sanitizer reports.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
which="${1:-all}"
[[ $# -gt 0 ]] && shift
case "$which" in
    all) sanitizers=(address thread) ;;
    address|thread) sanitizers=("$which") ;;
    *) echo "usage: Scripts/sanitize.sh [address|thread|all] [swift test args...]" >&2; exit 2 ;;
esac

status=0
for s in "${sanitizers[@]}"; do
    scratch="$root/.build-${s:0:1}san"
    log="$scratch-test.log"
    mkdir -p "$scratch"
    echo "== $s: swift test --sanitize=$s --scratch-path $scratch $*"
    start=$(date +%s)
    # halt_on_error: the first report fails the run with its stack, instead of a
    # count at exit that names no test.
    CONVKIT_SANITIZER="$s" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=0}" \
    TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}" \
        swift test --sanitize="$s" --scratch-path "$scratch" "$@" > "$log" 2>&1
    rc=$?
    reports=$(grep -cE "^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer|SUMMARY: (Address|Thread)Sanitizer)" "$log")
    summary=$(grep -E "Test run with .* (passed|failed)|Executed [0-9]+ tests" "$log" | tail -2)
    echo "$summary"
    echo "== $s: exit $rc, $reports sanitizer report lines, $(( $(date +%s) - start )) s (log: $log)"
    if [[ $rc -ne 0 || $reports -ne 0 ]]; then
        status=1
        grep -E -A30 "ERROR: AddressSanitizer|WARNING: ThreadSanitizer" "$log" | head -80
        grep -E "✘" "$log" | head -20
    fi
done
exit $status
