#!/bin/bash
# SPDX-License-Identifier: MIT
# lanparty-gatewayd bridging for real, in a network namespace of its own:
# a veth pair is the party LAN (lan0 for the gateway's AF_PACKET socket,
# lan1 where this script injects and captures frames with a few lines of
# Python), a real lanparty-relayd on 127.0.0.1, and a real QUIC client
# (relay-test-peer) in the gateway's room. Checks: READY=1 and STATUS=,
# LAN broadcast reaches the client, LAN unicast to the client does and to a
# LAN host does not, the client's frames appear on the LAN, a DHCP offer
# from the client does not, CAM refresh frames for a joined client, VLAN
# tagged and STP frames stay on the LAN (counted), a GSO super-frame from
# the LAN cut into frames for the client and one that cannot be cut
# counted and explained, the D-Bus object with
# counters, client child objects and GetInvite, carrier loss and return,
# a relay restart (the gateway reconnects by itself), and SIGTERM (the
# relay sees our goodbye, exit 0).
#
# Usage: test-gatewayd-netns.sh GATEWAYD RELAYD TEST_PEER SOURCE_ROOT
# $GATEWAYD_TEST_WRAPPER, if set, runs the gateway under it (e.g.
# "valgrind --error-exitcode=1 --leak-check=full"); it must still exit 0.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

[ "$(id -u)" = 0 ] || skip "needs root for a network namespace"
for tool in ip unshare python3 dbus-daemon busctl setpriv; do
        command -v $tool >/dev/null || skip "$tool is not installed"
done

# Everything below runs in an anonymous network namespace: the veth pair
# and the sockets vanish with it however the script ends.
if [ -z "${GATEWAYD_TEST_IN_NETNS:-}" ]; then
        GATEWAYD_TEST_IN_NETNS=1 exec unshare --net bash "$0" "$@"
fi

gatewayd=$(realpath "$1")
relayd=$(realpath "$2")
peer_bin=$(realpath "$3")
srcdir=$(realpath "$4")

test_tmp test-gatewayd-netns
chmod 755 "$tmp"

fail_hook() {
        for f in gatewayd.err relayd.err lan.log notify.log; do
                echo "--- $f (tail)" >&2
                tail -n 30 "$tmp/$f" >&2 2>/dev/null || true
        done
}

# ---- the LAN ----
ip link set lo up
ip link add lan0 address 00:11:22:33:44:01 type veth peer name lan1 address 00:11:22:33:44:99
ip link set lan0 up
ip link set lan1 up
carrier() { ip -o link show lan0 | grep -q LOWER_UP; }
wait_for carrier || fail "lan0 has no carrier"
GWMAC=00:11:22:33:44:01
LANHOST=00:11:22:33:44:99
OTHERHOST=00:11:22:33:44:55
ALICE=02:00:00:00:00:02
BOB=02:00:00:00:00:03
BCAST=ff:ff:ff:ff:ff:ff

# lan.py capture IFACE: one line per frame arriving on IFACE:
#   "dst=.. src=.. type=xxxx len=N vlan=0|1"
# lan.py send IFACE HEX: puts one frame on the wire.
cat >"$tmp/lan.py" <<'PY'
import socket, sys
ETH_P_ALL = 3
PACKET_OUTGOING = 4
mode, ifname = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.bind((ifname, 0))
if mode == "send":
    s.send(bytes.fromhex(sys.argv[3]))
    sys.exit(0)
mac = lambda b: ":".join("%02x" % x for x in b)
with open(sys.argv[3], "a", buffering=1) as out:
    while True:
        try:
            f, addr = s.recvfrom(65536)
        except OSError:  # ENETDOWN while the test unplugs the cable
            continue
        if addr[2] == PACKET_OUTGOING:
            continue
        out.write("dst=%s src=%s type=%s len=%d\n" % (mac(f[0:6]), mac(f[6:12]), f[12:14].hex(), len(f)))
PY
python3 "$tmp/lan.py" capture lan1 "$tmp/lan.log" &
capture_pid=$!
pids+=($capture_pid)
sleep 0.3
hexmac() { echo "${1//:/}"; }
# lan_send DST SRC TYPEHEX [PAYLOAD_LEN]
lan_send() {
        local payload
        payload=$(printf '%0*d' $((2 * ${4:-46})) 0)
        python3 "$tmp/lan.py" send lan1 "$(hexmac "$1")$(hexmac "$2")$3$payload"
}
lan_has() { grep -qE -- "$1" "$tmp/lan.log"; }
lan_count() { grep -cE -- "$1" "$tmp/lan.log" || true; }

# ---- the bus ----
test_bus_start "$srcdir/dbus/org.lanparty.Gateway1.conf" || fail "dbus-daemon did not start: $(cat "$tmp/dbus.err")"
NAME=org.lanparty.Gateway1.lan0
G=/org/lanparty/Gateway1
M=org.lanparty.Gateway1.Manager
C=org.lanparty.Gateway1.Client
prop() { bus get-property $NAME "$@"; }
counter() { prop $G $M "$1" | cut -d' ' -f2; }
prop_is() { [ "$(prop "$1" "$2" "$3" 2>/dev/null)" = "$4" ]; }
drop_count() { prop $G $M Drops | tr ' ' '\n' | grep -A1 -xF "\"$1\"" | tail -1; }
has_drop() { local n; n=$(drop_count "$1"); [ -n "$n" ] && [ "$n" -ge "${2:-1}" ]; }

# ---- the relay ----
token=tok-0123456789abcdef
echo "$token" >"$tmp/tokens"
chmod 600 "$tmp/tokens" # both daemons refuse a token file others may read
: >"$tmp/relayd.conf"
relayd_cmd=("$relayd" --config "$tmp/relayd.conf" --state-dir "$tmp/relay" --gateway-token-file "$tmp/tokens")
port=
start_relayd
pin=$(relay_pin)
[ ${#pin} = 43 ] || fail "relayd logged no certificate pin: $(cat "$tmp/relayd.err")"

# ---- sd_notify ----
cat >"$tmp/notify.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
PY
python3 "$tmp/notify.py" "$tmp/notify" "$tmp/notify.log" &
pids+=($!)
wait_for test -S "$tmp/notify" || fail "notify listener did not start"
notified() { grep -qF -- "$1" "$tmp/notify.log" 2>/dev/null; }

# ---- the gateway ----
echo "== usage errors"
out=$("$gatewayd" --interface lan0 --relay "127.0.0.1:$port" --room party 2>&1) && fail "started without a token"
expect_contains "$out" "--gateway-token-file FILE is required" "missing token"
out=$("$gatewayd" --interface nosuchif --relay "127.0.0.1:$port" --room party --gateway-token-file "$tmp/tokens" \
        --state-dir "$tmp/gw-x" --bus-address "$address" 2>&1) && fail "started on a missing interface"
expect_contains "$out" "nosuchif does not exist" "missing interface"
ip link add dn0 type veth peer name dn1
out=$("$gatewayd" --interface dn0 --relay "127.0.0.1:$port" --room party --gateway-token-file "$tmp/tokens" \
        --state-dir "$tmp/gw-x" --bus-address "$address" 2>&1) && fail "started on a down interface"
expect_contains "$out" "dn0 is down; refusing to start" "down interface"
ip link del dn0
# Started by systemd ($SYSTEMD_EXEC_PID is its own pid) without a system
# bus to own its name on: the unit must show a failure, not run on with
# nobody able to manage it or ask for the invite link.
rc=0
out=$(DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/no-bus" timeout 10 bash -c 'export SYSTEMD_EXEC_PID=$$; exec "$@"' \
        bash "$gatewayd" --interface lan0 --relay "127.0.0.1:$port" --room party --gateway-token-file "$tmp/tokens" \
        --state-dir "$tmp/gw-x" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "under systemd without a bus the gateway exited with $rc: $out"
expect_contains "$out" "Failed to connect to the system bus" "no bus under systemd"

echo "== start"
wrapper=(${GATEWAYD_TEST_WRAPPER:-})
NOTIFY_SOCKET=$tmp/notify "${wrapper[@]}" "$gatewayd" --interface lan0 --relay "127.0.0.1:$port" --room party \
        --pin "$pin" --gateway-token-file "$tmp/tokens" --state-dir "$tmp/gw" --name "test gateway" \
        --bus-address "$address" 2>"$tmp/gatewayd.err" &
gw_pid=$!
pids+=($gw_pid)
WAIT=30 wait_for notified READY=1 || fail "no READY=1"
WAIT=30 wait_for prop_is $G $M RelayState 's "joined"' || fail "gateway did not join: $(prop $G $M RelayState)"
wait_for notified "STATUS=Bridging lan0 to relay 127.0.0.1:$port, room party: 0 clients" ||
        fail "no bridging STATUS=: $(cat "$tmp/notify.log")"
[ "$(stat -c %a "$tmp/gw/room-key")" = 600 ] || fail "room key mode is not 0600"
invite=$("$gatewayd" --print-invite --relay "127.0.0.1:$port" --room party --pin "$pin" --state-dir "$tmp/gw")
expect_contains "$invite" "lanparty://127.0.0.1:$port/party?k=$(head -c 43 "$tmp/gw/room-key")" "invite link"
expect_contains "$invite" "&pin=$pin" "invite link pin"
# The log is read by everyone in the systemd-journal and adm groups; the
# room key is what polkit guards on the bus. The log says where to get
# the link, never the link.
key_logged() { grep -qF -e "$(head -c 43 "$tmp/gw/room-key")" -e "k=" "$tmp/gatewayd.err"; }
! key_logged || fail "the gateway logged the room key: $(grep -F "k=" "$tmp/gatewayd.err")"
grep -qF "print-invite --interface lan0" "$tmp/gatewayd.err" ||
        fail "the gateway does not say how to get the invite link: $(cat "$tmp/gatewayd.err")"
expect_contains "$(cat "$tmp/gatewayd.err")" "busctl call $NAME $G $M GetInvite" "how to get the invite link"
key_hex=$(python3 -c 'import base64,sys; print(base64.urlsafe_b64decode(open(sys.argv[1]).read().strip() + "=").hex())' \
        "$tmp/gw/room-key")

echo "== D-Bus"
expect_eq "$(prop $G $M Interface)" 's "lan0"' "Interface"
expect_eq "$(prop $G $M Room)" 's "party"' "Room"
expect_eq "$(prop $G $M Relay)" "s \"127.0.0.1:$port\"" "Relay"
expect_eq "$(prop $G $M LinkState)" 's "ok"' "LinkState"
expect_eq "$(prop $G $M Carrier)" 'b true' "Carrier"
expect_eq "$(prop $G $M MAC)" "s \"$GWMAC\"" "MAC"
expect_eq "$(prop $G $M PeerId)" 'q 1' "PeerId"
expect_eq "$(prop $G $M RoomMTU)" 'q 1344' "RoomMTU"
expect_eq "$(prop $G $M ClientCount)" 'u 0' "ClientCount"
intro=$(bus introspect $NAME $G)
grep -E '^\.RelayState ' <<<"$intro" | grep -q emits-change || fail "RelayState lacks emits-change"
grep -E '^\.LanRxFrames ' <<<"$intro" | grep -q emits-change && fail "LanRxFrames must not emit changes"
expect_eq "$(bus call $NAME $G $M GetInvite)" "s \"$invite\"" "GetInvite as root"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups dbus-send --bus="$address" --print-reply --dest=$NAME $G \
        $M.GetInvite 2>&1) && fail "nobody got the invite link: $out"
expect_contains "$out" "Access denied" "GetInvite as nobody"
setpriv --reuid=65534 --regid=65534 --clear-groups busctl --address="$address" get-property $NAME $G $M ClientCount \
        >/dev/null || fail "nobody cannot read properties"

echo "== a client joins: CAM refresh"
peer() {
        local name=$1
        shift
        peer_start "$name" "$peer_bin" --relay "127.0.0.1:$port" --pin "$pin" --room-key "$key_hex" "$@"
}

peer alice --mac $ALICE --name alice
expect alice "welcome 2 1344 1"
expect alice "joined 1 gateway $GWMAC test gateway"
wait_for lan_has "dst=$GWMAC src=$ALICE type=88b5 len=60" || fail "no CAM refresh frame for alice"
wait_for prop_is $G $M ClientCount 'u 1' || fail "ClientCount did not become 1"
expect_eq "$(prop $G/client/2 $C MAC)" "s \"$ALICE\"" "client MAC"
expect_eq "$(prop $G/client/2 $C Name)" 's "alice"' "client Name"
expect_eq "$(prop $G/client/2 $C Id)" 'q 2' "client Id"
managed=$(bus call $NAME $G org.freedesktop.DBus.ObjectManager GetManagedObjects)
expect_contains "$managed" "\"$G/client/2\"" "GetManagedObjects"
wait_for notified "STATUS=Bridging lan0 to relay 127.0.0.1:$port, room party: 1 client" || fail "STATUS= lacks the client"
[ "$(counter CAMRefreshes)" -ge 1 ] || fail "CAMRefreshes is 0"

echo "== LAN -> client"
lan_send $BCAST $LANHOST 88b6
expect alice "frame from=1 dst=$BCAST src=$LANHOST type=88b6"
lan_send $ALICE $LANHOST 88b7
expect alice "frame from=1 dst=$ALICE src=$LANHOST type=88b7"
local_before=$(counter LocalFrames)
lan_send $OTHERHOST $LANHOST 88b8
wait_for eval '[ "$(counter LocalFrames)" -gt "$local_before" ]' || fail "LAN unicast was not counted as local"
# Link-local control traffic and VLAN tags (the kernel strips the tag).
lan_send 01:80:c2:00:00:00 $LANHOST 0026
wait_for has_drop ieee_reserved || fail "no ieee_reserved drop: $(prop $G $M Drops)"
python3 "$tmp/lan.py" send lan1 "$(hexmac $BCAST)$(hexmac $LANHOST)8100000588b9$(printf '%092d' 0)"
wait_for has_drop vlan_tagged || fail "no vlan_tagged drop: $(prop $G $M Drops)"
# A remote client's MAC arriving from the wire.
lan_send $BCAST $ALICE 88ba
wait_for has_drop loop || fail "no loop drop: $(prop $G $M Drops)"
sleep 0.3
expect_not alice "type=88b8"
expect_not alice "type=0026"
expect_not alice "type=88b9"
expect_not alice "type=88ba"
[ "$(counter RelayTxFrames)" -ge 2 ] || fail "RelayTxFrames below 2"
[ "$(counter LanRxFrames)" -ge 5 ] || fail "LanRxFrames below 5"

echo "== GSO super-frames from the LAN"
# What a veth or virtio NIC hands AF_PACKET when its sender on the same host
# does TSO: one 64 KiB frame and a vnet header saying how to cut it. lan1's
# packet socket sends it that way; the gateway must cut it into frames the
# tunnel carries, and count and loudly log one it cannot cut.
cat >"$tmp/gso.py" <<'PY'
import socket, struct, sys
SOL_PACKET, PACKET_VNET_HDR = 263, 15
ifname, dst, src, kind = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3]), sys.argv[4]
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return s
payload = bytes(i & 0xff for i in range(20000))
tcp = struct.pack("!HHIIBBHHH", 40000, 5001, 1, 1, 0x50, 0x18, 1000, 0, 0) + payload
if kind == "tcpv4":
    src_ip, dst_ip = bytes([192, 0, 2, 10]), bytes([192, 0, 2, 201])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 7, 0x4000, 64, 6, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack("!H", 0xffff - csum(ip)) + ip[12:]
    pseudo = csum(src_ip + dst_ip + struct.pack("!BBH", 0, 6, len(tcp)))
    frame, ethertype, gso_type, l4 = ip + tcp[:16] + struct.pack("!H", pseudo) + tcp[18:], 0x0800, 1, 34
else:
    # IPv6 with a hop-by-hop header before TCP: not ours to cut.
    src_ip, dst_ip = bytes(15) + b"\x0a", bytes(15) + b"\x0b"
    hbh = bytes([6, 0, 1, 4, 0, 0, 0, 0])
    pseudo = csum(src_ip + dst_ip + struct.pack("!IxxxB", len(tcp), 6))
    ip = struct.pack("!IHBB", 0x60000000, len(hbh) + len(tcp), 0, 64) + src_ip + dst_ip
    frame, ethertype, gso_type, l4 = ip + hbh + tcp[:16] + struct.pack("!H", pseudo) + tcp[18:], 0x86dd, 4, 62
frame = dst + src + struct.pack("!H", ethertype) + frame
# flags NEEDS_CSUM, gso_type, hdr_len, gso_size, csum_start, csum_offset
vnet = struct.pack("<BBHHHH", 1, gso_type, l4 + 20, 1000, l4, 16)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ethertype))
s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
s.bind((ifname, 0))
s.send(vnet + frame)
PY
gso_frames() { grep -c -- "frame from=1 dst=$ALICE src=$LANHOST type=0800 len=1054" "$tmp/alice.out" || true; }
python3 "$tmp/gso.py" lan1 "$(hexmac $ALICE)" "$(hexmac $LANHOST)" tcpv4
wait_for eval '[ "$(gso_frames)" -ge 20 ]' || fail "alice got $(gso_frames) of 20 segments of a super-frame"
sleep 0.3
[ "$(gso_frames)" = 20 ] || fail "alice got $(gso_frames) segments of a 20-segment super-frame"
expect_eq "$(counter GSOFrames)" 1 "GSOFrames"
expect_eq "$(counter GSOSegments)" 20 "GSOSegments"
python3 "$tmp/gso.py" lan1 "$(hexmac $ALICE)" "$(hexmac $LANHOST)" tcpv6-hop-by-hop
wait_for has_drop unsegmentable || fail "no unsegmentable drop: $(prop $G $M Drops)"
wait_for eval 'grep -q "cannot segment it (extension_headers).*ethtool -K lan0 gro off" "$tmp/gatewayd.err"' ||
        fail "the gateway did not say why and how to fix it: $(grep -i segment "$tmp/gatewayd.err")"
expect_eq "$(counter GSOFrames)" 1 "GSOFrames after the refused one"
grep -m1 "cannot segment" "$tmp/gatewayd.err"

echo "== client -> LAN"
cmd alice "frame $BCAST self 88c0 100"
wait_for lan_has "dst=$BCAST src=$ALICE type=88c0" || fail "client broadcast not on the LAN"
cmd alice "frame $LANHOST self 88c1 100"
wait_for lan_has "dst=$LANHOST src=$ALICE type=88c1" || fail "client unicast not on the LAN"
# A DHCP server on the client: the relay refuses it first (the gateway's
# own filter for this direction is covered by test-gatewayd-bridge); it
# must not reach the wire either way.
cmd alice "dhcp-offer $BCAST self"
cmd alice "frame $BCAST self 88c2 60"
wait_for lan_has "type=88c2" || fail "marker after the DHCP offer not on the LAN"
lan_has "src=$ALICE type=0800" && fail "the DHCP offer reached the LAN"
[ "$(counter LanTxFrames)" -ge 3 ] || fail "LanTxFrames below 3"
[ "$(prop $G/client/2 $C LanTxFrames | cut -d' ' -f2)" -ge 3 ] || fail "client LanTxFrames below 3"

echo "== carrier lost and back"
cam_before=$(lan_count "src=$ALICE type=88b5")
ip link set lan1 down
wait_for prop_is $G $M LinkState 's "no-carrier"' || fail "LinkState did not become no-carrier: $(prop $G $M LinkState)"
expect_eq "$(prop $G $M Carrier)" 'b false' "Carrier while unplugged"
wait_for notified "no carrier" || fail "STATUS= does not mention the lost carrier"
expect_eq "$(prop $G $M RelayState)" 's "joined"' "RelayState while unplugged"
ip link set lan1 up
wait_for prop_is $G $M LinkState 's "ok"' || fail "LinkState did not return to ok"
wait_for eval '[ "$(lan_count "src=$ALICE type=88b5")" -gt "$cam_before" ]' || fail "no CAM refresh after the cable returned"
lan_send $BCAST $LANHOST 88bb
expect alice "type=88bb"

echo "== the NIC unplugged and plugged back (a USB NIC: gone, then back under a new index)"
# The unit does not bind the gateway to the NIC's device unit, so systemd
# does not stop it when the NIC goes: the gateway itself waits for it.
ifindex() { ip -o link show lan0 | cut -d: -f1; }
old_ifindex=$(ifindex)
kill $capture_pid
ip link del lan0
wait_for prop_is $G $M LinkState 's "missing"' || fail "LinkState did not become missing: $(prop $G $M LinkState)"
expect_eq "$(prop $G $M RelayState)" 's "joined"' "RelayState while the NIC is gone"
ip link add lan0 address $GWMAC type veth peer name lan1 address $LANHOST
ip link set lan0 up
ip link set lan1 up
[ "$(ifindex)" != "$old_ifindex" ] || fail "the new lan0 has the old index"
python3 "$tmp/lan.py" capture lan1 "$tmp/lan.log" &
capture_pid=$!
pids+=($capture_pid)
wait_for prop_is $G $M LinkState 's "ok"' || fail "LinkState did not return to ok after the NIC came back"
wait_for eval 'grep -q "Interface lan0 is back" "$tmp/gatewayd.err"' || fail "the gateway did not notice the NIC return"
kill -0 $gw_pid || fail "the gateway died with its NIC"
sleep 0.3
lan_send $BCAST $LANHOST 88bf
expect alice "type=88bf"
cmd alice "frame $BCAST self 88c3 60"
wait_for lan_has "src=$ALICE type=88c3" || fail "alice's frame not on the new NIC"

echo "== relay restart"
kill -TERM $relayd_pid
wait $relayd_pid || fail "relayd did not exit cleanly"
expect alice "disconnect shutdown"
WAIT=10 wait_for eval '! prop_is $G $M RelayState "s \"joined\""' || fail "gateway did not notice the relay going away"
wait_for prop_is $G $M ClientCount 'u 0' || fail "clients not cleared after the relay left"
wait_for eval 'grep -q "STATUS=Relay unreachable, retrying in" "$tmp/notify.log" || grep -q "STATUS=Connecting" "$tmp/notify.log"' ||
        fail "no STATUS= while the relay is away"
start_relayd same-port
WAIT=40 wait_for prop_is $G $M RelayState 's "joined"' || fail "gateway did not rejoin: $(prop $G $M RelayState) $(prop $G $M LastError)"
peer bob --mac $BOB --name bob
expect bob "welcome"
wait_for lan_has "src=$BOB type=88b5" || fail "no CAM refresh for bob"
lan_send $BCAST $LANHOST 88bc
expect bob "type=88bc"
cmd bob "frame $BCAST self 88bd 60"
wait_for lan_has "src=$BOB type=88bd" || fail "bob's frame not on the LAN after the restart"

echo "== SIGHUP (nothing to reload; must not end the gateway)"
kill -HUP $gw_pid
wait_for eval 'grep -q "Received SIGHUP; the gateway has nothing to reload" "$tmp/gatewayd.err"' ||
        fail "no SIGHUP notice from gatewayd"
kill -0 $gw_pid 2>/dev/null || fail "gatewayd died on SIGHUP"
expect_eq "$(prop $G $M RelayState)" 's "joined"' "RelayState after SIGHUP"
cmd bob "frame $BCAST self 88be 60"
wait_for lan_has "src=$BOB type=88be" || fail "bob's frame not on the LAN after SIGHUP"

echo "== SIGTERM"
kill -TERM $gw_pid
rc=0
WAIT=15 wait_for eval '! kill -0 $gw_pid 2>/dev/null' || fail "gatewayd did not exit on SIGTERM"
wait $gw_pid || rc=$?
[ "$rc" = 0 ] || fail "gatewayd exited with $rc"
expect bob "left 1 gateway $GWMAC shutdown"
notified STOPPING=1 || fail "no STOPPING=1"
bus status $NAME >/dev/null 2>&1 && fail "the bus name is still owned"
! key_logged || fail "the gateway logged the room key: $(grep -F "k=" "$tmp/gatewayd.err")"

echo "PASS"
