/* SPDX-License-Identifier: MIT */
#pragma once

/* Which of the host's addresses a UDP datagram came to, and sending the
 * answer from that same address (IP_PKTINFO, IPV6_PKTINFO; man 7 ip,
 * man 7 ipv6). A socket bound to a wildcard address ([::], 0.0.0.0) on a
 * host with several addresses (a second or floating IP, several IPv6
 * addresses) would otherwise answer from the kernel's preferred source
 * towards the peer, and a peer that talks to one address (a connected
 * socket, any NAT or firewall) drops answers from another.
 *
 * The socket must ask for the information first: IP_PKTINFO on AF_INET,
 * IPV6_RECVPKTINFO on AF_INET6 (which also covers IPv4 on a dual-stack
 * socket, as v4-mapped addresses). Linux only, libc only, like
 * udp-send.c. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Room for the one control message udp_pktinfo_local() reads, both
 * kinds, as a dual-stack socket asked for both may get both. */
#define UDP_PKTINFO_RECV_CONTROL (CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(struct in6_pktinfo)))
/* What udp_source_put_cmsg() writes at most. */
#define UDP_SOURCE_CMSG_SPACE CMSG_SPACE(sizeof(struct in6_pktinfo))

/* An address to send from; family AF_UNSPEC: the kernel picks. */
typedef struct UdpSource {
        int family;
        unsigned ifindex; /* IPv6 link-local addresses only: their scope */
        union {
                struct in_addr in;
                struct in6_addr in6;
        };
} UdpSource;

/* The local address of a datagram received with `mh` on a socket bound
 * to `bound`: `bound` (port, family) with the address the pktinfo names,
 * in the socket's family (v4-mapped on an AF_INET6 socket). -ENODATA
 * without a usable pktinfo (the socket did not ask, MSG_CTRUNC, a
 * malformed or foreign control message): the caller then treats the
 * datagram as arriving at `bound`. */
int udp_pktinfo_local(const struct msghdr *mh, const struct sockaddr *bound, socklen_t bound_len,
                      struct sockaddr_storage *ret, socklen_t *ret_len);

/* A source from a socket address (the port is ignored). A wildcard
 * address, or NULL, is AF_UNSPEC. -EAFNOSUPPORT for other families,
 * -EINVAL for a length that does not match. */
int udp_source_from_sockaddr(const struct sockaddr *sa, socklen_t len, UdpSource *ret);
bool udp_source_equal(const UdpSource *a, const UdpSource *b);

/* Fills `c`, a control message with UDP_SOURCE_CMSG_SPACE bytes of room,
 * with the pktinfo that makes a datagram leave from `src`. Returns the
 * CMSG_SPACE() used, 0 for AF_UNSPEC (nothing written). */
size_t udp_source_put_cmsg(const UdpSource *src, struct cmsghdr *c);
