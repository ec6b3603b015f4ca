/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-gateway-tokens.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parse.h"
#include "room-name.h"

GatewayTokens *gateway_tokens_free(GatewayTokens *t) {
        if (!t)
                return NULL;
        if (t->tokens) {
                for (size_t i = 0; i < t->n_tokens; i++)
                        free(t->tokens[i].rooms);
                explicit_bzero(t->tokens, t->n_tokens * sizeof(GatewayToken));
                free(t->tokens);
        }
        free(t);
        return NULL;
}

/* Whether the comma-separated names in list[0..list_len) include room. */
static bool room_list_contains(const char *list, size_t list_len, const char *room, size_t room_len) {
        for (size_t i = 0; i < list_len;) {
                const char *comma = memchr(list + i, ',', list_len - i);
                size_t n = comma ? (size_t) (comma - (list + i)) : list_len - i;

                if (n == room_len && memcmp(list + i, room, n) == 0)
                        return true;
                i += n + 1;
        }
        return false;
}

/* "ROOM[,ROOM...]" or "*" into k->rooms (NULL for "*"), and how many. */
static int parse_rooms(const char *filename, size_t line_no, const char *spec, size_t len, GatewayToken *k,
                       size_t *ret_count, char **ret_error) {
        _cleanup_free_ char *rooms = NULL;
        size_t count = 0;

        if (len == 1 && spec[0] == '*') {
                k->rooms = NULL;
                *ret_count = 0;
                return 0;
        }
        rooms = strndup(spec, len);
        if (!rooms)
                return -ENOMEM;
        for (size_t i = 0; i <= len;) {
                size_t n = strcspn(rooms + i, ",");
                char shown[LP_ROOM_NAME_MAX + 4];

                if (!room_name_is_valid(rooms + i, n)) {
                        snprintf(shown, sizeof(shown), "%.*s%s", (int) MIN(n, (size_t) LP_ROOM_NAME_MAX), rooms + i,
                                 n > LP_ROOM_NAME_MAX ? "..." : "");
                        for (char *c = shown; *c; c++)
                                if ((unsigned char) *c < 0x21 || *c == 0x7f)
                                        *c = '?';
                        return conf_error(ret_error,
                                          "%s: line %zu: '%s' is not a room name (1-%d characters of A-Z, a-z, "
                                          "0-9, '_' and '-'; rooms are separated by ',', '*' allows any)",
                                          filename, line_no, shown, LP_ROOM_NAME_MAX);
                }
                /* The names before this one are rooms[0..i-1), ',' apart. */
                if (i > 0 && room_list_contains(rooms, i - 1, rooms + i, n))
                        return conf_error(ret_error, "%s: line %zu: room '%.*s' is listed twice", filename, line_no,
                                          (int) n, rooms + i);
                count++;
                i += n + 1;
        }
        k->rooms = TAKE_PTR(rooms);
        *ret_count = count;
        return 0;
}

static int parse_max_rooms(const char *filename, size_t line_no, const char *field, size_t len, unsigned *ret,
                           char **ret_error) {
        static const char prefix[] = "max-rooms=";
        uint64_t v = 0;
        size_t i = sizeof(prefix) - 1;

        if (len < i || memcmp(field, prefix, i) != 0)
                return conf_error(ret_error, "%s: line %zu: expected max-rooms=N after the rooms, got '%.*s'",
                                  filename, line_no, (int) MIN(len, (size_t) 32), field);
        if (i == len)
                v = UINT64_MAX;
        for (; i < len && v <= GATEWAY_TOKEN_MAX_ROOMS_MAX; i++)
                v = field[i] >= '0' && field[i] <= '9' ? v * 10 + (uint64_t) (field[i] - '0') : UINT64_MAX;
        if (v < 1 || v > GATEWAY_TOKEN_MAX_ROOMS_MAX)
                return conf_error(ret_error, "%s: line %zu: max-rooms= takes a number of rooms, 1..%u", filename,
                                  line_no, GATEWAY_TOKEN_MAX_ROOMS_MAX);
        *ret = (unsigned) v;
        return 0;
}

/* What follows the token on its line: rooms and max-rooms=. */
static int parse_token_rooms(const char *filename, size_t line_no, const char *rest, size_t len, GatewayToken *k,
                             char **ret_error) {
        const char *field, *more;
        size_t n, n_more, count = 0;
        unsigned max = 0;
        int r;

        if (len == 0) {
                k->rooms = NULL;
                k->max_rooms = 1;
                k->unbound = true;
                return 0;
        }
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) rest[i] < 0x20 || rest[i] == 0x7f || (unsigned char) rest[i] > 0x7e)
                        if (rest[i] != '\t')
                                return conf_error(ret_error,
                                                  "%s: line %zu: a character that is not printable ASCII after the "
                                                  "token",
                                                  filename, line_no);

        field = rest;
        n = token_file_split(rest, len, &more, &n_more);
        r = parse_rooms(filename, line_no, field, n, k, &count, ret_error);
        if (r < 0)
                return r;
        if (n_more > 0) {
                field = more;
                n = token_file_split(more, n_more, &more, &n_more);
                r = parse_max_rooms(filename, line_no, field, n, &max, ret_error);
                if (r < 0)
                        return r;
                if (n_more > 0)
                        return conf_error(ret_error, "%s: line %zu: unexpected '%.*s' after max-rooms=", filename,
                                          line_no, (int) MIN(n_more, (size_t) 32), more);
                if (k->rooms && max > count)
                        return conf_error(ret_error,
                                          "%s: line %zu: max-rooms=%u, but only %zu room%s listed", filename,
                                          line_no, max, count, count == 1 ? " is" : "s are");
        }
        k->max_rooms = max > 0 ? max : k->rooms ? (unsigned) MIN(count, (size_t) GATEWAY_TOKEN_MAX_ROOMS_MAX) : 1;
        return 0;
}

int gateway_tokens_parse(const char *filename, const char *data, size_t size, GatewayTokens **ret,
                         char **ret_error) {
        _cleanup_(gateway_tokens_freep) GatewayTokens *t = NULL;
        size_t pos = 0, line_no = 0, allocated = 0, len, rest_len;
        const char *line, *rest;
        int r;

        if (!filename || (!data && size > 0) || !ret)
                return -EINVAL;
        if (size > GATEWAY_TOKENS_FILE_MAX)
                return conf_error(ret_error, "%s: file too large (more than %u bytes)", filename,
                                  GATEWAY_TOKENS_FILE_MAX);

        t = calloc(1, sizeof(GatewayTokens));
        if (!t)
                return -ENOMEM;

        while ((r = token_file_next(data, size, &pos, &line_no, &line, &len)) > 0) {
                GatewayToken *k;

                len = token_file_split(line, len, &rest, &rest_len);
                r = token_file_check(filename, line_no, line, len, ret_error);
                if (r < 0)
                        return r;
                if (len < GATEWAY_TOKEN_MIN || len > GATEWAY_TOKEN_MAX)
                        return conf_error(ret_error, "%s: line %zu: token has %zu characters, expected %d..%d",
                                          filename, line_no, len, GATEWAY_TOKEN_MIN, GATEWAY_TOKEN_MAX);
                if (t->n_tokens >= GATEWAY_TOKENS_MAX)
                        return conf_error(ret_error, "%s: more than %d tokens", filename, GATEWAY_TOKENS_MAX);
                /* One line per token: which rooms it opens is then never
                 * a question of which line wins. */
                for (size_t i = 0; i < t->n_tokens; i++)
                        if (t->tokens[i].size == len && memcmp(t->tokens[i].data, line, len) == 0)
                                return conf_error(ret_error, "%s: line %zu: the same token as on line %zu",
                                                  filename, line_no, t->tokens[i].line);

                if (t->n_tokens == allocated) {
                        size_t n = allocated ? allocated * 2 : 8;
                        GatewayToken *p = calloc(n, sizeof(GatewayToken));

                        if (!p)
                                return -ENOMEM;
                        if (t->tokens) {
                                memcpy(p, t->tokens, t->n_tokens * sizeof(GatewayToken));
                                explicit_bzero(t->tokens, t->n_tokens * sizeof(GatewayToken));
                                free(t->tokens);
                        }
                        t->tokens = p;
                        allocated = n;
                }
                k = &t->tokens[t->n_tokens];
                *k = (GatewayToken) {
                        .size = (uint8_t) len,
                        .line = line_no,
                };
                memcpy(k->data, line, len);
                /* Counted first, so a bad room list is freed with the rest. */
                t->n_tokens++;
                r = parse_token_rooms(filename, line_no, rest, rest_len, k, ret_error);
                if (r < 0)
                        return r;
                if (k->unbound)
                        t->n_unbound++;
        }
        if (r < 0)
                return r;

        if (t->n_tokens == 0)
                return conf_error(ret_error, "%s: no gateway tokens in file", filename);

        *ret = TAKE_PTR(t);
        return 0;
}

int gateway_tokens_load(const char *path, GatewayTokens **ret, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        if (!path || !ret)
                return -EINVAL;

        r = token_file_read(path, GATEWAY_TOKENS_FILE_MAX, &data, &size, ret_error);
        if (r < 0)
                return r;

        r = gateway_tokens_parse(path, data, size, ret, ret_error);
        explicit_bzero(data, size);
        return r;
}

const GatewayToken *gateway_tokens_find(const GatewayTokens *t, const void *token, size_t size) {
        uint8_t candidate[GATEWAY_TOKEN_MAX] = {};
        size_t found = 0; /* index + 1; 0: none */

        if (!t || !token || size == 0 || size > GATEWAY_TOKEN_MAX)
                return NULL;
        memcpy(candidate, token, size);

        /* Compare against every token over the full width, and pick the
         * match with a mask, so neither the position of a match nor the
         * length of a common prefix shows. */
        for (size_t i = 0; i < t->n_tokens; i++) {
                unsigned diff = (unsigned) (t->tokens[i].size ^ (uint8_t) size);
                size_t mask;

                for (size_t j = 0; j < GATEWAY_TOKEN_MAX; j++)
                        diff |= (unsigned) (t->tokens[i].data[j] ^ (char) candidate[j]) & 0xffU;
                mask = (size_t) 0 - (size_t) (diff == 0);
                found = (found & ~mask) | ((i + 1) & mask);
        }
        explicit_bzero(candidate, sizeof(candidate));
        return found ? &t->tokens[found - 1] : NULL;
}

bool gateway_tokens_check(const GatewayTokens *t, const void *token, size_t size) {
        return gateway_tokens_find(t, token, size) != NULL;
}

bool gateway_token_allows_room(const GatewayToken *k, const char *room) {
        if (!k || !room)
                return false;
        if (!k->rooms)
                return true;
        return room_list_contains(k->rooms, strlen(k->rooms), room, strlen(room));
}
