/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-gateway-tokens.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

_printf_(2, 3) static int tokens_error(char **ret_error, const char *format, ...) {
        va_list ap;
        char *s;
        int r;

        if (!ret_error)
                return -EINVAL;
        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        /* File names come from the command line: keep the message one line. */
        for (char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = '?';
        free(*ret_error);
        *ret_error = s;
        return -EINVAL;
}

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

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

int gateway_tokens_parse(const char *filename, const char *data, size_t size, GatewayTokens **ret,
                         char **ret_error) {
        _cleanup_(gateway_tokens_freep) GatewayTokens *t = NULL;
        size_t line_no = 0, allocated = 0;

        if (!filename || (!data && size > 0) || !ret)
                return -EINVAL;
        if (size > GATEWAY_TOKENS_FILE_MAX)
                return tokens_error(ret_error, "%s: file too large (more than %u bytes)", filename,
                                    GATEWAY_TOKENS_FILE_MAX);

        t = calloc(1, sizeof(GatewayTokens));
        if (!t)
                return -ENOMEM;

        for (size_t pos = 0; pos < size;) {
                const char *line = data + pos, *nl = memchr(line, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - line) : size - pos;

                pos += len + (nl ? 1 : 0);
                line_no++;

                while (len > 0 && is_blank(line[0])) {
                        line++;
                        len--;
                }
                while (len > 0 && is_blank(line[len - 1]))
                        len--;
                if (len == 0 || line[0] == '#')
                        continue;

                for (size_t i = 0; i < len; i++)
                        if (line[i] < 0x21 || line[i] > 0x7e)
                                return tokens_error(ret_error,
                                                    "%s: line %zu: token contains a space or a character that "
                                                    "is not printable ASCII",
                                                    filename, line_no);
                if (len < GATEWAY_TOKEN_MIN || len > GATEWAY_TOKEN_MAX)
                        return tokens_error(ret_error, "%s: line %zu: token has %zu characters, expected %d..%d",
                                            filename, line_no, len, GATEWAY_TOKEN_MIN, GATEWAY_TOKEN_MAX);
                if (t->n_tokens >= GATEWAY_TOKENS_MAX)
                        return tokens_error(ret_error, "%s: more than %d tokens", filename, GATEWAY_TOKENS_MAX);

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

        if (t->n_tokens == 0)
                return tokens_error(ret_error, "%s: no gateway tokens in file", filename);

        *ret = TAKE_PTR(t);
        return 0;
}

int gateway_tokens_load(const char *path, GatewayTokens **ret, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        if (!path || !ret)
                return -EINVAL;

        r = read_file_bounded(path, GATEWAY_TOKENS_FILE_MAX, &data, &size);
        if (r == -EFBIG)
                return tokens_error(ret_error, "%s: file too large (more than %u bytes)", path,
                                    GATEWAY_TOKENS_FILE_MAX);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return tokens_error(ret_error, "%s: cannot read gateway token file: %s", path, strerror(-r));

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
