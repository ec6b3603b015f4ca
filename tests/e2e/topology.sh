#!/usr/bin/env bash
# Checks the test LAN itself before any lanparty code is involved: dnsmasq on
# the party LAN gives a lease to a host plugged into the bridge, and the
# relay's "internet" connects gateway and clients. If this fails, the
# lanparty end-to-end test cannot mean anything.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
trap topo_down EXIT
set -e

topo_up
start_dnsmasq
wait_for 10 "dnsmasq to listen" test -s "$E2E_TMP/dnsmasq.pid"

# The gateway's LAN veth is a plain bridge port: a lease over it proves DHCP works.
addr=$(dhcp_lease "$NS_GW" eth0 20) || fail "no DHCP lease on the party LAN"
case "$addr" in $LAN_PREFIX.1[0-5][0-9]) ;; *) fail "unexpected lease $addr" ;; esac
log "lease on the party LAN: $addr"
nsx "$NS_GW" ping -c1 -W2 "$LAN_HOST" >/dev/null || fail "LAN host unreachable"
nsx "$NS_C1" ping -c1 -W2 "$RELAY_IP" >/dev/null || fail "relay unreachable from c1"
nsx "$NS_C2" ping -c1 -W2 "$GW_WAN_IP" >/dev/null || fail "gateway unreachable from c2"
log "topology ok"
