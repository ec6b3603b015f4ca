/* SPDX-License-Identifier: MIT */
/* The TAP-Windows6 backend where no driver is installed (wine, a fresh
 * Windows): opening must fail with the message that tells the user what
 * to install, and leave nothing behind. The rest of the backend needs the
 * real driver; see the report in docs for what only Windows exercises.
 *
 * Under wine it also writes fake adapters into the registry. The other
 * wine tests expect none, so meson runs this one in a wine prefix of its
 * own (tests/wine/wine-private.sh, which sets LANPARTY_WINE_PRIVATE);
 * started any other way it leaves the registry alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "frame-device.h"
#include "log.h"
#include "tap-win-registry.h"
#include "tap-win.h"
#include "test-util.h"

#define GUID_A "{0A1B2C3D-4E5F-6789-ABCD-EF0123456789}"
#define GUID_B "{11111111-2222-3333-4444-555555555555}"
#define GUID_C "{66666666-7777-8888-9999-AAAAAAAAAAAA}"
#define CLASS_KEY L"SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}"

static char last_message[1024];
static int last_error;
/* Warnings and worse: listing adapters must not add any. */
static unsigned n_warnings;

static void capture(int level, int error, const LogField *fields, size_t n_fields, const char *file, int line,
                    const char *func, const char *message) {
        if (level <= LOG_WARNING)
                n_warnings++;
        if (level <= LOG_ERR) {
                snprintf(last_message, sizeof(last_message), "%s", message);
                last_error = error;
        }
        log_backend_stderr(level, error, fields, n_fields, file, line, func, message);
}

static void test_open_without_driver(void) {
        const MacAddr mac = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
        FrameDevice *d = (FrameDevice *) 0x1;

        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), -ENODEV);
        CHECK(d == (FrameDevice *) 0x1);
        CHECK_EQ_STR(last_message,
                     "no TAP-Windows6 adapter found (install TAP-Windows6 from the OpenVPN project, hardware id "
                     "tap0901)");

        /* A name does not conjure one up either. */
        last_message[0] = '\0';
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, "LAN Party", &mac, 1400, &d), -ENODEV);
        CHECK(strstr(last_message, "no TAP-Windows6 adapter found") != NULL);
}

static void test_list_without_driver(void) {
        TapWinAdapter adapters[TAP_WIN_ADAPTERS_MAX];
        size_t n = 99;

        n_warnings = 0;
        CHECK_EQ_INT(tap_win_adapters_list(adapters, ELEMENTSOF(adapters), &n), 0);
        CHECK_EQ_INT((int) n, 0);
        CHECK_EQ_INT((int) n_warnings, 0);
}

static bool running_on_wine(void) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

        return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

/* Never in a real Windows registry, and never in the wine prefix the other
 * tests share (see the top of the file). */
static bool fakes_allowed(void) {
        const char *private_prefix = getenv("LANPARTY_WINE_PRIVATE");

        return running_on_wine() && private_prefix && strcmp(private_prefix, "1") == 0;
}

static void fake_adapter_add(const wchar_t *subkey, const wchar_t *component, const wchar_t *instance) {
        wchar_t path[256];
        HKEY k;

        swprintf(path, 256, L"%ls\\%ls", CLASS_KEY, subkey);
        CHECK(RegCreateKeyExW(HKEY_LOCAL_MACHINE, path, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &k, NULL) == ERROR_SUCCESS);
        CHECK(RegSetValueExW(k, L"ComponentId", 0, REG_SZ, (const BYTE *) component,
                             (DWORD) ((wcslen(component) + 1) * sizeof(wchar_t))) == ERROR_SUCCESS);
        if (instance)
                CHECK(RegSetValueExW(k, L"NetCfgInstanceId", 0, REG_SZ, (const BYTE *) instance,
                                     (DWORD) ((wcslen(instance) + 1) * sizeof(wchar_t))) == ERROR_SUCCESS);
        RegCloseKey(k);
}

static void fake_adapter_remove(const wchar_t *subkey) {
        wchar_t path[256];

        swprintf(path, 256, L"%ls\\%ls", CLASS_KEY, subkey);
        (void) RegDeleteKeyW(HKEY_LOCAL_MACHINE, path);
}

/* Subkeys 9990-9999 are the wine tests' fakes (test-client-exe-tap-list.sh
 * uses them too). A test killed half-way leaves its fakes behind; the
 * next one removes them before it counts adapters. */
static void fake_adapters_remove_all(void) {
        for (unsigned i = 9990; i <= 9999; i++) {
                wchar_t subkey[8];

                swprintf(subkey, ELEMENTSOF(subkey), L"%u", i);
                fake_adapter_remove(subkey);
        }
}

static void fake_adapter_network_address(const wchar_t *subkey, char *buf, size_t size) {
        wchar_t path[256], w[64];
        DWORD len = sizeof(w);

        swprintf(path, 256, L"%ls\\%ls", CLASS_KEY, subkey);
        CHECK(RegGetValueW(HKEY_LOCAL_MACHINE, path, L"NetworkAddress", RRF_RT_REG_SZ, NULL, w, &len) ==
              ERROR_SUCCESS);
        CHECK(WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int) size, NULL, NULL) > 0);
}

/* Registry entries for adapters without a driver behind them: discovery,
 * choice and the MAC property run for real, the device node is missing
 * as it is for a disabled adapter. Only under wine, never in a real
 * Windows registry. */
static void test_fake_adapters(void) {
        const MacAddr mac = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
        FrameDevice *d = NULL;
        TapWinAdapter adapters[TAP_WIN_ADAPTERS_MAX];
        size_t n = 0;
        char value[64];

        if (!fakes_allowed()) {
                fprintf(stderr, "not under wine in a private prefix (tests/wine/wine-private.sh), skipping\n");
                return;
        }

        fake_adapter_add(L"9990", L"tap0901", L"" GUID_A);
        /* Another driver's adapter and a half-installed TAP do not count. */
        fake_adapter_add(L"9992", L"wintun", L"" GUID_B);
        fake_adapter_add(L"9993", L"tap0901", L"not-a-guid");

        /* The list client.exe prints sees what opening sees, quietly: the
         * half-installed entry is skipped without a warning. */
        n_warnings = 0;
        CHECK_EQ_INT(tap_win_adapters_list(adapters, ELEMENTSOF(adapters), &n), 0);
        CHECK_EQ_INT((int) n, 1);
        CHECK_EQ_STR(adapters[0].instance_id, GUID_A);
        /* No interface behind a registry entry: no connection name. */
        CHECK_EQ_STR(adapters[0].alias, "");
        CHECK_EQ_INT((int) n_warnings, 0);

        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), -ENODEV);
        CHECK(strstr(last_message, "Adapter " GUID_A " is disabled") != NULL);
        fake_adapter_network_address(L"9990", value, sizeof(value));
        CHECK_EQ_STR(value, "021122334455");

        fake_adapter_add(L"9991", L"TAP0901", L"" GUID_B);
        n_warnings = 0;
        CHECK_EQ_INT(tap_win_adapters_list(adapters, ELEMENTSOF(adapters), &n), 0);
        CHECK_EQ_INT((int) n, 2);
        CHECK((tap_win_guid_equal(adapters[0].instance_id, GUID_A) &&
               tap_win_guid_equal(adapters[1].instance_id, GUID_B)) ||
              (tap_win_guid_equal(adapters[0].instance_id, GUID_B) &&
               tap_win_guid_equal(adapters[1].instance_id, GUID_A)));
        /* More than asked for: the first ones, and still no warning. */
        CHECK_EQ_INT(tap_win_adapters_list(adapters, 1, &n), 0);
        CHECK_EQ_INT((int) n, 1);
        CHECK_EQ_INT((int) n_warnings, 0);

        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), -EDESTADDRREQ);
        CHECK(strstr(last_message, GUID_A) != NULL);
        CHECK(strstr(last_message, GUID_B) != NULL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, "Ethernet 7", &mac, 1400, &d), -ENXIO);
        CHECK(strstr(last_message, "Ethernet 7") != NULL);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, "{11111111-2222-3333-4444-555555555555}", &mac, 1400, &d),
                     -ENODEV);
        CHECK(strstr(last_message, "Adapter " GUID_B " is disabled") != NULL);
        fake_adapter_network_address(L"9991", value, sizeof(value));
        CHECK_EQ_STR(value, "021122334455");
        CHECK(d == NULL);
        fake_adapters_remove_all();

        /* What tap-windows6's own installers (msm/installation.c, tapctl)
         * create: a root-enumerated adapter. */
        fake_adapter_add(L"9994", L"root\\tap0901", L"" GUID_C);
        CHECK_EQ_INT(tap_win_adapters_list(adapters, ELEMENTSOF(adapters), &n), 0);
        CHECK_EQ_INT((int) n, 1);
        CHECK_EQ_STR(adapters[0].instance_id, GUID_C);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), -ENODEV);
        CHECK(strstr(last_message, "Adapter " GUID_C " is disabled") != NULL);
        fake_adapters_remove_all();
}

static void test_null_still_works(void) {
        const MacAddr mac = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
        _cleanup_(frame_device_closep) FrameDevice *d = NULL;
        FrameDeviceWaitable w;
        uint8_t buf[64];

        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_NULL, NULL, &mac, 1400, &d), 0);
        CHECK_EQ_INT(frame_device_read(d, buf, sizeof(buf)), -EAGAIN);
        w = frame_device_get_waitable(d);
        CHECK(w.handle == NULL);
}

int main(void) {
        log_set_backend(capture);
        if (fakes_allowed())
                fake_adapters_remove_all();
        RUN(test_open_without_driver);
        RUN(test_list_without_driver);
        RUN(test_fake_adapters);
        RUN(test_null_still_works);
        (void) last_error;
        return 0;
}
