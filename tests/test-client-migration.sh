#!/bin/bash
# SPDX-License-Identifier: MIT
# A player whose address changes keeps playing. lanparty-client (with its
# TAP) joins lanparty-relayd through a router namespace that NATs it (nft
# snat; the relay has no route back to the client's networks), a gateway
# (relay-test-peer) sits beside the relay, and the client pings a made-up
# LAN host at the gateway's MAC every 50 ms, so a frame reaches the
# gateway every 50 ms. Then, one after the other:
#   - NAT rebinding: the router maps the client to another address and
#     port (snat to its second address, conntrack flushed);
#   - the client's own address changes: deleted, another added on the
#     same link (and the default route back, as DHCP would);
#   - Wi-Fi to cable: a second link gets an address and the default route,
#     the first goes down.
# Each time the frames must flow again within two seconds (the gap is
# measured from timestamps of the gateway's output and printed), the
# gateway must reach the client too, and nothing may have noticed a
# rejoin: the client joined once and never reconnected, the gateway saw it
# join once and never leave, the relay's peer object is the same one with
# its counters still growing, and GetRemoteAddress follows the client.
# Last, the relay routed into the client's own TAP must not be followed.
#
# Usage: test-client-migration.sh CLIENT RELAYD TEST_PEER SOURCE_ROOT
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

client_bin=$(realpath "$1")
relayd=$(realpath "$2")
peer_bin=$(realpath "$3")
srcdir=$(realpath "$4")

[ "$(id -u)" = 0 ] || skip "needs root for network namespaces, the TAP and the relay's bus name"
command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed"
command -v ip >/dev/null || skip "needs iproute2"
command -v nft >/dev/null || skip "needs nft (nftables) for the NAT"
command -v conntrack >/dev/null || skip "needs conntrack (conntrack-tools) to rebind the NAT"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
# Also bounds the gap the script can measure: 2 s at most.
MAX_GAP_MS=2000

ns_r=lpmig-r-$$
ns_rt=lpmig-rt-$$
ns_c=lpmig-c-$$
fail_hook() {
        echo "--- relayd log (tail)" >&2
        tail -n 20 "$tmp/relayd.err" >&2 || true
        for f in "$tmp"/client.out "$tmp"/client.err "$tmp"/gw.err; do
                [ -e "$f" ] || continue
                echo "--- $(basename "$f")" >&2
                tail -n 15 "$f" >&2
        done
}
test_tmp test-client-migration

test_netns "$ns_r" "$ns_rt" "$ns_c"
rx() { ip netns exec "$ns_r" "$@"; }
tx() { ip netns exec "$ns_rt" "$@"; }
cx() { ip netns exec "$ns_c" "$@"; }
ip link add rt-r netns "$ns_rt" type veth peer name r0 netns "$ns_r" || fail "veth"
ip link add rt-w netns "$ns_rt" type veth peer name wifi0 netns "$ns_c" || fail "veth"
ip link add rt-c netns "$ns_rt" type veth peer name cable0 netns "$ns_c" || fail "veth"
rx ip addr add 10.0.2.2/24 dev r0
tx ip addr add 10.0.2.1/24 dev rt-r
tx ip addr add 10.0.2.3/24 dev rt-r
tx ip addr add 10.0.1.1/24 dev rt-w
tx ip addr add 10.0.3.1/24 dev rt-c
cx ip addr add 10.0.1.2/24 dev wifi0
for l in rt-r rt-w rt-c; do tx ip link set $l up; done
rx ip link set r0 up
cx ip link set wifi0 up
cx ip link set cable0 up
cx ip route add default via 10.0.1.1
tx sysctl -qw net.ipv4.ip_forward=1
cx sysctl -qw net.ipv6.conf.default.disable_ipv6=1
# The relay sees the router's address only: it has no route back.
tx nft -f - <<'EOF' || fail "nft"
table ip lpnat {
        chain post {
                type nat hook postrouting priority 100;
                oifname "rt-r" snat to 10.0.2.1
        }
}
EOF
wait_for cx ping -c1 -W1 -q 10.0.2.2 >/dev/null || fail "no way from the client to the relay"

# ---- relay, gateway, client ----
test_bus_start "$srcdir/dbus/org.lanparty.Relay1.conf" || fail "dbus-daemon did not start: $(cat "$tmp/dbus.err")"
token=tok-0123456789abcdef
(umask 077 && echo "$token party" >"$tmp/tokens")
: >"$tmp/relayd.conf"
ip netns exec "$ns_r" "$relayd" --config "$tmp/relayd.conf" --state-dir "$tmp/state" \
        --gateway-token-file "$tmp/tokens" --bus-address "$address" --listen "[::]:4433" 2>"$tmp/relayd.err" &
pids+=($!)
wait_for grep -q "running" "$tmp/relayd.err" || fail "relayd did not start"
pin=$(relay_pin)
[ ${#pin} = 43 ] || fail "no pin logged"
R=/org/lanparty/Relay1
PEER=org.lanparty.Relay1.Peer
prop() { bus get-property org.lanparty.Relay1 "$@"; }
# Where the relay sees a peer: a method root (this test) may call, not a
# property every local user could read.
remote_address() { bus call org.lanparty.Relay1 "$1" "$PEER" GetRemoteAddress; }

GW=00:11:22:33:44:01
# relay-test-peer's room key: 32 bytes of 0x42.
key=$(printf 'B%.0s' {1..32} | base64 | tr '+/' '-_' | tr -d '=\n')
invite="lanparty://10.0.2.2:4433/party?k=$key&pin=$pin"

# The gateway's events, each stamped with the time it was printed ($EPOCHREALTIME, µs).
mkfifo "$tmp/gw.in" "$tmp/gw.pipe"
ip netns exec "$ns_r" "$peer_bin" --relay 10.0.2.2:4433 --pin "$pin" --role gateway --mac $GW --token "$token" \
        --name gw <"$tmp/gw.in" >"$tmp/gw.pipe" 2>"$tmp/gw.err" &
pids+=($!)
while IFS= read -r line; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$line"; done <"$tmp/gw.pipe" >"$tmp/gw.out" &
pids+=($!)
exec {gw_fd}>"$tmp/gw.in"
wait_for grep -q " welcome 1 " "$tmp/gw.out" || fail "the gateway did not join"

ip netns exec "$ns_c" "$client_bin" --tap lp0 --state-dir "$tmp/cstate" --name player "$invite" \
        >"$tmp/client.out" 2>"$tmp/client.err" </dev/null &
pids+=($!)
WAIT=15 wait_for grep -q '^Joined room party as peer 2 ' "$tmp/client.out" || fail "the client did not join"
mac=$(tr -d '\n' <"$tmp/cstate/client-mac")
grep -q " joined 2 client $mac player" "$tmp/gw.out" || fail "the gateway did not see the client join"
P=$R/room/party/peer/2
since=$(prop $P $PEER ConnectedSince)
echo "client $mac joined from $(remote_address $P)"

cx ip addr add 192.0.2.50/24 dev lp0
cx ip neigh replace 192.0.2.1 lladdr $GW dev lp0 nud permanent
ip netns exec "$ns_c" ping -q -i 0.05 192.0.2.1 >/dev/null 2>&1 &
pids+=($!)

# And the other way: the gateway sends the client a frame every 50 ms,
# and the client's TAP counter is sampled every 20 ms, with timestamps.
(while sleep 0.05; do echo "frame $mac self 88b5 60"; done) >&$gw_fd &
pids+=($!)
ip netns exec "$ns_c" bash -c 'while sleep 0.02; do echo "${EPOCHREALTIME/./} $(</sys/class/net/lp0/statistics/rx_packets)"; done' \
        >"$tmp/tap-rx.log" 2>/dev/null &
pids+=($!)
frames_at_least() { [ "$(grep -c " frame from=2 dst=$GW src=$mac type=0800 " "$tmp/gw.out")" -ge "$1" ]; }
wait_for frames_at_least 10 || fail "no pings reach the gateway"

now_us() { echo "${EPOCHREALTIME/./}"; }
# gateway_frames_since T0: ten frames from the client reached the gateway
# after T0 (µs).
gateway_frames_since() {
        awk -v t0="$1" -v mac="$mac" '$1 > t0 && $2 == "frame" && $5 == "src=" mac { n++ } END { exit !(n >= 10) }' \
                "$tmp/gw.out"
}
# gateway_gap_ms T0: the longest silence (ms) between two frames from the
# client at the gateway, from half a second before T0 on.
gateway_gap_ms() {
        awk -v t0="$1" -v mac="$mac" '$2 == "frame" && $5 == "src=" mac && $1 > t0 - 500000 {
                        if (last && $1 - last > max) max = $1 - last; last = $1 }
                END { printf "%d", max / 1000 }' "$tmp/gw.out"
}
# check_survived WHAT T0 RX0: frames flow again within MAX_GAP_MS of T0,
# both ways, and nobody saw a rejoin; prints the measured gap.
check_survived() {
        local what=$1 t0=$2 rx0=$3 gap rx1
        # Ten frames after the change, then the longest silence between two
        # frames from half a second before it on: the outage.
        WAIT=5 wait_for gateway_frames_since "$t0" || fail "$what: frames did not flow again within 5 s"
        gap=$(gateway_gap_ms "$t0")
        echo "$what: the longest time without frames at the gateway was $gap ms (a ping every 50 ms)"
        [ "$gap" -le $MAX_GAP_MS ] || fail "$what: $gap ms without frames, more than $MAX_GAP_MS"

        # The other way: the longest time the client's TAP counter stood
        # still, from half a second before the change on.
        WAIT=5 wait_for awk -v t0="$t0" '$1 > t0 { if (!base) base = $2; if ($2 >= base + 10) f = 1 } END { exit !f }' \
                "$tmp/tap-rx.log" || fail "$what: frames from the gateway did not reach the client within 5 s"
        gap=$(awk -v t0="$t0" '$1 > t0 - 500000 { if (last != "" && $2 != lastn) { if ($1 - last > max) max = $1 - last }
                        if (last == "" || $2 != lastn) { last = $1; lastn = $2 } }
                END { printf "%d", max / 1000 }' "$tmp/tap-rx.log")
        echo "$what: the longest time without frames at the client was $gap ms (one every 50 ms, sampled every 20 ms)"
        [ "$gap" -le $MAX_GAP_MS ] || fail "$what: $gap ms without frames at the client, more than $MAX_GAP_MS"

        # Nobody noticed: one join, no leave, no reconnect; the same peer
        # object on the relay with counters that kept growing.
        [ "$(grep -c '^Joined room party' "$tmp/client.out")" = 1 ] || fail "$what: the client joined again"
        ! grep -qiE 'reconnect|disconnected|connection lost' "$tmp/client.out" ||
                fail "$what: the client reconnected: $(cat "$tmp/client.out")"
        [ "$(grep -c " joined 2 client $mac" "$tmp/gw.out")" = 1 ] || fail "$what: the gateway saw the client join again"
        ! grep -q " left 2 " "$tmp/gw.out" || fail "$what: the gateway saw the client leave"
        ! grep -q " joined 3 " "$tmp/gw.out" || fail "$what: a second peer joined"
        expect_eq "$(prop $R/room/party org.lanparty.Relay1.Room PeerCount)" "u 2" "$what: peers in the room"
        expect_eq "$(prop $P $PEER ConnectedSince)" "$since" "$what: the relay's peer is the same"
        expect_eq "$(prop $P $PEER MAC)" "s \"$mac\"" "$what: the relay's peer 2"
        rx1=$(prop $P $PEER RxFrames | cut -d' ' -f2)
        [ "$rx1" -gt "$rx0" ] || fail "$what: the relay's RxFrames did not grow ($rx0 -> $rx1)"
}
rx_frames() { prop $P $PEER RxFrames | cut -d' ' -f2; }

echo "== the client's address changes: 10.0.1.2 deleted, 10.0.1.3 added"
expect_contains "$(remote_address $P)" '"10.0.2.1:' "the relay sees the router's first address"
rx0=$(rx_frames)
t0=$(now_us)
cx ip addr del 10.0.1.2/24 dev wifi0
cx ip addr add 10.0.1.3/24 dev wifi0
cx ip route replace default via 10.0.1.1
check_survived "address change" "$t0" "$rx0"
wait_for grep -q '^Our address changed; the connection moved to 10.0.1.3:' "$tmp/client.out" ||
        fail "the client did not say it moved"

sleep 1
echo "== Wi-Fi to cable: cable0 gets an address and the default route, wifi0 goes down"
rx0=$(rx_frames)
t0=$(now_us)
cx ip addr add 10.0.3.2/24 dev cable0
cx ip route replace default via 10.0.3.1
cx ip link set wifi0 down
check_survived "Wi-Fi to cable" "$t0" "$rx0"
wait_for grep -q '^Our address changed; the connection moved to 10.0.3.2:' "$tmp/client.out" ||
        fail "the client did not say it moved to the cable"

sleep 1
echo "== NAT rebinding: the router maps the client to another address and port"
rx0=$(rx_frames)
t0=$(now_us)
tx nft -f - <<'EOF' || fail "nft"
flush chain ip lpnat post
add rule ip lpnat post oifname "rt-r" meta l4proto udp snat to 10.0.2.3:30000-39999
EOF
tx conntrack -F >/dev/null 2>&1 || fail "conntrack -F"
check_survived "NAT rebinding" "$t0" "$rx0"
WAIT=3 wait_for sh -c "busctl --address='$address' call org.lanparty.Relay1 $P $PEER GetRemoteAddress | grep -q '\"10.0.2.3:3'" ||
        fail "GetRemoteAddress did not follow the NAT: $(remote_address $P)"
echo "the relay's peer is now at $(remote_address $P)"

# After a NAT rebinding the relay keeps the connection ID it used and
# goes on validating the path it left, for several seconds when that path
# is dead. A migration of the client meanwhile makes ngtcp2 (0.12.1 and
# 1.11 alike) retire that connection ID while it still counts it, and
# close the connection with CONNECTION_ID_LIMIT_ERROR: fixed upstream in
# ngtcp2 1ffa646c ("Do not retire the fallback DCID if it is still used"),
# in no release yet. Then the client rejoins with the same MAC, as a new
# peer. Either way frames must flow again within 3 s.
echo "== right after: the client's address changes again (10.0.3.2 to 10.0.3.3)"
t0=$(now_us)
cx ip addr del 10.0.3.2/24 dev cable0
cx ip addr add 10.0.3.3/24 dev cable0
cx ip route replace default via 10.0.3.1
WAIT=5 wait_for gateway_frames_since "$t0" || fail "quick succession: frames did not flow again within 5 s"
gap=$(gateway_gap_ms "$t0")
if [ "$(grep -c '^Joined room party' "$tmp/client.out")" -gt 1 ]; then
        how="the relay's ngtcp2 ended the connection (the bug above) and the client rejoined"
else
        how="the connection moved"
fi
echo "quick succession: $how; the longest time without frames at the gateway was $gap ms"
[ "$gap" -le 3000 ] || fail "quick succession: $gap ms without frames"

echo "== the relay routed into the TAP (its pin gone, a default route through the party): not followed"
moves=$(grep -c '^Our address changed' "$tmp/client.out" || true)
while cx ip route del 10.0.2.2/32 2>/dev/null; do :; done
cx ip route replace default via 192.0.2.1 dev lp0
expect_contains "$(cx ip route get 10.0.2.2)" "dev lp0" "the relay's route"
sleep 2.5
[ "$(grep -c '^Our address changed' "$tmp/client.out" || true)" = "$moves" ] ||
        fail "the connection moved into its own tunnel: $(tail -n 3 "$tmp/client.out")"

echo "PASS"
