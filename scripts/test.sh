#!/usr/bin/env bash
# Installs what is missing, builds libvmm and runs the whole test suite:
#   scripts/test.sh              build in _build, run every test, then every
#                                test again under valgrind memcheck
#   scripts/test.sh --sanitize   build in _build-asan with AddressSanitizer
#                                and UBSan and run every test
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
scripts/install-deps.sh

case "$mode" in
  all|--all)
    builddir=${BUILDDIR:-_build}
    opts=(-Dwerror=true -Ddocs=enabled -Dintrospection=enabled)
    # A build dir made by quickstart.sh is reused, with this pass's options.
    if [ -f "$builddir/build.ninja" ]; then meson configure "$builddir" "${opts[@]}"; else meson setup "$builddir" "${opts[@]}"; fi
    meson compile -C "$builddir"
    meson test -C "$builddir" --print-errorlogs --num-processes 2
    meson test -C "$builddir" --setup valgrind --print-errorlogs --num-processes 2
    ;;
  --sanitize)
    builddir=${BUILDDIR:-_build-asan}
    opts=(-Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Ddocs=disabled -Dintrospection=enabled)
    if [ -f "$builddir/build.ninja" ]; then meson configure "$builddir" "${opts[@]}"; else meson setup "$builddir" "${opts[@]}"; fi
    meson compile -C "$builddir"
    # --no-rebuild: with these variables set, a rebuild would run
    # g-ir-scanner's dump program under LeakSanitizer, which fails on
    # gobject-introspection's own leaks.
    G_SLICE=always-malloc \
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
      meson test -C "$builddir" --no-rebuild --print-errorlogs --num-processes 2
    ;;
  *)
    echo "usage: scripts/test.sh [--sanitize]" >&2
    exit 2
    ;;
esac
