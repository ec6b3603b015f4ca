/* SPDX-License-Identifier: MIT */
/* The senders' fair queue (fair-queue.c) and its classifier (flow-hash.c):
 * order within a flow, sparse flows first, byte fairness between bulk
 * flows, drops from the fattest flow when full, CoDel on a standing
 * queue and not on a short one, and hashing of hostile frames. */

#include <errno.h>
#include <string.h>

#include "datagram.h"
#include "fair-queue.h"
#include "flow-hash.h"
#include "../tests/test-util.h"

#define MSEC (1000ULL * 1000ULL)

static void push(FairQueue *q, uint32_t flow, uint8_t tag, size_t len, uint64_t now) {
        uint8_t buf[2000];

        memset(buf, tag, len);
        CHECK_EQ_INT(fair_queue_push(q, flow, buf, len, now), 0);
}

/* Pops the next datagram; returns its tag (first byte), -1 when empty. */
static int pop(FairQueue *q, uint64_t now, size_t *ret_len) {
        const uint8_t *d;
        size_t len;
        int tag;

        if (!fair_queue_peek(q, now, &d, &len))
                return -1;
        tag = len > 0 ? d[0] : 0;
        if (ret_len)
                *ret_len = len;
        fair_queue_pop(q);
        return tag;
}

static void test_fifo_per_flow(void) {
        FairQueue *q = fair_queue_new();
        const uint8_t *d;
        size_t len;

        CHECK(!fair_queue_peek(q, 0, &d, &len));
        for (int i = 1; i <= 5; i++)
                push(q, 7, (uint8_t) i, 100, 0);
        CHECK_EQ_INT(fair_queue_packets(q), 5);
        CHECK_EQ_INT(fair_queue_bytes(q), 500);
        /* Peek twice, same datagram: a sender blocked by the window retries it. */
        CHECK(fair_queue_peek(q, 0, &d, &len));
        CHECK_EQ_INT(d[0], 1);
        CHECK(fair_queue_peek(q, 0, &d, &len));
        CHECK_EQ_INT(d[0], 1);
        for (int i = 1; i <= 5; i++)
                CHECK_EQ_INT(pop(q, 0, NULL), i);
        CHECK_EQ_INT(pop(q, 0, NULL), -1);
        CHECK_EQ_INT(fair_queue_bytes(q), 0);
        fair_queue_free(q);
}

static void test_sparse_first(void) {
        FairQueue *q = fair_queue_new();

        for (int i = 0; i < 40; i++)
                push(q, 1, 'B', 1400, 0);
        /* The bulk flow has used its quantum: it is an old flow now. */
        CHECK_EQ_INT(pop(q, 0, NULL), 'B');
        CHECK_EQ_INT(pop(q, 0, NULL), 'B');
        push(q, 2, 'g', 64, 0);
        CHECK_EQ_INT(pop(q, 0, NULL), 'g');
        CHECK_EQ_INT(pop(q, 0, NULL), 'B');
        fair_queue_free(q);
}

static void test_byte_fairness(void) {
        FairQueue *q = fair_queue_new();
        size_t served[2] = {0, 0}, len;
        int tag;

        for (int i = 0; i < 20; i++)
                push(q, 1, 0, 1400, 0);
        for (int i = 0; i < 100; i++)
                push(q, 2, 1, 200, 0);
        /* Until one runs dry, each gets the same bytes within a quantum. */
        while (served[0] < 12 * 1400 && (tag = pop(q, 0, &len)) >= 0)
                served[tag] += len;
        CHECK(served[1] + 2 * FAIR_QUEUE_QUANTUM >= served[0]);
        CHECK(served[0] + 2 * FAIR_QUEUE_QUANTUM >= served[1]);
        fair_queue_free(q);
}

static void test_full_drops_fattest(void) {
        FairQueue *q = fair_queue_new();
        FairQueueCounters fc;
        uint8_t buf[1400] = {0};
        size_t n = 0;

        while (fair_queue_push(q, 1, buf, sizeof buf, 0) == 0)
                n++;
        CHECK_EQ_INT(n, FAIR_QUEUE_LIMIT_BYTES / sizeof buf);
        /* Refused again (the remembered verdict), until it is served. */
        CHECK_EQ_INT(fair_queue_push(q, 1, buf, sizeof buf, 0), -ENOBUFS);
        CHECK_EQ_INT(pop(q, 0, NULL), 0);
        CHECK_EQ_INT(fair_queue_push(q, 1, buf, sizeof buf, 0), 0);
        CHECK_EQ_INT(fair_queue_push(q, 1, buf, sizeof buf, 0), -ENOBUFS);
        fair_queue_get_counters(q, &fc);
        CHECK_EQ_INT(fc.dropped_overflow, 0); /* refused, not evicted: the caller counts */
        /* Another flow's datagram gets in: the bulk flow's oldest goes. */
        push(q, 2, 'g', sizeof buf, 0);
        fair_queue_get_counters(q, &fc);
        CHECK_EQ_INT(fc.dropped_overflow, 1);
        CHECK_EQ_INT(fair_queue_packets(q), n);
        CHECK(fair_queue_bytes(q) <= FAIR_QUEUE_LIMIT_BYTES);
        /* It waits for at most the rest of the bulk flow's quantum. */
        CHECK_EQ_INT(pop(q, 0, NULL), 0);
        CHECK_EQ_INT(pop(q, 0, NULL), 'g');
        /* The packet limit holds for small datagrams too. */
        fair_queue_clear(q);
        for (unsigned i = 0; i < FAIR_QUEUE_LIMIT_PACKETS; i++)
                push(q, i, 'x', 1, 0);
        /* Every flow holds 4 bytes; ties go to the first: flow 0 refused,
         * flow 5 evicts flow 0's oldest. */
        CHECK_EQ_INT(fair_queue_push(q, 0, "y", 1, 0), -ENOBUFS);
        CHECK_EQ_INT(fair_queue_push(q, 5, "z", 1, 0), 0);
        fair_queue_get_counters(q, &fc);
        CHECK_EQ_INT(fc.dropped_overflow, 2);
        CHECK_EQ_INT(fair_queue_packets(q), FAIR_QUEUE_LIMIT_PACKETS);
        CHECK_EQ_INT(fair_queue_push(q, 1, NULL, 3, 0), -EINVAL);
        CHECK_EQ_INT(fair_queue_push(q, 1, buf, FAIR_QUEUE_DATAGRAM_MAX + 1, 0), -EMSGSIZE);
        fair_queue_free(q);
}

static void test_codel(void) {
        FairQueue *q = fair_queue_new();
        FairQueueCounters fc;
        uint64_t now = 0;
        int got = 0;

        /* A short queue served fast: no drops, whatever its age pattern. */
        for (int round = 0; round < 100; round++) {
                push(q, 1, 'a', 1000, now);
                now += 1 * MSEC;
                CHECK_EQ_INT(pop(q, now, NULL), 'a');
        }
        fair_queue_get_counters(q, &fc);
        CHECK_EQ_INT(fc.dropped_codel, 0);

        /* A standing queue: 40 datagrams, one served every 10 ms while one
         * arrives, so each waits ~400 ms. After an interval CoDel drops. */
        for (int i = 0; i < 40; i++)
                push(q, 1, 'b', 1000, now);
        for (int i = 0; i < 100; i++) {
                now += 10 * MSEC;
                push(q, 1, 'b', 1000, now);
                if (pop(q, now, NULL) == 'b')
                        got++;
        }
        fair_queue_get_counters(q, &fc);
        CHECK(fc.dropped_codel > 0);
        CHECK(got > 0);
        /* A sparse flow's datagram is not dropped by the bulk flow's CoDel. */
        push(q, 2, 'g', 64, now);
        CHECK_EQ_INT(pop(q, now, NULL), 'g');
        fair_queue_free(q);
        CHECK(fair_queue_free(NULL) == NULL);
}

/* An Ethernet + IPv4 + UDP/TCP frame, behind the overlay header. */
static size_t frame_ipv4(uint8_t *b, uint8_t proto, uint16_t sport, uint16_t dport, uint8_t payload_byte) {
        static const uint8_t eth[14] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
        uint8_t *ip = b + 4 + 14;

        memset(b, 0, 100);
        datagram_header_write(b, 0);
        memcpy(b + 4, eth, 14);
        ip[0] = 0x45;
        ip[9] = proto;
        ip[12] = 192, ip[13] = 0, ip[14] = 2, ip[15] = 10;
        ip[16] = 192, ip[17] = 0, ip[18] = 2, ip[19] = 201;
        ip[20] = (uint8_t) (sport >> 8), ip[21] = (uint8_t) sport;
        ip[22] = (uint8_t) (dport >> 8), ip[23] = (uint8_t) dport;
        ip[40] = payload_byte;
        return 4 + 14 + 20 + 30;
}

static void test_flow_hash(void) {
        uint8_t a[100], b[100];
        size_t na, nb;

        na = frame_ipv4(a, 6, 5201, 40000, 1);
        nb = frame_ipv4(b, 6, 5201, 40000, 2);
        CHECK_EQ_INT(datagram_flow_hash(a, na), datagram_flow_hash(b, nb)); /* payload is not the flow */
        nb = frame_ipv4(b, 6, 5201, 40001, 1);
        CHECK(datagram_flow_hash(a, na) != datagram_flow_hash(b, nb));
        nb = frame_ipv4(b, 1, 5201, 40000, 1); /* ICMP: no ports */
        CHECK(datagram_flow_hash(a, na) != datagram_flow_hash(b, nb));
        /* A later IPv4 fragment has no ports: its addresses and protocol. */
        nb = frame_ipv4(b, 17, 1, 2, 0);
        b[4 + 14 + 7] = 0x10;
        CHECK_EQ_INT(datagram_flow_hash(b, nb), datagram_flow_hash(b, 4 + 14 + 20));
        /* Every truncation of a frame, and garbage, hashes without reading
         * past its end (ASan and valgrind watch). */
        for (size_t n = 0; n <= na; n++)
                (void) datagram_flow_hash(a, n);
        a[4 + 14] = 0x4f; /* IHL 60 > what is there */
        (void) datagram_flow_hash(a, na);
        CHECK_EQ_INT(datagram_flow_hash(NULL, 5), datagram_flow_hash(NULL, 0));
}

int main(void) {
        test_fifo_per_flow();
        test_sparse_first();
        test_byte_fairness();
        test_full_drops_fattest();
        test_codel();
        test_flow_hash();
        return 0;
}
