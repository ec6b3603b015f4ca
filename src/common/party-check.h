/* SPDX-License-Identifier: MIT */
#pragma once

/* The probe datagrams of the party check (PROTOCOL.md, "Party check"):
 * IPv4 UDP whose payload is "LANPARTY-CHECK" || nonce || kind || zero
 * padding. The client sends and receives its probes through the OS stack
 * and uses only the payload helpers; the gateway finds probes in the frames
 * a client sends and builds the two frames it answers with. No OS headers,
 * so client.exe can use the same code. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"
#include "mac.h"

#define LP_CHECK_PORT 47617
#define LP_CHECK_MAGIC "LANPARTY-CHECK"
#define LP_CHECK_MAGIC_LEN 14
#define LP_CHECK_PAYLOAD_MIN (LP_CHECK_MAGIC_LEN + LP_CHECK_NONCE_SIZE + 1)
#define LP_CHECK_IPV4_UDP_HEADERS 28 /* IPv4 without options + UDP */
/* 239.255.255.250: SSDP's group, which many games' discovery uses too. */
#define LP_CHECK_MULTICAST_ADDR UINT32_C(0xEFFFFFFA)
/* How long the gateway collects probes after CHECK_BEGIN before it reports. */
#define LP_CHECK_REPORT_DELAY_USEC (2 * UINT64_C(1000000))
/* The relay passes one CHECK_BEGIN per client this often and drops the
 * rest; a client does not ask sooner. */
#define LP_CHECK_BEGIN_INTERVAL_SEC 5U

typedef enum CheckProbeKind {
        CHECK_PROBE_KIND_LIMITED_BROADCAST = 1,  /* client -> 255.255.255.255 */
        CHECK_PROBE_KIND_DIRECTED_BROADCAST = 2, /* client -> the TAP network's broadcast */
        CHECK_PROBE_KIND_MULTICAST = 3,          /* client -> 239.255.255.250 */
        CHECK_PROBE_KIND_FULL_SIZE = 4,          /* client -> 255.255.255.255, room MTU, DF */
        CHECK_PROBE_KIND_GATEWAY = 5,            /* gateway -> client's port */
        CHECK_PROBE_KIND_GATEWAY_FULL_SIZE = 6,  /* gateway -> client's port, room MTU, DF */
        _CHECK_PROBE_KIND_MAX,
        _CHECK_PROBE_KIND_INVALID = -22, /* -EINVAL */
} CheckProbeKind;

const char *check_probe_kind_to_string(CheckProbeKind k);

/* Writes a probe payload of `len` bytes (at least LP_CHECK_PAYLOAD_MIN)
 * into buf. Returns len, -EINVAL for a bad kind, -ENOBUFS when it does not
 * fit. */
int check_probe_payload(uint8_t *buf, size_t size, size_t len, const uint8_t nonce[static LP_CHECK_NONCE_SIZE],
                        CheckProbeKind kind);
/* Whether a UDP payload is a probe; the nonce and kind if so (kind as sent,
 * maybe one this build does not know). */
bool check_probe_payload_parse(const uint8_t *payload, size_t len, uint8_t ret_nonce[static LP_CHECK_NONCE_SIZE],
                               uint8_t *ret_kind);

typedef struct CheckProbeFrame {
        MacAddr dst_mac, src_mac;
        uint32_t dst_ip;           /* host order */
        uint16_t ip_total_len;     /* IPv4 total length */
        uint16_t udp_dst_port;
        bool dont_fragment;
        uint8_t kind;              /* as sent */
        uint8_t nonce[LP_CHECK_NONCE_SIZE];
} CheckProbeFrame;

/* Looks at an Ethernet frame. Returns 1 when it is an unfragmented IPv4
 * UDP datagram to LP_CHECK_PORT whose payload starts with the magic (a
 * probe, to be consumed whatever else it holds), filling *ret; 0 for any
 * other frame, cut-short or malformed ones included (the L2 filter judges
 * those). */
int check_probe_frame_parse(const uint8_t *frame, size_t len, CheckProbeFrame *ret);

/* Builds the gateway's probe frame of `kind` (GATEWAY or GATEWAY_FULL_SIZE):
 * from src_mac to dst_mac, IPv4 0.0.0.0 -> 255.255.255.255, TTL 1, DF,
 * UDP LP_CHECK_PORT -> dst_port, `ip_total_len` bytes of IPv4 (28 +
 * LP_CHECK_PAYLOAD_MIN up to 1500), checksums filled in. Returns the frame
 * length, -EINVAL for bad arguments, -ENOBUFS when buf is too small. */
int check_probe_frame_build(uint8_t *buf, size_t size, const MacAddr *src_mac, const MacAddr *dst_mac,
                            uint16_t dst_port, const uint8_t nonce[static LP_CHECK_NONCE_SIZE],
                            CheckProbeKind kind, uint16_t ip_total_len);
