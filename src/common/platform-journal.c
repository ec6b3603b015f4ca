/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "platform-journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
/* Every entry carries the CODE_FILE=, CODE_LINE= and CODE_FUNC= of the
 * log_*() call, which log_backend_journal() adds itself. Without this,
 * sd-journal.h's macros add their own, naming this file, and journalctl
 * shows both. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

#define JOURNAL_MAX_FIELDS 16

static bool log_to_journal;

static void log_backend_journal(int level, int error, const LogField *fields, size_t n_fields,
                                const char *file, int line, const char *func, const char *message) {
        char priority[16], errno_field[32], code_line[32];
        char *owned[JOURNAL_MAX_FIELDS + 4] = {};
        struct iovec iov[JOURNAL_MAX_FIELDS + 8];
        size_t n = 0, n_owned = 0;
        char *m;

        /* sd_journal_sendv() takes "NAME=value" strings; build them once. */
        if (asprintf(&m, "MESSAGE=%s", message) < 0)
                return;
        owned[n_owned++] = m;
        iov[n++] = (struct iovec) { .iov_base = m, .iov_len = strlen(m) };

        snprintf(priority, sizeof(priority), "PRIORITY=%d", level);
        iov[n++] = (struct iovec) { .iov_base = priority, .iov_len = strlen(priority) };
        if (error != 0) {
                snprintf(errno_field, sizeof(errno_field), "ERRNO=%d", error);
                iov[n++] = (struct iovec) { .iov_base = errno_field, .iov_len = strlen(errno_field) };
        }
        if (file && func) {
                char *f;
                snprintf(code_line, sizeof(code_line), "CODE_LINE=%d", line);
                iov[n++] = (struct iovec) { .iov_base = code_line, .iov_len = strlen(code_line) };
                if (asprintf(&f, "CODE_FILE=%s", file) >= 0) {
                        owned[n_owned++] = f;
                        iov[n++] = (struct iovec) { .iov_base = f, .iov_len = strlen(f) };
                }
                if (asprintf(&f, "CODE_FUNC=%s", func) >= 0) {
                        owned[n_owned++] = f;
                        iov[n++] = (struct iovec) { .iov_base = f, .iov_len = strlen(f) };
                }
        }
        for (size_t i = 0; i < n_fields && i < JOURNAL_MAX_FIELDS; i++) {
                char *f;
                if (!fields[i].value)
                        continue;
                if (asprintf(&f, "%s=%s", fields[i].name, fields[i].value) < 0)
                        break;
                owned[n_owned++] = f;
                iov[n++] = (struct iovec) { .iov_base = f, .iov_len = strlen(f) };
        }

        if (sd_journal_sendv(iov, (int) n) < 0)
                log_backend_stderr(level, error, fields, n_fields, file, line, func, message);

        for (size_t i = 0; i < n_owned; i++)
                free(owned[i]);
}

/* Same test systemd uses: $JOURNAL_STREAM holds "dev:ino" of the journal
 * stream our stderr is connected to. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_setup_linux(void) {
        const char *target = getenv("LANPARTY_LOG_TARGET");
        const char *level = getenv("LANPARTY_LOG_LEVEL");

        if (target && strcmp(target, "journal") == 0)
                log_to_journal = true;
        else if (target && strcmp(target, "console") == 0)
                log_to_journal = false;
        else
                log_to_journal = stderr_is_journal();

        log_set_backend(log_to_journal ? log_backend_journal : log_backend_stderr);

        if (level) {
                int l = log_level_from_string(level);
                if (l >= 0)
                        log_set_max_level(l);
                else
                        log_warning("Ignoring invalid LANPARTY_LOG_LEVEL=%s.", level);
        }
}
