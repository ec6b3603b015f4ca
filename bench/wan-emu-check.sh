#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Measures bench/wan-emu against what it is told to do, on a bare path:
# two hosts in network namespaces of their own, the emulator in a third
# between them (two veth pairs), nothing else. Prints, per setting, what
# was configured and what was measured: ping RTT at idle (delay, jitter,
# the emulator's own overhead), loss seen by a UDP stream and by the
# emulator's counters (random and Gilbert-Elliott), TCP through a rate
# limit, and TCP under random loss against the Mathis estimate
# MSS/RTT x 1.22/sqrt(p). A benchmark, not a pass/fail test: on a busy
# machine the figures move; docs/BENCHMARKS.md has a run's.
#
# Usage: sudo bench/wan-emu-check.sh [--build DIR] [--out FILE] [--quick]
#   --build DIR   meson build directory with bench/wan-emu (default: build)
#   --out FILE    also write the table (markdown) there
#   --quick       shorter runs (5 s TCP, 200 pings) for a smoke check
# Exit: 0 when every measurement ran, 1 when one could not, 2 bad usage.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
E2E_ID=we$$
source "$ROOT/tests/e2e/lib.sh"

build=$ROOT/build out= quick=0
usage() { sed -n '13,18s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
        case "$1" in
                --build) build=${2:?}; shift ;;
                --out) out=${2:?}; shift ;;
                --quick) quick=1 ;;
                -h|--help) usage; exit 0 ;;
                *) echo "wan-emu-check.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
        esac
        shift
done
[ "$(id -u)" -eq 0 ] || { echo "wan-emu-check.sh: needs root (network namespaces)" >&2; exit 2; }
emu=$build/bench/wan-emu
[ -x "$emu" ] || { echo "wan-emu-check.sh: no $emu (meson compile -C $build bench/wan-emu)" >&2; exit 2; }
for p in iperf3 ping ethtool python3; do
        command -v "$p" >/dev/null || { echo "wan-emu-check.sh: needs $p" >&2; exit 2; }
done
if [ "$quick" = 1 ]; then tcp_s=5 udp_s=5 mathis_s=10 pings=200; else tcp_s=10 udp_s=30 mathis_s=30 pings=500; fi

source "$BENCH_DIR/wan-topo.sh"
trap topo_down EXIT
wan_topo_up || { log "FAIL: could not build the namespaces"; exit 1; }

EMU_PID= EMU_LOG=
# SCHED_FIFO: on a busy machine the emulator's threads must still wake on
# time (they sleep between frames); a row below shows the difference.
EMU_RT=(--realtime 10)
emu_start() { # wan-emu options...
        local n=${#E2E_PIDS[@]}
        bg "wan-emu-$n" "$NS_WAN" "$emu" --seed 1 "${EMU_RT[@]}" "$@" wa wb
        EMU_PID=$BG_PID EMU_LOG=$E2E_TMP/wan-emu-$n.log
        wait_for 5 "wan-emu to run" grep -q '^running' "$EMU_LOG" || { cat "$EMU_LOG"; return 1; }
        # Neighbour tables warm, so the first probe does not wait for ARP.
        nsx "$NS_A" ping -c 2 -i 0.2 -W 2 "$B_IP" >/dev/null
}
emu_stop() {
        kill -TERM "$EMU_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
        wait "$EMU_PID" 2>/dev/null
}
# A counter of the last run: emu_counter a->b drop_loss
emu_counter() {
        sed -n "s/^wan-emu exit $1: .* $2=\([0-9.]*\).*/\1/p" "$EMU_LOG" | tail -1
}
lateness() { # "p50/p99/max µs" of both directions
        local d
        for d in 'a->b' 'b->a'; do
                printf '%s %s/%s/%s ' "$d" "$(emu_counter "$d" late_us_p50)" "$(emu_counter "$d" late_us_p99)" \
                        "$(emu_counter "$d" late_us_max)"
        done
}

bg iperf3 "$NS_B" iperf3 -s -B "$B_IP"
wait_for 10 "the iperf3 server" sh -c "ip netns exec $NS_B ss -Hltn 'sport = :5201' | grep -q LISTEN" || exit 1

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 |"); log "  $1: configured $2, measured $3 ($4)"; }
failed=0

# ---- RTT at idle ------------------------------------------------------------
ping_stats() { # count interval -> "min avg max mdev" in ms
        nsx "$NS_A" ping -n -q -c "$1" -i "$2" -W 2 -w $(( $1 / 5 + 30 )) "$B_IP" |
                sed -n 's/.*= \([0-9.]*\)\/\([0-9.]*\)\/\([0-9.]*\)\/\([0-9.]*\) ms.*/\1 \2 \3 \4/p'
}
rtt_check() { # label delay-per-direction-ms jitter-ms expected-rtt-ms
        local s min avg max mdev
        emu_start --delay "$2ms" --jitter "$3ms" || { failed=1; return; }
        s=$(ping_stats "$pings" 0.02)
        emu_stop
        read -r min avg max mdev <<<"$s"
        [ -n "$avg" ] || { row "$1" "RTT $4 ms" "no ping" "-"; failed=1; return; }
        row "$1" "RTT $4 ms$( [ "$3" != 0 ] && echo " (+0..$((2 * ${3%.*})) jitter)")" \
                "avg $avg, min $min, max $max, mdev $mdev ms" "dispatch late µs p50/p99/max: $(lateness)"
}
log "RTT at idle ($pings pings, 20 ms apart)"
s=$(ping_stats 2 0.2) # nothing running: the veths are cut
[ -z "$s" ] || { log "FAIL: pings pass without the emulator"; failed=1; }
nsx "$NS_A" ip neigh flush dev eth0 # the failed ARP would fail the next pings at once
nsx "$NS_B" ip neigh flush dev eth0
rtt_check "no impairment" 0 0 0
rtt_check "delay 7.5 ms each way (cable)" 7.5 0 15
rtt_check "delay 15 ms each way (DSL)" 15 0 30
rtt_check "delay 75 ms each way (far)" 75 0 150
rtt_check "delay 27.5 + jitter 0..5 ms each way (Wi-Fi)" 27.5 5 55
EMU_RT=()
rtt_check "delay 7.5 ms each way, without --realtime" 7.5 0 15
EMU_RT=(--realtime 10)

# ---- loss ---------------------------------------------------------------------
loss_check() { # label expected-% wan-emu options...
        local label=$1 expect=$2 j lost total ab_rx ab_drop runs rcvbuf0 rcvbuf1; shift 2
        emu_start "$@" || { failed=1; return; }
        rcvbuf0=$(udp_rcvbuf_errors)
        j=$E2E_TMP/udp-$RANDOM.json
        nsx "$NS_A" timeout $((udp_s + 30)) iperf3 -c "$B_IP" -u -b 20M -l 1200 -t "$udp_s" -J >"$j" 2>&1
        rcvbuf1=$(udp_rcvbuf_errors)
        emu_stop
        read -r lost total < <(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]["sum"]
print(e["lost_packets"], e["packets"])' "$j" 2>/dev/null)
        ab_rx=$(emu_counter 'a->b' received) ab_drop=$(( $(emu_counter 'a->b' drop_loss) + $(emu_counter 'a->b' drop_burst) ))
        runs=$(emu_counter 'a->b' loss_runs)
        [ -n "${total:-}" ] && [ "$total" -gt 0 ] || { row "$label" "$expect%" "iperf3 failed" "-"; failed=1; return; }
        row "$label" "$expect%" "$(awk -v l="$lost" -v t="$total" 'BEGIN{printf "%.3f%%", 100*l/t}') of $total datagrams" \
                "emulator: $ab_drop of $ab_rx frames ($(awk -v l="$ab_drop" -v t="$ab_rx" 'BEGIN{printf "%.3f%%", t?100*l/t:0}')), mean burst $(awk -v l="$ab_drop" -v r="$runs" 'BEGIN{printf "%.2f", r?l/r:0}') frames; receiver's UDP buffer overflowed $((rcvbuf1 - rcvbuf0)) times"
}
# Datagrams B's kernel dropped because iperf3 did not read fast enough: on
# a busy machine the UDP figure includes them, the emulator's does not.
udp_rcvbuf_errors() {
        nsx "$NS_B" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }' /proc/net/snmp
}
log "loss (UDP 20 Mbit/s, 1200 B, ${udp_s} s, A to B)"
loss_check "random loss 0.1%" 0.1 --loss 0.1
loss_check "random loss 1%" 1 --loss 1
loss_check "burst loss P=0.5% R=25% (bursts of 4)" 1.96 --burst-loss 0.5,25

# ---- TCP through a rate limit -------------------------------------------------
tcp_mbps() { # json -> received Mbit/s
        python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e6))' "$1" 2>/dev/null
}
tcp_run() { # seconds, iperf3 args... -> Mbit/s
        local j=$E2E_TMP/tcp-$RANDOM.json s=$1; shift
        nsx "$NS_A" timeout $((s + 30)) iperf3 -c "$B_IP" -t "$s" -O 2 -J "$@" >"$j" 2>&1
        tcp_mbps "$j"
}
rate_check() { # rate-Mbit/s delay-ms buffer-bytes
        local r mbps expect
        emu_start --rate "$1M" --delay "$2ms" --buffer "$3" || { failed=1; return; }
        mbps=$(tcp_run "$tcp_s")
        emu_stop
        # The rate counts Ethernet frames: 1514 bytes carry 1448 of TCP payload.
        expect=$(awk -v r="$1" 'BEGIN{printf "%.1f", r*1448/1514}')
        [ -n "$mbps" ] || { row "TCP at $1 Mbit/s" "$expect" "iperf3 failed" "-"; failed=1; return; }
        row "TCP, rate $1 Mbit/s, RTT $((2 * $2)) ms, buffer $3 B" "$expect Mbit/s goodput" "$mbps Mbit/s" \
                "$(awk -v m="$mbps" -v e="$expect" 'BEGIN{printf "%.1f%%", 100*m/e}') of the rate's goodput; tail drops $(emu_counter 'a->b' drop_buffer)"
}
log "TCP through a bottleneck (${tcp_s} s, A to B, congestion control $(sysctl -n net.ipv4.tcp_congestion_control))"
rate_check 20 7 64000
rate_check 50 10 125000
rate_check 200 7 375000

# ---- TCP under random loss: Mathis ----------------------------------------------
mathis_check() { # loss-% delay-ms congestion-control
        local mbps p rtt est
        emu_start --loss "$1/0" --delay "$2ms" || { failed=1; return; }
        rtt=$(ping_stats 20 0.05 | awk '{print $2}')
        mbps=$(tcp_run "$mathis_s" -C "$3")
        emu_stop
        p=$(awk -v d="$(emu_counter 'a->b' drop_loss)" -v r="$(emu_counter 'a->b' received)" 'BEGIN{printf "%.6f", r?d/r:0}')
        est=$(awk -v p="$p" -v rtt="$rtt" 'BEGIN{ if (p > 0 && rtt > 0) printf "%.1f", 1448*8/(rtt/1000)*1.22/sqrt(p)/1e6 }')
        [ -n "$mbps" ] && [ -n "$est" ] || { row "TCP $3 at loss $1%" "-" "failed" "-"; failed=1; return; }
        row "TCP $3, loss $1% (data direction), RTT $((2 * $2)) ms" \
                "Mathis $est Mbit/s (measured p $(awk -v p="$p" 'BEGIN{printf "%.3f%%", 100*p}'), RTT $rtt ms)" \
                "$mbps Mbit/s" "$(awk -v m="$mbps" -v e="$est" 'BEGIN{printf "%.2f", m/e}') x Mathis"
}
# Mathis models Reno (CUBIC at these windows stays close to it); BBR does
# not take random loss for congestion and runs far above it, which says
# nothing about the emulator but explains run.sh's figures where it is the
# machine's default.
log "TCP under random loss, no rate limit (${mathis_s} s, A to B; default congestion control here: $(sysctl -n net.ipv4.tcp_congestion_control))"
ccs=(reno cubic)
grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control && ccs+=(bbr)
for cc in "${ccs[@]}"; do
        mathis_check 0.1 20 "$cc"
        mathis_check 1 10 "$cc"
done

# ---- the table ----------------------------------------------------------------
{
        echo "wan-emu check, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
                "TCP congestion control $(sysctl -n net.ipv4.tcp_congestion_control) unless named"
        echo
        echo "| setting | configured or expected | measured | notes |"
        echo "|---|---|---|---|"
        printf '%s\n' "${ROWS[@]}"
} >"$E2E_TMP/table.md"
echo
cat "$E2E_TMP/table.md"
[ -z "$out" ] || cp "$E2E_TMP/table.md" "$out"
exit $failed
