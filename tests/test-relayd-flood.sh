#!/bin/bash
# SPDX-License-Identifier: MIT
# lanparty-relayd under a handshake flood, on loopback, bounded: the real
# daemon, a gateway (relay-test-peer) in its room, then quic-flood sends
# 5,000 real QUIC Initials at 1,000/s from one address (fresh DCIDs, ports
# from a pool), then the same from 50 addresses (127.0.0.10-59), then junk
# (unknown CIDs and versions). The flooder never answers, as a spoofed
# source would not. During each flood a real client joins and exchanges
# frames with the gateway. Checked:
#   - the client's join (connect, HELLO, WELCOME) takes at most JOIN_MAX_MS;
#   - the flooding addresses get back at most AMPLIFICATION_MAX times the
#     bytes they sent (QUIC's own limit for unvalidated addresses is 3x);
#   - the relay's peak RSS (VmHWM) stays below RSS_MAX_KB;
#   - refusals are counted on D-Bus by reason and logged, rate-limited.
# The figures are printed for docs/SECURITY.md ("Under load").
#
# Usage: test-relayd-flood.sh RELAYD TEST_PEER FLOOD SOURCE_ROOT
# $RELAYD_TEST_WRAPPER, if set, runs the daemon under it (e.g. valgrind, with
# FLOOD_RATE, JOIN_MAX_MS and RSS_MAX_KB to match); it must still exit 0.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-test.sh"

relayd=$(realpath "$1")
peer_bin=$(realpath "$2")
flood_bin=$(realpath "$3")
srcdir=$(realpath "$4")

JOIN_MAX_MS=${JOIN_MAX_MS:-2000}
AMPLIFICATION_MAX=3
RSS_MAX_KB=${RSS_MAX_KB:-32768}
FLOOD_COUNT=${FLOOD_COUNT:-5000}
FLOOD_RATE=${FLOOD_RATE:-1000}

relayd_test_begin test-relayd-flood
R=/org/lanparty/Relay1
M=org.lanparty.Relay1.Manager
prop() { bus get-property org.lanparty.Relay1 "$@"; }

token=tok-0123456789abcdef
: >"$tmp/relayd.conf"
(umask 077 && echo "$token party" >"$tmp/tokens")
relayd_cmd=(${RELAYD_TEST_WRAPPER:-} "$relayd" --config "$tmp/relayd.conf" --state-dir "$tmp/state"
        --gateway-token-file "$tmp/tokens" --bus-address "$address")
port=
relayd_pid=
start_relayd
pin=$(relay_pin)
[ ${#pin} = 43 ] || fail "no pin logged: $(cat "$tmp/relayd.err")"

peer() {
        local name=$1
        shift
        peer_start "$name" "$peer_bin" --relay "127.0.0.1:$port" --pin "$pin" --no-pmtud-wait "$@"
}
ms() { echo $(($(date +%s%N) / 1000000)); }

GW=00:11:22:33:44:01
peer gw --role gateway --mac $GW --token $token
expect gw "welcome 1"

# flood NAME MODE SOURCES: quic-flood in the background, its summary in
# $tmp/NAME.flood.
flood() {
        "$flood_bin" --relay "127.0.0.1:$port" --source 127.0.0.10 --sources "$3" --count "$FLOOD_COUNT" \
                --rate "$FLOOD_RATE" --mode "$2" --drain-ms 1500 >"$tmp/$1.flood" 2>&1 &
        flood_pid=$!
        pids+=($flood_pid)
}
field() { sed -n "s/.*\b$2=\([0-9.]*\).*/\1/p" "$tmp/$1.flood"; }

# join NAME MAC: a client joins while the flood runs (after a second of
# it, when the flood's connections have piled up), exchanges a frame each
# way with the gateway, leaves.
join() {
        local name=$1 mac=$2 t0 t1 id
        sleep 1
        kill -0 "$flood_pid" 2>/dev/null || fail "the flood ended before the join: $(cat "$tmp"/*.flood)"
        t0=$(ms)
        peer "$name" --mac "$mac"
        WAIT=5 wait_for has "$name" "welcome" ||
                fail "$name did not join during the flood: $(cat "$tmp/$name.out" "$tmp/$name.err")"
        t1=$(ms)
        join_ms=$((t1 - t0))
        id=$(sed -n 's/^welcome \([0-9]*\) .*/\1/p' "$tmp/$name.out")
        cmd "$name" "frame $GW self 88b5 40"
        expect gw "frame from=$id dst=$GW src=$mac type=88b5 len=54"
        cmd gw "frame $mac self 88b5 41"
        expect "$name" "frame from=1 dst=$mac src=$GW type=88b5 len=55"
        cmd "$name" "quit"
        echo "$name joined in $join_ms ms during the flood and exchanged frames"
}

# check_flood NAME: waits for it, checks the amplification.
check_flood() {
        local sent recvd
        wait "$flood_pid" || fail "quic-flood failed: $(cat "$tmp/$1.flood")"
        sent=$(field "$1" sent_bytes)
        recvd=$(field "$1" received_bytes)
        [ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "no flood summary: $(cat "$tmp/$1.flood")"
        echo "$1: $(cat "$tmp/$1.flood"), amplification $(awk -v r="$recvd" -v s="$sent" 'BEGIN { printf "%.3f", r / s }')"
        awk -v r="$recvd" -v s="$sent" -v max=$AMPLIFICATION_MAX 'BEGIN { exit !(r <= max * s) }' ||
                fail "$1: the relay sent $recvd bytes for $sent received: more than ${AMPLIFICATION_MAX}x"
}

check_join() {
        [ "$join_ms" -le "$JOIN_MAX_MS" ] || fail "$1: the join took $join_ms ms, more than $JOIN_MAX_MS"
}

rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$relayd_pid/status"; }
# The relay's user+system CPU time in clock ticks (after the comm field,
# which may hold spaces, utime and stime are fields 12 and 13).
cpu_ticks() { sed 's/.*) //' "/proc/$relayd_pid/stat" | awk '{ print $12 + $13 }'; }
cpu_start() { cpu0=$(cpu_ticks); }
cpu_report() {
        local ticks=$(($(cpu_ticks) - cpu0)) hz
        hz=$(getconf CLK_TCK)
        echo "$1: relay CPU $(awk -v t=$ticks -v hz=$hz 'BEGIN { printf "%.2f", t / hz }') s during the flood"
}

echo "== $FLOOD_COUNT Initials at $FLOOD_RATE/s from one address"
cpu_start
flood one initial 1
join alice 02:00:00:00:00:02
check_join one
check_flood one
cpu_report one
echo "relay peak RSS: $(rss_kb) kB"

echo "== $FLOOD_COUNT Initials at $FLOOD_RATE/s from 50 addresses"
cpu_start
flood fifty initial 50
join bob 02:00:00:00:00:03
check_join fifty
check_flood fifty
cpu_report fifty
echo "relay peak RSS: $(rss_kb) kB"

echo "== $FLOOD_COUNT junk packets (unknown CIDs and versions) at $FLOOD_RATE/s from one address"
cpu_start
flood junk junk 1
join carol 02:00:00:00:00:04
check_join junk
check_flood junk
cpu_report junk

rss=$(rss_kb)
echo "relay peak RSS over the whole test: $rss kB (bound $RSS_MAX_KB kB)"
[ "$rss" -le "$RSS_MAX_KB" ] || fail "relay peak RSS $rss kB above $RSS_MAX_KB kB"
retries=$(prop $R $M RetriesSent | cut -d' ' -f2)
echo "Retry packets sent to the floods: $retries"
[ "$retries" -gt 0 ] || fail "the floods got no Retry"

# refusal NAME KEY: the count of KEY in the Manager's Refusals.
refusal() { prop $R $M Refusals | grep -o "\"$1\" [0-9]*" | cut -d' ' -f2; }

echo "== one address, real handshakes, no HELLO: the per-address limit and the HELLO timeout"
expect_eq "$(refusal per_source)" 0 "per_source refusals before"
for i in $(seq 10 39); do
        peer "silent$i" --no-hello --mac "02:00:00:00:01:$i"
done
silent_has() { grep -lF -- "$1" "$tmp"/silent*.out 2>/dev/null | wc -l; }
settled() { [ $(($(silent_has connected) + $(silent_has "closed handshake-failed"))) -eq 30 ]; }
wait_for settled || fail "the silent peers did not all connect or get refused"
connected=$(silent_has connected)
refused=$(silent_has "too many new connections from your address")
echo "30 silent peers from 127.0.0.1: $connected connected, $refused refused"
[ "$refused" -ge 1 ] || fail "no silent peer was refused by the per-address limit"
# 16 validated, plus those whose handshakes had started before: at most
# the Retry threshold, 16.
[ "$connected" -le 32 ] || fail "$connected silent peers from one address connected"
expect_eq "$(refusal per_source)" "$refused" "Refusals per_source"
# Closed 3 s after their handshakes, not 10.
all_timed_out() { [ "$(silent_has 'reason=not admitted in time')" -eq "$connected" ]; }
WAIT=6 wait_for all_timed_out ||
        fail "the silent peers were not closed for want of HELLO: $(cat "$tmp"/silent*.out)"
expect_eq "$(refusal hello_timeout)" "$connected" "Refusals hello_timeout"
wait_for grep -q "Turned away new connections" "$tmp/relayd.err" || fail "refusals not logged"
lines=$(grep -c "Turned away new connections" "$tmp/relayd.err")
[ "$lines" -le 2 ] || fail "refusals logged $lines times within seconds"
grep "Turned away new connections" "$tmp/relayd.err" | head -2

# The relay that took the floods ends cleanly (under $RELAYD_TEST_WRAPPER
# too); a fresh one on the same port, with the same state directory, has
# the gateway back.
kill -TERM $relayd_pid
rc=0
wait $relayd_pid || rc=$?
[ $rc = 0 ] || fail "relayd exited with $rc after the floods"
start_relayd same-port
peer gw2 --role gateway --mac $GW --token $token
expect gw2 "welcome 1"

echo "== a relay crash and restart under junk from another address: the client is reset at once"
peer dave --mac 02:00:00:00:00:05
expect dave "welcome"
kill -KILL $relayd_pid
wait $relayd_pid 2>/dev/null || true
# Junk at 3000/s from 127.0.0.10, short-header packets that each ask for a
# stateless reset, before and after the restart. (With one bucket for all
# sources, as before, dave's packets would find it empty.)
"$flood_bin" --relay "127.0.0.1:$port" --source 127.0.0.10 --sources 1 --count 18000 --rate 3000 --mode reset \
        --drain-ms 0 >"$tmp/restart.flood" 2>&1 &
flood_pid=$!
pids+=($flood_pid)
sleep 1
start_relayd same-port
sleep 1
kill -0 "$flood_pid" 2>/dev/null || fail "the junk flood ended before the restart was done"
# dave does not know the relay went away; its next packet meets a relay
# that kept the reset secret in its state directory.
t0=$(ms)
cmd dave "frame $GW self 88b5 40"
WAIT=5 wait_for has dave "closed stateless-reset" || fail "dave was not reset: $(cat "$tmp/dave.out")"
reset_ms=$(($(ms) - t0))
echo "dave was reset ${reset_ms} ms after its first packet to the restarted relay, under junk"
[ "$reset_ms" -le "$JOIN_MAX_MS" ] || fail "the reset took $reset_ms ms"
wait "$flood_pid" || true
echo "junk during the restart: $(cat "$tmp/restart.flood")"

kill -TERM $relayd_pid
rc=0
wait $relayd_pid || rc=$?
[ $rc = 0 ] || fail "relayd exited with $rc"
echo "PASS"
