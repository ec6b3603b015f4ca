/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wan-parse.h"

/* Digits with at most one '.' and a digit on some side of it; *end set
 * to the first byte after the number. */
static int parse_decimal(const char *s, double *ret, const char **end) {
        const char *p = s;
        size_t digits = 0, dots = 0;
        char buf[64];

        for (; *p; p++) {
                if (*p >= '0' && *p <= '9')
                        digits++;
                else if (*p == '.')
                        dots++;
                else
                        break;
        }
        if (digits == 0 || dots > 1 || (size_t) (p - s) >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, (size_t) (p - s));
        buf[p - s] = '\0';
        *ret = strtod(buf, NULL);
        if (!isfinite(*ret))
                return -ERANGE;
        *end = p;
        return 0;
}

typedef struct Unit {
        const char *name;
        double factor;
} Unit;

static int parse_with_units(const char *s, const Unit *units, size_t n_units, double *ret) {
        const char *end;
        double v;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_decimal(s, &v, &end);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_units; i++)
                if (strcmp(end, units[i].name) == 0) {
                        *ret = v * units[i].factor;
                        return 0;
                }
        return -EINVAL;
}

int wan_parse_duration(const char *s, uint64_t *ret_ns) {
        static const Unit units[] = {
                {"", 1e6}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}, {"s", 1e9},
        };
        double v;
        int r = parse_with_units(s, units, sizeof(units) / sizeof(units[0]), &v);
        if (r < 0)
                return r;
        if (v > (double) WAN_MAX_DELAY_NS)
                return -ERANGE;
        *ret_ns = (uint64_t) llround(v);
        return 0;
}

int wan_parse_rate(const char *s, uint64_t *ret_bps) {
        static const Unit units[] = {
                {"", 1}, {"bit", 1}, {"k", 1e3}, {"kbit", 1e3}, {"M", 1e6}, {"Mbit", 1e6},
                {"G", 1e9}, {"Gbit", 1e9},
        };
        double v;
        int r = parse_with_units(s, units, sizeof(units) / sizeof(units[0]), &v);
        if (r < 0)
                return r;
        if (v > (double) WAN_MAX_RATE_BPS)
                return -ERANGE;
        /* Below 1 bit/s but not 0 is a typo, not "unlimited". */
        if (v > 0 && v < 1)
                return -ERANGE;
        *ret_bps = (uint64_t) llround(v);
        return 0;
}

int wan_parse_size(const char *s, uint64_t *ret_bytes) {
        static const Unit units[] = {
                {"", 1}, {"B", 1}, {"k", 1e3}, {"kB", 1e3}, {"M", 1e6}, {"MB", 1e6},
                {"Ki", 1024}, {"KiB", 1024}, {"Mi", 1048576}, {"MiB", 1048576},
        };
        double v;
        int r = parse_with_units(s, units, sizeof(units) / sizeof(units[0]), &v);
        if (r < 0)
                return r;
        if (v > (double) WAN_MAX_SIZE_BYTES)
                return -ERANGE;
        *ret_bytes = (uint64_t) llround(v);
        return 0;
}

int wan_parse_percent(const char *s, double *ret) {
        static const Unit units[] = {{"", 0.01}, {"%", 0.01}};
        double v;
        int r = parse_with_units(s, units, 2, &v);
        if (r < 0)
                return r;
        if (v > 1)
                return -ERANGE;
        *ret = v;
        return 0;
}

int wan_parse_burst(const char *s, double ret[4]) {
        double v[4] = {0, 0, 0, 1};
        char buf[128], *field, *save = NULL;
        size_t n = 0;
        int r;

        if (!s || strlen(s) >= sizeof(buf))
                return -EINVAL;
        strcpy(buf, s);
        /* strtok_r would merge empty fields ("1,,2"); count commas instead. */
        for (const char *p = s; *p; p++)
                if (*p == ',')
                        n++;
        if (n < 1 || n > 3 || s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
                return -EINVAL;
        n = 0;
        for (field = strtok_r(buf, ",", &save); field; field = strtok_r(NULL, ",", &save)) {
                r = wan_parse_percent(field, &v[n++]);
                if (r < 0)
                        return r;
        }
        memcpy(ret, v, sizeof(v));
        return 0;
}

int wan_split_directions(const char *s, char *ret_ab, char *ret_ba, size_t size) {
        const char *slash;
        size_t a, b;

        if (!s || size == 0)
                return -EINVAL;
        slash = strchr(s, '/');
        if (!slash) {
                a = strlen(s);
                if (a == 0 || a >= size)
                        return -EINVAL;
                memcpy(ret_ab, s, a + 1);
                memcpy(ret_ba, s, a + 1);
                return 0;
        }
        if (strchr(slash + 1, '/'))
                return -EINVAL;
        a = (size_t) (slash - s);
        b = strlen(slash + 1);
        if (a == 0 || b == 0 || a >= size || b >= size)
                return -EINVAL;
        memcpy(ret_ab, s, a);
        ret_ab[a] = '\0';
        memcpy(ret_ba, slash + 1, b + 1);
        return 0;
}
