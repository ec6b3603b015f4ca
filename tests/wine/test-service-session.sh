#!/bin/bash
# SPDX-License-Identifier: MIT
# The session inside lanparty-service.exe (issue 13), under wine's service
# manager, against the real Linux lanparty-relayd on loopback with a
# relay-test-peer gateway. The service is registered with the binary path
# `lanparty-service.exe --frame-device null --state-dir DIR` (its own
# command line, as an administrator would write it; nothing on the pipe
# chooses either). DIR, not %ProgramData%\lanparty: wine makes up the
# owner of every file, so the service would refuse the default directory
# once it exists (SERVICE-PIPE.md, "The service"). In DIR a crashed
# session's leftovers are planted (a damaged routes record and its lock):
# the service must undo them at its start, before it serves, and log it.
# service-pipe-probe.exe, as a pipe client:
#   - JOINs: ACCEPTED, SESSION in_room, the LINE "Joining room party ...",
#     LIGHTS with the relay green; the gateway and the relay's D-Bus see
#     the service's player join (the computer's name, the MAC the line says);
#   - a second client's bad frame is refused while the session goes on;
#     JOIN in the room is refused in_room; CHECK reaches the session;
#   - LEAVE: ENDED left, SESSION idle, and the gateway sees the player
#     leave with "quit" (its goodbye), not a timeout;
#   - JOINs again, then `net stop`: the gateway sees a clean leave again,
#     the probe gets ENDED left and SESSION idle, the service reaches
#     STOPPED with exit code 0.
# The service's log must tell the same story, with what it undid at start.
#
# Registers a service, so it runs only in the private wine prefix.
# Usage: wine-private.sh LANPARTY-WINE bash test-service-session.sh LANPARTY-WINE SERVICE.EXE PROBE.EXE
# Needs $LANPARTY_NATIVE_BUILD (a native build directory); skips (77) without.
set -euo pipefail

wrapper=$(realpath "$1")
service=$(realpath "$2")
probe=$(realpath "$3")
. "$(dirname "$(realpath "$0")")/client-exe-lib.sh"
native_build

[ "${LANPARTY_WINE_PRIVATE:-}" = 1 ] ||
        fail "this test registers a service: run it through tests/wine/wine-private.sh"
wine_setup
relay_setup
bus_start
relayd_start
echo "relay on 127.0.0.1:$port, pin $pin${bus:+, bus $bus}"

NAME=lanparty
PIPE='\\.\pipe\lanparty'
GW=00:11:22:33:44:01
R=/org/lanparty/Relay1

cleanup_hook() {
        # Never leave the service registered in the prefix.
        timeout 30 wine net stop "$NAME" >/dev/null 2>&1 </dev/null || true
        timeout 30 wine sc delete "$NAME" >/dev/null 2>&1 </dev/null || true
        test_kill_pids
}
timeout 30 wine sc delete "$NAME" >/dev/null 2>&1 </dev/null || true
service_state_clean

# While no program of the user runs in the prefix, wine shuts its
# services down (the service process is ended, exit code 1077); a program
# that does nothing keeps them up for the test.
wine_bg hold "$probe" hold 600

say "the party's gateway opens the room"
peer gw --role gateway --mac $GW --token tok-0123456789abcdef --name party-gw
expect gw "welcome 1 "

say "what a crashed session left behind"
mkdir "$tmp/svc-state"
printf 'lanparty-client-routes 1\nroute 4 nonsense\n' >"$tmp/svc-state/routes-tap.state"
: >"$tmp/svc-state/routes-tap.lock"

say "the service, with the null frame device and DIR on its own command line"
wine_say "sc create" sc create "$NAME" \
        binPath= "$(winpath "$service") --frame-device null --state-dir $(winpath "$tmp/svc-state")" start= demand
[ "$rc" = 0 ] || fail "wine sc create failed"
wine_say "net start" net start "$NAME"
[ "$rc" = 0 ] || fail "wine net start failed"
wine_say "wait for RUNNING" "$probe" wait "$NAME" RUNNING 20
[ "$rc" = 0 ] || fail "the service did not reach RUNNING: $(service_log)"
for f in routes-tap.state routes-tap.lock; do
        [ ! -e "$tmp/svc-state/$f" ] || fail "the service did not undo $f at its start: $(service_log)"
done

say "a pipe client JOINs; the service's session joins the room"
wine_bg probe "$probe" session "$PIPE" "$invite" "$(winpath "$tmp/go")"
probe_pid=$WINE_PID
expect probe "READY 1" 60
grep -q "FAIL" "$tmp/probe.out" && fail "the pipe client: $(cat "$tmp/probe.out")"
expect gw "joined 2 client "
read -r mac name < <(sed -n 's/.*joined 2 client \([0-9a-f:]\{17\}\) \(.*\)$/\1 \2/p' "$tmp/gw.out" | head -1)
[ -n "$mac" ] && [ -n "$name" ] || fail "the gateway did not see a MAC and a name: $(cat "$tmp/gw.out")"
echo "the relay's room has the service's player $name with MAC $mac"
grep -qF "stream: LINE Joining room party on relay 127.0.0.1 as \"$name\" with MAC $mac on " "$tmp/probe.out" ||
        fail "the LINE does not name the player and MAC the relay saw"
if [ -n "$bus" ]; then
        [ "$(prop $R/room/party/peer/2 org.lanparty.Relay1.Peer MAC)" = "s \"$mac\"" ] ||
                fail "peer 2's MAC on D-Bus: $(prop $R/room/party/peer/2 org.lanparty.Relay1.Peer MAC)"
        [ "$(prop $R/room/party/peer/2 org.lanparty.Relay1.Peer Role)" = 's "client"' ] || fail "peer 2's role on D-Bus"
fi
[ "$(cat "$tmp/svc-state/client-mac")" = "$mac" ] || fail "the MAC is not in the service's state directory"
grep -q "bad frame: pipe closed by the service" "$tmp/probe.out" || fail "the bad client's pipe was not closed"
grep -q "JOIN in the room: REFUSED join in_room" "$tmp/probe.out" || fail "JOIN in the room was not refused in_room"

say "LEAVE: the session says goodbye to the relay"
touch "$tmp/go"
expect probe "LEFT" 30
expect gw "left 2 client $mac quit"
if [ -n "$bus" ]; then
        ! prop $R/room/party/peer/2 org.lanparty.Relay1.Peer MAC >/dev/null 2>&1 || fail "peer 2 is still on D-Bus"
fi

say "JOIN again, then the service is stopped while in the room"
expect probe "READY 2" 60
expect gw "joined 3 client $mac"
grep -q "FAIL" "$tmp/probe.out" && fail "the pipe client: $(cat "$tmp/probe.out")"
wine_say "net stop" net stop "$NAME"
expect gw "left 3 client $mac quit" 20
wine_say "wait for STOPPED" "$probe" wait "$NAME" STOPPED 30
[ "$rc" = 0 ] || fail "the service did not stop"
grep -qF "state=STOPPED win32_exit=0 service_exit=0" "$tmp/cmd.out" ||
        fail "the service stopped with an error: $(cat "$tmp/cmd.out")"
rc=0
timeout 30 tail --pid="$probe_pid" -f /dev/null || fail "the pipe client did not end"
wait "$probe_pid" || rc=$?
echo "== the pipe client (status $rc)"
sed 's/^/   | /' "$tmp/probe.out"
[ "$rc" = 0 ] || fail "the pipe client failed (status $rc)"
grep -q "seen: ENDED left when the service stops" "$tmp/probe.out" || fail "no ENDED left when the service stopped"
grep -q "left 3 client $mac timeout" "$tmp/gw.out" && fail "the relay timed the player out"

wine_say "sc delete" sc delete "$NAME"
[ "$rc" = 0 ] || fail "wine sc delete failed"

log=$(service_log_find)
[ -n "$log" ] || fail "the service wrote no log"
echo "== the service's log (${log#"$WINEPREFIX"/})"
sed 's/^/   | /' "$log"
for line in "At start: tap: done, nothing recorded is left." "(frame device null, state directory Z:" "Joining room party on relay 127.0.0.1." \
        "Session: Joining room party on relay 127.0.0.1" "Refused a frame from pipe client" \
        "in_room (leave the room first)" "Asked to leave the room." "The session left the room." \
        "Asked to stop (stop)." "Leaving the room before the service stops." "lanparty service stopped."; do
        grep -qF -- "$line" "$log" || fail "the service's log lacks '$line'"
done
[ "$(grep -cF "The session left the room." "$log")" = 2 ] || fail "the service's log does not say both leaves"
rm -rf "$(dirname "$log")"
echo "PASS: the service joined lanparty-relayd for its pipe client, streamed the session, left on LEAVE and on stop"
