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
                       const uint8_t *data, size_t len) {
        size_t i;

        if (!b || (!data && len > 0) || (addr && (addr_len == 0 || addr_len > sizeof(b->addr[0]))) ||
            (!addr && addr_len != 0))
                return -EINVAL;
        if (len > UDP_SEND_PACKET_MAX)
                return -EMSGSIZE;
        if (b->n == UDP_SEND_BATCH_MAX)
                (void) udp_send_batch_flush(b, fd);
        i = b->n++;
        if (len > 0)
                memcpy(b->data[i], data, len);
        b->len[i] = len;
        b->addr_len[i] = addr_len;
        if (addr)
                memcpy(&b->addr[i], addr, addr_len);
        b->iov[i] = (struct iovec) {.iov_base = b->data[i], .iov_len = len};
        return 0;
}

static bool same_destination(const UdpSendBatch *b, size_t i, size_t j) {
        return b->addr_len[i] == b->addr_len[j] && memcmp(&b->addr[i], &b->addr[j], b->addr_len[i]) == 0;
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
        if (count > 1) {
                struct cmsghdr *c;
                uint16_t seg = (uint16_t) b->len[first];

                mh->msg_control = b->control[m].buf;
                mh->msg_controllen = sizeof(b->control[m].buf);
                c = CMSG_FIRSTHDR(mh);
                c->cmsg_level = SOL_UDP;
                c->cmsg_type = UDP_SEGMENT;
                c->cmsg_len = CMSG_LEN(sizeof(seg));
                memcpy(CMSG_DATA(c), &seg, sizeof(seg));
        }
}

size_t udp_send_batch_flush(UdpSendBatch *b, int fd) {
        size_t msg_first[UDP_SEND_BATCH_MAX], msg_count[UDP_SEND_BATCH_MAX];
        size_t first = 0, sent = 0;

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
                        msg_count[n_msgs] = run_length(b, p);
                        message_fill(b, n_msgs, p, msg_count[n_msgs]);
                        p += msg_count[n_msgs];
                }

                r = sendmmsg(fd, b->msgs, (unsigned) n_msgs, MSG_DONTWAIT | MSG_NOSIGNAL);
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
                if (r < 0 && msg_count[0] > 1 && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP)) {
                        /* No GSO on this route (no checksum offload, a
                         * tunnel, an old kernel): one message per packet
                         * from now on. */
                        b->gso_unsupported = true;
                        continue;
                }
                /* Anything else (ICMP news on a connected socket, an
                 * unreachable address) belongs to the first message. */
                b->drops += msg_count[0];
                first += msg_count[0];
        }
        b->n = 0;
        return sent;
}
