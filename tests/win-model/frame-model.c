/* SPDX-License-Identifier: MIT */
/* Frames the model's stack sends (Ethernet, IPv4/UDP, IPv6/ICMPv6 with
 * their checksums) and a short description of any frame for the log:
 * its kind and, for DHCP and router advertisements, the options it
 * carries. The OS's side of the wire: deliberately separate from the
 * parsers of the code under test. */
#include <stdio.h>
#include <string.h>

#include "model.h"

const char *model_mac_str(const uint8_t m[6], char buf[static 18]) {
        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
        return buf;
}

/* RFC 1071: the ones' complement of the ones' complement sum. */
uint16_t model_csum(uint32_t sum, const uint8_t *p, size_t len) {
        for (; len > 1; p += 2, len -= 2)
                sum += (uint32_t) (p[0] << 8 | p[1]);
        if (len)
                sum += (uint32_t) p[0] << 8;
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return (uint16_t) ~sum;
}

static size_t ether(uint8_t *buf, const uint8_t src[6], const uint8_t dst[6], uint16_t type) {
        memcpy(buf, dst, 6);
        memcpy(buf + 6, src, 6);
        buf[12] = (uint8_t) (type >> 8);
        buf[13] = (uint8_t) type;
        return 14;
}

size_t model_frame_ip4(uint8_t *buf, const uint8_t smac[6], const uint8_t dmac[6], const uint8_t src[4],
                       const uint8_t dst[4], uint8_t proto, uint8_t ttl, const uint8_t *payload, size_t len) {
        uint8_t *ip = buf + ether(buf, smac, dmac, 0x0800);
        uint16_t c;

        memset(ip, 0, 20);
        ip[0] = 0x45;
        ip[2] = (uint8_t) ((20 + len) >> 8);
        ip[3] = (uint8_t) (20 + len);
        ip[8] = ttl;
        ip[9] = proto;
        memcpy(ip + 12, src, 4);
        memcpy(ip + 16, dst, 4);
        c = model_csum(0, ip, 20);
        ip[10] = (uint8_t) (c >> 8);
        ip[11] = (uint8_t) c;
        memcpy(ip + 20, payload, len);
        return 14 + 20 + len;
}

size_t model_frame_udp4(uint8_t *buf, const uint8_t smac[6], const uint8_t dmac[6], const uint8_t src[4],
                        const uint8_t dst[4], uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len) {
        uint8_t udp[MODEL_FRAME_MAX];
        uint32_t pseudo = 17 + (uint32_t) (8 + len);
        uint16_t c;

        if (len + 8 > sizeof(udp))
                return 0;
        udp[0] = (uint8_t) (sport >> 8), udp[1] = (uint8_t) sport;
        udp[2] = (uint8_t) (dport >> 8), udp[3] = (uint8_t) dport;
        udp[4] = (uint8_t) ((8 + len) >> 8), udp[5] = (uint8_t) (8 + len);
        udp[6] = udp[7] = 0;
        memcpy(udp + 8, payload, len);
        pseudo += (uint32_t) (src[0] << 8 | src[1]) + (uint32_t) (src[2] << 8 | src[3]);
        pseudo += (uint32_t) (dst[0] << 8 | dst[1]) + (uint32_t) (dst[2] << 8 | dst[3]);
        c = model_csum(pseudo, udp, 8 + len);
        if (c == 0)
                c = 0xffff;
        udp[6] = (uint8_t) (c >> 8), udp[7] = (uint8_t) c;
        return model_frame_ip4(buf, smac, dmac, src, dst, 17, 128, udp, 8 + len);
}

/* IPv6 with one upper-layer header; ICMPv6 (58) and UDP (17) get their
 * checksum over the pseudo-header (RFC 8200 8.1); a Hop-by-Hop header (0) in front of
 * an MLD report is part of `payload`. */
size_t model_frame_ip6(uint8_t *buf, const uint8_t smac[6], const uint8_t dmac[6], const uint8_t src[16],
                       const uint8_t dst[16], uint8_t next, uint8_t hop_limit, const uint8_t *payload, size_t len) {
        uint8_t *ip = buf + ether(buf, smac, dmac, 0x86dd);
        uint8_t *l4 = ip + 40;
        size_t l4_len = len, off = 0;
        uint8_t l4_proto = next;

        memset(ip, 0, 40);
        ip[0] = 0x60;
        ip[4] = (uint8_t) (len >> 8);
        ip[5] = (uint8_t) len;
        ip[6] = next;
        ip[7] = hop_limit;
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        memcpy(l4, payload, len);
        if (next == 0 && len >= 8) {
                l4_proto = l4[0];
                off = (size_t) (l4[1] + 1) * 8;
                l4_len = len > off ? len - off : 0;
        }
        if ((l4_proto == 58 && l4_len >= 4) || (l4_proto == 17 && l4_len >= 8)) {
                size_t at = off + (l4_proto == 58 ? 2 : 6);
                uint32_t pseudo = l4_proto + (uint32_t) l4_len;
                uint16_t c;

                for (size_t k = 0; k < 32; k += 2)
                        pseudo += (uint32_t) (ip[8 + k] << 8 | ip[9 + k]);
                l4[at] = l4[at + 1] = 0;
                c = model_csum(pseudo, l4 + off, l4_len);
                if (c == 0 && l4_proto == 17)
                        c = 0xffff;
                l4[at] = (uint8_t) (c >> 8);
                l4[at + 1] = (uint8_t) c;
        }
        return 14 + 40 + len;
}

static void options_add(WinModelFrameInfo *info, uint8_t code) {
        if (info->n_options < ELEMENTSOF(info->options))
                info->options[info->n_options++] = code;
}

static void classify_dhcp(const uint8_t *d, size_t len, WinModelFrameInfo *info) {
        static const char *const types[] = { "dhcp", "dhcp-discover", "dhcp-offer", "dhcp-request", "dhcp-decline",
                                             "dhcp-ack",  "dhcp-nak",      "dhcp-release", "dhcp-inform" };

        snprintf(info->kind, sizeof(info->kind), "dhcp");
        if (len < 240 || d[236] != 99 || d[237] != 130 || d[238] != 83 || d[239] != 99)
                return;
        for (size_t o = 240; o < len;) {
                uint8_t code = d[o];

                if (code == 0) {
                        o++;
                        continue;
                }
                if (code == 255 || o + 1 >= len || o + 2 + d[o + 1] > len)
                        break;
                options_add(info, code);
                if (code == 53 && d[o + 1] == 1 && d[o + 2] < ELEMENTSOF(types))
                        snprintf(info->kind, sizeof(info->kind), "%s", types[d[o + 2]]);
                o += 2 + (size_t) d[o + 1];
        }
}

static void classify_icmp6(const uint8_t *icmp, size_t len, WinModelFrameInfo *info) {
        const char *kind = "icmp6";

        switch (icmp[0]) {
        case 133: kind = "rs"; break;
        case 134: kind = "ra"; break;
        case 135: kind = "ns"; break;
        case 136: kind = "na"; break;
        case 130: case 131: case 143: kind = "mld"; break;
        }
        snprintf(info->kind, sizeof(info->kind), "%s", kind);
        if (icmp[0] != 134)
                return;
        for (size_t o = 16; o + 2 <= len && icmp[o + 1] != 0 && o + icmp[o + 1] * 8u <= len; o += icmp[o + 1] * 8u)
                options_add(info, icmp[o]);
}

static const char *udp_kind(uint16_t sport, uint16_t dport, bool v6) {
        if (dport == 5355 || sport == 5355)
                return "llmnr";
        if (dport == 5353)
                return "mdns";
        if (dport == 137 || dport == 138)
                return "netbios";
        if (dport == 1900)
                return "ssdp";
        if (v6 && (dport == 546 || dport == 547))
                return "dhcpv6";
        return v6 ? "udp6" : "udp4";
}

void model_frame_classify(const uint8_t *f, size_t len, WinModelFrameInfo *info) {
        size_t off = 14;
        uint16_t type;

        *info = (WinModelFrameInfo) { .len = len };
        snprintf(info->kind, sizeof(info->kind), "other");
        if (len < 14)
                return;
        type = (uint16_t) (f[12] << 8 | f[13]);
        if (type == 0x8100 && len >= 18) {
                type = (uint16_t) (f[16] << 8 | f[17]);
                off = 18;
        }
        if (type == 0x0806) {
                snprintf(info->kind, sizeof(info->kind), "arp");
        } else if (type == 0x0800 && len >= off + 20) {
                const uint8_t *ip = f + off;
                size_t ihl = (size_t) (ip[0] & 15) * 4;

                snprintf(info->kind, sizeof(info->kind), ip[9] == 2 ? "igmp" : ip[9] == 1 ? "icmp4" : "ipv4");
                if (ip[9] == 17 && len >= off + ihl + 8) {
                        const uint8_t *udp = ip + ihl;
                        uint16_t sport = (uint16_t) (udp[0] << 8 | udp[1]), dport = (uint16_t) (udp[2] << 8 | udp[3]);

                        if ((dport == 67 || dport == 68) && (sport == 67 || sport == 68))
                                classify_dhcp(udp + 8, len - off - ihl - 8, info);
                        else
                                snprintf(info->kind, sizeof(info->kind), "%s", udp_kind(sport, dport, false));
                }
        } else if (type == 0x86dd && len >= off + 40) {
                const uint8_t *ip = f + off, *l4 = ip + 40;
                uint8_t next = ip[6];
                size_t rest = len - off - 40;

                if (next == 0 && rest >= 8 && rest >= (size_t) (l4[1] + 1) * 8) {
                        next = l4[0];
                        rest -= (size_t) (l4[1] + 1) * 8;
                        l4 += (size_t) (l4[1] + 1) * 8;
                }
                snprintf(info->kind, sizeof(info->kind), "ipv6");
                if (next == 58 && rest >= 4)
                        classify_icmp6(l4, rest, info);
                else if (next == 17 && rest >= 8)
                        snprintf(info->kind, sizeof(info->kind), "%s",
                                 udp_kind((uint16_t) (l4[0] << 8 | l4[1]), (uint16_t) (l4[2] << 8 | l4[3]), true));
        }
}
