#!/usr/bin/env bash
# Installs the Debian 12 packages libvmm needs to build, test and document
# itself, if any is missing. Needs root (or sudo) only when something is
# missing.
set -euo pipefail

packages=(
  gcc pkg-config meson ninja-build
  libglib2.0-dev libjson-glib-dev libgudev-1.0-dev
  gobject-introspection libgirepository1.0-dev gir1.2-json-1.0
  python3 python3-gi
  gi-docgen
  umockdev libumockdev-dev gir1.2-umockdev-1.0
  valgrind
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
