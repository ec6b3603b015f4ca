#!/bin/bash
# SPDX-License-Identifier: MIT
# The files that install lanparty-gatewayd as a service: the template unit
# (hardening score and `systemd-analyze verify` for an instance), the polkit
# action and the D-Bus policy (parsed by a real dbus-daemon when one is
# installed, which also proves root may own the per-interface names and
# nobody else may; test-daemon-users.sh does it with the service users).
#
# Usage: test-gatewayd-units.sh GATEWAYD SOURCE_ROOT UNIT
# UNIT is lanparty-gatewayd@.service as meson made it from its .in file.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

gatewayd=$(realpath "$1")
srcdir=$(realpath "$2")
unit=$(realpath "$3")
policy=$srcdir/polkit/org.lanparty.gateway.policy
buspolicy=$srcdir/dbus/org.lanparty.Gateway1.conf
sysusers=$srcdir/systemd/lanparty-gatewayd-sysusers.conf
user=lanparty-gatewayd
max_exposure=2.0

command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
command -v xmllint >/dev/null || skip "xmllint is not installed (libxml2-utils)"

test_tmp test-gatewayd-units

echo "== unit settings"
for setting in Type=notify User=$user Group=$user 'StateDirectory=lanparty-gatewayd/%I' \
        StateDirectoryMode=0700 \
        'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN' 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' \
        NoNewPrivileges=yes; do
        grep -qxF -- "$setting" "$unit" || fail "$unit lacks $setting"
done
# The installed program (test-install.sh checks it is meson's bindir).
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[[ $exec_start == /*/lanparty-gatewayd" --interface %I" ]] || fail "ExecStart= is not lanparty-gatewayd --interface %I: $exec_start"
exec_start=${exec_start% --interface %I}
grep -q '@[a-z]*@' "$unit" && fail "meson left a placeholder in $unit: $(grep '@[a-z]*@' "$unit")"
grep -qE '^WatchdogSec=[1-9]' "$unit" || fail "$unit lacks WatchdogSec="
grep -q '^DynamicUser=' "$unit" && fail "$unit must not use DynamicUser= (the bus policy names the user)"
# The daemon reads /etc/lanparty/gatewayd-IFACE.conf by itself.
"$gatewayd" --help | grep -qF 'gatewayd-IFACE.conf' || fail "--help does not mention the per-interface config file"

# An instance, as systemctl would load it.
cp "$unit" "$tmp/lanparty-gatewayd@eth0.service"
check_exposure "$tmp/lanparty-gatewayd@eth0.service" "$max_exposure"

check_restart "$unit"

echo "== the NIC's device unit"
# Without udev (a container) no device unit ever appears: a requirement
# on it makes the start wait for it and fail. And BindsTo= stops the
# gateway when a USB NIC is unplugged, with nothing to start it again.
# The gateway follows its NIC itself (netlink); the device unit only
# starts it when the NIC appears, through the link `systemctl enable`
# makes from [Install] (systemd.unit(5), WantedBy=; systemd.device(5)).
for dep in BindsTo Requires Requisite PartOf; do
        grep -qE "^$dep=.*sys-subsystem-net-devices" "$unit" &&
                fail "$unit: $dep= on the NIC's device unit: $(grep -E "^$dep=" "$unit")"
done
grep -qE '^After=.*sys-subsystem-net-devices-%i\.device' "$unit" || fail "$unit is not ordered after the device"
wanted_by=" $(unit_setting "$unit" Install WantedBy) "
for target in sys-subsystem-net-devices-%i.device multi-user.target; do
        [[ $wanted_by == *" $target "* ]] || fail "$unit is not WantedBy=$target"
done
if command -v systemctl >/dev/null; then
        mkdir -p "$tmp/sysroot/etc/systemd/system" "$tmp/sysroot/usr/lib/systemd/system"
        cp "$unit" "$tmp/sysroot/usr/lib/systemd/system/"
        systemctl --root="$tmp/sysroot" enable lanparty-gatewayd@eth1.service >"$tmp/enable.log" 2>&1 ||
                fail "systemctl enable: $(cat "$tmp/enable.log")"
        for wants in sys-subsystem-net-devices-eth1.device.wants multi-user.target.wants; do
                [ -L "$tmp/sysroot/etc/systemd/system/$wants/lanparty-gatewayd@eth1.service" ] ||
                        fail "systemctl enable lanparty-gatewayd@eth1 made no $wants link: $(cat "$tmp/enable.log")"
        done
fi

echo "== systemd-analyze verify"
# --man=no: Documentation= names a man page that is installed, not
# built here (test-install.sh and the container test look for it).
# The unit as built here, pointing at the binary just compiled, for an
# interface that does not exist (no device unit, as in a container): clean.
mkdir -p "$tmp/built"
sed "s|^ExecStart=[^ ]*|ExecStart=$gatewayd|" "$unit" >"$tmp/built/lanparty-gatewayd@.service"
out=$(cd "$tmp/built" && systemd-analyze verify --man=no lanparty-gatewayd@eth0.service 2>&1) || fail "verify failed: $out"
[ -z "$out" ] || fail "verify is not clean: $out"
# The unit as shipped: the only complaint allowed is a binary not installed.
out=$(cd "$tmp" && systemd-analyze verify --man=no lanparty-gatewayd@eth0.service 2>&1) || true
rest=$(grep -vF "$exec_start" <<<"$out" | grep -v '^$' || true)
[ -z "$rest" ] || fail "verify of the shipped unit: $rest"

check_sysusers "$sysusers" "$user"

check_polkit_action "$policy" org.lanparty.gateway.invite "$srcdir/src/gatewayd/gatewayd-bus.h" "$user"

echo "== D-Bus policy"
xmllint --noout "$buspolicy" || fail "$buspolicy is not well-formed"
[ "$(xmllint --xpath "count(//policy[@user=\"$user\"]/allow[@own_prefix=\"org.lanparty.Gateway1\"])" "$buspolicy")" = 1 ] ||
        fail "$user may not own org.lanparty.Gateway1.*"
[ "$(xmllint --xpath 'count(//policy[@context="default"]/deny[@own_prefix="org.lanparty.Gateway1"])' "$buspolicy")" = 1 ] ||
        fail "the default policy does not deny owning org.lanparty.Gateway1.*"
grep -q 'GATEWAY_BUS_NAME_PREFIX "org.lanparty.Gateway1"' "$srcdir/src/gatewayd/gatewayd-config.h" ||
        fail "the daemon's bus name prefix differs from the policy's"

if command -v dbus-daemon >/dev/null && command -v setpriv >/dev/null && command -v dbus-send >/dev/null &&
        [ "$(id -u)" = 0 ]; then
        chmod 755 "$tmp"
        test_bus_start "$buspolicy" || fail "dbus-daemon rejected the policy: $(cat "$tmp/dbus.err")"
        request() {
                timeout 10 setpriv --reuid="$1" --regid="$1" --clear-groups dbus-send --bus="$address" --print-reply \
                        --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.RequestName \
                        "string:$2" uint32:0 2>&1
        }
        out=$(request 65534 org.lanparty.Gateway1.eth0) && fail "nobody may own org.lanparty.Gateway1.eth0: $out"
        grep -qF "not allowed to own the service" <<<"$out" || fail "unexpected refusal: $out"
        out=$(request 0 org.lanparty.Gateway1.eth0) || fail "root may not own org.lanparty.Gateway1.eth0: $out"
        out=$(request 0 org.lanparty.Gateway1._0lan) || fail "root may not own org.lanparty.Gateway1._0lan: $out"
else
        echo "dbus-daemon/setpriv/root missing: policy checked by xpath only"
fi

echo "PASS"
