/* SPDX-License-Identifier: MIT */
/* host_port_parse() (invite links, --relay/Relay=, Listen=) on arbitrary
 * bytes. Input: one selector byte, then the text, not NUL-terminated and
 * possibly holding NULs. Selector bit 0: no default port (":PORT" is
 * required); bit 1: HOST_PORT_PORT_LEADING_ZEROS.
 *
 * Whatever parses holds no NUL and no more than a DNS name's 253
 * characters, has a port 1-65535, and written back as HOST:PORT (IPv6 in
 * brackets) parses to the same thing, also without a default port.
 * Whatever fails has a reason. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host-port.h"
#include "../test-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char formatted[LP_INVITE_HOST_MAX + sizeof("[]:65535")];
        HostPortError e = _HOST_PORT_ERROR_INVALID;
        HostPortFlags flags;
        uint16_t default_port;
        HostPort a, b;
        char *text;
        size_t n;
        int r, len;

        if (size < 1)
                return 0;
        default_port = data[0] & 1 ? 0 : 443;
        flags = data[0] & 2 ? HOST_PORT_PORT_LEADING_ZEROS : 0;
        n = size - 1;

        /* An exact-size copy, so ASan sees any read past the end. */
        text = malloc(n > 0 ? n : 1);
        CHECK(text);
        memcpy(text, data + 1, n);

        r = host_port_parse(text, n, default_port, flags, &a, &e);
        if (r < 0) {
                CHECK(r == -EINVAL);
                CHECK(host_port_error_to_string(e) != NULL);
                free(text);
                return 0;
        }
        CHECK(r == 0);
        CHECK(!memchr(text, '\0', n));
        free(text);

        CHECK(strlen(a.host) >= 1 && strlen(a.host) <= LP_INVITE_HOST_MAX);
        CHECK(invite_host_type_to_string(a.host_type) != NULL);
        CHECK(a.port >= 1);

        len = snprintf(formatted, sizeof(formatted), a.host_type == INVITE_HOST_IPV6 ? "[%s]:%u" : "%s:%u", a.host,
                       (unsigned) a.port);
        CHECK(len > 0 && (size_t) len < sizeof(formatted));
        CHECK(host_port_parse(formatted, (size_t) len, 0, 0, &b, &e) == 0);
        CHECK(strcmp(a.host, b.host) == 0 && a.host_type == b.host_type && a.port == b.port);
        return 0;
}
