/* SPDX-License-Identifier: MIT */
/* Pure decisions for tap-win.c; plain C11 so the tests run on Linux too. */
#include "tap-win-registry.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "tap-win-ioctl.h"

/* The registry and interface names compare case-insensitively; only ASCII
 * folds, as locale-dependent folding would make choices differ by locale. */
static char ascii_lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static bool ascii_equal_nocase(const char *a, const char *b) {
        for (; *a && *b; a++, b++)
                if (ascii_lower(*a) != ascii_lower(*b))
                        return false;
        return *a == *b;
}

bool tap_win_class_subkey_is_adapter(const char *name) {
        if (!name || strlen(name) != 4)
                return false;
        for (size_t i = 0; i < 4; i++)
                if (name[i] < '0' || name[i] > '9')
                        return false;
        return true;
}

bool tap_win_component_id_is_tap(const char *component_id) {
        return component_id && (ascii_equal_nocase(component_id, TAP_WIN_COMPONENT_ID) ||
                                ascii_equal_nocase(component_id, TAP_WIN_COMPONENT_ID_ROOT));
}

bool tap_win_guid_is_valid(const char *s) {
        if (!s || strlen(s) != TAP_WIN_GUID_LEN)
                return false;
        if (s[0] != '{' || s[TAP_WIN_GUID_LEN - 1] != '}')
                return false;
        for (size_t i = 1; i < TAP_WIN_GUID_LEN - 1; i++) {
                /* Dashes after 8, 4, 4 and 4 digits. */
                bool dash = i == 9 || i == 14 || i == 19 || i == 24;

                if (dash ? s[i] != '-' : unhexchar(s[i]) < 0)
                        return false;
        }
        return true;
}

bool tap_win_guid_equal(const char *a, const char *b) {
        return tap_win_guid_is_valid(a) && tap_win_guid_is_valid(b) && ascii_equal_nocase(a, b);
}

/* Only for text tap_win_guid_is_valid() has checked: every digit is hex. */
static uint64_t hex_value(const char *s, size_t n) {
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v = v << 4 | (uint64_t) unhexchar(s[i]);
        return v;
}

int tap_win_guid_parse(const char *s, TapWinGuid *ret) {
        /* Where each byte of Data4 starts: two in the fourth group, six in the fifth. */
        static const size_t data4_at[8] = { 20, 22, 25, 27, 29, 31, 33, 35 };
        TapWinGuid g;

        if (!ret || !tap_win_guid_is_valid(s))
                return -EINVAL;
        g.data1 = (uint32_t) hex_value(s + 1, 8);
        g.data2 = (uint16_t) hex_value(s + 10, 4);
        g.data3 = (uint16_t) hex_value(s + 15, 4);
        for (size_t i = 0; i < 8; i++)
                g.data4[i] = (uint8_t) hex_value(s + data4_at[i], 2);
        *ret = g;
        return 0;
}

int tap_win_adapter_from_registry(const char *component_id, const char *instance_id, TapWinAdapter *ret) {
        if (!ret)
                return -EINVAL;
        if (!tap_win_component_id_is_tap(component_id))
                return 0;
        if (!tap_win_guid_is_valid(instance_id))
                return -EBADMSG;

        *ret = (TapWinAdapter) {};
        memcpy(ret->instance_id, instance_id, TAP_WIN_GUID_LEN + 1);
        return 1;
}

int tap_win_adapter_choose(const TapWinAdapter *adapters, size_t n, const char *wanted, size_t *ret_index) {
        if (!ret_index || (n > 0 && !adapters))
                return -EINVAL;
        if (n == 0)
                return -ENODEV;

        if (!wanted || wanted[0] == '\0') {
                /* Taking one of several at random would bridge the party into
                 * whatever VPN happens to own it. */
                if (n > 1)
                        return -EDESTADDRREQ;
                *ret_index = 0;
                return 0;
        }

        /* A GUID first: connection names are free text and could look like one. */
        for (size_t i = 0; i < n; i++)
                if (tap_win_guid_equal(adapters[i].instance_id, wanted)) {
                        *ret_index = i;
                        return 0;
                }
        for (size_t i = 0; i < n; i++)
                if (adapters[i].alias[0] != '\0' && ascii_equal_nocase(adapters[i].alias, wanted)) {
                        *ret_index = i;
                        return 0;
                }
        return -ENXIO;
}

bool tap_win_driver_version_is_supported(uint32_t major, uint32_t minor) {
        return major > TAP_WIN_DRIVER_MIN_MAJOR ||
               (major == TAP_WIN_DRIVER_MIN_MAJOR && minor >= TAP_WIN_DRIVER_MIN_MINOR);
}

int tap_win_device_path(const char *instance_id, char *buf, size_t size) {
        int n;

        if (!buf || !tap_win_guid_is_valid(instance_id))
                return -EINVAL;
        n = snprintf(buf, size, "\\\\.\\Global\\%s.tap", instance_id);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return 0;
}

void tap_win_network_address_format(const MacAddr *mac, char buf[static TAP_WIN_NETWORK_ADDRESS_STR_MAX]) {
        static const char digits[] = "0123456789ABCDEF";

        for (size_t i = 0; i < LP_MAC_LEN; i++) {
                buf[2 * i] = digits[mac->bytes[i] >> 4];
                buf[2 * i + 1] = digits[mac->bytes[i] & 0x0f];
        }
        buf[TAP_WIN_NETWORK_ADDRESS_LEN] = '\0';
}

int tap_win_network_address_parse(const char *s, size_t len, MacAddr *ret) {
        MacAddr mac;

        if (!s || !ret)
                return -EINVAL;
        if (len != TAP_WIN_NETWORK_ADDRESS_LEN)
                return -EBADMSG;
        if (unhexmem_exact(s, len, HEX_CASE_ANY, mac.bytes, sizeof(mac.bytes)) < 0)
                return -EBADMSG;
        *ret = mac;
        return 0;
}

bool tap_win_network_address_needs_write(const char *value, const MacAddr *mac) {
        MacAddr current;

        if (!value || tap_win_network_address_parse(value, strlen(value), &current) < 0)
                return true;
        return memcmp(current.bytes, mac->bytes, LP_MAC_LEN) != 0;
}
