/* SPDX-License-Identifier: MIT */
#pragma once

/* A binary min-heap of deadlines, for an endpoint with many connections
 * that needs the earliest timer after every batch of packets: peek is
 * O(1), insert, move and remove O(log n), so the cost per packet does not
 * grow with idle connections. Nodes are embedded in the caller's objects
 * and know their place, which is what lets a deadline move in place. No
 * allocation but timer_heap_reserve(): an owner that reserves one slot per
 * object it may insert never fails an insert. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMER_HEAP_NOT_QUEUED SIZE_MAX

typedef struct TimerHeapNode {
        uint64_t key;
        size_t index; /* TIMER_HEAP_NOT_QUEUED while outside the heap */
} TimerHeapNode;

typedef struct TimerHeap {
        TimerHeapNode **nodes;
        size_t n, n_alloc;
} TimerHeap;

static inline void timer_heap_node_init(TimerHeapNode *node) {
        node->key = UINT64_MAX;
        node->index = TIMER_HEAP_NOT_QUEUED;
}

static inline bool timer_heap_node_queued(const TimerHeapNode *node) {
        return node->index != TIMER_HEAP_NOT_QUEUED;
}

/* Room for n nodes. 0 or -ENOMEM. */
int timer_heap_reserve(TimerHeap *h, size_t n);
void timer_heap_done(TimerHeap *h);

/* Inserts the node with `key`, or moves it there if it is queued already.
 * -ENOBUFS when not queued and no slot was reserved for it. */
int timer_heap_set(TimerHeap *h, TimerHeapNode *node, uint64_t key);
/* No-op for a node that is not queued. */
void timer_heap_remove(TimerHeap *h, TimerHeapNode *node);
/* The earliest node, NULL when empty. */
TimerHeapNode *timer_heap_peek(const TimerHeap *h);
/* Removes and returns the earliest node if its key is <= now. */
TimerHeapNode *timer_heap_pop_due(TimerHeap *h, uint64_t now);
