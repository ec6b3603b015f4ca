/* SPDX-License-Identifier: MIT */
#pragma once

/* The operator's gateway tokens: a gateway's HELLO must carry one of them
 * before it may open a room, and only a room its token names. File format,
 * one token a line:
 *
 *     TOKEN ROOM[,ROOM...] [max-rooms=N]   only these rooms, all at once
 *                                          unless N says fewer
 *     TOKEN * [max-rooms=N]                any room name, N rooms at a time
 *                                          (default 1)
 *     TOKEN                                the format before rooms: like
 *                                          "TOKEN * max-rooms=1"; the relay
 *                                          warns about it
 *
 * TOKEN is 16-128 printable ASCII characters without spaces; fields are
 * separated by blanks; blank lines and lines starting with '#' are
 * ignored; leading and trailing blanks are stripped. A token may appear on
 * one line only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define GATEWAY_TOKEN_MIN 16
#define GATEWAY_TOKEN_MAX 128
#define GATEWAY_TOKENS_MAX 4096
#define GATEWAY_TOKENS_FILE_MAX (1024U * 1024U)
#define GATEWAY_TOKEN_MAX_ROOMS_MAX 65535U

typedef struct GatewayToken {
        uint8_t size;
        char data[GATEWAY_TOKEN_MAX];
        char *rooms;        /* the room names it may open, "a,b"; NULL: any name */
        unsigned max_rooms; /* rooms it may hold at once */
        bool unbound;       /* no rooms on its line (the old format) */
        size_t line;        /* in the file */
} GatewayToken;

typedef struct GatewayTokens {
        GatewayToken *tokens;
        size_t n_tokens;
        size_t n_unbound; /* tokens without rooms on their line */
} GatewayTokens;

/* Pure: `filename` only names the file in errors ("FILE: line 3: ..."). A
 * file without any token is an error. */
int gateway_tokens_parse(const char *filename, const char *data, size_t size, GatewayTokens **ret,
                         char **ret_error);
int gateway_tokens_load(const char *path, GatewayTokens **ret, char **ret_error);

/* The token equal to `token`, or NULL. Time does not depend on the
 * contents of either, only on the number of tokens. */
const GatewayToken *gateway_tokens_find(const GatewayTokens *t, const void *token, size_t size);
/* Whether `token` is one of the tokens (gateway_tokens_find() != NULL). */
bool gateway_tokens_check(const GatewayTokens *t, const void *token, size_t size);

/* Whether the token may open the room called `room`. */
bool gateway_token_allows_room(const GatewayToken *k, const char *room);

/* Wipes the tokens. NULL-safe, returns NULL. */
GatewayTokens *gateway_tokens_free(GatewayTokens *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(GatewayTokens *, gateway_tokens_free);
