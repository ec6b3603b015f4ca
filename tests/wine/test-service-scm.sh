#!/bin/bash
# SPDX-License-Identifier: MIT
# lanparty-service.exe under wine's service manager (issue 13): registered
# with `sc create`, started with `net start`, asked over \\.\pipe\lanparty
# by service-pipe-probe.exe (HELLO -> WELCOME, STATUS -> SESSION idle,
# JOIN accepted and its session failing to start, as the service has no
# TAP adapter here: ENDED failed with the reason, SESSION idle; a second
# client's bad frame refused and its pipe closed while the first goes
# on; every instance taken by clients that say no HELLO, each dropped
# after the HELLO timeout, and a client after them welcomed), stopped
# with `net stop` (the pipe gone, STOPPED with exit code 0), removed with
# `sc delete`. Its log, %ProgramData%\lanparty\service.log, must show the
# start, the clients and the stop. Run by hand, the program says it is a
# service. Every command wine ran and what it said is printed.
#
# Registers a service, so it runs only in the private wine prefix.
# Usage: wine-private.sh LANPARTY-WINE bash test-service-scm.sh LANPARTY-WINE SERVICE.EXE PROBE.EXE
set -euo pipefail

wrapper=$(realpath "$1")
service=$(realpath "$2")
probe=$(realpath "$3")
. "$(dirname "$(realpath "$0")")/client-exe-lib.sh"

[ "${LANPARTY_WINE_PRIVATE:-}" = 1 ] ||
        fail "this test registers a service: run it through tests/wine/wine-private.sh"
wine_setup

NAME=lanparty
# EADDRINUSE in mingw-w64's errno.h (the service's exit code is its errno).
EADDRINUSE_MINGW=100
PIPE='\\.\pipe\lanparty'
service_state_clean
log_find() { service_log_find; }

cleanup_hook() {
        # Never leave the service registered in the prefix.
        timeout 30 wine net stop "$NAME" >/dev/null 2>&1 </dev/null || true
        timeout 30 wine sc delete "$NAME" >/dev/null 2>&1 </dev/null || true
        test_kill_pids
}

# Left over from an interrupted run.
timeout 30 wine sc delete "$NAME" >/dev/null 2>&1 </dev/null || true
log_new() { service_log; }

# While no program of the user runs in the prefix, wine shuts its
# services down (the service process is ended, exit code 1077); a program
# that does nothing keeps them up for the test.
wine_bg hold "$probe" hold 600

# Not started by the service manager: it says so and exits 2.
wine_say "run by hand" "$service"
[ "$rc" = 2 ] || fail "lanparty-service.exe run by hand exited $rc, expected 2"
grep -qF "it is not run by hand" "$tmp/cmd.out" || fail "run by hand, it did not say it is a service"

wine_say "sc create" sc create "$NAME" binPath= "$(winpath "$service")" start= demand
[ "$rc" = 0 ] || fail "wine sc create failed"
wine_say "query after create" "$probe" query "$NAME"
grep -qF "state=STOPPED" "$tmp/cmd.out" || fail "a new service is not STOPPED"

wine_say "net start" net start "$NAME"
[ "$rc" = 0 ] || fail "wine net start failed"
wine_say "wait for RUNNING" "$probe" wait "$NAME" RUNNING 20
[ "$rc" = 0 ] || fail "the service did not reach RUNNING: $(log_new)"
grep -qF "accepts=0x5" "$tmp/cmd.out" || fail "a running service accepts STOP and SHUTDOWN (0x5)"
# What wine's own sc says (printed only: its layout is wine's).
wine_say "sc query" sc query "$NAME"

wine_say "pipe conversation" "$probe" talk "$PIPE"
[ "$rc" = 0 ] || fail "the pipe conversation went wrong; the service's log ends: $(log_new | tail -n 20)"
wine_say "clients that say nothing" "$probe" hello-timeout "$PIPE"
[ "$rc" = 0 ] || fail "idle clients were not dropped; the service's log ends: $(log_new | tail -n 20)"

wine_say "net stop" net stop "$NAME"
[ "$rc" = 0 ] || fail "wine net stop failed"
wine_say "wait for STOPPED" "$probe" wait "$NAME" STOPPED 20
[ "$rc" = 0 ] || fail "the service did not stop"
grep -qF "state=STOPPED win32_exit=0 service_exit=0" "$tmp/cmd.out" ||
        fail "the service stopped with an error: $(cat "$tmp/cmd.out")"
wine_say "pipe after stop" "$probe" absent "$PIPE"
[ "$rc" = 0 ] || fail "the pipe outlived the service"

log=$(log_find)
[ -n "$log" ] || fail "the service wrote no log"
echo "== the service's log (${log#"$WINEPREFIX"/})"
sed 's/^/   | /' "$log"
for line in "starting (process" "At start: " "running, listening on \\\\.\\pipe\\lanparty (frame device tap, state directory the default)" \
        "said HELLO; welcomed" "Joining room party on relay relay.invalid." "The session ended: " \
        "Refused join from pipe client in process" "bad_invite" "not_in_room" "Refused a frame from pipe client" \
        "which said no HELLO within 3000 ms" "Asked to stop (stop)." "lanparty service stopped."; do
        grep -qF -- "$line" "$log" || fail "the service's log lacks '$line'"
done
# Again: wine makes up the owner of a directory, so a service started
# again would refuse the one it made before (see above).
rm -rf "$(dirname "$log")"

# Somebody made the pipe before the service started: the service must not
# serve on it, and stops with EADDRINUSE as its service-specific exit code
# (ERROR_SERVICE_SPECIFIC_ERROR, 1066), saying why in its log.
wine_bg squat "$probe" squat "$PIPE" 30
wait_for 20 grep -qF squatting "$tmp/squat.out" || fail "the squatter did not make the pipe: $(cat "$tmp/squat.out")"
# Wine's net start says "started successfully" all the same: it only
# looks at StartService(), which returns before the service fails.
wine_say "net start with the pipe taken" net start "$NAME"
wine_say "wait for STOPPED" "$probe" wait "$NAME" STOPPED 20
[ "$rc" = 0 ] || fail "the service kept running on a pipe somebody else made"
grep -qE "state=STOPPED win32_exit=1066 service_exit=$EADDRINUSE_MINGW " "$tmp/cmd.out" ||
        fail "the service did not stop with EADDRINUSE ($EADDRINUSE_MINGW): $(cat "$tmp/cmd.out")"
wine_say "sc query" sc query "$NAME"
test_kill_pids

wine_say "sc delete" sc delete "$NAME"
[ "$rc" = 0 ] || fail "wine sc delete failed"
wine_say "query after delete" "$probe" query "$NAME"
[ "$rc" != 0 ] || fail "the service is still registered after sc delete"

log=$(log_find)
[ -n "$log" ] || fail "the service wrote no log when it found the pipe taken"
echo "== the service's log of that start"
sed 's/^/   | /' "$log"
for line in "exists already: another program made it" \
        "lanparty service failed, stopping with service-specific exit code $EADDRINUSE_MINGW"; do
        grep -qF -- "$line" "$log" || fail "the service's log lacks '$line'"
done
echo "PASS"
