/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "gatewayd-packet.h"

#include <arpa/inet.h>
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

_Static_assert(PACKET_IFNAME_SIZE == IF_NAMESIZE, "interface name size");

/* Linux 6.2+ reports UDP segmentation (USO, UDP GRO) as this; older
 * <linux/virtio_net.h> lack the name. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* The batch and the frames it points into, in one allocation per socket
 * (2 MiB of address space; the kernel backs only the pages that big
 * frames touch). */
typedef struct PacketBatchStorage {
        PacketBatch batch;
        uint8_t frames[PACKET_BATCH_SIZE][PACKET_RECV_FRAME_MAX];
} PacketBatchStorage;

/* What goes in front of every frame we send with PACKET_VNET_HDR on: no
 * GSO, no checksum to finish. */
static const struct virtio_net_hdr vnet_hdr_none = {.gso_type = VIRTIO_NET_HDR_GSO_NONE};

/* Frames waiting for packet_socket_flush(), with everything sendmmsg()
 * needs, in one allocation per socket. */
struct PacketSendQueue {
        size_t n;
        size_t len[PACKET_SEND_BATCH];
        uint32_t tag[PACKET_SEND_BATCH];
        struct sockaddr_ll sll[PACKET_SEND_BATCH];
        struct iovec iov[PACKET_SEND_BATCH][2]; /* vnet header, frame */
        struct mmsghdr msgs[PACKET_SEND_BATCH];
        int result[PACKET_SEND_BATCH];
        uint8_t frames[PACKET_SEND_BATCH][LP_ETHER_FRAME_MAX];
};

#define log_packet_errno(p, level, error, ...) \
        log_fields_errno(level, error, LOG_FIELDS({"INTERFACE", (p)->ifname}), __VA_ARGS__)

static int setsockopt_int(int fd, int level, int name, int value) {
        if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
                return -errno;
        return 0;
}

/* Socket options before bind(): what the kernel must tell us about each
 * frame, and room to queue bursts. Only PACKET_AUXDATA is required. */
static int packet_socket_set_options(PacketSocket *p, int fd) {
        int r;

        /* Linux 4.20+. Without it the PACKET_OUTGOING check in recv does the
         * same job, one wasted copy per sent frame later. */
        r = setsockopt_int(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
        if (r < 0)
                log_packet_errno(p, LOG_DEBUG, r, "PACKET_IGNORE_OUTGOING unavailable on %s, ignoring: %m",
                                 p->ifname);

        /* The kernel moves VLAN tags out of the frame into metadata before
         * we see it; without auxdata a tagged frame looks untagged. */
        r = setsockopt_int(fd, SOL_PACKET, PACKET_AUXDATA, 1);
        if (r < 0)
                return log_packet_errno(p, LOG_ERR, r, "Failed to enable PACKET_AUXDATA on %s: %m", p->ifname);

        /* The kernel's description of GSO/GRO super-frames and partial
         * checksums (Linux 2.6.36+). Without it a super-frame cannot be cut
         * and is dropped as truncated, and the caller says so. */
        r = setsockopt_int(fd, SOL_PACKET, PACKET_VNET_HDR, 1);
        if (r < 0)
                log_packet_errno(p, LOG_WARNING, r, "PACKET_VNET_HDR unavailable on %s, super-frames from receive "
                                 "offloads cannot be segmented, ignoring: %m", p->ifname);
        else
                p->vnet_hdr = true;

        /* FORCE ignores net.core.rmem_max but needs CAP_NET_ADMIN. */
        r = setsockopt_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, PACKET_RCVBUF_SIZE);
        if (r < 0) {
                r = setsockopt_int(fd, SOL_SOCKET, SO_RCVBUF, PACKET_RCVBUF_SIZE);
                if (r < 0)
                        log_packet_errno(p, LOG_WARNING, r, "Failed to enlarge receive buffer on %s, ignoring: %m",
                                         p->ifname);
        }
        return 0;
}

/* Promiscuous on the interface, then bound to it: from here on frames
 * arrive, and only this interface's. */
static int packet_socket_attach(PacketSocket *p, int fd) {
        struct packet_mreq mreq = {
                .mr_ifindex = p->ifindex,
                .mr_type = PACKET_MR_PROMISC,
        };
        struct sockaddr_ll sll = {
                .sll_family = AF_PACKET,
                .sll_protocol = htons(ETH_P_ALL),
                .sll_ifindex = p->ifindex,
        };

        if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
                return log_packet_errno(p, LOG_ERR, errno, "Failed to make %s promiscuous: %m", p->ifname);
        if (bind(fd, (const struct sockaddr *) &sll, sizeof(sll)) < 0)
                return log_packet_errno(p, LOG_ERR, errno, "Failed to bind packet socket to %s: %m", p->ifname);
        return 0;
}

/* The receive batch and the send queue. On failure p holds nothing new. */
static int packet_socket_alloc_buffers(PacketSocket *p) {
        _cleanup_free_ PacketBatchStorage *storage = NULL;

        storage = malloc(sizeof(PacketBatchStorage));
        if (!storage)
                return log_oom();
        p->send_queue = calloc(1, sizeof(PacketSendQueue));
        if (!p->send_queue)
                return log_oom();
        storage->batch.n = 0;
        for (size_t i = 0; i < PACKET_BATCH_SIZE; i++)
                storage->batch.frames[i] = storage->frames[i];
        p->batch = &TAKE_PTR(storage)->batch;
        return 0;
}

int packet_socket_open(PacketSocket *ret, const char *ifname) {
        _cleanup_close_ int fd = -EBADF;
        PacketSocket p = PACKET_SOCKET_NULL;
        int r;

        if (!ret || !ifname || ifname[0] == '\0' || strlen(ifname) >= sizeof(p.ifname))
                return log_error_errno(EINVAL, "Invalid interface name.");
        memcpy(p.ifname, ifname, strlen(ifname) + 1);

        p.ifindex = (int) if_nametoindex(ifname);
        if (p.ifindex == 0)
                return log_packet_errno(&p, LOG_ERR, errno == ENXIO ? ENODEV : errno,
                                        "Interface %s not found: %m", ifname);

        /* Protocol 0 receives nothing until bind() in packet_socket_attach()
         * names the interface, so no frame from another NIC slips in
         * meanwhile. */
        fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_packet_errno(&p, LOG_ERR, errno, "Failed to open packet socket for %s: %m", ifname);

        r = packet_socket_set_options(&p, fd);
        if (r < 0)
                return r;
        r = packet_socket_attach(&p, fd);
        if (r < 0)
                return r;
        r = packet_socket_alloc_buffers(&p);
        if (r < 0)
                return r;

        p.fd = TAKE_FD(fd);
        *ret = p;
        log_packet_errno(&p, LOG_DEBUG, 0, "Opened packet socket on %s (ifindex %d).", ifname, p.ifindex);
        return 0;
}

/* One ETHTOOL_G* or ETHTOOL_S* value command; ev->data carries the value
 * either way. */
static int ethtool_value(int fd, const char *ifname, struct ethtool_value *ev) {
        struct ifreq ifr = {};

        memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
        ifr.ifr_data = (void *) ev;
        if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
                return -errno;
        return 0;
}

static int ethtool_get(int fd, const char *ifname, uint32_t cmd, uint32_t *ret) {
        struct ethtool_value ev = {.cmd = cmd};
        int r;

        r = ethtool_value(fd, ifname, &ev);
        if (r < 0)
                return r;
        *ret = ev.data;
        return 0;
}

static int ethtool_set(int fd, const char *ifname, uint32_t cmd, uint32_t value) {
        return ethtool_value(fd, ifname, &(struct ethtool_value) {.cmd = cmd, .data = value});
}

static bool errno_is_not_supported(int r) {
        return r == -EOPNOTSUPP || r == -EINVAL;
}

int packet_socket_disable_offloads(PacketSocket *p) {
        uint32_t v = 0; /* -O3 cannot see ethtool_get() sets it on success */
        int r;

        if (!p || p->fd < 0)
                return -EBADF;

        r = ethtool_get(p->fd, p->ifname, ETHTOOL_GGRO, &v);
        if (r < 0 && !errno_is_not_supported(r))
                return log_packet_errno(p, LOG_ERR, r, "Failed to query GRO on %s: %m", p->ifname);
        if (r >= 0 && v) {
                r = ethtool_set(p->fd, p->ifname, ETHTOOL_SGRO, 0);
                if (r < 0)
                        return log_packet_errno(p, LOG_ERR, r, "Failed to turn off GRO on %s: %m", p->ifname);
                p->restore_gro = true;
                log_packet_errno(p, LOG_INFO, 0, "Turned off generic receive offload on %s.", p->ifname);
        }

        r = ethtool_get(p->fd, p->ifname, ETHTOOL_GFLAGS, &v);
        if (r < 0 && !errno_is_not_supported(r))
                return log_packet_errno(p, LOG_ERR, r, "Failed to query LRO on %s: %m", p->ifname);
        if (r >= 0 && (v & ETH_FLAG_LRO)) {
                r = ethtool_set(p->fd, p->ifname, ETHTOOL_SFLAGS, v & ~(uint32_t) ETH_FLAG_LRO);
                if (r < 0)
                        return log_packet_errno(p, LOG_ERR, r, "Failed to turn off LRO on %s: %m", p->ifname);
                p->restore_lro = true;
                log_packet_errno(p, LOG_INFO, 0, "Turned off large receive offload on %s.", p->ifname);
        }

        return 0;
}

static void offloads_restore(PacketSocket *p) {
        uint32_t v = 0;
        int r;

        if (p->restore_gro) {
                r = ethtool_set(p->fd, p->ifname, ETHTOOL_SGRO, 1);
                if (r < 0)
                        log_packet_errno(p, LOG_WARNING, r, "Failed to turn GRO back on on %s, ignoring: %m",
                                         p->ifname);
        }
        if (p->restore_lro) {
                r = ethtool_get(p->fd, p->ifname, ETHTOOL_GFLAGS, &v);
                if (r >= 0)
                        r = ethtool_set(p->fd, p->ifname, ETHTOOL_SFLAGS, v | ETH_FLAG_LRO);
                if (r < 0)
                        log_packet_errno(p, LOG_WARNING, r, "Failed to turn LRO back on on %s, ignoring: %m",
                                         p->ifname);
        }
        p->restore_gro = p->restore_lro = false;
}

void packet_socket_close(PacketSocket *p) {
        if (!p || p->fd < 0)
                return;
        offloads_restore(p);
        close(p->fd);
        p->fd = -EBADF;
        /* The batch is the first member of its storage. */
        free(p->batch);
        p->batch = NULL;
        free(p->send_queue);
        p->send_queue = NULL;
}

static void auxdata_parse(struct msghdr *mh, PacketInfo *info) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
                struct tpacket_auxdata aux;

                if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
                    c->cmsg_len < CMSG_LEN(sizeof(aux)))
                        continue;
                memcpy(&aux, CMSG_DATA(c), sizeof(aux));
                if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
                        info->csum_not_ready = true;
                /* Kernels before VLAN_VALID existed only set a nonzero TCI;
                 * VLAN_VALID is what catches a priority tag with TCI 0. */
                if ((aux.tp_status & TP_STATUS_VLAN_VALID) || aux.tp_vlan_tci != 0) {
                        info->vlan_tagged = true;
                        info->vlan_tci = aux.tp_vlan_tci;
                        if (aux.tp_status & TP_STATUS_VLAN_TPID_VALID)
                                info->vlan_tpid = aux.tp_vlan_tpid;
                }
        }
}

static void vnet_hdr_parse(const struct virtio_net_hdr *h, PacketInfo *info) {
        /* Little-endian: the kernel writes it for a little-endian guest
         * (vio_le()), and we run on no big-endian host with legacy virtio. */
        switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
        case VIRTIO_NET_HDR_GSO_NONE:
                info->gso.type = GSO_NONE;
                break;
        case VIRTIO_NET_HDR_GSO_TCPV4:
                info->gso.type = GSO_TCPV4;
                break;
        case VIRTIO_NET_HDR_GSO_TCPV6:
                info->gso.type = GSO_TCPV6;
                break;
        case VIRTIO_NET_HDR_GSO_UDP_L4:
                info->gso.type = GSO_UDP_L4;
                break;
        default:
                info->gso.type = GSO_UNSUPPORTED;
                break;
        }
        info->gso.size = le16toh(h->gso_size);
        if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
                info->gso.needs_csum = true;
                info->gso.csum_start = le16toh(h->csum_start);
                info->gso.csum_offset = le16toh(h->csum_offset);
        }
}

/* The headers one recvmmsg() fills besides the frames themselves. */
typedef struct PacketRecvBatch {
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        } control[PACKET_BATCH_SIZE];
        struct virtio_net_hdr vnet[PACKET_BATCH_SIZE];
        struct sockaddr_ll sll[PACKET_BATCH_SIZE];
        struct iovec iov[PACKET_BATCH_SIZE][2];
        struct mmsghdr msgs[PACKET_BATCH_SIZE];
        size_t vnet_size; /* 0 without a vnet header */
} PacketRecvBatch;

static void recv_batch_prepare(PacketRecvBatch *b, uint8_t **bufs, size_t size, size_t n) {
        for (size_t i = 0; i < n; i++) {
                b->sll[i] = (struct sockaddr_ll) {};
                b->iov[i][0] = (struct iovec) {.iov_base = &b->vnet[i], .iov_len = b->vnet_size};
                b->iov[i][1] = (struct iovec) {.iov_base = bufs[i], .iov_len = size};
                b->msgs[i] = (struct mmsghdr) {
                        .msg_hdr = {
                                .msg_name = &b->sll[i],
                                .msg_namelen = sizeof(b->sll[i]),
                                .msg_iov = b->vnet_size > 0 ? b->iov[i] : b->iov[i] + 1,
                                .msg_iovlen = b->vnet_size > 0 ? 2 : 1,
                                .msg_control = &b->control[i],
                                .msg_controllen = sizeof(b->control[i]),
                        },
                };
        }
}

/* Of the `got` frames received, keeps those not outgoing: moves them to
 * the front of bufs[] and describes them in infos[]. Returns how many. */
static size_t recv_batch_keep(PacketRecvBatch *b, size_t got, uint8_t **bufs, size_t size, PacketInfo *infos) {
        size_t kept = 0;

        for (size_t i = 0; i < got; i++) {
                size_t len = b->msgs[i].msg_len;
                PacketInfo info = {};
                uint8_t *t;

                /* Frames leaving through this NIC: ours (if the kernel
                 * lacks PACKET_IGNORE_OUTGOING) and the host's own
                 * traffic, which is not LAN traffic to bridge. */
                if (b->sll[i].sll_pkttype == PACKET_OUTGOING)
                        continue;
                /* The returned length counts the vnet header. */
                if (len < b->vnet_size)
                        continue;
                len -= b->vnet_size;

                info.wire_len = len;
                info.len = MIN(len, size);
                info.truncated = (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) || len > size;
                auxdata_parse(&b->msgs[i].msg_hdr, &info);
                if (b->vnet_size > 0)
                        vnet_hdr_parse(&b->vnet[i], &info);
                infos[kept] = info;
                t = bufs[kept];
                bufs[kept] = bufs[i];
                bufs[i] = t;
                kept++;
        }
        return kept;
}

/* One recvmmsg() into bufs[0..n), each `size` bytes, until at least one
 * frame is not an outgoing one. Those kept are moved to the front, bufs[]
 * pointers included, and described in infos[]. Returns how many. */
static int packet_socket_recv_many(PacketSocket *p, uint8_t **bufs, size_t size, PacketInfo *infos, size_t n) {
        PacketRecvBatch b;

        assert(n > 0 && n <= PACKET_BATCH_SIZE);
        b.vnet_size = p->vnet_hdr ? sizeof(struct virtio_net_hdr) : 0;

        for (;;) {
                size_t kept;
                int got;

                recv_batch_prepare(&b, bufs, size, n);

                /* With MSG_TRUNC, packet sockets return the frame's real
                 * length even when the buffer took less. */
                got = recvmmsg(p->fd, b.msgs, (unsigned) n, MSG_TRUNC | MSG_DONTWAIT, NULL);
                if (got < 0) {
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return 0;
                        if (errno == EINTR)
                                continue;
                        /* The kernel could not describe a GSO frame in a
                         * vnet header (a type virtio has no name for, say
                         * a tunnel's) and dropped it: one frame lost, not
                         * a broken socket. */
                        if (errno == EINVAL && b.vnet_size > 0) {
                                infos[0] = (PacketInfo) {.gso.type = GSO_UNSUPPORTED};
                                return 1;
                        }
                        /* ENETDOWN (link down) and ENODEV (interface gone)
                         * are reported once; the link monitor says more. */
                        return log_packet_errno(p, errno == ENETDOWN ? LOG_DEBUG : LOG_WARNING, errno,
                                                "Failed to receive frame on %s: %m", p->ifname);
                }

                kept = recv_batch_keep(&b, (size_t) got, bufs, size, infos);
                if (kept > 0)
                        return (int) kept;
        }
}

int packet_socket_recv(PacketSocket *p, uint8_t *buf, size_t size, PacketInfo *ret) {
        if (!p || p->fd < 0 || !ret || (!buf && size > 0))
                return -EINVAL;
        return packet_socket_recv_many(p, &buf, size, ret, 1);
}

int packet_socket_recv_batch(PacketSocket *p, PacketBatch **ret) {
        int r;

        if (!p || p->fd < 0 || !p->batch || !ret)
                return -EINVAL;
        r = packet_socket_recv_many(p, p->batch->frames, PACKET_RECV_FRAME_MAX, p->batch->info, PACKET_BATCH_SIZE);
        p->batch->n = r > 0 ? (size_t) r : 0;
        *ret = p->batch;
        return r;
}

/* Where a frame goes: the NIC, with the frame's own destination and
 * protocol. Naming the protocol keeps skb->protocol right on kernels that
 * do not parse it out of a raw frame themselves. */
static void frame_sll(const PacketSocket *p, const uint8_t *frame, struct sockaddr_ll *ret) {
        uint16_t type = (uint16_t) (frame[12] << 8 | frame[13]);

        *ret = (struct sockaddr_ll) {
                .sll_family = AF_PACKET,
                .sll_protocol = htons(type >= ETH_P_802_3_MIN ? type : ETH_P_802_3),
                .sll_ifindex = p->ifindex,
                .sll_halen = ETH_ALEN,
        };
        memcpy(ret->sll_addr, frame, ETH_ALEN);
}

/* packet_socket_send()'s return for a failed send of `len` bytes. */
static int send_error(PacketSocket *p, int error, size_t len) {
        if (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS)
                return 0;
        return log_packet_errno(p, LOG_DEBUG, error, "Failed to send %zu byte frame on %s: %m", len, p->ifname);
}

/* The frame's iovecs: the vnet header first when the socket wants one. */
static struct msghdr frame_msghdr(const PacketSocket *p, struct sockaddr_ll *sll, struct iovec iov[static 2],
                                  const uint8_t *frame, size_t len) {
        iov[0] = (struct iovec) {.iov_base = (void *) &vnet_hdr_none, .iov_len = sizeof(vnet_hdr_none)};
        iov[1] = (struct iovec) {.iov_base = (void *) frame, .iov_len = len};
        return (struct msghdr) {
                .msg_name = sll,
                .msg_namelen = sizeof(*sll),
                .msg_iov = p->vnet_hdr ? iov : iov + 1,
                .msg_iovlen = p->vnet_hdr ? 2 : 1,
        };
}

int packet_socket_send(PacketSocket *p, const uint8_t *frame, size_t len) {
        struct sockaddr_ll sll;
        struct iovec iov[2];
        struct msghdr mh;

        if (!p || p->fd < 0 || !frame)
                return -EINVAL;
        if (len < ETH_HLEN)
                return log_packet_errno(p, LOG_DEBUG, EINVAL, "Refusing to send %zu byte frame on %s.", len,
                                        p->ifname);

        frame_sll(p, frame, &sll);
        mh = frame_msghdr(p, &sll, iov, frame, len);
        for (;;) {
                ssize_t n = sendmsg(p->fd, &mh, MSG_DONTWAIT);
                if (n >= 0)
                        return 1;
                if (errno != EINTR)
                        return send_error(p, errno, len);
        }
}

uint8_t *packet_socket_queue_slot(PacketSocket *p) {
        if (!p || p->fd < 0 || !p->send_queue || p->send_queue->n >= PACKET_SEND_BATCH)
                return NULL;
        return p->send_queue->frames[p->send_queue->n];
}

int packet_socket_queue(PacketSocket *p, size_t len, uint32_t tag) {
        PacketSendQueue *q;
        size_t i;

        if (!packet_socket_queue_slot(p) || len < ETH_HLEN || len > LP_ETHER_FRAME_MAX)
                return -EINVAL;
        q = p->send_queue;
        i = q->n++;
        q->len[i] = len;
        q->tag[i] = tag;
        frame_sll(p, q->frames[i], &q->sll[i]);
        q->msgs[i] = (struct mmsghdr) {.msg_hdr = frame_msghdr(p, &q->sll[i], q->iov[i], q->frames[i], len)};
        return 0;
}

int packet_socket_flush(PacketSocket *p, PacketSentFunc done, void *userdata) {
        PacketSendQueue *q;
        size_t i = 0;
        int sent = 0;

        if (!p || !p->send_queue)
                return -EINVAL;
        q = p->send_queue;
        while (i < q->n) {
                int n = p->fd >= 0 ? sendmmsg(p->fd, q->msgs + i, (unsigned) (q->n - i), MSG_DONTWAIT) : -1;

                if (n > 0) {
                        for (int k = 0; k < n; k++)
                                q->result[i++] = 1;
                        sent += n;
                        continue;
                }
                if (n < 0 && p->fd >= 0 && errno == EINTR)
                        continue;
                /* sendmmsg() stops at the first frame that fails and tells
                 * why only when it is the first of the call. */
                q->result[i] = p->fd >= 0 ? send_error(p, n < 0 ? errno : EIO, q->len[i]) : -ENETDOWN;
                if (q->result[i] == 0)
                        /* The queue is full: so it is for the rest. */
                        while (++i < q->n)
                                q->result[i] = 0;
                else
                        i++;
        }
        if (done)
                for (i = 0; i < q->n; i++)
                        done(q->frames[i], q->len[i], q->tag[i], q->result[i], userdata);
        q->n = 0;
        return sent;
}
