/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "log.h"
#include "test-util.h"

static char last_message[4096];
static char last_fields[4096];
static int last_level = -1, last_error = -1, calls;

static void capture_backend(int level, int error, const LogField *fields, size_t n_fields, const char *file,
                            int line, const char *func, const char *message) {
        (void) file;
        (void) line;
        (void) func;
        calls++;
        last_level = level;
        last_error = error;
        snprintf(last_message, sizeof(last_message), "%s", message);
        last_fields[0] = '\0';
        for (size_t i = 0; i < n_fields; i++) {
                if (!fields[i].value)
                        continue;
                strncat(last_fields, fields[i].name, sizeof(last_fields) - strlen(last_fields) - 1);
                strncat(last_fields, "=", sizeof(last_fields) - strlen(last_fields) - 1);
                strncat(last_fields, fields[i].value, sizeof(last_fields) - strlen(last_fields) - 1);
                strncat(last_fields, ";", sizeof(last_fields) - strlen(last_fields) - 1);
        }
}

static void test_errno_return_and_percent_m(void) {
        int r = log_error_errno(-ENOENT, "open %s: %m", "x");
        CHECK_EQ_INT(r, -ENOENT);
        CHECK_EQ_INT(last_error, ENOENT);
        CHECK_EQ_INT(last_level, LOG_ERR);
        CHECK_EQ_STR(last_message, "open x: No such file or directory");

        /* Positive errno is accepted too, and %% is not mistaken for %m. */
        r = log_warning_errno(EPERM, "100%% %m");
        CHECK_EQ_INT(r, -EPERM);
        CHECK_EQ_STR(last_message, "100% Operation not permitted");
}

static void test_fields(void) {
        const char *room = "party";
        int r = log_fields_errno(LOG_WARNING, 0,
                                 LOG_FIELDS({ "ROOM", room }, { "PEER", NULL }, { "REASON", "jumbo" }),
                                 "dropped %d", 3);
        CHECK_EQ_INT(r, 0);
        CHECK_EQ_STR(last_message, "dropped 3");
        CHECK_EQ_STR(last_fields, "ROOM=party;REASON=jumbo;");
}

static void test_levels(void) {
        int before = calls;
        log_set_max_level(LOG_INFO);
        log_debug("hidden");
        CHECK_EQ_INT(calls, before);
        log_info("shown");
        CHECK_EQ_INT(calls, before + 1);

        CHECK_EQ_INT(log_level_from_string("debug"), LOG_DEBUG);
        CHECK_EQ_INT(log_level_from_string("error"), LOG_ERR);
        CHECK_EQ_INT(log_level_from_string("3"), 3);
        CHECK(log_level_from_string("8") < 0);
        CHECK(log_level_from_string("loud") < 0);
        CHECK(log_level_from_string(NULL) < 0);
}

static void test_long_message_truncates(void) {
        char big[8192];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        log_info("%s", big);
        CHECK(strlen(last_message) < sizeof(big));
        CHECK(strlen(last_message) > 1000);
}

int main(void) {
        log_set_backend(capture_backend);
        RUN(test_errno_return_and_percent_m);
        RUN(test_fields);
        RUN(test_levels);
        RUN(test_long_message_truncates);
        /* The stderr backend must cope with fields too (output is eyeballed). */
        log_set_backend(NULL);
        log_fields_errno(LOG_INFO, 0, LOG_FIELDS({ "ROOM", "r" }, { "MAC", "02:00:00:00:00:01" }), "stderr ok");
        return 0;
}
