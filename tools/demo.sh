#!/usr/bin/env bash
# Runs a small LAN party on this machine, inside network namespaces:
# a LAN with a DHCP server, a gateway, a relay and two remote clients that
# get their addresses from the LAN through the tunnel. Prints what happens
# and cleans up. Needs root (namespaces, TAP devices); installs what it needs.
#
# Usage: sudo tools/demo.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "${1:-}" in -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;; esac

if [ "$(id -u)" -ne 0 ]; then
        echo "demo.sh: needs root for network namespaces and TAP devices (sudo tools/demo.sh)" >&2
        exit 1
fi

tools/install-deps.sh all
build=${BUILD_DIR:-$top/build-demo}
[ -f "$build/meson-private/coredata.dat" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null

missing=()
for bin in src/relayd/lanparty-relayd src/gatewayd/lanparty-gatewayd src/client/lanparty-client; do
        [ -x "$build/$bin" ] || missing+=("$(basename "$bin")")
done
if [ ${#missing[@]} -gt 0 ]; then
        echo "demo.sh: not built yet: ${missing[*]}." >&2
        echo "demo.sh: the LAN party needs the relay, the gateway and the Linux client; see docs/STATUS.md." >&2
        exit 2
fi

exec tests/e2e/lan-party.sh --demo "$build"
