#!/bin/bash
# SPDX-License-Identifier: MIT
# lanparty-relayd relaying for real: the daemon on 127.0.0.1 with its dev
# certificate, a gateway token file and a private dbus-daemon; clients and
# gateways are relay-test-peer processes (real QUIC, real control and
# datagram codecs) driven line by line through FIFOs. Covers admission and
# the REJECT reasons, the forwarding matrix, the frames of one wakeup packed
# per destination, every L2 filter reason, rate limits, the
# malformed-datagram kick, the order of PEER_JOINED/WELCOME, DISCONNECT
# reasons, KickPeer/CloseRoom over D-Bus, the gateway grace,
# certificate pins and SIGHUP reloads.
#
# Usage: test-relayd-relay.sh RELAYD TEST_PEER SOURCE_ROOT
# $RELAYD_TEST_WRAPPER, if set, runs the daemon under it (e.g. valgrind);
# it must still exit 0.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

relayd=$(realpath "$1")
peer_bin=$(realpath "$2")
srcdir=$(realpath "$3")

relayd_test_begin test-relayd-relay
R=/org/lanparty/Relay1
M=org.lanparty.Relay1.Manager
ROOM=org.lanparty.Relay1.Room
PEER=org.lanparty.Relay1.Peer
prop() { bus get-property org.lanparty.Relay1 "$@"; }
# drops PATH: the peer's Drops as "reason count" lines.
drops() { prop "$1" $PEER Drops | sed -E 's/^a\{st\} [0-9]+ ?//; s/" ([0-9]+)/ \1\n/g; s/"//g; s/^ //' | sed 's/^ *//'; }
drop_count() { drops "$1" | awk -v r="$2" '$1 == r { print $2 }'; }
expect_drop() {
        local n
        n=$(drop_count "$1" "$2")
        [ -n "$n" ] && [ "$n" -ge "${3:-1}" ] || fail "Drops of $1 lack $2 >= ${3:-1}: $(prop "$1" $PEER Drops)"
}
drop_at_least() {
        local n
        n=$(drop_count "$1" "$2")
        [ -n "$n" ] && [ "$n" -ge "$3" ]
}
wait_drop() { wait_for drop_at_least "$1" "$2" "${3:-1}" || expect_drop "$@"; }

# ---- the relay ----
token=tok-0123456789abcdef
: >"$tmp/relayd.conf"
# Any room, three at a time: the relay's own --max-rooms 2 is what
# "limits: rooms" meets (tokens and their quotas: test-relayd-trust.sh).
echo "$token * max-rooms=3" >"$tmp/tokens"
chmod 600 "$tmp/tokens" # the relay refuses a token file others may read
relayd_cmd=(${RELAYD_TEST_WRAPPER:-} "$relayd" --config "$tmp/relayd.conf" --state-dir "$tmp/state"
        --gateway-token-file "$tmp/tokens" --bus-address "$address" --max-rooms 2 --max-peers-per-room 4
        --rate-broadcast 30 --rate-unknown-unicast 30 --rate-bandwidth 400000)
port=
relayd_pid=
start_relayd
pin=$(relay_pin)
[ ${#pin} = 43 ] || fail "no pin logged: $(cat "$tmp/relayd.err")"
expect_eq "$(prop $R $M CertificatePin)" "s \"$pin\"" "CertificatePin on D-Bus"
[ -s "$tmp/state/reset-secret" ] || fail "no reset secret in the state directory"

# ---- peers ----
# peer NAME ARGS...: starts a test peer; its events go to $tmp/NAME.out.
peer() {
        local name=$1
        shift
        peer_start "$name" "$peer_bin" --relay "127.0.0.1:$port" --pin "${PIN_OVERRIDE:-$pin}" "$@"
}
count() { grep -cF -- "$2" "$tmp/$1.out" || true; }
line_of() { grep -nF -- "$2" "$tmp/$1.out" | head -1 | cut -d: -f1; }
# rx_packets NAME: the UDP datagrams with frames in them peer NAME has
# received so far (ACK-only packets a timer sends do not count).
rx_packets() {
        local name=$1 asked
        asked=$(count "$name" "rx-packets ")
        cmd "$name" rx-packets
        wait_for eval '[ "$(count "$name" "rx-packets ")" -gt "$asked" ]' || fail "$name did not count its packets"
        grep '^rx-packets ' "$tmp/$name.out" | tail -1 | cut -d' ' -f2
}
# settle: a round trip through every peer named, so what the relay sent
# before has arrived.
GW=00:11:22:33:44:01
ALICE=02:00:00:00:00:02
BOB=02:00:00:00:00:03
CAROL=02:00:00:00:00:04
BCAST=ff:ff:ff:ff:ff:ff

echo "== a peer that never says HELLO is closed after 3 s (checked at the end)"
peer silent --no-hello --mac $ALICE

echo "== pin mismatch"
PIN_OVERRIDE=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA peer wrongpin --mac $ALICE
expect wrongpin "closed pin-mismatch"
expect wrongpin "reason=relay certificate does not match the pin in the invite link"

mac_hello() { # ROLE MAC-HEX ROOM-HEX ROOM-LEN [VERSION]
        local body="01 ${5:-02} $1 $4 $3 $2 0550 00 20 $(printf '00%.0s' {1..32}) 00"
        body=${body// /}
        printf 'ctrl %04x%s\n' $((${#body} / 2)) "$body"
}

echo "== gateway admission"
peer badtoken --role gateway --mac $GW --token wrong-token-0123456789
expect badtoken "reject bad_gateway_token"
expect badtoken "closed application remote=1 app=1 code=1"
# No token at all does not even decode: PROTOCOL.md calls that malformed.
peer notoken --no-hello --mac $ALICE
expect notoken "connected"
cmd notoken "$(mac_hello 02 001122334401 7061727479 05)"
expect notoken "reject malformed HELLO did not parse: bad_gateway_token"
peer client0 --mac $ALICE
expect client0 "reject no_such_room"

peer gw --role gateway --mac $GW --token $token --name gw
# The room MTU is fixed from the gateway's HELLO, capped at 1344.
expect gw "welcome 1 1344 1"
expect_eq "$(prop $R/room/party $ROOM EffectiveMTU)" "q 1344" "room MTU"
expect_eq "$(prop $R/room/party $ROOM GatewayPresent)" "b true" "GatewayPresent"
peer gw2 --role gateway --mac 00:11:22:33:44:02 --token $token
expect gw2 "reject gateway_present"

echo "== client admission and rejects"
peer wrongproof --mac $ALICE --wrong-proof
expect wrongproof "reject auth_failed"
peer wrongkey --mac $ALICE --room-key 1111111111111111111111111111111111111111111111111111111111111111
expect wrongkey "reject auth_failed"
peer small --mac $ALICE --announce 1200
expect small "reject datagram_too_small"
expect small "MTU 1182, room 'party' has MTU 1344"
# HELLOs the encoder refuses to write, as raw bytes: a vendor MAC for a
# client (malformed), another protocol version, a bad room name.
peer vendormac --no-hello --mac $ALICE
expect vendormac "connected"
cmd vendormac "$(mac_hello 01 001122334455 7061727479 05)"
expect vendormac "reject malformed"
peer v3 --no-hello --mac $ALICE
expect v3 "connected"
cmd v3 "ctrl 00020103"
expect v3 "reject bad_version this relay speaks protocol version 2, not 3: its operator must update lanparty-relayd"
# A whole HELLO of version 1, whose auth_key was not bound to the relay:
# the peer is told to update rather than failing its proof.
peer v1 --no-hello --mac $ALICE
expect v1 "connected"
cmd v1 "$(mac_hello 01 020000000009 7061727479 05 01)"
expect v1 "reject bad_version protocol version 1 is too old, this relay speaks version 2: update lanparty on this computer"
peer badroom --no-hello --mac $ALICE
expect badroom "connected"
cmd badroom "$(mac_hello 01 020000000009 706172747921 06)"
expect badroom "reject bad_room"
peer notfirst --no-hello --mac $ALICE
expect notfirst "connected"
cmd notfirst "stats 1 2 3 4 5"
expect notfirst "reject malformed"

echo "== joins: the room hears first, then WELCOME, then the room as it is"
peer alice --mac $ALICE --name alice
expect alice "welcome 2 1344 1"
expect alice "joined 1 gateway $GW gw"
expect gw "joined 2 client $ALICE alice"
[ "$(line_of alice welcome)" -lt "$(line_of alice "joined 1")" ] || fail "alice: catch-up PEER_JOINED before WELCOME"
peer bob --mac $BOB --name bob
expect bob "welcome 3 1344 1"
expect gw "joined 3 client $BOB bob"
expect alice "joined 3 client $BOB bob"
expect bob "joined 2 client $ALICE alice"
expect bob "joined 1 gateway"
[ "$(line_of bob welcome)" -lt "$(line_of bob "joined 1")" ] || fail "bob: catch-up PEER_JOINED before WELCOME"
[ "$(line_of bob welcome)" -lt "$(line_of bob "joined 2")" ] || fail "bob: catch-up PEER_JOINED before WELCOME"
peer dup --mac $ALICE
expect dup "reject duplicate_mac"

tree=$(bus tree --list org.lanparty.Relay1)
for path in $R/room/party $R/room/party/peer/1 $R/room/party/peer/2 $R/room/party/peer/3; do
        grep -qx -- "$path" <<<"$tree" || fail "busctl tree lacks $path: $tree"
done
expect_eq "$(prop $R/room/party/peer/2 $PEER MAC)" "s \"$ALICE\"" "alice's MAC on D-Bus"
expect_eq "$(prop $R/room/party/peer/1 $PEER Role)" "s \"gateway\"" "gateway role on D-Bus"
expect_eq "$(prop $R $M PeerCount)" "u 3" "PeerCount"

echo "== forwarding matrix"
cmd alice "frame $BCAST self 88b5 20"
expect gw "frame from=2 dst=$BCAST src=$ALICE type=88b5 len=34"
expect bob "frame from=2 dst=$BCAST src=$ALICE type=88b5 len=34"
cmd alice "frame $BOB self 88b5 21"
expect bob "frame from=2 dst=$BOB src=$ALICE type=88b5 len=35"
cmd alice "frame 00:11:22:33:44:99 self 88b5 22"
expect gw "frame from=2 dst=00:11:22:33:44:99 src=$ALICE type=88b5 len=36"
cmd gw "frame $ALICE self 88b5 23"
expect alice "frame from=1 dst=$ALICE src=$GW type=88b5 len=37"
cmd gw "frame $BCAST 00:11:22:33:44:55 0806 28"
expect alice "frame from=1 dst=$BCAST src=00:11:22:33:44:55 type=0806 len=42"
expect bob "frame from=1 dst=$BCAST src=00:11:22:33:44:55 type=0806 len=42"
cmd gw "frame 00:aa:bb:cc:dd:ee self 88b5 24"
wait_drop $R/room/party/peer/1 unknown_unicast_from_gateway
cmd alice "frame $ALICE self 88b5 25"
wait_drop $R/room/party/peer/2 loop
# A round trip so anything wrongly forwarded has arrived.
cmd gw "frame $BOB self 88b5 26"
expect bob "len=40"
cmd bob "frame $ALICE self 88b5 27"
expect alice "frame from=3 dst=$ALICE src=$BOB type=88b5 len=41"
expect_not alice "frame from=2"
expect_not bob "frame from=3"
expect_not gw "frame from=1"
expect_not bob "dst=00:11:22:33:44:99"
expect_not bob "dst=$ALICE"
expect_not alice "dst=$BOB"
expect_not alice "len=38"
[ "$(count gw "len=37")" = 0 ] || fail "the gateway got its own unicast back"
[ "$(count alice "dst=00:aa:bb:cc:dd:ee")" = 0 ] || fail "unknown unicast from the gateway was flooded"
[ "$(count bob "dst=00:aa:bb:cc:dd:ee")" = 0 ] || fail "unknown unicast from the gateway was flooded"
rx=$(prop $R/room/party/peer/2 $PEER RxFrames)
[ "${rx#t }" -ge 4 ] || fail "alice RxFrames: $rx"

echo "== frames read in one wakeup leave together, packed per destination"
# 30 one-frame packets from the gateway wait in the stopped relay's socket
# (and the gateway's probes while its packets go unacknowledged); woken, it
# reads them in recvmmsg() batches of 16. Writing after every batch sent
# alice 2 or more packets; writing once after the wakeup's reads, one
# (30 frames of 24 bytes fit in one).
before=$(rx_packets alice)
kill -STOP "$relayd_pid"
cmd gw "flood 30 $ALICE self 88b7 10"
wait_for has gw "flooded 30 of 30" || { kill -CONT "$relayd_pid"; fail "the gateway could not send: $(cat "$tmp/gw.out")"; }
sleep 0.2
kill -CONT "$relayd_pid"
wait_for eval '[ "$(count alice "type=88b7")" -ge 30 ]' || fail "alice got $(count alice "type=88b7") of 30 frames"
after=$(rx_packets alice)
[ $((after - before)) -le 1 ] || fail "30 frames of one wakeup reached alice in $((after - before)) packets"

echo "== L2 filter, every reason, counted per peer"
cmd alice "frame $BCAST 02:00:00:00:00:99 88b5 10"
wait_drop $R/room/party/peer/2 spoofed_source
cmd alice "frame $BCAST 01:00:5e:00:00:01 88b5 10"
wait_drop $R/room/party/peer/2 invalid_source
cmd alice "dhcp-offer $BCAST self"
wait_drop $R/room/party/peer/2 dhcp_server
cmd alice "ra self"
wait_drop $R/room/party/peer/2 router_advertisement
cmd alice "bpdu self"
wait_drop $R/room/party/peer/2 ieee_reserved
cmd alice "vlan $BCAST self"
wait_drop $R/room/party/peer/2 vlan_tagged
cmd alice "frame $BOB self 88b5 1345"
wait_drop $R/room/party/peer/2 jumbo
cmd alice "frame $BOB self 0800 10"
wait_drop $R/room/party/peer/2 malformed
# FROM_PEER set by a peer: malformed too.
cmd alice "raw 010100020200000000030200000000020800"
wait_drop $R/room/party/peer/2 malformed 2
# The gateway may pass DHCP offers from the LAN; BPDUs never.
cmd gw "dhcp-offer $BCAST self"
expect alice "type=0800 len=58"
cmd gw "bpdu self"
wait_drop $R/room/party/peer/1 ieee_reserved
# Dropped frames reached nobody.
expect_not bob "src=02:00:00:00:00:99"
expect_not bob "type=8100"
expect_not gw "type=86dd"
expect_not gw "len=1359"
journal_drop=$(grep -c "Dropped a frame of peer 2 (spoofed_source)" "$tmp/relayd.err" || true)
[ "$journal_drop" = 1 ] || fail "drop log line count: $journal_drop"
grep -q "REASON=spoofed_source" "$tmp/relayd.err" || fail "drop log lacks REASON="

echo "== STATS are kept"
cmd alice "stats 11 22 33 44 55"
wait_for eval 'prop $R/room/party/peer/2 $PEER ReportedStats | grep -q "\"rx_frames\" 11"' ||
        fail "ReportedStats: $(prop $R/room/party/peer/2 $PEER ReportedStats)"
expect_contains "$(prop $R/room/party/peer/2 $PEER ReportedStats)" '"dropped_frames" 55' "ReportedStats"

echo "== rate limits"
peer carol --mac $CAROL --name carol
expect carol "welcome 4 1344 1"
expect alice "joined 4 client $CAROL carol"
peer full --mac 02:00:00:00:00:05
expect full "reject room_full"
cmd carol "flood 100 $BCAST self 88b5 10"
wait_drop $R/room/party/peer/4 rate_broadcast 40
cmd carol "flood 100 00:11:22:33:44:77 self 88b5 10"
wait_drop $R/room/party/peer/4 rate_unknown_unicast 40
# The gateway carries the whole LAN and is never limited: 100 broadcasts
# at a 30/s limit all arrive.
before=$(count carol "src=$GW type=88b6")
cmd gw "flood 100 $BCAST self 88b6 10"
wait_for eval '[ "$(count carol "src=$GW type=88b6")" -ge $((before + 100)) ]' ||
        fail "gateway broadcasts were limited: $(count carol "src=$GW type=88b6") arrived"
[ -z "$(drop_count $R/room/party/peer/1 rate_broadcast)" ] || fail "gateway counted rate_broadcast drops"
# The limits are per peer: alice still gets through.
cmd alice "frame $BCAST self 88b5 30"
expect bob "len=44"
sleep 1.1
cmd carol "flood 1500 $ALICE self 88b5 1200"
wait_drop $R/room/party/peer/4 rate_bandwidth 10
wait_for eval '[ "$(grep -c "Dropped a frame of peer 4 (rate_broadcast)" "$tmp/relayd.err")" = 1 ]' ||
        fail "rate-limited drop log"

echo "== too many malformed datagrams: disconnected"
cmd carol "rawflood 70 02000000"
expect carol "disconnect malformed"
expect alice "left 4 client $CAROL malformed"
expect gw "left 4 client $CAROL malformed"
expect carol "closed application remote=1"

echo "== DISCONNECT reasons are passed on"
cmd bob "disconnect quit see you"
expect alice "left 3 client $BOB quit"
expect gw "left 3 client $BOB quit"
wait_for eval '! bus tree --list org.lanparty.Relay1 | grep -q peer/3' || fail "bob still on the bus"

echo "== KickPeer over D-Bus"
peer dave --mac 02:00:00:00:00:06 --name dave
expect dave "welcome 5 1344 1"
bus call org.lanparty.Relay1 $R $M KickPeer sqs party 5 "be nice" || fail "KickPeer failed"
expect dave "disconnect kicked be nice"
expect alice "left 5 client 02:00:00:00:00:06 kicked"
expect gw "left 5 client 02:00:00:00:00:06 kicked"
grep -q "MESSAGE_ID=04b1f53c246e4dcba79050978a37d12e" "$tmp/relayd.err" || fail "kick lacks MESSAGE_ID"

echo "== limits: rooms"
peer gwB --role gateway --mac 00:11:22:33:44:0b --token $token --room second
expect gwB "welcome 1 1344 1"
peer gwC --role gateway --mac 00:11:22:33:44:0c --token $token --room third
expect gwC "reject too_many_rooms"

echo "== the gateway leaves and comes back"
cmd gw "disconnect quit restarting"
expect alice "left 1 gateway $GW quit"
expect_eq "$(prop $R/room/party $ROOM GatewayPresent)" "b false" "GatewayPresent after the gateway left"
cmd alice "frame 00:11:22:33:44:99 self 88b5 10"
wait_drop $R/room/party/peer/2 no_gateway
peer erin --mac 02:00:00:00:00:07 --name erin
expect erin "welcome 6 1344 0"
peer gwother --role gateway --mac $GW --token $token --room-key 2222222222222222222222222222222222222222222222222222222222222222
expect gwother "reject auth_failed"
peer gwback --role gateway --mac $GW --token $token --name gw
expect gwback "welcome 7 1344 1"
expect alice "joined 7 gateway $GW gw"
expect erin "joined 7 gateway $GW gw"
expect gwback "joined 2 client $ALICE alice"
cmd alice "frame 00:11:22:33:44:99 self 88b5 11"
expect gwback "frame from=2 dst=00:11:22:33:44:99"

echo "== budget: a frame larger than a peer's path carries is dropped for that peer"
# frank swallows the relay's PMTU probes, so the relay's path to it stays
# at 1200 bytes (D = 1156) while the room's MTU is 1344.
cmd erin "disconnect quit"
expect alice "left 6 client"
peer frank --mac 02:00:00:00:00:08 --announce 1400 --drop-rx-above 1250
expect frank "welcome 8 1344 1"
sleep 1
cmd gwback "frame 02:00:00:00:00:08 self 88b5 1300"
wait_drop $R/room/party/peer/8 budget
cmd gwback "frame 02:00:00:00:00:08 self 88b5 100"
expect frank "frame from=7 dst=02:00:00:00:00:08 src=$GW type=88b5 len=114"

echo "== CloseRoom over D-Bus"
bus call org.lanparty.Relay1 $R $M CloseRoom ss second "party is over" || fail "CloseRoom failed"
expect gwB "disconnect room_closed party is over"
wait_for eval '! bus tree --list org.lanparty.Relay1 | grep -q room/second' || fail "room second still there"

echo "== party check messages: a client and its room's gateway only, the sender's id written, rate-limited"
peer gwc --role gateway --mac 00:11:22:33:44:0d --token $token --room check --name gwc
expect gwc "welcome 1 1344 1"
peer ca --mac 02:00:00:00:00:0a --room check --name ca
expect ca "welcome 2 1344 1"
peer cb --mac 02:00:00:00:00:0b --room check --name cb
expect cb "welcome 3 1344 1"
expect gwc "joined 3 client"
nonce=$(printf 'aa%.0s' {1..16})
check_begin() { echo "ctrl 001708$1${nonce}b9720540"; }   # PEER-ID-HEX: what the sender claims
check_report() { echo "ctrl 001609$1${nonce}090540"; }    # PEER-ID-HEX: the client it is for
check_result="ctrl 00170a0000${nonce}01020101"
# ca claims to be cb: the relay writes ca's id.
cmd ca "$(check_begin 0003)"
expect gwc "check_begin peer=2 port=47474 mtu=1344"
# Again at once: one check per 5 s, dropped.
cmd ca "$(check_begin 0000)"
# A report for cb, who asked for nothing: dropped. One for ca: to ca only,
# with the gateway's id.
cmd gwc "$(check_report 0003)"
cmd gwc "$(check_report 0002)"
expect ca "check_report peer=1 probes=9 largest=1344"
# One result per report.
cmd ca "$check_result"
cmd ca "$check_result"
expect gwc "check_result peer=2 1211"
# 5 s on, a new check goes through; ca's stream is ordered, so its second
# BEGIN and RESULT were handled before this one.
sleep 5.2
cmd ca "$(check_begin 0000)"
wait_for eval '[ "$(count gwc check_begin)" = 2 ]' || fail "gwc: $(count gwc check_begin) CHECK_BEGINs, expected 2"
[ "$(count gwc check_result)" = 1 ] || fail "a second CHECK_RESULT for one report got through"
cmd cb "$(check_begin 0000)"
expect gwc "check_begin peer=3"
expect_not cb "check_"
expect_not gwc "check_begin peer=0"
# A client may not report, a gateway not begin: protocol errors.
cmd cb "$(check_report 0002)"
expect cb "disconnect malformed party check report from a client"
cmd gwc "$(check_begin 0000)"
expect gwc "disconnect malformed party check message from a gateway"
[ "$(count ca check_report)" = 1 ] || fail "ca got a report from a client"

echo "== journal fields"
for id in 6eb55fb37d6f4e6ba289ed605693fd14 9ba1667d0dc24044bed3215ca9d933b7 1e75f70f8b574aeca26a84114c8e2c8c; do
        grep -q "MESSAGE_ID=$id" "$tmp/relayd.err" || fail "no MESSAGE_ID=$id in the log"
done
grep -q "REASON=auth_failed" "$tmp/relayd.err" || fail "reject log lacks REASON="
grep -q "REASON=kicked" "$tmp/relayd.err" || fail "kick log lacks REASON="

echo "== HELLO timeout"
expect silent "closed"

echo "== SIGHUP reloads the certificate"
kill -HUP $relayd_pid
wait_for grep -q "Reloaded the certificate" "$tmp/relayd.err" || fail "no certificate reload"
peer late --mac 02:00:00:00:00:09
expect late "welcome"

echo "== SIGTERM: peers are told"
kill -TERM $relayd_pid
expect alice "disconnect shutdown"
rc=0
timeout 20 tail --pid=$relayd_pid -f /dev/null || fail "relayd did not exit"
wait $relayd_pid || rc=$?
[ $rc = 0 ] || fail "relayd exited with $rc"

echo "== --cert/--key: a broken file on SIGHUP keeps the old certificate"
cp "$tmp/state/dev-cert/cert.pem" "$tmp/cert.pem"
cp "$tmp/state/dev-cert/key.pem" "$tmp/key.pem"
start_relayd --cert "$tmp/cert.pem" --key "$tmp/key.pem"
grep -q "pin= in invite links): $pin" "$tmp/relayd.err" || fail "--cert pin differs from the dev cert's"
echo garbage >"$tmp/cert.pem"
kill -HUP $relayd_pid
wait_for grep -q "keeping the previous one" "$tmp/relayd.err" || fail "bad certificate on reload not reported"
peer afterhup --role gateway --mac $GW --token $token
expect afterhup "welcome 1"
kill -TERM $relayd_pid
rc=0
wait $relayd_pid || rc=$?
[ $rc = 0 ] || fail "relayd exited with $rc"

echo "PASS"
