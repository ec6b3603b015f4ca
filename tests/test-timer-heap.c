/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "test-util.h"
#include "timer-heap.h"

#define N 257

/* The earliest key among queued nodes, by brute force. */
static uint64_t brute_min(const TimerHeapNode *nodes, size_t n) {
        uint64_t m = UINT64_MAX;

        for (size_t i = 0; i < n; i++)
                if (timer_heap_node_queued(&nodes[i]) && nodes[i].key < m)
                        m = nodes[i].key;
        return m;
}

static void test_empty_and_unreserved(void) {
        TimerHeap h = { .nodes = NULL };
        TimerHeapNode a;

        timer_heap_node_init(&a);
        CHECK(timer_heap_peek(&h) == NULL);
        CHECK(timer_heap_pop_due(&h, UINT64_MAX) == NULL);
        /* No slot reserved: refused, not written past the end. */
        CHECK_EQ_INT(timer_heap_set(&h, &a, 5), -ENOBUFS);
        CHECK(!timer_heap_node_queued(&a));
        timer_heap_remove(&h, &a); /* not queued: no-op */
        CHECK_EQ_INT(timer_heap_reserve(&h, 1), 0);
        CHECK_EQ_INT(timer_heap_set(&h, &a, 5), 0);
        CHECK(timer_heap_pop_due(&h, 4) == NULL);
        CHECK(timer_heap_pop_due(&h, 5) == &a);
        CHECK(!timer_heap_node_queued(&a));
        timer_heap_done(&h);
}

/* Random inserts, moves, removes and pops against a brute-force minimum. */
static void test_random(void) {
        TimerHeap h = { .nodes = NULL };
        TimerHeapNode nodes[N];

        srand(42);
        for (size_t i = 0; i < N; i++)
                timer_heap_node_init(&nodes[i]);
        CHECK_EQ_INT(timer_heap_reserve(&h, N), 0);

        for (unsigned round = 0; round < 200000; round++) {
                TimerHeapNode *n = &nodes[(size_t) rand() % N], *top;
                uint64_t key = (uint64_t) (rand() % 1000);

                switch (rand() % 4) {
                case 0:
                case 1:
                        CHECK_EQ_INT(timer_heap_set(&h, n, key), 0);
                        break;
                case 2:
                        timer_heap_remove(&h, n);
                        CHECK(!timer_heap_node_queued(n));
                        break;
                case 3: {
                        uint64_t m = brute_min(nodes, N);

                        top = timer_heap_pop_due(&h, key);
                        if (m <= key) {
                                CHECK(top != NULL);
                                CHECK(top->key == m);
                                CHECK(!timer_heap_node_queued(top));
                        } else
                                CHECK(top == NULL);
                        break;
                }
                }
                top = timer_heap_peek(&h);
                CHECK((top ? top->key : UINT64_MAX) == brute_min(nodes, N));
        }
        timer_heap_done(&h);
        for (size_t i = 0; i < N; i++)
                CHECK(!timer_heap_node_queued(&nodes[i]));
}

int main(void) {
        test_empty_and_unreserved();
        test_random();
        return 0;
}
