/* SPDX-License-Identifier: MIT */
/* tap-win.c and tap-win-io.c, unchanged, against the model of
 * TAP-Windows6 (tests/win-model/): the frame device the client core uses,
 * meeting what the driver's source says it does. Each test here failed
 * against the client as it was before it learnt the driver's rules (see
 * the commit that added it). Under wine in a private prefix only
 * (tests/wine/wine-private.sh); every wait is bounded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winsock2.h>
#include <ws2ipdef.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include "frame-device.h"
#include "log.h"
#include "tap-win-io.h"
#include "test-util.h"
#include "win-model.h"
#include "win-sys.h"

#define GUID_A "{0A1B2C3D-4E5F-6789-ABCD-EF0123456789}"
#define ALIAS_A "LAN Party"

static const MacAddr mac = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
static char last_error[1024];

static void capture(int level, int error, const LogField *fields, size_t n_fields, const char *file, int line,
                    const char *func, const char *message) {
        if (level <= LOG_ERR)
                snprintf(last_error, sizeof(last_error), "%s", message);
        log_backend_stderr(level, error, fields, n_fields, file, line, func, message);
}

static bool registry_allowed(void) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
        const char *p = getenv("LANPARTY_WINE_PRIVATE");

        return ntdll && GetProcAddress(ntdll, "wine_get_version") && p && strcmp(p, "1") == 0;
}

/* A fresh machine with one TAP-Windows6 adapter that already has our MAC
 * (the NetworkAddress path has its own test). */
static void machine(unsigned version_minor) {
        WinModelAdapterConfig c = {
                .guid = GUID_A,
                .subkey = 9990,
                .alias = ALIAS_A,
                .network_address = "021122334455",
                .media_status = -1,
                .version_major = version_minor ? 9 : 0,
                .version_minor = version_minor,
        };

        CHECK_EQ_INT(win_model_reset(true), 0);
        CHECK_EQ_INT(win_model_adapter_add(&c), 0);
        win_model_log_mark();
        last_error[0] = '\0';
}

static WinModelAdapterState adapter(void) {
        WinModelAdapterState st;

        CHECK_EQ_INT(win_model_adapter_state(GUID_A, &st), 0);
        return st;
}

static HANDLE waitable(FrameDevice *d) {
        return frame_device_get_waitable(d).handle;
}

static bool signalled(HANDLE h) {
        return h && WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
}

static bool is_dhcp_discover(const uint8_t *f, int n) {
        size_t ihl;
        const uint8_t *m;

        if (n < 14 + 20 + 8 + 240 || f[12] != 0x08 || f[13] != 0 || f[23] != 17)
                return false;
        ihl = (size_t) (f[14] & 15) * 4;
        m = f + 14 + ihl + 8;
        if (m[0] != 1) /* BOOTREQUEST */
                return false;
        for (size_t o = 240; m + o + 2 < f + n && m[o] != 255; o += m[o] ? 2u + m[o + 1] : 1u)
                if (m[o] == 53)
                        return m[o + 2] == 1;
        return false;
}

/* Reads what comes, the way the client's loop does (wait on the
 * waitable, read until -EAGAIN), for at most timeout_ms; true once a DHCP
 * DISCOVER was among the frames. */
static bool read_until_discover(FrameDevice *d, unsigned timeout_ms) {
        uint8_t f[LP_ETHER_FRAME_MAX];
        DWORD start = GetTickCount();

        while (GetTickCount() - start < timeout_ms) {
                HANDLE h = waitable(d);
                int n;

                CHECK(h);
                if (WaitForSingleObject(h, 100) != WAIT_OBJECT_0)
                        continue;
                while ((n = frame_device_read(d, f, sizeof(f))) != -EAGAIN) {
                        CHECK(n > 0);
                        if (is_dhcp_discover(f, n))
                                return true;
                }
        }
        return false;
}

/* Joining: opened with the media left disconnected and no read queued
 * (the driver would cancel it: TapDeviceRead, txpath.c), then the media
 * connected and the read queued after it, so the burst Windows sends at
 * media connect (RS, IGMP, LLMNR, the DHCP DISCOVER) reaches us. */
static void test_join(void) {
        FrameDevice *d = NULL;
        WinModelAdapterState st;

        machine(0);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        CHECK_EQ_STR(frame_device_get_name(d), ALIAS_A);
        st = adapter();
        CHECK(st.open);
        CHECK(!st.media);
        CHECK_EQ_INT(st.reads_pending, 0);
        CHECK(!signalled(waitable(d)));

        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
        st = adapter();
        CHECK(st.media);
        CHECK(read_until_discover(d, 3000));
        CHECK_EQ_INT(win_model_log_count("read-refused"), 0);

        /* The room's MTU: the interface takes it, the driver reports it. */
        CHECK_EQ_INT(frame_device_set_mtu(d, 1300), 1);

        d = frame_device_close(d);
        st = adapter();
        CHECK(!st.open);
        CHECK(!st.media);
        CHECK_EQ_INT(win_model_violations(), 0);
}

/* The media goes off and on while frames arrive: a read that completed
 * just before the disconnect is still delivered, no read is queued while
 * the media is off (it would be refused and, before, turned into a
 * permanent error with the event left signalled: a 100% CPU loop), and
 * after the next connect frames flow again. */
static void test_reconnects(void) {
        uint8_t f[LP_ETHER_FRAME_MAX];
        FrameDevice *d = NULL;

        machine(0);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        for (unsigned round = 0; round < 5; round++) {
                HANDLE h;
                int n, frames = 0;

                CHECK_EQ_INT(frame_device_set_link(d, true), 0);
                /* A frame completed our read; the loop has not come for it. */
                h = waitable(d);
                CHECK(h);
                CHECK(WaitForSingleObject(h, 3000) == WAIT_OBJECT_0);
                CHECK_EQ_INT(frame_device_set_link(d, false), 0);

                while ((n = frame_device_read(d, f, sizeof(f))) > 0)
                        frames++;
                CHECK_EQ_INT(n, -EAGAIN);
                CHECK(frames >= 1);
                /* Idle until the link comes back: nothing to wake the loop. */
                h = waitable(d);
                CHECK(h);
                CHECK(WaitForSingleObject(h, 200) == WAIT_TIMEOUT);
                CHECK_EQ_INT(frame_device_read(d, f, sizeof(f)), -EAGAIN);
                CHECK_EQ_INT(win_model_log_count("read-refused"), 0);
        }
        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
        CHECK(read_until_discover(d, 3000));
        d = frame_device_close(d);
        CHECK_EQ_INT(win_model_violations(), 0);
}

/* Sleep and wake-up: while the adapter is not in D0 the driver refuses
 * new reads at once. The reader waits on a timer and tries again, and
 * once the adapter is powered frames flow; the device is not given up. */
static void test_power_refusal(void) {
        uint8_t f[LP_ETHER_FRAME_MAX];
        FrameDevice *d = NULL;
        size_t refusals;
        HANDLE h;
        int n;

        machine(0);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
        h = waitable(d);
        CHECK(WaitForSingleObject(h, 3000) == WAIT_OBJECT_0);
        CHECK_EQ_INT(win_model_adapter_set_power(GUID_A, 3), 0);
        /* Delivering the completed read queues the next: refused. */
        while ((n = frame_device_read(d, f, sizeof(f))) > 0)
                ;
        CHECK_EQ_INT(n, -EAGAIN);
        CHECK(win_model_log_count("read-refused") >= 1);
        h = waitable(d);
        CHECK(h);
        CHECK(!signalled(h));

        CHECK_EQ_INT(win_model_adapter_set_power(GUID_A, 0), 0);
        /* The retry timer fires, the read is queued again (and may meet
         * frames the stack queued before). */
        CHECK(WaitForSingleObject(waitable(d), 3 * TAP_WIN_IO_RETRY_MS) == WAIT_OBJECT_0);
        refusals = win_model_log_count("read-refused");
        while ((n = frame_device_read(d, f, sizeof(f))) > 0)
                ;
        CHECK_EQ_INT(n, -EAGAIN);
        CHECK(adapter().reads_pending == 1 || signalled(waitable(d)));
        CHECK_EQ_INT(win_model_log_count("read-refused"), refusals);
        /* A new connect burst, after a media off/on, arrives. */
        CHECK_EQ_INT(frame_device_set_link(d, false), 0);
        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
        CHECK(read_until_discover(d, 3000));
        d = frame_device_close(d);
}

/* The adapter is disabled in Device Manager while we use it: the driver
 * flushes our queued read (DestroyTapDevice, device.c) and wants the
 * handle closed. Said once as -ENODEV, then nothing to wait on. */
static void test_adapter_disabled(void) {
        uint8_t f[LP_ETHER_FRAME_MAX];
        FrameDevice *d = NULL;
        HANDLE h;
        int n;

        machine(0);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
        while (WaitForSingleObject(waitable(d), 300) == WAIT_OBJECT_0)
                while (frame_device_read(d, f, sizeof(f)) > 0)
                        ;
        CHECK_EQ_INT(win_model_adapter_set_enabled(GUID_A, false), 0);
        h = waitable(d);
        CHECK(h);
        CHECK(WaitForSingleObject(h, 2000) == WAIT_OBJECT_0);
        do
                n = frame_device_read(d, f, sizeof(f));
        while (n > 0);
        CHECK_EQ_INT(n, -ENODEV);
        CHECK(strstr(last_error, "Adapter " ALIAS_A " stopped working") != NULL);
        CHECK(waitable(d) == NULL);
        CHECK_EQ_INT(frame_device_read(d, f, sizeof(f)), -ENODEV);
        CHECK_EQ_INT(frame_device_write(d, f, 60), -ENODEV);
        d = frame_device_close(d);
        CHECK_EQ_INT(win_model_violations(), 0);
}

/* tap-windows6 is 9.21 and later; the NDIS 5 driver before it is refused
 * with advice, and the handle closed. */
static void test_old_driver(void) {
        FrameDevice *d = NULL;

        machine(9);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), -EPROTONOSUPPORT);
        CHECK(d == NULL);
        CHECK(strstr(last_error, "TAP-Windows driver 9.9, older than 9.21") != NULL);
        CHECK(!adapter().open);

        machine(21);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        d = frame_device_close(d);
}

/* Exclusive open: the driver answers a second open with STATUS_UNSUCCESSFUL. */
static void test_in_use(void) {
        FrameDevice *d = NULL, *e = NULL;

        machine(0);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &e), -EBUSY);
        CHECK(strstr(last_error, "in use by another program") != NULL);
        d = frame_device_close(d);
}

/* No NetworkAddress yet: written, the adapter restarted so the driver
 * reads it (it does so only when it starts, adapter.c), and the MAC
 * verified with GET_MAC. */
static void test_network_address(void) {
        WinModelAdapterConfig c = { .guid = GUID_A, .subkey = 9990, .alias = ALIAS_A, .media_status = -1 };
        FrameDevice *d = NULL;
        WinModelAdapterState st;

        CHECK_EQ_INT(win_model_reset(true), 0);
        CHECK_EQ_INT(win_model_adapter_add(&c), 0);
        CHECK(memcmp(adapter().mac, mac.bytes, 6) != 0);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        st = adapter();
        CHECK(memcmp(st.mac, mac.bytes, 6) == 0);
        CHECK(st.open);
        d = frame_device_close(d);
}

/* The MTU waits for the link: the interface's settings outlive us, and
 * route-win.c records them before anything changes them. */
static void test_mtu_at_link_up(void) {
        MIB_IPINTERFACE_ROW row = { .Family = AF_INET };
        FrameDevice *d = NULL;
        ULONG before;

        machine(0);
        row.InterfaceLuid = adapter().luid;
        CHECK(win_sys->GetIpInterfaceEntry(&row) == NO_ERROR);
        before = row.NlMtu;
        CHECK(before != 1300);
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1300, &d), 0);
        CHECK(win_sys->GetIpInterfaceEntry(&row) == NO_ERROR);
        CHECK_EQ_INT(row.NlMtu, before);
        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
        CHECK(win_sys->GetIpInterfaceEntry(&row) == NO_ERROR);
        CHECK_EQ_INT(row.NlMtu, 1300);
        d = frame_device_close(d);
}

int main(void) {
        if (!registry_allowed()) {
                fprintf(stderr, "not under wine in a private prefix (tests/wine/wine-private.sh), skipping\n");
                return 77;
        }
        log_set_backend(capture);
        log_set_max_level(LOG_INFO);
        RUN(test_join);
        RUN(test_reconnects);
        RUN(test_power_refusal);
        RUN(test_adapter_disabled);
        RUN(test_old_driver);
        RUN(test_in_use);
        RUN(test_network_address);
        RUN(test_mtu_at_link_up);
        CHECK_EQ_INT(win_model_reset(true), 0);
        return 0;
}
