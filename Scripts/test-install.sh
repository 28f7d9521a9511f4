#!/usr/bin/env bash
# Installs convkit into a temporary prefix with Scripts/install.sh, then, from another directory, runs the
# installed binary's demo, checks its outputs, renders the man page with `man -l` and loads the bash
# completion. Called by Scripts/test.sh; prints "install test: 1 passed, 0 failed" on success.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
Scripts/install.sh "$tmp/prefix"
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
"$tmp/prefix/bin/convkit" demo -o out >demo.log
for f in out/demo-grid.png out/demo-report.html; do
    [ -s "$f" ] || { echo "install test: the installed convkit demo wrote no $f" >&2; cat demo.log >&2; exit 1; }
done
MANWIDTH=100 man -l -P cat "$tmp/prefix/share/man/man1/convkit.1" >man.txt 2>man.err
grep -q "convkit" man.txt && grep -q "apply" man.txt || {
    echo "install test: man -l shows no convkit page" >&2; cat man.err >&2; exit 1; }
bash -c "source '$tmp/prefix/share/bash-completion/completions/convkit' && complete -p convkit" >/dev/null
echo "install test: 1 passed, 0 failed"
