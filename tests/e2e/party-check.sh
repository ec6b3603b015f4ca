#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The party check (issue 18) in the e2e LAN party: relay, gateway, the
# party's dnsmasq and one player whose lanparty-client got a lease through
# the tunnel. The client runs the check by itself once the TAP has its
# address, and again on SIGUSR1; the test breaks one thing at a time on the
# player's PC and expects exactly that step to fail with its hint:
#   - normal party: every step passes;
#   - the client's 255.255.255.255 route removed: step 1, "leaves through wan0";
#   - nft drops inbound UDP broadcasts on the TAP: step 2, "firewall";
#   - the path to the relay clamped to MTU 1300: step 3, "frames above N bytes";
#   - the client's 224.0.0.0/4 route removed: step 1, multicast "leaves
#     through wan0";
#   - the relay crashes and comes back: the client rejoins and checks again;
# then player two runs `lanparty-client --check`, which joins, checks, leaves
# and exits 1 while someone else's 224.0.0.0/4 is in the way (step 1 says
# so), 0 without it. The gateway's D-Bus object for the player shows the last check.
#
# Usage: party-check.sh BUILD_DIR
# Exit: 0 all checks passed, 1 a check failed, 77 not root (skipped).
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib-bus.sh"

e2e_programs "${1:?usage: party-check.sh BUILD_DIR}"
command -v nft >/dev/null || skip "needs nft"
command -v dhclient >/dev/null || skip "needs dhclient"

GW_BUS_NAME=org.lanparty.Gateway1.eth0
ok() { log "ok: $*"; }
bus() { timeout 10 busctl --address="$BUS" "$@"; }
bus_prop() { bus get-property "$@" 2>/dev/null | cut -d' ' -f2- | tr '\n' ' '; }
fail_hook() {
        for f in relayd relayd-restarted gatewayd client1 client2-contested client2-clean; do
                [ -f "$E2E_TMP/$f.log" ] && { echo "== $f.log (tail)"; tail -n 25 "$E2E_TMP/$f.log"; }
        done
        nsx "$NS_C1" ip route show table all | grep -v '^local\|^fe80\|^multicast' | head -20
}

trap topo_down EXIT
topo_up
start_dnsmasq
e2e_start_party check info

# A LAN capture on the party side: no probe may reach the party's LAN.
bg lan-capture "$NS_LANHOST" tcpdump -i eth0 -n -U -w "$E2E_TMP/lan.pcap" udp port 47617
LAN_CAPTURE_PID=$BG_PID
wait_for 10 "tcpdump on the LAN" grep -q "listening on" "$E2E_TMP/lan-capture.log" || fail "tcpdump did not start"

bg client1 "$NS_C1" "$client" --tap lp0 --state-dir "$E2E_TMP/c1-state" --name "player one" \
        --invite-file "$E2E_TMP/invite.lanparty"
CLIENT1_PID=$BG_PID
tap_up() { nsx "$NS_C1" ip link show lp0 2>/dev/null | grep -q LOWER_UP; }
wait_for 20 "client 1's TAP" tap_up || fail "client 1 did not come up"
C1_IP=$(dhcp_lease "$NS_C1" lp0 30) || fail "client 1 got no DHCP lease through the tunnel"
log "client 1 leased $C1_IP"

# The n-th "Party check passed/failed" line of client 1's log.
check_count() { grep -c '^Party check \(passed\|failed\)' "$E2E_TMP/client1.log"; }
check_done() { [ "$(check_count)" -ge "$1" ]; }
# The report of the latest check: from its "Party check:" line on.
last_report() { awk '/^Party check:$/ { r = "" } { r = r $0 "\n" } END { printf "%s", r }' "$E2E_TMP/client1.log" |
        sed -n '/^Party check:$/,$p'; }
n=0
run_check() { # what for
        n=$((n + 1))
        # At once: the relay passes one check per 5 s per client, and
        # the client waits that out itself (a check asked for sooner would
        # be dropped and end saying the gateway did not answer).
        [ "$n" -gt 1 ] && kill -USR1 "$CLIENT1_PID"
        wait_for 20 "party check $n ($1)" check_done "$n" || fail "party check $n ($1) did not finish"
        last_report >"$E2E_TMP/report-$n.txt"
        log "party check $n ($1):"
        sed 's/^/    /' "$E2E_TMP/report-$n.txt"
}
expect_step() { # n, step, pass|fail, hint text (for fail)
        local line
        line=$(grep "^  . $2\. " "$E2E_TMP/report-$1.txt") || fail "report $1 has no step $2"
        case "$3" in
        pass) [[ "$line" == "  ✓ $2. "* ]] || fail "step $2 of check $1 did not pass: $line" ;;
        fail) [[ "$line" == "  ✗ $2. "* ]] || fail "step $2 of check $1 did not fail: $line"
              grep -qF -- "$4" <<<"$line" || fail "step $2 of check $1 lacks the hint \"$4\": $line" ;;
        esac
}

# 1. The party as it should be: the automatic check once the lease came.
run_check "normal party"
for s in 1 2 3 4; do expect_step 1 $s pass; done
grep -q "^Party check passed" "$E2E_TMP/report-1.txt" || fail "check 1 did not say it passed"
ok "normal party: every step passes"

# The party host sees it on the gateway's bus object for the player.
client_path=$(bus --list tree "$GW_BUS_NAME" | grep '/client/' | head -1)
[ -n "$client_path" ] || fail "the gateway has no client object"
wait_for 10 "the verdicts on D-Bus" sh -c "busctl --address='$BUS' get-property $GW_BUS_NAME $client_path \
        org.lanparty.Gateway1.Client LastCheckVerdicts | grep -q 'lan_address'" || fail "no verdicts on D-Bus"
verdicts=$(bus_prop "$GW_BUS_NAME" "$client_path" org.lanparty.Gateway1.Client LastCheckVerdicts)
probes=$(bus_prop "$GW_BUS_NAME" "$client_path" org.lanparty.Gateway1.Client LastCheckProbes)
largest=$(bus_prop "$GW_BUS_NAME" "$client_path" org.lanparty.Gateway1.Client LastCheckLargestProbe)
log "gateway D-Bus: verdicts $verdicts; probes $probes; largest $largest"
[[ "$verdicts" == *'"broadcast_out" "pass"'*'"lan_address" "pass"'* ]] || fail "D-Bus verdicts: $verdicts"
[[ "$probes" == *limited_broadcast*directed_broadcast*multicast* ]] || fail "D-Bus probes: $probes"
[ "${largest% }" = 1344 ] || fail "D-Bus largest probe: $largest"
ok "the gateway's D-Bus object shows the check: $verdicts"
# Its journal lines name the room and the player (stderr shows the fields).
grep -q "^Party check of 'player one' on the player's PC: broadcasts out ok.*ROOM=check PEER=2 " \
        "$E2E_TMP/gatewayd.log" || fail "the gateway logged no check line with ROOM= and PEER="
ok "the gateway logged the player's verdicts with ROOM=check PEER=2"

# 2. The route that steers 255.255.255.255 into the TAP is gone: the OS
# sends game broadcasts out of the player's own interface. Meanwhile the
# party host's busctl hears the new verdicts without asking.
bg monitor "$NS_RELAY" busctl --address="$BUS" monitor --match \
        "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',path='$client_path'"
MONITOR_PID=$BG_PID
sleep 0.5
nsx "$NS_C1" ip route del 255.255.255.255 dev lp0 table main || fail "no broadcast route to remove"
run_check "no broadcast route"
wait_for 10 "PropertiesChanged with the new verdicts" grep -q '"broadcast_out"' "$E2E_TMP/monitor.log" ||
        fail "no PropertiesChanged for the verdicts on $client_path"
grep -A30 '"broadcast_out"' "$E2E_TMP/monitor.log" | grep -m1 -A1 'STRING "broadcast_out"' | grep -q '"fail"' ||
        fail "PropertiesChanged did not carry step 1's fail: $(grep -A3 broadcast_out "$E2E_TMP/monitor.log" | head -8)"
kill "$MONITOR_PID"
ok "PropertiesChanged told the bus of the new verdicts"
expect_step 2 1 fail "a broadcast to 255.255.255.255 leaves through wan0, not the TAP lp0"
expect_step 2 2 pass
nsx "$NS_C1" ip route add 255.255.255.255/32 dev lp0 table main
ok "without the broadcast route step 1 fails and says where broadcasts go"

# 3. The player's firewall drops inbound UDP broadcasts on the TAP (DHCP's
# port excepted, as a real rule would).
nsx "$NS_C1" nft -f - <<'EOF'
table inet lpcheck {
        chain input {
                type filter hook input priority 0;
                iifname "lp0" ip daddr 255.255.255.255 udp dport != 68 drop
        }
}
EOF
run_check "nft drops inbound broadcasts"
expect_step 3 1 pass
expect_step 3 2 fail "inbound broadcasts on the TAP lp0 are dropped: check the firewall"
nsx "$NS_C1" nft delete table inet lpcheck
ok "with inbound broadcasts dropped step 2 fails and names the firewall"

# 4. The path between the player and the relay carries less than the room
# needs: both ends of the player's cable at MTU 1300.
nsx "$NS_C1" ip link set wan0 mtu 1300
nsx "$NS_RELAY" ip link set inet-c1 mtu 1300
run_check "path MTU 1300"
expect_step 4 1 pass
expect_step 4 3 fail "frames above about"
# 1300 - 28 (IPv4, UDP) - 44 (QUIC) - 4 (overlay) - 14 (Ethernet): IPv4
# packets up to 1210 bytes fit; the probe ladder steps by 48 bytes.
through=$(grep -o 'frames above about [0-9]* bytes' "$E2E_TMP/report-4.txt" | grep -o '[0-9][0-9]*')
[ "$through" -le 1210 ] && [ "$through" -gt $((1210 - 48)) ] ||
        fail "step 3 says frames above $through bytes are lost; the path carries 1210"
nsx "$NS_C1" ip link set wan0 mtu 1500
nsx "$NS_RELAY" ip link set inet-c1 mtu 1500
ok "with the path clamped step 3 fails: frames above about $through bytes are lost (the path carries 1210)"

# 5. The route that steers multicast into the TAP is gone: a game's
# discovery to 239.255.255.250 leaves through the player's own interface.
nsx "$NS_C1" ip route del 224.0.0.0/4 dev lp0 table main || fail "no multicast route to remove"
run_check "no multicast route"
expect_step 5 1 fail "multicast to 239.255.255.250 leaves through wan0, not the TAP lp0"
for s in 2 3 4; do expect_step 5 $s pass; done
nsx "$NS_C1" ip route add 224.0.0.0/4 dev lp0 table main
ok "without the multicast route step 1 fails and says where multicast goes"

# 6. The relay crashes and comes back: the client rejoins and runs the
# automatic check again by itself (its way to the party may have changed).
checks_before=$(check_count)
e2e_crash_relay relayd-restarted
n=$((n + 1))
wait_for 40 "the automatic check after the rejoin" check_done "$n" ||
        fail "no party check after the rejoin (checks before the crash: $checks_before)"
last_report >"$E2E_TMP/report-$n.txt"
sed 's/^/    /' "$E2E_TMP/report-$n.txt"
for s in 1 2 3 4; do expect_step $n $s pass; done
ok "after a relay crash the client rejoined and checked again by itself"

# No probe ever reached the party's LAN: the gateway consumed them all.
sleep 1
kill "$LAN_CAPTURE_PID"
wait "$LAN_CAPTURE_PID" 2>/dev/null
probes_on_lan=$(tcpdump -r "$E2E_TMP/lan.pcap" -n 2>/dev/null | wc -l)
[ "$probes_on_lan" -eq 0 ] || fail "$probes_on_lan probe datagrams reached the party's LAN"
consumed=$(bus_prop "$GW_BUS_NAME" /org/lanparty/Gateway1 org.lanparty.Gateway1.Manager CheckProbes)
log "the gateway consumed ${consumed% } probes; the LAN saw none"
[ "${consumed% }" -gt 0 ] || fail "the gateway counted no probes"
ok "no probe reached the party's LAN (${consumed% } consumed by the gateway)"

# 7. lanparty-client --check: player two joins, gets a lease, checks,
# leaves. First with someone else's 224.0.0.0/4 on the player's own
# interface, which lanparty-client leaves alone: step 1 fails and says
# why, and --check exits 1; then without it: it passes and exits 0.
tap2_up() { nsx "$NS_C2" ip link show lp0 2>/dev/null | grep -q LOWER_UP; }
check_only() { # run (log name suffix)
        bg "client2-$1" "$NS_C2" "$client" --check --tap lp0 --state-dir "$E2E_TMP/c2-state" --name "player two" \
                --invite-file "$E2E_TMP/invite.lanparty"
        CLIENT2_PID=$BG_PID
        wait_for 20 "client 2's TAP" tap2_up || fail "client 2 did not come up ($1)"
        dhcp_lease "$NS_C2" lp0 30 >/dev/null || fail "client 2 got no DHCP lease through the tunnel ($1)"
        for _ in $(seq 1 100); do kill -0 "$CLIENT2_PID" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$CLIENT2_PID" 2>/dev/null && fail "lanparty-client --check did not exit after its check ($1)"
        rc=0
        wait "$CLIENT2_PID" || rc=$?
}
nsx "$NS_C2" ip route add 224.0.0.0/4 dev wan0
check_only contested
line=$(grep "^  . 1\. " "$E2E_TMP/client2-contested.log") || fail "--check printed no step 1"
log "--check with someone else's multicast route: $line"
[[ "$line" == "  ✗ 1. "* ]] || fail "step 1 passed with multicast leaving through wan0"
grep -qF "a route for 224.0.0.0/4 that was there before lanparty-client wins" <<<"$line" &&
        grep -qF "ip route del 224.0.0.0/4 dev wan0, then restart lanparty-client" <<<"$line" ||
        fail "step 1 does not say someone else's route is in the way: $line"
[ "$rc" -eq 1 ] || fail "--check failed a step but exited $rc"
nsx "$NS_C2" ip route show 224.0.0.0/4 | grep -q "dev wan0" || fail "lanparty-client touched someone else's route"
nsx "$NS_C2" ip route del 224.0.0.0/4 dev wan0
ok "--check with someone else's 224.0.0.0/4 in the way: step 1 says so, exit 1"
check_only clean
grep -q "^Party check passed" "$E2E_TMP/client2-clean.log" || fail "--check did not pass (exit $rc)"
[ "$rc" -eq 0 ] || fail "--check passed but exited $rc"
ok "lanparty-client --check joined, passed, left and exited 0"

log "all party check tests passed"
