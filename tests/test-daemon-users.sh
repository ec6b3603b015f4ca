#!/bin/bash
# SPDX-License-Identifier: MIT
# The relay and the gateway run as two static users, so that a relay
# facing the internet on the same host as a gateway cannot read the room
# keys: the units name different users, each with a group of its own; the
# sysusers.d files make them; each polkit action is owned by its daemon's
# user; and a real dbus-daemon with both policies lets each user own its
# daemon's names only. The users exist only in a private mount namespace
# (an /etc/passwd made by systemd-sysusers --root bound over the host's).
#
# Usage: test-daemon-users.sh SOURCE_ROOT RELAYD_UNIT GATEWAYD_UNIT
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

srcdir=$(realpath "$1")
relayd_unit=$(realpath "$2")
gatewayd_unit=$(realpath "$3")

command -v xmllint >/dev/null || skip "xmllint is not installed (libxml2-utils)"
command -v systemd-sysusers >/dev/null || skip "systemd-sysusers is not installed"

test_tmp test-daemon-users
chmod 755 "$tmp"

echo "== the units"
relayd_user=$(unit_setting "$relayd_unit" Service User)
gatewayd_user=$(unit_setting "$gatewayd_unit" Service User)
[ -n "$relayd_user" ] && [ -n "$gatewayd_user" ] || fail "a unit names no User="
[ "$relayd_user" != "$gatewayd_user" ] ||
        fail "relay and gateway both run as $relayd_user: a relay on a gateway host could read the room keys"
expect_eq "$(unit_setting "$relayd_unit" Service Group)" "$relayd_user" "the relay's group"
expect_eq "$(unit_setting "$gatewayd_unit" Service Group)" "$gatewayd_user" "the gateway's group"
expect_eq "$(unit_setting "$gatewayd_unit" Service StateDirectoryMode)" 0700 "the gateway's state directory mode"
echo "relay: $relayd_user, gateway: $gatewayd_user"

echo "== sysusers.d"
mkdir -p "$tmp/root/etc"
# The machine's own users first: dbus-daemon must still find root (uid 0,
# the user it runs as) in the passwd bound over the host's; dbus 1.16
# (Debian 13) refuses to serve anyone without it.
cp /etc/passwd /etc/group "$tmp/root/etc/"
systemd-sysusers --root="$tmp/root" "$srcdir/systemd/lanparty-relayd-sysusers.conf" \
        "$srcdir/systemd/lanparty-gatewayd-sysusers.conf" 2>"$tmp/sysusers.err" ||
        fail "systemd-sysusers: $(cat "$tmp/sysusers.err")"
relayd_uid=$(awk -F: -v u="$relayd_user" '$1 == u { print $3 }' "$tmp/root/etc/passwd")
gatewayd_uid=$(awk -F: -v u="$gatewayd_user" '$1 == u { print $3 }' "$tmp/root/etc/passwd")
[ -n "$relayd_uid" ] && [ -n "$gatewayd_uid" ] || fail "sysusers did not make both users: $(cat "$tmp/root/etc/passwd")"
[ "$relayd_uid" != "$gatewayd_uid" ] || fail "both users have uid $relayd_uid"
for user in "$relayd_user" "$gatewayd_user"; do
        line=$(grep "^$user:" "$tmp/root/etc/group") || fail "no group $user"
        # Nobody else in the group (the fourth field lists extra members).
        [ -z "$(cut -d: -f4 <<<"$line")" ] || fail "group $user has members: $line"
done

echo "== polkit actions"
owner() { xmllint --xpath 'string(//action/annotate[@key="org.freedesktop.policykit.owner"])' "$1"; }
expect_eq "$(owner "$srcdir/polkit/org.lanparty.relay.policy")" "unix-user:$relayd_user" "owner of the relay's action"
expect_eq "$(owner "$srcdir/polkit/org.lanparty.gateway.policy")" "unix-user:$gatewayd_user" \
        "owner of the gateway's action"

echo "== D-Bus policies"
if [ "$(id -u)" = 0 ] && command -v dbus-daemon >/dev/null && command -v dbus-send >/dev/null &&
        command -v setpriv >/dev/null && command -v unshare >/dev/null; then
        # dbus-daemon resolves the users the policies name when it reads
        # them: in here they are the ones sysusers made.
        unshare --mount --propagation private bash -c '
                set -euo pipefail
                source "$1/tests/lib-test.sh"
                tmp=$2 address="unix:path=$2/bus"
                mount --bind "$tmp/root/etc/passwd" /etc/passwd
                mount --bind "$tmp/root/etc/group" /etc/group
                bus_conf_write "$tmp/bus.conf" "$address" "$1/dbus/org.lanparty.Relay1.conf" \
                        "$1/dbus/org.lanparty.Gateway1.conf"
                dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --nosyslog 2>"$tmp/dbus.err" &
                bus_pid=$!
                trap "kill $bus_pid 2>/dev/null || true" EXIT
                wait_for test -S "$tmp/bus" || fail "dbus-daemon with both policies: $(cat "$tmp/dbus.err")"
                own() {
                        timeout 10 setpriv --reuid="$1" --regid="$1" --clear-groups dbus-send --bus="$address" \
                                --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                                org.freedesktop.DBus.RequestName "string:$2" uint32:0 >/dev/null 2>&1
                }
                own "$3" org.lanparty.Relay1 || fail "the relay user may not own org.lanparty.Relay1"
                own "$4" org.lanparty.Gateway1.eth0 || fail "the gateway user may not own org.lanparty.Gateway1.eth0"
                ! own "$3" org.lanparty.Gateway1.eth0 || fail "the relay user may own a gateway name"
                ! own "$4" org.lanparty.Relay1 || fail "the gateway user may own org.lanparty.Relay1"
                echo "each user owns its own names only"
        ' bash "$srcdir" "$tmp" "$relayd_uid" "$gatewayd_uid" || fail "D-Bus policies"
else
        echo "not root or no dbus-daemon/setpriv/unshare: checked by xpath only"
        for conf in "$srcdir/dbus/org.lanparty.Relay1.conf" "$srcdir/dbus/org.lanparty.Gateway1.conf"; do
                xmllint --noout "$conf" || fail "$conf is not well-formed"
        done
        [ "$(xmllint --xpath "count(//policy[@user=\"$relayd_user\"]/allow[@own=\"org.lanparty.Relay1\"])" \
                "$srcdir/dbus/org.lanparty.Relay1.conf")" = 1 ] || fail "$relayd_user may not own org.lanparty.Relay1"
        [ "$(xmllint --xpath "count(//policy[@user=\"$gatewayd_user\"]/allow[@own_prefix=\"org.lanparty.Gateway1\"])" \
                "$srcdir/dbus/org.lanparty.Gateway1.conf")" = 1 ] || fail "$gatewayd_user may not own org.lanparty.Gateway1.*"
fi

echo "PASS"
