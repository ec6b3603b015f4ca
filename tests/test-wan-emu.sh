#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/wan-emu between two hosts in namespaces of their own
# (bench/wan-topo.sh): bad usage is refused with the flag named; nothing
# passes without the emulator; with it pings pass, its counters come on
# SIGUSR1 and at SIGTERM (exit 0); 100% loss in one direction stops the
# pings and is counted there only; a delay is never undercut (RTT at least
# twice the one-way delay: a lower bound, no timing that a busy machine
# could break); a full frame pool drops and counts instead of growing.
# How precise the emulator is, is measured by bench/wan-emu-check.sh, not
# here. Needs root; skips (77) without it.
#
# Usage: test-wan-emu.sh WAN-EMU
set -u
emu=${1:?usage: test-wan-emu.sh WAN-EMU}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for network namespaces"; exit 77; }
E2E_ID=tw$$
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/bench/wan-topo.sh"
trap topo_down EXIT
[ -z "${WAN_TEST_DEBUG:-}" ] || E2E_KEEP_TMP=1

# ---- usage, before any namespace --------------------------------------------
usage_fails() { # expected-text args...
        local want=$1 out rc; shift
        out=$("$emu" "$@" 2>&1); rc=$?
        [ $rc -eq 2 ] || fail "wan-emu $* exited $rc, not 2 ($out)"
        grep -qF -- "$want" <<<"$out" || fail "wan-emu $*: '$out' does not say '$want'"
}
usage_fails "expected two interfaces"
usage_fails "expected two interfaces" a
usage_fails "--rate: '5Q'" --rate 5Q a b
usage_fails "--loss: '101'" --loss 101 a b
usage_fails "--delay: expected VALUE or A_TO_B/B_TO_A" --delay 1/2/3 a b
usage_fails "--delay plus --jitter is more than 10 s" --delay 9s --jitter 2s a b
usage_fails "--buffer needs --rate" --buffer 64k a b
usage_fails "--burst-loss: '1,0'" --burst-loss 1,0 a b
usage_fails "--max-frames" --max-frames 0 a b
usage_fails "--realtime" --realtime 100 a b
usage_fails "unknown option '--netem'" --netem a b
usage_fails "needs a value" a b --delay
usage_fails "same interface" a a
"$emu" --help | grep -q '^Usage: wan-emu' || fail "--help says no usage"
out=$("$emu" nosuch0 nosuch1 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "no interface 'nosuch0'" <<<"$out" || fail "a missing interface: exit $rc, '$out'"
log "usage errors refused, flags named"

# ---- on a path ----------------------------------------------------------------
wan_topo_up || fail "could not build the namespaces"
ping_ok() { nsx "$NS_A" ping -n -q -c "${2:-3}" -i 0.05 -W 2 "$B_IP" >"$E2E_TMP/ping-$1.txt" 2>&1; }
ping_ok cut 2 && fail "pings pass with no emulator between the hosts"
# The failed ARP would make the next pings fail at once.
nsx "$NS_A" ip neigh flush dev eth0
nsx "$NS_B" ip neigh flush dev eth0

n=0
emu_start() { # emulator options...
        n=$((n + 1))
        bg "emu-$n" "$NS_WAN" "$emu" --seed 1 "$@" wa wb
        EMU_PID=$BG_PID LOG=$E2E_TMP/emu-$n.log
        wait_for 5 "wan-emu to run" grep -q '^running' "$LOG" || { cat "$LOG"; fail "wan-emu did not start"; }
}
emu_stop() {
        kill -TERM "$EMU_PID"
        wait "$EMU_PID"
        local rc=$?
        [ $rc -eq 0 ] || { cat "$LOG"; fail "wan-emu exited $rc after SIGTERM"; }
}
counter() { # when direction key
        sed -n "s/^wan-emu $1 $2: .* $3=\([0-9]*\).*/\1/p" "$LOG" | tail -1
}

emu_start
ping_ok plain 5 || fail "no ping through the emulator"
kill -USR1 "$EMU_PID"
wait_for 5 "counters on SIGUSR1" grep -q '^wan-emu now a->b' "$LOG" || fail "no counters on SIGUSR1"
[ "$(counter now 'a->b' received)" -ge 5 ] || fail "a->b counted $(counter now 'a->b' received) frames, not >= 5"
emu_stop
for d in 'a->b' 'b->a'; do
        [ "$(counter exit "$d" sent)" -ge 5 ] || fail "$d sent $(counter exit "$d" sent), not >= 5"
        [ "$(counter exit "$d" drop_gso)" = 0 ] || fail "$d dropped GSO frames with offloads off"
done
log "pings pass; counters on SIGUSR1 and at exit"

emu_start --loss 100/0
ping_ok lossy 3 && fail "pings pass through 100% loss"
emu_stop
[ "$(counter exit 'a->b' drop_loss)" -ge 3 ] || fail "a->b lost $(counter exit 'a->b' drop_loss), not >= 3"
[ "$(counter exit 'a->b' sent)" = 0 ] || fail "a->b sent $(counter exit 'a->b' sent) through 100% loss"
[ "$(counter exit 'b->a' drop_loss)" = 0 ] || fail "b->a lost frames with 0% loss"
log "100% loss one way: nothing through, counted on that side only"

emu_start --delay 50ms
ping_ok delay 3 || fail "no ping through a 50 ms delay"
min=$(sed -n 's/.*= \([0-9.]*\)\/.*/\1/p' "$E2E_TMP/ping-delay.txt")
awk -v m="$min" 'BEGIN { exit !(m >= 100) }' || fail "RTT $min ms through 2 x 50 ms delay"
emu_stop
log "a 50 ms delay each way: RTT min $min ms"

# 100 pings 2 ms apart into a 300 ms delay line of 16 frames.
emu_start --delay 300ms --max-frames 16
nsx "$NS_A" ping -n -q -c 100 -i 0.002 -W 1 "$B_IP" >/dev/null 2>&1
emu_stop
pool=$(counter exit 'a->b' drop_pool)
[ "$pool" -gt 0 ] || fail "no drop_pool with 100 frames in flight and 16 slots"
[ "$(counter exit 'a->b' in_flight)" -le 16 ] || fail "more than 16 frames held"
log "a full frame pool drops and counts ($pool frames)"
log "PASS"
