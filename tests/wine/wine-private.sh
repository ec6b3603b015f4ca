#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs COMMAND with lanparty-wine pointed at the wine prefix kept for tests
# that write fake TAP-Windows6 adapters into the registry (test-tap-win,
# test-client-exe-tap-list.sh): PREFIX-tap, beside the shared PREFIX that
# every other test uses. Those others expect no TAP adapter in the shared
# prefix ("no TAP-Windows6 adapter found"), and meson runs tests side by
# side, so a fake written there, even for a moment, could show up in them.
#
# The private prefix is made once, by lanparty-wine --init itself (same
# lock file, same ready marker holding wine's version), so it is made the
# way the shared one is and made anew after a wine upgrade. While COMMAND
# runs this script holds PREFIX-tap.busy: the tests that use the prefix
# take turns, also across meson runs from different build directories
# that share the cache, and none sees another's fakes. COMMAND's
# wineserver is waited for before the lock is given up, so nothing the
# test started outlives it.
#
# Usage: wine-private.sh LANPARTY-WINE COMMAND [ARGS...]
# COMMAND runs with LANPARTY_WINEPREFIX set to the private prefix (so
# lanparty-wine, and client-exe-lib.sh's wine_setup, use it) and with
# LANPARTY_WINE_PRIVATE=1, without which those tests write no fakes.
set -euo pipefail

if [ $# -lt 2 ]; then
        echo "usage: wine-private.sh LANPARTY-WINE COMMAND [ARGS...]" >&2
        exit 2
fi
wrapper=$(realpath "$1")
shift
[ -x "$wrapper" ] || { echo "SKIP: no wine wrapper at $wrapper"; exit 77; }
command -v wine >/dev/null 2>&1 || { echo "SKIP: wine is not installed"; exit 77; }
if [ -n "${LANPARTY_WINE_PRIVATE:-}" ]; then
        echo "wine-private: already in the private prefix ${LANPARTY_WINEPREFIX:-}" >&2
        exit 2
fi

# The wrapper carries the shared prefix it was made for
# ("${LANPARTY_WINEPREFIX:-/path}"); the private one sits beside it.
shared=${LANPARTY_WINEPREFIX:-$(sed -n 's/^WINEPREFIX=\${LANPARTY_WINEPREFIX:-\(.*\)}$/\1/p' "$wrapper")}
if [ -z "$shared" ]; then
        echo "wine-private: cannot read the wine prefix from $wrapper" >&2
        exit 1
fi
prefix=$shared-tap
mkdir -p "$(dirname "$prefix")"

# Bounded: longer than any test using the prefix may run (their meson
# timeouts), so only a stuck holder makes us give up.
exec 8>"$prefix.busy"
if ! flock -w 600 8; then
        echo "wine-private: $prefix is still in use after 600 s" >&2
        exit 1
fi

# 8>&- on everything that may start a wineserver: it must not inherit, and
# so keep holding, the lock after this script has ended.
finish() {
        # The wineserver leaves 3 s after its last program; a program still
        # running after 30 s (a killed test's) is ended with it.
        if ! WINEPREFIX=$prefix timeout 30 wineserver --wait 8>&- 2>/dev/null; then
                WINEPREFIX=$prefix timeout 20 wineserver --kill 8>&- 2>/dev/null || :
        fi
}
trap finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

export LANPARTY_WINEPREFIX=$prefix LANPARTY_WINE_PRIVATE=1
# First use: about as long as the shared prefix took (20-60 s), once.
"$wrapper" --init 8>&-

rc=0
"$@" 8>&- || rc=$?
exit "$rc"
