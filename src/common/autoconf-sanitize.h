/* SPDX-License-Identifier: MIT */
#pragma once

/* Keeps the party's network from taking over a remote player's internet.
 *
 * The party's DHCP server and router hand out what is right for PCs at the
 * party: the party's router as the default gateway, its DNS servers and
 * domains, static routes through it. A remote player's TAP adapter has the
 * lowest metric (so games' broadcasts find the party), so on the player's
 * PC the same settings would send all traffic and all name lookups into
 * the tunnel. Before a frame from the relay reaches the TAP, this module
 * removes them from the three messages that carry them:
 *
 *   - DHCPv4 replies (BOOTREPLY, UDP 67 → 68, any message type): the
 *     options in AUTOCONF_DHCPV4_REMOVED below, also where option overload
 *     (52) puts options into `file` and `sname`. The message keeps its
 *     length: what follows the kept options moves up and the freed bytes
 *     at the end become PAD, the padding servers put there anyway (BOOTP
 *     clients want 300 bytes). So the IPv4 header stays as it was; only
 *     the UDP checksum is recomputed, and a zero one (none) stays zero.
 *   - IPv6 router advertisements (ICMPv6 134): router lifetime 0 (no
 *     default route; the preference bits go to 0 with it, RFC 4191 2.2)
 *     and the options in AUTOCONF_RA_REMOVED. ND has no padding option,
 *     so the message shrinks; payload length and checksum follow.
 *   - DHCPv6 replies (UDP 547 → 546: ADVERTISE, REPLY, ...): the
 *     top-level options in AUTOCONF_DHCPV6_REMOVED; the message shrinks.
 *
 * What the party's LAN needs stays byte for byte: addresses, masks, lease
 * times, prefixes for SLAAC, on-link routes, every other option in its
 * order. The chaddr of a DHCP reply is not compared with ours: a reply
 * for another client is ignored by our OS either way, so rewriting it
 * costs nothing, and the module needs no state.
 *
 * Anything else passes untouched: other traffic, IPv4 fragments with an
 * offset (they carry no UDP header), VLAN-tagged frames (client-core's
 * L2 filter drops those before). A frame that is one of the three but
 * cannot be rewritten safely is AUTOCONF_UNSAFE and must be dropped, not
 * passed: first fragments, IPv6 extension headers in front, lengths that
 * disagree, options running past their end, a bad checksum. The OS's own
 * parser may be more lenient than ours (Debian's dhclient even ignores bad
 * UDP checksums), and then the settings we are here to remove would get
 * through.
 *
 * Pure: no state, no allocation, no I/O; never reads outside frame[0..len)
 * nor writes outside out[0..len). */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What is removed, and why each: */
/* 3 router, 6 DNS servers, 15 domain name, 119 domain search: the default
 * gateway and the resolver (systemd-networkd's UseGateway=, UseDNS=,
 * UseDomains=). 33 static routes, 121 classless static routes (which may
 * hold 0.0.0.0/0), 249 Microsoft's copy of 121 that Windows asks for
 * (networkd's UseRoutes=). 162 DNR, encrypted DNS resolvers (RFC 9463).
 * 252 WPAD, a web proxy for the whole PC. Left in on purpose: NTP (42),
 * NetBIOS (44, 46, 47: name lookups on the LAN, which LAN games may use),
 * interface MTU (26), captive portal (114): none of them routes traffic
 * or names elsewhere. */
#define AUTOCONF_DHCPV4_REMOVED 3, 6, 15, 33, 119, 121, 162, 249, 252
/* 24 Route Information (RFC 4191, may hold ::/0; networkd's
 * UseRoutePrefix=), 25 RDNSS and 31 DNSSL (RFC 8106; UseDNS=,
 * UseDomains=), 144 DNR (RFC 9463). Kept: source link-layer address,
 * prefix information (SLAAC on the party LAN is fine and on-link routes
 * point only there), MTU, captive portal, PREF64. */
#define AUTOCONF_RA_REMOVED 24, 25, 31, 144
/* 23 DNS servers, 24 domain list (RFC 3646), 144 DNR (RFC 9463). */
#define AUTOCONF_DHCPV6_REMOVED 23, 24, 144

/* Stable names; append only. */
typedef enum AutoconfVerdict {
        AUTOCONF_NONE,            /* none of the three: untouched */
        AUTOCONF_CLEAN,           /* one of them with nothing to remove: untouched */
        AUTOCONF_SANITIZED_DHCPV4,
        AUTOCONF_SANITIZED_RA,
        AUTOCONF_SANITIZED_DHCPV6,
        AUTOCONF_UNSAFE,          /* one of them that cannot be rewritten safely: drop it */
        _AUTOCONF_VERDICT_MAX,
        _AUTOCONF_VERDICT_INVALID = -EINVAL,
} AutoconfVerdict;

/* "none", "clean", "dhcpv4", "router_advertisement", "dhcpv6", "unsafe";
 * NULL when out of range. */
const char *autoconf_verdict_to_string(AutoconfVerdict v);

static inline bool autoconf_verdict_is_sanitized(AutoconfVerdict v) {
        return v == AUTOCONF_SANITIZED_DHCPV4 || v == AUTOCONF_SANITIZED_RA || v == AUTOCONF_SANITIZED_DHCPV6;
}

/* Looks at one untagged Ethernet frame. For AUTOCONF_SANITIZED_* the
 * rewritten frame is in `out` and *ret_len holds its length, never more
 * than `len`; for every other verdict `frame` is the one to use and `out`
 * holds nothing of value (it may have been written to). `out` may be
 * `frame` itself; it must hold `len` bytes. Returns
 * _AUTOCONF_VERDICT_INVALID for NULL pointers or out_size < len. */
AutoconfVerdict autoconf_sanitize_frame(const uint8_t *frame, size_t len, uint8_t *out, size_t out_size,
                                        size_t *ret_len);
