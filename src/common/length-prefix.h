/* SPDX-License-Identifier: MIT */
#pragma once

/* The framing the control stream (control.c) and the service pipe
 * (service-pipe.c) share: a big-endian u16 length, then that many bytes.
 * One buffer per stream collects what arrives; these say when a whole
 * frame is in and take it out. Inline, so each codec links alone into its
 * unit test and fuzz target. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"

#define LENGTH_PREFIX_SIZE 2

/* Copies up to `size` bytes after the `*len` already in `buf` (of
 * `capacity` bytes) and returns how many it took. A broken stream takes
 * and drops everything: nothing after a framing error can be trusted, and
 * swallowing it keeps callers' feed loops finite. */
static inline size_t length_prefix_feed(uint8_t *buf, size_t capacity, size_t *len, bool broken,
                                        const uint8_t *data, size_t size) {
        size_t n;

        if (broken)
                return size;
        n = MIN(size, capacity - *len);
        memcpy(buf + *len, data, n);
        *len += n;
        return n;
}

/* The size of the first frame in `buf`, prefix included, once all of it is
 * there; 0 while more bytes are needed; -EMSGSIZE for a length of 0 or
 * above `max`, decided as soon as the prefix is in, so a bogus length
 * fails at once instead of stalling the stream. */
static inline int length_prefix_frame(const uint8_t *buf, size_t len, uint16_t max, size_t *ret_total) {
        uint16_t length;

        *ret_total = 0;
        if (len < LENGTH_PREFIX_SIZE)
                return 0;
        length = be16_load(buf);
        if (length == 0 || length > max)
                return -EMSGSIZE;
        if (len < LENGTH_PREFIX_SIZE + (size_t) length)
                return 0;
        *ret_total = LENGTH_PREFIX_SIZE + (size_t) length;
        return 1;
}

/* Takes the first `total` bytes out of `buf`. With `wipe`, the bytes freed
 * at the end are zeroed (the service pipe's JOIN carries the room key). */
static inline void length_prefix_consume(uint8_t *buf, size_t *len, size_t total, bool wipe) {
        memmove(buf, buf + total, *len - total);
        *len -= total;
        if (wipe)
                memset(buf + *len, 0, total);
}
