/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "timer-heap.h"

static void place(TimerHeap *h, size_t i, TimerHeapNode *node) {
        h->nodes[i] = node;
        node->index = i;
}

static void sift_up(TimerHeap *h, size_t i) {
        TimerHeapNode *node = h->nodes[i];

        while (i > 0) {
                size_t parent = (i - 1) / 2;

                if (h->nodes[parent]->key <= node->key)
                        break;
                place(h, i, h->nodes[parent]);
                i = parent;
        }
        place(h, i, node);
}

static void sift_down(TimerHeap *h, size_t i) {
        TimerHeapNode *node = h->nodes[i];

        for (;;) {
                size_t child = 2 * i + 1;

                if (child >= h->n)
                        break;
                if (child + 1 < h->n && h->nodes[child + 1]->key < h->nodes[child]->key)
                        child++;
                if (node->key <= h->nodes[child]->key)
                        break;
                place(h, i, h->nodes[child]);
                i = child;
        }
        place(h, i, node);
}

int timer_heap_reserve(TimerHeap *h, size_t n) {
        TimerHeapNode **a;

        if (n <= h->n_alloc)
                return 0;
        a = realloc(h->nodes, n * sizeof *a);
        if (!a)
                return -ENOMEM;
        h->nodes = a;
        h->n_alloc = n;
        return 0;
}

void timer_heap_done(TimerHeap *h) {
        for (size_t i = 0; i < h->n; i++)
                h->nodes[i]->index = TIMER_HEAP_NOT_QUEUED;
        free(h->nodes);
        *h = (TimerHeap) { .nodes = NULL };
}

int timer_heap_set(TimerHeap *h, TimerHeapNode *node, uint64_t key) {
        uint64_t old = node->key;

        if (!timer_heap_node_queued(node)) {
                if (h->n >= h->n_alloc)
                        return -ENOBUFS;
                node->key = key;
                place(h, h->n++, node);
                sift_up(h, node->index);
                return 0;
        }
        node->key = key;
        if (key < old)
                sift_up(h, node->index);
        else if (key > old)
                sift_down(h, node->index);
        return 0;
}

void timer_heap_remove(TimerHeap *h, TimerHeapNode *node) {
        size_t i = node->index;
        TimerHeapNode *last;

        if (!timer_heap_node_queued(node) || i >= h->n || h->nodes[i] != node)
                return;
        node->index = TIMER_HEAP_NOT_QUEUED;
        last = h->nodes[--h->n];
        if (last == node)
                return;
        place(h, i, last);
        /* The moved node may belong above or below its new place. */
        sift_up(h, i);
        sift_down(h, last->index);
}

TimerHeapNode *timer_heap_peek(const TimerHeap *h) {
        return h->n > 0 ? h->nodes[0] : NULL;
}

TimerHeapNode *timer_heap_pop_due(TimerHeap *h, uint64_t now) {
        TimerHeapNode *top = timer_heap_peek(h);

        if (!top || top->key > now)
                return NULL;
        timer_heap_remove(h, top);
        return top;
}
