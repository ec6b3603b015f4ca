#!/usr/bin/env bash
# A gateway whose NIC hands AF_PACKET 64 KiB super-frames, as in a
# container or VM: the LAN side of its veth (the "host" end, out of the
# gateway's reach) keeps TSO/GSO on, so the LAN host's TCP and UDP-GSO
# sends cross it unsegmented, and the gateway's own end has GRO forced on
# before the gateway starts. Bulk TCP over IPv4 and IPv6 and a UDP-GSO burst
# from the LAN host must reach a remote player (lanparty-client with a
# TAP) through relay and tunnel, intact; the gateway's GSOFrames counter
# proves the super-frames were there and were cut. Before the gateway cut
# them, every one was dropped as truncated and the transfers stalled.
#
# Usage: gso.sh BUILD_DIR
# Exit: 0 passed, 1 a check failed, 77 not root or tools missing (skipped).
source "$(dirname "$0")/lib.sh"

build=${1:?usage: gso.sh BUILD_DIR}
build=$(cd "$build" && pwd)
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces and TAP devices"
for tool in ethtool socat python3 dbus-daemon busctl; do
        command -v $tool >/dev/null || skip "$tool is not installed"
done
relayd=$build/src/relayd/lanparty-relayd
gatewayd=${GSO_TEST_GATEWAYD:-$build/src/gatewayd/lanparty-gatewayd}
client=$build/src/client/lanparty-client
for b in "$relayd" "$gatewayd" "$client"; do
        [ -x "$b" ] || { echo "gso.sh: not built: $b" >&2; exit 1; }
done

trap topo_down EXIT
set -e
RELAY_PORT=4433
BUS=unix:path=$E2E_TMP/bus
C1_LAN_IP=$LAN_PREFIX.201
LAN6=2001:db8:1
bus() { timeout 10 busctl --address="$BUS" "$@"; }
gw_prop() { bus get-property org.lanparty.Gateway1.eth0 /org/lanparty/Gateway1 org.lanparty.Gateway1.Manager "$@"; }
gw_counter() { gw_prop "$1" | cut -d' ' -f2; }
fail_hook() {
        for f in relayd gatewayd client1; do
                [ -f "$E2E_TMP/$f.log" ] && { echo "== $f.log (tail)"; tail -n 20 "$E2E_TMP/$f.log"; }
        done
        gw_prop LanRxFrames RelayTxFrames GSOFrames GSOSegments DroppedFrames Drops 2>/dev/null
}

topo_up
# What lib.sh's topology turns off so that the other tests see wire-sized
# frames: here the LAN side of the gateway's cable passes super-frames.
nsx "$NS_LAN" ethtool -K lan-gw tso on gso on >/dev/null
nsx "$NS_LANHOST" ethtool -K eth0 tso on gso on >/dev/null
nsx "$NS_GW" ethtool -K eth0 gro on >/dev/null
nsx "$NS_LANHOST" ip addr add "$LAN6::10/64" dev eth0 nodad

# The precondition, checked on this kernel: a bulk TCP send from the LAN
# host reaches AF_PACKET on the gateway's NIC in frames above its MTU.
cat >"$E2E_TMP/maxlen.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
s.settimeout(0.5)
open(sys.argv[3], "w").close()  # capturing from now on
end, biggest = time.time() + float(sys.argv[2]), 0
while time.time() < end:
    try:
        biggest = max(biggest, len(s.recv(70000)))
    except socket.timeout:
        pass
print(biggest)
PY
nsx "$NS_GW" ip addr add "$LAN_PREFIX.2/24" dev eth0
nsx "$NS_GW" timeout 10 socat -u TCP-LISTEN:5009,reuseaddr /dev/null &
E2E_PIDS+=($!)
nsx "$NS_GW" python3 "$E2E_TMP/maxlen.py" eth0 5 "$E2E_TMP/maxlen.ready" >"$E2E_TMP/maxlen" &
maxlen_pid=$!
# Under load the listener or the capture may take a while to start: a
# send before them saw only the handshake's small frames ("largest 110").
wait_for 5 "the capture on eth0" test -e "$E2E_TMP/maxlen.ready" || fail "the capture did not start"
wait_for 5 "the listener on port 5009" sh -c "ip netns exec '$NS_GW' ss -Hltn 'sport = :5009' | grep -q ." ||
        fail "nothing listens on port 5009"
head -c 4M /dev/zero | nsx "$NS_LANHOST" timeout 10 socat -u - TCP:"$LAN_PREFIX.2":5009 || true
wait $maxlen_pid
nsx "$NS_GW" ip addr del "$LAN_PREFIX.2/24" dev eth0
biggest=$(cat "$E2E_TMP/maxlen")
[ "$biggest" -gt 1514 ] || skip "this kernel hands AF_PACKET no super-frames (largest $biggest)"
log "AF_PACKET on the gateway's NIC sees frames of up to $biggest bytes (MTU 1500)"

bus_conf_write "$E2E_TMP/bus.conf" "$BUS"
dbus-daemon --config-file="$E2E_TMP/bus.conf" --nofork --nopidfile --nosyslog >"$E2E_TMP/dbus.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 10 "the test bus" test -S "$E2E_TMP/bus"

head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$E2E_TMP/gateway-tokens"
chmod 600 "$E2E_TMP/gateway-tokens"
bg relayd "$NS_RELAY" "$relayd" --listen "$RELAY_IP:$RELAY_PORT" --dev-cert-dir "$E2E_TMP/relay-cert" \
        --state-dir "$E2E_TMP/relay-state" --gateway-token-file "$E2E_TMP/gateway-tokens" --bus-address "$BUS"
wait_for 15 "the relay on D-Bus" bus introspect org.lanparty.Relay1 /org/lanparty/Relay1 || fail "relay did not start"
PIN=$(openssl x509 -in "$E2E_TMP/relay-cert/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')

gw_args=(--interface eth0 --relay "$RELAY_IP:$RELAY_PORT" --room party --pin "$PIN"
         --gateway-token-file "$E2E_TMP/gateway-tokens" --state-dir "$E2E_TMP/gw-state")
INVITE=$(nsx "$NS_GW" "$gatewayd" --print-invite "${gw_args[@]}")
bg gatewayd "$NS_GW" env LANPARTY_LOG_LEVEL=info "$gatewayd" "${gw_args[@]}" --bus-address "$BUS"
joined() { gw_prop RelayState | grep -q '"joined"'; }
wait_for 20 "the gateway to join" joined || fail "gateway did not join"

(umask 077 && printf '%s\n' "$INVITE" >"$E2E_TMP/invite.lanparty")
bg client1 "$NS_C1" "$client" --tap lp0 --state-dir "$E2E_TMP/c1-state" --name "player one" \
        --invite-file "$E2E_TMP/invite.lanparty"
tap_up() { nsx "$NS_C1" ip link show lp0 2>/dev/null | grep -q 'LOWER_UP'; }
wait_for 20 "client 1's TAP" tap_up || fail "client 1 did not come up"
nsx "$NS_C1" ip addr add "$C1_LAN_IP/24" dev lp0
nsx "$NS_C1" ip addr add "$LAN6::201/64" dev lp0 nodad
wait_for 20 "client 1 to reach the LAN host" nsx "$NS_C1" ping -c 1 -W 1 "$LAN_HOST" || fail "no ping through the tunnel"
wait_for 20 "client 1 to reach the LAN host over IPv6" nsx "$NS_C1" ping -6 -c 1 -W 1 "$LAN6::10" ||
        fail "no IPv6 ping through the tunnel"
log "gateway and client up, TAP MTU $(nsx "$NS_C1" cat /sys/class/net/lp0/mtu)"

head -c 10M /dev/urandom >"$E2E_TMP/blob"
transfer() { # label, socat listen address, socat connect address
        local before after start ms
        before=$(gw_counter GSOFrames)
        bg "sink-$1" "$NS_C1" socat -u "$2" OPEN:"$E2E_TMP/blob.$1",creat,trunc
        sleep 0.3
        start=$(date +%s%N)
        nsx "$NS_LANHOST" timeout 60 socat -u OPEN:"$E2E_TMP/blob" "$3" || fail "$1: TCP transfer failed"
        wait_for 20 "$1: the whole file" cmp -s "$E2E_TMP/blob" "$E2E_TMP/blob.$1" ||
                fail "$1: received $(stat -c %s "$E2E_TMP/blob.$1" 2>/dev/null || echo 0) of 10485760 bytes"
        ms=$((($(date +%s%N) - start) / 1000000)) # to 0.1 s: wait_for polls
        after=$(gw_counter GSOFrames)
        [ "$after" -gt "$before" ] || fail "$1: the gateway cut no super-frames (GSOFrames $after): the test proves nothing"
        log "ok: $1: 10 MB arrived intact in $ms ms; the gateway cut $((after - before)) super-frames"
}
transfer ipv4 TCP4-LISTEN:5001,reuseaddr "TCP4:$C1_LAN_IP:5001"
transfer ipv6 TCP6-LISTEN:5002,reuseaddr "TCP6:[$LAN6::201]:5002"

# UDP segmentation offload: one send of 10 datagrams (UDP_SEGMENT).
cat >"$E2E_TMP/uso.py" <<'PY'
import socket, sys
if sys.argv[1] == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 5003))
    s.settimeout(5)
    got = 0
    try:
        while got < 10:
            if len(s.recv(2000)) == 1200:
                got += 1
    except socket.timeout:
        pass
    print(got)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_UDP, 103, 1200)  # UDP_SEGMENT
    s.sendto(bytes(12000), (sys.argv[2], 5003))
PY
nsx "$NS_C1" python3 "$E2E_TMP/uso.py" recv >"$E2E_TMP/uso.out" &
uso_pid=$!
sleep 0.5
before=$(gw_counter GSOFrames)
nsx "$NS_LANHOST" python3 "$E2E_TMP/uso.py" send "$C1_LAN_IP"
wait $uso_pid
[ "$(cat "$E2E_TMP/uso.out")" = 10 ] || fail "UDP GSO: client 1 got $(cat "$E2E_TMP/uso.out") of 10 datagrams"
log "ok: UDP GSO: 10 of 10 datagrams arrived ($(($(gw_counter GSOFrames) - before)) super-frames cut)"

drops=$(gw_prop Drops)
case "$drops" in *unsegmentable*|*truncated*) fail "the gateway dropped super-frames: $drops" ;; esac
log "gateway: $(gw_counter GSOFrames) super-frames cut into $(gw_counter GSOSegments) segments; drops: $drops"
log "PASS"
