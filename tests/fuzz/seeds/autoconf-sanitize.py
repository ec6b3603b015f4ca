#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seed inputs of fuzz-autoconf-sanitize into
# seeds/autoconf-sanitize/: a DHCP OFFER and ACK, a router advertisement
# and a DHCPv6 REPLY as dnsmasq and radvd send them (raw mode), and the
# same options for the target's template modes. See the target's header
# for the input format. Run it again after changing that format.
import os
import struct

from frames import eth, ipv4, ipv6, udp

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "autoconf-sanitize")

ROUTER_MAC = bytes.fromhex("001b21aabbcc")
CLIENT_MAC = bytes.fromhex("021122334455")


def ipv4_udp(src, dst, sport, dport, payload):
    return eth(CLIENT_MAC, ROUTER_MAC, 0x0800,
               ipv4(src, dst, 17, udp(sport, dport, payload), 6, ident=0, flags=0, tos=0x10))


def ipv6_from_router(src, dst, dmac, nh, l4, csum_at):
    return eth(dmac, ROUTER_MAC, 0x86DD, ipv6(src, dst, nh, l4, csum_at, hop_limit=255))


def opt(code, data):
    return bytes([code, len(data)]) + data


def dhcp_options(msg_type, overload=None):
    o = opt(53, bytes([msg_type])) + opt(54, bytes([192, 0, 2, 1]))
    if overload:
        o += opt(52, bytes([overload]))
    o += opt(51, struct.pack("!I", 3600)) + opt(58, struct.pack("!I", 1800)) + opt(59, struct.pack("!I", 3150))
    o += opt(1, bytes([255, 255, 255, 0])) + opt(28, bytes([192, 0, 2, 255]))
    if not overload:
        o += opt(3, bytes([192, 0, 2, 1])) + opt(6, bytes([192, 0, 2, 53, 192, 0, 2, 54]))
        o += opt(15, b"party.example")
        o += opt(119, b"\x05party\x07example\x00\x03lan\xc0\x06")
        o += opt(121, bytes([0, 192, 0, 2, 1, 24, 203, 0, 113, 192, 0, 2, 1]))
        o += opt(249, bytes([0, 192, 0, 2, 1])) + opt(252, b"http://wpad")
        o += opt(42, bytes([192, 0, 2, 1]))
    return o + b"\xff"


def dhcp_message(msg_type, overload=None):
    sname = bytes(64)
    file = bytes(128)
    if overload:
        file = (opt(6, bytes([192, 0, 2, 53])) + opt(42, bytes([192, 0, 2, 1])) + b"\xff").ljust(128, b"\0")
        sname = (opt(3, bytes([192, 0, 2, 1])) + b"\0" + opt(15, b"party") + b"\xff").ljust(64, b"\0")
    fixed = struct.pack("!BBBBIHH4s4s4s4s16s", 2, 1, 6, 0, 0x3903F326, 0, 0x8000, bytes(4), bytes([192, 0, 2, 123]),
                        bytes([192, 0, 2, 1]), bytes(4), CLIENT_MAC.ljust(16, b"\0"))
    m = fixed + sname + file + bytes([99, 130, 83, 99]) + dhcp_options(msg_type, overload)
    return m.ljust(300, b"\0")


RA_OPTIONS = (
    bytes([1, 1]) + ROUTER_MAC
    + bytes([5, 1, 0, 0]) + struct.pack("!I", 1344)
    + bytes([3, 4, 64, 0xC0]) + struct.pack("!III", 86400, 14400, 0) + bytes.fromhex("20010db8000100000000000000000000")
    + bytes([24, 1, 0, 0x08]) + struct.pack("!I", 1800)
    + bytes([25, 3, 0, 0]) + struct.pack("!I", 1800) + bytes.fromhex("20010db8000100000000000000000053")
    + bytes([31, 3, 0, 0]) + struct.pack("!I", 1800) + b"\x05party\x07example\x00\x00"
)

DHCPV6_OPTIONS = (
    struct.pack("!HH", 1, 10) + bytes.fromhex("00030001") + CLIENT_MAC
    + struct.pack("!HH", 2, 10) + bytes.fromhex("00030001") + ROUTER_MAC
    + struct.pack("!HHIII", 3, 40, 1, 1800, 2880)
    + struct.pack("!HH", 5, 24) + bytes.fromhex("20010db8000100000000000000000123") + struct.pack("!II", 3600, 7200)
    + struct.pack("!HH", 23, 16) + bytes.fromhex("20010db8000100000000000000000053")
    + struct.pack("!HH", 24, 15) + b"\x05party\x07example\x00"
)

RA_HEADER_FIELDS = bytes([0x48]) + struct.pack("!H", 1800)  # flags, router lifetime


def ra_frame():
    l4 = bytes([134, 0, 0, 0, 64]) + RA_HEADER_FIELDS + struct.pack("!II", 0, 0) + RA_OPTIONS
    return ipv6_from_router(bytes.fromhex("fe800000000000000000000000000001"), bytes.fromhex("ff020000000000000000000000000001"),
                bytes.fromhex("333300000001"), 58, l4, 2)


def dhcpv6_frame():
    msg = bytes([7, 0x12, 0x34, 0x56]) + DHCPV6_OPTIONS
    l4 = struct.pack("!HHHH", 547, 546, 8 + len(msg), 0) + msg
    return ipv6_from_router(bytes.fromhex("fe800000000000000000000000000001"), bytes.fromhex("fe80000000000000001122fffe334455"),
                CLIENT_MAC, 17, l4, 6)


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        # mode 0: the whole frame
        "raw-dhcp-offer": b"\x00" + ipv4_udp(bytes([192, 0, 2, 1]), bytes([192, 0, 2, 123]), 67, 68, dhcp_message(2)),
        "raw-dhcp-ack-overload": b"\x00" + ipv4_udp(bytes([192, 0, 2, 1]), bytes([192, 0, 2, 123]), 67, 68,
                                                    dhcp_message(5, overload=3)),
        "raw-ra": b"\x00" + ra_frame(),
        "raw-dhcpv6-reply": b"\x00" + dhcpv6_frame(),
        # template modes: bit 0, kind in bits 1-2, bit 5 sname+file first
        "template-dhcp": b"\x01" + dhcp_options(2),
        "template-dhcp-overload": b"\x21" + dhcp_message(5, overload=3)[44:236] + dhcp_options(5, overload=3),
        "template-ra": b"\x03" + RA_HEADER_FIELDS + RA_OPTIONS,
        "template-dhcpv6": b"\x05" + bytes([7, 0x12, 0x34, 0x56]) + DHCPV6_OPTIONS,
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
