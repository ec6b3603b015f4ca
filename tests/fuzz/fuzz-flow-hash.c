/* SPDX-License-Identifier: MIT */
/* datagram_flow_hash() on arbitrary bytes (an overlay datagram: 4-byte
 * header, then the frame), then the fair queue on what it decides: the hash
 * reads only within the input (ASan), depends on the frame and not on the
 * overlay header, and the datagram queued under it comes back unchanged. */

#include <string.h>

#include "fair-queue.h"
#include "flow-hash.h"
#include "../test-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static FairQueue *q;
        uint8_t copy[FAIR_QUEUE_DATAGRAM_MAX];
        const uint8_t *d;
        size_t len;
        uint32_t h;

        if (size > sizeof(copy))
                return 0;
        h = datagram_flow_hash(data, size);
        memcpy(copy, data, size);
        if (size >= 4) {
                memset(copy, 0xa5, 4);
                CHECK_EQ_INT(datagram_flow_hash(copy, size), h);
        }
        if (!q)
                q = fair_queue_new();
        CHECK(q);
        CHECK_EQ_INT(fair_queue_push(q, h, data, size, 0), 0);
        CHECK(fair_queue_peek(q, 0, &d, &len));
        CHECK_EQ_INT(len, size);
        CHECK(size == 0 || memcmp(d, data, size) == 0);
        fair_queue_pop(q);
        CHECK_EQ_INT(fair_queue_packets(q), 0);
        return 0;
}
