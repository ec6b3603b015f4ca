/* SPDX-License-Identifier: MIT */
/* The event log: one greppable line per event, "EVENT key=value ...
 * t=MS", appended to $LANPARTY_WIN_MODEL_LOG for shell tests and kept in
 * a bounded ring for in-process tests, which wait on it instead of
 * sleeping. Called with the model lock held. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define LOG_RING 1024
#define LOG_LINE_MAX 320

static char ring[LOG_RING][LOG_LINE_MAX];
static uint64_t n_lines; /* written so far; ring holds the last LOG_RING */
static uint64_t mark;
static CONDITION_VARIABLE written = CONDITION_VARIABLE_INIT;
static FILE *file;

void model_log_open(void) {
        const char *path = getenv("LANPARTY_WIN_MODEL_LOG");

        if (path && path[0])
                file = fopen(path, "a");
}

void model_log(const char *event, const char *format, ...) {
        char *line = ring[n_lines % LOG_RING];
        va_list ap;
        int n;

        n = snprintf(line, LOG_LINE_MAX, "%s ", event);
        va_start(ap, format);
        if (n > 0 && n < LOG_LINE_MAX)
                n += vsnprintf(line + n, LOG_LINE_MAX - (size_t) n, format, ap);
        va_end(ap);
        if (n > 0 && n < LOG_LINE_MAX)
                snprintf(line + n, LOG_LINE_MAX - (size_t) n, " t=%llu", (unsigned long long) model_now_ms());
        n_lines++;
        if (file) {
                fprintf(file, "%s\n", line);
                fflush(file);
        }
        WakeAllConditionVariable(&written);
}

void model_log_reset(void) {
        n_lines = mark = 0;
}

static bool seen_locked(const char *needle, size_t *ret_count) {
        uint64_t first = n_lines > LOG_RING ? n_lines - LOG_RING : 0;
        size_t count = 0;

        for (uint64_t k = MAX(first, mark); k < n_lines; k++)
                if (strstr(ring[k % LOG_RING], needle))
                        count++;
        if (ret_count)
                *ret_count = count;
        return count > 0;
}

void win_model_log_mark(void) {
        model_lock();
        mark = n_lines;
        model_unlock();
}

size_t win_model_log_count(const char *needle) {
        size_t n = 0;

        model_lock();
        seen_locked(needle, &n);
        model_unlock();
        return n;
}

int win_model_log_wait(const char *needle, unsigned timeout_ms) {
        uint64_t deadline;
        int r = 0;

        model_lock();
        deadline = model_now_ms() + timeout_ms;
        while (!seen_locked(needle, NULL)) {
                uint64_t now = model_now_ms();

                if (now >= deadline) {
                        r = -ETIMEDOUT;
                        break;
                }
                SleepConditionVariableCS(&written, &model.lock, (DWORD) (deadline - now));
        }
        model_unlock();
        return r;
}
