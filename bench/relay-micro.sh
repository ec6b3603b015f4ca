#!/bin/bash
# SPDX-License-Identifier: MIT
# Relay microbenchmark: the real lanparty-relayd on 127.0.0.1 (dev
# certificate, gateway token file, a private dbus-daemon when there is
# one) and bench/relay-micro, a load generator with N peers in R rooms (a
# gateway and its clients in each; one room unless PEERS/ROOMS says more).
# For each case it reports frames forwarded per second, per relay CPU
# second (from /proc/PID/stat), the relay CPU time per frame and the
# relay's VmRSS/VmHWM, as a table and as JSON, with PASS/MISS against the
# targets: >= 300k frames per relay CPU second, RSS <= 16 MiB with 100
# peers, and (issue 16) the cost per frame with 1000 peers in 50 rooms
# within +-20% of 100 peers in 5 rooms (the same 20 peers per room, so a
# broadcast costs the same), with the memory per peer between the two.
# Cases with rooms (PEERS/ROOMS) offer a fixed total load, ROOMS_RATE
# frames/s shared by all peers, so that 100 and 1000 peers are compared at
# the same work: flooding with 1000 peers measures the generator and the
# socket buffers as much as the relay.
# pkt-in and pkt-out are the UDP datagrams the relay read and wrote per
# frame it forwarded (counted by the generator): a frame's cost is mostly
# its share of a QUIC packet (docs/PERFORMANCE.md, "Relay with 1000 peers").
# A benchmark, not a test: a MISS does not fail the script.
#
# Usage: bench/relay-micro.sh [PEERS[/ROOMS]...]  (default: 2 16 100 100/5 1000/50)
# Environment:
#   BUILD_DIR   meson build directory (default: build-relay-micro, release)
#   DURATION    measured seconds per run (default 5), WARMUP (default 1)
#   FRAME_SIZE  Ethernet frame bytes (default 64)
#   BROADCAST   percent of frames sent to ff:ff:ff:ff:ff:ff (default 10)
#   RATE        frames/s per peer, 0 = as fast as QUIC takes them (default 0)
#   ROOMS_RATE  frames/s offered in total in the PEERS/ROOMS cases (default
#               100000; 0 = RATE there too)
#   JSON_OUT    also write the JSON here
#   RELAYD_WRAPPER  run the relay under this (e.g. "valgrind --tool=callgrind")
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
source "$srcdir/tests/lib-bus.sh"
build=${BUILD_DIR:-$srcdir/build-relay-micro}
duration=${DURATION:-5}
warmup=${WARMUP:-1}
frame_size=${FRAME_SIZE:-64}
broadcast=${BROADCAST:-10}
rate=${RATE:-0}
rooms_rate=${ROOMS_RATE:-100000}
usage() {
        # The header comment above is the help text.
        sed -n '/^# Relay microbenchmark/,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}
for arg in "$@"; do
        case $arg in
        -h | --help)
                usage
                exit 0
                ;;
        *)
                if ! [[ $arg =~ ^([1-9][0-9]{0,3})(/([1-9][0-9]{0,2}))?$ ]] || ((BASH_REMATCH[1] < 2)) ||
                        ((BASH_REMATCH[1] > 1000)) || ((BASH_REMATCH[1] < 2 * ${BASH_REMATCH[3]:-1})); then
                        echo "relay-micro.sh: '$arg' is not PEERS[/ROOMS] (2..1000 peers, 2 or more per room; see --help)" >&2
                        exit 2
                fi
                ;;
        esac
done
peer_counts=("$@")
[ ${#peer_counts[@]} -gt 0 ] || peer_counts=(2 16 100 100/5 1000/50)

TARGET_FPS=300000    # small frames forwarded per second per relay core
TARGET_RSS_KIB=16384 # relay RSS with 100 peers
TARGET_FLAT_PCT=20   # cost per frame, 1000 peers/50 rooms against 100/5

if [ ! -d "$build" ]; then
        meson setup "$build" "$srcdir" --buildtype=release >/dev/null
fi
ninja -C "$build" src/relayd/lanparty-relayd bench/relay-micro >/dev/null
relayd=$build/src/relayd/lanparty-relayd
gen=$build/bench/relay-micro

tmp=$(mktemp -d /tmp/relay-micro.XXXXXX)
pids=()
cleanup() {
        # The relay of an interrupted run is not in pids: it is restarted per
        # peer count and stopped by stop_relayd.
        [ -z "${relayd_pid:-}" ] || stop_relayd
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
        rm -rf "$tmp"
}
trap cleanup EXIT
# A signal (^C, a closed terminal, a reader that went away) ends the run
# through the EXIT trap, so the relay and the bus are not left behind.
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
trap 'exit 141' PIPE

wait_for() {
        local i
        for ((i = 0; i < 100; i++)); do
                if "$@"; then return 0; fi
                sleep 0.1
        done
        return 1
}

# Relay on CPU 0, generator on CPU 1, when there are two.
relay_pin=()
gen_pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
        relay_pin=(taskset -c 0)
        gen_pin=(taskset -c 1)
else
        echo "note: fewer than 2 CPUs or no taskset; relay and generator share CPUs" >&2
fi

# A private bus keeps the relay off the host's system bus.
bus_args=()
if command -v dbus-daemon >/dev/null; then
        bus_conf_write "$tmp/bus.conf" "unix:path=$tmp/bus"
        dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --nosyslog 2>"$tmp/dbus.err" &
        pids+=($!)
        wait_for test -S "$tmp/bus" && bus_args=(--bus-address "unix:path=$tmp/bus")
fi

token=bench-token-0123456789abcdef
# One token opens any room name, as many as the largest case has.
echo "$token * max-rooms=64" >"$tmp/tokens"
chmod 600 "$tmp/tokens"
: >"$tmp/relayd.conf"

relayd_pid=
port=
start_relayd() {
        local attempt
        for attempt in 1 2 3 4 5; do
                port=$((20000 + RANDOM % 40000))
                : >"$tmp/relayd.err"
                ${relay_pin[@]+"${relay_pin[@]}"} ${RELAYD_WRAPPER:-} "$relayd" --config "$tmp/relayd.conf" \
                        --listen "127.0.0.1:$port" --state-dir "$tmp/state" --gateway-token-file "$tmp/tokens" \
                        ${bus_args[@]+"${bus_args[@]}"} --max-rooms 64 --max-peers-per-room 1000 \
                        --max-connections 2048 \
                        --rate-broadcast 0 --rate-unknown-unicast 0 --rate-bandwidth 0 2>"$tmp/relayd.err" &
                relayd_pid=$!
                if wait_for grep -q "running" "$tmp/relayd.err"; then
                        return 0
                fi
                kill $relayd_pid 2>/dev/null || true
                wait $relayd_pid 2>/dev/null || true
                grep -q "Failed to bind" "$tmp/relayd.err" || { cat "$tmp/relayd.err" >&2; return 1; }
        done
        return 1
}

# The relay's own totals since it started (joins and warm-up included):
# frames in, frames out and frames it dropped, as a JSON fragment. They
# tell where frames the generator missed were lost: in the relay
# (dropped) or after it.
relay_counters() {
        local k v out=
        [ ${#bus_args[@]} -gt 0 ] || return 0
        for k in RxFrames TxFrames DroppedFrames; do
                v=$(timeout 5 busctl --address="unix:path=$tmp/bus" get-property org.lanparty.Relay1 \
                        /org/lanparty/Relay1 org.lanparty.Relay1.Manager "$k" 2>/dev/null | awk '{print $2}')
                [[ $v =~ ^[0-9]+$ ]] && out+=",\"relay_total_$k\":$v"
        done
        echo "$out"
}

stop_relayd() {
        kill -TERM "$relayd_pid" 2>/dev/null || true
        wait "$relayd_pid" 2>/dev/null || true
}

results=()
for spec in "${peer_counts[@]}"; do
        n=${spec%/*} rooms=1 peer_rate=$rate
        if [ "$spec" != "$n" ]; then
                rooms=${spec#*/}
                [ "$rooms_rate" = 0 ] || peer_rate=$(((rooms_rate + n - 1) / n))
        fi
        start_relayd || { echo "relayd did not start" >&2; exit 1; }
        pin=$(sed -n 's/.*pin= in invite links): \([A-Za-z0-9_-]*\).*/\1/p' "$tmp/relayd.err" | head -1)
        # taskset execs the daemon: the pid is the relay's own.
        rpid=$relayd_pid
        echo "== $n peers in $rooms room(s) (relay pid $rpid, port $port)" >&2
        if out=$(${gen_pin[@]+"${gen_pin[@]}"} "$gen" --relay "127.0.0.1:$port" --pin "$pin" --token "$token" \
                        --peers "$n" --rooms "$rooms" --duration "$duration" --warmup "$warmup" --frame-size "$frame_size" \
                        --broadcast-percent "$broadcast" --rate "$peer_rate" --relay-pid "$rpid"); then
                results+=("${out%\}}$(relay_counters)}")
        else
                echo "run with $n peers in $rooms room(s) failed; relay log:" >&2
                tail -n 20 "$tmp/relayd.err" >&2
        fi
        stop_relayd
done

[ ${#results[@]} -gt 0 ] || { echo "no run succeeded" >&2; exit 1; }

printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
target_fps, target_rss, target_flat = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print()
print("%6s %5s %7s %10s %10s %8s %10s %12s %9s %7s %7s %8s %8s %9s %9s %9s" % ("peers", "rooms", "rate", "sent/s", "fwd/s",
      "loss%", "relay-cpu", "fwd/cpu-s", "us/frame", "pkt-in", "pkt-out", "gen-cpu", "RSS-MiB", "HWM-MiB", "KiB/peer", "fps"))
for r in rows:
    # Frames in flight at the window edges can make it slightly negative.
    loss = max(0.0, 100.0 * (1 - r["forwarded"] / r["expected"])) if r["expected"] else 0.0
    r["loss_percent"] = round(loss, 2)
    r["rss_kib_per_peer"] = round(r["relay_vmrss_kib"] / r["peers"], 1)
    r["target_fps"] = "PASS" if r["frames_per_relay_cpu_sec"] >= target_fps else "MISS"
    r["relay_us_per_frame"] = 1e6 / r["frames_per_relay_cpu_sec"] if r["frames_per_relay_cpu_sec"] > 0 else None
    # UDP datagrams the relay read and wrote per frame it forwarded: QUIC
    # packets, ACKs among them, are what a frame costs beyond its bytes.
    fwd = max(r["forwarded"], 1)
    r["relay_packets_in_per_frame"] = round(r["packets_to_relay"] / fwd, 3)
    r["relay_packets_out_per_frame"] = round(r["packets_from_relay"] / fwd, 3)
    print("%6d %5d %7s %10.0f %10.0f %8.2f %9.0f%% %12.0f %9.2f %7.2f %7.2f %7.0f%% %8.1f %9.1f %9.1f %9s" % (r["peers"],
          r["rooms"], r["rate"] or "flood",
          r["sent"] / r["seconds"], r["forwarded_per_sec"], loss, 100 * r["relay_cpu_share"],
          r["frames_per_relay_cpu_sec"], r["relay_us_per_frame"] or 0, r["relay_packets_in_per_frame"],
          r["relay_packets_out_per_frame"], 100 * r["generator_cpu_share"],
          r["relay_vmrss_kib"] / 1024,
          r["relay_vmhwm_kib"] / 1024, r["rss_kib_per_peer"], r["target_fps"]))
best = max(r["frames_per_relay_cpu_sec"] for r in rows)
big = [r for r in rows if r["peers"] >= 100 and r["rooms"] == 1] or [r for r in rows if r["peers"] >= 100]
# Issue 16: 100 peers in 5 rooms against 1000 in 50, the same room size.
small = next((r for r in rows if r["peers"] == 100 and r["rooms"] == 5), None)
large = next((r for r in rows if r["peers"] == 1000 and r["rooms"] == 50), None)
flat = None
if small and large and small["relay_us_per_frame"] and large["relay_us_per_frame"]:
    ratio = large["relay_us_per_frame"] / small["relay_us_per_frame"]
    flat = {"us_per_frame_100": small["relay_us_per_frame"], "us_per_frame_1000": large["relay_us_per_frame"],
            "ratio": ratio, "target_pct": target_flat,
            "kib_per_peer": (large["relay_vmrss_kib"] - small["relay_vmrss_kib"]) / 900,
            "kib_per_peer_hwm": (large["relay_vmhwm_kib"] - small["relay_vmhwm_kib"]) / 900,
            "result": "PASS" if abs(ratio - 1) * 100 <= target_flat else "MISS"}
summary = {
    "targets": {
        "frames_per_relay_core": {"target": target_fps, "best": best,
                                  "result": "PASS" if best >= target_fps else "MISS"},
        "cost_flat_100_to_1000_peers": flat or {"result": "n/a"},
        "rss_100_peers_kib": {"target": target_rss,
                              "value": big[0]["relay_vmhwm_kib"] if big else None,
                              "result": ("PASS" if big[0]["relay_vmhwm_kib"] <= target_rss else "MISS") if big else "n/a"},
    },
    "runs": rows,
}
print()
print("target >= %d frames/s per relay core: %s (best %.0f)" % (target_fps,
      summary["targets"]["frames_per_relay_core"]["result"], best))
if big:
    print("target relay RSS <= %d MiB with %d peers: %s (VmHWM %.1f MiB)" % (target_rss // 1024, big[0]["peers"],
          summary["targets"]["rss_100_peers_kib"]["result"], big[0]["relay_vmhwm_kib"] / 1024))
if flat:
    print("target cost per frame flat (+-%d%%) from 100 peers/5 rooms to 1000/50: %s (%.2f -> %.2f us, %.2fx); "
          "relay memory per added peer %.1f KiB (VmRSS), %.1f KiB (VmHWM)" % (target_flat, flat["result"],
          flat["us_per_frame_100"], flat["us_per_frame_1000"], flat["ratio"], flat["kib_per_peer"],
          flat["kib_per_peer_hwm"]))
print()
print(json.dumps(summary, indent=1))
' "$TARGET_FPS" "$TARGET_RSS_KIB" "$TARGET_FLAT_PCT" | tee ${JSON_OUT:+"$tmp/out"}
if [ -n "${JSON_OUT:-}" ]; then
        sed -n '/^{/,$p' "$tmp/out" >"$JSON_OUT"
fi
