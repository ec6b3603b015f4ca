#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/game-stream on loopback: bad usage is refused (exit 2); a sender
# records every packet it sent, one line each, all echoed while the echo
# runs, with one-way delays that are not negative (one clock) and send
# times on the 60 Hz schedule; packets sent after the echo stopped are
# recorded as never echoed ("- - -"), and bench/report.py places them.
# No timing assertion a busy machine could break: delays are only checked
# to be >= 0 and below the sender's own linger.
#
# Usage: test-game-stream.sh GAME-STREAM REPORT.PY
set -u
gs=${1:?usage: test-game-stream.sh GAME-STREAM REPORT.PY}
report=${2:?usage: test-game-stream.sh GAME-STREAM REPORT.PY}
tmp=$(mktemp -d /tmp/test-game-stream.XXXXXX)
echo_pid=
cleanup() {
        [ -z "$echo_pid" ] || { kill "$echo_pid" 2>/dev/null; wait "$echo_pid" 2>/dev/null; }
        rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

for args in "" "bogus" "send --to 127.0.0.1" "send --to 127.0.0.1:0 --out x" "send --to 127.0.0.1:9 --out x --size 43" \
        "send --to 127.0.0.1:9 --out x --rate 0" "echo --to 127.0.0.1:9" "send --listen 127.0.0.1:9 --out x" \
        "send --to 127.0.0.1:9" "echo --listen 127.0.0.1:9 extra"; do
        # shellcheck disable=SC2086
        "$gs" $args >/dev/null 2>&1
        rc=$?
        [ $rc -eq 2 ] || fail "game-stream $args exited $rc, not 2"
done
"$gs" --help | grep -q "game-stream send" || fail "--help says nothing about send"

# A free port: the echo binds it, retried with another on a clash.
for attempt in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 40000))
        "$gs" echo --listen "127.0.0.1:$port" 2>"$tmp/echo.log" &
        echo_pid=$!
        for _ in $(seq 1 50); do grep -q echoing "$tmp/echo.log" && break; kill -0 $echo_pid 2>/dev/null || break; sleep 0.1; done
        grep -q echoing "$tmp/echo.log" && break
        wait $echo_pid 2>/dev/null
        echo_pid=
done
[ -n "$echo_pid" ] || fail "the echo did not start: $(cat "$tmp/echo.log")"

# 1 s at 60 Hz, all echoed.
"$gs" send --to "127.0.0.1:$port" --duration 1 --linger 0.5 --out "$tmp/all.txt" 2>"$tmp/send.log" ||
        fail "send failed: $(cat "$tmp/send.log")"
grep -q "sent=60" "$tmp/all.txt" || fail "header does not say sent=60: $(head -1 "$tmp/all.txt")"
awk '!/^#/ { n++; if ($1 != n - 1) bad = "seq " $1 " on line " n
             if ($3 == "-") bad = "packet " $1 " not echoed"
             else if ($4 < 0 || $5 < 0 || $4 > 500 || $5 > 500) bad = "delays " $4 " " $5 " of packet " $1
             if ($3 != n) bad = "echo count " $3 " for packet " $1
             # the schedule: packet k goes at k/60 s, late at most by a busy machine
             if ($2 < (n - 1) * 16.666 - 0.01) bad = "packet " $1 " sent early at " $2 " ms" }
     END { if (n != 60) bad = bad " " n " lines"; if (bad) { print bad; exit 1 } }' "$tmp/all.txt" ||
        fail "records of a clean run: $(awk '!/^#/' "$tmp/all.txt" | head -3)"

# The echo stops half-way: the rest are recorded unechoed, and the report
# counts them lost (and cannot tell which way: both).
"$gs" send --to "127.0.0.1:$port" --duration 2 --linger 0.3 --out "$tmp/half.txt" 2>>"$tmp/send.log" &
send_pid=$!
sleep 1
kill "$echo_pid"
wait "$echo_pid" 2>/dev/null
echo_pid=
wait "$send_pid" || fail "send failed after the echo stopped"
unechoed=$(awk '!/^#/ && $3 == "-"' "$tmp/half.txt" | wc -l)
echoed=$(awk '!/^#/ && $3 != "-"' "$tmp/half.txt" | wc -l)
[ "$unechoed" -gt 20 ] && [ "$echoed" -gt 20 ] || fail "echoed $echoed, unechoed $unechoed of 120"
python3 - "$report" "$tmp/half.txt" "$unechoed" <<'PY' || fail "report.py on the half run"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("report", sys.argv[1])
r = importlib.util.module_from_spec(spec)
spec.loader.exec_module(r)
g = r.parse_game(sys.argv[2])
n = int(sys.argv[3])
assert g["sent"] == 120 and g["echoed"] == 120 - n, g
assert g["unplaced"] == n and g["up"]["lost"] == n and g["down"]["lost"] == n, g
PY
echo "ok: usage refused, 60 packets recorded and echoed, $unechoed unechoed after the echo stopped"
