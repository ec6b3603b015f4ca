/* SPDX-License-Identifier: MIT */
#pragma once

/* The gateway's wire side: one AF_PACKET socket on the LAN NIC that sees
 * every frame on the segment (promiscuous) and injects frames from remote
 * peers. Non-blocking; the caller polls `fd` from its event loop. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ether.h"
#include "gatewayd-gso.h"
#include "macro.h"

#define PACKET_IFNAME_SIZE 16 /* IFNAMSIZ; <net/if.h> clashes with <linux/if.h> */

/* Asked of the kernel; root gets it even above net.core.rmem_max. A burst
 * of broadcast at a LAN party start easily outruns the default 208 KiB. */
#define PACKET_RCVBUF_SIZE (4 * 1024 * 1024)

/* What one receive buffer holds: a GSO/GRO super-frame of up to 64 KiB
 * (the IPv4/IPv6 length field's limit) with its Ethernet header and a tag.
 * Larger ones (BIG TCP, gro_max_size above 65536) arrive truncated. */
#define PACKET_RECV_FRAME_MAX (UINT16_MAX + LP_ETHER_HEADER_LEN + LP_ETHER_TAG_LEN)

/* Frames packet_socket_recv_batch() takes with one system call: at a busy
 * LAN party a syscall per frame is what limits the gateway. */
#define PACKET_BATCH_SIZE 32

/* Frames packet_socket_queue() holds for one sendmmsg(): what one read
 * batch from the relay carries. */
#define PACKET_SEND_BATCH 32

typedef struct PacketBatch PacketBatch;
typedef struct PacketSendQueue PacketSendQueue;

typedef struct PacketSocket {
        int fd;
        int ifindex;
        char ifname[PACKET_IFNAME_SIZE];
        bool restore_gro; /* we turned these off; close turns them back on */
        bool restore_lro;
        /* PACKET_VNET_HDR is on: every frame received comes with the
         * kernel's GSO and checksum description, every frame sent needs a
         * (zeroed) header in front. */
        bool vnet_hdr;
        PacketBatch *batch; /* receive buffers, allocated by open */
        PacketSendQueue *send_queue; /* frames waiting for packet_socket_flush() */
} PacketSocket;

#define PACKET_SOCKET_NULL ((PacketSocket) {.fd = -EBADF})

typedef struct PacketInfo {
        size_t len;       /* bytes stored in the caller's buffer */
        size_t wire_len;  /* the frame's real length; > len when truncated */
        bool truncated;   /* did not fit: the caller counts it as oversize */
        /* The kernel took a VLAN tag off this frame before we saw it, so the
         * buffer holds it untagged. The caller must treat it as tagged
         * (drop it) rather than forward it stripped onto another VLAN. */
        bool vlan_tagged;
        uint16_t vlan_tci;
        uint16_t vlan_tpid; /* 0 when the kernel did not say */
        /* The TCP/UDP checksum is still the offload placeholder (the frame
         * came through a veth from the same host): see gatewayd-csum.h. */
        bool csum_not_ready;
        /* From the vnet header: a super-frame to cut (gso.type), and where
         * a partial checksum is to be finished (gso.needs_csum). All zero
         * without PACKET_VNET_HDR. GSO_UNSUPPORTED with len 0: the kernel
         * refused to describe a frame (a GSO type virtio has no name for)
         * and dropped it. */
        GsoInfo gso;
} PacketInfo;

/* Opens the socket on `ifname`, promiscuous, with outgoing copies of our
 * own frames suppressed and PACKET_VNET_HDR on (see PacketInfo.gso). Returns 0 or negative errno (logged): -ENODEV when
 * the interface does not exist, -EPERM without CAP_NET_RAW. */
int packet_socket_open(PacketSocket *ret, const char *ifname);
/* Closes the fd, which also ends promiscuous mode, after restoring the
 * offloads packet_socket_disable_offloads() turned off, and frees the
 * receive buffers. Safe on a closed
 * or PACKET_SOCKET_NULL socket. */
void packet_socket_close(PacketSocket *p);

/* GRO and LRO merge consecutive TCP segments into one large frame before
 * AF_PACKET sees it, a frame no Ethernet link and no tunnel can carry: a
 * bridge turns them off on its ports for the same reason. The caller cuts
 * what still arrives merged (gatewayd-gso.h), at a cost: turns both off
 * on the interface and remembers which were on. Returns 0, or negative
 * errno (logged) when they cannot be turned off; a NIC without them
 * counts as success. */
int packet_socket_disable_offloads(PacketSocket *p);

/* Reads one frame into `buf`. Returns 1 with *ret filled, 0 when nothing is
 * pending, or negative errno (logged) when the socket failed. The kernel
 * reports -ENETDOWN once when the link goes down or the interface goes
 * away; the socket works again after the former, never after the latter,
 * so the caller learns which from the link monitor and reopens. A
 * truncated frame is still returned (1) with ret->truncated set. Our own
 * and the host's outgoing frames are skipped. */
int packet_socket_recv(PacketSocket *p, uint8_t *buf, size_t size, PacketInfo *ret);

/* What one packet_socket_recv_batch() read: `n` frames, each described as
 * packet_socket_recv() describes one, in the order they arrived. The frames
 * are the socket's own buffers of PACKET_RECV_FRAME_MAX bytes, writable
 * (the caller clamps and completes checksums in place), valid until the
 * next call or close. */
struct PacketBatch {
        size_t n;
        uint8_t *frames[PACKET_BATCH_SIZE];
        PacketInfo info[PACKET_BATCH_SIZE];
};

/* Reads up to PACKET_BATCH_SIZE frames with one recvmmsg(). Returns the
 * number read with *ret pointing at them, 0 when nothing is pending, or
 * negative errno exactly as packet_socket_recv(). */
int packet_socket_recv_batch(PacketSocket *p, PacketBatch **ret);

/* Injects one whole Ethernet frame (14 bytes or more, no FCS). Returns 1
 * when sent; 0 when the kernel's queue is full (EAGAIN/ENOBUFS: the frame
 * is dropped, the caller counts it); -EMSGSIZE when it exceeds the NIC's
 * MTU; -EINVAL for frames shorter than an Ethernet header; other negative
 * errno when the interface is gone or down (-ENXIO, -ENETDOWN). Per-frame
 * failures are logged at debug level only: the caller counts them. */
int packet_socket_send(PacketSocket *p, const uint8_t *frame, size_t len);

/* Batched injection: a frame is written into the socket's next free slot
 * (packet_socket_queue_slot(), LP_ETHER_FRAME_MAX bytes, so the caller can
 * copy and edit it in place), committed with packet_socket_queue(), and
 * the queued frames leave together with one sendmmsg() in
 * packet_socket_flush(). Returns NULL when the queue is full (flush
 * first) or the socket is closed. */
uint8_t *packet_socket_queue_slot(PacketSocket *p);
/* Commits the slot with `len` bytes and a caller's tag (handed back by
 * the flush). Returns 0, or -EINVAL for frames shorter than an Ethernet
 * header or longer than a slot (not queued; nothing is sent). */
int packet_socket_queue(PacketSocket *p, size_t len, uint32_t tag);
/* Called by packet_socket_flush() for every queued frame, in order, with
 * `result` as packet_socket_send() returns it for that frame. */
typedef void (*PacketSentFunc)(const uint8_t *frame, size_t len, uint32_t tag, int result, void *userdata);
/* Sends what is queued and empties the queue. `done` may be NULL. Returns
 * the number of frames sent, or -EINVAL. */
int packet_socket_flush(PacketSocket *p, PacketSentFunc done, void *userdata);
