# SPDX-License-Identifier: MIT
# The Ethernet, IPv4, IPv6 and UDP builders the seed scripts share
# (generate.py, autoconf-sanitize.py): headers with right lengths and
# checksums, so the fuzzers start deep inside the parsers.
import struct


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, src, ethertype, payload):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, l4, csum_at=None, ident=0x1234, flags=0x4000, tos=0):
    """An IPv4 packet; the L4 checksum at csum_at (None: none) is made right."""
    if csum_at is not None:
        c = csum(src + dst + struct.pack("!BBH", 0, proto, len(l4)) + l4)
        if proto == 17 and c == 0:
            c = 0xFFFF
        l4 = l4[:csum_at] + struct.pack("!H", c) + l4[csum_at + 2:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(l4), ident, flags, 64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + l4


def ipv6(src, dst, nh, l4, csum_at=None, ext=b"", ext_nh=None, hop_limit=64):
    """An IPv6 packet; `ext` goes between the header and l4 (its first byte
    is patched to nh, the header's next header is ext_nh)."""
    if csum_at is not None:
        c = csum(src + dst + struct.pack("!IxxxB", len(l4), nh) + l4)
        if nh == 17 and c == 0:
            c = 0xFFFF
        l4 = l4[:csum_at] + struct.pack("!H", c) + l4[csum_at + 2:]
    first = nh
    if ext:
        ext = bytes([nh]) + ext[1:]
        first = ext_nh
    return struct.pack("!IHBB", 0x60000000, len(ext) + len(l4), first, hop_limit) + src + dst + ext + l4


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
