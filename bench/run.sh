#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmarks lanparty against the bare wire and other Layer-2 tunnels in the
# end-to-end test's namespace topology (tests/e2e/lib.sh): a client on the
# "internet" reaches the LAN host behind the party's gateway, through the relay
# namespace. See docs/BENCHMARKS.md for the method and how to read the output.
#
# Usage: sudo bench/run.sh [--quick] [--paths LIST]
#                          [--out DIR] [--build DIR] [--udp-rate RATE]
#                          [--small-rate RATE] [--reps N] [--wait-idle S] [--with-micro]
#                          [--hops] [--no-build] [--no-install] [--wan PROFILE]
#                          [--game-seconds S]
#   --quick        3 s iperf3 runs, 200 pings and 5 s game-stream phases
#                  instead of 10 s, 1000 and 20 s
#   --paths LIST   which paths to measure (default: all six:
#                  wire,lanparty,n2n,openvpn,openvpn-relay,tinc)
#   --out DIR      where results go (default: BUILD/bench-results/YYYYmmdd-HHMMSS)
#   --build DIR    meson build directory, release build (default: build-bench;
#                  configured from this checkout when it does not exist)
#   --no-build     use the binaries in the build directory as they are
#   --udp-rate R   offered rate of the 1200-byte UDP test (default: 200M on
#                  the LAN, 3/4 of the upload rate of a --wan profile)
#   --small-rate R offered rate of the 64-byte UDP test (default: 0, as fast
#                  as iperf3 can send)
#   --reps N       repetitions per test (default: 3)
#   --wait-idle S  before each path, wait up to S seconds for the machine to
#                  be idle (default: 60; 0 = do not wait)
#   --with-micro   also run bench/relay-micro.sh if it exists
#   --hops         after each path's tests, time pings at every interface
#                  they cross (tcpdump) and report the latency per hop
#   --no-install   do not apt-get missing packages
#   --wan PROFILE  put an emulated internet path (bench/wan-emu) between the
#                  client and the relay; down/up rates, RTT, loss each way:
#                  lan    no emulation (the default)
#                  cable  200/20 Mbit/s, 15 ms, 0.1%
#                  dsl    50/10 Mbit/s, 30 ms, 0.2%
#                  wifi   20/20 Mbit/s, 55-65 ms (27.5 ms + 0..5 ms jitter
#                         each way, 60 on average), 1%
#                  far    100/100 Mbit/s, 150 ms, no loss
#                  The wire path is then the bare emulated path.
#   --game-seconds S  length of each game-stream phase (idle, during a
#                  download, during an upload); 0 = no game-stream test
# Exit: 0 when every requested path was measured (targets may still MISS),
# 1 when the harness broke, 2 bad usage.
set -u
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
E2E_ID=bn$$
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/lib-bus.sh"

quick=0 reps=3 with_micro=0 hops=0 install=1 do_build=1 wait_idle=60
paths_arg=wire,lanparty,n2n,openvpn,openvpn-relay,tinc
out=
build=$ROOT/build-bench
udp_rate=
game_seconds=
small_rate=0
wan=lan
usage() { sed -n '8,42s/^# \{0,1\}//p' "$0"; }
# Debian's python3 (a python3 earlier in PATH may lack python3-matplotlib).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
while [ $# -gt 0 ]; do
        case "$1" in
                --quick) quick=1 ;;
                --paths) paths_arg=${2:?}; shift ;;
                --paths=*) paths_arg=${1#*=} ;;
                --out) out=${2:?}; shift ;;
                --out=*) out=${1#*=} ;;
                --build) build=${2:?}; shift ;;
                --build=*) build=${1#*=} ;;
                --udp-rate) udp_rate=${2:?}; shift ;;
                --small-rate) small_rate=${2:?}; shift ;;
                --reps) reps=${2:?}; shift ;;
                --wait-idle) wait_idle=${2:?}; shift ;;
                --with-micro) with_micro=1 ;;
                --hops) hops=1 ;;
                --no-install) install=0 ;;
                --no-build) do_build=0 ;;
                --wan) wan=${2:?}; shift ;;
                --wan=*) wan=${1#*=} ;;
                --game-seconds) game_seconds=${2:?}; shift ;;
                -h|--help) usage; exit 0 ;;
                *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
        esac
        shift
done
case "$reps" in [1-9]|[1-9][0-9]) ;; *) echo "run.sh: --reps must be 1..99" >&2; exit 2 ;; esac
case "$wait_idle" in [0-9]|[0-9][0-9]|[0-9][0-9][0-9]) ;; *) echo "run.sh: --wait-idle must be 0..999" >&2; exit 2 ;; esac
case "$game_seconds" in ''|[0-9]|[0-9][0-9]|[0-9][0-9][0-9]) ;; *) echo "run.sh: --game-seconds must be 0..999" >&2; exit 2 ;; esac
# The emulated paths, as bench/wan-emu options: "A/B" is client->relay
# (upload) / relay->client (download). Loss applies in each direction. The
# bottleneck buffer holds one RTT at the direction's rate, at least 64 kB
# (the classic rule for a router's buffer; real access links often hold
# more). --realtime: the emulator's threads must wake on time on a busy
# machine (bench/wan-emu-check.sh measures it).
wan_profile_args() { # profile
        case $1 in
                cable) echo --rate 20M/200M --delay 7.5ms --loss 0.1 --buffer 64k/375k ;;
                dsl) echo --rate 10M/50M --delay 15ms --loss 0.2 --buffer 64k/188k ;;
                wifi) echo --rate 20M --delay 27.5ms --jitter 5ms --loss 1 --buffer 150k ;;
                far) echo --rate 100M --delay 75ms --buffer 1875k ;;
                *) return 1 ;;
        esac
}
# The 1200-byte UDP test offers a fixed rate the path can carry: 200 Mbit/s
# on the LAN (issue 6's test), 3/4 of the upload rate (client->LAN is the
# direction iperf3 sends) on an emulated path, where 200 Mbit/s would only
# measure the emulator's buffer overflowing.
wan_udp_rate() { # profile
        case $1 in
                cable) echo 15M ;;
                dsl) echo 7500K ;;
                wifi) echo 15M ;;
                far) echo 75M ;;
                *) echo 200M ;;
        esac
}
case $wan in
        lan) ;;
        *) wan_profile_args "$wan" >/dev/null || { echo "run.sh: unknown --wan profile '$wan' (lan, cable, dsl, wifi, far)" >&2; exit 2; } ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (network namespaces, TAP devices, apt-get)" >&2; exit 2; }

# Competitors first, lanparty last: its small-packet loss is also measured at
# the best competitor's packet rate, which must be known by then.
order=(wire n2n openvpn openvpn-relay tinc lanparty)
declare -A wanted=()
IFS=, read -r -a req <<<"$paths_arg"
for p in "${req[@]}"; do
        case " ${order[*]} " in *" $p "*) wanted[$p]=1 ;; *) echo "run.sh: unknown path '$p'" >&2; exit 2 ;; esac
done
paths=()
for p in "${order[@]}"; do [ -n "${wanted[$p]:-}" ] && paths+=("$p"); done

if [ "$quick" = 1 ]; then duration=3 pings=200 game_default=5; else duration=10 pings=1000 game_default=20; fi
game_seconds=${game_seconds:-$game_default}
udp_rate=${udp_rate:-$(wan_udp_rate "$wan")}
# The game stream: 60 packets/s of 64 bytes each way (a game's state
# updates), a ping every 50 ms beside it.
GAME_RATE=60 GAME_SIZE=64 GAME_PORT=5300 GAME_PING_INTERVAL=0.05
out=${out:-$build/bench-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out/raw" "$out/logs"
out=$(cd "$out" && pwd)
E2E_KEEP_TMP=1 # topo_down between paths must not remove keys and logs; the final cleanup does

CLIENT_TAP_IP=$LAN_PREFIX.201
GW_LAN_IP=$LAN_PREFIX.2      # the gateway's own LAN address, wire path only
IPERF_PORT=5201
log_level=${BENCH_LOG_LEVEL:-notice} # of the lanparty daemons; info or debug costs throughput

# ---- setup ---------------------------------------------------------------

need_pkgs() {
        local p missing=()
        for p in iperf3 ethtool iproute2 iputils-ping python3 openssl dbus procps "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        [ "$install" = 1 ] || { log "missing packages (no --no-install to get them): ${missing[*]}"; return 1; }
        log "installing: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pkgs=()
[ "$hops" = 1 ] && pkgs+=(tcpdump)
for p in "${paths[@]}"; do
        case $p in
                n2n) pkgs+=(n2n) ;;
                openvpn | openvpn-relay) pkgs+=(openvpn) ;;
                tinc) pkgs+=(tinc) ;;
                lanparty) pkgs+=(dbus) ;;
        esac
done
need_pkgs "${pkgs[@]}" || { log "FAIL: could not install the needed packages"; exit 1; }
if [ -n "${wanted[lanparty]:-}" ] && [ "$install" = 1 ]; then
        "$ROOT/tools/install-deps.sh" build || { log "FAIL: could not install the build dependencies"; exit 1; }
fi
if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
        if [ "$install" = 1 ]; then
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-matplotlib \
                        >/dev/null 2>&1 || log "note: python3-matplotlib could not be installed; no RTT plot"
        else
                log "note: python3-matplotlib not installed; no RTT plot"
        fi
fi

if [ -n "${wanted[lanparty]:-}" ] && [ "$do_build" = 1 ]; then
        if [ ! -f "$build/build.ninja" ]; then
                log "configuring a release build in $build"
                meson setup "$build" "$ROOT" -Dbuildtype=release >"$out/logs/meson.log" 2>&1 ||
                        { tail -20 "$out/logs/meson.log"; log "FAIL: meson setup"; exit 1; }
        fi
        log "building lanparty in $build"
        ninja -C "$build" src/relayd/lanparty-relayd src/gatewayd/lanparty-gatewayd src/client/lanparty-client \
                >"$out/logs/ninja.log" 2>&1 || { tail -20 "$out/logs/ninja.log"; log "FAIL: build"; exit 1; }
        "$PY" -c 'import json,sys; o={x["name"]:x["value"] for x in json.load(open(sys.argv[1]))}; sys.exit(o["buildtype"]!="release")' \
                "$build/meson-info/intro-buildoptions.json" ||
                log "warning: $build is not a release build; numbers will be low"
fi
# The benchmark's own tools: the WAN emulator (--wan) and the game stream.
bench_tools=()
[ "$wan" != lan ] && bench_tools+=(bench/wan-emu)
[ "$game_seconds" -gt 0 ] && bench_tools+=(bench/game-stream)
if [ ${#bench_tools[@]} -gt 0 ]; then
        if [ "$do_build" = 1 ]; then
                if [ ! -f "$build/build.ninja" ]; then
                        log "configuring a release build in $build"
                        meson setup "$build" "$ROOT" -Dbuildtype=release >"$out/logs/meson.log" 2>&1 ||
                                { tail -20 "$out/logs/meson.log"; log "FAIL: meson setup"; exit 1; }
                fi
                ninja -C "$build" "${bench_tools[@]}" >"$out/logs/ninja-bench-tools.log" 2>&1 ||
                        { tail -20 "$out/logs/ninja-bench-tools.log"; log "FAIL: build of ${bench_tools[*]}"; exit 1; }
        fi
        for b in "${bench_tools[@]}"; do
                [ -x "$build/$b" ] || { log "FAIL: not built: $build/$b"; exit 1; }
        done
fi
if [ "$wan" != lan ]; then E2E_WAN=1; fi # tests/e2e/lib.sh: client 1's cable through $NS_WAN
relayd=$build/src/relayd/lanparty-relayd
gatewayd=$build/src/gatewayd/lanparty-gatewayd
client=$build/src/client/lanparty-client
if [ -n "${wanted[lanparty]:-}" ]; then
        for b in "$relayd" "$gatewayd" "$client"; do
                [ -x "$b" ] || { log "FAIL: not built: $b"; exit 1; }
        done
fi

# ---- cleanup: every process, every namespace, even on ^C -----------------

SAMPLER_PID=
WAN_EMU_PID=
cleanup() {
        local rc=$?
        set +e
        [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
        # Keep what the daemons said: it explains a broken path.
        path_down "${current_path:-end}" >/dev/null 2>&1
        rm -rf "$E2E_TMP"
        exit "$rc"
}
trap cleanup EXIT

# The emulated internet between client and relay (--wan), before the path's
# daemons: they connect across it.
wan_up() {
        local args
        read -r -a args <<<"$(wan_profile_args "$wan")"
        # 64k frame slots (~100 MiB per direction at most, touched only as
        # used): the far profile's buffer and delay line hold ~47k 64-byte
        # frames, and the buffer, not the pool, must be what drops them.
        bg wan-emu "$NS_WAN" "$build/bench/wan-emu" --realtime 10 --max-frames 65536 "${args[@]}" wan-c1 wan-relay
        WAN_EMU_PID=$BG_PID
        wait_for 5 "the WAN emulator" grep -q '^running' "$E2E_TMP/wan-emu.log"
}
# It prints its counters (drops by reason, lateness) when it stops: before
# the logs are kept.
wan_down() {
        [ -n "$WAN_EMU_PID" ] || return 0
        kill -TERM "$WAN_EMU_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$WAN_EMU_PID" 2>/dev/null || break; sleep 0.1; done
        wait "$WAN_EMU_PID" 2>/dev/null
        WAN_EMU_PID=
}

# After a path: its processes and namespaces go, its logs are kept (per path).
path_down() { # path
        local f
        wan_down
        for f in "$E2E_TMP"/*.log; do
                [ -f "$f" ] && mv "$f" "$out/logs/$1-$(basename "$f")"
        done
        topo_down
        set +e
        E2E_PIDS=()
}

# A bridge in the gateway namespace joins the LAN cable (eth0) and a tunnel's
# TAP: the tunnel's remote end becomes a port of the party LAN.
gw_bridge() { # tap
        nsx "$NS_GW" ip link show br-gw >/dev/null 2>&1 || {
                nsx "$NS_GW" ip link add br-gw type bridge
                nsx "$NS_GW" ip link set eth0 master br-gw
                nsx "$NS_GW" ip link set br-gw up
        }
        nsx "$NS_GW" ip addr flush dev "$1"
        nsx "$NS_GW" ip link set "$1" master br-gw
        nsx "$NS_GW" ip link set "$1" up
}

dev_exists() { nsx "$1" ip link show "$2"; }
can_ping() { nsx "$NS_C1" ping -c 1 -W 1 "$LAN_HOST"; }

# Each path_up_* starts its daemons, leaves the client namespace able to reach
# $LAN_HOST, and fills DAEMONS (name=pid) and PATH_INFO (key=value lines).
DAEMONS=()
PATH_INFO=

path_up_wire() {
        # Plain IP forwarding along the same cables: client -> relay ns (router)
        # -> gateway ns (router) -> LAN. No tunnel, no userspace hop.
        nsx "$NS_RELAY" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
                net.ipv4.conf.br-inet.send_redirects=0
        nsx "$NS_RELAY" ip route add "$LAN_PREFIX.0/24" via "$GW_WAN_IP"
        nsx "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
        nsx "$NS_GW" ip addr add "$GW_LAN_IP/24" dev eth0
        nsx "$NS_LANHOST" ip route add "$INET_PREFIX.0/24" via "$GW_LAN_IP"
        nsx "$NS_C1" sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.wan0.accept_redirects=0
        CLIENT_IF=wan0
        PATH_INFO="version=linux $(uname -r)
transport=IP forwarding in the relay and gateway namespaces"
}

path_up_lanparty() {
        local bus=unix:path=$E2E_TMP/bus pin invite port=4433
        bus_conf_write "$E2E_TMP/bus.conf" "$bus" eavesdrop
        rm -f "$E2E_TMP/bus"
        bg dbus "$NS_RELAY" dbus-daemon --config-file="$E2E_TMP/bus.conf" --nofork --nopidfile --nosyslog
        wait_for 10 "the private bus" test -S "$E2E_TMP/bus" || return 1
        [ -s "$E2E_TMP/gateway-tokens" ] || { head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$E2E_TMP/gateway-tokens"; }
        chmod 600 "$E2E_TMP/gateway-tokens"
        # The bandwidth limit per client (default 1 Gbit/s) is a policy, not the
        # data path: off, like the competitors have none.
        bg relayd "$NS_RELAY" env LANPARTY_LOG_LEVEL="$log_level" "$relayd" --listen "$RELAY_IP:$port" \
                --dev-cert-dir "$E2E_TMP/relay-cert" --state-dir "$E2E_TMP/relay-state" \
                --gateway-token-file "$E2E_TMP/gateway-tokens" --bus-address "$bus" --rate-bandwidth 0
        DAEMONS+=("relayd=$BG_PID")
        wait_for 15 "the relay on D-Bus" timeout 5 busctl --address="$bus" introspect org.lanparty.Relay1 \
                /org/lanparty/Relay1 || return 1
        pin=$(openssl x509 -in "$E2E_TMP/relay-cert/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
                openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')
        local gw_args=(--interface eth0 --relay "$RELAY_IP:$port" --room bench --pin "$pin"
                --gateway-token-file "$E2E_TMP/gateway-tokens" --state-dir "$E2E_TMP/gw-state" --name bench)
        invite=$(nsx "$NS_GW" "$gatewayd" --print-invite "${gw_args[@]}") || return 1
        bg gatewayd "$NS_GW" env LANPARTY_LOG_LEVEL="$log_level" "$gatewayd" "${gw_args[@]}" --bus-address "$bus"
        DAEMONS+=("gatewayd=$BG_PID")
        gw_in_room() {
                timeout 5 busctl --address="$bus" get-property org.lanparty.Relay1 /org/lanparty/Relay1/room/bench \
                        org.lanparty.Relay1.Room GatewayPresent | grep -q true
        }
        wait_for 20 "the gateway to open the room" gw_in_room || return 1
        bg client "$NS_C1" env LANPARTY_LOG_LEVEL="$log_level" "$client" --tap lp0 --state-dir "$E2E_TMP/c1-state" \
                --name bench "$invite"
        DAEMONS+=("client=$BG_PID")
        tap_up() { nsx "$NS_C1" ip link show lp0 | grep -q LOWER_UP; }
        wait_for 20 "the client's TAP" tap_up || return 1
        # A static address like the other tunnels get (DHCP through the tunnel
        # is the e2e test's business); same target, same subnet for all paths.
        nsx "$NS_C1" ip addr add "$CLIENT_TAP_IP/24" dev lp0
        CLIENT_IF=lp0
        LANPARTY_BUS=$bus
        PATH_INFO="version=$("$relayd" --version 2>&1 | head -1)
transport=QUIC DATAGRAMs through lanparty-relayd (userspace) in the relay namespace"
}

path_up_n2n() {
        local key community=bench port=7654
        key=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
        bg supernode "$NS_RELAY" supernode -l "$port"
        DAEMONS+=("supernode=$BG_PID")
        sleep 0.5
        # n2n 1.x drops frames whose IP source is not the edge's own address
        # unless -r ("packet forwarding") is given: the gateway's edge needs it
        # to carry the LAN's frames. -a is required; the address on a bridged
        # TAP is removed again.
        bg edge-gw "$NS_GW" env N2N_KEY="$key" edge -r -d n2n0 -a "$LAN_PREFIX.250" -s 255.255.255.0 \
                -c "$community" -l "$RELAY_IP:$port" -m 02:00:5e:10:00:02
        DAEMONS+=("edge-gw=$BG_PID")
        wait_for 10 "the gateway's n2n0" dev_exists "$NS_GW" n2n0 || return 1
        gw_bridge n2n0
        bg edge-client "$NS_C1" env N2N_KEY="$key" edge -r -d n2n0 -a "$CLIENT_TAP_IP" -s 255.255.255.0 \
                -c "$community" -l "$RELAY_IP:$port" -m 02:00:5e:10:00:0b
        DAEMONS+=("edge-client=$BG_PID")
        wait_for 10 "the client's n2n0" dev_exists "$NS_C1" n2n0 || return 1
        # The edge configures its TAP with ifconfig, racing us: make sure.
        nsx "$NS_C1" ip addr replace "$CLIENT_TAP_IP/24" dev n2n0
        nsx "$NS_C1" ip link set n2n0 up
        CLIENT_IF=n2n0
        PATH_INFO="version=n2n $(dpkg-query -W -f='${Version}' n2n)
transport=n2n 1.x edges (UDP, LZO compression, Twofish) with the supernode in the relay namespace"
}

# A small PKI: TLS mode with its AES-GCM data channel is how OpenVPN is
# deployed (static-key mode is deprecated and slower).
openvpn_pki() { # dir
        local d=$1 n
        mkdir -p "$d"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=bench-ca \
                -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null || return 1
        for n in server gw client; do
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$n" \
                        -keyout "$d/$n.key" -out "$d/$n.csr" 2>/dev/null &&
                        openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
                                -days 2 -out "$d/$n.crt" 2>/dev/null || return 1
        done
}
OPENVPN_COMMON=(--dev ovpn0 --dev-type tap --proto udp --tun-mtu 1400 --verb 3
        --data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305)

# The client's end of either OpenVPN path: TAP ovpn0 with the static address.
openvpn_client_up() { # dir, openvpn args...
        local d=$1; shift
        bg openvpn-client "$NS_C1" openvpn "${OPENVPN_COMMON[@]}" --ca "$d/ca.crt" --cert "$d/client.crt" \
                --key "$d/client.key" --nobind "$@"
        DAEMONS+=("openvpn-client=$BG_PID")
        wait_for 10 "the client's ovpn0" dev_exists "$NS_C1" ovpn0 || return 1
        nsx "$NS_C1" ip link set ovpn0 mtu 1400
        nsx "$NS_C1" ip addr add "$CLIENT_TAP_IP/24" dev ovpn0
        nsx "$NS_C1" ip link set ovpn0 up
        wait_for 20 "the OpenVPN handshake" grep -q "Initialization Sequence Completed" "$E2E_TMP/openvpn-client.log"
}

path_up_openvpn() {
        local d=$E2E_TMP/openvpn
        openvpn_pki "$d" || return 1
        # No relay role in OpenVPN: the server runs on the gateway, its TAP bridged
        # into the LAN; the client reaches it across the relay namespace's bridge.
        bg openvpn-gw "$NS_GW" openvpn "${OPENVPN_COMMON[@]}" --ca "$d/ca.crt" --tls-server --dh none --cert "$d/server.crt" \
                --key "$d/server.key" --local "$GW_WAN_IP" --lport 1194 --float
        DAEMONS+=("openvpn-gw=$BG_PID")
        wait_for 10 "the gateway's ovpn0" dev_exists "$NS_GW" ovpn0 || return 1
        # Without --ifconfig OpenVPN leaves the TAP's MTU at 1500; match --tun-mtu.
        nsx "$NS_GW" ip link set ovpn0 mtu 1400
        gw_bridge ovpn0
        openvpn_client_up "$d" --tls-client --remote "$GW_WAN_IP" 1194 || return 1
        CLIENT_IF=ovpn0
        PATH_INFO="version=$(openvpn --version | head -1 | cut -d' ' -f1-2)
transport=OpenVPN p2p TLS mode, UDP, server on the gateway (no relay role)"
}

# OpenVPN with the same hops as lanparty: the server in the relay namespace
# (server mode, client-to-client: it switches frames between its clients
# itself, learning their MACs), the gateway and the player its clients; the
# gateway's TAP bridged with eth0. The server's own TAP carries nothing.
path_up_openvpn-relay() {
        local d=$E2E_TMP/openvpn
        openvpn_pki "$d" || return 1
        bg openvpn-server "$NS_RELAY" openvpn "${OPENVPN_COMMON[@]}" --ca "$d/ca.crt" --mode server --tls-server \
                --dh none --cert "$d/server.crt" --key "$d/server.key" --local "$RELAY_IP" --lport 1194 \
                --client-to-client --keepalive 10 60
        DAEMONS+=("openvpn-server=$BG_PID")
        wait_for 10 "the relay's ovpn0" dev_exists "$NS_RELAY" ovpn0 || return 1
        nsx "$NS_RELAY" ip link set ovpn0 up
        bg openvpn-gw "$NS_GW" openvpn "${OPENVPN_COMMON[@]}" --ca "$d/ca.crt" --client --cert "$d/gw.crt" \
                --key "$d/gw.key" --remote "$RELAY_IP" 1194 --nobind
        DAEMONS+=("openvpn-gw=$BG_PID")
        wait_for 10 "the gateway's ovpn0" dev_exists "$NS_GW" ovpn0 || return 1
        nsx "$NS_GW" ip link set ovpn0 mtu 1400
        gw_bridge ovpn0
        wait_for 20 "the gateway's OpenVPN handshake" grep -q "Initialization Sequence Completed" \
                "$E2E_TMP/openvpn-gw.log" || return 1
        openvpn_client_up "$d" --client --remote "$RELAY_IP" 1194 || return 1
        CLIENT_IF=ovpn0
        PATH_INFO="version=$(openvpn --version | head -1 | cut -d' ' -f1-2)
transport=OpenVPN server mode with client-to-client in the relay namespace, gateway and client its clients (UDP)"
}

path_up_tinc() {
        local d=$E2E_TMP/tinc n
        for n in relay gw client; do
                mkdir -p "$d/$n/hosts"
                openssl genrsa -traditional -out "$d/$n/rsa_key.priv" 2048 2>/dev/null || return 1
        done
        for n in relay gw client; do
                {
                        [ "$n" = relay ] && echo "Address = $RELAY_IP"
                        # Nobody talks to gw or client directly: their
                        # frames go through the relay node, as lanparty's
                        # go through lanparty-relayd.
                        [ "$n" != relay ] && echo "IndirectData = yes"
                        # tinc 1.0 defaults to Blowfish/SHA-1; OpenSSL 3 has dropped Blowfish.
                        echo "Cipher = aes-256-cbc"
                        echo "Digest = sha256"
                        openssl rsa -in "$d/$n/rsa_key.priv" -RSAPublicKey_out 2>/dev/null
                } >"$d/$n.host"
        done
        for n in relay gw client; do
                cp "$d/relay.host" "$d/$n/hosts/relay"
                cp "$d/gw.host" "$d/$n/hosts/gw"
                cp "$d/client.host" "$d/$n/hosts/client"
                {
                        echo "Name = $n"
                        echo "Mode = switch"
                        echo "Interface = tinc0"
                        echo "AddressFamily = ipv4"
                        [ "$n" != relay ] && echo "ConnectTo = relay"
                } >"$d/$n/tinc.conf"
        done
        bg tincd-relay "$NS_RELAY" tincd -c "$d/relay" -D -d1 --pidfile="$d/relay.pid"
        DAEMONS+=("tincd-relay=$BG_PID")
        wait_for 10 "the relay's tinc0" dev_exists "$NS_RELAY" tinc0 || return 1
        nsx "$NS_RELAY" ip link set tinc0 up
        bg tincd-gw "$NS_GW" tincd -c "$d/gw" -D -d1 --pidfile="$d/gw.pid"
        DAEMONS+=("tincd-gw=$BG_PID")
        wait_for 10 "the gateway's tinc0" dev_exists "$NS_GW" tinc0 || return 1
        gw_bridge tinc0
        bg tincd-client "$NS_C1" tincd -c "$d/client" -D -d1 --pidfile="$d/client.pid"
        DAEMONS+=("tincd-client=$BG_PID")
        wait_for 10 "the client's tinc0" dev_exists "$NS_C1" tinc0 || return 1
        # tinc forwards frames larger than the path MTU over its TCP meta
        # connection; a TAP MTU that fits in one UDP packet avoids that.
        nsx "$NS_C1" ip link set tinc0 mtu 1400
        nsx "$NS_C1" ip addr add "$CLIENT_TAP_IP/24" dev tinc0
        nsx "$NS_C1" ip link set tinc0 up
        CLIENT_IF=tinc0
        PATH_INFO="version=$(tincd --version | head -1)
transport=tinc switch mode, nodes in relay, gateway and client namespaces; IndirectData: every frame through the relay node"
}

# What relay and gateway counted (drops by reason, RTT, ...): the daemons'
# own view, kept next to the figures.
path_state_lanparty() { # file
        local obj gw
        {
                for obj in $(timeout 5 busctl --address="$LANPARTY_BUS" --list tree org.lanparty.Relay1 2>/dev/null); do
                        echo "== org.lanparty.Relay1 $obj"
                        timeout 5 busctl --address="$LANPARTY_BUS" introspect org.lanparty.Relay1 "$obj" 2>/dev/null |
                                grep -E '^\.[A-Z].* property '
                done
                gw=$(timeout 5 busctl --address="$LANPARTY_BUS" --list 2>/dev/null | awk '/org.lanparty.Gateway1/ {print $1; exit}')
                if [ -n "$gw" ]; then
                        echo "== $gw /org/lanparty/Gateway1"
                        timeout 5 busctl --address="$LANPARTY_BUS" introspect "$gw" /org/lanparty/Gateway1 2>/dev/null |
                                grep -E '^\.[A-Z].* property '
                fi
        } >"$1" 2>&1
}

# ---- measurements --------------------------------------------------------

# iperf3 client in the client namespace against the server on the LAN host.
# Bounded by timeout (--foreground: a ^C reaches iperf3 at once). The server
# refuses a client while it still winds down the previous test, so a refused
# run is tried once more; a run that still fails leaves its error JSON
# behind and counts as a failed sample, not a broken harness.
iperf() { # outfile, iperf3 args...
        local f=$1 attempt rc; shift
        for attempt in 1 2; do
                sleep 0.5
                nsx "$NS_C1" timeout --foreground $((duration + 20)) iperf3 -c "$LAN_HOST" -p "$IPERF_PORT" \
                        -t "$duration" -J --connect-timeout 5000 "$@" >"$f" 2>"$f.err"
                rc=$?
                [ $rc -eq 0 ] && ! grep -q '"error"' "$f" && return 0
                [ $attempt = 1 ] && sleep 1
        done
        log "  iperf3 $* failed, exit $rc (see $f)"
        return 0
}

sampler_start() { # outfile
        local d args=()
        for d in "${DAEMONS[@]}"; do args+=("$d"); done
        "$PY" "$BENCH_DIR/sample-proc.py" "$1" 0.5 "${args[@]}" &
        SAMPLER_PID=$!
}
sampler_stop() {
        kill "$SAMPLER_PID" 2>/dev/null
        wait "$SAMPLER_PID" 2>/dev/null
        SAMPLER_PID=
}

# The machine's busy time (of ncpu x 100%) over one second while this path
# idles: other work on the machine skews every figure, so it is recorded.
background_busy() {
        local a b
        a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
        awk -v n="$(nproc)" -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
                split(a, x); split(b, y); busy = 0; total = 0
                for (i = 2; i <= 9; i++) { d = y[i] - x[i]; total += d; if (i != 5 && i != 6) busy += d }
                printf "%.0f", total ? 100 * n * busy / total : 0 }'
}

summary() { "$PY" "$BENCH_DIR/report.py" one "$@" 2>&1; }

measure_path() { # path
        local p=$1 dir=$out/raw/$1 rep best_pps rate
        mkdir -p "$dir"
        local idle deadline=$((SECONDS + wait_idle))
        idle=$(background_busy)
        while [ "$idle" -gt 20 ] && [ $SECONDS -lt $deadline ]; do
                log "[$p] the machine is ${idle}% busy with other work; waiting (up to ${wait_idle}s) for it to calm down"
                sleep 4
                idle=$(background_busy)
        done
        [ "$idle" -le 20 ] || log "[$p] warning: the machine is ${idle}% busy before the test (other work running?); figures will be noisy"
        printf '%s\n' "$PATH_INFO" "client_if=$CLIENT_IF" "background_busy_pct=$idle" \
                "relay_udp_per_ping=${relay_udp_per_ping:-}" \
                "client_mtu=$(nsx "$NS_C1" cat /sys/class/net/"$CLIENT_IF"/mtu)" \
                "daemons=${DAEMONS[*]}" >"$dir/meta.txt"
        bg iperf3-server "$NS_LANHOST" iperf3 -s -B "$LAN_HOST" -p "$IPERF_PORT"
        iperf_listening() { nsx "$NS_LANHOST" ss -Hltn "sport = :$IPERF_PORT" | grep -q LISTEN; }
        wait_for 10 "the iperf3 server" iperf_listening || return 1
        sleep 0.3
        for rep in $(seq 1 "$reps"); do
                sampler_start "$dir/proc-tcp_up-$rep.json"
                iperf "$dir/tcp_up-$rep.json"
                sampler_stop
                log "[$p] TCP client->LAN   $rep/$reps: $(summary tcp "$dir/tcp_up-$rep.json" "$dir/proc-tcp_up-$rep.json")"
        done
        for rep in $(seq 1 "$reps"); do
                sampler_start "$dir/proc-tcp_down-$rep.json"
                iperf "$dir/tcp_down-$rep.json" -R
                sampler_stop
                log "[$p] TCP LAN->client   $rep/$reps: $(summary tcp "$dir/tcp_down-$rep.json" "$dir/proc-tcp_down-$rep.json")"
        done
        for rep in $(seq 1 "$reps"); do
                iperf "$dir/udp-$rep.json" -u -l 1200 -b "$udp_rate"
                log "[$p] UDP 1200 B @$udp_rate $rep/$reps: $(summary udp "$dir/udp-$rep.json")"
        done
        for rep in $(seq 1 "$reps"); do
                sampler_start "$dir/proc-small-$rep.json"
                iperf "$dir/small-$rep.json" -u -l 64 -b "$small_rate"
                sampler_stop
                log "[$p] UDP 64 B @$small_rate $rep/$reps: $(summary udp "$dir/small-$rep.json" "$dir/proc-small-$rep.json")"
        done
        if [ "$p" = lanparty ]; then
                best_pps=$("$PY" "$BENCH_DIR/report.py" best-small-pps "$out")
                if [ -n "$best_pps" ] && [ "$best_pps" -gt 0 ]; then
                        rate=$((best_pps * 64 * 8))
                        echo "$best_pps" >"$dir/small_at_best.pps"
                        for rep in $(seq 1 "$reps"); do
                                iperf "$dir/small_at_best-$rep.json" -u -l 64 -b "$rate"
                                log "[$p] UDP 64 B @best competitor's ${best_pps} pkt/s $rep/$reps: $(summary udp "$dir/small_at_best-$rep.json")"
                        done
                else
                        log "[$p] no competitor measured in this run: no loss test at its packet rate"
                fi
        fi
        for rep in $(seq 1 "$reps"); do
                # -i 0.01 needs root; -W bounds the wait for the last
                # replies, timeout (SIGINT: ping still prints its summary)
                # the whole run. Not -w: with it ping sends until it has
                # $pings replies, and the ones in flight at the end count
                # as lost (5% at 150 ms RTT).
                nsx "$NS_C1" timeout -s INT $((pings / 50 + 10)) ping -n -i 0.01 -c "$pings" -W 1 "$LAN_HOST" \
                        >"$dir/ping-$rep.txt" 2>&1
                log "[$p] ping x$pings @10ms  $rep/$reps: $(summary ping "$dir/ping-$rep.txt")"
        done
        [ "$game_seconds" -gt 0 ] && measure_game "$p" "$dir"
        [ "$hops" = 1 ] && measure_hops "$p" "$dir"
        return 0
}

# ---- the game stream during bulk transfers (issue 16) ----------------------

# One phase: bench/game-stream (60 Hz, echoed by the LAN host) and a ping
# every 50 ms for game_seconds, alone ("idle") or while iperf3 moves bulk
# TCP through the same path LAN->client ("down") or client->LAN ("up").
# The bulk transfer starts 2 s early, so the stream meets it past slow start.
game_phase() { # dir phase rep
        local dir=$1 ph=$2 rep=$3 bulk_pid= echo_pid ping_pid lead=2 n
        bg game-echo "$NS_LANHOST" "$build/bench/game-stream" echo --listen "$LAN_HOST:$GAME_PORT"
        echo_pid=$BG_PID
        wait_for 5 "the game stream's echo" grep -q echoing "$E2E_TMP/game-echo.log"
        if [ "$ph" != idle ]; then
                local rev=()
                [ "$ph" = down ] && rev=(-R)
                # The server refuses a client while it winds down the
                # previous test (see iperf); a failed bulk transfer makes
                # the phase count for nothing in the report.
                sleep 0.5
                nsx "$NS_C1" timeout --foreground $((game_seconds + lead + 25)) iperf3 -c "$LAN_HOST" -p "$IPERF_PORT" \
                        -t $((game_seconds + lead + 2)) -J --connect-timeout 5000 "${rev[@]}" \
                        >"$dir/bulk-$ph-$rep.json" 2>"$dir/bulk-$ph-$rep.json.err" &
                bulk_pid=$!
                sleep "$lead"
        fi
        n=$(awk -v s="$game_seconds" -v i="$GAME_PING_INTERVAL" 'BEGIN { printf "%d", s / i }')
        nsx "$NS_C1" timeout -s INT $((game_seconds + 5)) ping -n -i "$GAME_PING_INTERVAL" -c "$n" -W 1 "$LAN_HOST" \
                >"$dir/gping-$ph-$rep.txt" 2>&1 &
        ping_pid=$!
        nsx "$NS_C1" timeout $((game_seconds + 10)) "$build/bench/game-stream" send --to "$LAN_HOST:$GAME_PORT" \
                --rate "$GAME_RATE" --size "$GAME_SIZE" --duration "$game_seconds" --linger 1 \
                --out "$dir/game-$ph-$rep.txt" 2>>"$E2E_TMP/game-send.log"
        wait "$ping_pid"
        [ -z "$bulk_pid" ] || wait "$bulk_pid"
        kill "$echo_pid" 2>/dev/null
        wait "$echo_pid" 2>/dev/null
        cat "$E2E_TMP/game-echo.log" >>"$E2E_TMP/game-echo-all.log"
}

measure_game() { # path dir
        local p=$1 dir=$2 rep ph
        for rep in $(seq 1 "$reps"); do
                for ph in idle down up; do
                        game_phase "$dir" "$ph" "$rep"
                        log "[$p] game stream, $ph $rep/$reps: $(summary game "$dir/game-$ph-$rep.txt")"
                        log "[$p]   ping @${GAME_PING_INTERVAL}s, $ph: $(summary ping "$dir/gping-$ph-$rep.txt")"
                        [ "$ph" = idle ] || log "[$p]   bulk $ph: $(summary tcp "$dir/bulk-$ph-$rep.json")"
                done
        done
}

# ---- the hops a path takes --------------------------------------------------

# UDP datagrams the relay namespace's own stack received per ping: 2 or
# more when a process there carries the path (lanparty's relay, n2n's
# supernode, tinc's relay node with IndirectData, OpenVPN's server in the
# relay namespace), 0 when the namespace only bridges or routes the packets
# (the wire, OpenVPN peer to peer). Proves every tunnel with a relay really
# sends its traffic through it.
relay_udp_in() {
        nsx "$NS_RELAY" awk '/^Udp:/ { if (h) { print $2; exit } h = 1 }' /proc/net/snmp
}
relay_hop_check() { # dir
        local a b n=100
        a=$(relay_udp_in)
        nsx "$NS_C1" ping -n -q -i 0.01 -c "$n" -W 1 "$LAN_HOST" >/dev/null 2>&1
        b=$(relay_udp_in)
        awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n }'
}

# ---- latency per hop (--hops) ---------------------------------------------

# Where a ping's request passes, client side first: "namespace|interface|
# kind|label", kind icmp (the ping itself) or udp (the tunnel carrying it).
hops_points_wire() {
        printf '%s\n' "$NS_C1|wan0|icmp|client" "$NS_RELAY|inet-c1|icmp|relay ns in" \
                "$NS_RELAY|inet-gw|icmp|relay ns out" "$NS_GW|wan0|icmp|gateway ns in" "$NS_GW|eth0|icmp|LAN"
}
hops_points_lanparty() {
        printf '%s\n' "$NS_C1|lp0|icmp|client TAP" "$NS_C1|wan0|udp|client out" "$NS_RELAY|inet-c1|udp|relay in" \
                "$NS_RELAY|inet-gw|udp|relay out" "$NS_GW|wan0|udp|gateway in" "$NS_GW|eth0|icmp|LAN"
}
# The peer-to-peer tunnels: client, the relay namespace's bridge, gateway.
hops_points_p2p() { # client TAP
        printf '%s\n' "$NS_C1|$1|icmp|client TAP" "$NS_C1|wan0|udp|client out" "$NS_RELAY|inet-c1|udp|relay ns in" \
                "$NS_GW|wan0|udp|gateway in" "$NS_GW|eth0|icmp|LAN"
}
# The tunnels through a process in the relay namespace, like lanparty.
hops_points_relayed() { # client TAP
        printf '%s\n' "$NS_C1|$1|icmp|client TAP" "$NS_C1|wan0|udp|client out" "$NS_RELAY|inet-c1|udp|relay in" \
                "$NS_RELAY|inet-gw|udp|relay out" "$NS_GW|wan0|udp|gateway in" "$NS_GW|eth0|icmp|LAN"
}
hops_points_openvpn() { hops_points_p2p ovpn0; }
hops_points_openvpn-relay() { hops_points_relayed ovpn0; }
hops_points_tinc() { hops_points_relayed tinc0; }
hops_points_n2n() { hops_points_p2p n2n0; }

# Captures on every point while pinging, twice: 20 ms apart (each process
# on the way wakes from idleness) and 1 ms apart (they stay warm). tcpdump
# costs time itself, so this runs after the path's measured tests.
measure_hops() { # path dir
        local p=$1 dir=$2 mode name interval count i ns ifc kind label filter
        local points=() labels=() pids=()
        declare -F "hops_points_$p" >/dev/null || return 0
        mapfile -t points < <("hops_points_$p")
        for mode in idle:0.02:200 warm:0.001:500; do
                IFS=: read -r name interval count <<<"$mode"
                mkdir -p "$dir/hops-$name"
                labels=() pids=()
                for i in "${!points[@]}"; do
                        IFS='|' read -r ns ifc kind label <<<"${points[$i]}"
                        labels+=("$label")
                        # Tunnel packets that carry a ping are > 100 bytes; ACKs
                        # and keepalives are smaller.
                        filter=icmp
                        [ "$kind" = udp ] && filter="udp and greater 100"
                        timeout 120 ip netns exec "$ns" tcpdump -i "$ifc" -n -tt -l -Q inout $filter \
                                >"$dir/hops-$name/point-$i.txt" 2>/dev/null &
                        pids+=($!)
                done
                sleep 1.5
                nsx "$NS_C1" ping -n -q -i "$interval" -c "$count" -W 1 -w 30 "$LAN_HOST" \
                        >"$dir/hops-$name/ping.txt" 2>&1
                sleep 0.5
                kill "${pids[@]}" 2>/dev/null
                wait "${pids[@]}" 2>/dev/null
                {
                        echo "### $p, pings ${interval} s apart ($name)"
                        echo
                        "$PY" "$BENCH_DIR/hops.py" "$dir/hops-$name" "${labels[@]}"
                        echo
                } >>"$out/hops.md" 2>&1
                log "[$p] latency per hop, pings ${interval} s apart: see $out/hops.md"
        done
}

# ---- main ----------------------------------------------------------------

{
        echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "host=$(uname -n)"
        echo "kernel=$(uname -r)"
        echo "cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
        echo "ncpu=$(nproc)"
        echo "quick=$quick"
        echo "reps=$reps"
        echo "duration=$duration"
        echo "pings=$pings"
        echo "udp_rate=$udp_rate"
        echo "small_rate=$small_rate"
        echo "paths=${paths[*]}"
        echo "tcp_cc=$(sysctl -n net.ipv4.tcp_congestion_control)"
        echo "wan=$wan"
        echo "game_seconds=$game_seconds"
        echo "game_rate=$GAME_RATE"
        echo "game_size=$GAME_SIZE"
        echo "game_ping_interval=$GAME_PING_INTERVAL"
        [ "$wan" = lan ] || echo "wan_args=$(wan_profile_args "$wan")"
        echo "git=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
        echo "iperf3=$(iperf3 --version 2>&1 | head -1)"
        if [ -f "$build/meson-info/intro-dependencies.json" ]; then
                # Which ngtcp2 and QUIC congestion controller lanparty was built with.
                "$PY" -c 'import json,sys
d={x["name"]:x["version"] for x in json.load(open(sys.argv[1]))}
o={x["name"]:x["value"] for x in json.load(open(sys.argv[2]))}
print("ngtcp2=" + d.get("libngtcp2", "unknown")); print("quic_cc=" + str(o.get("quic_cc", "cubic")))' \
                        "$build/meson-info/intro-dependencies.json" "$build/meson-info/intro-buildoptions.json" || :
        fi
} >"$out/run.txt"

log "benchmark: paths ${paths[*]}; WAN profile $wan${E2E_WAN:+ ($(wan_profile_args "$wan"))}; ${reps}x ${duration}s iperf3, ${reps}x $pings pings, ${reps}x 3x ${game_seconds}s game stream; results in $out"
failed=()
current_path=
for p in "${paths[@]}"; do
        [ -z "$current_path" ] || path_down "$current_path"
        current_path=$p
        DAEMONS=() PATH_INFO="" CLIENT_IF=""
        log "[$p] setting up a fresh topology"
        topo_up
        if [ "$wan" != lan ] && ! wan_up; then
                log "[$p] FAILED to start the WAN emulator; logs in $out/logs"
                failed+=("$p")
                continue
        fi
        if ! path_up_"$p"; then
                log "[$p] FAILED to set up; logs in $out/logs"
                failed+=("$p")
                continue
        fi
        if ! wait_for 30 "$p to carry a ping to the LAN host" can_ping; then
                log "[$p] FAILED: no ping through the path; logs in $out/logs"
                failed+=("$p")
                continue
        fi
        log "[$p] up: $CLIENT_IF, MTU $(nsx "$NS_C1" cat /sys/class/net/"$CLIENT_IF"/mtu)${DAEMONS[*]:+, daemons ${DAEMONS[*]}}"
        relay_udp_per_ping=$(relay_hop_check)
        log "[$p] UDP datagrams received in the relay namespace per ping: $relay_udp_per_ping"
        measure_path "$p" || { log "[$p] FAILED while measuring"; failed+=("$p"); }
        if declare -F "path_state_$p" >/dev/null; then "path_state_$p" "$out/logs/$p-state.txt"; fi
done
[ -z "$current_path" ] || path_down "$current_path" # the last path's daemons stop before the report
current_path=

if [ "$with_micro" = 1 ]; then
        if [ -x "$BENCH_DIR/relay-micro.sh" ]; then
                log "running bench/relay-micro.sh"
                BUILD_DIR=$build JSON_OUT=$out/relay-micro.json DURATION=$([ "$quick" = 1 ] && echo 2 || echo 5) \
                        timeout --foreground -k 10 1800 "$BENCH_DIR/relay-micro.sh" 2>&1 | tee "$out/relay-micro.txt"
                rc=${PIPESTATUS[0]}
                [ "$rc" = 0 ] || log "relay-micro.sh exited $rc (see $out/relay-micro.txt)"
        else
                log "note: --with-micro given but bench/relay-micro.sh does not exist (yet)"
        fi
fi

"$PY" "$BENCH_DIR/report.py" report "$out" || { log "FAIL: the report could not be made"; exit 1; }
extra=
[ "$hops" = 1 ] && extra=", $out/hops.md"
log "results: $out/results.md, $out/results.json$extra${failed[*]:+; FAILED paths: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ] || exit 1
exit 0
