/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-gateway-tokens.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parse.h"

GatewayTokens *gateway_tokens_free(GatewayTokens *t) {
        if (!t)
                return NULL;
        if (t->tokens) {
                explicit_bzero(t->tokens, t->n_tokens * sizeof(GatewayToken));
                free(t->tokens);
        }
        free(t);
        return NULL;
}

int gateway_tokens_parse(const char *filename, const char *data, size_t size, GatewayTokens **ret,
                         char **ret_error) {
        _cleanup_(gateway_tokens_freep) GatewayTokens *t = NULL;
        size_t pos = 0, line_no = 0, allocated = 0, len;
        const char *line;
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
                r = token_file_check(filename, line_no, line, len, ret_error);
                if (r < 0)
                        return r;
                if (len < GATEWAY_TOKEN_MIN || len > GATEWAY_TOKEN_MAX)
                        return conf_error(ret_error, "%s: line %zu: token has %zu characters, expected %d..%d",
                                          filename, line_no, len, GATEWAY_TOKEN_MIN, GATEWAY_TOKEN_MAX);
                if (t->n_tokens >= GATEWAY_TOKENS_MAX)
                        return conf_error(ret_error, "%s: more than %d tokens", filename, GATEWAY_TOKENS_MAX);

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
                t->tokens[t->n_tokens].size = (uint8_t) len;
                memcpy(t->tokens[t->n_tokens].data, line, len);
                t->n_tokens++;
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

bool gateway_tokens_check(const GatewayTokens *t, const void *token, size_t size) {
        uint8_t candidate[GATEWAY_TOKEN_MAX] = {};
        unsigned found = 0;

        if (!t || !token || size == 0 || size > GATEWAY_TOKEN_MAX)
                return false;
        memcpy(candidate, token, size);

        /* Compare against every token over the full width so neither the
         * position of a match nor the length of a common prefix shows. */
        for (size_t i = 0; i < t->n_tokens; i++) {
                unsigned diff = (unsigned) (t->tokens[i].size ^ (uint8_t) size);

                for (size_t j = 0; j < GATEWAY_TOKEN_MAX; j++)
                        diff |= (unsigned) (t->tokens[i].data[j] ^ (char) candidate[j]) & 0xffU;
                found |= (diff == 0);
        }
        explicit_bzero(candidate, sizeof(candidate));
        return found != 0;
}
