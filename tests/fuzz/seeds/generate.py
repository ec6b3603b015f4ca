#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed inputs of the fuzz targets that take frames or config
# text: l2filter, flow-hash, mss, gso, party-check, gatewayd-config and relayd-config, each in its
# target's input format (see the header comment of tests/fuzz/fuzz-NAME.c).
# Frames are what the party LAN carries, with right lengths and checksums,
# so the fuzzer starts deep inside the parsers. generate-seeds.c writes
# the seeds our own encoders make; autoconf-sanitize.py its own. Run it
# again after changing a format.
import base64
import os
import struct

from frames import eth, ipv4, ipv6, udp

TOP = os.path.dirname(os.path.abspath(__file__))

LAN_MAC = bytes.fromhex("001b21aabbcc")
CLIENT_MAC = bytes.fromhex("021122334455")
BCAST = b"\xff" * 6
IP_LAN = bytes([192, 0, 2, 10])
IP_CLIENT = bytes([192, 0, 2, 201])
IP6_LAN = bytes.fromhex("20010db8000100000000000000000010")
IP6_CLIENT = bytes.fromhex("20010db8000100000000000000000201")
LL6_ROUTER = bytes.fromhex("fe800000000000000000000000000001")
ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")


def write(target, name, data):
    d = os.path.join(TOP, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tcp(sport, dport, seq, ack, flags, options=b"", payload=b""):
    doff = (20 + len(options)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 64240, 0, 0) + options + payload


SYN, ACK, PSH, FIN, CWR = 0x02, 0x10, 0x08, 0x01, 0x80
# MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
SYN_OPTIONS = bytes.fromhex("020405b4") + bytes.fromhex("0402080a") + struct.pack("!II", 1, 0) + bytes.fromhex("01030307")


def tcp4(src, dst, flags, options=b"", payload=b"", seq=1000):
    return ipv4(src, dst, 6, tcp(40000, 5001, seq, 1, flags, options, payload), 16)


def tcp6(src, dst, flags, options=b"", payload=b"", seq=1000, ext=b"", ext_nh=None):
    return ipv6(src, dst, 6, tcp(40000, 5001, seq, 1, flags, options, payload), 16, ext, ext_nh)


def dhcp(op, msg_type, client_mac):
    body = struct.pack("!BBBBIHH4s4s4s4s", op, 1, 6, 0, 0x1234, 0, 0x8000, b"\0" * 4,
                       IP_CLIENT if op == 2 else b"\0" * 4, b"\0" * 4, b"\0" * 4)
    body += client_mac + b"\0" * 10 + b"\0" * 192 + b"\x63\x82\x53\x63"
    body += bytes([53, 1, msg_type, 54, 4]) + IP_LAN + bytes([51, 4, 0, 0, 14, 16, 255])
    return body


def icmp6(src, dst, dmac, smac, body):
    """A whole ICMPv6 packet with its checksum (at offset 2 of the body).
    Until 2026-12-07 these seeds held the IPv6 header alone, which sent
    the fuzzer's start into the truncated-packet path instead of the RA
    and redirect checks."""
    return eth(dmac, smac, 0x86DD, ipv6(src, dst, 58, body, csum_at=2, hop_limit=255))


# ---- frames the LAN and the players send ----

FRAMES = {
    "arp-request": eth(BCAST, CLIENT_MAC, 0x0806, struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + CLIENT_MAC + IP_CLIENT
                       + b"\0" * 6 + IP_LAN + b"\0" * 18),
    "dhcp-discover": eth(BCAST, CLIENT_MAC, 0x0800, ipv4(b"\0" * 4, b"\xff" * 4, 17, udp(68, 67, dhcp(1, 1, CLIENT_MAC)), 6)),
    "dhcp-offer": eth(BCAST, CLIENT_MAC, 0x0800, ipv4(IP_LAN, b"\xff" * 4, 17, udp(67, 68, dhcp(2, 2, LAN_MAC)), 6)),
    "dhcpv6-advertise": eth(CLIENT_MAC, LAN_MAC, 0x86DD,
                            ipv6(LL6_ROUTER, IP6_CLIENT, 17, udp(547, 546, b"\x02\x00\x12\x34" + b"\0\x01\0\x04abcd"), 6)),
    "router-advertisement": icmp6(LL6_ROUTER, ALL_NODES, bytes.fromhex("333300000001"), CLIENT_MAC,
                                  bytes([134, 0, 0, 0, 64, 0]) + struct.pack("!HII", 1800, 0, 0)
                                  + bytes([1, 1]) + CLIENT_MAC),
    "icmp6-redirect": icmp6(LL6_ROUTER, IP6_CLIENT, LAN_MAC, CLIENT_MAC,
                            bytes([137, 0, 0, 0, 0, 0, 0, 0]) + IP6_LAN + IP6_CLIENT),
    "tcp4-data": eth(LAN_MAC, CLIENT_MAC, 0x0800, tcp4(IP_CLIENT, IP_LAN, ACK | PSH, payload=b"x" * 1000)),
    "tcp6-syn": eth(LAN_MAC, CLIENT_MAC, 0x86DD, tcp6(IP6_CLIENT, IP6_LAN, SYN, SYN_OPTIONS)),
    "ipv6-fragment": eth(LAN_MAC, CLIENT_MAC, 0x86DD,
                         ipv6(IP6_CLIENT, IP6_LAN, 17, udp(1, 2, b"y" * 64), None,
                              bytes([17, 0, 0, 1]) + b"\0\0\0\x2a", 44)),
    "vlan-tagged": BCAST + CLIENT_MAC + b"\x81\x00\x00\x05\x08\x06" + b"\0" * 46,
    "bpdu": bytes.fromhex("0180c2000000") + CLIENT_MAC + struct.pack("!H", 38) + b"\x42\x42\x03" + b"\0" * 35,
    "jumbo": eth(LAN_MAC, CLIENT_MAC, 0x0800, ipv4(IP_CLIENT, IP_LAN, 17, udp(1, 2, b"z" * 1560), 6)),
    "spoofed-source": eth(BCAST, bytes.fromhex("027777777701"), 0x0806, b"\0" * 46),
}

# l2filter: [flags][room MTU u16][announced MAC][frame]. Flags 3: check the
# source, against the frame's own source (so the deeper rules are reached).
for name, frame in FRAMES.items():
    write("l2filter", name, bytes([3]) + struct.pack("!H", 1344) + CLIENT_MAC + frame)
write("l2filter", "spoofed-source-checked", bytes([1]) + struct.pack("!H", 1344) + CLIENT_MAC + FRAMES["spoofed-source"])

# flow-hash: an overlay datagram as a player sends it (version 1, no flags,
# peer id 0), then the frame.
for name, frame in FRAMES.items():
    write("flow-hash", name, bytes([1, 0, 0, 0]) + frame)

# ---- mss: [mode][room MTU u16][frame, or a TCP segment in template mode] ----
MSS_TEMPLATE, MSS_IPV6, MSS_KEEP_CHECKSUM = 1, 2, 4
syn = tcp(40000, 5001, 1000, 0, SYN, SYN_OPTIONS)
synack = tcp(5001, 40000, 5000, 1001, SYN | ACK, SYN_OPTIONS)
write("mss", "template-syn4", bytes([MSS_TEMPLATE]) + struct.pack("!H", 1344) + syn)
write("mss", "template-synack6", bytes([MSS_TEMPLATE | MSS_IPV6]) + struct.pack("!H", 1280) + synack)
write("mss", "raw-syn4", bytes([0]) + struct.pack("!H", 1344)
      + eth(LAN_MAC, CLIENT_MAC, 0x0800, tcp4(IP_CLIENT, IP_LAN, SYN, SYN_OPTIONS)))
write("mss", "raw-synack6-hop-by-hop", bytes([0]) + struct.pack("!H", 1344)
      + eth(CLIENT_MAC, LAN_MAC, 0x86DD, tcp6(IP6_LAN, IP6_CLIENT, SYN | ACK, SYN_OPTIONS,
                                              ext=bytes([6, 0, 1, 4, 0, 0, 0, 0]), ext_nh=0)))
write("mss", "raw-syn4-bad-checksum", bytes([MSS_KEEP_CHECKSUM]) + struct.pack("!H", 1400)
      + eth(LAN_MAC, CLIENT_MAC, 0x0800, ipv4(IP_CLIENT, IP_LAN, 6, syn)))

# ---- gso: [mode][segment size u16][super-frame] ----
# Mode bits 0-1: 0 TCPv4, 1 TCPv6, 2 UDP-L4, 3 unsupported; bit 2: the
# target sets the IP length from the frame.
payload = bytes((i * 7) & 0xFF for i in range(4000))
ts = bytes.fromhex("0101080a") + struct.pack("!II", 7, 9)
write("gso", "tcpv4", bytes([0]) + struct.pack("!H", 1448)
      + eth(CLIENT_MAC, LAN_MAC, 0x0800, tcp4(IP_LAN, IP_CLIENT, ACK | PSH | FIN | CWR, ts, payload)))
write("gso", "tcpv6", bytes([1 | 4]) + struct.pack("!H", 1428)
      + eth(CLIENT_MAC, LAN_MAC, 0x86DD, tcp6(IP6_LAN, IP6_CLIENT, ACK | PSH, ts, payload)))
write("gso", "udp4", bytes([2]) + struct.pack("!H", 1200)
      + eth(CLIENT_MAC, LAN_MAC, 0x0800, ipv4(IP_LAN, IP_CLIENT, 17, udp(4433, 50000, payload), 6)))
write("gso", "udp6", bytes([2 | 4]) + struct.pack("!H", 1200)
      + eth(CLIENT_MAC, LAN_MAC, 0x86DD, ipv6(IP6_LAN, IP6_CLIENT, 17, udp(4433, 50000, payload), 6)))
write("gso", "tcpv4-small-buffer", bytes([8]) + struct.pack("!H", 500)
      + eth(CLIENT_MAC, LAN_MAC, 0x0800, tcp4(IP_LAN, IP_CLIENT, ACK, b"", payload[:1500])))
write("gso", "unsupported", bytes([3]) + struct.pack("!H", 1448)
      + eth(CLIENT_MAC, LAN_MAC, 0x0800, tcp4(IP_LAN, IP_CLIENT, ACK, b"", payload[:100])))

# ---- party-check: a frame as a player's OS sends a probe (PROTOCOL.md,
# "Party check"): magic, nonce, kind, padding; UDP to port 47617.
CHECK_PORT = 47617
NONCE = bytes(range(0xA0, 0xB0))


def probe(kind, size):
    return b"LANPARTY-CHECK" + NONCE + bytes([kind]) + b"\0" * (size - 31)


write("party-check", "limited-broadcast",
      eth(BCAST, CLIENT_MAC, 0x0800, ipv4(IP_CLIENT, b"\xff" * 4, 17, udp(40000, CHECK_PORT, probe(1, 64)), 6)))
write("party-check", "directed-broadcast",
      eth(BCAST, CLIENT_MAC, 0x0800, ipv4(IP_CLIENT, bytes([192, 0, 2, 255]), 17,
                                          udp(40000, CHECK_PORT, probe(2, 64)), 6)))
write("party-check", "multicast",
      eth(bytes.fromhex("01005e7ffffa"), CLIENT_MAC, 0x0800,
          ipv4(IP_CLIENT, bytes([239, 255, 255, 250]), 17, udp(40000, CHECK_PORT, probe(3, 64)), 6)))
write("party-check", "full-size",
      eth(BCAST, CLIENT_MAC, 0x0800, ipv4(IP_CLIENT, b"\xff" * 4, 17, udp(40000, CHECK_PORT, probe(4, 1344 - 28)), 6)))

# ---- gatewayd-config: [selector][text]; selector % 4: 0 argv, an empty
# argument, then a config file; 1 argv; 2 a token file; 3 a relay endpoint.
PIN = base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=")


def argv(*args):
    return b"".join(a + b"\0" for a in args)


GATEWAY_FILE = (b"# /etc/lanparty/gatewayd-eth0.conf\n[Gateway]\nRelay=relay.example.org:4433\nRoom=party\nPin=" + PIN
                + b"\nGatewayTokenFile=/etc/lanparty/gateway-token\nStateDirectory=/var/lib/lanparty-gatewayd/eth0\n"
                b"Name=Party gateway\nBusAddress=unix:path=/run/dbus/system_bus_socket\n")
write("gatewayd-config", "argv-and-file",
      bytes([0]) + argv(b"--interface", b"eth0", b"--config", b"/etc/lanparty/gatewayd-eth0.conf") + b"\0" + GATEWAY_FILE)
write("gatewayd-config", "argv-overrides-file",
      bytes([0]) + argv(b"--interface", b"eth0", b"--room", b"lan-2026", b"--name", b"other") + b"\0" + GATEWAY_FILE)
write("gatewayd-config", "argv-all",
      bytes([1]) + argv(b"--interface", b"eth0", b"--relay", b"[2001:db8::1]:443", b"--room", b"party", b"--pin", PIN,
                        b"--gateway-token-file", b"/etc/lanparty/gateway-token", b"--state-dir", b"/var/lib/gw",
                        b"--name", b"Party gateway", b"--bus-address", b"unix:path=/tmp/bus"))
write("gatewayd-config", "argv-print-invite",
      bytes([1]) + argv(b"--print-invite", b"--interface", b"eth0", b"--relay", b"198.51.100.1", b"--room", b"party"))
write("gatewayd-config", "argv-help", bytes([1]) + argv(b"--help"))
write("gatewayd-config", "argv-version", bytes([1]) + argv(b"--version", b"--bogus"))
write("gatewayd-config", "token", bytes([2]) + b"# the gateway's token\n\n  tok-0123456789abcdef  \n")
write("gatewayd-config", "endpoint-dns", bytes([3]) + b"relay.example.org:4433")
write("gatewayd-config", "endpoint-ipv6", bytes([3]) + b"[2001:db8::1]:443")
write("gatewayd-config", "endpoint-ipv4", bytes([3]) + b"198.51.100.1")

# ---- relayd-config: [selector][text]; selector % 4: 0 a config file,
# 1 argv, 2 a gateway token file, 3 a listen address.
write("relayd-config", "file-cert",
      bytes([0]) + b"# /etc/lanparty/relayd.conf\n[Relay]\nListen=[::]:443\nCertificate=/etc/lanparty/relay.crt\n"
      b"Key=/etc/lanparty/relay.key\nGatewayTokenFile=/etc/lanparty/gateway-tokens\n"
      b"StateDirectory=/var/lib/lanparty-relayd\nMaxRooms=64\nMaxPeersPerRoom=16\nRateBroadcast=200\n"
      b"RateUnknownUnicast=100\nRateBandwidth=12500000\nBusAddress=unix:path=/run/dbus/system_bus_socket\n")
write("relayd-config", "file-dev-cert",
      bytes([0]) + b"[Relay]\nListen=0.0.0.0:4433\nDevCertDir=/var/lib/lanparty-relayd/dev-cert\n"
      b"StateDirectory=/var/lib/lanparty-relayd\nGatewayTokenFile=/etc/lanparty/gateway-tokens\n")
write("relayd-config", "argv-all",
      bytes([1]) + argv(b"--listen", b"[::]:443", b"--cert", b"/etc/c.pem", b"--key", b"/etc/k.pem",
                        b"--gateway-token-file", b"/etc/t", b"--state-dir", b"/var/lib/r", b"--max-rooms", b"8",
                        b"--max-peers-per-room", b"32", b"--rate-broadcast", b"50", b"--rate-unknown-unicast", b"20",
                        b"--rate-bandwidth", b"1000000", b"--bus-address", b"unix:path=/tmp/bus"))
write("relayd-config", "argv-config-dev-cert",
      bytes([1]) + argv(b"--config", b"/etc/lanparty/relayd.conf", b"--dev-cert-dir", b"/tmp/cert",
                        b"--insecure-open-gateways", b"--state-dir", b"/tmp/state"))
write("relayd-config", "argv-help", bytes([1]) + argv(b"--help"))
write("relayd-config", "tokens",
      bytes([2]) + b"# one token per line\ntok-0123456789abcdef\n\n  another-token-0123456789  \n# end\n")
write("relayd-config", "listen-ipv4", bytes([3]) + b"0.0.0.0:443")
write("relayd-config", "listen-ipv6", bytes([3]) + b"[::]:4433")
write("relayd-config", "listen-mapped", bytes([3]) + b"[::ffff:192.0.2.1]:443")

# ---- host-port: [selector][text]; selector bit 0: no default port (the
# port is required), bit 1: leading zeros in the port allowed (Listen=).
write("host-port", "dns", bytes([0]) + b"relay.example.org")
write("host-port", "dns-port", bytes([1]) + b"relay.example.org:4433")
write("host-port", "ipv4-port", bytes([1]) + b"198.51.100.1:443")
write("host-port", "ipv4-leading-zero-port", bytes([3]) + b"192.0.2.1:0443")
write("host-port", "ipv6", bytes([0]) + b"[2001:db8::1]")
write("host-port", "ipv6-port", bytes([1]) + b"[2001:db8:0:0:1:0:0:1]:65535")
write("host-port", "ipv6-ipv4-tail", bytes([1]) + b"[::ffff:192.0.2.1]:443")
write("host-port", "longest-label", bytes([0]) + b"a" * 63 + b".example:1")

# ---- e2e-frame: a script of records (see fuzz-e2e-frame.c): op 1 seals a
# frame (u8 epoch, u8 size: 14 + 6 * size bytes, at most 1518, taken from
# the input),
# op 2 brings back an earlier one (u8 index, u8 position, u8 xor mask),
# op 0 is raw bytes (u8 length); bit 7 of the op byte: bob, not alice.
ARP = eth(BCAST, LAN_MAC, 0x0806, bytes(28))


def seal(epoch, frame, bob=False):
    size = (len(frame) - 14 + 5) // 6
    return bytes([0x81 if bob else 1, epoch, size]) + frame.ljust(min(14 + 6 * size, 1518), b"\0")


write("e2e-frame", "seal-arp", seal(5, ARP))
write("e2e-frame", "seal-both-suites", seal(5, ARP) + seal(9, ARP, bob=True))
write("e2e-frame", "replay", seal(5, ARP) + bytes([2, 0, 0, 0]))
write("e2e-frame", "tamper-tag", seal(5, ARP) + bytes([2, 0, 70, 1]))
write("e2e-frame", "new-then-old-epoch", seal(7, ARP) + seal(3, ARP) + seal(7, ARP))
write("e2e-frame", "raw", bytes([0, 60]) + bytes(60))
write("e2e-frame", "full-frame", seal(200, eth(BCAST, LAN_MAC, 0x0800, bytes(1500))))
