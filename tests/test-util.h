/* SPDX-License-Identifier: MIT */
#pragma once

/* Minimal checks for unit tests and fuzz targets: fail loudly with
 * file:line and the expression and abort, so meson counts the test as
 * failed and libFuzzer keeps the input. Unlike assert() these stay active
 * in release builds. */

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* libFuzzer's entry point, which each tests/fuzz/fuzz-*.c defines; declared
 * here so the definition has a prototype. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The entry of a fuzz target that feeds several text parsers: the first
 * byte picks one of the n_parsers, the rest is its input, copied with one
 * NUL past the end so that argv and address parsers see C strings while
 * file parsers get the exact size. */
typedef void (*FuzzTextParser)(char *text, size_t size);

static inline int fuzz_text_parsers(const uint8_t *data, size_t size, const FuzzTextParser *parsers,
                                    size_t n_parsers) {
        char *text;

        if (size < 1 || size > 256 * 1024)
                return 0;
        text = malloc(size);
        if (!text)
                return 0;
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        parsers[data[0] % n_parsers](text, size - 1);
        free(text);
        return 0;
}

/* Writes len bytes of text to path, or aborts. */
static inline void test_write_file(const char *path, const char *text, size_t len) {
        FILE *f = fopen(path, "wb");

        CHECK(f);
        CHECK_EQ_INT(fwrite(text, 1, len, f), len);
        CHECK(fclose(f) == 0);
}

#ifndef _WIN32
/* Runs cmd with system(), or aborts: how the netns tests shape their
 * namespaces with ip(8). */
static inline void test_run(const char *cmd) {
        int r = system(cmd);

        if (r != 0) {
                fprintf(stderr, "'%s' failed (%d)\n", cmd, r);
                abort();
        }
}

/* CLOCK_MONOTONIC in milliseconds, for a test's own deadlines. */
static inline uint64_t test_now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}
#endif
