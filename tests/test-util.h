/* SPDX-License-Identifier: MIT */
#pragma once

/* Minimal checks for unit tests: fail loudly with file:line and the
 * expression, exit non-zero so meson counts the test as failed. Unlike
 * assert() these stay active in release builds. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(expr)                                                                        \
        do {                                                                               \
                if (!(expr)) {                                                             \
                        fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #expr); \
                        abort();                                                           \
                }                                                                          \
        } while (0)

#define CHECK_EQ_INT(a, b)                                                                   \
        do {                                                                                 \
                long long _a = (long long) (a), _b = (long long) (b);                        \
                if (_a != _b) {                                                              \
                        fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, \
                                __LINE__, #a, #b, _a, _b);                                   \
                        abort();                                                             \
                }                                                                            \
        } while (0)

#define CHECK_EQ_STR(a, b)                                                                      \
        do {                                                                                    \
                const char *_a = (a), *_b = (b);                                                \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                        \
                        fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, \
                                __LINE__, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");      \
                        abort();                                                                \
                }                                                                               \
        } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Runs one test function and prints its name, so a failure is easy to place. */
#define RUN(fn)                                   \
        do {                                      \
                fprintf(stderr, "== %s\n", #fn); \
                fn();                             \
        } while (0)
