#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Relay route safety (src/client/route-linux.c) in network namespaces of
# its own: a client namespace with an uplink veth to a "router" namespace
# that holds the relay's addresses. Checks that the pin keeps the relay on
# the uplink after the TAP gets a better default route, that games'
# 255.255.255.255 broadcasts and multicast go into the TAP, that an orderly exit and a
# crash (kill -9) both end with no route of ours left, and that routes
# that existed before are left alone. Needs root; skips (77) without it.
#
# Usage: test-client-route.sh CLIENT-NETNS-HELPER
set -uo pipefail

helper=${1:?usage: test-client-route.sh CLIENT-NETNS-HELPER}
. "$(dirname "$0")/client-netns-lib.sh"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

relay=203.0.113.7
unpinned=203.0.113.8
relay6=2001:db8:ff::7
gw=198.51.100.1
gw6=2001:db8:1::1
mac=02:aa:bb:cc:dd:01
run=$tmp/run
state=$run/routes-lp0.state

new_netns lprc
router=lprr-$$
test_netns "$router"
rx() { ip netns exec "$router" "$@"; }

# Uplink: client veth0 198.51.100.2 <-> router veth1 198.51.100.1, which
# also owns the relay addresses.
ip link add lpup0 netns "$ns" type veth peer name lpup1 netns "$router" || fail "cannot create veth pair"
nsx ip link set lpup0 name veth0
rx ip link set lpup1 name veth1
nsx ip addr add 198.51.100.2/24 dev veth0
nsx ip addr add 2001:db8:1::2/64 dev veth0 nodad
nsx ip link set veth0 up
rx ip addr add $gw/24 dev veth1
rx ip addr add $gw6/64 dev veth1 nodad
rx ip link set veth1 up
rx ip addr add $relay/32 dev lo
rx ip addr add $unpinned/32 dev lo
rx ip addr add $relay6/128 dev lo
nsx ip route add default via $gw dev veth0 metric 100
nsx ip -6 route add default via $gw6 dev veth0 metric 100
mkdir -p "$run"

ours() { # ip -j route show, our protocol only, both families
        nsx ip -j -4 route show table main proto 76
        nsx ip -j -6 route show table main proto 76
}
no_routes_of_ours() {
        local r
        r=$(ours | tr -d '\n')
        [ "$r" = "[][]" ] || fail "routes of ours left: $r"
}
route_get() {
        nsx ip -j route get "$1"
}
state_routes() {
        if [ -f "$state" ]; then grep -c '^route ' "$state"; else echo 0; fi
}

step "pin the relay before the TAP exists"
start_helper RUNTIME_DIRECTORY="$run"
ok route-new lp0
expect "ok add" route-pin $relay
j=$(nsx ip -j route show $relay/32 proto 76)
json_has "$j" "\"gateway\":\"$gw\"" && json_has "$j" '"dev":"veth0"' || fail "pin not via the uplink: $j"
[ "$(state_routes)" -eq 1 ] || fail "the pin is not in $state"
[ "$(stat -c %a "$state")" = 600 ] || fail "$state is not 0600"

step "TAP, then the broadcast and multicast routes on it"
ok tap-open lp0 $mac 1400
expect "ok add" route-discovery
j=$(nsx ip -j route show 255.255.255.255/32)
json_has "$j" '"dev":"lp0"' && json_has "$j" '"protocol":"76"' || fail "no broadcast route on lp0: $j"
j=$(nsx ip -j route show 224.0.0.0/4)
json_has "$j" '"dev":"lp0"' && json_has "$j" '"protocol":"76"' || fail "no multicast route on lp0: $j"
[ "$(state_routes)" -eq 3 ] || fail "state file does not list all three routes"

step "the party hands the TAP a better default route; the relay stays on the uplink"
nsx ip addr add 192.0.2.10/24 dev lp0
nsx ip -6 addr add 2001:db8:2::10/64 dev lp0 nodad
nsx ip route add default via 192.0.2.1 dev lp0 metric 10
nsx ip -6 route add default via 2001:db8:2::1 dev lp0 metric 10
j=$(route_get $unpinned)
json_has "$j" '"dev":"lp0"' || fail "test is meaningless: $unpinned does not go into the TAP: $j"
j=$(route_get $relay)
json_has "$j" '"dev":"veth0"' && json_has "$j" "\"gateway\":\"$gw\"" || fail "relay leaks into the TAP: $j"
nsx ping -c 1 -W 2 $relay >/dev/null || fail "relay unreachable through the pin"
expect "ok ok" route-check
expect "ok add" route-pin $relay

step "a game's broadcast to 255.255.255.255 goes into the TAP"
j=$(route_get 255.255.255.255)
json_has "$j" '"dev":"lp0"' || fail "limited broadcast not routed into the TAP: $j"
ok udp-broadcast 27015
call tap-wait 0800 3000
[[ $ans == "frame "*" ff:ff:ff:ff:ff:ff $mac 0800 ipv4-dst 255.255.255.255" ]] || fail "broadcast frame: '$ans'"

step "a game's multicast to 239.255.255.250 goes into the TAP"
j=$(route_get 239.255.255.250)
json_has "$j" '"dev":"lp0"' || fail "multicast not routed into the TAP: $j"
ok udp-multicast 1900
call tap-wait 0800 3000
[[ $ans == "frame "*" 01:00:5e:7f:ff:fa $mac 0800 ipv4-dst 239.255.255.250" ]] || fail "multicast frame: '$ans'"

step "a loop is refused: pinning a relay that already goes into the TAP"
expect "error ELOOP" route-pin $unpinned
grep -q "leads into lp0" "$tmp/helper.log" || fail "no loop message"
# A failed switch to another relay keeps the pin of the current one.
j=$(route_get $relay)
json_has "$j" '"dev":"veth0"' || fail "a refused pin cost the relay its pin: $j"
expect "ok ok" route-check

step "the pin disappears (a network manager flushed it): check sees it, pin restores it"
nsx ip route del $relay/32 proto 76
expect "ok via-tap" route-check
expect "ok add" route-pin $relay
j=$(route_get $relay)
json_has "$j" '"dev":"veth0"' || fail "pin not restored: $j"
expect "ok ok" route-check
[ "$(state_routes)" -eq 3 ] || fail "state file lost track: $(cat "$state")"

step "a relay on this host needs no pin; switching drops the old pin"
expect "ok none" route-pin 198.51.100.2
[ "$(state_routes)" -eq 2 ] || fail "switching relays did not drop the old pin"
nsx ip -j route show $relay/32 proto 76 | grep -q '"dst"' && fail "old pin left after switching relays"
# Back to the first relay: with the TAP's default route in place the
# lookup now leads into the TAP, and pinning that is refused.
expect "error ELOOP" route-pin $relay
nsx ip route del default via 192.0.2.1 dev lp0
expect "ok add" route-pin $relay
nsx ip route add default via 192.0.2.1 dev lp0 metric 10

step "IPv6 relay: a /128 via the uplink's gateway"
nsx ip -6 route del default via 2001:db8:2::1 dev lp0
expect "ok add" route-pin $relay6
nsx ip -6 route add default via 2001:db8:2::1 dev lp0 metric 10
j=$(nsx ip -6 -j route show $relay6/128 proto 76)
json_has "$j" "\"gateway\":\"$gw6\"" && json_has "$j" '"dev":"veth0"' && json_has "$j" '"metric":1024' ||
        fail "IPv6 pin: $j"
j=$(route_get $relay6)
json_has "$j" '"dev":"veth0"' || fail "IPv6 relay leaks into the TAP: $j"
nsx ip -j route show $relay/32 proto 76 | grep -q '"dst"' && fail "IPv4 pin left after switching to IPv6"

step "undo with the TAP still there removes our routes, and only ours"
ok route-undo
no_routes_of_ours
[ -e "$state" ] && fail "state file left after undo"
nsx ip link show lp0 >/dev/null || fail "undo took the TAP with it"
nsx ip -j route show default | grep -q '"dev":"lp0"' || fail "undo removed the party's default route"
stop_helper
nsx ip link show lp0 >/dev/null 2>&1 && fail "TAP left after exit"

step "orderly exit removes everything"
start_helper RUNTIME_DIRECTORY="$run"
ok route-new lp0
expect "ok add" route-pin $relay
ok tap-open lp0 $mac 1400
expect "ok add" route-discovery
stop_helper
no_routes_of_ours
nsx ip -j route show 255.255.255.255/32 | grep -q '"dst"' && fail "broadcast route left after exit"
nsx ip -j route show 224.0.0.0/4 | grep -q '"dst"' && fail "multicast route left after exit"
[ -e "$state" ] && fail "state file left after exit"

step "crash (kill -9) after pinning: the next start cleans up"
start_helper RUNTIME_DIRECTORY="$run"
ok route-new lp0
expect "ok add" route-pin $relay6
ok tap-open lp0 $mac 1400
expect "ok add" route-discovery
crash_helper
# The TAP died with the process and took its broadcast and multicast
# routes along; the pin on the uplink stays until someone removes it.
nsx ip -j -6 route show $relay6/128 proto 76 | grep -q '"dst"' || fail "crash test is meaningless: pin already gone"
[ "$(state_routes)" -eq 3 ] || fail "the crashed run's state file is missing routes"
start_helper RUNTIME_DIRECTORY="$run"
ok route-new lp0
no_routes_of_ours
[ -e "$state" ] && fail "state file left after cleanup"
grep -q "left behind" "$tmp/helper.log" || fail "cleanup did not say what it did"

step "a second client for the same TAP name is turned away"
out=$(once RUNTIME_DIRECTORY="$run" -- route-new lp0)
[ "$out" = "error EBUSY" ] || fail "second manager: '$out'"
stop_helper

step "an identical route that already exists is used and left in place"
nsx ip route add $relay/32 via $gw dev veth0
start_helper RUNTIME_DIRECTORY="$run"
ok route-new lp0
expect "ok reuse" route-pin $relay
[ -e "$state" ] && fail "a reused route was recorded as ours"
expect "ok ok" route-check
stop_helper
j=$(nsx ip -j route show $relay/32)
json_has "$j" "\"gateway\":\"$gw\"" || fail "the pre-existing route was removed: $j"
nsx ip route del $relay/32 via $gw dev veth0

step "someone else's broadcast route on another interface is left alone"
nsx ip route add 255.255.255.255/32 dev veth0
start_helper RUNTIME_DIRECTORY="$run"
ok route-new lp0
ok tap-open lp0 $mac 1400
expect "ok conflict" route-discovery
grep -q "broadcast to 255.255.255.255 will not reach the party" "$tmp/helper.log" ||
        fail "no warning about the broadcast route"
nsx ip -j route show 224.0.0.0/4 | grep -q '"dev":"lp0"' || fail "the multicast route was not added beside a conflict"
stop_helper
j=$(nsx ip -j route show 255.255.255.255/32)
json_has "$j" '"dev":"veth0"' || fail "someone else's broadcast route was touched: $j"
nsx ip route del 255.255.255.255/32 dev veth0

step "someone else's multicast route on another interface is left alone"
nsx ip route add 224.0.0.0/4 dev veth0
start_helper RUNTIME_DIRECTORY="$run"
ok route-new lp0
ok tap-open lp0 $mac 1400
expect "ok conflict" route-discovery
grep -q "send to or join multicast groups will not reach the party" "$tmp/helper.log" ||
        fail "no warning about the multicast route"
stop_helper
j=$(nsx ip -j route show 224.0.0.0/4)
json_has "$j" '"dev":"veth0"' || fail "someone else's multicast route was touched: $j"
nsx ip route del 224.0.0.0/4 dev veth0

step "a corrupt state file is reported and removed"
printf 'lanparty-client-routes 1\nroute 4 nonsense\n' >"$state"
start_helper RUNTIME_DIRECTORY="$run"
ok route-new lp0
[ -e "$state" ] && fail "corrupt state file kept"
grep -q "unreadable" "$tmp/helper.log" || fail "corrupt state file not reported"
stop_helper

step "no route to the relay"
nsx ip route add blackhole 203.0.113.99/32
nsx ip route add unreachable 203.0.113.98/32
nsx ip -6 route add unreachable 2001:db8:dead::/48
start_helper RUNTIME_DIRECTORY="$run"
ok route-new lp0
expect "error ENETUNREACH" route-pin 203.0.113.99
expect "error ENETUNREACH" route-pin 203.0.113.98
expect "error ENETUNREACH" route-pin 2001:db8:dead::1
grep -q "No usable route to relay 203.0.113.99" "$tmp/helper.log" || fail "no 'no route' message"
stop_helper
no_routes_of_ours

echo "OK"
