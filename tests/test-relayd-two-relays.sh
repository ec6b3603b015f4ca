#!/bin/bash
# SPDX-License-Identifier: MIT
# One room key on two relays (issue 15): a relay learns its rooms' auth_key
# from the gateway's HELLO, so its operator can let anyone into those rooms.
# That must not reach further: the same party, with the same room key, on
# another relay is closed to what the first relay learned. Two real
# lanparty-relayd on 127.0.0.1, each with its own development certificate
# (so its own pin) and no D-Bus; relay-test-peer as gateways and clients.
#
# Usage: test-relayd-two-relays.sh RELAYD TEST_PEER
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

relayd=$(realpath "$1")
peer_bin=$(realpath "$2")

fail_hook() {
        local f
        for f in "$tmp"/relay-*.err; do
                echo "--- $f (tail)" >&2
                tail -n 20 "$f" >&2 || true
        done
}

test_tmp test-relayd-two-relays

# Neither relay may reach a real bus: started by hand without
# --bus-address, an unreachable bus only disables the interface.
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/no-bus"
unset SYSTEMD_EXEC_PID

# relay NAME: starts a relay (start_relayd's port search), sets
# PORT_<NAME> and PIN_<NAME>; its log is $tmp/relay-NAME.err.
relay() {
        local name=$1 pin
        : >"$tmp/$name.conf"
        relayd_cmd=("$relayd" --config "$tmp/$name.conf" --state-dir "$tmp/state-$name" --insecure-open-gateways)
        port=
        start_relayd
        mv "$tmp/relayd.err" "$tmp/relay-$name.err"
        pin=$(relay_pin "$tmp/relay-$name.err")
        [ ${#pin} = 43 ] || fail "relay $name logged no pin: $(cat "$tmp/relay-$name.err")"
        printf -v "PORT_$name" %s "$port"
        printf -v "PIN_$name" %s "$pin"
}

relay a
relay b
[ "$PIN_a" != "$PIN_b" ] || fail "the two relays have the same pin"

# peer NAME RELAY ARGS...: a relay-test-peer on relay a or b, pinned to it.
peer() {
        local name=$1 r=$2 port_var pin_var
        shift 2
        port_var=PORT_$r
        pin_var=PIN_$r
        peer_start "$name" "$peer_bin" --relay "127.0.0.1:${!port_var}" --pin "${!pin_var}" "$@"
}

KEY=5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a

echo "== the party opens room 'party' with one room key on both relays"
peer gw_a a --role gateway --mac 00:11:22:33:44:01 --token tok --room-key $KEY
expect gw_a "welcome 1"
peer gw_b b --role gateway --mac 00:11:22:33:44:02 --token tok --room-key $KEY
expect gw_b "welcome 1"

# What relay a's operator holds: the auth_key in gw_a's HELLO.
learned=$(sed -n 's/^hello d=[0-9]* auth-key=\([0-9a-f]*\)$/\1/p' "$tmp/gw_a.out")
[ ${#learned} = 64 ] || fail "gw_a printed no auth_key: $(cat "$tmp/gw_a.out")"
echo "== relay a's operator uses what it learned"
peer mallory_a a --mac 02:00:00:00:00:66 --auth-key "$learned"
expect mallory_a "welcome"
peer mallory_b b --mac 02:00:00:00:00:66 --auth-key "$learned"
expect mallory_b "reject auth_failed"
has gw_b "joined" && fail "relay b's gateway saw a peer join: $(cat "$tmp/gw_b.out")"
learned_b=$(sed -n 's/^hello d=[0-9]* auth-key=\([0-9a-f]*\)$/\1/p' "$tmp/gw_b.out")
[ "$learned" != "$learned_b" ] || fail "both relays got the same auth_key $learned for one room key"
echo "relay a learned $learned, relay b $learned_b"

echo "== a player with the room key joins either"
peer alice_a a --mac 02:00:00:00:00:02 --room-key $KEY
expect alice_a "welcome"
peer alice_b b --mac 02:00:00:00:00:02 --room-key $KEY
expect alice_b "welcome"
expect gw_b "joined 2 client 02:00:00:00:00:02"
echo "PASS"
