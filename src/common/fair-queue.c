/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fair-queue.h"

/* Datagrams sent are kept for reuse, this many per queue: a busy
 * connection then allocates nothing per datagram (glibc's per-thread
 * cache stops below full-size frames), an idle one keeps a few KiB. */
#define SPARE_PACKETS 8

typedef struct Packet {
        struct Packet *next;
        uint64_t enqueued;
        uint16_t len;
        uint16_t capacity; /* of data[] */
        uint8_t data[];
} Packet;

typedef enum FlowList {
        FLOW_IDLE,
        FLOW_NEW, /* became active since it was last served a quantum */
        FLOW_OLD,
} FlowList;

typedef struct Flow {
        Packet *head, *tail;
        struct Flow *next; /* on the new or old list */
        uint32_t bytes;
        int32_t deficit;
        FlowList list;
        /* CoDel (RFC 8289 section 5, its names). */
        bool dropping;
        uint32_t count, last_count;
        uint64_t first_above_time, drop_next;
} Flow;

typedef struct FlowQueue {
        Flow *head, *tail;
} FlowQueue;

struct FairQueue {
        Flow flows[FAIR_QUEUE_FLOWS];
        FlowQueue new_flows, old_flows;
        Flow *selected; /* what fair_queue_peek() returned, until popped */
        /* The flow the last scan found fattest and refused, while nothing
         * has grown since: a connection whose window stays shut is
         * offered its bulk flow's datagrams one by one, each refused, and
         * must not scan every flow for each (29% of the relay's CPU in
         * bench/relay-micro.sh). */
        Flow *refusing;
        Packet *spare[SPARE_PACKETS];
        size_t n_spare;
        size_t packets, bytes;
        FairQueueCounters counters;
};

FairQueue *fair_queue_new(void) {
        return calloc(1, sizeof(FairQueue));
}

FairQueue *fair_queue_free(FairQueue *q) {
        if (q) {
                fair_queue_clear(q);
                while (q->n_spare > 0)
                        free(q->spare[--q->n_spare]);
                free(q);
        }
        return NULL;
}

static Packet *packet_new(FairQueue *q, size_t len) {
        Packet *p;

        for (size_t i = 0; i < q->n_spare; i++)
                if (q->spare[i]->capacity >= len) {
                        p = q->spare[i];
                        q->spare[i] = q->spare[--q->n_spare];
                        return p;
                }
        p = malloc(sizeof(Packet) + len);
        if (p)
                p->capacity = (uint16_t) len;
        return p;
}

static void packet_free(FairQueue *q, Packet *p) {
        if (q->n_spare < SPARE_PACKETS)
                q->spare[q->n_spare++] = p;
        else
                free(p);
}

static void list_append(FlowQueue *l, Flow *f) {
        f->next = NULL;
        if (l->tail)
                l->tail->next = f;
        else
                l->head = f;
        l->tail = f;
}

static Flow *list_pop(FlowQueue *l) {
        Flow *f = l->head;

        if (f) {
                l->head = f->next;
                if (!l->head)
                        l->tail = NULL;
                f->next = NULL;
        }
        return f;
}

/* Takes the flow's oldest datagram out; the caller frees it. */
static Packet *flow_take_head(FairQueue *q, Flow *f) {
        Packet *p = f->head;

        f->head = p->next;
        if (!f->head)
                f->tail = NULL;
        f->bytes -= p->len;
        q->bytes -= p->len;
        q->packets--;
        return p;
}

static Flow *fattest_flow(FairQueue *q) {
        Flow *fat = &q->flows[0];

        for (size_t i = 1; i < FAIR_QUEUE_FLOWS; i++)
                if (q->flows[i].bytes > fat->bytes)
                        fat = &q->flows[i];
        return fat;
}

static bool over_limit(const FairQueue *q, size_t extra_bytes) {
        return q->packets + 1 > FAIR_QUEUE_LIMIT_PACKETS || q->bytes + extra_bytes > FAIR_QUEUE_LIMIT_BYTES;
}

int fair_queue_push(FairQueue *q, uint32_t flow_hash, const void *data, size_t len, uint64_t now) {
        Flow *f;
        Packet *p;

        if (!q || (!data && len > 0))
                return -EINVAL;
        if (len > FAIR_QUEUE_DATAGRAM_MAX)
                return -EMSGSIZE;
        f = &q->flows[flow_hash % FAIR_QUEUE_FLOWS];
        /* Make room from the fattest flow; when that is this datagram's
         * own, it is the one that goes (its flow keeps its order). Each
         * eviction frees a datagram, so this ends. */
        while (over_limit(q, len)) {
                Flow *fat = q->refusing == f ? f : fattest_flow(q);

                if (fat == f || fat->bytes == 0) {
                        q->refusing = fat == f ? f : NULL;
                        return -ENOBUFS;
                }
                if (q->refusing == fat)
                        q->refusing = NULL;
                if (q->selected == fat && fat->head)
                        q->selected = NULL; /* its peeked datagram goes */
                packet_free(q, flow_take_head(q, fat));
                q->counters.dropped_overflow++;
        }
        p = packet_new(q, len);
        if (!p)
                return -ENOMEM;
        p->next = NULL;
        p->enqueued = now;
        p->len = (uint16_t) len;
        if (len > 0)
                memcpy(p->data, data, len);
        if (f->tail)
                f->tail->next = p;
        else
                f->head = p;
        f->tail = p;
        f->bytes += (uint32_t) len;
        q->refusing = NULL; /* f grew: it may be the fattest now */
        q->bytes += len;
        q->packets++;
        if (f->list == FLOW_IDLE) {
                f->list = FLOW_NEW;
                f->deficit = FAIR_QUEUE_QUANTUM;
                list_append(&q->new_flows, f);
        }
        return 0;
}

/* sqrt for CoDel's control law, on integers: no libm in the protocol core. */
static uint32_t isqrt(uint32_t n) {
        uint32_t x = n, y = (n + 1) / 2;

        while (y < x) {
                x = y;
                y = (x + n / x) / 2;
        }
        return x;
}

static uint64_t control_law(uint64_t t, uint32_t count) {
        return t + FAIR_QUEUE_INTERVAL_NS / isqrt(count > 0 ? count : 1);
}

/* RFC 8289's dodequeue(): whether the head has waited too long for long
 * enough. A queue down to one full-size datagram is never "too long". */
static bool codel_ok_to_drop(FairQueue *q, Flow *f, uint64_t now) {
        uint64_t sojourn = now > f->head->enqueued ? now - f->head->enqueued : 0;

        if (sojourn < FAIR_QUEUE_TARGET_NS || f->bytes <= FAIR_QUEUE_QUANTUM) {
                f->first_above_time = 0;
                return false;
        }
        if (f->first_above_time == 0) {
                f->first_above_time = now + FAIR_QUEUE_INTERVAL_NS;
                return false;
        }
        (void) q;
        return now >= f->first_above_time;
}

static void codel_drop_head(FairQueue *q, Flow *f) {
        if (q->refusing == f)
                q->refusing = NULL;
        packet_free(q, flow_take_head(q, f));
        q->counters.dropped_codel++;
}

/* RFC 8289's dequeue(), up to the datagram it would send: drops from the
 * flow's head while CoDel says so. Returns whether a datagram is left. */
static bool codel_dequeue(FairQueue *q, Flow *f, uint64_t now) {
        bool drop;

        if (!f->head) {
                f->dropping = false;
                return false;
        }
        drop = codel_ok_to_drop(q, f, now);
        if (f->dropping) {
                if (!drop)
                        f->dropping = false;
                while (f->dropping && now >= f->drop_next) {
                        codel_drop_head(q, f);
                        f->count++;
                        if (!f->head || !codel_ok_to_drop(q, f, now))
                                f->dropping = false;
                        else
                                f->drop_next = control_law(f->drop_next, f->count);
                }
        } else if (drop) {
                uint32_t delta = f->count - f->last_count;

                codel_drop_head(q, f);
                f->dropping = true;
                /* Resume near the last drop rate if dropping stopped only
                 * recently. */
                f->count = delta > 1 && now - f->drop_next < 16ULL * FAIR_QUEUE_INTERVAL_NS ? delta : 1;
                f->drop_next = control_law(now, f->count);
                f->last_count = f->count;
        }
        return f->head != NULL;
}

bool fair_queue_peek(FairQueue *q, uint64_t now, const uint8_t **ret_data, size_t *ret_len) {
        if (!q)
                return false;
        while (!q->selected) {
                FlowQueue *l = q->new_flows.head ? &q->new_flows : &q->old_flows;
                Flow *f = l->head;

                if (!f)
                        return false;
                if (f->deficit <= 0) {
                        /* Its quantum is used: to the back of the old flows. */
                        f->deficit += FAIR_QUEUE_QUANTUM;
                        list_pop(l);
                        f->list = FLOW_OLD;
                        list_append(&q->old_flows, f);
                        continue;
                }
                if (!codel_dequeue(q, f, now)) {
                        list_pop(l);
                        /* A new flow that empties goes behind the old ones
                         * once, so it cannot stay "new" by sending one
                         * datagram per round (RFC 8290 section 4.2). */
                        if (l == &q->new_flows) {
                                f->list = FLOW_OLD;
                                list_append(&q->old_flows, f);
                        } else
                                f->list = FLOW_IDLE;
                        continue;
                }
                q->selected = f;
        }
        *ret_data = q->selected->head->data;
        *ret_len = q->selected->head->len;
        return true;
}

void fair_queue_pop(FairQueue *q) {
        Flow *f;
        Packet *p;

        if (!q || !q->selected)
                return;
        f = q->selected;
        q->selected = NULL;
        p = flow_take_head(q, f);
        if (q->refusing == f)
                q->refusing = NULL; /* f shrank: another may be fatter now */
        f->deficit -= (int32_t) p->len;
        packet_free(q, p);
}

void fair_queue_clear(FairQueue *q) {
        if (!q)
                return;
        for (size_t i = 0; i < FAIR_QUEUE_FLOWS; i++) {
                Flow *f = &q->flows[i];

                while (f->head)
                        packet_free(q, flow_take_head(q, f));
                memset(f, 0, sizeof(*f));
        }
        q->refusing = NULL;
        memset(&q->new_flows, 0, sizeof(q->new_flows));
        memset(&q->old_flows, 0, sizeof(q->old_flows));
        q->selected = NULL;
}

size_t fair_queue_packets(const FairQueue *q) {
        return q ? q->packets : 0;
}

size_t fair_queue_bytes(const FairQueue *q) {
        return q ? q->bytes : 0;
}

void fair_queue_get_counters(const FairQueue *q, FairQueueCounters *ret) {
        *ret = q ? q->counters : (FairQueueCounters) {0};
}
