/* SPDX-License-Identifier: MIT */
/* datagram_decode() on arbitrary bytes. Whatever decodes must re-encode to
 * exactly the input, must fail with -EMSGSIZE one byte under its size, and a
 * datagram in the sent-to-relay form must survive the relay's in-place
 * rewrite with its frame intact. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datagram.h"
#include "macro.h"
#include "../test-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t out[LP_DATAGRAM_SIZE_MAX], fwd[LP_DATAGRAM_SIZE_MAX];
        DatagramError e = _DATAGRAM_ERROR_INVALID;
        Datagram d, d2;
        uint16_t peer;
        int r, n;

        r = datagram_decode(data, size, &d, &e);
        if (r < 0) {
                CHECK(r == -EBADMSG);
                CHECK(datagram_error_to_string(e));
                return 0;
        }

        CHECK(size >= LP_DATAGRAM_HEADER_SIZE + LP_DATAGRAM_FRAME_MIN && size <= LP_DATAGRAM_SIZE_MAX);
        CHECK(d.frame == data + LP_DATAGRAM_HEADER_SIZE);
        CHECK(d.frame_len == size - LP_DATAGRAM_HEADER_SIZE);
        CHECK((d.flags & LP_DATAGRAM_FLAG_FROM_PEER) == (d.source_peer_id != 0));

        n = datagram_encode(out, sizeof(out), d.source_peer_id, d.frame, d.frame_len);
        CHECK(n >= 0 && (size_t) n == size);
        CHECK(memcmp(out, data, size) == 0);
        CHECK(datagram_encode(out, size - 1, d.source_peer_id, d.frame, d.frame_len) == -EMSGSIZE);
        CHECK(datagram_encode(out, size, d.source_peer_id, d.frame, d.frame_len) == n);

        memcpy(fwd, data, size);
        peer = (uint16_t) (data[size - 1] | 1u); /* any nonzero id */
        if (d.source_peer_id != 0) {
                CHECK(datagram_mark_forwarded(fwd, size, peer) == -EBADMSG);
                CHECK(memcmp(fwd, data, size) == 0);
                return 0;
        }
        CHECK(datagram_mark_forwarded(fwd, size, peer) == 0);
        CHECK(datagram_decode(fwd, size, &d2, NULL) == 0);
        CHECK(d2.flags == LP_DATAGRAM_FLAG_FROM_PEER && d2.source_peer_id == peer);
        CHECK(d2.frame_len == d.frame_len && memcmp(d2.frame, d.frame, d.frame_len) == 0);
        return 0;
}
