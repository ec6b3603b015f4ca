/* SPDX-License-Identifier: MIT */
#include "identity.h"

#include <errno.h>
#include <string.h>

#include "ether.h"
#include "log.h"

int identity_mac_parse(const char *text, size_t len, MacAddr *ret) {
        char s[LP_MAC_STR_MAX];
        MacAddr mac;

        if (!text || !ret)
                return -EINVAL;
        if (len == LP_MAC_STR_MAX && text[LP_MAC_STR_MAX - 1] == '\n')
                len--;
        if (len != LP_MAC_STR_MAX - 1)
                return -EBADMSG;

        /* mac_from_string() wants a C string; an embedded NUL then shows up
         * as a short string and fails there. */
        memcpy(s, text, len);
        s[len] = '\0';
        if (strlen(s) != len || mac_from_string(s, &mac) < 0)
                return -EBADMSG;
        if (!mac_is_valid_virtual(&mac))
                return -EBADMSG;

        *ret = mac;
        return 0;
}

void identity_mac_format(const MacAddr *mac, char buf[static IDENTITY_FILE_LEN + 1]) {
        mac_to_string(mac, buf);
        buf[LP_MAC_STR_MAX - 1] = '\n';
        buf[LP_MAC_STR_MAX] = '\0';
}

int identity_mac_generate_and_store(const char *path, IdentityStoreFunc store, void *userdata, MacAddr *ret) {
        char mac_str[LP_MAC_STR_MAX], text[IDENTITY_FILE_LEN + 1];
        MacAddr mac;
        int r;

        r = mac_generate_virtual(&mac);
        if (r < 0)
                return log_error_errno(r, "Failed to generate a virtual MAC: %m");
        identity_mac_format(&mac, text);
        r = store(path, text, userdata);
        if (r < 0)
                return log_error_errno(r, "Failed to store the virtual MAC in %s: %m", path);

        log_fields_errno(LOG_INFO, 0, LOG_FIELDS({ "MAC", mac_to_string(&mac, mac_str) }),
                         "Generated virtual MAC %s, stored in %s.", mac_str, path);
        *ret = mac;
        return 1;
}
