#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Linux TAP backend (src/client/tap-linux.c) in a network namespace of
# its own: MAC, MTU and link state as `ip -j link` sees them, frames both
# ways, and the errors a user gets. Needs root; skips (77) without it.
#
# Usage: test-tap-linux.sh CLIENT-NETNS-HELPER
set -uo pipefail

helper=${1:?usage: test-tap-linux.sh CLIENT-NETNS-HELPER}
. "$(dirname "$0")/client-netns-lib.sh"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

mac=02:11:22:33:44:55
new_netns lptap
# No IPv6 on new interfaces: its router solicitations and MLD reports would
# make "nothing to read" racy.
nsx sysctl -qw net.ipv6.conf.default.disable_ipv6=1

step "open: name from a %d pattern, MAC and MTU set, up with carrier"
start_helper
ok tap-open "lpt%d" "$mac" 1400
read -r _ tap ifindex <<<"$ans"
[ "$tap" = lpt0 ] || fail "TAP named '$tap', expected lpt0"
j=$(link_json "$tap") || fail "ip link cannot see $tap"
json_has "$j" "\"ifindex\":$ifindex," || fail "ifindex mismatch: $j"
json_has "$j" "\"address\":\"$mac\"" || fail "MAC not set: $j"
json_has "$j" '"mtu":1400,' || fail "MTU not set: $j"
json_has "$j" '"link_type":"ether"' || fail "not an Ethernet TAP: $j"
flags=$(link_flags "$j")
[[ $flags == *'"UP"'* && $flags == *'"LOWER_UP"'* ]] || fail "not up with carrier: $flags"

step "read without a frame pending does not block"
expect eagain tap-read

step "MTU changes, and refuses values outside the overlay's range"
expect "ok 1" tap-mtu 1280
json_has "$(link_json "$tap")" '"mtu":1280,' || fail "MTU 1280 not applied"
expect "ok 0" tap-mtu 1280
expect "error ERANGE" tap-mtu 575
expect "error ERANGE" tap-mtu 1501
json_has "$(link_json "$tap")" '"mtu":1280,' || fail "a refused MTU changed the link"
expect "ok 1" tap-mtu 1500

step "link down drops only the carrier; up restores it"
ok tap-link down
flags=$(link_flags "$(link_json "$tap")")
[[ $flags == *'"UP"'* && $flags == *'"NO-CARRIER"'* && $flags != *'"LOWER_UP"'* ]] ||
        fail "link down: $flags"
ok tap-link up
flags=$(link_flags "$(link_json "$tap")")
[[ $flags == *'"LOWER_UP"'* && $flags != *'"NO-CARRIER"'* ]] || fail "link up: $flags"

step "frames written reach the kernel as received packets"
rx_packets() {
        nsx ip -s -j link show dev "$tap" | grep -o '"rx":{"bytes":[0-9]*,"packets":[0-9]*' | grep -o '[0-9]*$'
}
before=$(rx_packets)
for _ in 1 2 3; do ok tap-write ff:ff:ff:ff:ff:ff 88b5 60; done
ok tap-write ff:ff:ff:ff:ff:ff 88b5 14
ok tap-write ff:ff:ff:ff:ff:ff 88b5 1514
after=$(rx_packets)
[ "$after" -eq $((before + 5)) ] || fail "rx packets went $before -> $after, expected +5"
expect "error EBADMSG" tap-write ff:ff:ff:ff:ff:ff 88b5 13
expect "error EMSGSIZE" tap-write ff:ff:ff:ff:ff:ff 88b5 1519
[ "$(rx_packets)" -eq "$after" ] || fail "a refused frame reached the kernel"

step "a frame larger than the read buffer is dropped, the next one still reads"
# A static neighbour, so no ARP comes first. Bypass our MTU limit with ip
# to make the kernel send a 2042-byte frame.
nsx ip addr add 192.0.2.10/24 dev "$tap"
nsx ip neigh replace 192.0.2.98 lladdr 02:00:00:00:00:98 dev "$tap"
nsx ip link set dev "$tap" mtu 3000
expect eagain tap-read
nsx ping -c 1 -W 1 -s 2000 -M dont 192.0.2.98 >/dev/null 2>&1
call tap-read
[ "$ans" = "error EMSGSIZE" ] || fail "oversized frame: '$ans'"
nsx ping -c 1 -W 1 -s 100 192.0.2.98 >/dev/null 2>&1
expect "frame 142 02:00:00:00:00:98 $mac 0800 ipv4-dst 192.0.2.98" tap-read
nsx ip link set dev "$tap" mtu 1500

step "frames the kernel sends come out of read: an ARP request"
nsx ping -c 1 -W 1 192.0.2.99 >/dev/null 2>&1 &
ping_pid=$!
expect "frame 42 ff:ff:ff:ff:ff:ff $mac 0806" tap-wait 0806 3000
wait $ping_pid

step "a second client on the same name gets a clear 'in use'"
out=$(once -- tap-open "$tap" 02:11:22:33:44:56 1400)
[ "$out" = "error EBUSY" ] || fail "second open: '$out'"
grep -q "in use by another program" "$tmp/once.log" || fail "no 'in use' message"

step "a name taken by another kind of interface"
nsx ip link add lpveth0 type veth peer name lpveth1
out=$(once -- tap-open lpveth0 02:11:22:33:44:56 1400)
[ "$out" = "error EEXIST" ] || fail "open over veth: '$out'"
grep -q "interface of another kind" "$tmp/once.log" || fail "no 'another kind' message"

step "invalid names, MACs and MTUs are refused before the kernel sees them"
for name in "a/b" "." ".." "0123456789abcdef" "x:y" "a$(printf '\x7f')b"; do
        out=$(once -- tap-open "$name" 02:11:22:33:44:56 1400)
        [ "$out" = "error EINVAL" ] || fail "name '$name': '$out'"
done
[ "$(once -- tap-open lpbad 00:11:22:33:44:56 1400)" = "error EINVAL" ] || fail "vendor MAC accepted"
[ "$(once -- tap-open lpbad 03:11:22:33:44:56 1400)" = "error EINVAL" ] || fail "multicast MAC accepted"
[ "$(once -- tap-open lpbad 02:11:22:33:44:56 575)" = "error EINVAL" ] || fail "MTU 575 accepted"
nsx ip link show lpbad >/dev/null 2>&1 && fail "a refused open left lpbad behind"

step "without privileges the message says what is missing"
if command -v setpriv >/dev/null; then
        # Root without CAP_NET_ADMIN: /dev/net/tun opens, TUNSETIFF refuses.
        echo "tap-open lpcap 02:11:22:33:44:56 1400" |
                nsx setpriv --bounding-set=-net_admin --inh-caps=-net_admin "$helper" >"$tmp/cap.out" 2>"$tmp/cap.log"
        [ "$(cat "$tmp/cap.out")" = "error EPERM" ] || fail "without CAP_NET_ADMIN: '$(cat "$tmp/cap.out")'"
        grep -q "needs CAP_NET_ADMIN (run as root)" "$tmp/cap.log" || fail "no CAP_NET_ADMIN hint: $(cat "$tmp/cap.log")"

        # An ordinary user cannot even open /dev/net/tun (mode 0600).
        pub=$(mktemp -d)
        chmod 755 "$pub"
        cp "$helper" "$pub/helper"
        chmod 755 "$pub/helper"
        echo "tap-open lpuser 02:11:22:33:44:56 1400" |
                nsx setpriv --reuid=65534 --regid=65534 --clear-groups "$pub/helper" >"$tmp/user.out" 2>"$tmp/user.log"
        rm -rf "$pub"
        case "$(cat "$tmp/user.out")" in
        "error EACCES" | "error EPERM") ;;
        *) fail "as nobody: '$(cat "$tmp/user.out")'" ;;
        esac
        grep -q "CAP_NET_ADMIN (run as root)" "$tmp/user.log" || fail "no CAP_NET_ADMIN hint: $(cat "$tmp/user.log")"
else
        echo "(setpriv missing, privilege errors not checked)"
fi

step "close removes the TAP"
ok tap-close
nsx ip link show "$tap" >/dev/null 2>&1 && fail "$tap still exists after close"
stop_helper

echo "OK"
