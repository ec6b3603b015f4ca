/* SPDX-License-Identifier: MIT */
#pragma once

/* One logging call shape for every platform. A message carries structured
 * fields (ROOM=, PEER=, MAC=, REASON=, INTERFACE=, ...). On Linux under
 * systemd they become journald fields (`journalctl ROOM=party`); elsewhere
 * they are appended to a readable stderr line. */

#include <stddef.h>

#include "macro.h"

/* syslog priorities; same values as <syslog.h>, which Windows lacks. */
#ifndef LOG_ERR
#define LOG_EMERG 0
#define LOG_ALERT 1
#define LOG_CRIT 2
#define LOG_ERR 3
#define LOG_WARNING 4
#define LOG_NOTICE 5
#define LOG_INFO 6
#define LOG_DEBUG 7
#endif

typedef struct LogField {
        const char *name;  /* upper case journald field name, e.g. "ROOM" */
        const char *value; /* NULL: field omitted */
} LogField;

/* Where a formatted message goes. `message` has %m already expanded. */
typedef void (*LogBackend)(int level, int error, const LogField *fields, size_t n_fields,
                           const char *file, int line, const char *func, const char *message);

void log_set_backend(LogBackend backend);
void log_set_max_level(int level);
int log_get_max_level(void);
/* Parses "err", "warning", "info", "debug", ... or a digit 0-7. */
int log_level_from_string(const char *s);

/* Returns -abs(error) when error is nonzero, so callers can
 * `return log_error_errno(r, "...: %m");`. "%m" means strerror(error). */
int log_emit(int level, int error, const LogField *fields, size_t n_fields, const char *file, int line,
             const char *func, const char *format, ...) _printf_(8, 9);

/* The fields as the default backend appends them: " (ROOM=x PEER=y)", or
 * "" without any; cut to `size`. For backends of other programs (the
 * lanparty service's log file). */
void log_fields_format(const LogField *fields, size_t n_fields, char *buf, size_t size);
/* "error: ", "warning: " or "", as the default backend starts a line. */
const char *log_level_prefix(int level);

/* The default backend: "lanparty: <message> (ROOM=x PEER=y)" on stderr. */
void log_backend_stderr(int level, int error, const LogField *fields, size_t n_fields, const char *file,
                        int line, const char *func, const char *message);

#define LOG_FIELDS(...) (const LogField[]){__VA_ARGS__}, ELEMENTSOF(((const LogField[]){__VA_ARGS__}))

#define log_fields_errno(level, error, fields_and_count, ...) \
        log_emit(level, error, fields_and_count, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full_errno(level, error, ...) \
        log_emit(level, error, NULL, 0, __FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

/* Returns -ENOMEM after logging, for allocation failures. */
#define log_oom() log_full_errno(LOG_ERR, ENOMEM, "Out of memory.")
