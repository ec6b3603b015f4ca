/* SPDX-License-Identifier: MIT */
#include "restore-win-plan.h"

#include <string.h>

static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static bool equal_nocase(const char *a, const char *b, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (lower(a[i]) != lower(b[i]))
                        return false;
        return true;
}

static bool ends_with_nocase(const char *s, size_t len, const char *suffix) {
        size_t n = strlen(suffix);

        return len >= n && equal_nocase(s + len - n, suffix, n);
}

RestoreFileKind restore_file_classify(const char *name, char instance[static ROUTE_INSTANCE_MAX + 1]) {
        static const struct {
                const char *suffix;
                RestoreFileKind kind;
        } suffixes[] = {
                /* Longest first: ".state.tmp" before ".state". */
                { ".interfaces.tmp", RESTORE_FILE_TMP },
                { ".state.tmp", RESTORE_FILE_TMP },
                { ".interfaces", RESTORE_FILE_INTERFACES },
                { ".state", RESTORE_FILE_STATE },
                { ".lock", RESTORE_FILE_LOCK },
        };
        static const char prefix[] = "routes-";
        size_t len;

        if (!name)
                return _RESTORE_FILE_KIND_INVALID;
        len = strlen(name);
        if (len <= strlen(prefix) || !equal_nocase(name, prefix, strlen(prefix)))
                return _RESTORE_FILE_KIND_INVALID;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t n;

                if (!ends_with_nocase(name, len, suffixes[i].suffix))
                        continue;
                if (len <= strlen(prefix) + strlen(suffixes[i].suffix))
                        return _RESTORE_FILE_KIND_INVALID;
                n = len - strlen(prefix) - strlen(suffixes[i].suffix);
                if (n > ROUTE_INSTANCE_MAX)
                        return _RESTORE_FILE_KIND_INVALID;
                memcpy(instance, name + strlen(prefix), n);
                instance[n] = '\0';
                return route_instance_is_valid(instance) ? suffixes[i].kind : _RESTORE_FILE_KIND_INVALID;
        }
        return _RESTORE_FILE_KIND_INVALID;
}

int restore_instances_add(RestoreInstances *s, const char *instance) {
        size_t n;

        if (!s || !route_instance_is_valid(instance))
                return -EINVAL;
        n = strlen(instance);
        for (size_t i = 0; i < s->n; i++)
                if (strlen(s->names[i]) == n && equal_nocase(s->names[i], instance, n))
                        return 0;
        if (s->n >= RESTORE_INSTANCES_MAX)
                return -ENOSPC;
        memcpy(s->names[s->n++], instance, n + 1);
        return 1;
}
