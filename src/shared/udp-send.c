/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "udp-send.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>

void udp_send_batch_init(UdpSendBatch *b) {
        b->gso_unsupported = false;
        b->n = 0;
        b->drops = 0;
        b->gso_messages = 0;
}

int udp_send_batch_add(UdpSendBatch *b, int fd, const struct sockaddr *addr, socklen_t addr_len,
                       const struct sockaddr *src, socklen_t src_len, const uint8_t *data, size_t len) {
        UdpSource source;
        size_t i;
        int r;

        if (!b || (!data && len > 0) || (addr && (addr_len == 0 || addr_len > sizeof(b->addr[0]))) ||
            (!addr && addr_len != 0))
                return -EINVAL;
        if (len > UDP_SEND_PACKET_MAX)
                return -EMSGSIZE;
        r = udp_source_from_sockaddr(src, src_len, &source);
        if (r < 0)
                return r;
        if (b->n == UDP_SEND_BATCH_MAX)
                (void) udp_send_batch_flush(b, fd);
        i = b->n++;
        b->src[i] = source;
        if (len > 0)
                memcpy(b->data[i], data, len);
        b->len[i] = len;
        b->addr_len[i] = addr_len;
        if (addr)
                memcpy(&b->addr[i], addr, addr_len);
        b->iov[i] = (struct iovec) {.iov_base = b->data[i], .iov_len = len};
        return 0;
}

/* One GSO message has one destination and one source. */
static bool same_destination(const UdpSendBatch *b, size_t i, size_t j) {
        return b->addr_len[i] == b->addr_len[j] && memcmp(&b->addr[i], &b->addr[j], b->addr_len[i]) == 0 &&
               udp_source_equal(&b->src[i], &b->src[j]);
}

/* How many packets from `first` on one message carries: a run to one
 * address, all of the first one's size but the last, which may be
 * shorter. */
static size_t run_length(const UdpSendBatch *b, size_t first) {
        size_t seg = b->len[first], bytes = seg, k = 1;

        if (b->gso_unsupported || seg == 0)
                return 1;
        while (first + k < b->n && k < UDP_SEND_GSO_SEGMENTS_MAX) {
                size_t next = first + k;

                if (!same_destination(b, first, next) || b->len[next] == 0 || b->len[next] > seg ||
                    bytes + b->len[next] > UDP_SEND_GSO_BYTES_MAX)
                        break;
                bytes += b->len[next];
                k++;
                if (b->len[next] < seg)
                        break; /* a shorter one ends the run */
        }
        return k;
}

static void message_fill(UdpSendBatch *b, size_t m, size_t first, size_t count) {
        struct msghdr *mh = &b->msgs[m].msg_hdr;

        *mh = (struct msghdr) {
                .msg_name = b->addr_len[first] > 0 ? &b->addr[first] : NULL,
                .msg_namelen = b->addr_len[first],
                .msg_iov = &b->iov[first],
                .msg_iovlen = count,
        };
        if (count > 1 || b->src[first].family != AF_UNSPEC) {
                struct cmsghdr *c;
                size_t used = 0;

                memset(b->control[m].buf, 0, sizeof(b->control[m].buf));
                mh->msg_control = b->control[m].buf;
                mh->msg_controllen = sizeof(b->control[m].buf);
                c = CMSG_FIRSTHDR(mh);
                if (count > 1) {
                        uint16_t seg = (uint16_t) b->len[first];

                        c->cmsg_level = SOL_UDP;
                        c->cmsg_type = UDP_SEGMENT;
                        c->cmsg_len = CMSG_LEN(sizeof(seg));
                        memcpy(CMSG_DATA(c), &seg, sizeof(seg));
                        used += CMSG_SPACE(sizeof(seg));
                        c = CMSG_NXTHDR(mh, c);
                }
                if (c)
                        used += udp_source_put_cmsg(&b->src[first], c);
                mh->msg_controllen = used;
        }
}

int udp_socket_forbid_fragments(int fd, int family) {
        int v4 = IP_PMTUDISC_DO, v6 = IPV6_PMTUDISC_DO;

        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;
        /* An AF_INET6 socket may carry IPv4 too, as mapped addresses. */
        if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v4, sizeof(v4)) < 0)
                return -errno;
        if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6, sizeof(v6)) < 0)
                return -errno;
        return 0;
}

size_t udp_send_batch_flush(UdpSendBatch *b, int fd) {
        size_t msg_first[UDP_SEND_BATCH_MAX], msg_count[UDP_SEND_BATCH_MAX];
        size_t first = 0, sent = 0;
        /* Packets before this go one per message: a GSO message of them
         * was refused. */
        size_t single_until = 0;
        /* The refusal may mean "no GSO on this route" or "this segment is
         * above the path MTU"; the first packet's own send tells which. */
        bool gso_on_trial = false;

        if (!b)
                return 0;
        if (fd < 0) {
                b->drops += b->n;
                b->n = 0;
                return 0;
        }
        while (first < b->n) {
                size_t n_msgs = 0;
                int r;

                for (size_t p = first; p < b->n; n_msgs++) {
                        msg_first[n_msgs] = p;
                        msg_count[n_msgs] = p < single_until ? 1 : run_length(b, p);
                        message_fill(b, n_msgs, p, msg_count[n_msgs]);
                        p += msg_count[n_msgs];
                }

                r = sendmmsg(fd, b->msgs, (unsigned) n_msgs, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (gso_on_trial && (r > 0 || (r < 0 && errno == EMSGSIZE))) {
                        /* Alone it went out: the route cannot do GSO. Alone
                         * it was too big: its size was the trouble, GSO
                         * works. */
                        if (r > 0)
                                b->gso_unsupported = true;
                        gso_on_trial = false;
                }
                if (r > 0) {
                        for (size_t m = 0; m < (size_t) r; m++) {
                                sent += msg_count[m];
                                if (msg_count[m] > 1)
                                        b->gso_messages++;
                        }
                        first = (size_t) r < n_msgs ? msg_first[r] : b->n;
                        continue;
                }
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
                        b->drops += b->n - first;
                        break;
                }
                if (r < 0 && msg_count[0] > 1 &&
                    (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP || errno == EMSGSIZE)) {
                        /* EIO, EOPNOTSUPP: no GSO on this route (no checksum
                         * offload, a tunnel, an old kernel). EINVAL: that,
                         * or, before Linux answered EMSGSIZE for it, a
                         * segment above the path MTU (a QUIC PMTU probe
                         * heading a run). EMSGSIZE: that segment, or an ICMP
                         * "too big" a connected socket reports at its next
                         * send; nothing against GSO. These packets go one
                         * per message; after EINVAL, whether GSO stays on
                         * is for the trial to decide. */
                        single_until = first + msg_count[0];
                        gso_on_trial = errno != EMSGSIZE;
                        continue;
                }
                /* Anything else belongs to the first message: ICMP news on
                 * a connected socket, an unreachable address, or EMSGSIZE
                 * for a packet above the path MTU, since fragments are
                 * forbidden (a PMTU probe too large: lost, as QUIC
                 * expects). */
                b->drops += msg_count[0];
                first += msg_count[0];
        }
        b->n = 0;
        return sent;
}
