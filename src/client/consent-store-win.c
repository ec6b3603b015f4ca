/* SPDX-License-Identifier: MIT */
#include "consent-store-win.h"

#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "macro.h"
#include "platform-win.h"

int consent_store_load(const wchar_t *path, ConsentStore *ret) {
        _cleanup_free_ char *buf = NULL;
        unsigned line = 0;
        int n, r;

        if (!path || !ret)
                return -EINVAL;
        consent_store_init(ret);
        /* One byte more than allowed, to tell a file too large. */
        buf = malloc(CONSENT_FILE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        n = win_read_small_file(path, buf, CONSENT_FILE_MAX + 1);
        if (n == -ENOENT)
                return 0;
        if (n < 0)
                return log_warning_errno(n, "Cannot read the rooms allowed before, asking again: %m");
        if ((size_t) n > CONSENT_FILE_MAX)
                return log_warning_errno(EFBIG, "The file of rooms allowed before is too large, asking again.");
        r = consent_store_parse(buf, (size_t) n, ret, &line);
        if (r == -EPROTONOSUPPORT)
                return log_warning_errno(r, "The file of rooms allowed before is of another version, asking again.");
        if (r < 0)
                return log_warning_errno(r, "The file of rooms allowed before is damaged (line %u), asking again.",
                                         line);
        return 0;
}

int consent_store_save(const wchar_t *path, const ConsentStore *s) {
        _cleanup_free_ char *buf = NULL;
        int len, r;

        if (!path || !s)
                return -EINVAL;
        buf = malloc(CONSENT_FILE_MAX);
        if (!buf)
                return -ENOMEM;
        len = consent_store_format(s, buf, CONSENT_FILE_MAX);
        if (len < 0)
                return log_error_errno(len, "Cannot write the rooms allowed: %m");
        r = win_mkdir_parents(path);
        if (r < 0)
                return log_error_errno(r, "Cannot make the directory of the rooms allowed: %m");
        r = win_write_file_atomic(path, buf, (size_t) len, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot write the rooms allowed: %m");
        return 0;
}
