/* SPDX-License-Identifier: MIT */
/* route-win.c, unchanged, against the model of Windows' IP stack
 * (tests/win-model/): the TAP's interface settings recorded before they
 * change and put back, also after a crash; a default route on the TAP
 * removed the moment Windows adds it; games' limited broadcasts leaving
 * through the TAP by Windows' rule. Under wine in a private prefix only
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
#include "route.h"
#include "test-util.h"
#include "win-model.h"
#include "win-sys.h"

#define GUID_A "{0A1B2C3D-4E5F-6789-ABCD-EF0123456789}"

static const MacAddr mac = { { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 } };
static char dir[MAX_PATH];

static bool registry_allowed(void) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
        const char *p = getenv("LANPARTY_WINE_PRIVATE");

        return ntdll && GetProcAddress(ntdll, "wine_get_version") && p && strcmp(p, "1") == 0;
}

static void machine(void) {
        WinModelAdapterConfig c = {
                .guid = GUID_A,
                .subkey = 9990,
                .alias = "LAN Party",
                .network_address = "021122334455",
                .media_status = -1,
        };

        CHECK_EQ_INT(win_model_reset(true), 0);
        CHECK_EQ_INT(win_model_adapter_add(&c), 0);
        win_model_log_mark();
}

static WinModelAdapterState adapter(void) {
        WinModelAdapterState st;

        CHECK_EQ_INT(win_model_adapter_state(GUID_A, &st), 0);
        return st;
}

static MIB_IPINTERFACE_ROW iface(ADDRESS_FAMILY family) {
        MIB_IPINTERFACE_ROW row = { .Family = family, .InterfaceLuid = adapter().luid };

        CHECK(win_sys->GetIpInterfaceEntry(&row) == NO_ERROR);
        return row;
}

/* What another program, or a Windows that ignores DisableDefaultRoutes,
 * would do: an MTU or a route of its own on the TAP. */
static void iface_set_mtu(ADDRESS_FAMILY family, ULONG mtu) {
        MIB_IPINTERFACE_ROW row = iface(family);

        row.NlMtu = mtu;
        if (family == AF_INET)
                row.SitePrefixLength = 0;
        CHECK(win_sys->SetIpInterfaceEntry(&row) == NO_ERROR);
}

static void default_route_on_tap(ADDRESS_FAMILY family, MIB_IPFORWARD_ROW2 *ret) {
        MIB_IPFORWARD_ROW2 row;

        win_sys->InitializeIpForwardEntry(&row);
        row.InterfaceLuid = adapter().luid;
        row.DestinationPrefix.Prefix.si_family = family;
        row.DestinationPrefix.PrefixLength = 0;
        if (family == AF_INET) {
                row.NextHop.Ipv4.sin_family = AF_INET;
                row.NextHop.Ipv4.sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1 */
        } else {
                row.NextHop.Ipv6.sin6_family = AF_INET6;
                row.NextHop.Ipv6.sin6_addr.s6_addr[0] = 0xfe;
                row.NextHop.Ipv6.sin6_addr.s6_addr[1] = 0x80;
                row.NextHop.Ipv6.sin6_addr.s6_addr[15] = 1;
        }
        row.Metric = 0;
        row.Protocol = MIB_IPPROTO_NT_AUTOSTATIC;
        CHECK(win_sys->CreateIpForwardEntry2(&row) == NO_ERROR);
        *ret = row;
}

static bool route_exists(const MIB_IPFORWARD_ROW2 *key) {
        MIB_IPFORWARD_ROW2 row = *key;

        return win_sys->GetIpForwardEntry2(&row) == NO_ERROR;
}

static bool route_gone_within(const MIB_IPFORWARD_ROW2 *key, unsigned timeout_ms) {
        DWORD start = GetTickCount();

        while (route_exists(key)) {
                if (GetTickCount() - start > timeout_ms)
                        return false;
                Sleep(20);
        }
        return true;
}

static void file_read(const char *name, char *buf, size_t size) {
        char path[MAX_PATH];
        size_t n;
        FILE *f;

        snprintf(path, sizeof(path), "%s\\%s", dir, name);
        f = fopen(path, "rb");
        CHECK(f);
        n = fread(buf, 1, size - 1, f);
        buf[n] = '\0';
        fclose(f);
}

static void file_write(const char *name, const char *text) {
        char path[MAX_PATH];

        snprintf(path, sizeof(path), "%s\\%s", dir, name);
        test_write_file(path, text, strlen(text));
}

/* Windows keeps SetIpInterfaceEntry() changes across reboots, so the
 * TAP's MTU is recorded with its metric before it changes (tap-win.c sets
 * the room's MTU only once we are in), and put back on leaving, and by
 * the next start after a crash. */
static void test_mtu_restored(void) {
        RouteManager *m = NULL;
        char text[1024], saved[1024], want[64];
        ULONG mtu4, mtu6;
        uint32_t ifindex;

        machine();
        ifindex = adapter().ifindex;
        mtu4 = iface(AF_INET).NlMtu;
        mtu6 = iface(AF_INET6).NlMtu;
        CHECK(mtu4 != 1300 && mtu6 != 1300);

        /* Leaving normally. */
        CHECK_EQ_INT(route_manager_new("tap", dir, &m), 0);
        CHECK(route_manager_add_discovery_routes(m, ifindex) >= 0);
        file_read("routes-tap.interfaces", text, sizeof(text));
        snprintf(want, sizeof(want), " mtu %lu\n", (unsigned long) mtu4);
        CHECK(strstr(text, want) != NULL);
        iface_set_mtu(AF_INET, 1300);
        iface_set_mtu(AF_INET6, 1300);
        m = route_manager_free(m);
        CHECK_EQ_INT(iface(AF_INET).NlMtu, mtu4);
        CHECK_EQ_INT(iface(AF_INET6).NlMtu, mtu6);
        CHECK(iface(AF_INET).UseAutomaticMetric);

        /* A crash: what the killed run left on the machine (a fixed metric,
         * the room's MTU) and on disk (its record), found by the next run. */
        CHECK_EQ_INT(route_manager_new("tap", dir, &m), 0);
        CHECK(route_manager_add_discovery_routes(m, ifindex) >= 0);
        file_read("routes-tap.interfaces", saved, sizeof(saved));
        iface_set_mtu(AF_INET, 1300);
        m = route_manager_free(m);
        iface_set_mtu(AF_INET, 1300);
        {
                MIB_IPINTERFACE_ROW row = iface(AF_INET);

                row.UseAutomaticMetric = FALSE;
                row.Metric = 5;
                row.SitePrefixLength = 0;
                CHECK(win_sys->SetIpInterfaceEntry(&row) == NO_ERROR);
        }
        file_write("routes-tap.interfaces", saved);
        CHECK_EQ_INT(route_manager_new("tap", dir, &m), 0);
        CHECK_EQ_INT(iface(AF_INET).NlMtu, mtu4);
        CHECK(iface(AF_INET).UseAutomaticMetric);
        m = route_manager_free(m);
        CHECK_EQ_INT(win_model_violations(), 0);
}

/* The party's DHCP or RAs putting a default route on the TAP would make it
 * the player's way to the internet (the TAP has the lowest metric). It is
 * removed when Windows adds it, not at the next poll. */
static void test_default_route_removed(void) {
        static const ADDRESS_FAMILY families[] = { AF_INET, AF_INET6 };
        RouteManager *m = NULL;
        FrameDevice *d = NULL;

        machine();
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        CHECK_EQ_INT(route_manager_new("tap", dir, &m), 0);
        CHECK(route_manager_add_discovery_routes(m, frame_device_get_index(d)) >= 0);
        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                MIB_IPFORWARD_ROW2 route;

                default_route_on_tap(families[i], &route);
                CHECK(route_gone_within(&route, 2000));
        }
        /* Only default routes on the TAP: the uplink keeps its own. */
        CHECK_EQ_INT(win_model_log_count("route-del by=client dst=0.0.0.0/0"), 1);
        CHECK_EQ_INT(win_model_log_count("route-del by=client dst=::/0"), 1);
        CHECK_EQ_INT(win_model_log_count("route-del"), 2);
        m = route_manager_free(m);
        d = frame_device_close(d);
        CHECK_EQ_INT(win_model_violations(), 0);
}

/* --accept-party-gateway: the player asked for the party's way to the
 * internet, so its default routes on the TAP stay and are not switched
 * off. */
static void test_default_route_kept(void) {
        MIB_IPFORWARD_ROW2 route;
        RouteManager *m = NULL;
        FrameDevice *d = NULL;

        machine();
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        CHECK_EQ_INT(route_manager_new("tap", dir, &m), 0);
        route_manager_keep_tap_default_routes(m);
        CHECK(route_manager_add_discovery_routes(m, frame_device_get_index(d)) >= 0);
        CHECK(!iface(AF_INET).DisableDefaultRoutes);
        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
        default_route_on_tap(AF_INET, &route);
        CHECK(!route_gone_within(&route, 500));
        CHECK_EQ_INT(win_model_log_count("route-del"), 0);
        m = route_manager_free(m);
        d = frame_device_close(d);
}

/* Games send their discovery to 255.255.255.255 from unbound sockets;
 * Windows sends that out of the connected interface with the lowest
 * interface metric, which must be the TAP while we are in the room. */
static void test_limited_broadcast(void) {
        RouteManager *m = NULL;
        FrameDevice *d = NULL;
        NET_IFINDEX out = 0;
        bool tie = true;

        machine();
        CHECK_EQ_INT(frame_device_open(FRAME_DEVICE_TAP, NULL, &mac, 1400, &d), 0);
        CHECK_EQ_INT(frame_device_set_link(d, true), 0);
        CHECK_EQ_INT(route_manager_new("tap", dir, &m), 0);
        CHECK_EQ_INT(route_manager_add_discovery_routes(m, frame_device_get_index(d)), ROUTE_PLAN_ADD);
        CHECK_EQ_INT(win_model_limited_broadcast_interface(&out, &tie), 0);
        CHECK_EQ_INT(out, frame_device_get_index(d));
        CHECK(!tie);
        m = route_manager_free(m);
        d = frame_device_close(d);
}

int main(void) {
        char tmp[MAX_PATH];

        if (!registry_allowed()) {
                fprintf(stderr, "not under wine in a private prefix (tests/wine/wine-private.sh), skipping\n");
                return 77;
        }
        log_set_max_level(LOG_INFO);
        CHECK(GetTempPathA(sizeof(tmp), tmp) > 0);
        snprintf(dir, sizeof(dir), "%slanparty-test-route-win-model-%lu", tmp, GetCurrentProcessId());
        CHECK(CreateDirectoryA(dir, NULL) || GetLastError() == ERROR_ALREADY_EXISTS);
        RUN(test_mtu_restored);
        RUN(test_default_route_removed);
        RUN(test_default_route_kept);
        RUN(test_limited_broadcast);
        CHECK_EQ_INT(win_model_reset(true), 0);
        {
                char path[MAX_PATH];

                snprintf(path, sizeof(path), "%s\\routes-tap.lock", dir);
                DeleteFileA(path);
                RemoveDirectoryA(dir);
        }
        return 0;
}
