#!/bin/bash
# SPDX-License-Identifier: MIT
# lanparty-relayd's D-Bus interface on a private dbus-daemon that loads our
# real bus policy (dbus/org.lanparty.Relay1.conf): the object tree, the
# properties, the ObjectManager signals, polkit-less authorization (root
# allowed, nobody denied), and the real daemon's start, sd_notify, SIGHUP
# and SIGTERM handling.
#
# Usage: test-relayd-bus.sh FIXTURE RELAYD POLKIT_MOCK SOURCE_ROOT
# $RELAYD_TEST_WRAPPER, if set, runs the fixture and the daemon under it,
# e.g. "valgrind --error-exitcode=1 --leak-check=full"; both must then
# still exit 0.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

fixture=$(realpath "$1")
relayd=$(realpath "$2")
polkit_mock=$(realpath "$3")
srcdir=$(realpath "$4")

command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed"
command -v busctl >/dev/null || skip "busctl is not installed"
command -v setpriv >/dev/null || skip "setpriv is not installed"
command -v dbus-send >/dev/null || skip "dbus-send is not installed"
[ "$(id -u)" = 0 ] || skip "needs root: checks callers as root and as nobody"

test_tmp test-relayd-bus
# nobody must reach the bus socket inside.
chmod 755 "$tmp"
cleanup_hook() { exec 4>&- || true; }

# Our policy file and a monitor that sees everything.
test_bus_start "$srcdir/dbus/org.lanparty.Relay1.conf" eavesdrop ||
        { cat "$tmp/dbus.err" >&2; fail "dbus-daemon did not start"; }

as_nobody() { timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
bus_nobody() { as_nobody busctl --address="$address" "$@"; }
# busctl shows every AccessDenied as "Access denied"; dbus-send shows the
# message, which tells our refusal from the bus policy's.
send_nobody() {
        local method=$1
        shift
        as_nobody dbus-send --bus="$address" --print-reply --dest=org.lanparty.Relay1 /org/lanparty/Relay1 \
                "org.lanparty.Relay1.Manager.$method" "$@"
}
prop() { bus get-property org.lanparty.Relay1 "$@"; }

# Watch everything from here on; a marker call tells when the monitor runs.
bus monitor --json=short >"$tmp/monitor" 2>"$tmp/monitor.err" &
pids+=($!)
monitor_has() { grep -qF -- "$1" "$tmp/monitor"; }
wait_for eval 'bus call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId >/dev/null; monitor_has "\"member\":\"GetId\""' ||
        fail "busctl monitor did not start: $(cat "$tmp/monitor.err")"

wrapper=(${RELAYD_TEST_WRAPPER:-})

mkfifo "$tmp/cmd"
"${wrapper[@]}" "$fixture" "$address" <"$tmp/cmd" >"$tmp/fixture.out" 2>"$tmp/fixture.err" &
fixture_pid=$!
pids+=($fixture_pid)
exec 4>"$tmp/cmd"
fixture_has() { grep -qF -- "$1" "$tmp/fixture.out"; }
wait_for fixture_has ready || fail "fixture did not start: $(cat "$tmp/fixture.err")"

R=/org/lanparty/Relay1
M=org.lanparty.Relay1.Manager
ROOM=org.lanparty.Relay1.Room
PEER=org.lanparty.Relay1.Peer

echo "== tree and introspection"
tree=$(bus tree --list org.lanparty.Relay1)
for path in $R $R/room/party $R/room/party/peer/1 $R/room/party/peer/2 $R/room/lan_2d2 $R/room/lan_2d2/peer/1; do
        grep -qx -- "$path" <<<"$tree" || fail "busctl tree lacks $path: $tree"
done
intro=$(bus introspect org.lanparty.Relay1 $R)
for member in .CloseRoom .KickPeer .Version .ListenAddress .RoomCount .PeerCount .RxFrames .TxFrames \
        .RxBytes .TxBytes .DroppedFrames .Refusals .RetriesSent org.freedesktop.DBus.ObjectManager; do
        expect_contains "$intro" "$member" "introspect $R"
done
intro=$(bus introspect org.lanparty.Relay1 $R/room/party)
for member in .Name .GatewayPresent .EffectiveMTU .PeerCount .RxFrames .DroppedFrames; do
        expect_contains "$intro" "$member" "introspect room"
done
# State properties announce changes; counters are polled.
grep -E '^\.PeerCount ' <<<"$intro" | grep -q emits-change || fail "Room.PeerCount lacks emits-change"
grep -E '^\.RxFrames ' <<<"$intro" | grep -q emits-change && fail "Room.RxFrames must not emit changes"
intro=$(bus introspect org.lanparty.Relay1 $R/room/party/peer/2)
for member in .Id .Role .MAC .Name .GetRemoteAddress .ConnectedSince .LastSeen .RTT .RxFrames .RxBytes \
        .TxFrames .TxBytes .Drops; do
        expect_contains "$intro" "$member" "introspect peer"
done
# Where players connect from is not for every local user: no property
# (nor PropertiesChanged) carries it, a method behind polkit does.
grep -qE '^\.RemoteAddress ' <<<"$intro" && fail "peers still have a RemoteAddress property"

echo "== properties"
expect_eq "$(prop $R $M RoomCount)" "u 2" "RoomCount"
expect_eq "$(prop $R $M PeerCount)" "u 3" "PeerCount"
expect_eq "$(prop $R $M RxFrames)" "t 15" "Manager.RxFrames"
expect_eq "$(prop $R $M DroppedFrames)" "t 3" "Manager.DroppedFrames"
# The fixture has no QUIC endpoint: every reason, all 0 (test-relayd-flood.sh
# sees them count).
expect_eq "$(prop $R $M Refusals)" \
        'a{st} 5 "full" 0 "busy" 0 "per_source" 0 "hello_timeout" 0 "bad_token" 0' "Manager.Refusals"
expect_eq "$(prop $R $M RetriesSent)" "t 0" "Manager.RetriesSent"
expect_eq "$(prop $R $M MaxPeersPerRoom)" "u 4" "MaxPeersPerRoom"
expect_eq "$(prop $R/room/party $ROOM Name)" 's "party"' "Room.Name"
expect_eq "$(prop $R/room/lan_2d2 $ROOM Name)" 's "lan-2"' "Room.Name (escaped path)"
expect_eq "$(prop $R/room/party $ROOM GatewayPresent)" "b true" "GatewayPresent"
expect_eq "$(prop $R/room/party $ROOM EffectiveMTU)" "q 1390" "EffectiveMTU"
expect_eq "$(prop $R/room/party $ROOM PeerCount)" "u 2" "Room.PeerCount"
expect_eq "$(prop $R/room/party $ROOM TxBytes)" "t 2000" "Room.TxBytes"
expect_eq "$(prop $R/room/party/peer/1 $PEER Role)" 's "gateway"' "gateway Role"
expect_eq "$(bus call org.lanparty.Relay1 $R/room/party/peer/1 $PEER GetRemoteAddress)" 's "[2001:db8::1]:6000"' \
        "gateway's GetRemoteAddress as root"
expect_eq "$(prop $R/room/party/peer/2 $PEER Id)" "q 2" "Id"
expect_eq "$(prop $R/room/party/peer/2 $PEER Role)" 's "client"' "client Role"
expect_eq "$(prop $R/room/party/peer/2 $PEER MAC)" 's "02:00:00:00:00:02"' "MAC"
expect_eq "$(prop $R/room/party/peer/2 $PEER Name)" "s \"alice\\'s PC\"" "Name"
expect_eq "$(bus call org.lanparty.Relay1 $R/room/party/peer/2 $PEER GetRemoteAddress)" 's "192.0.2.10:5000"' \
        "GetRemoteAddress as root"
expect_eq "$(prop $R/room/party/peer/2 $PEER RTT)" "t 12345" "RTT"
expect_eq "$(prop $R/room/party/peer/2 $PEER RxFrames)" "t 10" "RxFrames"
expect_eq "$(prop $R/room/party/peer/2 $PEER DroppedFrames)" "t 3" "DroppedFrames"
expect_eq "$(prop $R/room/party/peer/2 $PEER Drops)" 'a{st} 2 "spoofed_source" 2 "dhcp_server" 1' "Drops"
since=$(prop $R/room/party/peer/2 $PEER ConnectedSince)
now_usec=$(($(date +%s) * 1000000))
since=${since#t }
((since > now_usec - 600000000 && since <= now_usec + 1000000)) || fail "ConnectedSince $since is not realtime usec"
bus_nobody get-property org.lanparty.Relay1 $R $M RoomCount >/dev/null || fail "nobody cannot read properties"
# ... but not where the players are.
out=$(bus_nobody get-property org.lanparty.Relay1 $R/room/party/peer/2 $PEER RemoteAddress 2>&1) &&
        fail "nobody read RemoteAddress: $out"
out=$(as_nobody dbus-send --bus="$address" --print-reply --dest=org.lanparty.Relay1 $R/room/party/peer/2 \
        $PEER.GetRemoteAddress 2>&1) && fail "nobody could GetRemoteAddress: $out"
expect_contains "$out" "Access denied: polkit is not available" "GetRemoteAddress as nobody"
managed=$(bus_nobody call org.lanparty.Relay1 $R org.freedesktop.DBus.ObjectManager GetManagedObjects)
expect_contains "$managed" '"02:00:00:00:00:02"' "nobody's GetManagedObjects"
grep -qF 192.0.2.10 <<<"$managed" && fail "nobody's GetManagedObjects shows a player's address: $managed"
grep -qF 2001:db8::1 <<<"$managed" && fail "nobody's GetManagedObjects shows the gateway's address: $managed"
# No objects for paths that name nothing.
bus get-property org.lanparty.Relay1 $R/room/nope $ROOM Name 2>/dev/null && fail "a room that does not exist answered"
bus get-property org.lanparty.Relay1 $R/room/party/peer/99 $PEER Id 2>/dev/null && fail "a peer that does not exist answered"
bus get-property org.lanparty.Relay1 $R/room/party/peer/01 $PEER Id 2>/dev/null && fail "peer id with a leading zero answered"
managed=$(bus call org.lanparty.Relay1 $R org.freedesktop.DBus.ObjectManager GetManagedObjects)
expect_contains "$managed" '"/org/lanparty/Relay1/room/party/peer/2"' "GetManagedObjects"
expect_contains "$managed" '"/org/lanparty/Relay1/room/lan_2d2"' "GetManagedObjects"

echo "== InterfacesAdded and PropertiesChanged when a peer joins"
echo "add-peer party 02:00:00:00:00:09 bob" >&4
wait_for fixture_has "added 3" || fail "fixture could not add a peer: $(cat "$tmp/fixture.out")"
added_signal() { grep -F '"member":"InterfacesAdded"' "$tmp/monitor" | grep -qF "\"$R/room/party/peer/3\""; }
wait_for added_signal || fail "no InterfacesAdded for $R/room/party/peer/3"
room_changed() {
        grep -F '"member":"PropertiesChanged"' "$tmp/monitor" | grep -F "\"path\":\"$R/room/party\"" |
                grep -F '"PeerCount"' | grep -qF '"data":3'
}
wait_for room_changed || fail "no PropertiesChanged with Room.PeerCount=3"
expect_eq "$(prop $R $M PeerCount)" "u 4" "PeerCount after join"
expect_eq "$(prop $R/room/party/peer/3 $PEER Name)" 's "bob"' "new peer's Name"
echo "add-peer party 02:00:00:00:00:09 bob-again" >&4
wait_for fixture_has "error Address already in use" || fail "duplicate MAC was admitted"

echo "== unprivileged callers are refused (no polkit on this bus)"
out=$(send_nobody KickPeer string:party uint16:2 string:bye 2>&1) && fail "nobody could KickPeer"
expect_contains "$out" "Access denied: polkit is not available" "KickPeer as nobody"
out=$(send_nobody CloseRoom string:party string:bye 2>&1) && fail "nobody could CloseRoom"
expect_contains "$out" "Access denied: polkit is not available" "CloseRoom as nobody"
# Refused before the lookup: nobody learns which rooms exist.
out=$(send_nobody CloseRoom string:no-such-room string: 2>&1) && fail "nobody could CloseRoom"
expect_contains "$out" "Access denied: polkit is not available" "CloseRoom of a missing room as nobody"
expect_eq "$(prop $R/room/party/peer/2 $PEER Id)" "q 2" "peer 2 after refused kick"
fixture_has disconnect && fail "a refused call disconnected someone"

# The bus policy: only root and lanparty may own the name.
bus_nobody call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus RequestName su org.example.Other 0 \
        >/dev/null || fail "the test bus refuses names to nobody altogether"
out=$(as_nobody dbus-send --bus="$address" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.RequestName string:org.lanparty.Relay1 uint32:0 2>&1) &&
        fail "nobody may own org.lanparty.Relay1"
expect_contains "$out" "not allowed to own the service" "RequestName org.lanparty.Relay1 as nobody"

echo "== bad arguments are refused before authorization"
out=$(bus call org.lanparty.Relay1 $R $M KickPeer sqs party 0 "" 2>&1) && fail "KickPeer with id 0 worked"
expect_contains "$out" "Peer ids start at 1" "KickPeer id 0"
out=$(bus_nobody call org.lanparty.Relay1 $R $M KickPeer sqs "bad/name" 1 "" 2>&1) && fail "KickPeer with a bad room name worked"
expect_contains "$out" "Invalid room name" "KickPeer bad room"
out=$(bus call org.lanparty.Relay1 $R $M KickPeer sqs party 2 $'line\nbreak' 2>&1) && fail "KickPeer with a control character worked"
expect_contains "$out" "Reason must be" "KickPeer reason with a newline"
out=$(bus call org.lanparty.Relay1 $R $M KickPeer sqs party 2 "$(printf 'x%.0s' {1..201})" 2>&1) && fail "KickPeer with a 201-byte reason worked"
expect_contains "$out" "Reason must be" "KickPeer long reason"
out=$(bus call org.lanparty.Relay1 $R $M KickPeer sqs party 99 "" 2>&1) && fail "KickPeer of a missing peer worked"
expect_contains "$out" "No peer 99" "KickPeer missing peer"
out=$(bus call org.lanparty.Relay1 $R $M CloseRoom ss nope "" 2>&1) && fail "CloseRoom of a missing room worked"
expect_contains "$out" "No room 'nope'" "CloseRoom missing room"

echo "== with polkit on the bus, its answer decides for unprivileged callers"
mock_pid=
stop_polkit() {
        [ -n "$mock_pid" ] || return 0
        kill "$mock_pid"
        wait "$mock_pid" || true
        mock_pid=
        polkit_gone() {
                [ "$(bus call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s \
                        org.freedesktop.PolicyKit1)" = "b false" ]
        }
        wait_for polkit_gone || fail "polkit mock did not go away"
}
start_polkit() {
        stop_polkit
        "$polkit_mock" "$address" "$1" >"$tmp/polkit.out" 2>"$tmp/polkit.err" &
        mock_pid=$!
        pids+=($mock_pid)
        polkit_ready() { grep -q ready "$tmp/polkit.out"; }
        wait_for polkit_ready || fail "polkit mock did not start: $(cat "$tmp/polkit.err")"
}
polkit_asked() { grep -qE -- "^check system-bus-name :[0-9]+\.[0-9]+ org\.lanparty\.relay\.manage $1\$" "$tmp/polkit.out"; }

start_polkit no
out=$(send_nobody KickPeer string:party uint16:2 string:bye 2>&1) && fail "nobody could KickPeer though polkit said no"
expect_contains "$out" "org.freedesktop.DBus.Error.AccessDenied: Access denied." "KickPeer, polkit says no"
polkit_asked "room=party peer=2 flags=0" || fail "polkit was not asked right: $(cat "$tmp/polkit.out")"
# busctl allows interactive authorization, which polkit is told.
bus_nobody call org.lanparty.Relay1 $R $M CloseRoom ss party "" 2>/dev/null && fail "nobody could CloseRoom though polkit said no"
polkit_asked "room=party flags=1" || fail "polkit was not told about interactive authorization: $(cat "$tmp/polkit.out")"
# root is not asked about.
checks=$(grep -c '^check' "$tmp/polkit.out")
out=$(bus call org.lanparty.Relay1 $R $M KickPeer sqs party 99 "" 2>&1) && fail "KickPeer of a missing peer worked"
expect_contains "$out" "No peer 99" "root's KickPeer with polkit saying no"
expect_eq "$(grep -c '^check' "$tmp/polkit.out")" "$checks" "polkit checks after root's call"

start_polkit challenge
out=$(send_nobody KickPeer string:party uint16:2 string:bye 2>&1) && fail "nobody could KickPeer on a challenge"
expect_contains "$out" "InteractiveAuthorizationRequired" "KickPeer, polkit wants a challenge"

start_polkit no
out=$(as_nobody dbus-send --bus="$address" --print-reply --dest=org.lanparty.Relay1 $R/room/party/peer/2 \
        $PEER.GetRemoteAddress 2>&1) && fail "nobody could GetRemoteAddress though polkit said no"
expect_contains "$out" "org.freedesktop.DBus.Error.AccessDenied: Access denied." "GetRemoteAddress, polkit says no"
grep -qE -- "^check system-bus-name :[0-9]+\.[0-9]+ org\.lanparty\.relay\.peer-address room=party peer=2 flags=0\$" \
        "$tmp/polkit.out" || fail "polkit was not asked about the peer's address: $(cat "$tmp/polkit.out")"

start_polkit yes
out=$(as_nobody dbus-send --bus="$address" --print-reply --dest=org.lanparty.Relay1 $R/room/party/peer/2 \
        $PEER.GetRemoteAddress 2>&1) || fail "nobody could not GetRemoteAddress though polkit said yes: $out"
expect_contains "$out" '"192.0.2.10:5000"' "GetRemoteAddress, polkit says yes"
echo "add-peer party 02:00:00:00:00:0a carol" >&4
wait_for fixture_has "added 4" || fail "fixture could not add carol"
send_nobody KickPeer string:party uint16:4 string:polkit-said-yes >/dev/null || fail "nobody could not KickPeer though polkit said yes"
wait_for fixture_has "disconnect party 4 kicked polkit-said-yes" || fail "authorized kick did not reach the hook"
polkit_asked "room=party peer=4 flags=0" || fail "polkit was not asked about peer 4"
# Lookups happen only after authorization.
out=$(send_nobody CloseRoom string:no-such-room string: 2>&1) && fail "CloseRoom of a missing room worked"
expect_contains "$out" "No room 'no-such-room'" "authorized CloseRoom of a missing room"
stop_polkit
expect_eq "$(prop $R/room/party $ROOM PeerCount)" "u 3" "Room.PeerCount after the polkit checks"

echo "== root may kick and close"
bus call org.lanparty.Relay1 $R $M KickPeer sqs party 2 "please leave" || fail "root could not KickPeer"
wait_for fixture_has "disconnect party 2 kicked please leave" || fail "kick did not reach the disconnect hook"
removed_signal() { grep -F '"member":"InterfacesRemoved"' "$tmp/monitor" | grep -qF "\"$1\""; }
wait_for removed_signal "$R/room/party/peer/2" || fail "no InterfacesRemoved for the kicked peer"
bus get-property org.lanparty.Relay1 $R/room/party/peer/2 $PEER Id 2>/dev/null && fail "kicked peer still on the bus"
expect_eq "$(prop $R/room/party $ROOM PeerCount)" "u 2" "Room.PeerCount after kick"
# The kicked peer's counters stay in the totals.
expect_eq "$(prop $R/room/party $ROOM RxFrames)" "t 15" "Room.RxFrames after kick"

bus call org.lanparty.Relay1 $R $M CloseRoom ss party "game over" || fail "root could not CloseRoom"
wait_for fixture_has "disconnect party 1 room_closed game over" || fail "CloseRoom did not disconnect the gateway"
wait_for fixture_has "disconnect party 3 room_closed game over" || fail "CloseRoom did not disconnect peer 3"
wait_for removed_signal "$R/room/party" || fail "no InterfacesRemoved for the closed room"
expect_eq "$(prop $R $M RoomCount)" "u 1" "RoomCount after CloseRoom"
expect_eq "$(prop $R $M RxFrames)" "t 15" "Manager.RxFrames after CloseRoom"

echo "== the last peer leaving ends the room"
bus call org.lanparty.Relay1 $R $M KickPeer sqs lan-2 1 "" || fail "root could not kick lan-2's gateway"
wait_for removed_signal "$R/room/lan_2d2" || fail "empty room was not removed"
expect_eq "$(prop $R $M RoomCount)" "u 0" "RoomCount after the last peer left"

# Leave a room behind: shutting down must free it.
echo "open-room last 02:00:00:00:00:42" >&4
wait_for fixture_has opened || fail "fixture could not open a room: $(cat "$tmp/fixture.out")"
expect_eq "$(prop $R/room/last $ROOM GatewayPresent)" "b true" "GatewayPresent of a new room"
echo quit >&4
exec 4>&-
rc=0
wait "$fixture_pid" || rc=$?
[ "$rc" = 0 ] || fail "fixture exited with $rc: $(tail -20 "$tmp/fixture.err")"

echo "== the daemon: READY=1, properties, SIGHUP, SIGTERM"
"$relayd" --version | grep -q '^lanparty-relayd ' || fail "--version"
version=$("$relayd" --version | cut -d' ' -f2)
: >"$tmp/relayd.conf"
printf '%s\n' "# test" "0123456789abcdef0123" >"$tmp/tokens"
chmod 600 "$tmp/tokens" # the relay refuses a token file others may read

notify=no
if command -v python3 >/dev/null; then
        python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
' "$tmp/notify" "$tmp/notify.log" &
        pids+=($!)
        wait_for test -S "$tmp/notify" || fail "notify listener did not start"
        notify=yes
else
        echo "python3 missing: not checking sd_notify messages"
fi
notify_count() { grep -c -- "$1" "$tmp/notify.log" 2>/dev/null || true; }

relayd_pid=
for attempt in 1 2 3; do
        port=$((20000 + RANDOM % 40000))
        NOTIFY_SOCKET=$tmp/notify "${wrapper[@]}" "$relayd" --config "$tmp/relayd.conf" --bus-address "$address" \
                --listen "127.0.0.1:$port" --gateway-token-file "$tmp/tokens" --state-dir "$tmp/state" \
                2>"$tmp/relayd.err" &
        relayd_pid=$!
        pids+=($relayd_pid)
        if wait_for eval 'bus get-property org.lanparty.Relay1 $R $M Version >/dev/null 2>&1'; then
                break
        fi
        kill -0 "$relayd_pid" 2>/dev/null && fail "relayd runs but is not on the bus: $(cat "$tmp/relayd.err")"
        grep -q "Failed to bind" "$tmp/relayd.err" || fail "relayd did not start: $(cat "$tmp/relayd.err")"
        relayd_pid=
done
[ -n "$relayd_pid" ] || fail "no free port for relayd"

expect_eq "$(prop $R $M Version)" "s \"$version\"" "Version"
expect_eq "$(prop $R $M ListenAddress)" "s \"127.0.0.1:$port\"" "ListenAddress"
expect_eq "$(prop $R $M RoomCount)" "u 0" "daemon RoomCount"
if [ $notify = yes ]; then
        wait_for eval '[ "$(notify_count READY=1)" -ge 1 ]' || fail "no READY=1"
        grep -q "STATUS=Relaying for 0 rooms, 0 peers." "$tmp/notify.log" || fail "no STATUS=: $(cat "$tmp/notify.log")"
fi

# SIGHUP re-reads the token file; a broken file keeps the old tokens.
printf '%s\n' "short" >"$tmp/tokens"
kill -HUP "$relayd_pid"
if [ $notify = yes ]; then
        wait_for eval '[ "$(notify_count READY=1)" -ge 2 ]' || fail "no READY=1 after SIGHUP"
        grep -q "RELOADING=1" "$tmp/notify.log" || fail "no RELOADING=1"
fi
wait_for grep -q "keeping the previous ones" "$tmp/relayd.err" || fail "bad token file on reload not reported"
kill -0 "$relayd_pid" || fail "relayd died on SIGHUP"
expect_eq "$(prop $R $M RoomCount)" "u 0" "RoomCount after SIGHUP"

kill -TERM "$relayd_pid"
rc=0
timeout 10 tail --pid="$relayd_pid" -f /dev/null || fail "relayd did not exit on SIGTERM"
wait "$relayd_pid" || rc=$?
[ "$rc" = 0 ] || fail "relayd exited with $rc after SIGTERM: $(tail -20 "$tmp/relayd.err")"
[ $notify = no ] || grep -q "STOPPING=1" "$tmp/notify.log" || fail "no STOPPING=1"

echo "== a bus name it may not own: a warning by hand, the end of the service under systemd"
# As the issue found it: the service user not allowed to own the name by
# the policy dbus-daemon read (here: nobody, on our policy).
# Its own, and nobody else's to change: the relay refuses others'.
mkdir -m 700 "$tmp/nobody-state"
chown nobody "$tmp/nobody-state"
relayd_nobody() {
        port=$((20000 + RANDOM % 40000))
        rc=0
        timeout "$1" setpriv --reuid=65534 --regid=65534 --clear-groups env DBUS_SYSTEM_BUS_ADDRESS="$address" \
                "${@:2}" "$relayd" --config "$tmp/relayd.conf" --listen "127.0.0.1:$port" --insecure-open-gateways \
                --state-dir "$tmp/nobody-state" 2>"$tmp/nobody.err" || rc=$?
}
# By hand: relaying goes on without the management interface.
relayd_nobody 3
[ "$rc" = 124 ] || fail "by hand, relayd did not keep running without its bus name (exit $rc): $(cat "$tmp/nobody.err")"
expect_contains "$(cat "$tmp/nobody.err")" "Failed to acquire bus name org.lanparty.Relay1: Permission denied" \
        "the refusal by hand"
expect_contains "$(cat "$tmp/nobody.err")" "Continuing without the D-Bus management interface" "by hand"
# Started by systemd ($SYSTEMD_EXEC_PID is our own pid): the unit must
# show the failure, not an active service nobody can manage.
relayd_nobody 10 bash -c 'export SYSTEMD_EXEC_PID=$$; exec "$@"' bash
[ "$rc" != 124 ] || fail "under systemd, relayd kept running without its bus name: $(cat "$tmp/nobody.err")"
[ "$rc" = 1 ] || fail "under systemd, relayd exited with $rc: $(cat "$tmp/nobody.err")"
expect_contains "$(cat "$tmp/nobody.err")" "Failed to acquire bus name org.lanparty.Relay1: Permission denied" \
        "the refusal under systemd"
# $SYSTEMD_EXEC_PID inherited from a service further up is not ours.
relayd_nobody 3 env SYSTEMD_EXEC_PID=1
[ "$rc" = 124 ] || fail "relayd took an inherited \$SYSTEMD_EXEC_PID for its own (exit $rc): $(cat "$tmp/nobody.err")"

echo "PASS"
