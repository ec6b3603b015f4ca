#!/bin/bash
# SPDX-License-Identifier: MIT
# The files that install lanparty-relayd as a service: the unit (hardening
# score and `systemd-analyze verify`), the sysusers entry, the polkit action
# and the D-Bus policy (the bus test also loads the latter into a
# dbus-daemon).
#
# Usage: test-relayd-units.sh RELAYD SOURCE_ROOT UNIT
# UNIT is lanparty-relayd.service as meson made it from its .in file.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

relayd=$(realpath "$1")
srcdir=$(realpath "$2")
unit=$(realpath "$3")
sysusers=$srcdir/systemd/lanparty-relayd-sysusers.conf
user=lanparty-relayd
policy=$srcdir/polkit/org.lanparty.relay.policy
buspolicy=$srcdir/dbus/org.lanparty.Relay1.conf
max_exposure=2.0

command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
command -v xmllint >/dev/null || skip "xmllint is not installed (libxml2-utils)"

test_tmp test-relayd-units

echo "== unit settings"
# StateDirectoryMode=0700: the relay refuses a state directory others may
# change, and keeps its secrets (reset secret, dev certificate's key) there.
for setting in Type=notify User=$user Group=$user StateDirectory=lanparty-relayd StateDirectoryMode=0700 UMask=0077 \
        BusName=org.lanparty.Relay1 AmbientCapabilities=CAP_NET_BIND_SERVICE \
        CapabilityBoundingSet=CAP_NET_BIND_SERVICE; do
        grep -qx -- "$setting" "$unit" || fail "$unit lacks $setting"
done
# The installed program (test-install.sh checks it is meson's bindir).
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[[ $exec_start == /*/lanparty-relayd ]] || fail "ExecStart= is not an absolute lanparty-relayd: $exec_start"
grep -q '@[a-z]*@' "$unit" && fail "meson left a placeholder in $unit: $(grep '@[a-z]*@' "$unit")"
grep -qE '^WatchdogSec=[1-9]' "$unit" || fail "$unit lacks WatchdogSec="
# Skipped, not failed, before it is configured (the package starts it).
config=$("$relayd" --help | tr -s ' \n' ' ' | sed -n 's/.*--config FILE [^(]*(default: \([^ ,)]*\).*/\1/p')
grep -qxF "ConditionPathExists=$config" "$unit" || fail "$unit lacks ConditionPathExists=$config"
# A dynamic user cannot be named in the D-Bus policy.
grep -q '^DynamicUser=' "$unit" && fail "$unit must not use DynamicUser="

check_exposure "$unit" "$max_exposure"

check_restart "$unit"

echo "== systemd-analyze verify"
# --man=no: Documentation= names a man page that is installed, not
# built here (test-install.sh and the container test look for it).
# The unit as built here, pointing at the binary just compiled: must be clean.
sed "s|^ExecStart=.*|ExecStart=$relayd|" "$unit" >"$tmp/lanparty-relayd.service"
out=$(systemd-analyze verify --man=no "$tmp/lanparty-relayd.service" 2>&1) || fail "verify failed: $out"
[ -z "$out" ] || fail "verify is not clean: $out"
# The unit as shipped: the only complaint allowed is a binary not installed.
out=$(systemd-analyze verify --man=no "$unit" 2>&1) || true
if [ -x "$exec_start" ]; then
        [ -z "$out" ] || fail "verify of the shipped unit is not clean: $out"
else
        rest=$(grep -vF "$exec_start" <<<"$out" | grep -v '^$' || true)
        [ -z "$rest" ] || fail "verify of the shipped unit: $rest"
fi

check_sysusers "$sysusers" "$user"

check_polkit_action "$policy" org.lanparty.relay.manage "$srcdir/src/relayd/relayd-bus.h" "$user"
check_polkit_action "$policy" org.lanparty.relay.peer-address "$srcdir/src/relayd/relayd-bus.h" "$user"

echo "== D-Bus policy"
# No DTD for busconfig is installed; dbus-daemon itself parses the file in
# the relayd-bus test. Here: well-formed, and who may own the name.
xmllint --noout "$buspolicy" || fail "$buspolicy is not well-formed"
[ "$(xmllint --xpath "count(//policy[@user=\"$user\"]/allow[@own=\"org.lanparty.Relay1\"])" "$buspolicy")" = 1 ] ||
        fail "$user may not own org.lanparty.Relay1"
[ "$(xmllint --xpath 'count(//policy[@context="default"]/deny[@own="org.lanparty.Relay1"])' "$buspolicy")" = 1 ] ||
        fail "the default policy does not deny owning org.lanparty.Relay1"

echo "PASS"
