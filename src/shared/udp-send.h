/* SPDX-License-Identifier: MIT */
#pragma once

/* Outgoing UDP packets collected for one sendmmsg(). Consecutive packets
 * to the same address, from the same source, and of the same size (the last of a run may be
 * shorter) go to the kernel as one UDP GSO message (UDP_SEGMENT): it
 * passes the IP stack, netfilter, a bridge and the NIC driver once
 * instead of once per packet and is cut into wire packets as late as
 * possible, by the NIC or just before the receiving socket. A stream of
 * full-size frames makes such runs: QUIC packets of one connection all
 * have the path's size. Where the route cannot do GSO the kernel says so
 * (EIO, EINVAL) and every later packet is sent as a message of its own;
 * a run whose segment is above the path MTU (EMSGSIZE, or EINVAL from
 * older kernels) is sent one by one instead, the too large packets lost,
 * GSO kept.
 *
 * Linux only; no dependencies beyond libc, so lanparty-client links it as
 * well as the daemons. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "udp-pktinfo.h"

#define UDP_SEND_BATCH_MAX 64
#define UDP_SEND_PACKET_MAX 1500 /* >= QUIC_MAX_UDP_PAYLOAD */
/* What one GSO message may carry: the UDP length field is 16 bits, and
 * the kernel takes at most 64 segments. */
#define UDP_SEND_GSO_BYTES_MAX 65000
#define UDP_SEND_GSO_SEGMENTS_MAX 64

typedef struct UdpSendBatch {
        bool gso_unsupported; /* the kernel refused UDP_SEGMENT; not tried again */
        size_t n;
        uint64_t drops;        /* packets the socket did not take */
        uint64_t gso_messages; /* messages that carried more than one packet */

        size_t len[UDP_SEND_BATCH_MAX];
        socklen_t addr_len[UDP_SEND_BATCH_MAX]; /* 0: the socket is connected */
        struct sockaddr_storage addr[UDP_SEND_BATCH_MAX];
        UdpSource src[UDP_SEND_BATCH_MAX];
        struct iovec iov[UDP_SEND_BATCH_MAX];
        struct mmsghdr msgs[UDP_SEND_BATCH_MAX];
        union {
                char buf[CMSG_SPACE(sizeof(uint16_t)) + UDP_SOURCE_CMSG_SPACE];
                struct cmsghdr align;
        } control[UDP_SEND_BATCH_MAX];
        uint8_t data[UDP_SEND_BATCH_MAX][UDP_SEND_PACKET_MAX];
} UdpSendBatch;

/* Forbids fragmenting what `fd` (a UDP socket of `family`) sends:
 * IP_MTU_DISCOVER = IP_PMTUDISC_DO, and IPV6_MTU_DISCOVER =
 * IPV6_PMTUDISC_DO too on an AF_INET6 socket (man 7 ip, man 7 ipv6). A
 * datagram too big for the path is then refused (EMSGSIZE here, ICMP on
 * the way) instead of split, so a QUIC path MTU probe (RFC 9000 14.3) that
 * is too big gets lost rather than "succeeding" in fragments, and QUIC
 * never settles on a packet size the path only carries in pieces. Returns
 * 0, or the first setsockopt() error; -EAFNOSUPPORT for other families. */
int udp_socket_forbid_fragments(int fd, int family);

/* An empty batch. The socket is the owner's and is named at every call
 * that may send, so the batch never holds a stale one. */
void udp_send_batch_init(UdpSendBatch *b);

/* Copies one packet in, flushing to `fd` first when the batch is full.
 * `addr` is NULL (and addr_len 0) for a connected socket. `src` is the
 * address it must leave from (udp-pktinfo.h; its port is ignored), NULL
 * or a wildcard for the kernel's choice. Returns 0, -EMSGSIZE for a
 * packet above UDP_SEND_PACKET_MAX, -EAFNOSUPPORT or -EINVAL. */
int udp_send_batch_add(UdpSendBatch *b, int fd, const struct sockaddr *addr, socklen_t addr_len,
                       const struct sockaddr *src, socklen_t src_len, const uint8_t *data, size_t len);

/* Sends what is collected on `fd` (fd < 0 drops it all, counted) and
 * empties the batch. A full socket buffer
 * drops the rest (counted in `drops`): QUIC takes it as loss, as it would
 * a full queue on the way. Any other error drops only the message it
 * belongs to: EMSGSIZE, a packet above the path MTU, is a lost packet
 * like any other. Returns the number of packets the kernel took. */
size_t udp_send_batch_flush(UdpSendBatch *b, int fd);
