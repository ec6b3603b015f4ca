#!/bin/bash
# SPDX-License-Identifier: MIT
# lanparty-relayd on a host with more than one address. Its socket is
# bound to a wildcard address ([::], the default, and 0.0.0.0), and a
# client that talks to an address which is not the kernel's preferred
# source towards it (a second IPv4 address, one of several IPv6 addresses)
# must get its answers from that address: its socket is connected, like
# every client's and gateway's, and drops anything from another. In
# network namespaces this script makes: the relay's with two IPv4 and two
# IPv6 addresses on one veth, routes back to the client that prefer the
# first (`src`), and the client's. A gateway (relay-test-peer) joins
# through the preferred address, clients through the other ones; each must
# complete the handshake, join, and exchange frames with the gateway both
# ways. IPv4 to the dual-stack [::] socket (v4-mapped), IPv6 to it, and
# IPv4 to an AF_INET socket on 0.0.0.0.
#
# Usage: test-relayd-multihomed.sh RELAYD TEST_PEER SOURCE_ROOT
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

relayd=$(realpath "$1")
peer_bin=$(realpath "$2")
srcdir=$(realpath "$3")

command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed"
command -v ip >/dev/null || skip "needs iproute2"
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces and the relay's bus name"

ns_r=lpmh-r-$$
ns_c=lpmh-c-$$
fail_hook() {
        echo "--- relayd log (tail)" >&2
        tail -n 30 "$tmp/relayd.err" >&2 || true
        for f in "$tmp"/*.out; do
                [ -e "$f" ] || continue
                echo "--- $(basename "$f")" >&2
                tail -n 10 "$f" >&2
        done
}
test_tmp test-relayd-multihomed

test_netns "$ns_r" "$ns_c"
rx() { ip netns exec "$ns_r" "$@"; }
cx() { ip netns exec "$ns_c" "$@"; }
ip link add mh-r netns "$ns_r" type veth peer name mh-c netns "$ns_c" || fail "veth"
rx ip addr add 10.77.0.1/24 dev mh-r
rx ip addr add 10.77.0.2/24 dev mh-r
rx ip addr add fd77::1/64 dev mh-r nodad
rx ip addr add fd77::2/64 dev mh-r nodad
cx ip addr add 10.77.0.10/24 dev mh-c
cx ip addr add fd77::10/64 dev mh-c nodad
rx ip link set mh-r up
cx ip link set mh-c up
# Towards the client the relay host prefers .1 and ::1, whatever address
# the client talks to: a floating or second address.
rx ip route add 10.77.0.10/32 dev mh-r src 10.77.0.1
rx ip -6 route add fd77::10/128 dev mh-r src fd77::1
expect_contains "$(rx ip route get 10.77.0.10)" "src 10.77.0.1" "the relay host's preferred IPv4 source"
expect_contains "$(rx ip -6 route get fd77::10)" "src fd77::1" "the relay host's preferred IPv6 source"
link_up() { cx ip link show mh-c | grep -q LOWER_UP; }
wait_for link_up || fail "the veth did not come up"

test_bus_start "$srcdir/dbus/org.lanparty.Relay1.conf" || fail "dbus-daemon did not start: $(cat "$tmp/dbus.err")"
token=tok-0123456789abcdef
(umask 077 && echo "$token party" >"$tmp/tokens")
: >"$tmp/relayd.conf"
relayd_pid=

start_relay() { # LISTEN
        : >"$tmp/relayd.err"
        ip netns exec "$ns_r" "$relayd" --config "$tmp/relayd.conf" --state-dir "$tmp/state" \
                --gateway-token-file "$tmp/tokens" --bus-address "$address" --listen "$1" 2>"$tmp/relayd.err" &
        relayd_pid=$!
        pids+=($relayd_pid)
        wait_for grep -q "running" "$tmp/relayd.err" || fail "relayd did not start on $1"
        pin=$(relay_pin)
        [ ${#pin} = 43 ] || fail "no pin logged"
}
stop_relay() {
        kill "$relayd_pid"
        wait "$relayd_pid" || fail "relayd did not exit cleanly"
}

# peer NAME RELAY ARGS...: a test peer in the client's namespace.
peer() {
        local name=$1 relay=$2
        shift 2
        peer_start "$name" ip netns exec "$ns_c" "$peer_bin" --relay "$relay" --pin "$pin" "$@"
}

GW=00:11:22:33:44:01
# join_and_talk NAME RELAY MAC ID: a client through RELAY joins as peer ID
# and frames go both ways between it and the gateway.
join_and_talk() {
        local name=$1 relay=$2 mac=$3 id=$4
        echo "== a client through $relay"
        peer "$name" "$relay" --mac "$mac" --name "$name"
        expect "$name" "welcome $id "
        expect gw "joined $id client $mac $name"
        cmd "$name" "frame $GW self 88b5 40"
        expect gw "frame from=$id dst=$GW src=$mac type=88b5 len=54"
        cmd gw "frame $mac self 88b5 41"
        expect "$name" "frame from=1 dst=$mac src=$GW type=88b5 len=55"
}

echo "== relay on [::]:4433 (dual-stack); the gateway through the preferred 10.77.0.1"
start_relay "[::]:4433"
peer gw 10.77.0.1:4433 --role gateway --mac $GW --token $token --name gw
expect gw "welcome 1 "
join_and_talk v4second 10.77.0.2:4433 02:00:00:00:00:02 2
join_and_talk v6second "[fd77::2]:4433" 02:00:00:00:00:03 3
join_and_talk v6first "[fd77::1]:4433" 02:00:00:00:00:04 4
for n in gw v4second v6second v6first; do cmd $n quit; done
stop_relay

echo "== relay on 0.0.0.0:4434 (IPv4 only)"
start_relay "0.0.0.0:4434"
rm -f "$tmp"/*.in
peer gw 10.77.0.1:4434 --role gateway --mac $GW --token $token --name gw
expect gw "welcome 1 "
join_and_talk v4only 10.77.0.2:4434 02:00:00:00:00:05 2
for n in gw v4only; do cmd $n quit; done
stop_relay

echo "PASS"
