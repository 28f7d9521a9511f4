#!/usr/bin/env bash
# Installs the C libraries convkit links (libpng, libjpeg-turbo, libfreetype, libtiff, libwebp), pkg-config
# and man-db (Scripts/test-install.sh renders the man page)
# on Debian/Ubuntu, only if something is missing.
set -euo pipefail
needed=(libpng-dev libjpeg-dev libfreetype-dev libtiff-dev libwebp-dev fonts-dejavu-core pkg-config python3 man-db)
missing=()
for p in "${needed[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
