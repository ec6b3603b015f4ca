/* SPDX-License-Identifier: MIT */
#pragma once

/* The operator's gateway tokens: a gateway's HELLO must carry one of them
 * before it may open a room. File format: one token per line, 16-128
 * printable ASCII characters without spaces; blank lines and lines starting
 * with '#' are ignored; leading and trailing blanks are stripped. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define GATEWAY_TOKEN_MIN 16
#define GATEWAY_TOKEN_MAX 128
#define GATEWAY_TOKENS_MAX 4096
#define GATEWAY_TOKENS_FILE_MAX (1024U * 1024U)

typedef struct GatewayToken {
        uint8_t size;
        char data[GATEWAY_TOKEN_MAX];
} GatewayToken;

typedef struct GatewayTokens {
        GatewayToken *tokens;
        size_t n_tokens;
} GatewayTokens;

/* Pure: `filename` only names the file in errors ("FILE: line 3: ..."). A
 * file without any token is an error. */
int gateway_tokens_parse(const char *filename, const char *data, size_t size, GatewayTokens **ret,
                         char **ret_error);
int gateway_tokens_load(const char *path, GatewayTokens **ret, char **ret_error);

/* Whether `token` is one of the tokens. Time does not depend on the
 * contents of either, only on the number of tokens. */
bool gateway_tokens_check(const GatewayTokens *t, const void *token, size_t size);

/* Wipes the tokens. NULL-safe, returns NULL. */
GatewayTokens *gateway_tokens_free(GatewayTokens *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(GatewayTokens *, gateway_tokens_free);
