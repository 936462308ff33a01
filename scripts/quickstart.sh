#!/usr/bin/env bash
# Installs what is missing, builds libvmm and runs a VM on the stub plugin:
# vmmctl creates it, starts it, prints every state change and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
builddir=${BUILDDIR:-_build}
[ -f "$builddir/build.ninja" ] || meson setup "$builddir"
meson compile -C "$builddir"

export VMM_PLUGIN_PATH="$PWD/$builddir/plugins/stub${VMM_PLUGIN_PATH:+:$VMM_PLUGIN_PATH}"
exec "$builddir/tools/vmmctl" run --plugin stub --stop-after 2 examples/stub.json
