/* SPDX-License-Identifier: MIT */
#pragma once

/* The queue in front of a QUIC connection's congestion window: per-flow fair
 * queueing with CoDel, the FQ-CoDel scheduler of RFC 8290 in small.
 *
 * Datagrams are hashed into FAIR_QUEUE_FLOWS flow queues (the caller
 * classifies; flow-hash.h) and served deficit-round-robin by bytes,
 * FAIR_QUEUE_QUANTUM per round, flows that just became active (sparse
 * flows: a game's packets, a ping, DNS) ahead of the ones that stay busy.
 * Each flow queue runs CoDel (RFC 8289): once its datagrams have waited
 * longer than FAIR_QUEUE_TARGET_NS for a whole FAIR_QUEUE_INTERVAL_NS,
 * it drops from its head at a rising rate until they no longer do, which
 * tells a bulk TCP flow inside to slow down. The whole queue holds at most
 * FAIR_QUEUE_LIMIT_BYTES and FAIR_QUEUE_LIMIT_PACKETS; when a datagram
 * does not fit, the flow with the most bytes queued loses its oldest —
 * or the arriving datagram, when it is of that flow itself. So a bulk
 * flow gets the drops and the queueing, a sparse one neither.
 *
 * Memory: the queue itself (4.2 KiB: FAIR_QUEUE_FLOWS flow queues), one
 * allocation per queued datagram (its bytes plus 24), and up to 8 sent
 * ones kept for reuse. Time comes in as `now` in ns, as everywhere in the
 * QUIC layer. No OS headers. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAIR_QUEUE_FLOWS 64
#define FAIR_QUEUE_QUANTUM 1514 /* bytes per round: one full-size frame */
/* Enough for a read batch of full-size frames towards one peer (the relay
 * queues a batch, then writes), small enough that 100 peers' queues full
 * at once stay a few MiB (docs/PERFORMANCE.md, "Memory"). */
#define FAIR_QUEUE_LIMIT_BYTES (64U * 1024U)
#define FAIR_QUEUE_LIMIT_PACKETS 256U
#define FAIR_QUEUE_TARGET_NS (5U * 1000U * 1000U)     /* RFC 8289's defaults */
#define FAIR_QUEUE_INTERVAL_NS (100U * 1000U * 1000U)
#define FAIR_QUEUE_DATAGRAM_MAX 65535U

/* The drop reasons' names, wherever drops are shown (D-Bus, status). */
#define FAIR_QUEUE_DROP_EVICTED "queue_evicted"
#define FAIR_QUEUE_DROP_CODEL "queue_codel"

typedef struct FairQueueCounters {
        uint64_t dropped_overflow; /* evicted: the fattest flow's oldest, to make room */
        uint64_t dropped_codel;    /* waited too long (CoDel) */
} FairQueueCounters;

typedef struct FairQueue FairQueue;

FairQueue *fair_queue_new(void);
FairQueue *fair_queue_free(FairQueue *q);

/* Queues a copy of data. Returns 0 (maybe after evicting another flow's
 * oldest datagram, counted in dropped_overflow), -ENOBUFS when the queue
 * is full and this datagram's flow is the fattest (it is not queued, not
 * counted: the caller counts its refusal), -ENOMEM, or -EMSGSIZE above
 * FAIR_QUEUE_DATAGRAM_MAX. */
int fair_queue_push(FairQueue *q, uint32_t flow_hash, const void *data, size_t len, uint64_t now);

/* The datagram to send next, or false when none is queued. CoDel's drops
 * happen here. The datagram stays queued, and is what the next peek
 * returns, until fair_queue_pop(): a sender that cannot place it now
 * (congestion window) tries it again later. */
bool fair_queue_peek(FairQueue *q, uint64_t now, const uint8_t **ret_data, size_t *ret_len);
/* Removes what fair_queue_peek() returned (it was sent or cannot be). */
void fair_queue_pop(FairQueue *q);

/* Drops everything queued, uncounted (the connection is gone). */
void fair_queue_clear(FairQueue *q);

size_t fair_queue_packets(const FairQueue *q);
size_t fair_queue_bytes(const FairQueue *q);
void fair_queue_get_counters(const FairQueue *q, FairQueueCounters *ret);
