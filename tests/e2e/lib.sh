# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end tests: a LAN party built from network
# namespaces and veth pairs that the test creates itself. Every address lives
# only inside these namespaces (RFC 5737 documentation ranges):
#   192.0.2.0/24     the party LAN (bridge in $NS_LAN, dnsmasq hands out .100-.150)
#   198.51.100.0/24  the "internet" between relay, gateway and clients
#
#   $NS_LANHOST ──┐                                  ┌── $NS_C1 (client 1)
#                 ├─ br0 ($NS_LAN, dnsmasq) ── $NS_GW ── br-inet ($NS_RELAY) ──┤
#                 │   (gatewayd's wired NIC)   (relayd)                     └── $NS_C2 (client 2)
#
# Source this file (it sources ../lib-test.sh: skip, fail and its
# fail_hook, wait_for), call topo_up, and `trap topo_down EXIT`. A TERM or INT
# (a test runner's timeout, ^C) becomes an ordinary exit so the trap runs.
#
# With E2E_WAN=1 set before topo_up (off by default), client 1's cable runs
# through one more namespace, $NS_WAN, for a WAN emulator (bench/wan-emu):
#   $NS_C1 wan0 ── wan-c1 ($NS_WAN) wan-relay ── inet-c1 (br-inet, $NS_RELAY)
# Nothing crosses $NS_WAN until the caller starts something there that
# bridges wan-c1 and wan-relay (bench/run.sh --wan does). Segmentation
# offloads are off along it: a WAN carries wire-sized packets.

set -u
source "$(dirname "${BASH_SOURCE[0]}")/../lib-test.sh"

E2E_ID=${E2E_ID:-lp$$}
NS_LAN=$E2E_ID-lan
NS_LANHOST=$E2E_ID-host
NS_GW=$E2E_ID-gw
NS_RELAY=$E2E_ID-relay
NS_C1=$E2E_ID-c1
NS_C2=$E2E_ID-c2
NS_WAN=$E2E_ID-wan # only with E2E_WAN=1
ALL_NS=("$NS_LAN" "$NS_LANHOST" "$NS_GW" "$NS_RELAY" "$NS_C1" "$NS_C2")

LAN_PREFIX=192.0.2
LAN_ROUTER=$LAN_PREFIX.1
LAN_HOST=$LAN_PREFIX.10
INET_PREFIX=198.51.100
RELAY_IP=$INET_PREFIX.1
GW_WAN_IP=$INET_PREFIX.2
C1_WAN_IP=$INET_PREFIX.11
C2_WAN_IP=$INET_PREFIX.12

E2E_TMP=${E2E_TMP:-$(mktemp -d /tmp/lanparty-e2e.XXXXXX)}
E2E_PIDS=()

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

nsx() { # namespace, command...
        local ns=$1; shift
        ip netns exec "$ns" "$@"
}

# Starts a background process in a namespace and remembers it for cleanup.
# Output goes to $E2E_TMP/<name>.log. Sets BG_PID.
bg() { # name, namespace, command...
        local name=$1 ns=$2; shift 2
        ip netns exec "$ns" "$@" >"$E2E_TMP/$name.log" 2>&1 &
        BG_PID=$!
        E2E_PIDS+=("$BG_PID")
        log "started $name (pid $BG_PID) in $ns"
}

veth_pair() { # ns_a, if_a, ns_b, if_b
        ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
        nsx "$1" ip link set "$2" up
        nsx "$3" ip link set "$4" up
}

topo_up() {
        local ns
        if [ "${E2E_WAN:-0}" = 1 ]; then
                case " ${ALL_NS[*]} " in *" $NS_WAN "*) ;; *) ALL_NS+=("$NS_WAN") ;; esac
        fi
        for ns in "${ALL_NS[@]}"; do
                ip netns add "$ns"
                nsx "$ns" ip link set lo up
        done

        # The party LAN: a bridge with the "router" address and dnsmasq.
        nsx "$NS_LAN" ip link add br0 type bridge
        nsx "$NS_LAN" ip link set br0 up
        nsx "$NS_LAN" ip addr add "$LAN_ROUTER/24" dev br0
        veth_pair "$NS_LAN" lan-host "$NS_LANHOST" eth0
        nsx "$NS_LAN" ip link set lan-host master br0
        nsx "$NS_LANHOST" ip addr add "$LAN_HOST/24" dev eth0
        nsx "$NS_LANHOST" ip route add default via "$LAN_ROUTER"
        veth_pair "$NS_LAN" lan-gw "$NS_GW" eth0
        nsx "$NS_LAN" ip link set lan-gw master br0
        # The gateway's "cable": a real NIC delivers wire-sized frames, but a
        # veth passes the LAN host's 64 KiB TSO/GSO segments through whole.
        # Without segmentation offload on this port the bridge cuts them to
        # MTU size, as a switch port would. Checksum offload stays on, so the
        # gateway still meets (and must complete) partial checksums. gso.sh
        # turns them back on: the gateway in a container, fed super-frames.
        nsx "$NS_LAN" ethtool -K lan-gw tso off gso off >/dev/null

        # The "internet": a bridge in the relay namespace.
        nsx "$NS_RELAY" ip link add br-inet type bridge
        nsx "$NS_RELAY" ip link set br-inet up
        nsx "$NS_RELAY" ip addr add "$RELAY_IP/24" dev br-inet
        veth_pair "$NS_RELAY" inet-gw "$NS_GW" wan0
        nsx "$NS_RELAY" ip link set inet-gw master br-inet
        nsx "$NS_GW" ip addr add "$GW_WAN_IP/24" dev wan0
        if [ "${E2E_WAN:-0}" = 1 ]; then
                # The emulator's own interfaces speak no IPv6 (no DAD, no RS).
                nsx "$NS_WAN" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
                veth_pair "$NS_RELAY" inet-c1 "$NS_WAN" wan-relay
                veth_pair "$NS_WAN" wan-c1 "$NS_C1" wan0
                nsx "$NS_C1" ethtool -K wan0 tso off gso off gro off tx-udp-segmentation off >/dev/null
                nsx "$NS_RELAY" ethtool -K inet-c1 tso off gso off gro off tx-udp-segmentation off >/dev/null
                nsx "$NS_WAN" ethtool -K wan-c1 gro off >/dev/null
                nsx "$NS_WAN" ethtool -K wan-relay gro off >/dev/null
        else
                veth_pair "$NS_RELAY" inet-c1 "$NS_C1" wan0
        fi
        nsx "$NS_RELAY" ip link set inet-c1 master br-inet
        nsx "$NS_C1" ip addr add "$C1_WAN_IP/24" dev wan0
        nsx "$NS_C1" ip route add default via "$RELAY_IP"
        veth_pair "$NS_RELAY" inet-c2 "$NS_C2" wan0
        nsx "$NS_RELAY" ip link set inet-c2 master br-inet
        nsx "$NS_C2" ip addr add "$C2_WAN_IP/24" dev wan0
        nsx "$NS_C2" ip route add default via "$RELAY_IP"

        # No IPv6 autoconf noise on the LAN bridge ports; keeps captures readable.
        for ns in "${ALL_NS[@]}"; do
                nsx "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 || true
        done
}

# Extra arguments go to dnsmasq (more options, router advertisements).
start_dnsmasq() {
        bg dnsmasq "$NS_LAN" dnsmasq --keep-in-foreground --no-resolv --no-hosts --port=0 \
                --conf-file=/dev/null --user=root --interface=br0 --bind-interfaces \
                --dhcp-range="$LAN_PREFIX.100,$LAN_PREFIX.150,255.255.255.0,1h" \
                --dhcp-option=option:router,"$LAN_ROUTER" --dhcp-authoritative \
                --dhcp-leasefile="$E2E_TMP/dnsmasq.leases" --pid-file="$E2E_TMP/dnsmasq.pid" --log-dhcp --log-facility=- \
                "$@"
        DNSMASQ_PID=$BG_PID
}

# The resolver file dhcp_lease's hook writes for a namespace, in place of
# its /etc/resolv.conf.
resolv_conf() { # namespace
        echo "$E2E_TMP/resolv-$1.conf"
}

# Gets a DHCP lease on an interface with dhclient, asking for what a PC asks
# for (routers, DNS, domains, classless routes) with our own dhclient.conf,
# and applying it with dhclient-hook.sh the way Debian's dhclient-script
# does, except that the resolver goes to $(resolv_conf NAMESPACE), never to
# the host's /etc/resolv.conf. Prints the leased address.
dhcp_lease() { # namespace, interface, timeout
        local ns=$1 ifname=$2 timeout=${3:-20} addr
        cat >"$E2E_TMP/dhclient.conf" <<-EOF
		option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
		option ms-classless-static-routes code 249 = array of unsigned integer 8;
		option wpad code 252 = text;
		request subnet-mask, broadcast-address, time-offset, routers, static-routes,
		        domain-name, domain-name-servers, domain-search, host-name, ntp-servers,
		        rfc3442-classless-static-routes, ms-classless-static-routes, wpad;
		EOF
        nsx "$ns" timeout "$timeout" dhclient -1 -4 -v -cf "$E2E_TMP/dhclient.conf" -sf "$E2E_DIR/dhclient-hook.sh" \
                -e RESOLV_CONF="$(resolv_conf "$ns")" \
                -lf "$E2E_TMP/dhclient-$ns-$ifname.leases" -pf "$E2E_TMP/dhclient-$ns-$ifname.pid" \
                "$ifname" >"$E2E_TMP/dhclient-$ns-$ifname.log" 2>&1 || {
                cat "$E2E_TMP/dhclient-$ns-$ifname.log" >&2
                return 1
        }
        # dhclient -1 forks a daemon after the lease; we only wanted the lease.
        [ -f "$E2E_TMP/dhclient-$ns-$ifname.pid" ] && kill "$(cat "$E2E_TMP/dhclient-$ns-$ifname.pid")" 2>/dev/null
        addr=$(nsx "$ns" ip -4 -o addr show dev "$ifname" | awk '{print $4}' | cut -d/ -f1 | head -1)
        [ -n "$addr" ] || return 1
        echo "$addr"
}

topo_down() {
        local pid ns
        set +e # cleanup must run to the end even when processes are already gone
        for pid in "${E2E_PIDS[@]}"; do
                kill "$pid" 2>/dev/null
        done
        for pid in "${E2E_PIDS[@]}"; do
                for _ in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
                kill -9 "$pid" 2>/dev/null
        done
        for ns in "${ALL_NS[@]}"; do
                # Anything still running inside (dhclient daemons, captures) goes too.
                ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
                ip netns del "$ns" 2>/dev/null
        done
        [ "${E2E_KEEP_TMP:-0}" = 1 ] || rm -rf "$E2E_TMP"
}

trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
trap 'exit 141' PIPE

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The programs under test in BUILD_DIR: skips (77) unless root, sets build
# (absolute), relayd, gatewayd and client; exits 1 naming the first that
# is not built.
e2e_programs() { # build_dir
        local b
        build=$(cd "$1" && pwd)
        [ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces and TAP devices"
        relayd=$build/src/relayd/lanparty-relayd
        gatewayd=$build/src/gatewayd/lanparty-gatewayd
        client=$build/src/client/lanparty-client
        for b in "$relayd" "$gatewayd" "$client"; do
                [ -x "$b" ] || { echo "$(basename "$0"): not built: $b" >&2; exit 1; }
        done
}

# lanparty-relayd as e2e_start_party started it, logging to
# $E2E_TMP/NAME.log; sets RELAY_PID.
e2e_start_relay() { # name
        bg "$1" "$NS_RELAY" env LANPARTY_LOG_LEVEL="$E2E_RELAY_LEVEL" "$relayd" --listen "$RELAY_IP:$RELAY_PORT" \
                --dev-cert-dir "$E2E_TMP/relay-cert" --state-dir "$E2E_TMP/relay-state" \
                --gateway-token-file "$E2E_TMP/gateway-tokens" --bus-address "$BUS" "${E2E_RELAY_ARGS[@]}"
        RELAY_PID=$BG_PID
        wait_for 15 "the relay on D-Bus" timeout 10 busctl --address="$BUS" introspect org.lanparty.Relay1 \
                /org/lanparty/Relay1 || fail "relay did not start"
}

# The relay crashes (kill -9) and comes back with the same certificate,
# state and address; its new log is $E2E_TMP/NAME.log.
e2e_crash_relay() { # name of the new log
        kill -9 "$RELAY_PID"
        wait "$RELAY_PID" 2>/dev/null
        e2e_start_relay "$1"
}

# The party most tests want, after topo_up: a private bus ($BUS, a socket
# path every namespace reaches), lanparty-relayd on $RELAY_IP:$RELAY_PORT
# with a gateway token, lanparty-gatewayd on eth0 of $NS_GW opening ROOM,
# and its invite link in $E2E_TMP/invite.lanparty (readable by its owner
# only, as README tells players). Both daemons log at LEVEL; arguments
# after it go to the relay. Needs e2e_programs and ../lib-bus.sh.
e2e_start_party() { # room, level, relay args...
        local room=$1 level=$2 pin invite
        shift 2
        BUS=${BUS:-unix:path=$E2E_TMP/bus}
        RELAY_PORT=${RELAY_PORT:-4433}
        bus_conf_write "$E2E_TMP/bus.conf" "$BUS" eavesdrop
        bg dbus "$NS_RELAY" dbus-daemon --config-file="$E2E_TMP/bus.conf" --nofork --nopidfile --nosyslog
        wait_for 10 "the test bus" test -S "$E2E_TMP/bus" || fail "the test bus did not start"
        head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$E2E_TMP/gateway-tokens"
        chmod 600 "$E2E_TMP/gateway-tokens"
        E2E_RELAY_LEVEL=$level
        E2E_RELAY_ARGS=("$@")
        e2e_start_relay relayd
        pin=$(openssl x509 -in "$E2E_TMP/relay-cert/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
                openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')
        local gw_args=(--interface eth0 --relay "$RELAY_IP:$RELAY_PORT" --room "$room" --pin "$pin"
                --gateway-token-file "$E2E_TMP/gateway-tokens" --state-dir "$E2E_TMP/gw-state" --name "$room")
        invite=$(nsx "$NS_GW" "$gatewayd" --print-invite "${gw_args[@]}") || fail "no invite"
        bg gatewayd "$NS_GW" env LANPARTY_LOG_LEVEL="$level" "$gatewayd" "${gw_args[@]}" --bus-address "$BUS"
        wait_for 20 "the gateway to open the room" sh -c "timeout 10 busctl --address='$BUS' get-property \
                org.lanparty.Relay1 /org/lanparty/Relay1/room/$room org.lanparty.Relay1.Room GatewayPresent \
                2>/dev/null | grep -q true" || fail "gateway did not join"
        (umask 077 && printf '%s\n' "$invite" >"$E2E_TMP/invite.lanparty")
}
