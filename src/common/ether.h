/* SPDX-License-Identifier: MIT */
#pragma once

/* Ethernet framing and MAC address helpers. The predicates are inline
 * because the L2 filter runs them on every frame; parsing and formatting
 * live in ether.c. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mac.h"

#define LP_ETHER_HEADER_LEN 14 /* dst, src, EtherType */
#define LP_ETHER_TAG_LEN 4     /* one 802.1Q/802.1ad tag: TPID + TCI */
#define LP_ETHER_PAYLOAD_MAX 1500
/* The largest frame the overlay carries: 1500 + 14 + one tag, which the L2
 * filter refuses anyway. No FCS: taps and AF_PACKET never hand us one. */
#define LP_ETHER_FRAME_MAX (LP_ETHER_PAYLOAD_MAX + LP_ETHER_HEADER_LEN + LP_ETHER_TAG_LEN)

/* Values below 0x0600 in the EtherType field are 802.3 length fields. */
#define LP_ETHERTYPE_MIN 0x0600
#define LP_ETHERTYPE_IPV4 0x0800
#define LP_ETHERTYPE_ARP 0x0806
#define LP_ETHERTYPE_IPV6 0x86DD
#define LP_ETHERTYPE_VLAN 0x8100      /* 802.1Q C-tag */
#define LP_ETHERTYPE_QINQ 0x88A8      /* 802.1ad S-tag */
#define LP_ETHERTYPE_QINQ_OLD 0x9100  /* pre-standard Q-in-Q, still seen on switches */

static inline bool ether_type_is_vlan(uint16_t type) {
        return type == LP_ETHERTYPE_VLAN || type == LP_ETHERTYPE_QINQ || type == LP_ETHERTYPE_QINQ_OLD;
}

typedef struct EtherHeader {
        MacAddr dst;
        MacAddr src;
        uint16_t ethertype;       /* the outer one, right after the source MAC */
        bool tagged;              /* ethertype was a VLAN tag protocol id */
        size_t n_tags;            /* how many stacked tags were skipped */
        uint16_t inner_ethertype; /* after all tags; == ethertype when untagged */
        size_t payload_offset;    /* where the L3 payload starts in the frame */
        size_t payload_len;       /* bytes from payload_offset to the end of the frame */
} EtherHeader;

/* Returns 0, or -EBADMSG when the frame is shorter than 14 bytes or a VLAN
 * tag is cut short. Stacked tags are all skipped; each takes 4 bytes, so
 * the walk ends within the frame. */
int ether_header_parse(const uint8_t *frame, size_t len, EtherHeader *ret);

/* Accepts exactly "aa:bb:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff" (one separator
 * kind throughout), hex digits in either case, nothing before or after.
 * Returns 0 or -EINVAL; *ret is only written on success. */
int mac_from_string(const char *s, MacAddr *ret);
/* Writes lower-case "aa:bb:cc:dd:ee:ff" and returns buf. */
const char *mac_to_string(const MacAddr *mac, char buf[static LP_MAC_STR_MAX]);

/* A random locally administered unicast MAC for a client's TAP. Returns 0
 * or -EIO when the RNG fails. */
int mac_generate_virtual(MacAddr *ret);

static inline bool mac_equal(const MacAddr *a, const MacAddr *b) {
        return memcmp(a->bytes, b->bytes, LP_MAC_LEN) == 0;
}

/* I/G bit: group addresses, which include broadcast. */
static inline bool mac_is_multicast(const MacAddr *mac) {
        return mac->bytes[0] & 0x01;
}

static inline bool mac_is_unicast(const MacAddr *mac) {
        return !mac_is_multicast(mac);
}

static inline bool mac_is_broadcast(const MacAddr *mac) {
        for (size_t i = 0; i < LP_MAC_LEN; i++)
                if (mac->bytes[i] != 0xff)
                        return false;
        return true;
}

static inline bool mac_is_zero(const MacAddr *mac) {
        for (size_t i = 0; i < LP_MAC_LEN; i++)
                if (mac->bytes[i] != 0)
                        return false;
        return true;
}

/* U/L bit: addresses no vendor assigned, as virtual interfaces use. */
static inline bool mac_is_locally_administered(const MacAddr *mac) {
        return mac->bytes[0] & 0x02;
}

/* 01:80:C2:00:00:00-0F: link-local control protocols (STP, pause, LACP,
 * LLDP, 802.1X) that bridges must not forward. */
static inline bool mac_is_ieee_reserved(const MacAddr *mac) {
        static const uint8_t prefix[5] = {0x01, 0x80, 0xc2, 0x00, 0x00};
        return memcmp(mac->bytes, prefix, sizeof(prefix)) == 0 && (mac->bytes[5] & 0xf0) == 0;
}

/* What a frame may carry as its source address. */
static inline bool mac_is_valid_source(const MacAddr *mac) {
        return mac_is_unicast(mac) && !mac_is_zero(mac);
}

/* What a client may announce for its TAP: it must never collide with a
 * vendor-assigned address on the LAN. */
static inline bool mac_is_valid_virtual(const MacAddr *mac) {
        return mac_is_valid_source(mac) && mac_is_locally_administered(mac);
}
