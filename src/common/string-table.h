/* SPDX-License-Identifier: MIT */
#pragma once

/* Enum <-> string tables, after systemd's DEFINE_STRING_TABLE_LOOKUP: one
 * `static const char *const NAME_table[_NAME_MAX]` per enum, indexed by
 * the enum, and the macros below write NAME_to_string() (NULL for values
 * outside the table) and NAME_from_string() (-EINVAL, the enums'
 * _NAME_INVALID, for NULL or unknown text). Plain C11: also for Windows. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"

/* long long, so an enum the compiler makes unsigned is still range-checked
 * without a "comparison is always false" warning. */
static inline const char *string_table_lookup_to_string(const char *const *table, size_t n, long long i) {
        if (i < 0 || (unsigned long long) i >= n)
                return NULL;
        return table[i];
}

static inline int string_table_lookup_from_string(const char *const *table, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && strcmp(table[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}

#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                                           \
        const char *name##_to_string(type i) {                                                     \
                return string_table_lookup_to_string(name##_table, ELEMENTSOF(name##_table), i);   \
        }

#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)                                         \
        type name##_from_string(const char *s) {                                                   \
                return (type) string_table_lookup_from_string(name##_table, ELEMENTSOF(name##_table), s); \
        }

#define DEFINE_STRING_TABLE_LOOKUP(name, type)                  \
        DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)        \
        DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)
