/* SPDX-License-Identifier: MIT */
#pragma once

/* Small helpers in the spirit of systemd's macro.h. systemd keeps its own
 * internal, so we carry the few we use. Plain C11 plus GCC/Clang attributes:
 * this header is compiled for Linux and for Windows (mingw-w64). */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
/* mingw's "printf" archetype is Microsoft's, which lacks %m and %zu; our
 * log formatter handles both itself, so check against GNU rules there. */
#if defined(__MINGW32__)
#define _printf_(a, b) __attribute__((format(gnu_printf, a, b)))
#else
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#endif
#define _warn_unused_result_ __attribute__((warn_unused_result))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
/* glib defines the same two; whichever header comes first wins. */
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Hand ownership of a pointer out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                 \
        ({                                          \
                __typeof__(p) _taken_ = (p);        \
                (p) = NULL;                         \
                _taken_;                            \
        })

#define TAKE_FD(fd)                                 \
        ({                                          \
                int _taken_fd_ = (fd);              \
                (fd) = -EBADF;                      \
                _taken_fd_;                         \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* File descriptors exist only on the Linux side; Windows code holds HANDLEs
 * and closes them with its own cleanup functions. */
#ifndef _WIN32
#include <unistd.h>

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)
#endif

/* Defines `name##p(type *p)` calling `func(*p)` when *p is set. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)     \
        static inline void func##p(type *p) {       \
                if (*p)                             \
                        func(*p);                   \
        }

#define DEFINE_TRIVIAL_CLEANUP_FUNC_FULL(type, func, empty) \
        static inline void func##p(type *p) {               \
                if (*p != (empty))                          \
                        func(*p);                           \
        }

/* Big-endian load/store: the wire is network byte order and we parse from
 * byte buffers, never by casting to structs. */
static inline uint16_t be16_load(const uint8_t *p) {
        return (uint16_t) ((uint16_t) p[0] << 8 | p[1]);
}
static inline uint32_t be32_load(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}
static inline uint64_t be64_load(const uint8_t *p) {
        return (uint64_t) be32_load(p) << 32 | be32_load(p + 4);
}
static inline void be16_store(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}
static inline void be32_store(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}
static inline void be64_store(uint8_t *p, uint64_t v) {
        be32_store(p, (uint32_t) (v >> 32));
        be32_store(p + 4, (uint32_t) v);
}
