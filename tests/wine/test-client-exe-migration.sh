#!/bin/bash
# SPDX-License-Identifier: MIT
# client.exe keeps playing when its own address changes (issue 15): the
# Windows sibling of tests/test-client-migration.sh. client.exe runs under
# wine (console face, null frame device) in a network namespace of its
# own, joined over a veth to another one with the real Linux
# lanparty-relayd and relay-test-peer as the party's gateway. The gateway
# sends client.exe a frame every 50 ms. Then client.exe's address changes
# the way a new DHCP lease does it: a new address is added on the link and
# the old one deleted. client.exe must move its QUIC connection to the new
# address (it says so, and the relay's peer follows it) within 2 s, stay
# joined (no rejoin, the gateway never sees it leave, the relay's peer is
# the same object), and the frames must reach it again: it may lose at
# most the frames of 2 s (lost frames times the interval the gateway sent
# them at), counted from its own "Traffic: ... received N frames" line
# against what the gateway sent. (The null device makes no frames, so
# frames from client.exe are not covered; its QUIC packets are, through
# the relay following it.)
#
# Without migration the old socket keeps the deleted source address, the
# kernel refuses what it sends, and the session ends only by the 30 s
# idle timeout and a rejoin.
#
# wine creates sockets in the wineserver, so the wineserver must live in
# the client's namespace: this runs in the private prefix (wine-private.sh,
# which takes turns with the other users of that prefix) and starts the
# wineserver there itself. No display (the hidden window of the console
# face is not needed: client.exe is ended by the script).
#
# Usage: wine-private.sh LANPARTY-WINE bash test-client-exe-migration.sh LANPARTY-WINE CLIENT.EXE
# Needs root (network namespaces) and $LANPARTY_NATIVE_BUILD; skips (77) without.
set -euo pipefail

wrapper=$(realpath "$1")
client=$(realpath "$2")
. "$(dirname "$(realpath "$0")")/client-exe-lib.sh"
native_build

[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null || skip "needs iproute2"
[ "${LANPARTY_WINE_PRIVATE:-}" = 1 ] ||
        fail "the wineserver must start in the client's namespace: run this through tests/wine/wine-private.sh"
MAX_GAP_MS=2000

ns_r=lpwmig-r-$$
ns_c=lpwmig-c-$$
netns_cleanup() {
        test_cleanup
        # Ends what is left of client.exe with its wineserver (ours alone:
        # wine-private.sh holds the prefix for us).
        timeout 20 wineserver -k 2>/dev/null || true
}
trap netns_cleanup EXIT
# Only in the foreground: a background job's $! would be the subshell,
# not the program (started with ip netns exec itself, which execs it).
rx() { ip netns exec "$ns_r" "$@"; }
cx() { ip netns exec "$ns_c" "$@"; }

wine_setup
relay_setup
test_netns "$ns_r" "$ns_c"
ip link add c0 netns "$ns_c" type veth peer name r0 netns "$ns_r" || fail "veth"
rx ip addr add 10.0.1.1/24 dev r0
# A lease's new address arrives before the old one goes: keep it when the
# old (primary) one is deleted (Windows has no primary address to take the
# others along).
cx sysctl -qw net.ipv4.conf.c0.promote_secondaries=1
cx ip addr add 10.0.1.2/24 dev c0
rx ip link set r0 up
cx ip link set c0 up
wait_for 10 cx ping -c1 -W1 -q 10.0.1.1 >/dev/null || fail "no way from the client to the relay"

# The wineserver makes client.exe's sockets: start it in the client's
# namespace, none other may be running for this prefix.
timeout 20 wineserver -k 2>/dev/null || true
timeout 20 wineserver -w 2>/dev/null || true

bus_start
[ -n "$bus" ] || skip "needs dbus-daemon and busctl (the relay's view of the peer)"
echo 'tok-0123456789abcdef party' >"$tmp/tokens"
chmod 600 "$tmp/tokens"
: >"$tmp/relayd.conf"
port=4433
ip netns exec "$ns_r" "$relayd" --config "$tmp/relayd.conf" --listen "10.0.1.1:$port" --dev-cert-dir "$tmp/cert" \
        --state-dir "$tmp/state" --gateway-token-file "$tmp/tokens" --bus-address "$bus" \
        </dev/null 2>"$tmp/relayd.err" &
pids+=($!)
wait_for 10 grep -q "running" "$tmp/relayd.err" || fail "relayd did not start"
pin=$(relay_pin)
[ ${#pin} = 43 ] || fail "no pin in the relay's log"
key=$(head -c 32 /dev/zero | tr '\0' 'B' | base64 -w0 | tr '+/' '-_' | tr -d '=')
invite="lanparty://10.0.1.1:$port/party?k=$key&pin=$pin"

GW=00:11:22:33:44:01
mkfifo "$tmp/gw.in"
sleep 100000 >"$tmp/gw.in" &
pids+=($!)
ip netns exec "$ns_r" "$peer_bin" --relay "10.0.1.1:$port" --pin "$pin" --role gateway --mac $GW --token tok-0123456789abcdef \
        --name party-gw <"$tmp/gw.in" >"$tmp/gw.out" 2>"$tmp/gw.err" &
pids+=($!)
expect gw "welcome 1 "

say "client.exe joins under wine, in its own namespace"
ip netns exec "$ns_c" env -u DISPLAY -u WAYLAND_DISPLAY wine "$client" --cli --frame-device null --name winplayer \
        --state-dir "$(winpath "$tmp/state-win")" "$invite" </dev/null >"$tmp/client.out" 2>"$tmp/client.err" &
client_pid=$!
pids+=($client_pid)
expect client "Joined room party as peer 2" 60
mac=$(cat "$tmp/state-win/client-mac")
expect gw "joined 2 client $mac winplayer"
R=/org/lanparty/Relay1
P=$R/room/party/peer/2
PEER=org.lanparty.Relay1.Peer
remote_address() { timeout 10 busctl --address="$bus" call org.lanparty.Relay1 $P $PEER GetRemoteAddress; }
since=$(prop $P $PEER ConnectedSince)
echo "client.exe ($mac) joined from $(remote_address)"
case "$(remote_address)" in *'"10.0.1.2:'*) ;; *) fail "the relay sees peer 2 at $(remote_address)" ;; esac

# A frame to client.exe every 50 ms; each one sent is a line in sent.log,
# with the time it was sent (µs).
(while sleep 0.05; do echo "frame $mac self 88b5 60" && echo "${EPOCHREALTIME/./}" >>"$tmp/sent.log"; done) >"$tmp/gw.in" &
feeder=$!
pids+=($feeder)
# client.exe's traffic line: how many frames it received, as of its last one.
received() {
        sed -n 's/^Traffic: sent [0-9]* frames\{0,1\} ([^)]*), received \([0-9]*\) frame.*/\1/p' "$tmp/client.out" |
                tail -1
}
got_some() { local n; n=$(received); [ -n "$n" ] && [ "$n" -ge 10 ]; }
wait_for 25 got_some || fail "client.exe does not receive the gateway's frames: $(grep Traffic "$tmp/client.out" || true)"
sleep 1

say "client.exe's address changes: 10.0.1.3 added, 10.0.1.2 deleted"
t0=${EPOCHREALTIME/./}
cx ip addr add 10.0.1.3/24 dev c0
cx ip addr del 10.0.1.2/24 dev c0
moved() { grep -q '^Our address changed; the connection moved to 10.0.1.3:' "$tmp/client.out"; }
wait_for 5 moved || fail "client.exe did not move its connection to 10.0.1.3 within 5 s"
t1=${EPOCHREALTIME/./}
echo "client.exe said it moved after $(((t1 - t0) / 1000)) ms"
at_new() { remote_address | grep -q '"10.0.1.3:'; }
wait_for 5 at_new || fail "the relay does not see peer 2 at the new address: $(remote_address)"
t2=${EPOCHREALTIME/./}
echo "the relay's peer 2 is at $(remote_address) after $(((t2 - t0) / 1000)) ms"

# Let the frames run a while after the move, then stop them and wait for
# client.exe's traffic line to count the last one (it repeats at most
# every 10 s once the numbers move).
sleep 3
kill $feeder 2>/dev/null || true
wait $feeder 2>/dev/null || true
sent=$(wc -l <"$tmp/sent.log")
sleep 0.5
mark=$(wc -l <"$tmp/client.out")
new_line() { tail -n +$((mark + 1)) "$tmp/client.out" | grep -q '^Traffic: '; }
wait_for 15 new_line || true
got=$(received)
lost=$((sent - got))
# The silence, as lost frames times the interval the gateway really sent
# them at (a loaded machine sleeps longer than 50 ms).
interval_us=$(awk 'NR == 1 { first = $1 } { last = $1 } END { printf "%d", (last - first) / (NR - 1) }' "$tmp/sent.log")
gap=$((lost * interval_us / 1000))
echo "the gateway sent $sent frames (one per $((interval_us / 1000)) ms), client.exe received $got: $lost lost, about $gap ms without frames"
[ "$gap" -le $MAX_GAP_MS ] || fail "client.exe lost $lost frames: about $gap ms without frames, more than $MAX_GAP_MS"

say "nobody noticed a rejoin"
[ "$(grep -c '^Joined room party' "$tmp/client.out")" = 1 ] || fail "client.exe joined again"
! grep -qiE 'reconnect|disconnected|connection lost' "$tmp/client.out" || fail "client.exe reconnected"
[ "$(grep -c "^joined 2 client $mac" "$tmp/gw.out")" = 1 ] || fail "the gateway saw client.exe join again"
! grep -q "^left 2 " "$tmp/gw.out" || fail "the gateway saw client.exe leave"
! grep -q "^joined 3 " "$tmp/gw.out" || fail "a second peer joined"
[ "$(prop $P $PEER ConnectedSince)" = "$since" ] || fail "the relay's peer 2 is another one"

echo "PASS: client.exe moved its connection to its new address and kept receiving the gateway's frames"
