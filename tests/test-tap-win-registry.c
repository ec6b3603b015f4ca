/* SPDX-License-Identifier: MIT */
/* Adapter discovery decisions and the TAP-Windows6 control codes: pure,
 * so this runs on Linux and, cross-built, under wine. Hostile inputs first. */
#include <errno.h>
#include <string.h>

#include "tap-win-ioctl.h"
#include "tap-win-registry.h"
#include "test-util.h"

#define GUID_A "{0A1B2C3D-4E5F-6789-ABCD-EF0123456789}"
#define GUID_B "{11111111-2222-3333-4444-555555555555}"

static void test_guid_hostile(void) {
        CHECK(!tap_win_guid_is_valid(NULL));
        CHECK(!tap_win_guid_is_valid(""));
        CHECK(!tap_win_guid_is_valid("{"));
        /* Truncated, one too long, braces missing or misplaced. */
        CHECK(!tap_win_guid_is_valid("{0A1B2C3D-4E5F-6789-ABCD-EF012345678}"));
        CHECK(!tap_win_guid_is_valid("{0A1B2C3D-4E5F-6789-ABCD-EF01234567890}"));
        CHECK(!tap_win_guid_is_valid("0A1B2C3D-4E5F-6789-ABCD-EF0123456789"));
        CHECK(!tap_win_guid_is_valid("(0A1B2C3D-4E5F-6789-ABCD-EF0123456789)"));
        CHECK(!tap_win_guid_is_valid("{0A1B2C3D-4E5F-6789-ABCD-EF0123456789"));
        CHECK(!tap_win_guid_is_valid("0A1B2C3D-4E5F-6789-ABCD-EF0123456789}"));
        /* Dashes moved, a non-hex digit, an embedded path separator. */
        CHECK(!tap_win_guid_is_valid("{0A1B2C3-D4E5F-6789-ABCD-EF0123456789}"));
        CHECK(!tap_win_guid_is_valid("{0A1B2C3D-4E5F-6789-ABCD-EF012345678G}"));
        CHECK(!tap_win_guid_is_valid("{0A1B2C3D-4E5F-6789-ABCD\\EF0123456789}"));
        CHECK(!tap_win_guid_is_valid("{0A1B2C3D-4E5F-6789-ABCD-EF0123456789} "));
        CHECK(!tap_win_guid_is_valid("{0A1B2C3D04E5F-6789-ABCD-EF0123456789}"));
        CHECK(!tap_win_guid_is_valid("{--------------------------------------}"));

        CHECK(tap_win_guid_is_valid(GUID_A));
        CHECK(tap_win_guid_is_valid("{0a1b2c3d-4e5f-6789-abcd-ef0123456789}"));
        CHECK(tap_win_guid_equal(GUID_A, "{0a1b2c3d-4e5f-6789-abcd-ef0123456789}"));
        CHECK(!tap_win_guid_equal(GUID_A, GUID_B));
        CHECK(!tap_win_guid_equal(GUID_A, NULL));
        CHECK(!tap_win_guid_equal("x", "x"));
}

static void test_guid_parse(void) {
        static const uint8_t data4[8] = { 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89 };
        TapWinGuid g;

        CHECK_EQ_INT(tap_win_guid_parse(NULL, &g), -EINVAL);
        CHECK_EQ_INT(tap_win_guid_parse(GUID_A, NULL), -EINVAL);
        CHECK_EQ_INT(tap_win_guid_parse("{0A1B2C3D-4E5F-6789-ABCD-EF012345678}", &g), -EINVAL);
        CHECK_EQ_INT(tap_win_guid_parse("{0A1B2C3D-4E5F-6789-ABCD-EF012345678x}", &g), -EINVAL);

        CHECK_EQ_INT(tap_win_guid_parse("{0a1b2c3d-4e5f-6789-abcd-ef0123456789}", &g), 0);
        CHECK_EQ_INT(g.data1, 0x0A1B2C3D);
        CHECK_EQ_INT(g.data2, 0x4E5F);
        CHECK_EQ_INT(g.data3, 0x6789);
        CHECK_MEM(g.data4, data4, 8);
        CHECK_EQ_INT(tap_win_guid_parse("{FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}", &g), 0);
        CHECK_EQ_INT(g.data1, 0xFFFFFFFF);
        CHECK_EQ_INT(g.data4[7], 0xFF);
}

static void test_subkey(void) {
        CHECK(!tap_win_class_subkey_is_adapter(NULL));
        CHECK(!tap_win_class_subkey_is_adapter(""));
        CHECK(!tap_win_class_subkey_is_adapter("Properties"));
        CHECK(!tap_win_class_subkey_is_adapter("001"));
        CHECK(!tap_win_class_subkey_is_adapter("00010"));
        CHECK(!tap_win_class_subkey_is_adapter("00a1"));
        CHECK(!tap_win_class_subkey_is_adapter("-001"));
        CHECK(tap_win_class_subkey_is_adapter("0000"));
        CHECK(tap_win_class_subkey_is_adapter("0017"));
}

static void test_component_and_adapter(void) {
        TapWinAdapter a;

        CHECK(!tap_win_component_id_is_tap(NULL));
        CHECK(!tap_win_component_id_is_tap(""));
        CHECK(!tap_win_component_id_is_tap("tap0901 "));
        CHECK(!tap_win_component_id_is_tap("tap090"));
        CHECK(!tap_win_component_id_is_tap("tap09011"));
        CHECK(!tap_win_component_id_is_tap("wintun"));
        /* tap-windows6's own installers (msm/installation.c, tapctl)
         * create root-enumerated adapters; OpenVPN's tun.c accepts both. */
        CHECK(tap_win_component_id_is_tap("root\\tap0901"));
        CHECK(tap_win_component_id_is_tap("ROOT\\TAP0901"));
        CHECK(!tap_win_component_id_is_tap("root\\"));
        CHECK(!tap_win_component_id_is_tap("root\\tap0901 "));
        CHECK(!tap_win_component_id_is_tap("root\\\\tap0901"));
        CHECK(!tap_win_component_id_is_tap("root/tap0901"));
        CHECK(!tap_win_component_id_is_tap("other\\tap0901"));
        CHECK(!tap_win_component_id_is_tap("root\\wintun"));
        CHECK(tap_win_component_id_is_tap("tap0901"));
        CHECK(tap_win_component_id_is_tap("TAP0901"));
        CHECK(tap_win_component_id_is_tap("Tap0901"));

        CHECK_EQ_INT(tap_win_adapter_from_registry("tap0901", GUID_A, NULL), -EINVAL);
        /* A TAP whose instance id is missing or damaged: half installed. */
        CHECK_EQ_INT(tap_win_adapter_from_registry("tap0901", NULL, &a), -EBADMSG);
        CHECK_EQ_INT(tap_win_adapter_from_registry("tap0901", "", &a), -EBADMSG);
        CHECK_EQ_INT(tap_win_adapter_from_registry("tap0901", "{0A1B2C3D}", &a), -EBADMSG);
        /* Not ours, whatever its instance id looks like. */
        CHECK_EQ_INT(tap_win_adapter_from_registry(NULL, GUID_A, &a), 0);
        CHECK_EQ_INT(tap_win_adapter_from_registry("pci\\ven_8086", NULL, &a), 0);
        CHECK_EQ_INT(tap_win_adapter_from_registry("wintun", GUID_A, &a), 0);

        CHECK_EQ_INT(tap_win_adapter_from_registry("TAP0901", GUID_A, &a), 1);
        CHECK_EQ_STR(a.instance_id, GUID_A);
        CHECK_EQ_STR(a.alias, "");
}

static void test_choose(void) {
        TapWinAdapter two[2] = {
                { .instance_id = GUID_A, .alias = "OpenVPN TAP-Windows6" },
                { .instance_id = GUID_B, .alias = "LAN Party" },
        };
        TapWinAdapter no_alias[1] = { { .instance_id = GUID_A } };
        size_t i = 99;

        CHECK_EQ_INT(tap_win_adapter_choose(NULL, 1, NULL, &i), -EINVAL);
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, NULL, NULL), -EINVAL);
        CHECK_EQ_INT(tap_win_adapter_choose(NULL, 0, NULL, &i), -ENODEV);
        CHECK_EQ_INT(tap_win_adapter_choose(NULL, 0, GUID_A, &i), -ENODEV);
        /* Several and none named: never guess. */
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, NULL, &i), -EDESTADDRREQ);
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, "", &i), -EDESTADDRREQ);
        /* Named but absent; an empty alias never matches. */
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, "Ethernet", &i), -ENXIO);
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, "{22222222-2222-3333-4444-555555555555}", &i), -ENXIO);
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, "LAN Party ", &i), -ENXIO);
        CHECK_EQ_INT(tap_win_adapter_choose(no_alias, 1, "x", &i), -ENXIO);
        CHECK_EQ_INT(i, 99);

        CHECK_EQ_INT(tap_win_adapter_choose(no_alias, 1, NULL, &i), 0);
        CHECK_EQ_INT(i, 0);
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, "{11111111-2222-3333-4444-555555555555}", &i), 0);
        CHECK_EQ_INT(i, 1);
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, "{0a1b2c3d-4e5f-6789-abcd-ef0123456789}", &i), 0);
        CHECK_EQ_INT(i, 0);
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, "lan party", &i), 0);
        CHECK_EQ_INT(i, 1);

        /* A connection named like another adapter's GUID loses to the GUID. */
        strcpy(two[0].alias, GUID_B);
        CHECK_EQ_INT(tap_win_adapter_choose(two, 2, GUID_B, &i), 0);
        CHECK_EQ_INT(i, 1);
}

static void test_device_path(void) {
        char buf[TAP_WIN_DEVICE_PATH_MAX];

        CHECK_EQ_INT(tap_win_device_path(NULL, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(tap_win_device_path("..\\..\\x", buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(tap_win_device_path(GUID_A, NULL, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(tap_win_device_path(GUID_A, buf, sizeof(buf) - 1), -ENOBUFS);
        CHECK_EQ_INT(tap_win_device_path(GUID_A, buf, 0), -ENOBUFS);

        CHECK_EQ_INT(tap_win_device_path(GUID_A, buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "\\\\.\\Global\\" GUID_A ".tap");
        CHECK_EQ_INT(strlen(buf), TAP_WIN_DEVICE_PATH_MAX - 1);
}

static void test_network_address(void) {
        const MacAddr mac = { { 0x02, 0xab, 0x00, 0x9f, 0x10, 0xfe } };
        char buf[TAP_WIN_NETWORK_ADDRESS_STR_MAX];
        MacAddr got;

        CHECK_EQ_INT(tap_win_network_address_parse(NULL, 12, &got), -EINVAL);
        CHECK_EQ_INT(tap_win_network_address_parse("02AB009F10FE", 12, NULL), -EINVAL);
        CHECK_EQ_INT(tap_win_network_address_parse("", 0, &got), -EBADMSG);
        CHECK_EQ_INT(tap_win_network_address_parse("02AB009F10F", 11, &got), -EBADMSG);
        CHECK_EQ_INT(tap_win_network_address_parse("02AB009F10FE0", 13, &got), -EBADMSG);
        /* Separators of other notations, a sign, spaces, an embedded NUL. */
        CHECK_EQ_INT(tap_win_network_address_parse("02-AB-00-9F-10-FE", 17, &got), -EBADMSG);
        CHECK_EQ_INT(tap_win_network_address_parse("02:AB:00:9F:1", 12, &got), -EBADMSG);
        CHECK_EQ_INT(tap_win_network_address_parse("+2AB009F10FE", 12, &got), -EBADMSG);
        CHECK_EQ_INT(tap_win_network_address_parse(" 2AB009F10FE", 12, &got), -EBADMSG);
        CHECK_EQ_INT(tap_win_network_address_parse("02AB009F10F\0", 12, &got), -EBADMSG);
        CHECK_EQ_INT(tap_win_network_address_parse("0xAB009F10FE", 12, &got), -EBADMSG);
        /* Only `len` bytes count. */
        CHECK_EQ_INT(tap_win_network_address_parse("02AB009F10FEjunk", 12, &got), 0);
        CHECK_MEM(got.bytes, mac.bytes, LP_MAC_LEN);
        CHECK_EQ_INT(tap_win_network_address_parse("02ab009f10fe", 12, &got), 0);
        CHECK_MEM(got.bytes, mac.bytes, LP_MAC_LEN);

        tap_win_network_address_format(&mac, buf);
        CHECK_EQ_STR(buf, "02AB009F10FE");
        CHECK_EQ_INT(tap_win_network_address_parse(buf, strlen(buf), &got), 0);
        CHECK_MEM(got.bytes, mac.bytes, LP_MAC_LEN);

        CHECK(tap_win_network_address_needs_write(NULL, &mac));
        CHECK(tap_win_network_address_needs_write("", &mac));
        CHECK(tap_win_network_address_needs_write("02-AB-00-9F-10-FE", &mac));
        CHECK(tap_win_network_address_needs_write("02AB009F10FF", &mac));
        CHECK(!tap_win_network_address_needs_write("02AB009F10FE", &mac));
        CHECK(!tap_win_network_address_needs_write("02ab009f10fe", &mac));
}

static void test_ioctl_codes(void) {
        /* Windows' own values, as seen in any TAP-Windows client. */
        CHECK_EQ_INT(TAP_WIN_IOCTL_GET_MAC, 0x00220004);
        CHECK_EQ_INT(TAP_WIN_IOCTL_GET_VERSION, 0x00220008);
        CHECK_EQ_INT(TAP_WIN_IOCTL_GET_MTU, 0x0022000C);
        CHECK_EQ_INT(TAP_WIN_IOCTL_SET_MEDIA_STATUS, 0x00220018);
        /* The formula's other fields land where CTL_CODE puts them. */
        CHECK_EQ_INT(TAP_WIN_CTL_CODE(0x12, 0x800, 3, 2), 0x0012A003);
        CHECK_EQ_INT(TAP_WIN_CTL_CODE(0xffff, 0xfff, 3, 3), 0xffffffff);
}

static void test_driver_version(void) {
        /* tap-windows6 is 9.21 and later; 9.9..9.20 is the NDIS 5 driver. */
        CHECK(tap_win_driver_version_is_supported(9, 21));
        CHECK(tap_win_driver_version_is_supported(9, 27));
        CHECK(tap_win_driver_version_is_supported(10, 0));
        CHECK(!tap_win_driver_version_is_supported(9, 20));
        CHECK(!tap_win_driver_version_is_supported(9, 9));
        CHECK(!tap_win_driver_version_is_supported(8, 99));
        CHECK(!tap_win_driver_version_is_supported(0, 0));
        CHECK(tap_win_driver_version_is_supported(UINT32_MAX, 0));
}

int main(void) {
        RUN(test_guid_hostile);
        RUN(test_guid_parse);
        RUN(test_subkey);
        RUN(test_component_and_adapter);
        RUN(test_choose);
        RUN(test_device_path);
        RUN(test_network_address);
        RUN(test_ioctl_codes);
        RUN(test_driver_version);
        return 0;
}
