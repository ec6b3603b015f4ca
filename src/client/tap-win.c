/* SPDX-License-Identifier: MIT */
/* The Windows TAP backend: a TAP-Windows6 adapter (OpenVPN's tap0901
 * driver), which must be installed beforehand; we pick one, give it our
 * MAC through its NetworkAddress property, and exchange frames with its
 * device node through overlapped I/O (tap-win-io.c). Unlike a Linux TAP
 * the adapter outlives us, so whatever we change on it is put back on
 * close. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <winsock2.h>
#include <ws2ipdef.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <setupapi.h>
#include <winioctl.h>

#include "frame-device.h"
#include "log.h"
#include "platform-win.h"
#include "tap-win-io.h"
#include "tap-win-ioctl.h"
#include "tap-win-registry.h"
#include "tap-win.h"
#include "win-handle.h"
#include "win-sys.h"

_Static_assert(TAP_WIN_IOCTL_GET_MAC == CTL_CODE(FILE_DEVICE_UNKNOWN, 1, METHOD_BUFFERED, FILE_ANY_ACCESS),
               "TAP_WIN_IOCTL_GET_MAC");
_Static_assert(TAP_WIN_IOCTL_GET_VERSION == CTL_CODE(FILE_DEVICE_UNKNOWN, 2, METHOD_BUFFERED, FILE_ANY_ACCESS),
               "TAP_WIN_IOCTL_GET_VERSION");
_Static_assert(TAP_WIN_IOCTL_GET_MTU == CTL_CODE(FILE_DEVICE_UNKNOWN, 3, METHOD_BUFFERED, FILE_ANY_ACCESS),
               "TAP_WIN_IOCTL_GET_MTU");
_Static_assert(TAP_WIN_IOCTL_SET_MEDIA_STATUS == CTL_CODE(FILE_DEVICE_UNKNOWN, 6, METHOD_BUFFERED, FILE_ANY_ACCESS),
               "TAP_WIN_IOCTL_SET_MEDIA_STATUS");

#define TAP_WIN_REG_VALUE_MAX 256
/* After a restart the device node takes a moment to come back. */
#define TAP_WIN_REOPEN_TRIES 20
#define TAP_WIN_REOPEN_DELAY_MS 250

#define TAP_WIN_NO_ADAPTER_MESSAGE \
        "no TAP-Windows6 adapter found (install TAP-Windows6 from the OpenVPN project, hardware id tap0901)"

#define log_tap_errno(level, error, ifname, ...) \
        log_fields_errno(level, error, LOG_FIELDS({ "INTERFACE", ifname }), __VA_ARGS__)

typedef struct TapWinState {
        HANDLE device;
        bool io_ready;
        TapWinIo io;
        char instance_id[TAP_WIN_GUID_STR_MAX];
        char name[FRAME_DEVICE_NAME_MAX];
        NET_LUID luid;
        bool link_up;
        /* The MTU the interface should have, applied when the link comes
         * up (or at once while it is up). Not at open: the interface's
         * settings outlive us, and route-win.c records them before the
         * first change so a crashed run's are put back (the RouteManager
         * records the TAP right after open, before any link up). */
        uint32_t mtu;
        bool mtu_applied;
        bool loss_logged;
} TapWinState;

typedef struct TapWinFound {
        TapWinAdapter adapter;
        wchar_t subkey[16];
} TapWinFound;

static const GUID net_class_guid = { 0x4d36e972, 0xe325, 0x11ce, { 0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18 } };

static const char *mac_format(const MacAddr *mac, char buf[static LP_MAC_STR_MAX]) {
        snprintf(buf, LP_MAC_STR_MAX, "%02x:%02x:%02x:%02x:%02x:%02x", mac->bytes[0], mac->bytes[1], mac->bytes[2],
                 mac->bytes[3], mac->bytes[4], mac->bytes[5]);
        return buf;
}

static void reg_closep(HKEY *k) {
        if (*k)
                RegCloseKey(*k);
}

/* A REG_SZ as UTF-8. -ENOENT when absent. */
static int reg_get_string(HKEY key, const wchar_t *name, char *buf, size_t size) {
        wchar_t w[TAP_WIN_REG_VALUE_MAX];
        DWORD len = sizeof(w);
        LSTATUS e;

        e = RegGetValueW(key, NULL, name, RRF_RT_REG_SZ, NULL, w, &len);
        if (e != ERROR_SUCCESS)
                return errno_from_win32((unsigned long) e);
        return wide_to_utf8(w, buf, size);
}

static int guid_from_string(const char *s, GUID *ret) {
        TapWinGuid g;
        int r;

        r = tap_win_guid_parse(s, &g);
        if (r < 0)
                return r;
        *ret = (GUID) { .Data1 = g.data1, .Data2 = g.data2, .Data3 = g.data3 };
        memcpy(ret->Data4, g.data4, sizeof(ret->Data4));
        return 0;
}

/* The connection name Windows shows ("Ethernet 3"), "" if there is none. */
static void adapter_fill_alias(TapWinAdapter *a) {
        wchar_t alias[IF_MAX_STRING_SIZE + 1];
        NET_LUID luid;
        GUID guid;

        a->alias[0] = '\0';
        if (guid_from_string(a->instance_id, &guid) < 0 || win_sys->ConvertInterfaceGuidToLuid(&guid, &luid) != NO_ERROR)
                return;
        if (win_sys->ConvertInterfaceLuidToAlias(&luid, alias, ELEMENTSOF(alias)) != NO_ERROR)
                return;
        if (wide_to_utf8(alias, a->alias, sizeof(a->alias)) < 0)
                a->alias[0] = '\0';
}

/* The one walk over the network class key, for frame_device_open() and
 * tap_win_adapters_list() alike. `warn` says whether skipped entries are
 * worth a warning: opening warns, listing is quiet (its caller opens right
 * after, or only prints the list). Errors are returned, not logged, so
 * each caller says them in its own words. */
static int adapters_find(TapWinFound *found, size_t max, bool warn, size_t *ret_n) {
        static const wchar_t class_path[] = L"" TAP_WIN_ADAPTER_CLASS_KEY;
        _cleanup_(reg_closep) HKEY class_key = NULL;
        size_t n = 0;
        LSTATUS e;
        int r;

        *ret_n = 0;
        e = RegOpenKeyExW(HKEY_LOCAL_MACHINE, class_path, 0, KEY_READ, &class_key);
        if (e == ERROR_FILE_NOT_FOUND)
                return 0;
        if (e != ERROR_SUCCESS)
                return errno_from_win32((unsigned long) e);

        for (DWORD i = 0;; i++) {
                _cleanup_(reg_closep) HKEY key = NULL;
                char subkey[16], component[TAP_WIN_REG_VALUE_MAX], instance[TAP_WIN_REG_VALUE_MAX];
                wchar_t wsubkey[16];
                DWORD len = ELEMENTSOF(wsubkey);
                TapWinAdapter a;

                e = RegEnumKeyExW(class_key, i, wsubkey, &len, NULL, NULL, NULL, NULL);
                if (e == ERROR_NO_MORE_ITEMS)
                        break;
                /* Longer names are not adapters. */
                if (e == ERROR_MORE_DATA)
                        continue;
                if (e != ERROR_SUCCESS)
                        return errno_from_win32((unsigned long) e);
                if (wide_to_utf8(wsubkey, subkey, sizeof(subkey)) < 0 || !tap_win_class_subkey_is_adapter(subkey))
                        continue;
                if (RegOpenKeyExW(class_key, wsubkey, 0, KEY_READ, &key) != ERROR_SUCCESS)
                        continue;
                if (reg_get_string(key, L"ComponentId", component, sizeof(component)) < 0)
                        continue;
                if (reg_get_string(key, L"NetCfgInstanceId", instance, sizeof(instance)) < 0)
                        instance[0] = '\0';

                r = tap_win_adapter_from_registry(component, instance, &a);
                if (r == -EBADMSG) {
                        if (warn)
                                log_warning("TAP-Windows6 adapter in registry key %s has no valid NetCfgInstanceId "
                                            "(half installed?), ignoring.",
                                            subkey);
                        continue;
                }
                if (r <= 0)
                        continue;
                if (n >= max) {
                        if (warn)
                                log_warning("More than %zu TAP-Windows6 adapters, ignoring the rest.", max);
                        break;
                }
                adapter_fill_alias(&a);
                found[n].adapter = a;
                memcpy(found[n].subkey, wsubkey, sizeof(wsubkey));
                n++;
        }
        *ret_n = n;
        return 0;
}

int tap_win_adapters_list(TapWinAdapter *adapters, size_t max, size_t *ret_n) {
        TapWinFound found[TAP_WIN_ADAPTERS_MAX];
        size_t n = 0;
        int r;

        *ret_n = 0;
        r = adapters_find(found, MIN(max, ELEMENTSOF(found)), false, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                adapters[i] = found[i].adapter;
        *ret_n = n;
        return 0;
}

/* "name {GUID}, name {GUID}" for messages. */
static const char *adapters_list(const TapWinFound *found, size_t n, char *buf, size_t size) {
        size_t o = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n && o < size; i++) {
                const TapWinAdapter *a = &found[i].adapter;
                int k = snprintf(buf + o, size - o, "%s%s%s%s%s", i > 0 ? ", " : "", a->alias[0] ? "\"" : "",
                                 a->alias, a->alias[0] ? "\" " : "", a->instance_id);
                if (k < 0)
                        break;
                o += (size_t) k;
        }
        return buf;
}

static int adapter_pick(const char *name_hint, TapWinFound *ret) {
        TapWinFound found[TAP_WIN_ADAPTERS_MAX];
        TapWinAdapter adapters[TAP_WIN_ADAPTERS_MAX];
        char list[1024];
        size_t n = 0, i = 0;
        int r;

        r = adapters_find(found, ELEMENTSOF(found), true, &n);
        if (r < 0)
                return log_error_errno(r, "Cannot list network adapters: %m");
        for (size_t k = 0; k < n; k++)
                adapters[k] = found[k].adapter;

        r = tap_win_adapter_choose(adapters, n, name_hint, &i);
        switch (r) {
        case 0:
                *ret = found[i];
                return 0;
        case -ENODEV:
                return log_tap_errno(LOG_ERR, ENODEV, name_hint, TAP_WIN_NO_ADAPTER_MESSAGE);
        case -EDESTADDRREQ:
                return log_tap_errno(LOG_ERR, EDESTADDRREQ, name_hint,
                                     "Several TAP-Windows6 adapters exist (%s); say which one to use, by its "
                                     "connection name or GUID.",
                                     adapters_list(found, n, list, sizeof(list)));
        case -ENXIO:
                return log_tap_errno(LOG_ERR, ENXIO, name_hint,
                                     "No TAP-Windows6 adapter is called \"%s\"; there are: %s.", name_hint,
                                     adapters_list(found, n, list, sizeof(list)));
        default:
                return log_tap_errno(LOG_ERR, r, name_hint, "Cannot choose a TAP-Windows6 adapter: %m");
        }
}

/* Returns 1 when the value was written (the driver reads it when the
 * adapter starts), 0 when it was right already. */
static int adapter_set_network_address(const TapWinFound *a, const char *ifname, const MacAddr *mac) {
        _cleanup_(reg_closep) HKEY key = NULL;
        wchar_t path[256], wvalue[TAP_WIN_NETWORK_ADDRESS_STR_MAX];
        char value[TAP_WIN_REG_VALUE_MAX], want[TAP_WIN_NETWORK_ADDRESS_STR_MAX];
        bool had_value;
        LSTATUS e;
        int r;

        if (_snwprintf(path, ELEMENTSOF(path), L"%hs\\%ls", TAP_WIN_ADAPTER_CLASS_KEY, a->subkey) < 0)
                return -ENAMETOOLONG;
        path[ELEMENTSOF(path) - 1] = L'\0';

        e = RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_QUERY_VALUE | KEY_SET_VALUE, &key);
        if (e == ERROR_ACCESS_DENIED) {
                /* Reading works for anyone; maybe there is nothing to write. */
                e = RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_QUERY_VALUE, &key);
                if (e == ERROR_SUCCESS && reg_get_string(key, L"NetworkAddress", value, sizeof(value)) >= 0 &&
                    !tap_win_network_address_needs_write(value, mac))
                        return 0;
                return log_tap_errno(LOG_ERR, EACCES, ifname,
                                     "Giving adapter %s its MAC needs administrator rights; run the client as "
                                     "administrator.",
                                     ifname);
        }
        if (e != ERROR_SUCCESS)
                return log_tap_errno(LOG_ERR, errno_from_win32((unsigned long) e), ifname,
                                     "Cannot open the registry key of adapter %s: %m", ifname);

        had_value = reg_get_string(key, L"NetworkAddress", value, sizeof(value)) >= 0;
        if (had_value && !tap_win_network_address_needs_write(value, mac))
                return 0;

        tap_win_network_address_format(mac, want);
        r = utf8_to_wide(want, wvalue, ELEMENTSOF(wvalue));
        if (r < 0)
                return r;
        e = RegSetValueExW(key, L"NetworkAddress", 0, REG_SZ, (const BYTE *) wvalue, (DWORD) sizeof(wvalue));
        if (e != ERROR_SUCCESS)
                return log_tap_errno(LOG_ERR, errno_from_win32((unsigned long) e), ifname,
                                     "Cannot set NetworkAddress of adapter %s: %m", ifname);
        log_tap_errno(LOG_INFO, 0, ifname, "Set NetworkAddress of adapter %s to %s (was %s).", ifname, want,
                      had_value ? value : "unset");
        return 1;
}

static void devinfo_destroyp(HDEVINFO *d) {
        if (*d != INVALID_HANDLE_VALUE)
                win_sys->SetupDiDestroyDeviceInfoList(*d);
}

/* What "Disable" then "Enable" in the adapter's menu does, so the driver
 * reads NetworkAddress again. Returns 0, -EAGAIN when Windows wants a
 * reboot for it, or the error. */
static int adapter_restart(const char *instance_id, const char *ifname) {
        _cleanup_(devinfo_destroyp) HDEVINFO devs = INVALID_HANDLE_VALUE;
        SP_DEVINFO_DATA info = { .cbSize = sizeof(info) };

        devs = win_sys->SetupDiGetClassDevsW(&net_class_guid, NULL, NULL, DIGCF_PRESENT);
        if (devs == INVALID_HANDLE_VALUE)
                return errno_from_win32(GetLastError());

        for (DWORD i = 0; win_sys->SetupDiEnumDeviceInfo(devs, i, &info); i++) {
                _cleanup_(reg_closep) HKEY key = NULL;
                SP_PROPCHANGE_PARAMS pc = {
                        .ClassInstallHeader = { .cbSize = sizeof(SP_CLASSINSTALL_HEADER),
                                                .InstallFunction = DIF_PROPERTYCHANGE },
                        .StateChange = DICS_PROPCHANGE,
                        .Scope = DICS_FLAG_CONFIGSPECIFIC,
                        .HwProfile = 0,
                };
                SP_DEVINSTALL_PARAMS_W params = { .cbSize = sizeof(params) };
                char instance[TAP_WIN_REG_VALUE_MAX];

                key = win_sys->SetupDiOpenDevRegKey(devs, &info, DICS_FLAG_GLOBAL, 0, DIREG_DRV, KEY_QUERY_VALUE);
                if (key == INVALID_HANDLE_VALUE) {
                        key = NULL;
                        continue;
                }
                if (reg_get_string(key, L"NetCfgInstanceId", instance, sizeof(instance)) < 0 ||
                    !tap_win_guid_equal(instance, instance_id))
                        continue;

                if (!win_sys->SetupDiSetClassInstallParamsW(devs, &info, &pc.ClassInstallHeader, sizeof(pc)) ||
                    !win_sys->SetupDiCallClassInstaller(DIF_PROPERTYCHANGE, devs, &info))
                        return log_tap_errno(LOG_WARNING, errno_from_win32(GetLastError()), ifname,
                                             "Cannot restart adapter %s: %m", ifname);
                if (win_sys->SetupDiGetDeviceInstallParamsW(devs, &info, &params) &&
                    (params.Flags & (DI_NEEDREBOOT | DI_NEEDRESTART)))
                        return -EAGAIN;
                log_tap_errno(LOG_INFO, 0, ifname, "Restarted adapter %s to apply its new MAC.", ifname);
                return 0;
        }
        return -ENODEV;
}

/* DeviceIoControl on an overlapped handle needs an OVERLAPPED; the TAP
 * driver completes these at once, so waiting costs nothing. Buffered
 * requests get the same buffer in and out, as the driver insists on both. */
static int device_ioctl(HANDLE device, DWORD code, void *buf, DWORD size, DWORD *ret_len) {
        _cleanup_(handle_closep) HANDLE event = INVALID_HANDLE_VALUE;
        OVERLAPPED ov = {};
        DWORD n = 0;

        event = CreateEventW(NULL, TRUE, FALSE, NULL);
        if (!event) {
                event = INVALID_HANDLE_VALUE;
                return errno_from_win32(GetLastError());
        }
        ov.hEvent = event;
        if (!win_sys->DeviceIoControl(device, code, buf, size, buf, size, &n, &ov)) {
                if (GetLastError() != ERROR_IO_PENDING)
                        return errno_from_win32(GetLastError());
                if (!win_sys->GetOverlappedResult(device, &ov, &n, TRUE))
                        return errno_from_win32(GetLastError());
        }
        if (ret_len)
                *ret_len = n;
        return 0;
}

static int tap_set_media(TapWinState *s, bool connected) {
        ULONG status = connected;
        int r;

        r = device_ioctl(s->device, TAP_WIN_IOCTL_SET_MEDIA_STATUS, &status, sizeof(status), NULL);
        if (r < 0)
                return log_tap_errno(LOG_ERR, r, s->name, "Failed to set media status of %s %s: %m", s->name,
                                     connected ? "connected" : "disconnected");
        log_tap_errno(LOG_DEBUG, 0, s->name, "Media of %s %s.", s->name, connected ? "connected" : "disconnected");
        return 0;
}

static int tap_apply_mtu(TapWinState *s);

/* Connect the media first, then queue the read: TAP-Windows6 cancels
 * every read while the media is disconnected (TapDeviceRead, txpath.c).
 * Going down, stop reading first, then disconnect. OpenVPN does the same
 * (tun.c, tuntap_set_connected() before its first read). */
static int tap_set_link(void *state, bool up) {
        TapWinState *s = state;
        int r;

        if (!up) {
                tap_win_io_set_link(&s->io, false);
                s->link_up = false;
                return tap_set_media(s, false);
        }
        /* Before the carrier: nothing Windows sends on the new link may be
         * sized for the old MTU. */
        r = tap_apply_mtu(s);
        if (r < 0)
                log_tap_errno(LOG_WARNING, r, s->name, "Connecting %s with its old MTU.", s->name);
        r = tap_set_media(s, true);
        if (r < 0)
                return r;
        s->link_up = true;
        tap_win_io_set_link(&s->io, true);
        return 0;
}

static int ip_interface_set_mtu(TapWinState *s, ADDRESS_FAMILY family, ULONG mtu) {
        MIB_IPINTERFACE_ROW row;
        DWORD e;

        /* GetIpInterfaceEntry() fills in everything but the key. */
        row = (MIB_IPINTERFACE_ROW) {};
        row.Family = family;
        row.InterfaceLuid = s->luid;
        e = win_sys->GetIpInterfaceEntry(&row);
        if (e != NO_ERROR)
                return errno_from_win32(e);
        if (row.NlMtu == mtu)
                return 0;
        row.NlMtu = mtu;
        /* Set rejects the row as read when it carries SitePrefixLength
         * for IPv4 (documented quirk of SetIpInterfaceEntry). */
        if (family == AF_INET)
                row.SitePrefixLength = 0;
        e = win_sys->SetIpInterfaceEntry(&row);
        return errno_from_win32(e);
}

static int tap_apply_mtu(TapWinState *s) {
        static const ADDRESS_FAMILY families[2] = { AF_INET, AF_INET6 };
        int r;

        if (s->mtu_applied)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                r = ip_interface_set_mtu(s, families[i], s->mtu);
                if (r < 0 && families[i] == AF_INET)
                        return log_tap_errno(LOG_ERR, r, s->name, "Failed to set IPv4 MTU of %s to %" PRIu32 ": %m",
                                             s->name, s->mtu);
                /* IPv6 may be unbound from the adapter, and needs 1280 at least. */
                if (r < 0)
                        log_tap_errno(LOG_DEBUG, r, s->name, "Cannot set IPv6 MTU of %s to %" PRIu32 ", ignoring: %m",
                                      s->name, s->mtu);
        }
        s->mtu_applied = true;
        log_tap_errno(LOG_DEBUG, 0, s->name, "MTU of %s set to %" PRIu32 ".", s->name, s->mtu);
        return 0;
}

static int tap_set_mtu(void *state, uint32_t mtu) {
        TapWinState *s = state;

        if (s->mtu != mtu)
                s->mtu_applied = false;
        s->mtu = mtu;
        return s->link_up ? tap_apply_mtu(s) : 0;
}

static void tap_close(void *state) {
        TapWinState *s = state;

        if (s->device == INVALID_HANDLE_VALUE || !s->device)
                return;
        /* Windows drops the TAP's DHCP lease and routes as the link goes.
         * Its MTU is route-win.c's to restore, with the other interface
         * settings it recorded. */
        if (s->io_ready)
                tap_win_io_set_link(&s->io, false);
        (void) tap_set_media(s, false);
        if (s->io_ready)
                tap_win_io_done(&s->io);
        s->io_ready = false;
        win_sys->CloseHandle(s->device);
        s->device = INVALID_HANDLE_VALUE;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(TapWinState *, tap_close);

static int device_open(TapWinState *s, bool restarted) {
        wchar_t wpath[TAP_WIN_DEVICE_PATH_MAX];
        char path[TAP_WIN_DEVICE_PATH_MAX];
        DWORD e = ERROR_SUCCESS;
        int r;

        r = tap_win_device_path(s->instance_id, path, sizeof(path));
        if (r < 0)
                return r;
        r = utf8_to_wide(path, wpath, ELEMENTSOF(wpath));
        if (r < 0)
                return r;

        for (unsigned try = 0; try < (restarted ? TAP_WIN_REOPEN_TRIES : 1); try++) {
                if (try > 0)
                        Sleep(TAP_WIN_REOPEN_DELAY_MS);
                s->device = win_sys->CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                                        FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED, NULL);
                if (s->device != INVALID_HANDLE_VALUE)
                        return 0;
                e = GetLastError();
                if (e != ERROR_FILE_NOT_FOUND && e != ERROR_PATH_NOT_FOUND)
                        break;
        }

        switch (e) {
        case ERROR_FILE_NOT_FOUND:
        case ERROR_PATH_NOT_FOUND:
                return log_tap_errno(LOG_ERR, ENODEV, s->name,
                                     "Adapter %s is disabled; enable it in Network Connections.", s->name);
        case ERROR_ACCESS_DENIED:
        case ERROR_SHARING_VIOLATION:
        case ERROR_GEN_FAILURE:
                return log_tap_errno(LOG_ERR, EBUSY, s->name,
                                     "Adapter %s is in use by another program (OpenVPN?); close it or pick "
                                     "another adapter.",
                                     s->name);
        default:
                return log_tap_errno(LOG_ERR, errno_from_win32(e), s->name, "Cannot open %s: %m", path);
        }
}

/* What OpenVPN does before using an adapter (tun.c asks GET_VERSION and
 * refuses drivers below its minimum), with tap-windows6's first version
 * as ours: the driver this client is written and tested against. */
static int tap_check_version(TapWinState *s, ULONG version[static 3]) {
        DWORD n = 0;
        int r;

        r = device_ioctl(s->device, TAP_WIN_IOCTL_GET_VERSION, version, 3 * sizeof(ULONG), &n);
        if (r < 0 || n < 2 * sizeof(ULONG))
                return log_tap_errno(LOG_ERR, r < 0 ? r : -EIO, s->name,
                                     "Cannot ask adapter %s for its driver version: %m", s->name);
        if (!tap_win_driver_version_is_supported(version[0], version[1]))
                return log_tap_errno(LOG_ERR, EPROTONOSUPPORT, s->name,
                                     "Adapter %s runs TAP-Windows driver %lu.%lu, older than %d.%d, which lanparty "
                                     "needs. Install the current TAP-Windows6 (https://github.com/OpenVPN/tap-windows6/"
                                     "releases, or the one in OpenVPN's installer), then start again.",
                                     s->name, (unsigned long) version[0], (unsigned long) version[1],
                                     TAP_WIN_DRIVER_MIN_MAJOR, TAP_WIN_DRIVER_MIN_MINOR);
        return 0;
}

static int tap_open(void *state, const char *name_hint, const MacAddr *mac, uint32_t mtu, char *name,
                    size_t name_size, uint32_t *ret_index) {
        _cleanup_(tap_closep) TapWinState *s = NULL;
        char want[LP_MAC_STR_MAX], have[LP_MAC_STR_MAX];
        TapWinFound found;
        MacAddr driver_mac;
        NET_IFINDEX index = 0;
        GUID guid;
        ULONG driver_mtu = 0, version[3] = {};
        DWORD n = 0;
        bool restarted = false;
        int r;

        ((TapWinState *) state)->device = INVALID_HANDLE_VALUE;
        if (name_hint && name_hint[0] == '\0')
                name_hint = NULL;

        r = adapter_pick(name_hint, &found);
        if (r < 0)
                return r;
        s = state;
        memcpy(s->instance_id, found.adapter.instance_id, sizeof(s->instance_id));
        snprintf(s->name, sizeof(s->name), "%s",
                 found.adapter.alias[0] ? found.adapter.alias : found.adapter.instance_id);

        mac_format(mac, want);
        r = adapter_set_network_address(&found, s->name, mac);
        if (r < 0)
                return r;
        if (r > 0) {
                r = adapter_restart(s->instance_id, s->name);
                restarted = r >= 0;
                if (r == -EAGAIN)
                        log_tap_errno(LOG_WARNING, 0, s->name, "Windows needs a reboot to restart adapter %s.",
                                      s->name);
        }

        for (;;) {
                r = device_open(s, restarted);
                if (r < 0)
                        return r;

                /* A crashed run may have left the media connected; the OS must
                 * see the link drop so it forgets that run's lease and routes. */
                r = tap_set_media(s, false);
                if (r < 0)
                        return r;

                r = tap_check_version(s, version);
                if (r < 0)
                        return r;

                r = device_ioctl(s->device, TAP_WIN_IOCTL_GET_MAC, driver_mac.bytes, sizeof(driver_mac.bytes), &n);
                if (r < 0 || n != LP_MAC_LEN)
                        return log_tap_errno(LOG_ERR, r < 0 ? r : -EIO, s->name,
                                             "Cannot read the MAC of adapter %s: %m", s->name);
                if (memcmp(driver_mac.bytes, mac->bytes, LP_MAC_LEN) == 0 || restarted)
                        break;

                /* The value was right but never applied (set by hand, or a
                 * restart that failed last time): restart once, with our
                 * handle closed so the driver can unload. */
                win_sys->CloseHandle(s->device);
                s->device = INVALID_HANDLE_VALUE;
                r = adapter_restart(s->instance_id, s->name);
                if (r < 0)
                        break;
                restarted = true;
        }
        if (s->device == INVALID_HANDLE_VALUE || memcmp(driver_mac.bytes, mac->bytes, LP_MAC_LEN) != 0)
                return log_tap_errno(LOG_ERR, EADDRNOTAVAIL, s->name,
                                     "Adapter %s still uses MAC %s instead of %s. Disable and enable it in Network "
                                     "Connections (or reboot) and start again.",
                                     s->name, mac_format(&driver_mac, have), want);

        if (device_ioctl(s->device, TAP_WIN_IOCTL_GET_MTU, &driver_mtu, sizeof(driver_mtu), &n) >= 0 &&
            n == sizeof(driver_mtu) && driver_mtu < mtu)
                /* The driver drops frames longer than its own MTU. */
                log_tap_errno(LOG_WARNING, 0, s->name,
                              "Adapter %s's driver MTU is %lu, below %" PRIu32 "; set its \"MTU\" property to 1500.",
                              s->name, (unsigned long) driver_mtu, mtu);

        r = guid_from_string(s->instance_id, &guid);
        if (r < 0)
                return r;
        r = errno_from_win32(win_sys->ConvertInterfaceGuidToLuid(&guid, &s->luid));
        if (r >= 0)
                r = errno_from_win32(win_sys->ConvertInterfaceLuidToIndex(&s->luid, &index));
        if (r < 0)
                return log_tap_errno(LOG_ERR, r, s->name, "Cannot find the interface of adapter %s: %m", s->name);

        /* No read yet and the media left disconnected: the driver would
         * cancel the read (TapDeviceRead, txpath.c). tap_set_link() connects
         * the media and then starts reading, once we are in the room. */
        r = tap_win_io_init(&s->io, s->device);
        if (r < 0)
                return log_tap_errno(LOG_ERR, r, s->name, "Cannot set up reading from %s: %m", s->name);
        s->io_ready = true;
        s->mtu = mtu;
        s->mtu_applied = false;

        snprintf(name, name_size, "%s", s->name);
        *ret_index = index;
        log_tap_errno(LOG_INFO, 0, s->name,
                      "TAP-Windows6 adapter %s (%s), driver %lu.%lu, is ready with MAC %s (media disconnected until we "
                      "are in the room).",
                      s->name, s->instance_id, (unsigned long) version[0], (unsigned long) version[1], want);
        TAKE_PTR(s);
        return 0;
}

static int tap_read(void *state, uint8_t *buf, size_t size) {
        TapWinState *s = state;
        int r;

        r = tap_win_io_read(&s->io, buf, size);
        /* Said once: the event is withdrawn after this. */
        if (r == -ENODEV && tap_win_io_get_event(&s->io) == NULL && !s->loss_logged) {
                s->loss_logged = true;
                log_tap_errno(LOG_ERR, ENODEV, s->name,
                              "Adapter %s stopped working (Windows error %lu): was it disabled or removed?", s->name,
                              s->io.win32_error);
        }
        return r;
}

static int tap_write(void *state, const uint8_t *frame, size_t len) {
        TapWinState *s = state;

        return tap_win_io_write(&s->io, frame, len);
}

static FrameDeviceWaitable tap_get_waitable(const void *state) {
        const TapWinState *s = state;

        return (FrameDeviceWaitable) { .fd = -EBADF, .handle = tap_win_io_get_event(&s->io) };
}

const FrameDeviceBackend frame_device_backend_tap = {
        .type = FRAME_DEVICE_TAP,
        .state_size = sizeof(TapWinState),
        .open = tap_open,
        .close = tap_close,
        .read = tap_read,
        .write = tap_write,
        .set_mtu = tap_set_mtu,
        .set_link = tap_set_link,
        .get_waitable = tap_get_waitable,
};
