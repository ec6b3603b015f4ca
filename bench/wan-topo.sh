# SPDX-License-Identifier: MIT
# A bare path through bench/wan-emu, for bench/wan-emu-check.sh and
# tests/test-wan-emu.sh: host A and host B in network namespaces of their
# own, the emulator's namespace between them, nothing else:
#   $NS_A eth0 203.0.113.1 ── wa [$NS_WAN] wb ── eth0 203.0.113.2 $NS_B
# Source tests/e2e/lib.sh first (nsx, bg, veth_pair, topo_down); this sets
# ALL_NS to these three, so lib.sh's topo_down removes them.
NS_A=$E2E_ID-a NS_WAN=$E2E_ID-wan NS_B=$E2E_ID-b
ALL_NS=("$NS_A" "$NS_WAN" "$NS_B")
A_IP=203.0.113.1 B_IP=203.0.113.2

wan_topo_up() {
        local ns
        for ns in "${ALL_NS[@]}"; do
                ip netns add "$ns" || return 1
                nsx "$ns" ip link set lo up
        done
        nsx "$NS_WAN" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        veth_pair "$NS_A" eth0 "$NS_WAN" wa || return 1
        veth_pair "$NS_WAN" wb "$NS_B" eth0 || return 1
        nsx "$NS_A" ip addr add "$A_IP/24" dev eth0
        nsx "$NS_B" ip addr add "$B_IP/24" dev eth0
        # Wire-sized frames: a WAN carries packets, not 64 KiB GSO segments.
        nsx "$NS_A" ethtool -K eth0 tso off gso off gro off tx-udp-segmentation off >/dev/null
        nsx "$NS_B" ethtool -K eth0 tso off gso off gro off tx-udp-segmentation off >/dev/null
        nsx "$NS_WAN" ethtool -K wa gro off >/dev/null
        nsx "$NS_WAN" ethtool -K wb gro off >/dev/null
}
