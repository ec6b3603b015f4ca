/* SPDX-License-Identifier: MIT */
#include "ipv4-autoconf.h"

#include <stdio.h>

bool ipv4_text_is_autoconf(const char *text) {
        unsigned a, b, c, e;
        char tail;

        if (!text || sscanf(text, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &e, &tail) != 4)
                return false;
        if (a > 255 || b > 255 || c > 255 || e > 255)
                return false;
        return a == 169 && b == 254;
}
