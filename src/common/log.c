/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LOG_MESSAGE_MAX 2048

static LogBackend log_backend = log_backend_stderr;
static int log_max_level = LOG_INFO;

static const char *const log_level_names[] = {
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void log_set_backend(LogBackend backend) {
        log_backend = backend ? backend : log_backend_stderr;
}

void log_set_max_level(int level) {
        if (level >= LOG_EMERG && level <= LOG_DEBUG)
                log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

/* Not a string-table lookup: also takes the digits 0-7 and "error", as
 * systemd's log levels do. */
int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
                return s[0] - '0';
        for (int i = 0; i < (int) ELEMENTSOF(log_level_names); i++)
                if (strcmp(s, log_level_names[i]) == 0)
                        return i;
        if (strcmp(s, "error") == 0)
                return LOG_ERR;
        return -EINVAL;
}

/* Rewrites "%m" into the text of `error`, escaping it so vsnprintf prints it
 * verbatim. glibc knows %m but mingw's printf does not, and errno may have
 * been clobbered by the time we format anyway. */
static void expand_percent_m(char *out, size_t size, const char *format, int error) {
        size_t o = 0;
        const char *err_text = error ? strerror(error) : "Success";

        for (const char *p = format; *p && o + 1 < size; p++) {
                if (p[0] == '%' && p[1] == '%') {
                        if (o + 2 >= size)
                                break;
                        out[o++] = '%';
                        out[o++] = '%';
                        p++;
                } else if (p[0] == '%' && p[1] == 'm') {
                        for (const char *e = err_text; *e && o + 2 < size; e++) {
                                if (*e == '%')
                                        out[o++] = '%';
                                out[o++] = *e;
                        }
                        p++;
                } else
                        out[o++] = *p;
        }
        out[o] = '\0';
}

int log_emit(int level, int error, const LogField *fields, size_t n_fields, const char *file, int line,
             const char *func, const char *format, ...) {
        char expanded[LOG_MESSAGE_MAX], message[LOG_MESSAGE_MAX];
        va_list ap;

        if (error < 0)
                error = -error;

        if (level > log_max_level)
                return -error;

        expand_percent_m(expanded, sizeof(expanded), format, error);

        va_start(ap, format);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        vsnprintf(message, sizeof(message), expanded, ap);
#pragma GCC diagnostic pop
        va_end(ap);

        log_backend(level, error, fields, n_fields, file, line, func, message);
        return -error;
}

void log_fields_format(const LogField *fields, size_t n_fields, char *buf, size_t size) {
        size_t o = 0;

        if (size == 0)
                return;
        buf[0] = '\0';
        for (size_t i = 0; i < n_fields; i++) {
                int n;

                if (!fields[i].value)
                        continue;
                n = snprintf(buf + o, size - o, "%s%s=%s", o == 0 ? " (" : " ", fields[i].name, fields[i].value);
                if (n < 0 || (size_t) n >= size - o)
                        break;
                o += (size_t) n;
        }
        if (o > 0 && o + 1 < size) {
                buf[o++] = ')';
                buf[o] = '\0';
        }
}

const char *log_level_prefix(int level) {
        return level <= LOG_WARNING ? (level <= LOG_ERR ? "error: " : "warning: ") : "";
}

void log_backend_stderr(int level, int error, const LogField *fields, size_t n_fields, const char *file,
                        int line, const char *func, const char *message) {
        char tail[512];

        (void) error;
        (void) file;
        (void) line;
        (void) func;

        log_fields_format(fields, n_fields, tail, sizeof(tail));
        fprintf(stderr, "%s%s%s\n", log_level_prefix(level), message, tail);
}
