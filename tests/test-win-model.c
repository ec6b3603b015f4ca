/* SPDX-License-Identifier: MIT */
/* The Windows model (tests/win-model/) through the raw win_sys entries,
 * one modelled behaviour at a time, the way client code meets it: the
 * TAP device node as TAP-Windows6's source has it, the IP stack as
 * Microsoft documents it. Under wine in a private prefix only
 * (tests/wine/wine-private.sh): the model writes fake adapters into the
 * registry. Every wait is bounded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winsock2.h>
#include <ws2ipdef.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <setupapi.h>
#include <winioctl.h>

#include "test-util.h"
#include "win-model.h"
#include "win-sys.h"

#define GUID_A "{0A1B2C3D-4E5F-6789-ABCD-EF0123456789}"
#define GUID_B "{11111111-2222-3333-4444-555555555555}"
#define PATH_A L"\\\\.\\Global\\{0A1B2C3D-4E5F-6789-ABCD-EF0123456789}.tap"
#define CLASS_KEY L"SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}"
#define TAP_IOCTL(n) CTL_CODE(FILE_DEVICE_UNKNOWN, n, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define STATUS_PENDING_VALUE 0x103
#define UPLINK_INDEX 7

static const uint8_t mac_a[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t server_mac[6] = { 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc };

static bool registry_allowed(void) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
        const char *p = getenv("LANPARTY_WINE_PRIVATE");

        return ntdll && GetProcAddress(ntdll, "wine_get_version") && p && strcmp(p, "1") == 0;
}

static void setup(const char *network_address, int media_status) {
        WinModelAdapterConfig c = {
                .guid = GUID_A,
                .subkey = 9990,
                .alias = "LAN Party",
                .network_address = network_address,
                .media_status = media_status,
        };

        CHECK_EQ_INT(win_model_reset(true), 0);
        CHECK_EQ_INT(win_model_config_set("apipa_delay_ms", "400"), 0);
        CHECK_EQ_INT(win_model_adapter_add(&c), 0);
        win_model_log_mark();
}

static HANDLE dev_open(void) {
        return win_sys->CreateFileW(PATH_A, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                                    FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED, NULL);
}

static bool event_set(HANDLE e) {
        return WaitForSingleObject(e, 0) == WAIT_OBJECT_0;
}

static BOOL ioctl(HANDLE h, DWORD code, void *in, DWORD in_size, void *out, DWORD out_size, DWORD *n, HANDLE ev) {
        OVERLAPPED ov = { .hEvent = ev };

        return win_sys->DeviceIoControl(h, code, in, in_size, out, out_size, n, &ov);
}

static void media(HANDLE h, ULONG on) {
        HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL);
        DWORD n = 0;

        CHECK(ioctl(h, TAP_IOCTL(6), &on, sizeof(on), &on, sizeof(on), &n, ev));
        CloseHandle(ev);
}

/* The adapter of setup() opened, media connected; `burst` is what the
 * model sends at connect ("": nothing). */
static HANDLE open_connected(const char *burst) {
        HANDLE h;

        setup("021122334455", -1);
        CHECK_EQ_INT(win_model_config_set("connect_burst", burst), 0);
        h = dev_open();
        media(h, 1);
        return h;
}

/* open_connected("") with one read queued on it, into `buf` (which must
 * outlive it). */
static HANDLE open_read_pending(OVERLAPPED *ov, uint8_t *buf, DWORD size) {
        HANDLE h = open_connected("");
        DWORD n;

        CHECK(!win_sys->ReadFile(h, buf, size, &n, ov));
        CHECK_EQ_INT(GetLastError(), ERROR_IO_PENDING);
        return h;
}

/* One read with a bounded wait: the frame's length, or -1 (with *ret_err)
 * when it failed, or -2 when nothing came (the read is cancelled). */
static int read_frame(HANDLE h, uint8_t *buf, DWORD size, unsigned timeout_ms, DWORD *ret_err) {
        OVERLAPPED ov = { .hEvent = CreateEventW(NULL, TRUE, FALSE, NULL) };
        DWORD n = 0;
        int r;

        *ret_err = 0;
        if (!win_sys->ReadFile(h, buf, size, &n, &ov)) {
                *ret_err = GetLastError();
                if (*ret_err != ERROR_IO_PENDING) {
                        CloseHandle(ov.hEvent);
                        return -1;
                }
        }
        if (WaitForSingleObject(ov.hEvent, timeout_ms) != WAIT_OBJECT_0) {
                CHECK(win_sys->CancelIoEx(h, &ov));
                CHECK(!win_sys->GetOverlappedResult(h, &ov, &n, TRUE));
                CloseHandle(ov.hEvent);
                return -2;
        }
        r = win_sys->GetOverlappedResult(h, &ov, &n, FALSE) ? (int) n : -1;
        *ret_err = r < 0 ? GetLastError() : 0;
        CloseHandle(ov.hEvent);
        return r;
}

static int dhcp_type(const uint8_t *f, int n) {
        size_t ihl;
        const uint8_t *m;

        if (n < 14 + 20 + 8 + 240 || f[12] != 0x08 || f[13] != 0 || f[23] != 17)
                return 0;
        ihl = (size_t) (f[14] & 15) * 4;
        m = f + 14 + ihl + 8;
        for (size_t o = 240; m + o + 2 < f + n && m[o] != 255; o += m[o] ? 2u + m[o + 1] : 1u)
                if (m[o] == 53)
                        return m[o + 2];
        return 0;
}

static bool is_rs(const uint8_t *f, int n) {
        return n >= 14 + 40 + 8 && f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 && f[54] == 133;
}

/* Reads until a frame of DHCP type `type` (or an RS, type -1) arrives,
 * within timeout_ms in all. */
static int read_until(HANDLE h, int type, uint8_t *buf, DWORD size, unsigned timeout_ms) {
        ULONGLONG end = GetTickCount64() + timeout_ms;
        DWORD e;

        while (GetTickCount64() < end) {
                int n = read_frame(h, buf, size, (unsigned) (end - GetTickCount64()), &e);

                if (n > 0 && ((type < 0 && is_rs(buf, n)) || (type > 0 && dhcp_type(buf, n) == type)))
                        return n;
        }
        return -1;
}

/* Reads what the stack queued until it has been quiet for 100 ms. */
static void drain(HANDLE h) {
        uint8_t buf[2048];
        DWORD e;

        for (unsigned k = 0; k < 64 && read_frame(h, buf, sizeof(buf), 100, &e) > 0; k++)
                ;
}

static void write_frame(HANDLE h, const uint8_t *f, size_t len) {
        OVERLAPPED ov = { .hEvent = CreateEventW(NULL, TRUE, FALSE, NULL) };
        DWORD n = 0;

        if (!win_sys->WriteFile(h, f, (DWORD) len, &n, &ov)) {
                CHECK_EQ_INT(GetLastError(), ERROR_IO_PENDING);
                CHECK(win_sys->GetOverlappedResult(h, &ov, &n, TRUE));
        }
        CHECK_EQ_INT(n, len);
        CloseHandle(ov.hEvent);
}

/* Plays the party's DHCP server: answers DISCOVER and REQUEST. */
static void dhcp_serve(HANDLE h, bool router, const uint8_t *classless, size_t classless_len) {
        uint8_t req[2048], reply[2048];
        WinModelDhcpReply r = {
                .yiaddr = { 192, 168, 77, 23 },
                .server = { 192, 168, 77, 1 },
                .plen = 24,
                .has_router = router,
                .router = { 192, 168, 77, 1 },
                .has_dns = true,
                .dns = { 192, 168, 77, 1 },
                .classless = classless,
                .classless_len = classless_len,
        };
        int n;

        memcpy(r.server_mac, server_mac, 6);
        n = read_until(h, 1, req, sizeof(req), 2000);
        CHECK(n > 0);
        r.type = 2;
        write_frame(h, reply, win_model_dhcp_reply(req, (size_t) n, &r, reply, sizeof(reply)));
        n = read_until(h, 3, req, sizeof(req), 2000);
        CHECK(n > 0);
        r.type = 5;
        write_frame(h, reply, win_model_dhcp_reply(req, (size_t) n, &r, reply, sizeof(reply)));
        CHECK_EQ_INT(win_model_log_wait("dhcp-bound", 2000), 0);
}

static NET_IFINDEX tap_index(void) {
        WinModelAdapterState s;

        CHECK_EQ_INT(win_model_adapter_state(GUID_A, &s), 0);
        return s.ifindex;
}

static void test_open_exclusive(void) {
        HANDLE a, b;

        setup("021122334455", -1);
        a = dev_open();
        CHECK(a != INVALID_HANDLE_VALUE);
        b = dev_open();
        CHECK(b == INVALID_HANDLE_VALUE);
        CHECK_EQ_INT(GetLastError(), ERROR_GEN_FAILURE);
        CHECK(win_sys->CloseHandle(a));
        a = dev_open();
        CHECK(a != INVALID_HANDLE_VALUE);
        CHECK(win_sys->CloseHandle(a));

        /* No such adapter, or a disabled one: no device node. */
        CHECK(win_sys->CreateFileW(L"\\\\.\\Global\\" GUID_B ".tap", GENERIC_READ, 0, NULL, OPEN_EXISTING,
                                   FILE_FLAG_OVERLAPPED, NULL) == INVALID_HANDLE_VALUE);
        CHECK_EQ_INT(GetLastError(), ERROR_FILE_NOT_FOUND);
        CHECK_EQ_INT(win_model_adapter_set_enabled(GUID_A, false), 0);
        CHECK(dev_open() == INVALID_HANDLE_VALUE);
        CHECK_EQ_INT(GetLastError(), ERROR_FILE_NOT_FOUND);
}

static void test_read_write_media_off(void) {
        HANDLE h, ev = CreateEventW(NULL, TRUE, TRUE, NULL);
        OVERLAPPED ov = { .hEvent = ev };
        uint8_t buf[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
        DWORD n = 7;

        setup("021122334455", -1);
        h = dev_open();
        CHECK(h != INVALID_HANDLE_VALUE);
        /* Refused at once: FALSE, the error, the event left reset (the I/O
         * manager cleared it first) and the OVERLAPPED never written. */
        CHECK(!win_sys->ReadFile(h, buf, sizeof(buf), &n, &ov));
        CHECK_EQ_INT(GetLastError(), ERROR_OPERATION_ABORTED);
        CHECK(!event_set(ev));
        CHECK_EQ_INT(ov.Internal, STATUS_PENDING_VALUE);
        CHECK(!HasOverlappedIoCompleted(&ov));
        CHECK_EQ_INT(n, 0);
        SetEvent(ev);
        CHECK(!win_sys->WriteFile(h, buf, sizeof(buf), &n, &ov));
        CHECK_EQ_INT(GetLastError(), ERROR_OPERATION_ABORTED);
        CHECK(!event_set(ev));
        CHECK(win_model_log_count("read-refused") == 1);
        CHECK(win_sys->CloseHandle(h));
        CloseHandle(ev);
}

static void test_ioctls(void) {
        HANDLE h, ev = CreateEventW(NULL, TRUE, FALSE, NULL);
        uint8_t out[16];
        ULONG v[3], m = 1;
        DWORD n = 0;

        setup("021122334455", -1);
        h = dev_open();
        CHECK(h != INVALID_HANDLE_VALUE);
        SetEvent(ev);
        CHECK(!ioctl(h, TAP_IOCTL(1), NULL, 0, out, 5, &n, ev));
        CHECK_EQ_INT(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
        CHECK(!event_set(ev));
        CHECK(ioctl(h, TAP_IOCTL(1), NULL, 0, out, 6, &n, ev));
        CHECK_EQ_INT(n, 6);
        CHECK_MEM(out, mac_a, 6);
        CHECK(event_set(ev));
        CHECK(!ioctl(h, TAP_IOCTL(2), NULL, 0, v, 8, &n, ev));
        CHECK_EQ_INT(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
        CHECK(ioctl(h, TAP_IOCTL(2), NULL, 0, v, sizeof(v), &n, ev));
        CHECK_EQ_INT(n, 12);
        CHECK_EQ_INT(v[0], 9);
        CHECK_EQ_INT(v[1], 27);
        CHECK_EQ_INT(v[2], 0);
        CHECK(ioctl(h, TAP_IOCTL(3), NULL, 0, v, 4, &n, ev));
        CHECK_EQ_INT(v[0], 1500);
        CHECK(!ioctl(h, TAP_IOCTL(6), &m, 2, NULL, 0, &n, ev));
        CHECK_EQ_INT(GetLastError(), ERROR_INVALID_PARAMETER);
        CHECK(!ioctl(h, TAP_IOCTL(4), NULL, 0, out, sizeof(out), &n, ev));
        CHECK_EQ_INT(GetLastError(), ERROR_INVALID_FUNCTION);
        CHECK(!ioctl(h, TAP_IOCTL(50), NULL, 0, NULL, 0, &n, ev));
        CHECK_EQ_INT(GetLastError(), ERROR_INVALID_FUNCTION);
        /* Without an OVERLAPPED, as OpenVPN calls it: completes at once. */
        CHECK(win_sys->DeviceIoControl(h, TAP_IOCTL(6), &m, 4, &m, 4, &n, NULL));
        CHECK_EQ_INT(n, 1);
        CHECK(win_sys->CloseHandle(h));
        CloseHandle(ev);
}

static void test_burst_after_connect(void) {
        uint8_t buf[2048];
        bool discover = false, rs = false;
        HANDLE h;
        int n;

        setup("021122334455", -1);
        h = dev_open();
        CHECK(h != INVALID_HANDLE_VALUE);
        media(h, 1);
        /* Both within a bounded wait, in whatever order the stack sends them. */
        for (ULONGLONG end = GetTickCount64() + 2000; (!discover || !rs) && GetTickCount64() < end;) {
                DWORD e;

                n = read_frame(h, buf, sizeof(buf), 500, &e);
                if (n > 0 && is_rs(buf, n))
                        rs = true;
                if (n > 0 && dhcp_type(buf, n) == 1) {
                        discover = true;
                        CHECK_MEM(buf + 6, mac_a, 6);
                        CHECK_MEM(buf, "\xff\xff\xff\xff\xff\xff", 6);
                        CHECK_MEM(buf + 14 + 20 + 8 + 28, mac_a, 6); /* chaddr */
                }
        }
        CHECK(discover && rs);
        CHECK(win_sys->CloseHandle(h));
}

static void test_frame_too_big(void) {
        uint8_t small[64];
        HANDLE h;
        DWORD e;
        int n = 0;

        h = open_connected("dhcp");
        /* The DISCOVER is 342 bytes: the read fails, the frame is gone. */
        n = read_frame(h, small, sizeof(small), 2000, &e);
        CHECK_EQ_INT(n, -1);
        CHECK_EQ_INT(e, ERROR_MORE_DATA);
        CHECK(win_model_log_count("overflow=1") == 1);
        CHECK(win_sys->CloseHandle(h));
}

static void test_media_off_keeps_reads_cancel(void) {
        OVERLAPPED ov = { .hEvent = CreateEventW(NULL, TRUE, FALSE, NULL) };
        uint8_t buf[2048];
        WinModelAdapterState s;
        HANDLE h;
        DWORD n;

        h = open_read_pending(&ov, buf, sizeof(buf));
        /* tapSetMediaConnectStatus touches no queued read. */
        media(h, 0);
        CHECK(!HasOverlappedIoCompleted(&ov));
        CHECK_EQ_INT(win_model_adapter_state(GUID_A, &s), 0);
        CHECK_EQ_INT(s.reads_pending, 1);
        CHECK(!win_sys->GetOverlappedResult(h, &ov, &n, FALSE));
        CHECK_EQ_INT(GetLastError(), ERROR_IO_INCOMPLETE);
        CHECK(win_sys->CancelIoEx(h, &ov));
        CHECK(event_set(ov.hEvent));
        CHECK(!win_sys->GetOverlappedResult(h, &ov, &n, TRUE));
        CHECK_EQ_INT(GetLastError(), ERROR_OPERATION_ABORTED);
        CHECK(!win_sys->CancelIoEx(h, &ov));
        CHECK_EQ_INT(GetLastError(), ERROR_NOT_FOUND);
        CHECK(!win_sys->CancelIoEx(h, NULL));
        CHECK_EQ_INT(GetLastError(), ERROR_NOT_FOUND);
        CHECK(win_sys->CloseHandle(h));
        CloseHandle(ov.hEvent);
}

static void test_close_cleans_up(void) {
        OVERLAPPED ov = { .hEvent = CreateEventW(NULL, TRUE, FALSE, NULL) };
        uint8_t buf[2048];
        WinModelAdapterState s;
        HANDLE h;

        h = open_read_pending(&ov, buf, sizeof(buf));
        CHECK(win_sys->CloseHandle(h));
        CHECK(HasOverlappedIoCompleted(&ov));
        CHECK_EQ_INT(ov.Internal, 0xC0000120); /* STATUS_CANCELLED */
        CHECK_EQ_INT(win_model_adapter_state(GUID_A, &s), 0);
        CHECK(!s.media && !s.open && s.reads_pending == 0);
        h = dev_open();
        CHECK(h != INVALID_HANDLE_VALUE);
        CHECK(win_sys->CloseHandle(h));
        CloseHandle(ov.hEvent);
}

static void test_write_path(void) {
        uint8_t f[64] = { 0 };
        OVERLAPPED ov = { .hEvent = CreateEventW(NULL, TRUE, FALSE, NULL) };
        WinModelFrameInfo info;
        HANDLE h;
        DWORD n = 0;

        h = open_connected("");
        /* For another MAC: the packet filter drops it, the write succeeds at once. */
        memcpy(f, "\x02\x99\x99\x99\x99\x99", 6);
        memcpy(f + 6, server_mac, 6);
        f[12] = 0x08;
        CHECK(win_sys->WriteFile(h, f, sizeof(f), &n, &ov));
        CHECK_EQ_INT(n, sizeof(f));
        CHECK_EQ_INT(win_model_received_get(GUID_A, 0, &info), 0);
        CHECK(info.filtered);
        /* Broadcast: indicated, pended and completed by the time it returns. */
        memset(f, 0xff, 6);
        CHECK(!win_sys->WriteFile(h, f, sizeof(f), &n, &ov));
        CHECK_EQ_INT(GetLastError(), ERROR_IO_PENDING);
        CHECK(HasOverlappedIoCompleted(&ov));
        CHECK(win_sys->GetOverlappedResult(h, &ov, &n, FALSE));
        CHECK_EQ_INT(n, sizeof(f));
        CHECK(!win_sys->WriteFile(h, f, 10, &n, &ov));
        CHECK_EQ_INT(GetLastError(), ERROR_INSUFFICIENT_BUFFER);
        /* Low power: no reads or writes. */
        CHECK_EQ_INT(win_model_adapter_set_power(GUID_A, 3), 0);
        CHECK(!win_sys->WriteFile(h, f, sizeof(f), &n, &ov));
        CHECK_EQ_INT(GetLastError(), ERROR_OPERATION_ABORTED);
        CHECK(win_sys->CloseHandle(h));
        CloseHandle(ov.hEvent);
}

static void test_halt_while_open(void) {
        OVERLAPPED ov = { .hEvent = CreateEventW(NULL, TRUE, FALSE, NULL) };
        uint8_t buf[2048], mac[6];
        HANDLE h, h2, ev = CreateEventW(NULL, TRUE, FALSE, NULL);
        DWORD n, e;

        h = open_read_pending(&ov, buf, sizeof(buf));
        CHECK_EQ_INT(win_model_adapter_set_enabled(GUID_A, false), 0);
        CHECK(!win_sys->GetOverlappedResult(h, &ov, &n, TRUE));
        CHECK_EQ_INT(GetLastError(), ERROR_OPERATION_ABORTED);
        CHECK_EQ_INT(read_frame(h, buf, sizeof(buf), 100, &e), -1);
        CHECK_EQ_INT(e, ERROR_OPERATION_ABORTED);
        CHECK(dev_open() == INVALID_HANDLE_VALUE);
        /* The control path still answers on the stale handle. */
        CHECK(ioctl(h, TAP_IOCTL(1), NULL, 0, mac, 6, &n, ev));
        CHECK_EQ_INT(win_model_adapter_set_enabled(GUID_A, true), 0);
        h2 = dev_open();
        CHECK(h2 != INVALID_HANDLE_VALUE);
        CHECK(win_sys->CloseHandle(h));
        CHECK(win_sys->CloseHandle(h2));
        CloseHandle(ov.hEvent);
        CloseHandle(ev);
}

static void set_network_address(const wchar_t *value) {
        HKEY k;

        CHECK(RegOpenKeyExW(HKEY_LOCAL_MACHINE, CLASS_KEY L"\\9990", 0, KEY_SET_VALUE, &k) == ERROR_SUCCESS);
        CHECK(RegSetValueExW(k, L"NetworkAddress", 0, REG_SZ, (const BYTE *) value,
                             (DWORD) ((wcslen(value) + 1) * sizeof(wchar_t))) == ERROR_SUCCESS);
        RegCloseKey(k);
}

/* What tap-win.c's adapter_restart does, through win_sys. Returns the
 * install params' flags. */
static DWORD restart(void) {
        static const GUID net = { 0x4d36e972, 0xe325, 0x11ce, { 0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18 } };
        SP_DEVINFO_DATA info = { .cbSize = sizeof(info) };
        SP_PROPCHANGE_PARAMS pc = {
                .ClassInstallHeader = { .cbSize = sizeof(SP_CLASSINSTALL_HEADER), .InstallFunction = DIF_PROPERTYCHANGE },
                .StateChange = DICS_PROPCHANGE,
                .Scope = DICS_FLAG_CONFIGSPECIFIC,
        };
        SP_DEVINSTALL_PARAMS_W params = { .cbSize = sizeof(params) };
        HDEVINFO devs = win_sys->SetupDiGetClassDevsW(&net, NULL, NULL, DIGCF_PRESENT);
        wchar_t id[64];
        DWORD len = sizeof(id);
        HKEY key;

        CHECK(devs != INVALID_HANDLE_VALUE);
        CHECK(win_sys->SetupDiEnumDeviceInfo(devs, 0, &info));
        CHECK(!win_sys->SetupDiEnumDeviceInfo(devs, 1, &info) && GetLastError() == ERROR_NO_MORE_ITEMS);
        info.cbSize = sizeof(info);
        CHECK(win_sys->SetupDiEnumDeviceInfo(devs, 0, &info));
        key = win_sys->SetupDiOpenDevRegKey(devs, &info, DICS_FLAG_GLOBAL, 0, DIREG_DRV, KEY_QUERY_VALUE);
        CHECK(key != INVALID_HANDLE_VALUE);
        CHECK(RegGetValueW(key, NULL, L"NetCfgInstanceId", RRF_RT_REG_SZ, NULL, id, &len) == ERROR_SUCCESS);
        CHECK(wcscmp(id, L"" GUID_A) == 0);
        RegCloseKey(key);
        CHECK(win_sys->SetupDiSetClassInstallParamsW(devs, &info, &pc.ClassInstallHeader, sizeof(pc)));
        CHECK(win_sys->SetupDiCallClassInstaller(DIF_PROPERTYCHANGE, devs, &info));
        CHECK(win_sys->SetupDiGetDeviceInstallParamsW(devs, &info, &params));
        CHECK(win_sys->SetupDiDestroyDeviceInfoList(devs));
        return params.Flags;
}

static void test_network_address_restart(void) {
        WinModelAdapterState s;
        HANDLE h;

        setup("021122334455", -1);
        /* Read at MiniportInitialize only: a new value waits for a restart. */
        set_network_address(L"02AABBCCDDEE");
        CHECK_EQ_INT(win_model_adapter_state(GUID_A, &s), 0);
        CHECK_MEM(s.mac, mac_a, 6);
        CHECK_EQ_INT(restart(), 0);
        CHECK_EQ_INT(win_model_adapter_state(GUID_A, &s), 0);
        CHECK_MEM(s.mac, "\x02\xaa\xbb\xcc\xdd\xee", 6);
        /* Universally administered: refused, the permanent 00:FF + GUID. */
        set_network_address(L"001122334455");
        CHECK_EQ_INT(restart(), 0);
        CHECK_EQ_INT(win_model_adapter_state(GUID_A, &s), 0);
        CHECK_MEM(s.mac, "\x00\xff\x0a\x1b\x2c\x3d", 6);
        CHECK_MEM(s.permanent_mac, "\x00\xff\x0a\x1b\x2c\x3d", 6);
        /* With the device open and a vetoing Windows: a reboot is needed. */
        CHECK_EQ_INT(win_model_config_set("restart_with_open_handle", "veto"), 0);
        h = dev_open();
        CHECK(restart() & DI_NEEDREBOOT);
        CHECK(win_sys->CloseHandle(h));
}

static void test_old_driver(void) {
        WinModelAdapterConfig c = { .guid = GUID_A, .subkey = 9990, .media_status = 1, .version_major = 9,
                                    .version_minor = 8, .mtu = "1400" };
        HANDLE h, ev = CreateEventW(NULL, TRUE, FALSE, NULL);
        ULONG v[3];
        DWORD n;
        WinModelAdapterState s;

        CHECK_EQ_INT(win_model_reset(true), 0);
        CHECK_EQ_INT(win_model_adapter_add(&c), 0);
        h = dev_open();
        CHECK(ioctl(h, TAP_IOCTL(2), NULL, 0, v, sizeof(v), &n, ev));
        CHECK_EQ_INT(v[1], 8);
        CHECK(ioctl(h, TAP_IOCTL(3), NULL, 0, v, 4, &n, ev));
        CHECK_EQ_INT(v[0], 1400);
        /* MediaStatus=1: always connected, SET_MEDIA_STATUS(0) changes nothing. */
        media(h, 0);
        CHECK_EQ_INT(win_model_adapter_state(GUID_A, &s), 0);
        CHECK(s.media && s.always_connected);
        CHECK(win_sys->CloseHandle(h));
        CloseHandle(ev);
}

static void test_site_prefix_length(void) {
        MIB_IPINTERFACE_ROW row = { .Family = AF_INET, .InterfaceIndex = 0 };

        setup("021122334455", -1);
        row.InterfaceIndex = tap_index();
        CHECK_EQ_INT(win_sys->GetIpInterfaceEntry(&row), NO_ERROR);
        CHECK_EQ_INT(row.SitePrefixLength, 64);
        CHECK(row.UseAutomaticMetric);
        CHECK_EQ_INT(win_sys->SetIpInterfaceEntry(&row), ERROR_INVALID_PARAMETER);
        CHECK(win_model_log_count("site-prefix-length") == 1);
        row.SitePrefixLength = 0;
        row.NlMtu = 1400;
        CHECK_EQ_INT(win_sys->SetIpInterfaceEntry(&row), NO_ERROR);
        row = (MIB_IPINTERFACE_ROW) { .Family = AF_INET6, .InterfaceIndex = tap_index() };
        CHECK_EQ_INT(win_sys->GetIpInterfaceEntry(&row), NO_ERROR);
        CHECK_EQ_INT(win_sys->SetIpInterfaceEntry(&row), NO_ERROR);
        row.NlMtu = 1200;
        CHECK_EQ_INT(win_sys->SetIpInterfaceEntry(&row), ERROR_INVALID_PARAMETER);
        row = (MIB_IPINTERFACE_ROW) { .Family = AF_INET, .InterfaceIndex = 999 };
        CHECK_EQ_INT(win_sys->GetIpInterfaceEntry(&row), ERROR_NOT_FOUND);
}

static void set_metric(NET_IFINDEX index, ULONG metric, bool ddr) {
        MIB_IPINTERFACE_ROW row = { .Family = AF_INET, .InterfaceIndex = index };

        CHECK_EQ_INT(win_sys->GetIpInterfaceEntry(&row), NO_ERROR);
        row.UseAutomaticMetric = FALSE;
        row.Metric = metric;
        row.DisableDefaultRoutes = ddr;
        row.SitePrefixLength = 0;
        CHECK_EQ_INT(win_sys->SetIpInterfaceEntry(&row), NO_ERROR);
}

static void route_row(MIB_IPFORWARD_ROW2 *row, NET_IFINDEX index, const char *dst, uint8_t plen, const char *nh) {
        win_sys->InitializeIpForwardEntry(row);
        row->InterfaceIndex = index;
        row->DestinationPrefix.Prefix.si_family = AF_INET;
        row->DestinationPrefix.Prefix.Ipv4.sin_addr.s_addr = inet_addr(dst);
        row->DestinationPrefix.PrefixLength = plen;
        row->NextHop.si_family = AF_INET;
        row->NextHop.Ipv4.sin_addr.s_addr = nh ? inet_addr(nh) : 0;
        row->Metric = 0;
        row->Protocol = MIB_IPPROTO_NETMGMT;
}

static NET_IFINDEX best_if(const char *dst, SOCKADDR_INET *src) {
        SOCKADDR_INET d = { .Ipv4 = { .sin_family = AF_INET } };
        MIB_IPFORWARD_ROW2 best;

        d.Ipv4.sin_addr.s_addr = inet_addr(dst);
        CHECK_EQ_INT(win_sys->GetBestRoute2(NULL, 0, NULL, &d, 0, &best, src), NO_ERROR);
        return best.InterfaceIndex;
}

static void test_routes_and_broadcast(void) {
        MIB_IPFORWARD_ROW2 row;
        SOCKADDR_INET src;
        NET_IFINDEX bc = 0;
        HANDLE h;
        bool tie = false;

        setup("021122334455", -1);
        h = dev_open();
        media(h, 1);
        dhcp_serve(h, true, NULL, 0);
        /* 1 Gbit/s each: the same automatic metric, a tie Windows leaves open. */
        CHECK_EQ_INT(win_model_limited_broadcast_interface(&bc, &tie), 0);
        CHECK(tie);
        set_metric(tap_index(), 1, false);
        CHECK_EQ_INT(win_model_limited_broadcast_interface(&bc, &tie), 0);
        CHECK_EQ_INT(bc, tap_index());
        CHECK(!tie);
        /* The party's default route now beats the uplink's: 0 + 1 < 0 + 10. */
        CHECK_EQ_INT(best_if("8.8.8.8", &src), tap_index());
        CHECK_EQ_INT(src.Ipv4.sin_addr.s_addr, inet_addr("192.168.77.23"));
        /* Longest prefix first: a pinned host route wins. */
        route_row(&row, UPLINK_INDEX, "8.8.8.8", 32, "192.168.1.1");
        CHECK_EQ_INT(win_sys->CreateIpForwardEntry2(&row), NO_ERROR);
        CHECK_EQ_INT(win_sys->CreateIpForwardEntry2(&row), ERROR_OBJECT_ALREADY_EXISTS);
        CHECK_EQ_INT(best_if("8.8.8.8", &src), UPLINK_INDEX);
        CHECK_EQ_INT(src.Ipv4.sin_addr.s_addr, inet_addr("192.168.1.50"));
        route_row(&row, UPLINK_INDEX, "8.8.8.8", 32, "192.168.1.1");
        row.Metric = 77;
        CHECK_EQ_INT(win_sys->GetIpForwardEntry2(&row), NO_ERROR);
        CHECK_EQ_INT(row.Metric, 0);
        CHECK_EQ_INT(win_sys->DeleteIpForwardEntry2(&row), NO_ERROR);
        CHECK_EQ_INT(win_sys->DeleteIpForwardEntry2(&row), ERROR_NOT_FOUND);
        CHECK_EQ_INT(win_sys->GetIpForwardEntry2(&row), ERROR_NOT_FOUND);
        /* Media off: the lease and its routes go; the uplink is the way again. */
        media(h, 0);
        CHECK_EQ_INT(best_if("8.8.8.8", &src), UPLINK_INDEX);
        CHECK_EQ_INT(win_model_limited_broadcast_interface(&bc, &tie), 0);
        CHECK_EQ_INT(bc, UPLINK_INDEX);
        CHECK(win_sys->CloseHandle(h));
}

static void test_disable_default_routes(void) {
        /* 121: 0.0.0.0/0 via .1 and 10.0.0.0/8 via .1 */
        static const uint8_t classless[] = { 0, 192, 168, 77, 1, 8, 10, 192, 168, 77, 1 };
        PMIB_IPFORWARD_TABLE2 t = NULL;
        WinModelFrameInfo info;
        size_t defaults = 0, tens = 0, n;
        bool has_121 = false;
        HANDLE h;

        setup("021122334455", -1);
        set_metric(tap_index(), 5, true);
        h = dev_open();
        media(h, 1);
        dhcp_serve(h, true, classless, sizeof(classless));
        CHECK(win_model_log_count("default-route-ignored") == 1);
        CHECK_EQ_INT(win_sys->GetIpForwardTable2(AF_INET, &t), NO_ERROR);
        for (ULONG k = 0; k < t->NumEntries; k++)
                if (t->Table[k].InterfaceIndex == tap_index()) {
                        defaults += t->Table[k].DestinationPrefix.PrefixLength == 0;
                        tens += t->Table[k].DestinationPrefix.PrefixLength == 8 &&
                                t->Table[k].DestinationPrefix.Prefix.Ipv4.sin_addr.s_addr == inet_addr("10.0.0.0");
                }
        win_sys->FreeMibTable(t);
        CHECK_EQ_INT(defaults, 0);
        CHECK_EQ_INT(tens, 1);
        /* What the party told Windows, frame by frame. */
        n = win_model_received_count(GUID_A);
        CHECK(n >= 2);
        CHECK_EQ_INT(win_model_received_get(GUID_A, n - 1, &info), 0);
        CHECK_EQ_STR(info.kind, "dhcp-ack");
        for (size_t k = 0; k < info.n_options; k++)
                has_121 = has_121 || info.options[k] == 121;
        CHECK(has_121);
        CHECK(win_sys->CloseHandle(h));
}

static bool adapter_address(const char *want_prefix, unsigned *ret_plen, bool *ret_dns) {
        ULONG size = 0;
        IP_ADAPTER_ADDRESSES *list;
        bool found = false;

        CHECK_EQ_INT(win_sys->GetAdaptersAddresses(AF_INET, 0, NULL, NULL, &size), ERROR_BUFFER_OVERFLOW);
        list = malloc(size);
        CHECK_EQ_INT(win_sys->GetAdaptersAddresses(AF_INET, 0, NULL, list, &size), NO_ERROR);
        for (IP_ADAPTER_ADDRESSES *a = list; a; a = a->Next) {
                if (a->IfIndex != tap_index())
                        continue;
                CHECK_EQ_STR(a->AdapterName, GUID_A);
                CHECK(wcscmp(a->FriendlyName, L"LAN Party") == 0);
                for (IP_ADAPTER_UNICAST_ADDRESS *u = a->FirstUnicastAddress; u; u = u->Next) {
                        const char *s = inet_ntoa(((struct sockaddr_in *) u->Address.lpSockaddr)->sin_addr);

                        if (strncmp(s, want_prefix, strlen(want_prefix)) == 0) {
                                found = true;
                                *ret_plen = u->OnLinkPrefixLength;
                        }
                }
                *ret_dns = a->FirstDnsServerAddress != NULL;
        }
        free(list);
        return found;
}

typedef struct Seen {
        HANDLE event;
        LONG adds, deletes, initial;
        DWORD thread;
        bool key_only;
} Seen;

static void WINAPI on_route(PVOID ctx, PMIB_IPFORWARD_ROW2 row, MIB_NOTIFICATION_TYPE type) {
        Seen *s = ctx;

        s->thread = GetCurrentThreadId();
        if (type == MibInitialNotification)
                InterlockedIncrement(&s->initial);
        else if (type == MibAddInstance)
                InterlockedIncrement(&s->adds);
        else if (type == MibDeleteInstance)
                InterlockedIncrement(&s->deletes);
        if (row)
                s->key_only = row->Metric == 0 && row->Protocol == 0;
        SetEvent(s->event);
}

static void WINAPI on_address(PVOID ctx, PMIB_UNICASTIPADDRESS_ROW row, MIB_NOTIFICATION_TYPE type) {
        Seen *s = ctx;

        if (type == MibAddInstance && row && row->Address.si_family == AF_INET &&
            row->Address.Ipv4.sin_addr.s_addr == inet_addr("192.168.77.23"))
                InterlockedIncrement(&s->adds);
        SetEvent(s->event);
}

static bool wait_for(Seen *s, LONG *counter, LONG want) {
        ULONGLONG end = GetTickCount64() + 2000;

        while (*(volatile LONG *) counter < want && GetTickCount64() < end)
                WaitForSingleObject(s->event, 50);
        return *(volatile LONG *) counter >= want;
}

static void test_notifications(void) {
        Seen routes = { .event = CreateEventW(NULL, FALSE, FALSE, NULL) };
        Seen addrs = { .event = CreateEventW(NULL, FALSE, FALSE, NULL) };
        MIB_IPFORWARD_ROW2 row;
        HANDLE rh, ah, h;

        setup("021122334455", -1);
        CHECK_EQ_INT(win_sys->NotifyRouteChange2(AF_INET, on_route, &routes, TRUE, &rh), NO_ERROR);
        CHECK_EQ_INT(win_sys->NotifyUnicastIpAddressChange(AF_INET, on_address, &addrs, FALSE, &ah), NO_ERROR);
        CHECK(wait_for(&routes, &routes.initial, 1));
        CHECK(routes.thread != GetCurrentThreadId());
        route_row(&row, UPLINK_INDEX, "203.0.113.9", 32, "192.168.1.1");
        CHECK_EQ_INT(win_sys->CreateIpForwardEntry2(&row), NO_ERROR);
        CHECK(wait_for(&routes, &routes.adds, 1));
        CHECK(routes.key_only);
        CHECK_EQ_INT(win_sys->DeleteIpForwardEntry2(&row), NO_ERROR);
        CHECK(wait_for(&routes, &routes.deletes, 1));
        /* The stack's own changes too: a DHCP lease brings an address. */
        h = dev_open();
        media(h, 1);
        dhcp_serve(h, true, NULL, 0);
        CHECK(wait_for(&addrs, &addrs.adds, 1));
        CHECK_EQ_INT(win_sys->CancelMibChangeNotify2(rh), NO_ERROR);
        CHECK_EQ_INT(win_sys->CancelMibChangeNotify2(ah), NO_ERROR);
        CHECK_EQ_INT(win_sys->CancelMibChangeNotify2(NULL), ERROR_INVALID_PARAMETER);
        CHECK(win_sys->CloseHandle(h));
        CloseHandle(routes.event);
        CloseHandle(addrs.event);
}

typedef struct Renew {
        IP_ADAPTER_INDEX_MAP map;
        DWORD result;
} Renew;

static DWORD WINAPI renew_thread(void *arg) {
        Renew *r = arg;

        r->result = win_sys->IpRenewAddress(&r->map);
        return 0;
}

static void tap_map(IP_ADAPTER_INDEX_MAP *ret) {
        ULONG size = 0;
        IP_INTERFACE_INFO *info;
        bool found = false;

        CHECK_EQ_INT(win_sys->GetInterfaceInfo(NULL, &size), ERROR_INSUFFICIENT_BUFFER);
        info = malloc(size);
        CHECK_EQ_INT(win_sys->GetInterfaceInfo(info, &size), NO_ERROR);
        for (LONG k = 0; k < info->NumAdapters; k++)
                if (info->Adapter[k].Index == tap_index()) {
                        CHECK(wcscmp(info->Adapter[k].Name, L"\\DEVICE\\TCPIP_" GUID_A) == 0);
                        *ret = info->Adapter[k];
                        found = true;
                }
        CHECK(found);
        free(info);
}

static void test_apipa_renew_category(void) {
        WinNetworkCategory cat;
        unsigned plen = 0;
        bool dns = false, allowed = true;
        GUID g = { 0x0a1b2c3d, 0x4e5f, 0x6789, { 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89 } };
        Renew r = {};
        HANDLE h, t;

        setup("021122334455", -1);
        CHECK_EQ_INT(win_sys->network_category_get(&g, &cat), HRESULT_FROM_WIN32(ERROR_NOT_FOUND));
        h = dev_open();
        media(h, 1);
        /* Nobody answers: APIPA after apipa_delay_ms, an unidentified, public network. */
        CHECK_EQ_INT(win_model_log_wait("apipa", 2000), 0);
        CHECK(adapter_address("169.254.", &plen, &dns));
        CHECK_EQ_INT(plen, 16);
        CHECK_EQ_INT(win_sys->network_category_get(&g, &cat), S_OK);
        CHECK_EQ_INT(cat, WIN_NETWORK_CATEGORY_PUBLIC);
        CHECK_EQ_INT(win_model_inbound_allowed(GUID_A, 2, &allowed), 0);
        CHECK(!allowed);
        CHECK_EQ_INT(win_sys->network_category_set(&g, WIN_NETWORK_CATEGORY_PRIVATE), S_OK);
        CHECK_EQ_INT(win_sys->network_category_get(&g, &cat), S_OK);
        CHECK_EQ_INT(cat, WIN_NETWORK_CATEGORY_PRIVATE);
        CHECK_EQ_INT(win_model_inbound_allowed(GUID_A, 2, &allowed), 0);
        CHECK(allowed);

        /* No new DISCOVER for five minutes, unless renewed: then at once, and
         * IpRenewAddress returns when bound. */
        drain(h);
        tap_map(&r.map);
        t = CreateThread(NULL, 0, renew_thread, &r, 0, NULL);
        dhcp_serve(h, true, NULL, 0);
        CHECK(WaitForSingleObject(t, 3000) == WAIT_OBJECT_0);
        CloseHandle(t);
        CHECK_EQ_INT(r.result, NO_ERROR);
        CHECK(adapter_address("192.168.77.23", &plen, &dns));
        CHECK_EQ_INT(plen, 24);
        CHECK(dns);
        /* A network behind a gateway: identified anew, public until set. */
        CHECK_EQ_INT(win_sys->network_category_get(&g, &cat), S_OK);
        CHECK_EQ_INT(cat, WIN_NETWORK_CATEGORY_PUBLIC);

        /* Renewing with nobody answering times out. */
        CHECK_EQ_INT(win_model_config_set("renew_timeout_ms", "200"), 0);
        CHECK_EQ_INT(win_sys->IpRenewAddress(&r.map), ERROR_SEM_TIMEOUT);

        /* Forgotten with the link. */
        media(h, 0);
        CHECK_EQ_INT(win_sys->network_category_get(&g, &cat), HRESULT_FROM_WIN32(ERROR_NOT_FOUND));
        CHECK(!adapter_address("192.168.77.23", &plen, &dns));
        CHECK(win_sys->CloseHandle(h));
}

static void test_router_advertisement(void) {
        static const uint8_t prefix[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0 }, dns6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 };
        MIB_IPINTERFACE_ROW row = { .Family = AF_INET6 };
        PMIB_IPFORWARD_TABLE2 t = NULL;
        uint8_t f[256];
        size_t defaults = 0;
        HANDLE h;

        setup("021122334455", -1);
        h = dev_open();
        media(h, 1);
        write_frame(h, f, win_model_router_advertisement(server_mac, 1800, prefix, dns6, 1400, f, sizeof(f)));
        CHECK_EQ_INT(win_model_log_wait("ra-applied", 1000), 0);
        CHECK_EQ_INT(win_sys->GetIpForwardTable2(AF_INET6, &t), NO_ERROR);
        for (ULONG k = 0; k < t->NumEntries; k++)
                defaults += t->Table[k].InterfaceIndex == tap_index() && t->Table[k].DestinationPrefix.PrefixLength == 0;
        win_sys->FreeMibTable(t);
        CHECK_EQ_INT(defaults, 1);
        row.InterfaceIndex = tap_index();
        CHECK_EQ_INT(win_sys->GetIpInterfaceEntry(&row), NO_ERROR);
        CHECK_EQ_INT(row.NlMtu, 1400);
        CHECK(win_sys->CloseHandle(h));
}

static void test_forwarding(void) {
        wchar_t path[MAX_PATH];
        HANDLE f;
        DWORD n = 0;
        char buf[8];

        CHECK(GetTempPathW(MAX_PATH, path) > 0);
        wcscat(path, L"lanparty-win-model-forward.txt");
        f = win_sys->CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
        CHECK(f != INVALID_HANDLE_VALUE);
        CHECK(win_sys->WriteFile(f, "hello", 5, &n, NULL) && n == 5);
        SetFilePointer(f, 0, NULL, FILE_BEGIN);
        CHECK(win_sys->ReadFile(f, buf, sizeof(buf), &n, NULL) && n == 5);
        CHECK(win_sys->CloseHandle(f));
        DeleteFileW(path);
}

/* ---- persistence: two processes on one state file ---- */

static int child_write(void) {
        WinModelAdapterConfig c = { .guid = GUID_B, .subkey = 9991, .media_status = -1 };
        WinModelAdapterState s;
        MIB_IPFORWARD_ROW2 row;
        HANDLE h;

        CHECK_EQ_INT(win_model_adapter_add(&c), 0);
        CHECK_EQ_INT(win_model_adapter_state(GUID_B, &s), 0);
        set_metric(s.ifindex, 3, true);
        route_row(&row, UPLINK_INDEX, "203.0.113.7", 32, "192.168.1.1");
        CHECK_EQ_INT(win_sys->CreateIpForwardEntry2(&row), NO_ERROR);
        h = win_sys->CreateFileW(L"\\\\.\\Global\\" GUID_B ".tap", GENERIC_READ | GENERIC_WRITE, 0, NULL,
                                 OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
        CHECK(h != INVALID_HANDLE_VALUE);
        media(h, 1);
        /* Killed with everything open. */
        TerminateProcess(GetCurrentProcess(), 3);
        return 1;
}

static int child_check(void) {
        WinModelAdapterConfig c = { .guid = GUID_B, .subkey = 9991, .media_status = -1 };
        WinModelAdapterState s;
        MIB_IPFORWARD_ROW2 row;
        MIB_IPINTERFACE_ROW irow = { .Family = AF_INET };

        CHECK_EQ_INT(win_model_adapter_add(&c), 0);
        CHECK_EQ_INT(win_model_adapter_state(GUID_B, &s), 0);
        CHECK(!s.media && !s.open);
        route_row(&row, UPLINK_INDEX, "203.0.113.7", 32, "192.168.1.1");
        CHECK_EQ_INT(win_sys->GetIpForwardEntry2(&row), NO_ERROR);
        irow.InterfaceIndex = s.ifindex;
        CHECK_EQ_INT(win_sys->GetIpInterfaceEntry(&irow), NO_ERROR);
        CHECK(!irow.UseAutomaticMetric && irow.Metric == 3 && irow.DisableDefaultRoutes);
        /* A reboot forgets the route (active store), keeps the setting. */
        CHECK_EQ_INT(win_model_reboot(), 0);
        route_row(&row, UPLINK_INDEX, "203.0.113.7", 32, "192.168.1.1");
        CHECK_EQ_INT(win_sys->GetIpForwardEntry2(&row), ERROR_NOT_FOUND);
        CHECK_EQ_INT(win_sys->GetIpInterfaceEntry(&irow), NO_ERROR);
        CHECK_EQ_INT(irow.Metric, 3);
        CHECK_EQ_INT(win_model_adapter_remove(GUID_B), 0);
        return 0;
}

/* A whole program configured through the environment, as client-model.exe
 * would be: the adapter comes from LANPARTY_WIN_MODEL_CONFIG. */
static int child_config(void) {
        WinModelAdapterState s;
        NET_LUID luid;
        wchar_t alias[64];

        CHECK_EQ_INT(win_model_adapter_state(GUID_B, &s), 0);
        CHECK(s.running && !s.media);
        CHECK_MEM(s.mac, "\x02\x42\x42\x42\x42\x42", 6);
        CHECK_EQ_INT(s.mtu, 1400);
        CHECK_EQ_INT(win_sys->ConvertInterfaceIndexToLuid(s.ifindex, &luid), NO_ERROR);
        CHECK_EQ_INT(win_sys->ConvertInterfaceLuidToAlias(&luid, alias, 64), NO_ERROR);
        CHECK(wcscmp(alias, L"Party LAN") == 0);
        CHECK_EQ_INT(win_model_adapter_remove(GUID_B), 0);
        return 0;
}

/* A test in another process: commands through LANPARTY_WIN_MODEL_CONTROL,
 * answered in the log. The file holds two complete lines and a third
 * still being written, which must wait for its newline. */
static int child_control(void) {
        WinModelAdapterState s;

        CHECK_EQ_INT(win_model_adapter_state(GUID_B, &s), 0);
        CHECK_EQ_INT(win_model_log_wait("control cmd=disable guid=" GUID_B " result=0", 3000), 0);
        CHECK_EQ_INT(win_model_log_wait("control cmd=inbound guid=" GUID_B " profiles=2 allowed=0 result=-", 3000), 0);
        CHECK_EQ_INT(win_model_adapter_state(GUID_B, &s), 0);
        CHECK(!s.running);
        CHECK_EQ_INT(win_model_log_count("cmd=enable"), 0);
        CHECK_EQ_INT(win_model_adapter_remove(GUID_B), 0);
        return 0;
}

static HANDLE cancel_handle;

static void WINAPI cancel_self(PVOID ctx, PMIB_IPFORWARD_ROW2 row, MIB_NOTIFICATION_TYPE type) {
        (void) win_sys->CancelMibChangeNotify2(cancel_handle);
}

/* Deadlocks on Windows; the model aborts (exit code 3 under wine). */
static int child_cancel_in_callback(void) {
        CHECK_EQ_INT(win_sys->NotifyRouteChange2(AF_UNSPEC, cancel_self, NULL, FALSE, &cancel_handle), NO_ERROR);
        CHECK_EQ_INT(win_model_adapter_add(&(WinModelAdapterConfig) { .guid = GUID_B, .subkey = 9991,
                                                                      .media_status = -1 }),
                     0);
        Sleep(5000);
        return 0;
}

static DWORD run_child(const char *arg) {
        char exe[MAX_PATH], cmd[MAX_PATH + 32];
        STARTUPINFOA si = { .cb = sizeof(si) };
        PROCESS_INFORMATION pi;
        DWORD code = 99;

        CHECK(GetModuleFileNameA(NULL, exe, sizeof(exe)) > 0);
        snprintf(cmd, sizeof(cmd), "\"%s\" %s", exe, arg);
        CHECK(CreateProcessA(exe, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi));
        CHECK(WaitForSingleObject(pi.hProcess, 60000) == WAIT_OBJECT_0);
        CHECK(GetExitCodeProcess(pi.hProcess, &code));
        CloseHandle(pi.hProcess);
        CloseHandle(pi.hThread);
        return code;
}

static void test_child_programs(void) {
        char dir[MAX_PATH], config[MAX_PATH + 32], log[MAX_PATH + 32], control[MAX_PATH + 32], line[512];
        bool seen = false;
        FILE *f;

        CHECK_EQ_INT(win_model_reset(true), 0);
        CHECK(GetTempPathA(sizeof(dir), dir) > 0);
        snprintf(config, sizeof(config), "%slanparty-win-model-%lu.conf", dir, GetCurrentProcessId());
        snprintf(log, sizeof(log), "%slanparty-win-model-%lu.log", dir, GetCurrentProcessId());
        snprintf(control, sizeof(control), "%slanparty-win-model-%lu.control", dir, GetCurrentProcessId());
        f = fopen(config, "w");
        CHECK(f);
        fprintf(f, "# client-model.exe's machine\napipa_delay_ms=500\nadapter.0.guid=" GUID_B "\n"
                   "adapter.0.subkey=9991\nadapter.0.alias=Party LAN\nadapter.0.network_address=024242424242\n"
                   "adapter.0.mtu=1400\n");
        CHECK(fclose(f) == 0);
        DeleteFileA(log);
        CHECK(SetEnvironmentVariableA("LANPARTY_WIN_MODEL_CONFIG", config));
        CHECK(SetEnvironmentVariableA("LANPARTY_WIN_MODEL_LOG", log));
        CHECK_EQ_INT(run_child("--child-config"), 0);
        f = fopen(control, "wb");
        CHECK(f);
        fprintf(f, "disable " GUID_B "\ninbound " GUID_B " 2\nenable " GUID_B);
        CHECK(fclose(f) == 0);
        CHECK(SetEnvironmentVariableA("LANPARTY_WIN_MODEL_CONTROL", control));
        CHECK_EQ_INT(run_child("--child-control"), 0);
        CHECK(SetEnvironmentVariableA("LANPARTY_WIN_MODEL_CONTROL", NULL));
        CHECK(SetEnvironmentVariableA("LANPARTY_WIN_MODEL_CONFIG", NULL));
        CHECK_EQ_INT(run_child("--child-cancel-in-callback"), 3);
        /* Aborted, it could not remove its adapter; tests that run after
         * this one in the private prefix would find two. */
        CHECK_EQ_INT(RegDeleteTreeW(HKEY_LOCAL_MACHINE, CLASS_KEY L"\\9991"), ERROR_SUCCESS);
        CHECK(SetEnvironmentVariableA("LANPARTY_WIN_MODEL_LOG", NULL));
        f = fopen(log, "r");
        CHECK(f);
        while (fgets(line, sizeof(line), f))
                seen = seen || strncmp(line, "adapter-add guid=" GUID_B " subkey=9991", 50) == 0;
        fclose(f);
        CHECK(seen);
        DeleteFileA(config);
        DeleteFileA(log);
        DeleteFileA(control);
}

static void test_persistence(void) {
        char dir[MAX_PATH], state[MAX_PATH + 32];

        CHECK_EQ_INT(win_model_reset(true), 0);
        CHECK(GetTempPathA(sizeof(dir), dir) > 0);
        snprintf(state, sizeof(state), "%slanparty-win-model-%lu.state", dir, GetCurrentProcessId());
        DeleteFileA(state);
        CHECK(SetEnvironmentVariableA("LANPARTY_WIN_MODEL_STATE", state));
        CHECK_EQ_INT(run_child("--child-write"), 3);
        CHECK_EQ_INT(run_child("--child-check"), 0);
        CHECK(SetEnvironmentVariableA("LANPARTY_WIN_MODEL_STATE", NULL));
        DeleteFileA(state);
}

int main(int argc, char **argv) {
        WSADATA wsa;

        if (!registry_allowed()) {
                fprintf(stderr, "not under wine in a private prefix (tests/wine/wine-private.sh), skipping\n");
                return 77;
        }
        WSAStartup(MAKEWORD(2, 2), &wsa);
        if (argc > 1 && strcmp(argv[1], "--child-write") == 0)
                return child_write();
        if (argc > 1 && strcmp(argv[1], "--child-check") == 0)
                return child_check();
        if (argc > 1 && strcmp(argv[1], "--child-config") == 0)
                return child_config();
        if (argc > 1 && strcmp(argv[1], "--child-control") == 0)
                return child_control();
        if (argc > 1 && strcmp(argv[1], "--child-cancel-in-callback") == 0)
                return child_cancel_in_callback();

        RUN(test_forwarding);
        RUN(test_open_exclusive);
        RUN(test_read_write_media_off);
        RUN(test_ioctls);
        RUN(test_burst_after_connect);
        RUN(test_frame_too_big);
        RUN(test_media_off_keeps_reads_cancel);
        RUN(test_close_cleans_up);
        RUN(test_write_path);
        RUN(test_halt_while_open);
        RUN(test_network_address_restart);
        RUN(test_old_driver);
        RUN(test_site_prefix_length);
        RUN(test_routes_and_broadcast);
        RUN(test_disable_default_routes);
        RUN(test_notifications);
        RUN(test_apipa_renew_category);
        RUN(test_router_advertisement);
        RUN(test_persistence);
        RUN(test_child_programs);
        CHECK_EQ_INT(win_model_reset(true), 0);
        CHECK_EQ_INT(win_model_violations(), 0);
        return 0;
}
