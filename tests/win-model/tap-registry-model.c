/* SPDX-License-Identifier: MIT */
/* The adapters' registry entries under the network class key, which
 * client code reads and writes itself (RegOpenKeyExW, not win_sys), and
 * what the driver reads from them when it starts (tapReadConfiguration,
 * adapter.c:204-458). Written only in a private wine prefix (see
 * model_registry_allowed). Called with the model lock held. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "model.h"

#define CLASS_KEY L"SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}"
#define ETHERNET_MTU 1500 /* constants.h:51 */
#define MINIMUM_MTU 576   /* constants.h:170 */
#define MAXIMUM_MTU 65536 /* constants.h:171 */

static void subkey_path(unsigned subkey, wchar_t buf[static 128]) {
        swprintf(buf, 128, L"%ls\\%04u", CLASS_KEY, subkey);
}

bool model_registry_subkey_exists(unsigned subkey) {
        wchar_t path[128];
        HKEY k;

        subkey_path(subkey, path);
        if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_READ, &k) != ERROR_SUCCESS)
                return false;
        RegCloseKey(k);
        return true;
}

HKEY model_registry_open(const ModelAdapter *a, REGSAM access) {
        wchar_t path[128];
        HKEY k;

        subkey_path(a->subkey, path);
        if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, access, &k) != ERROR_SUCCESS)
                return NULL;
        return k;
}

static LSTATUS set_sz(HKEY k, const wchar_t *name, const char *value) {
        wchar_t w[128];

        swprintf(w, ELEMENTSOF(w), L"%hs", value);
        return RegSetValueExW(k, name, 0, REG_SZ, (const BYTE *) w, (DWORD) ((wcslen(w) + 1) * sizeof(wchar_t)));
}

/* What the INF (OemVista.inf.in) and the class installer leave in the
 * key. A machine that already has the entry (the state file knows the
 * adapter) keeps it as it is: NetworkAddress set by an earlier process
 * stays, as it would on a PC. */
int model_registry_write_adapter(const ModelAdapter *a, const WinModelAdapterConfig *c, bool fresh) {
        wchar_t path[128];
        char version[32], media[16];
        HKEY k;
        LSTATUS e;

        subkey_path(a->subkey, path);
        if (!fresh && model_persist_knows_adapter(a->guid) && model_registry_subkey_exists(a->subkey))
                return 0;
        (void) RegDeleteTreeW(HKEY_LOCAL_MACHINE, path);
        e = RegCreateKeyExW(HKEY_LOCAL_MACHINE, path, 0, NULL, 0, KEY_ALL_ACCESS, NULL, &k, NULL);
        if (e != ERROR_SUCCESS)
                return -EACCES;
        snprintf(version, sizeof(version), "%lu.%lu.0.0", (unsigned long) a->version_major,
                 (unsigned long) a->version_minor);
        e = set_sz(k, L"ComponentId", a->component_id);
        if (e == ERROR_SUCCESS)
                e = set_sz(k, L"MatchingDeviceId", a->component_id);
        if (e == ERROR_SUCCESS)
                e = set_sz(k, L"NetCfgInstanceId", a->guid);
        if (e == ERROR_SUCCESS)
                e = set_sz(k, L"DriverDesc", "TAP-Windows Adapter V9");
        if (e == ERROR_SUCCESS)
                e = set_sz(k, L"DriverVersion", version);
        if (e == ERROR_SUCCESS && c->network_address)
                e = set_sz(k, L"NetworkAddress", c->network_address);
        if (e == ERROR_SUCCESS && c->mtu)
                e = set_sz(k, L"MTU", c->mtu);
        if (e == ERROR_SUCCESS && c->media_status >= 0) {
                snprintf(media, sizeof(media), "%d", c->media_status);
                e = set_sz(k, L"MediaStatus", media);
        }
        RegCloseKey(k);
        return e == ERROR_SUCCESS ? 0 : -EIO;
}

/* Every subkey the wine tests own (WIN_MODEL_SUBKEY_FIRST..LAST): what a
 * test program killed half-way, or another test's fakes, left behind in
 * the private prefix. */
void model_registry_delete_test_subkeys(void) {
        wchar_t path[128];

        if (!model_registry_allowed())
                return;
        for (unsigned s = WIN_MODEL_SUBKEY_FIRST; s <= WIN_MODEL_SUBKEY_LAST; s++) {
                subkey_path(s, path);
                (void) RegDeleteTreeW(HKEY_LOCAL_MACHINE, path);
        }
}

void model_registry_delete_adapter(const ModelAdapter *a) {
        wchar_t path[128];

        subkey_path(a->subkey, path);
        (void) RegDeleteTreeW(HKEY_LOCAL_MACHINE, path);
}

/* NdisReadConfiguration with NdisParameterInteger reads a REG_DWORD, or
 * a REG_SZ holding a number (what the INF writes). */
static bool read_int(HKEY k, const wchar_t *name, unsigned long *ret) {
        wchar_t w[32];
        DWORD type, size = sizeof(w);
        wchar_t *end;

        if (RegQueryValueExW(k, name, NULL, &type, (BYTE *) w, &size) != ERROR_SUCCESS)
                return false;
        if (type == REG_DWORD && size == 4) {
                DWORD d;

                memcpy(&d, w, 4);
                *ret = d;
                return true;
        }
        if (type != REG_SZ || size < sizeof(wchar_t))
                return false;
        w[MIN(size / sizeof(wchar_t), ELEMENTSOF(w) - 1)] = L'\0';
        *ret = wcstoul(w, &end, 10);
        return end != w && *end == L'\0';
}

static int hexval(wchar_t c) {
        if (c >= L'0' && c <= L'9')
                return c - L'0';
        if (c >= L'a' && c <= L'f')
                return c - L'a' + 10;
        if (c >= L'A' && c <= L'F')
                return c - L'A' + 10;
        return -1;
}

/* NdisReadNetworkAddress gives 6 bytes for a string of 12 hex digits;
 * tapReadCurrentAddress (adapter.c:160-201) refuses multicast, broadcast
 * and universally administered addresses and then keeps the permanent
 * one. */
static bool read_network_address(HKEY k, uint8_t mac[6]) {
        wchar_t w[32];
        DWORD type, size = sizeof(w) - sizeof(wchar_t);
        uint8_t m[6];

        memset(w, 0, sizeof(w));
        if (RegQueryValueExW(k, L"NetworkAddress", NULL, &type, (BYTE *) w, &size) != ERROR_SUCCESS ||
            type != REG_SZ || wcslen(w) != 12)
                return false;
        for (size_t i = 0; i < 6; i++) {
                int hi = hexval(w[2 * i]), lo = hexval(w[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return false;
                m[i] = (uint8_t) (hi << 4 | lo);
        }
        if ((m[0] & 0x01) || !(m[0] & 0x02))
                return false;
        memcpy(mac, m, 6);
        return true;
}

/* GenerateRandomMac (macinfo.c:112-153): 00:FF and the first four bytes
 * of hex digits after the '{' of NetCfgInstanceId. */
static void permanent_mac(const char *instance, uint8_t mac[6]) {
        bool brace = false, high = false;
        unsigned byte = 0;
        size_t i = 2;

        memset(mac, 0, 6);
        mac[1] = 0xff;
        for (const char *p = instance; *p && i < 6; p++) {
                int d = hexval((unsigned char) *p);

                if (*p == '{')
                        brace = true;
                if (d < 0 || !brace)
                        continue;
                if (high) {
                        mac[i++] = (uint8_t) (byte << 4 | (unsigned) d);
                        high = false;
                } else {
                        byte = (unsigned) d;
                        high = true;
                }
        }
}

/* tapReadConfiguration (adapter.c:204-458) at MiniportInitialize only:
 * MTU 0 means 1500 and is clamped to 576..65536 (331-354); MediaStatus
 * nonzero means "always connected" (361-393, default application
 * controlled and disconnected, 217-220). */
void model_registry_read_config(const ModelAdapter *a, ModelTapCtx *c) {
        HKEY k = model_registry_open(a, KEY_READ);
        unsigned long v;

        c->mtu = ETHERNET_MTU;
        c->always_connected = false;
        c->media = 0;
        permanent_mac(a->guid, c->permanent_mac);
        memcpy(c->mac, c->permanent_mac, 6);
        if (!k)
                return;
        if (read_int(k, L"MTU", &v)) {
                if (v == 0)
                        v = ETHERNET_MTU;
                c->mtu = (ULONG) MIN(MAX(v, (unsigned long) MINIMUM_MTU), (unsigned long) MAXIMUM_MTU);
        }
        if (read_int(k, L"MediaStatus", &v) && v != 0) {
                c->always_connected = true;
                c->media = 1;
        }
        (void) read_network_address(k, c->mac);
        RegCloseKey(k);
}
