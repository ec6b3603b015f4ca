/* SPDX-License-Identifier: MIT */
/* The control codec on arbitrary bytes, two ways:
 * - the whole input as one message through control_decode(); anything that
 *   decodes must re-encode, decode back to the same struct, and (STATS with
 *   extra counters aside) re-encode to the very same bytes;
 * - the input after its first byte as a stream through ControlReader, fed in
 *   chunks whose size the first byte picks. The reader must yield exactly
 *   what walking the stream frame by frame with control_decode() yields,
 *   stop with the same error, and leave the same incomplete tail. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "macro.h"
#include "../test-util.h"

static void check_round_trip(const ControlMessage *m, const uint8_t *wire, size_t wire_len) {
        uint8_t buf[LP_CONTROL_MESSAGE_MAX];
        ControlMessage again;
        int n;

        n = control_encode(m, buf, sizeof(buf));
        CHECK(n > 0);
        CHECK(control_decode(buf, (size_t) n, &again, NULL) == 1);
        CHECK(memcmp(&again, m, sizeof(again)) == 0);
        /* The wire form is canonical except for counters a newer STATS adds. */
        if (m->type != CONTROL_TYPE_STATS || wire[3] == LP_CONTROL_STATS_MIN)
                CHECK((size_t) n == wire_len && memcmp(buf, wire, wire_len) == 0);
        CHECK(control_encode(m, buf, (size_t) n - 1) == -ENOBUFS);
}

/* The reference: the stream cut into frames by hand, each decoded alone. */
typedef struct RefWalker {
        const uint8_t *data;
        size_t size, off;
} RefWalker;

static int ref_next(RefWalker *w, ControlMessage *ret, ControlError *ret_error) {
        for (;;) {
                size_t left = w->size - w->off, total;
                uint16_t length;
                int r;

                if (left < LP_CONTROL_LENGTH_SIZE)
                        return 0;
                length = be16_load(w->data + w->off);
                if (length == 0 || length > LP_CONTROL_MAX) {
                        *ret_error = CONTROL_ERROR_BAD_LENGTH;
                        return -EBADMSG;
                }
                total = LP_CONTROL_LENGTH_SIZE + (size_t) length;
                if (left < total)
                        return 0;
                r = control_decode(w->data + w->off, total, ret, ret_error);
                if (r < 0)
                        return r;
                if (r > 0)
                        check_round_trip(ret, w->data + w->off, total);
                w->off += total;
                if (r > 0)
                        return 1;
        }
}

static void check_stream(const uint8_t *data, size_t size, size_t chunk) {
        RefWalker w = { .data = data, .size = size };
        ControlReader reader;
        ControlMessage m, ref;
        ControlError ref_error;
        const uint8_t *p = data;
        size_t left = size;
        int k = 0, rk;

        control_reader_init(&reader);
        while (left > 0) {
                size_t take = MIN(chunk, left);
                while (take > 0) {
                        size_t used = control_reader_feed(&reader, p, take);
                        CHECK(used <= take);
                        p += used, left -= used, take -= used;

                        while ((k = control_reader_next(&reader, &m)) > 0) {
                                CHECK(ref_next(&w, &ref, &ref_error) == 1);
                                CHECK(memcmp(&m, &ref, sizeof(m)) == 0);
                        }
                        if (k < 0) {
                                CHECK(k == -EBADMSG);
                                CHECK(ref_next(&w, &ref, &ref_error) == -EBADMSG);
                                CHECK(reader.error == ref_error);
                                CHECK(control_error_to_string(reader.error));
                                /* Sticky, and what follows is swallowed. */
                                CHECK(control_reader_next(&reader, &m) == -EBADMSG);
                                CHECK(control_reader_feed(&reader, data, size) == size);
                                return;
                        }
                        /* A full buffer always holds something to pull, so
                         * "need more" with a full buffer would stall. */
                        CHECK(control_reader_pending(&reader) < LP_CONTROL_MESSAGE_MAX);
                }
        }

        rk = ref_next(&w, &ref, &ref_error);
        CHECK(rk == 0);
        CHECK(control_reader_pending(&reader) == size - w.off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ControlMessage m;
        ControlError e = _CONTROL_ERROR_INVALID;
        size_t chunk;
        int r;

        r = control_decode(data, size, &m, &e);
        if (r < 0) {
                CHECK(r == -EBADMSG);
                CHECK(control_error_to_string(e));
        } else if (r == 0) {
                CHECK(size >= 3 && size == 2 + (size_t) be16_load(data));
                CHECK(!control_type_to_string(data[2]));
        } else {
                CHECK(control_type_to_string(m.type));
                check_round_trip(&m, data, size);
        }

        if (size == 0)
                return 0;
        /* 1..64 bytes, or everything at once. */
        chunk = data[0] >= 0xC0 ? SIZE_MAX : (size_t) (data[0] & 0x3F) + 1;
        check_stream(data + 1, size - 1, chunk);
        return 0;
}
