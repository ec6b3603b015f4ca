/* SPDX-License-Identifier: MIT */
/* The service pipe codec on arbitrary bytes, as both ends read them (the
 * service reads what any local program writes):
 * - the whole input as one frame through service_pipe_decode(), from the
 *   client and from the service; anything that decodes must re-encode to
 *   the very same bytes and decode back to the same struct, with its
 *   strings as long as their lengths and valid for their fields;
 * - the input after its first byte as a stream through ServicePipeReader,
 *   fed in chunks whose size the first byte picks. The reader must yield
 *   exactly what cutting the stream into frames by hand and decoding each
 *   yields, stop with the same error, and leave the same incomplete tail;
 * - the input as text through service_pipe_text_make_valid(): afterwards
 *   valid for a text field, and unchanged when it already was. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "macro.h"
#include "service-pipe.h"
#include "../test-util.h"

static void check_strings(const ServicePipeMessage *m) {
        switch (m->type) {
        case SERVICE_PIPE_JOIN:
                CHECK(strlen(m->join.link) == m->join.link_len);
                for (size_t i = 0; i < m->join.link_len; i++)
                        CHECK(m->join.link[i] > 0x20 && m->join.link[i] < 0x7f);
                break;
        case SERVICE_PIPE_LINE:
                CHECK(m->line.text_len > 0 && strlen(m->line.text) == m->line.text_len);
                CHECK(control_text_is_valid(m->line.text, m->line.text_len));
                break;
        case SERVICE_PIPE_ENDED:
                CHECK(strlen(m->ended.text) == m->ended.text_len);
                CHECK(control_text_is_valid(m->ended.text, m->ended.text_len));
                break;
        case SERVICE_PIPE_REFUSED:
                CHECK(strlen(m->refused.text) == m->refused.text_len);
                CHECK(control_text_is_valid(m->refused.text, m->refused.text_len));
                CHECK(service_pipe_refusal_to_string(m->refused.code));
                break;
        case SERVICE_PIPE_LIGHTS:
                for (size_t i = 0; i < LP_SERVICE_PIPE_LIGHTS; i++) {
                        CHECK(strlen(m->lights.light[i].text) == m->lights.light[i].text_len);
                        CHECK(control_text_is_valid(m->lights.light[i].text, m->lights.light[i].text_len));
                        CHECK(service_pipe_light_color_to_string(m->lights.light[i].color));
                }
                break;
        case SERVICE_PIPE_SESSION:
                CHECK(strlen(m->session.room) == m->session.room_len);
                CHECK(strlen(m->session.relay) == m->session.relay_len);
                CHECK(service_pipe_session_state_to_string(m->session.state));
                break;
        default:
                break;
        }
}

static void check_round_trip(ServicePipeSender from, const ServicePipeMessage *m, const uint8_t *wire,
                             size_t wire_len) {
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        ServicePipeMessage again;
        int n;

        CHECK(service_pipe_type_sender((uint8_t) m->type) == from);
        check_strings(m);
        n = service_pipe_encode(m, buf, sizeof(buf));
        CHECK(n > 0);
        /* Every field has one wire form: the bytes come back as they were. */
        CHECK((size_t) n == wire_len && memcmp(buf, wire, wire_len) == 0);
        CHECK(service_pipe_decode(from, buf, (size_t) n, &again, NULL) == 1);
        CHECK(memcmp(&again, m, sizeof(again)) == 0);
        CHECK(service_pipe_encode(m, buf, (size_t) n - 1) == -ENOBUFS);
}

/* The reference: the stream cut into frames by hand, each decoded alone. */
typedef struct RefWalker {
        ServicePipeSender from;
        const uint8_t *data;
        size_t size, off;
} RefWalker;

static int ref_next(RefWalker *w, ServicePipeMessage *ret, ServicePipeError *ret_error) {
        size_t left = w->size - w->off, total;
        uint16_t length;
        int r;

        if (left < LP_SERVICE_PIPE_LENGTH_SIZE)
                return 0;
        length = be16_load(w->data + w->off);
        if (length == 0 || length > LP_SERVICE_PIPE_MAX) {
                *ret_error = SERVICE_PIPE_ERROR_BAD_LENGTH;
                return -EBADMSG;
        }
        total = LP_SERVICE_PIPE_LENGTH_SIZE + (size_t) length;
        if (left < total)
                return 0;
        r = service_pipe_decode(w->from, w->data + w->off, total, ret, ret_error);
        if (r < 0)
                return r;
        if (r > 0)
                check_round_trip(w->from, ret, w->data + w->off, total);
        w->off += total;
        return r > 0 ? 1 : 2;
}

static void check_stream(ServicePipeSender from, const uint8_t *data, size_t size, size_t chunk) {
        RefWalker w = { .from = from, .data = data, .size = size };
        ServicePipeReader reader;
        ServicePipeMessage m, ref;
        ServicePipeError ref_error;
        const uint8_t *p = data;
        size_t left = size;
        int k = 0;

        service_pipe_reader_init(&reader, from);
        while (left > 0) {
                size_t take = MIN(chunk, left);
                while (take > 0) {
                        size_t used = service_pipe_reader_feed(&reader, p, take);
                        CHECK(used <= take);
                        p += used, left -= used, take -= used;

                        while ((k = service_pipe_reader_next(&reader, &m)) > 0) {
                                CHECK(ref_next(&w, &ref, &ref_error) == k);
                                CHECK(memcmp(&m, &ref, sizeof(m)) == 0);
                        }
                        if (k < 0) {
                                CHECK(k == -EBADMSG);
                                CHECK(ref_next(&w, &ref, &ref_error) == -EBADMSG);
                                CHECK(reader.error == ref_error);
                                CHECK(service_pipe_error_to_string(reader.error));
                                /* Sticky, and what follows is swallowed. */
                                CHECK(service_pipe_reader_next(&reader, &m) == -EBADMSG);
                                CHECK(service_pipe_reader_feed(&reader, data, size) == size);
                                return;
                        }
                        /* A full buffer always holds something to pull, so
                         * "need more" with a full buffer would stall. */
                        CHECK(service_pipe_reader_pending(&reader) < LP_SERVICE_PIPE_FRAME_MAX);
                }
        }
        CHECK(ref_next(&w, &ref, &ref_error) == 0);
        CHECK(service_pipe_reader_pending(&reader) == size - w.off);
}

static void check_frame(ServicePipeSender from, const uint8_t *data, size_t size) {
        ServicePipeMessage m;
        ServicePipeError e = _SERVICE_PIPE_ERROR_INVALID;
        int r = service_pipe_decode(from, data, size, &m, &e);

        if (r < 0) {
                CHECK(r == -EBADMSG);
                CHECK(service_pipe_error_to_string(e));
        } else if (r == 0) {
                CHECK(size >= 3 && size == 2 + (size_t) be16_load(data));
                CHECK(service_pipe_type_sender(data[2]) == from);
                CHECK(!service_pipe_type_to_string(data[2]));
                CHECK(m.type == (ServicePipeType) data[2]);
        } else
                check_round_trip(from, &m, data, size);
}

static void check_make_valid(const uint8_t *data, size_t size) {
        char *s;
        bool was_valid;

        if (size > 4096)
                return;
        s = malloc(size + 1);
        if (!s)
                return;
        memcpy(s, data, size);
        was_valid = control_text_is_valid(s, size);
        service_pipe_text_make_valid(s, size);
        CHECK(control_text_is_valid(s, size));
        if (was_valid)
                CHECK(memcmp(s, data, size) == 0);
        free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t chunk;

        check_frame(SERVICE_PIPE_FROM_CLIENT, data, size);
        check_frame(SERVICE_PIPE_FROM_SERVICE, data, size);
        check_make_valid(data, size);

        if (size == 0)
                return 0;
        /* 1..64 bytes, or everything at once. */
        chunk = data[0] >= 0xC0 ? SIZE_MAX : (size_t) (data[0] & 0x3F) + 1;
        check_stream(SERVICE_PIPE_FROM_CLIENT, data + 1, size - 1, chunk);
        check_stream(SERVICE_PIPE_FROM_SERVICE, data + 1, size - 1, chunk);
        return 0;
}
