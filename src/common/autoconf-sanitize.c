/* SPDX-License-Identifier: MIT */
#include "autoconf-sanitize.h"

#include <string.h>

#include "ether.h"
#include "inet-checksum.h"
#include "ip.h"
#include "macro.h"
#include "string-table.h"

#define IPV4_MORE_FRAGMENTS 0x2000
#define IPV4_OFFSET_MASK 0x1fff
#define IPV6_FRAGMENT_OFFSET_MASK 0xfff8
#define UDP_CHECKSUM_OFFSET 6
#define ICMPV6_CHECKSUM_OFFSET 2

#define PORT_DHCP_SERVER 67
#define PORT_DHCP_CLIENT 68
#define PORT_DHCPV6_CLIENT 546
#define PORT_DHCPV6_SERVER 547

/* RFC 2131 section 2: the fixed fields, then the magic cookie and the
 * options. `sname` and `file` hold options too when option 52 says so. */
#define DHCP_OP_BOOTREPLY 2
#define DHCP_SNAME_OFFSET 44
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_OFFSET 108
#define DHCP_FILE_LEN 128
#define DHCP_COOKIE_OFFSET 236
#define DHCP_OPTIONS_OFFSET 240
#define DHCP_OPTION_PAD 0
#define DHCP_OPTION_OVERLOAD 52
#define DHCP_OPTION_END 255
#define DHCP_OVERLOAD_FILE 1
#define DHCP_OVERLOAD_SNAME 2

/* RFC 4861 4.2: type, code, checksum, hop limit, flags, router lifetime,
 * reachable time, retransmission timer; then options of 8-byte units. */
#define ICMPV6_ROUTER_ADVERTISEMENT 134
#define RA_HEADER_LEN 16
#define RA_FLAGS_OFFSET 5
#define RA_FLAGS_PREFERENCE 0x18
#define RA_LIFETIME_OFFSET 6
#define ND_OPTION_UNIT 8

/* RFC 8415 8 and 21.1: msg-type and transaction-id, then options of
 * code (16 bits), length (16 bits), data. */
#define DHCPV6_HEADER_LEN 4
#define DHCPV6_OPTION_HEADER_LEN 4

static const uint8_t dhcp_magic_cookie[4] = {99, 130, 83, 99};
static const uint16_t dhcpv4_removed[] = {AUTOCONF_DHCPV4_REMOVED};
static const uint16_t ra_removed[] = {AUTOCONF_RA_REMOVED};
static const uint16_t dhcpv6_removed[] = {AUTOCONF_DHCPV6_REMOVED};

static const char *const autoconf_verdict_table[_AUTOCONF_VERDICT_MAX] = {
        [AUTOCONF_NONE] = "none",
        [AUTOCONF_CLEAN] = "clean",
        [AUTOCONF_SANITIZED_DHCPV4] = "dhcpv4",
        [AUTOCONF_SANITIZED_RA] = "router_advertisement",
        [AUTOCONF_SANITIZED_DHCPV6] = "dhcpv6",
        [AUTOCONF_UNSAFE] = "unsafe",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(autoconf_verdict, AutoconfVerdict)

/* Where a candidate message lies in the frame. */
typedef struct Message {
        AutoconfVerdict kind; /* AUTOCONF_SANITIZED_*: what it becomes when rewritten */
        bool ipv6;
        size_t l4;     /* offset of the UDP or ICMPv6 header */
        size_t l4_len; /* the UDP length, or the ICMPv6 message's */
} Message;

static bool code_is_removed(unsigned code, const uint16_t *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (list[i] == code)
                        return true;
        return false;
}

/* ---- finding the three messages ---------------------------------------------- */

/* Identification reads only what the frame holds, wherever the headers say
 * the ports are, so that nothing a lenient parser would take for a DHCP
 * reply gets past as "none". Whether the lengths agree is checked after. */
static AutoconfVerdict find_ipv4(const uint8_t *frame, size_t len, Message *ret) {
        const uint8_t *ip = frame + LP_ETHER_HEADER_LEN;
        size_t avail = len - LP_ETHER_HEADER_LEN, ihl, total, udp_len;
        uint16_t fragment;

        if (avail < IPV4_HEADER_MIN || ip[0] >> 4 != 4 || ip[9] != IP_PROTO_UDP)
                return AUTOCONF_NONE;
        ihl = (size_t) (ip[0] & 0x0f) * 4;
        fragment = be16_load(ip + 6);
        /* A fragment with an offset carries no UDP header. */
        if ((fragment & IPV4_OFFSET_MASK) != 0 || avail - 4 < ihl)
                return AUTOCONF_NONE;
        if (be16_load(ip + ihl) != PORT_DHCP_SERVER || be16_load(ip + ihl + 2) != PORT_DHCP_CLIENT)
                return AUTOCONF_NONE;

        /* A DHCP server talking to a client: rewritten, or refused. The
         * first fragment of a reply cannot be rewritten whole. */
        total = be16_load(ip + 2);
        if (ihl < IPV4_HEADER_MIN || total > avail || total < ihl + UDP_HEADER_LEN ||
            (fragment & IPV4_MORE_FRAGMENTS))
                return AUTOCONF_UNSAFE;
        udp_len = be16_load(ip + ihl + 4);
        if (udp_len < UDP_HEADER_LEN || udp_len > total - ihl)
                return AUTOCONF_UNSAFE;

        *ret = (Message) {
                .kind = AUTOCONF_SANITIZED_DHCPV4,
                .l4 = LP_ETHER_HEADER_LEN + ihl,
                .l4_len = udp_len,
        };
        return ret->kind;
}

static AutoconfVerdict find_ipv6(const uint8_t *frame, size_t len, Message *ret) {
        const uint8_t *ip = frame + LP_ETHER_HEADER_LEN;
        size_t avail = len - LP_ETHER_HEADER_LEN, off = IPV6_HEADER_LEN, end, l4_len;
        AutoconfVerdict kind;
        bool behind_extension = false;
        uint8_t next;

        if (avail < IPV6_HEADER_LEN || ip[0] >> 4 != 6)
                return AUTOCONF_NONE;

        /* Looking for what is behind the extension headers: a header cut
         * short hides nothing a host could parse. */
        for (next = ip[6];;) {
                int header_len;

                if (next == IP_PROTO_ICMPV6) {
                        if (avail - off < 1 || ip[off] != ICMPV6_ROUTER_ADVERTISEMENT)
                                return AUTOCONF_NONE;
                        kind = AUTOCONF_SANITIZED_RA;
                        break;
                }
                if (next == IP_PROTO_UDP) {
                        if (avail - off < 4 || be16_load(ip + off) != PORT_DHCPV6_SERVER ||
                            be16_load(ip + off + 2) != PORT_DHCPV6_CLIENT)
                                return AUTOCONF_NONE;
                        kind = AUTOCONF_SANITIZED_DHCPV6;
                        break;
                }
                header_len = ipv6_extension_header_len(next, ip + off, avail - off);
                if (header_len <= 0 || (size_t) header_len > avail - off)
                        return AUTOCONF_NONE;
                /* Only the first fragment has the upper-layer header. */
                if (next == IP_PROTO_FRAGMENT && (be16_load(ip + off + 2) & IPV6_FRAGMENT_OFFSET_MASK) != 0)
                        return AUTOCONF_NONE;
                next = ip[off];
                off += (size_t) header_len;
                behind_extension = true;
        }

        /* Extension headers in front (a fragment, hop-by-hop options) are
         * no place for an RA or a DHCPv6 reply, and rewriting behind them
         * would mean following every one; refused. A payload length of 0
         * announces a jumbogram. */
        end = IPV6_HEADER_LEN + (size_t) be16_load(ip + 4);
        if (behind_extension || end == IPV6_HEADER_LEN || end > avail)
                return AUTOCONF_UNSAFE;
        if (kind == AUTOCONF_SANITIZED_RA) {
                l4_len = end - off;
                if (l4_len < RA_HEADER_LEN)
                        return AUTOCONF_UNSAFE;
        } else {
                if (end - off < UDP_HEADER_LEN)
                        return AUTOCONF_UNSAFE;
                l4_len = be16_load(ip + off + 4);
                /* IPv6 forbids a zero UDP checksum (RFC 8200 8.1). */
                if (l4_len < UDP_HEADER_LEN || l4_len > end - off || be16_load(ip + off + UDP_CHECKSUM_OFFSET) == 0)
                        return AUTOCONF_UNSAFE;
        }

        *ret = (Message) {
                .kind = kind,
                .ipv6 = true,
                .l4 = LP_ETHER_HEADER_LEN + off,
                .l4_len = l4_len,
        };
        return kind;
}

/* ---- checksums ----------------------------------------------------------------- */

static uint8_t message_protocol(const Message *m) {
        return m->kind == AUTOCONF_SANITIZED_RA ? IP_PROTO_ICMPV6 : IP_PROTO_UDP;
}

static size_t message_checksum_offset(const Message *m) {
        return m->kind == AUTOCONF_SANITIZED_RA ? ICMPV6_CHECKSUM_OFFSET : UDP_CHECKSUM_OFFSET;
}

/* The checksum over the pseudo-header (RFC 768, RFC 8200 8.1) and the
 * message as it is now. */
static uint16_t message_checksum(const uint8_t *frame, const Message *m) {
        const uint8_t *ip = frame + LP_ETHER_HEADER_LEN;
        uint64_t sum;

        if (m->ipv6)
                sum = inet_checksum_add(0, ip + 8, 32);
        else
                sum = inet_checksum_add(0, ip + 12, 8);
        sum += message_protocol(m);
        sum += m->l4_len;
        return inet_checksum_finish(inet_checksum_add(sum, frame + m->l4, m->l4_len));
}

static void message_checksum_write(uint8_t *frame, const Message *m) {
        uint8_t *field = frame + m->l4 + message_checksum_offset(m);
        uint16_t c;

        be16_store(field, 0);
        c = message_checksum(frame, m);
        /* UDP sends "no checksum" as 0, so a computed 0 goes out as 0xffff. */
        if (c == 0 && message_protocol(m) == IP_PROTO_UDP)
                c = 0xffff;
        be16_store(field, c);
}

/* ---- rewriting --------------------------------------------------------------------- */

/* Removes options from one DHCPv4 option area of `len` bytes in place.
 * What follows the kept ones (END and the padding after it) moves up, and
 * the bytes that frees at the end become PAD, so the area keeps its size.
 * `overload` collects option 52 (main area only; NULL elsewhere). Returns
 * the bytes removed, or -EBADMSG for an option running past the area or a
 * malformed or contradictory option 52. */
static int dhcpv4_area_strip(uint8_t *p, size_t len, uint8_t *overload) {
        size_t in = 0, out = 0;

        while (in < len && p[in] != DHCP_OPTION_END) {
                size_t option_len;

                if (p[in] == DHCP_OPTION_PAD) {
                        p[out++] = p[in++];
                        continue;
                }
                if (len - in < 2 || (size_t) p[in + 1] > len - in - 2)
                        return -EBADMSG;
                option_len = 2 + (size_t) p[in + 1];
                if (overload && p[in] == DHCP_OPTION_OVERLOAD) {
                        uint8_t v = option_len == 3 ? p[in + 2] : 0;

                        if (v < 1 || v > 3 || (*overload != 0 && *overload != v))
                                return -EBADMSG;
                        *overload = v;
                }
                if (code_is_removed(p[in], dhcpv4_removed, ELEMENTSOF(dhcpv4_removed))) {
                        in += option_len;
                        continue;
                }
                memmove(p + out, p + in, option_len);
                out += option_len;
                in += option_len;
        }

        memmove(p + out, p + in, len - in);
        memset(p + out + (len - in), DHCP_OPTION_PAD, in - out);
        return (int) (in - out);
}

/* Returns the bytes removed (0: nothing to do), or -EBADMSG. */
static int dhcpv4_strip(uint8_t *frame, const Message *m) {
        uint8_t *msg = frame + m->l4 + UDP_HEADER_LEN, overload = 0;
        size_t msg_len = m->l4_len - UDP_HEADER_LEN;
        int removed, r;

        /* Without the cookie there are no options a client reads; BOOTREQUESTs
         * are not for clients. */
        if (msg_len < DHCP_OPTIONS_OFFSET || msg[0] != DHCP_OP_BOOTREPLY ||
            memcmp(msg + DHCP_COOKIE_OFFSET, dhcp_magic_cookie, sizeof(dhcp_magic_cookie)) != 0)
                return 0;

        removed = dhcpv4_area_strip(msg + DHCP_OPTIONS_OFFSET, msg_len - DHCP_OPTIONS_OFFSET, &overload);
        if (removed < 0)
                return removed;
        /* RFC 2131 4.1: options, then `file`, then `sname`. */
        if (overload & DHCP_OVERLOAD_FILE) {
                r = dhcpv4_area_strip(msg + DHCP_FILE_OFFSET, DHCP_FILE_LEN, NULL);
                if (r < 0)
                        return r;
                removed += r;
        }
        if (overload & DHCP_OVERLOAD_SNAME) {
                r = dhcpv4_area_strip(msg + DHCP_SNAME_OFFSET, DHCP_SNAME_LEN, NULL);
                if (r < 0)
                        return r;
                removed += r;
        }
        return removed;
}

/* Cuts `removed` bytes out at frame[at..] by moving up what follows,
 * Ethernet padding included. */
static void frame_cut(uint8_t *frame, size_t *len, size_t at, size_t removed) {
        memmove(frame + at, frame + at + removed, *len - at - removed);
        *len -= removed;
}

static void ipv6_payload_shrink(uint8_t *frame, size_t removed) {
        uint8_t *ip = frame + LP_ETHER_HEADER_LEN;

        be16_store(ip + 4, (uint16_t) (be16_load(ip + 4) - removed));
}

/* Returns 1 when changed, 0 when nothing was to do, or -EBADMSG. */
static int ra_strip(uint8_t *frame, size_t *len, Message *m) {
        uint8_t *ra = frame + m->l4;
        size_t in = RA_HEADER_LEN, out = RA_HEADER_LEN, removed;
        bool lifetime_cleared = false;

        /* RFC 4861 4.6: an option shorter than its own header, of length
         * 0, or past the end makes the whole RA invalid. */
        while (in < m->l4_len) {
                size_t option_len;

                if (m->l4_len - in < 2 || ra[in + 1] == 0 || (size_t) ra[in + 1] * ND_OPTION_UNIT > m->l4_len - in)
                        return -EBADMSG;
                option_len = (size_t) ra[in + 1] * ND_OPTION_UNIT;
                if (!code_is_removed(ra[in], ra_removed, ELEMENTSOF(ra_removed))) {
                        memmove(ra + out, ra + in, option_len);
                        out += option_len;
                }
                in += option_len;
        }
        removed = in - out;

        if (be16_load(ra + RA_LIFETIME_OFFSET) != 0) {
                be16_store(ra + RA_LIFETIME_OFFSET, 0);
                ra[RA_FLAGS_OFFSET] &= (uint8_t) ~RA_FLAGS_PREFERENCE;
                lifetime_cleared = true;
        }
        if (removed == 0 && !lifetime_cleared)
                return 0;

        frame_cut(frame, len, m->l4 + out, removed);
        ipv6_payload_shrink(frame, removed);
        m->l4_len -= removed;
        return 1;
}

/* Returns 1 when changed, 0 when nothing was to do, or -EBADMSG. */
static int dhcpv6_strip(uint8_t *frame, size_t *len, Message *m) {
        uint8_t *udp = frame + m->l4, *msg = udp + UDP_HEADER_LEN;
        size_t msg_len = m->l4_len - UDP_HEADER_LEN, in = DHCPV6_HEADER_LEN, out = DHCPV6_HEADER_LEN, removed;

        /* Too short to be a message: clients drop it. */
        if (msg_len < DHCPV6_HEADER_LEN)
                return 0;
        while (in < msg_len) {
                size_t option_len;

                if (msg_len - in < DHCPV6_OPTION_HEADER_LEN ||
                    (size_t) be16_load(msg + in + 2) > msg_len - in - DHCPV6_OPTION_HEADER_LEN)
                        return -EBADMSG;
                option_len = DHCPV6_OPTION_HEADER_LEN + (size_t) be16_load(msg + in + 2);
                if (!code_is_removed(be16_load(msg + in), dhcpv6_removed, ELEMENTSOF(dhcpv6_removed))) {
                        memmove(msg + out, msg + in, option_len);
                        out += option_len;
                }
                in += option_len;
        }
        removed = in - out;
        if (removed == 0)
                return 0;

        frame_cut(frame, len, m->l4 + UDP_HEADER_LEN + out, removed);
        ipv6_payload_shrink(frame, removed);
        m->l4_len -= removed;
        be16_store(udp + 4, (uint16_t) m->l4_len);
        return 1;
}

AutoconfVerdict autoconf_sanitize_frame(const uint8_t *frame, size_t len, uint8_t *out, size_t out_size,
                                        size_t *ret_len) {
        AutoconfVerdict kind;
        bool has_checksum;
        size_t new_len = len;
        Message m;
        int r;

        if (!frame || !out || !ret_len || out_size < len)
                return _AUTOCONF_VERDICT_INVALID;
        if (len < LP_ETHER_HEADER_LEN)
                return AUTOCONF_NONE;

        /* VLAN tags are not looked behind: the L2 filter drops tagged frames
         * on their way to clients. */
        switch (be16_load(frame + 2 * LP_MAC_LEN)) {
        case LP_ETHERTYPE_IPV4:
                kind = find_ipv4(frame, len, &m);
                break;
        case LP_ETHERTYPE_IPV6:
                kind = find_ipv6(frame, len, &m);
                break;
        default:
                return AUTOCONF_NONE;
        }
        if (!autoconf_verdict_is_sanitized(kind))
                return kind;

        /* Only a zero UDP checksum over IPv4 means "none". A wrong one is
         * refused rather than made right: our rewrite must not turn a
         * corrupted message into one every client accepts. */
        has_checksum = m.ipv6 || be16_load(frame + m.l4 + UDP_CHECKSUM_OFFSET) != 0;
        if (has_checksum && message_checksum(frame, &m) != 0)
                return AUTOCONF_UNSAFE;

        memmove(out, frame, len);
        switch (kind) {
        case AUTOCONF_SANITIZED_DHCPV4:
                r = dhcpv4_strip(out, &m);
                break;
        case AUTOCONF_SANITIZED_RA:
                r = ra_strip(out, &new_len, &m);
                break;
        default:
                r = dhcpv6_strip(out, &new_len, &m);
                break;
        }
        if (r < 0)
                return AUTOCONF_UNSAFE;
        if (r == 0)
                return AUTOCONF_CLEAN;

        if (has_checksum)
                message_checksum_write(out, &m);
        *ret_len = new_len;
        return kind;
}
