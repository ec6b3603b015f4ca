/* SPDX-License-Identifier: MIT */
/* wan-emu's command-line values (bench/wan-parse.c): hostile input first. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "macro.h"
#include "test-util.h"
#include "wan-parse.h"

static void test_hostile(void) {
        static const char *const bad[] = {
                "", " 1", "1 ", "-1", "+1", "1e3", "0x10", "inf", "nan", "NaN", ".", "..", "1..2", "1.2.3",
                "ms", "1 ms", "1mss", "1m", "1MS", "１", "1\n",
                "99999999999999999999999999999999999999999999999999999999999999999999999999999999",
        };
        uint64_t u;
        double d;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                CHECK(wan_parse_duration(bad[i], &u) < 0);
                CHECK(wan_parse_rate(bad[i], &u) < 0);
                CHECK(wan_parse_size(bad[i], &u) < 0);
                CHECK(wan_parse_percent(bad[i], &d) < 0);
        }
        CHECK(wan_parse_duration(NULL, &u) == -EINVAL);
}

static void test_duration(void) {
        uint64_t v;
        CHECK(wan_parse_duration("7.5ms", &v) == 0 && v == 7500000);
        CHECK(wan_parse_duration("7.5", &v) == 0 && v == 7500000);
        CHECK(wan_parse_duration("200us", &v) == 0 && v == 200000);
        CHECK(wan_parse_duration("1s", &v) == 0 && v == 1000000000);
        CHECK(wan_parse_duration("0", &v) == 0 && v == 0);
        CHECK(wan_parse_duration(".5ms", &v) == 0 && v == 500000);
        CHECK(wan_parse_duration("10s", &v) == 0);
        CHECK(wan_parse_duration("10.001s", &v) == -ERANGE);
        CHECK(wan_parse_duration("99999999999", &v) == -ERANGE);
}

static void test_rate(void) {
        uint64_t v;
        CHECK(wan_parse_rate("20M", &v) == 0 && v == 20000000);
        CHECK(wan_parse_rate("20Mbit", &v) == 0 && v == 20000000);
        CHECK(wan_parse_rate("1.5G", &v) == 0 && v == 1500000000);
        CHECK(wan_parse_rate("64k", &v) == 0 && v == 64000);
        CHECK(wan_parse_rate("0", &v) == 0 && v == 0);
        CHECK(wan_parse_rate("1000", &v) == 0 && v == 1000);
        CHECK(wan_parse_rate("0.5", &v) == -ERANGE);
        CHECK(wan_parse_rate("101G", &v) == -ERANGE);
        CHECK(wan_parse_rate("20MB", &v) == -EINVAL); /* bytes? say it in bits */
}

static void test_size(void) {
        uint64_t v;
        CHECK(wan_parse_size("64k", &v) == 0 && v == 64000);
        CHECK(wan_parse_size("64KiB", &v) == 0 && v == 65536);
        CHECK(wan_parse_size("1.5M", &v) == 0 && v == 1500000);
        CHECK(wan_parse_size("1Mi", &v) == 0 && v == 1048576);
        CHECK(wan_parse_size("1500B", &v) == 0 && v == 1500);
        CHECK(wan_parse_size("2000000000", &v) == -ERANGE);
}

static void test_percent(void) {
        double v;
        CHECK(wan_parse_percent("0.1", &v) == 0 && fabs(v - 0.001) < 1e-12);
        CHECK(wan_parse_percent("0.1%", &v) == 0 && fabs(v - 0.001) < 1e-12);
        CHECK(wan_parse_percent("100", &v) == 0 && v == 1);
        CHECK(wan_parse_percent("100.1", &v) == -ERANGE);
        CHECK(wan_parse_percent("1%%", &v) == -EINVAL);
}

static void test_burst(void) {
        double v[4];
        CHECK(wan_parse_burst("1,25", v) == 0);
        CHECK(fabs(v[0] - 0.01) < 1e-12 && fabs(v[1] - 0.25) < 1e-12 && v[2] == 0 && v[3] == 1);
        CHECK(wan_parse_burst("1,25,0.1,50%", v) == 0);
        CHECK(fabs(v[2] - 0.001) < 1e-12 && fabs(v[3] - 0.5) < 1e-12);
        static const char *const bad[] = {"", "1", ",", "1,", ",1", "1,,2", "1,2,3,4,5", "1;2", "1,200", "-1,2"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK(wan_parse_burst(bad[i], v) < 0);
        char longer[300];
        memset(longer, '1', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = '\0';
        CHECK(wan_parse_burst(longer, v) < 0);
}

static void test_split(void) {
        char a[16], b[16];
        CHECK(wan_split_directions("20M/200M", a, b, sizeof(a)) == 0);
        CHECK_EQ_STR(a, "20M");
        CHECK_EQ_STR(b, "200M");
        CHECK(wan_split_directions("7.5ms", a, b, sizeof(a)) == 0);
        CHECK_EQ_STR(a, "7.5ms");
        CHECK_EQ_STR(b, "7.5ms");
        static const char *const bad[] = {"", "/", "1/", "/1", "1/2/3", "0123456789abcdef", "1/0123456789abcdef"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                CHECK(wan_split_directions(bad[i], a, b, sizeof(a)) == -EINVAL);
        CHECK(wan_split_directions(NULL, a, b, sizeof(a)) == -EINVAL);
}

int main(void) {
        RUN(test_hostile);
        RUN(test_duration);
        RUN(test_rate);
        RUN(test_size);
        RUN(test_percent);
        RUN(test_burst);
        RUN(test_split);
        return 0;
}
