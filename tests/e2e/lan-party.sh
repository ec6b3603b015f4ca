#!/usr/bin/env bash
# A whole LAN party in network namespaces (see lib.sh for the picture):
# lanparty-relayd on the "internet", lanparty-gatewayd bridging the party
# LAN where dnsmasq hands out addresses, and two remote players running
# lanparty-client. Everything is real: QUIC, TAP devices, AF_PACKET,
# dhclient, ping, socat, tcpdump, busctl.
#
# The party's dnsmasq hands out what a real party router does: itself as
# the router, its DNS server, domain, search list, classless and static
# routes, WPAD, and IPv6 router advertisements with RDNSS and DNSSL. Player
# one runs the client as it comes and must keep its own default route and
# resolver; player two runs it with --accept-party-gateway and must get
# the party's, which shows the checks can fail.
#
# Usage: lan-party.sh [--demo] BUILD_DIR
#   --demo   narrate and show the interesting bits instead of asserting quietly;
#            skips the hostile-client and relay-restart checks
# Exit: 0 all checks passed, 1 a check failed, 77 not root (skipped).
source "$(dirname "$0")/lib.sh"

demo=0
if [ "${1:-}" = "--demo" ]; then demo=1; shift; fi
build=${1:?usage: lan-party.sh [--demo] BUILD_DIR}
build=$(cd "$build" && pwd)
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces and TAP devices"

relayd=$build/src/relayd/lanparty-relayd
gatewayd=$build/src/gatewayd/lanparty-gatewayd
client=$build/src/client/lanparty-client
test_peer=$build/tests/relay-test-peer
for b in "$relayd" "$gatewayd" "$client"; do
        [ -x "$b" ] || { echo "lan-party.sh: not built: $b" >&2; exit 1; }
done

trap topo_down EXIT
set -e
RELAY_PORT=4433
BUS=unix:path=$E2E_TMP/bus
checks=0

# On failure, show what each component said and counted before cleanup.
dump_state() {
        local f
        set +e
        log "---- state at failure ----"
        for f in relayd gatewayd client1 client2 dnsmasq; do
                [ -f "$E2E_TMP/$f.log" ] && { echo "== $f.log (tail)"; tail -n 15 "$E2E_TMP/$f.log"; }
        done
        for ns in "$NS_C1" "$NS_C2"; do
                echo "== routes and resolver of $ns"
                nsx "$ns" ip route
                nsx "$ns" ip -6 route
                cat "$(resolv_conf "$ns")"
        done
        timeout 5 busctl --address="$BUS" tree org.lanparty.Relay1 2>/dev/null
        for path in $(timeout 5 busctl --address="$BUS" --list tree org.lanparty.Relay1 2>/dev/null | grep /peer/); do
                echo "== $path"
                timeout 5 busctl --address="$BUS" get-property org.lanparty.Relay1 "$path" org.lanparty.Relay1.Peer \
                        Role RxFrames TxFrames Drops 2>/dev/null
        done
        local gw=$(timeout 5 busctl --address="$BUS" --list 2>/dev/null | awk '/org.lanparty.Gateway1/ {print $1; exit}')
        [ -n "$gw" ] && timeout 5 busctl --address="$BUS" get-property "$gw" /org/lanparty/Gateway1 \
                org.lanparty.Gateway1.Manager RelayState LanRxFrames RelayTxFrames RelayRxFrames LanTxFrames Drops 2>/dev/null
}
fail_hook() {
        dump_state
        # E2E_HOLD=SECONDS keeps the namespaces up for a look from outside.
        [ -n "${E2E_HOLD:-}" ] && { log "holding for ${E2E_HOLD}s (E2E_ID=$E2E_ID)"; sleep "$E2E_HOLD"; }
}

say() { [ "$demo" = 1 ] && printf '\n\033[1m%s\033[0m\n' "$*" || log "$*"; }
ok() { checks=$((checks + 1)); log "ok: $*"; }
bus() { timeout 10 busctl --address="$BUS" "$@"; }

# What the relay's D-Bus object says about one property of one object.
bus_prop() { # service, path, interface, property
        bus get-property "$1" "$2" "$3" "$4" 2>/dev/null | cut -d' ' -f2-
}

say "Building the LAN party: namespaces, bridges, veth cables"
topo_up
# The party router's network settings, for PCs at the party; on a remote
# player's PC they must not replace its own internet and DNS.
PARTY_DNS=$LAN_PREFIX.53
PARTY_DOMAIN=party.example
LAN_PREFIX6=2001:db8:1
nsx "$NS_LAN" ip addr add "$LAN_PREFIX6::1/64" dev br0 nodad
start_dnsmasq --dhcp-option-force=option:dns-server,"$PARTY_DNS" \
        --dhcp-option-force=option:domain-name,"$PARTY_DOMAIN" \
        --dhcp-option-force=option:domain-search,"$PARTY_DOMAIN",lan.example \
        --dhcp-option-force=option:classless-static-route,0.0.0.0/0,"$LAN_ROUTER",203.0.113.0/24,"$LAN_ROUTER" \
        --dhcp-option-force=249,00:c0:00:02:01 \
        --dhcp-option-force=option:static-route,203.0.113.9,"$LAN_ROUTER" \
        --dhcp-option-force=252,"http://wpad.$PARTY_DOMAIN/wpad.dat" \
        --enable-ra --dhcp-range="$LAN_PREFIX6::,ra-only,64" --ra-param=br0,4,1800 \
        --dhcp-option=option6:dns-server,"[$LAN_PREFIX6::53]" --dhcp-option=option6:domain-search,"$PARTY_DOMAIN"

# The players' own network: a default route with the metric NetworkManager
# gives a wired connection, and their own resolver.
PLAYER_DNS=$INET_PREFIX.53
for ns in "$NS_C1" "$NS_C2"; do
        nsx "$ns" ip route replace default via "$RELAY_IP" dev wan0 metric 100
        nsx "$ns" ip route del default via "$RELAY_IP" dev wan0 metric 0 2>/dev/null || true
        echo "nameserver $PLAYER_DNS" >"$(resolv_conf "$ns")"
done
PLAYER_ROUTE=$(nsx "$NS_C1" ip -4 route show default)

# A private bus stands in for the system bus; it is reachable from every
# namespace because it is a socket path, not an abstract socket.
bus_conf_write "$E2E_TMP/bus.conf" "$BUS" eavesdrop
dbus-daemon --config-file="$E2E_TMP/bus.conf" --nofork --nopidfile --nosyslog >"$E2E_TMP/dbus.log" 2>&1 &
E2E_PIDS+=($!)
wait_for 10 "the test bus" test -S "$E2E_TMP/bus"

say "Starting lanparty-relayd on $RELAY_IP:$RELAY_PORT"
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$E2E_TMP/gateway-tokens"
chmod 600 "$E2E_TMP/gateway-tokens"
start_relay() {
        bg relayd "$NS_RELAY" env LANPARTY_LOG_LEVEL=info "$relayd" --listen "$RELAY_IP:$RELAY_PORT" \
                --dev-cert-dir "$E2E_TMP/relay-cert" --state-dir "$E2E_TMP/relay-state" \
                --gateway-token-file "$E2E_TMP/gateway-tokens" --bus-address "$BUS"
        RELAY_PID=$BG_PID
        wait_for 15 "the relay on D-Bus" bus introspect org.lanparty.Relay1 /org/lanparty/Relay1
}
start_relay
PIN=$(openssl x509 -in "$E2E_TMP/relay-cert/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | basenc --base64url | tr -d '=')
log "relay certificate pin: $PIN"

say "Starting lanparty-gatewayd on the party LAN (eth0 in $NS_GW)"
gw_args=(--interface eth0 --relay "$RELAY_IP:$RELAY_PORT" --room party --pin "$PIN"
         --gateway-token-file "$E2E_TMP/gateway-tokens" --state-dir "$E2E_TMP/gw-state" --name "party gateway")
# The party host's order: create the room key and get the link, then run.
INVITE=$(nsx "$NS_GW" "$gatewayd" --print-invite "${gw_args[@]}")
log "invite link: $INVITE"
bg gatewayd "$NS_GW" env LANPARTY_LOG_LEVEL=info "$gatewayd" "${gw_args[@]}" --bus-address "$BUS"
GATEWAY_PID=$BG_PID
gateway_in_room() { bus_prop org.lanparty.Relay1 /org/lanparty/Relay1/room/party org.lanparty.Relay1.Room GatewayPresent | grep -q true; }
wait_for 20 "the gateway to open the room" gateway_in_room || { tail -20 "$E2E_TMP/gatewayd.log"; fail "gateway did not join"; }
ok "gateway joined room 'party'"

say "Two remote players join with the invite link"
# From a file only its owner reads, as README tells players: a command
# line is public.
(umask 077 && printf '%s\n' "$INVITE" >"$E2E_TMP/invite.lanparty")
bg client1 "$NS_C1" "$client" --tap lp0 --state-dir "$E2E_TMP/c1-state" --name "player one" \
        --invite-file "$E2E_TMP/invite.lanparty"
CLIENT1_PID=$BG_PID
bg client2 "$NS_C2" "$client" --tap lp0 --state-dir "$E2E_TMP/c2-state" --name "player two" \
        --accept-party-gateway --invite-file "$E2E_TMP/invite.lanparty"
tap_up() { nsx "$1" ip link show lp0 2>/dev/null | grep -q 'LOWER_UP'; }
wait_for 20 "client 1's TAP" tap_up "$NS_C1" || { tail -20 "$E2E_TMP/client1.log"; fail "client 1 did not come up"; }
wait_for 20 "client 2's TAP" tap_up "$NS_C2" || { tail -20 "$E2E_TMP/client2.log"; fail "client 2 did not come up"; }
ok "both clients joined; TAP MTU $(nsx "$NS_C1" cat /sys/class/net/lp0/mtu)"

# QUIC's path MTU probes must get lost when too big, not arrive in pieces:
# every UDP socket of relay, gateway and client says "never fragment" (2).
for who in "relay $RELAY_PID" "gateway $GATEWAY_PID" "client $CLIENT1_PID"; do
        set -- $who
        "$E2E_DIR/udp-pmtudisc.py" "$2" >"$E2E_TMP/pmtudisc-$1.txt" || fail "cannot read the $1's sockets"
        [ -s "$E2E_TMP/pmtudisc-$1.txt" ] || fail "the $1 has no UDP socket"
        ! grep -Ev '^[0-9]+ inet6? 2( 2)?$' "$E2E_TMP/pmtudisc-$1.txt" ||
                fail "the $1 lets its UDP packets be fragmented (2 = IP_PMTUDISC_DO)"
done
ok "relay, gateway and client forbid fragmenting QUIC: $(cat "$E2E_TMP"/pmtudisc-*.txt | wc -l) UDP sockets with IP_PMTUDISC_DO"
# What reaches each player's TAP from the party's DHCP server and router.
autoconf_captures=()
for ns in "$NS_C1" "$NS_C2"; do
        bg "autoconf-$ns" "$ns" tcpdump -i lp0 -n -U -w "$E2E_TMP/autoconf-$ns.pcap" \
                '(icmp6 and ip6[40] == 134) or (udp src port 67)'
        autoconf_captures+=("$BG_PID")
        nsx "$ns" sysctl -qw net.ipv6.conf.lp0.accept_ra=1
done
# The captures must run before the first DHCP reply and RA they are to
# see: tcpdump says "listening on" once its socket is open (on a busy
# machine that took over a second, and client 2's capture missed them).
for ns in "$NS_C1" "$NS_C2"; do
        wait_for 10 "tcpdump on $ns's TAP" grep -q "listening on" "$E2E_TMP/autoconf-$ns.log" ||
                fail "tcpdump did not start on $ns's TAP: $(cat "$E2E_TMP/autoconf-$ns.log")"
done

say "DHCP through the tunnel: the party's dnsmasq leases addresses to the remote players"
C1_IP=$(dhcp_lease "$NS_C1" lp0 30) || fail "client 1 got no DHCP lease through the tunnel"
C2_IP=$(dhcp_lease "$NS_C2" lp0 30) || fail "client 2 got no DHCP lease through the tunnel"
case "$C1_IP $C2_IP" in "$LAN_PREFIX".1[0-5][0-9]" $LAN_PREFIX".1[0-5][0-9]) ;; *) fail "odd leases $C1_IP $C2_IP" ;; esac
ok "leases: client 1 $C1_IP, client 2 $C2_IP"
grep -q "$C1_IP" "$E2E_TMP/dnsmasq.leases" && grep -q "$C2_IP" "$E2E_TMP/dnsmasq.leases" || fail "dnsmasq does not list the leases"

say "The party's router and DNS stay off player one's PC, and reach player two's, who asked for them"
[ "$(nsx "$NS_C1" ip -4 route show default)" = "$PLAYER_ROUTE" ] ||
        fail "client 1's default route moved into the tunnel: $(nsx "$NS_C1" ip -4 route show default | tr '\n' ';')"
nsx "$NS_C1" ip -4 route get 203.0.113.9 | grep -q ' dev wan0 ' ||
        fail "client 1 routes the internet into the tunnel: $(nsx "$NS_C1" ip -4 route get 203.0.113.9)"
[ "$(cat "$(resolv_conf "$NS_C1")")" = "nameserver $PLAYER_DNS" ] ||
        fail "client 1's resolver was rewritten: $(tr '\n' ';' <"$(resolv_conf "$NS_C1")")"
nsx "$NS_C2" ip -4 route show default | grep -q "via $LAN_ROUTER dev lp0" ||
        fail "client 2 (--accept-party-gateway) did not get the party's default route"
nsx "$NS_C2" ip -4 route get 203.0.113.9 | grep -q ' dev lp0 ' || fail "client 2's classless routes are missing"
grep -qx "nameserver $PARTY_DNS" "$(resolv_conf "$NS_C2")" && grep -q "^search $PARTY_DOMAIN" "$(resolv_conf "$NS_C2")" ||
        fail "client 2 (--accept-party-gateway) did not get the party's DNS: $(tr '\n' ';' <"$(resolv_conf "$NS_C2")")"
ok "IPv4: client 1 keeps '$PLAYER_ROUTE' and nameserver $PLAYER_DNS; client 2 has the party's"
nsx "$NS_C1" ping -c 2 -i 0.2 -W 2 "$LAN_ROUTER" >/dev/null || fail "client 1 cannot reach the party's router"

# Router advertisements: lifetime and RDNSS/DNSSL gone for player one, the
# prefix kept, so it still gets an address on the party LAN and reaches it.
slaac_addr() { nsx "$1" ip -6 -o addr show dev lp0 scope global | grep -q "$LAN_PREFIX6:"; }
c2_default6() { nsx "$NS_C2" ip -6 route show default | grep -q 'dev lp0'; }
wait_for 30 "client 2's IPv6 default route from the party's RA" c2_default6 ||
        fail "client 2 (--accept-party-gateway) got no IPv6 default route from the party's router advertisements"
wait_for 30 "client 1's SLAAC address" slaac_addr "$NS_C1" || fail "client 1 got no address from the party's prefix"
! nsx "$NS_C1" ip -6 route show default | grep -q 'dev lp0' ||
        fail "client 1 took the party's IPv6 default route: $(nsx "$NS_C1" ip -6 route show default)"
nsx "$NS_C1" ping -6 -c 2 -i 0.2 -W 2 "$LAN_PREFIX6::1" >/dev/null || fail "client 1 cannot reach the party's router over IPv6"
ok "IPv6: client 1 has an address from the party's prefix, reaches the router, has no default route through it"

# On each TAP, as the OS got them: player one's DHCP replies without those
# options and RAs with lifetime 0 and no RDNSS/DNSSL, checksums right;
# player two's as the party sent them.
decoded() { tcpdump -r "$E2E_TMP/autoconf-$1.pcap" -n -vv 2>/dev/null; }
removed_options='\((3|6|15|33|119|121|249|252)\), length [0-9]+:'
captured() { # ns, ERE...: the capture so far holds a line matching each
        local text p
        text=$(decoded "$1") && shift
        for p in "$@"; do grep -Eq "$p" <<<"$text" || return 1; done
}
# A TAP may have had its first RA before its capture listened (the kernel
# solicits one when lp0 comes up); the party's router sends one every 4 s
# (--ra-param), so wait for one inside the capture instead of stopping it
# at once.
wait_for 15 "a DHCP reply and an RA in client 1's capture" \
        captured "$NS_C1" 'BOOTP/DHCP, Reply' 'router advertisement' || true
wait_for 15 "the party's options and an RA in client 2's capture" \
        captured "$NS_C2" "$removed_options" 'rdnss option' || true
kill "${autoconf_captures[@]}" 2>/dev/null
wait "${autoconf_captures[@]}" 2>/dev/null || true
decoded "$NS_C1" >"$E2E_TMP/autoconf-c1.txt"
decoded "$NS_C2" >"$E2E_TMP/autoconf-c2.txt"
grep -q 'BOOTP/DHCP, Reply' "$E2E_TMP/autoconf-c1.txt" && grep -q 'router advertisement' "$E2E_TMP/autoconf-c1.txt" ||
        fail "client 1's TAP saw no DHCP reply or no router advertisement"
! grep -Eq "$removed_options|rdnss option|dnssl option|route info option|bad (udp|icmp6) cksum" \
        "$E2E_TMP/autoconf-c1.txt" || { cat "$E2E_TMP/autoconf-c1.txt"; fail "client 1's TAP saw the party's settings"; }
! grep -o 'router lifetime [0-9]*s' "$E2E_TMP/autoconf-c1.txt" | grep -qv 'lifetime 0s' ||
        fail "client 1's TAP saw a router advertisement with a router lifetime"
grep -q 'udp sum ok' "$E2E_TMP/autoconf-c1.txt" && grep -q 'icmp6 sum ok' "$E2E_TMP/autoconf-c1.txt" ||
        fail "client 1's sanitised frames lack valid checksums"
grep -Eq "$removed_options" "$E2E_TMP/autoconf-c2.txt" && grep -q 'rdnss option' "$E2E_TMP/autoconf-c2.txt" ||
        fail "client 2's TAP did not see the party's options (the checks above would prove nothing)"
ok "on the TAPs: client 1 got $(grep -c 'BOOTP/DHCP, Reply' "$E2E_TMP/autoconf-c1.txt") DHCP replies and" \
        "$(grep -c 'router advertisement' "$E2E_TMP/autoconf-c1.txt") RAs without them, client 2 with"

say "Ping across the party"
nsx "$NS_C1" ping -c 5 -i 0.2 -W 2 "$LAN_HOST" | tee "$E2E_TMP/ping-lan.txt" | tail -2
grep -q ' 0% packet loss' "$E2E_TMP/ping-lan.txt" || fail "client 1 cannot ping the LAN host"
nsx "$NS_C1" ping -c 5 -i 0.2 -W 2 "$C2_IP" | tee "$E2E_TMP/ping-c2.txt" | tail -2
grep -q ' 0% packet loss' "$E2E_TMP/ping-c2.txt" || fail "client 1 cannot ping client 2"
ok "client -> LAN host and client -> client pings"

say "10 MB TCP transfer from the LAN host to client 1 (MSS clamping at work)"
head -c 10M /dev/urandom >"$E2E_TMP/blob"
bg tcp-sink "$NS_C1" socat -u TCP-LISTEN:5001,reuseaddr OPEN:"$E2E_TMP/blob.received",creat,trunc
sleep 0.3
nsx "$NS_LANHOST" timeout 60 socat -u OPEN:"$E2E_TMP/blob" TCP:"$C1_IP":5001 || fail "TCP transfer failed"
wait_for 10 "the whole file" cmp -s "$E2E_TMP/blob" "$E2E_TMP/blob.received" || fail "received file differs"
ok "10 MB arrived intact"

say "Game discovery: UDP broadcasts both ways"
listen_udp() { # name, namespace, port
        bg "$1" "$2" timeout 10 socat -u UDP4-RECV:"$3",reuseaddr OPEN:"$E2E_TMP/$1.out",creat,append
}
listen_udp bcast-lanhost "$NS_LANHOST" 47777
listen_udp bcast-c2 "$NS_C2" 47777
sleep 0.3
echo "hello from player one" | nsx "$NS_C1" socat -u - UDP4-DATAGRAM:255.255.255.255:47777,broadcast
wait_for 5 "the LAN host to hear client 1" grep -q "player one" "$E2E_TMP/bcast-lanhost.out" ||
        fail "a client's broadcast did not reach the LAN"
wait_for 5 "client 2 to hear client 1" grep -q "player one" "$E2E_TMP/bcast-c2.out" ||
        fail "a client's broadcast did not reach the other client"
listen_udp lanbcast-c1 "$NS_C1" 47778
listen_udp lanbcast-c2 "$NS_C2" 47778
sleep 0.3
echo "server announcement from the LAN" | nsx "$NS_LANHOST" socat -u - UDP4-DATAGRAM:255.255.255.255:47778,broadcast
wait_for 5 "client 1 to hear the LAN" grep -q "announcement" "$E2E_TMP/lanbcast-c1.out" ||
        fail "a LAN broadcast did not reach client 1"
wait_for 5 "client 2 to hear the LAN" grep -q "announcement" "$E2E_TMP/lanbcast-c2.out" ||
        fail "a LAN broadcast did not reach client 2"
ok "broadcasts client -> LAN + client and LAN -> both clients"

say "What the relay shows on D-Bus"
bus tree org.lanparty.Relay1 | tee "$E2E_TMP/tree.txt"
n_peers=$(grep -c '/peer/' "$E2E_TMP/tree.txt" || true)
[ "$n_peers" -ge 3 ] || fail "busctl tree shows $n_peers peers, expected the gateway and two clients"
for path in $(bus --list tree org.lanparty.Relay1 | grep '/peer/'); do
        role=$(bus_prop org.lanparty.Relay1 "$path" org.lanparty.Relay1.Peer Role)
        rx=$(bus_prop org.lanparty.Relay1 "$path" org.lanparty.Relay1.Peer RxFrames)
        log "  $path: role $role, rx frames $rx"
        [ "${rx:-0}" -gt 0 ] || fail "peer $path has no live counters"
done
ok "busctl shows the room, the gateway and both clients with live counters"

if [ "$demo" = 1 ]; then
        say "The LAN party works. Cleaning up."
        exit 0
fi

say "A client with a wrong room key is refused"
BAD_INVITE=$(echo "$INVITE" | sed -E 's/k=[A-Za-z0-9_-]{4}/k=AAAA/')
[ "$BAD_INVITE" != "$INVITE" ] || BAD_INVITE=$(echo "$INVITE" | sed -E 's/k=[A-Za-z0-9_-]{4}/k=BBBB/')
(umask 077 && printf '%s\n' "$BAD_INVITE" >"$E2E_TMP/bad-invite.lanparty")
set +e
nsx "$NS_C2" timeout 30 "$client" --tap lp9 --frame-device null --state-dir "$E2E_TMP/bad-state" \
        --invite-file "$E2E_TMP/bad-invite.lanparty" >"$E2E_TMP/bad-client.log" 2>&1
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] || { cat "$E2E_TMP/bad-client.log"; fail "wrong key: exit $rc"; }
grep -q "refused to let us in: auth_failed.*room key" "$E2E_TMP/bad-client.log" ||
        { cat "$E2E_TMP/bad-client.log"; fail "no clear message"; }
ok "wrong room key refused: $(grep -m1 'auth_failed' "$E2E_TMP/bad-client.log")"

if [ -x "$test_peer" ]; then
        say "A hostile client: DHCP offers, RAs, BPDUs, VLAN tags, spoofed sources"
        ROUTER_MAC=$(nsx "$NS_LAN" cat /sys/class/net/br0/address)
        HOSTILE_MAC=02:66:66:66:66:01
        SPOOFED_MAC=02:77:77:77:77:01
        key=$(echo "$INVITE" | sed -E 's/.*[?&]k=([A-Za-z0-9_-]+).*/\1/')
        key_hex=$(printf '%s=' "$key" | basenc --base64url -d | od -An -tx1 | tr -d ' \n')
        bg capture "$NS_LAN" tcpdump -i br0 -n -U -w "$E2E_TMP/lan.pcap"
        CAPTURE_PID=$BG_PID
        sleep 1
        # The hostile peer reads commands from a pipe, so it stays in the room
        # while we read its drop counters on D-Bus.
        mkfifo "$E2E_TMP/hostile.in"
        exec 9<>"$E2E_TMP/hostile.in" # read-write: opening it cannot block
        # Not through bg(): a background job's stdin would be /dev/null.
        nsx "$NS_C2" timeout 60 "$test_peer" --relay "$RELAY_IP:$RELAY_PORT" --pin "$PIN" --role client \
                --room party --mac "$HOSTILE_MAC" --name hostile --room-key "$key_hex" <&9 \
                >"$E2E_TMP/hostile.log" 2>&1 &
        HOSTILE_PID=$!
        E2E_PIDS+=("$HOSTILE_PID")
        wait_for 10 "the hostile peer to join" grep -q '^welcome' "$E2E_TMP/hostile.log" ||
                { cat "$E2E_TMP/hostile.log"; fail "hostile peer did not join"; }
        hostile_id=$(awk '/^welcome/ {print $2; exit}' "$E2E_TMP/hostile.log")
        printf '%s\n' "dhcp-offer ff:ff:ff:ff:ff:ff self" "ra self" "bpdu self" "vlan ff:ff:ff:ff:ff:ff self" \
                "frame ff:ff:ff:ff:ff:ff $SPOOFED_MAC 0800 100" >&9
        hostile_path=/org/lanparty/Relay1/room/party/peer/$hostile_id
        hostile_drops() {
                bus --json=short get-property org.lanparty.Relay1 "$hostile_path" org.lanparty.Relay1.Peer Drops |
                        python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(sum(1 for k in sys.argv[1:] if d.get(k,0) > 0))' \
                                dhcp_server router_advertisement ieee_reserved vlan_tagged spoofed_source
        }
        # eval: the counters are read again at each try, not once.
        wait_for 10 "five drop reasons on D-Bus" eval '[ "$(hostile_drops 2>/dev/null)" = 5 ]' || {
                bus get-property org.lanparty.Relay1 "$hostile_path" org.lanparty.Relay1.Peer Drops
                fail "the relay's drop counters do not show every hostile frame"
        }
        log "  relay drops for the hostile peer: $(bus get-property org.lanparty.Relay1 "$hostile_path" org.lanparty.Relay1.Peer Drops)"
        printf '%s\n' "disconnect quit" "quit" >&9
        exec 9>&-
        wait "$HOSTILE_PID" 2>/dev/null || true
        sleep 1
        kill "$CAPTURE_PID" 2>/dev/null; wait "$CAPTURE_PID" 2>/dev/null || true
        seen() { tcpdump -r "$E2E_TMP/lan.pcap" -n "$@" 2>/dev/null | wc -l; }
        [ "$(seen "udp src port 67 and not ether src $ROUTER_MAC")" = 0 ] || fail "a remote DHCP offer reached the LAN"
        [ "$(seen "icmp6 and ip6[40] == 134 and not ether src $ROUTER_MAC")" = 0 ] ||
                fail "a remote router advertisement reached the LAN"
        [ "$(seen 'ether dst 01:80:c2:00:00:00')" = 0 ] || fail "a remote BPDU reached the LAN"
        [ "$(seen 'vlan')" = 0 ] || fail "a remote VLAN-tagged frame reached the LAN"
        [ "$(seen "ether src $SPOOFED_MAC")" = 0 ] || fail "a spoofed-source frame reached the LAN"
        ok "no hostile frame on the LAN"
else
        log "note: $test_peer not built, hostile-client check not run"
fi

say "The relay dies and comes back: everyone reconnects"
kill -9 "$RELAY_PID"
sleep 1
start_relay
wait_for 30 "the gateway to rejoin" gateway_in_room || fail "gateway did not reconnect"
wait_for 30 "client 1 to reach the LAN again" nsx "$NS_C1" ping -c 1 -W 1 "$LAN_HOST" || fail "client 1 did not reconnect"
wait_for 30 "client 2 to reach the LAN again" nsx "$NS_C2" ping -c 1 -W 1 "$LAN_HOST" || fail "client 2 did not reconnect"
ok "traffic flows again after a relay restart"

log "all $checks checks passed"
