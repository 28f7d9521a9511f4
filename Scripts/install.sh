#!/usr/bin/env bash
# Scripts/install.sh [PREFIX]: builds convkit (release) and installs it under PREFIX (default /usr/local):
#   PREFIX/bin/convkit
#   PREFIX/share/man/man1/convkit.1                          (swift-argument-parser's generate-manual plugin)
#   PREFIX/share/bash-completion/completions/convkit         (convkit --generate-completion-script bash)
#   PREFIX/share/zsh/site-functions/_convkit                 (... zsh)
#   PREFIX/share/fish/vendor_completions.d/convkit.fish      (... fish)
# The binary needs nothing from the checkout: the presets and the demo photo are built in.
# The C libraries it links (libpng, libjpeg, libfreetype, libtiff, libwebp) come from Scripts/install-deps.sh.
set -euo pipefail
prefix="${1:-/usr/local}"
cd "$(dirname "$0")/.."
Scripts/install-deps.sh

swift build -c release --product convkit
bin="$(swift build -c release --show-bin-path)/convkit"

# The plugin builds the same release product (a no-op after the build above), runs
# `convkit --experimental-dump-help` and writes one mdoc page per tool.
page=.build/plugins/GenerateManual/outputs/convkit/convkit.1
rm -f "$page"
swift package generate-manual --configuration release >/dev/null
[ -s "$page" ] || { echo "install.sh: the generate-manual plugin wrote no $page" >&2; exit 1; }

completions="$(mktemp -d)"
trap 'rm -rf "$completions"' EXIT
for shell in bash zsh fish; do
    "$bin" --generate-completion-script "$shell" >"$completions/$shell"
    [ -s "$completions/$shell" ] || { echo "install.sh: empty $shell completion script" >&2; exit 1; }
done

install -D -m 755 "$bin" "$prefix/bin/convkit"
install -D -m 644 "$page" "$prefix/share/man/man1/convkit.1"
install -D -m 644 "$completions/bash" "$prefix/share/bash-completion/completions/convkit"
install -D -m 644 "$completions/zsh" "$prefix/share/zsh/site-functions/_convkit"
install -D -m 644 "$completions/fish" "$prefix/share/fish/vendor_completions.d/convkit.fish"
echo "installed convkit into $prefix (bin/convkit, share/man/man1/convkit.1, bash/zsh/fish completions)"
