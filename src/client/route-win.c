/* SPDX-License-Identifier: MIT */
/* route.h on Windows: the RouteBackend of route-manager.h with the IP
 * Helper API (through win-sys.h). The relay's host route is pinned the
 * same way as on Linux (route-manager.c). Limited broadcasts and multicast
 * need no route of ours: every Windows interface has its own
 * 255.255.255.255/32 and 224.0.0.0/4 and the lowest interface metric wins,
 * so route_manager_add_discovery_routes() gives the TAP a fixed low metric
 * instead, and switches off default routes learned
 * over it, which that metric would otherwise make everyone's way out. A
 * default route that still appears on the TAP is removed the moment
 * Windows adds it (NotifyRouteChange2), not at the next poll: until then
 * it would be the player's way to the internet.
 *
 * Routes are recorded in route.c's state file; interface settings, which
 * Windows keeps across reboots (metric, default routes, and the MTU that
 * tap-win.c sets once we are in the room), in route-win-plan.c's, by
 * LUID. Both are written before the change is made. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winsock2.h>
#include <ws2ipdef.h>
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include "log.h"
#include "platform-win.h"
#include "route-manager.h"
#include "route-win-plan.h"
#include "route-win.h"
#include "route.h"
#include "win-acl.h"
#include "win-sys.h"

#define ROUTE_STATE_DIR_NAME "lanparty"

struct RouteBackend {
        wchar_t state_path[WIN_PATH_MAX];
        wchar_t iface_path[WIN_PATH_MAX];
        char state_path_utf8[WIN_PATH_MAX];
        HANDLE lock;
        RouteWinIfaceState ifaces; /* interface settings before we changed them */
        bool secure;               /* %ProgramData%\lanparty: only trusted files are read (win-acl.h) */
        /* NotifyRouteChange2's registration; its callback runs on a thread
         * of Windows' and reads only the TAP's index, which is set before
         * and never changes while registered. */
        HANDLE route_notify;
        volatile LONG tap_ifindex;
};

/* Table and metrics stay 0: Windows has no routing tables, and for a
 * route's metric 0 the interface metric alone decides. ENOBUFS is
 * ERROR_NO_SYSTEM_RESOURCES, not memory: reported as no route. */
const RouteBackendInfo route_backend_info = {
        .interface_field = "IFINDEX",
        .interface_word = "if",
        .path_picker = "Windows",
        /* route_backend_exists() asks for the one entry. */
        .pin_lookup = "look up the route to",
};

const char *route_backend_ifname(uint32_t ifindex, char buf[static ROUTE_IFNAME_MAX]) {
        snprintf(buf, ROUTE_IFNAME_MAX, "%" PRIu32, ifindex);
        return buf;
}

static ADDRESS_FAMILY family_to_af(RouteFamily f) {
        return f == ROUTE_FAMILY_IPV4 ? AF_INET : AF_INET6;
}

static void sockaddr_from_address(const RouteAddress *a, SOCKADDR_INET *ret) {
        *ret = (SOCKADDR_INET) {};
        if (a->family == ROUTE_FAMILY_IPV4) {
                ret->Ipv4.sin_family = AF_INET;
                memcpy(&ret->Ipv4.sin_addr, a->bytes, 4);
        } else {
                ret->Ipv6.sin6_family = AF_INET6;
                memcpy(&ret->Ipv6.sin6_addr, a->bytes, 16);
        }
}

static int sockaddr_bytes(const SOCKADDR_INET *sa, RouteFamily *ret_family, const uint8_t **ret) {
        if (sa->si_family == AF_INET) {
                *ret_family = ROUTE_FAMILY_IPV4;
                *ret = (const uint8_t *) &sa->Ipv4.sin_addr;
                return 0;
        }
        if (sa->si_family == AF_INET6) {
                *ret_family = ROUTE_FAMILY_IPV6;
                *ret = (const uint8_t *) &sa->Ipv6.sin6_addr;
                return 0;
        }
        return -EAFNOSUPPORT;
}

static int route_from_row(const MIB_IPFORWARD_ROW2 *row, bool local, Route *ret) {
        static const uint8_t zero[16];
        const uint8_t *dst, *gw = zero;
        RouteFamily f, gf;

        if (sockaddr_bytes(&row->DestinationPrefix.Prefix, &f, &dst) < 0)
                return -EAFNOSUPPORT;
        if (row->NextHop.si_family != AF_UNSPEC) {
                if (sockaddr_bytes(&row->NextHop, &gf, &gw) < 0 || gf != f)
                        return -EAFNOSUPPORT;
        }
        return route_win_route_from_row(f, dst, row->DestinationPrefix.PrefixLength, gw, row->InterfaceIndex,
                                        row->Metric, local, ret);
}

/* The key GetIpForwardEntry2() and DeleteIpForwardEntry2() look for:
 * interface, prefix and next hop, the rest zero. */
static void row_key_from_route(const Route *r, MIB_IPFORWARD_ROW2 *row) {
        *row = (MIB_IPFORWARD_ROW2) {};
        row->InterfaceIndex = r->ifindex;
        sockaddr_from_address(&r->dst, &row->DestinationPrefix.Prefix);
        row->DestinationPrefix.PrefixLength = r->prefixlen;
        if (r->has_gateway)
                sockaddr_from_address(&r->gateway, &row->NextHop);
        else
                row->NextHop.si_family = family_to_af(r->dst.family);
}

/* A full row for CreateIpForwardEntry2(), from Windows' own defaults
 * (infinite lifetimes and so on). */
static void row_from_route(const Route *r, MIB_IPFORWARD_ROW2 *row) {
        win_sys->InitializeIpForwardEntry(row);
        row->InterfaceIndex = r->ifindex;
        sockaddr_from_address(&r->dst, &row->DestinationPrefix.Prefix);
        row->DestinationPrefix.PrefixLength = r->prefixlen;
        if (r->has_gateway)
                sockaddr_from_address(&r->gateway, &row->NextHop);
        else {
                row->NextHop = (SOCKADDR_INET) {};
                row->NextHop.si_family = family_to_af(r->dst.family);
        }
        row->Metric = r->metric;
        row->Protocol = MIB_IPPROTO_NETMGMT;
        row->Origin = NlroManual;
}

/* GetBestRoute2. */
int route_backend_lookup(RouteManager *m, const RouteAddress *dst, Route *ret) {
        MIB_IPFORWARD_ROW2 row;
        SOCKADDR_INET d, src;
        RouteFamily sf;
        const uint8_t *sb;
        bool local;
        DWORD e;

        sockaddr_from_address(dst, &d);
        e = win_sys->GetBestRoute2(NULL, 0, NULL, &d, 0, &row, &src);
        if (e != NO_ERROR)
                return errno_from_win32(e);
        local = sockaddr_bytes(&src, &sf, &sb) >= 0 && sf == dst->family &&
                memcmp(sb, dst->bytes, route_address_size(sf)) == 0;
        return route_from_row(&row, local, ret);
}

int route_backend_dump(RouteManager *m, const RouteAddress *dst, uint8_t prefixlen, Route *routes, size_t max,
                       size_t *ret_n) {
        PMIB_IPFORWARD_TABLE2 table = NULL;
        size_t n = 0;
        DWORD e;

        e = win_sys->GetIpForwardTable2(family_to_af(dst->family), &table);
        if (e != NO_ERROR)
                return errno_from_win32(e);
        for (ULONG i = 0; i < table->NumEntries; i++) {
                Route r;

                if (route_from_row(&table->Table[i], false, &r) < 0)
                        continue;
                if (r.prefixlen != prefixlen || !route_address_equal(&r.dst, dst))
                        continue;
                if (n < max)
                        routes[n++] = r;
        }
        win_sys->FreeMibTable(table);
        *ret_n = n;
        return 0;
}

int route_backend_exists(RouteManager *m, const Route *route) {
        MIB_IPFORWARD_ROW2 row;
        DWORD e;

        row_key_from_route(route, &row);
        e = win_sys->GetIpForwardEntry2(&row);
        if (e == ERROR_NOT_FOUND || e == ERROR_FILE_NOT_FOUND)
                return 0;
        if (e != NO_ERROR)
                return errno_from_win32(e);
        return row.Metric == route->metric;
}

static int file_save(const wchar_t *path, const char *text, int n) {
        if (n < 0)
                return n;
        /* An empty record set is no file: a clean exit leaves nothing. */
        if (n == 0) {
                if (!DeleteFileW(path) && GetLastError() != ERROR_FILE_NOT_FOUND)
                        return errno_from_win32(GetLastError());
                return 0;
        }
        return win_write_file_atomic(path, text, (size_t) n, win_acl_state_file_attributes());
}

int route_backend_state_save(RouteManager *m) {
        char text[ROUTE_STATE_TEXT_MAX];

        return file_save(m->backend->state_path, text,
                         m->state.n_routes == 0 ? 0 : route_state_format(&m->state, text, sizeof(text)));
}

static int ifaces_save(RouteManager *m) {
        char text[ROUTE_WIN_IFACE_STATE_TEXT_MAX];

        return file_save(m->backend->iface_path, text,
                         m->backend->ifaces.n_ifaces == 0
                                 ? 0
                                 : route_win_iface_state_format(&m->backend->ifaces, text, sizeof(text)));
}

int route_backend_add(RouteManager *m, const Route *route) {
        MIB_IPFORWARD_ROW2 row;

        row_from_route(route, &row);
        return errno_from_win32(win_sys->CreateIpForwardEntry2(&row));
}

/* ERROR_NOT_FOUND, -ENOENT: the interface went, or someone cleaned up by
 * hand. */
int route_backend_remove(RouteManager *m, const Route *route) {
        MIB_IPFORWARD_ROW2 row;

        row_key_from_route(route, &row);
        return errno_from_win32(win_sys->DeleteIpForwardEntry2(&row));
}

static int iface_get(RouteFamily family, uint64_t luid, MIB_IPINTERFACE_ROW *ret) {
        /* GetIpInterfaceEntry() fills in everything but the key. */
        *ret = (MIB_IPINTERFACE_ROW) {};
        ret->Family = family_to_af(family);
        ret->InterfaceLuid.Value = luid;
        return errno_from_win32(win_sys->GetIpInterfaceEntry(ret));
}

static int iface_set(MIB_IPINTERFACE_ROW *row, const RouteWinInterface *want) {
        DWORD e;

        row->UseAutomaticMetric = want->automatic_metric;
        row->Metric = want->metric;
        row->DisableDefaultRoutes = want->disable_default_routes;
        /* 0: a record from before MTUs were kept; leave the MTU alone. */
        if (want->mtu > 0)
                row->NlMtu = want->mtu;
        /* SetIpInterfaceEntry() refuses an IPv4 row carrying the
         * SitePrefixLength that GetIpInterfaceEntry() filled in. */
        if (row->Family == AF_INET)
                row->SitePrefixLength = 0;
        e = win_sys->SetIpInterfaceEntry(row);
        return errno_from_win32(e);
}

static int iface_restore(RouteManager *m, const RouteWinInterface *orig) {
        MIB_IPINTERFACE_ROW row;
        int r;

        r = iface_get(orig->family, orig->luid, &row);
        if (r == -ENOENT)
                log_info("Interface %016" PRIx64 " (%s) is gone; nothing to restore.", orig->luid,
                         route_family_to_string(orig->family));
        else if (r >= 0)
                r = iface_set(&row, orig);
        if (r < 0 && r != -ENOENT)
                return log_warning_errno(r, "Failed to restore %s settings of interface %016" PRIx64
                                            ", keeping them in the state file: %m",
                                         route_family_to_string(orig->family), orig->luid);
        if (r >= 0 && orig->mtu > 0)
                log_info("Restored %s metric (%s%" PRIu32 ") and MTU %" PRIu32 " of interface %016" PRIx64 ".",
                         route_family_to_string(orig->family), orig->automatic_metric ? "automatic, " : "",
                         orig->metric, orig->mtu, orig->luid);
        else if (r >= 0)
                log_info("Restored %s metric (%s%" PRIu32 ") of interface %016" PRIx64 ".",
                         route_family_to_string(orig->family), orig->automatic_metric ? "automatic, " : "",
                         orig->metric, orig->luid);
        route_win_iface_state_remove(&m->backend->ifaces, orig->family, orig->luid);
        r = ifaces_save(m);
        if (r < 0)
                return log_warning_errno(r, "Failed to update the interface state file: %m");
        return 0;
}

/* Interface settings after routes, newest first like them. */
int route_backend_undo(RouteManager *m) {
        RouteWinIfaceState *ifaces = &m->backend->ifaces;
        int ret = 0;

        for (size_t i = ifaces->n_ifaces; i > 0; i--) {
                RouteWinInterface orig = ifaces->ifaces[i - 1];
                int r = iface_restore(m, &orig);

                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

/* Reads a state file; a damaged one is removed with a warning, since
 * nothing in it can be trusted to undo, and so is one in the secure
 * directory that somebody else could have written. Returns 1 when `parse`
 * accepted it, 0 when there was none (or it was dropped). */
static int state_file_load(const wchar_t *path, bool secure, const char *what, size_t max,
                           int (*parse)(const char *text, size_t len, void *ret), void *ret) {
        char text[ROUTE_STATE_TEXT_MAX + 1], why[256], name[WIN_PATH_MAX];
        int n, r;

        if (secure)
                n = win_acl_file_read_trusted(path, text, MIN(max + 1, sizeof(text)), why, sizeof(why));
        else
                n = win_read_small_file(path, text, MIN(max + 1, sizeof(text)));
        if (n == -ENOENT)
                return 0;
        if (n == -EPERM) {
                if (wide_to_utf8(path, name, sizeof(name)) < 0)
                        snprintf(name, sizeof(name), "The %s state file", what);
                log_warning("%s %s: not undoing anything it records, and removing it. If lanparty crashed "
                            "before, check the TAP's %s by hand.",
                            name, why, what);
                if (!DeleteFileW(path))
                        return log_error_errno(errno_from_win32(GetLastError()), "Failed to remove %s: %m", name);
                return 0;
        }
        if (n < 0)
                return log_error_errno(n, "Failed to read the %s state file: %m", what);
        r = parse(text, (size_t) n, ret);
        if (r < 0) {
                log_warning_errno(r, "The %s state file is unreadable (%m), removing it; check the TAP's %s by hand.",
                                  what, what);
                (void) DeleteFileW(path);
                return 0;
        }
        return 1;
}

static int parse_routes(const char *text, size_t len, void *ret) {
        return route_state_parse(text, len, ret);
}

static int parse_ifaces(const char *text, size_t len, void *ret) {
        return route_win_iface_state_parse(text, len, ret);
}

static int state_dir_pick(const char *state_dir, wchar_t *buf, size_t size) {
        char dir[WIN_PATH_MAX];
        const char *base;
        int n;

        if (state_dir) {
                if (!win_path_is_absolute(state_dir))
                        return -EINVAL;
                return utf8_to_wide(state_dir, buf, size);
        }
        /* Routes and interface settings belong to the machine, not to
         * whoever ran the client: any later run must find them. */
        base = getenv("ProgramData");
        if (!base || !win_path_is_absolute(base))
                base = "C:\\ProgramData";
        n = snprintf(dir, sizeof(dir), "%s\\" ROUTE_STATE_DIR_NAME, base);
        if (n < 0 || (size_t) n >= sizeof(dir))
                return -ENAMETOOLONG;
        return utf8_to_wide(dir, buf, size);
}

int route_win_state_dir(const char *state_dir, wchar_t *buf, size_t size) {
        return state_dir_pick(state_dir, buf, size);
}

static void manager_free_bare(RouteManager *m) {
        RouteBackend *b = m->backend;

        if (b && b->lock && b->lock != INVALID_HANDLE_VALUE)
                CloseHandle(b->lock);
        free(b);
        free(m);
}

int route_manager_new(const char *instance, const char *state_dir, RouteManager **ret) {
        RouteManager *m;
        RouteBackend *b;
        wchar_t dir[WIN_PATH_MAX], lock_path[WIN_PATH_MAX];
        char why[256];
        int r;

        if (!instance || !ret)
                return -EINVAL;
        if (!route_instance_is_valid(instance))
                return log_error_errno(EINVAL, "Invalid route state name \"%.64s\".", instance);

        r = state_dir_pick(state_dir, dir, ELEMENTSOF(dir));
        if (r < 0)
                return log_error_errno(r, "Invalid route state directory: %m");
        /* The default one is shared by the machine and gets an ACL of its
         * own; a --state-dir is the administrator's choice. */
        r = win_acl_state_dir_prepare(dir, !state_dir);
        if (r < 0)
                return r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->backend = b = calloc(1, sizeof(*b));
        if (!b) {
                manager_free_bare(m);
                return log_oom();
        }
        b->lock = INVALID_HANDLE_VALUE;
        b->secure = !state_dir;
        m->state_path = b->state_path_utf8;
        snprintf(m->instance, sizeof(m->instance), "%s", instance);
        if (_snwprintf(b->state_path, WIN_PATH_MAX, L"%ls\\routes-%hs.state", dir, instance) < 0 ||
            _snwprintf(b->iface_path, WIN_PATH_MAX, L"%ls\\routes-%hs.interfaces", dir, instance) < 0 ||
            _snwprintf(lock_path, WIN_PATH_MAX, L"%ls\\routes-%hs.lock", dir, instance) < 0) {
                manager_free_bare(m);
                return log_error_errno(ENAMETOOLONG, "Route state directory too long.");
        }
        b->state_path[WIN_PATH_MAX - 1] = b->iface_path[WIN_PATH_MAX - 1] = lock_path[WIN_PATH_MAX - 1] = L'\0';
        if (wide_to_utf8(b->state_path, b->state_path_utf8, sizeof(b->state_path_utf8)) < 0)
                snprintf(b->state_path_utf8, sizeof(b->state_path_utf8), "routes-%s.state", instance);

        /* Somebody else's file is never ours to hold. */
        if (b->secure && win_acl_file_read_trusted(lock_path, NULL, 0, why, sizeof(why)) == -EPERM) {
                log_warning("The route lock file of %s %s; removing it.", instance, why);
                (void) DeleteFileW(lock_path);
        }
        /* Opened without sharing: Windows closes it when we die, so a
         * crashed run never blocks the next one, while a live one does. */
        b->lock = CreateFileW(lock_path, GENERIC_READ | GENERIC_WRITE, 0, win_acl_state_file_attributes(), OPEN_ALWAYS,
                              FILE_ATTRIBUTE_NORMAL, NULL);
        if (b->lock == INVALID_HANDLE_VALUE) {
                DWORD e = GetLastError();

                manager_free_bare(m);
                if (e == ERROR_SHARING_VIOLATION)
                        return log_error_errno(EBUSY, "Another lanparty client is running for %s.", instance);
                return log_error_errno(errno_from_win32(e), "Failed to open the route lock file: %m");
        }

        r = state_file_load(b->state_path, b->secure, "routes", ROUTE_STATE_TEXT_MAX, parse_routes, &m->state);
        if (r >= 0)
                r = state_file_load(b->iface_path, b->secure, "interface settings", ROUTE_WIN_IFACE_STATE_TEXT_MAX,
                                    parse_ifaces, &b->ifaces);
        if (r < 0) {
                manager_free_bare(m);
                return r;
        }
        if (m->state.n_routes > 0 || b->ifaces.n_ifaces > 0) {
                log_notice("Undoing %zu route(s) and %zu interface setting(s) a previous run of %s left behind.",
                           m->state.n_routes, b->ifaces.n_ifaces, instance);
                r = route_manager_undo(m);
                if (r < 0)
                        log_warning_errno(r, "Some leftovers could not be undone, continuing: %m");
        }

        *ret = m;
        return 0;
}

static void route_notify_stop(RouteManager *m);

RouteManager *route_manager_free(RouteManager *m) {
        if (!m)
                return NULL;
        /* Before undoing: CancelMibChangeNotify2() waits for a callback
         * that is running, and none may start on a manager being freed. */
        route_notify_stop(m);
        (void) route_manager_undo(m);
        /* The lock file stays, as on Linux. */
        manager_free_bare(m);
        return NULL;
}

/* Default routes the party's DHCP or router advertisements put on the
 * TAP, for when DisableDefaultRoutes did not keep them away (Microsoft
 * documents it for the interface's own default routes only, and the
 * party's RAs or a DHCP option can still bring one). They belong to
 * Windows (its DHCP client adds them again on renewal), so they are
 * deleted, not recorded: nothing of ours to put back. */
static void tap_default_route_remove(const MIB_IPFORWARD_ROW2 *row, uint32_t tap_ifindex) {
        char desc[ROUTE_DESCRIPTION_MAX];
        MIB_IPFORWARD_ROW2 key;
        Route r;
        int k;

        if (route_from_row(row, false, &r) < 0 || !route_win_is_tap_default(&r, tap_ifindex))
                return;
        /* What DeleteIpForwardEntry2() looks for: interface, prefix, next
         * hop. A notification's row carries those, not always the rest. */
        key = (MIB_IPFORWARD_ROW2) {};
        key.InterfaceLuid = row->InterfaceLuid;
        key.InterfaceIndex = row->InterfaceIndex;
        key.DestinationPrefix = row->DestinationPrefix;
        key.NextHop = row->NextHop;
        k = errno_from_win32(win_sys->DeleteIpForwardEntry2(&key));
        if (k == -ENOENT)
                return;
        log_route_errno(k < 0 ? LOG_WARNING : LOG_NOTICE, k, &r,
                        k < 0 ? "Failed to remove default route %s on the TAP: %m"
                              : "Removed default route %s on the TAP: the party's network is not the way to the "
                                "internet.",
                        route_manager_describe(&r, desc));
}

static void tap_default_routes_sweep(RouteManager *m) {
        static const RouteFamily families[] = { ROUTE_FAMILY_IPV4, ROUTE_FAMILY_IPV6 };

        if (m->tap_ifindex == 0)
                return;
        for (size_t f = 0; f < ELEMENTSOF(families); f++) {
                PMIB_IPFORWARD_TABLE2 table = NULL;

                if (win_sys->GetIpForwardTable2(family_to_af(families[f]), &table) != NO_ERROR)
                        continue;
                for (ULONG i = 0; i < table->NumEntries; i++)
                        tap_default_route_remove(&table->Table[i], m->tap_ifindex);
                win_sys->FreeMibTable(table);
        }
}

/* On a thread of Windows', for every route added anywhere. */
static void WINAPI route_changed(PVOID context, PMIB_IPFORWARD_ROW2 row, MIB_NOTIFICATION_TYPE type) {
        RouteBackend *b = context;

        if (type != MibAddInstance || !row)
                return;
        tap_default_route_remove(row, (uint32_t) b->tap_ifindex);
}

/* Registers the watch, then sweeps once for what came before it. Without
 * a registration the sweep runs before every path check instead. */
static void route_notify_start(RouteManager *m) {
        RouteBackend *b = m->backend;
        DWORD e;

        if (b->route_notify || m->keep_tap_default_routes)
                return;
        InterlockedExchange(&b->tap_ifindex, (LONG) m->tap_ifindex);
        e = win_sys->NotifyRouteChange2(AF_UNSPEC, route_changed, b, FALSE, &b->route_notify);
        if (e != NO_ERROR) {
                b->route_notify = NULL;
                log_warning_errno(errno_from_win32(e),
                                  "Cannot watch for default routes on the TAP (%m); removing them every few seconds "
                                  "instead.");
        }
        tap_default_routes_sweep(m);
}

static void route_notify_stop(RouteManager *m) {
        RouteBackend *b = m->backend;

        if (!b || !b->route_notify)
                return;
        (void) win_sys->CancelMibChangeNotify2(b->route_notify);
        b->route_notify = NULL;
}

/* The metrics of the other interfaces that are up, for one family. */
static int other_metrics_get(RouteFamily family, uint64_t tap_luid, uint32_t *metrics, size_t max, size_t *ret_n) {
        PMIB_IPINTERFACE_TABLE table = NULL;
        size_t n = 0;
        DWORD e;

        e = win_sys->GetIpInterfaceTable(family_to_af(family), &table);
        if (e != NO_ERROR)
                return errno_from_win32(e);
        for (ULONG i = 0; i < table->NumEntries && n < max; i++) {
                const MIB_IPINTERFACE_ROW *row = &table->Table[i];

                if (row->InterfaceLuid.Value == tap_luid || !row->Connected ||
                    row->InterfaceLuid.Info.IfType == IF_TYPE_SOFTWARE_LOOPBACK)
                        continue;
                metrics[n++] = row->Metric;
        }
        win_sys->FreeMibTable(table);
        *ret_n = n;
        return 0;
}

/* Returns 1 when changed, 0 when already right, -EADDRINUSE when another
 * interface keeps as low a metric, or an error. */
static int tap_interface_apply(RouteManager *m, RouteFamily family, uint64_t luid) {
        MIB_IPINTERFACE_ROW row;
        RouteWinInterface now, want;
        uint32_t others[64];
        size_t n_others = 0;
        bool contested = false;
        int r, changed;

        r = iface_get(family, luid, &row);
        if (r < 0)
                return r;
        now = (RouteWinInterface) {
                .family = family,
                .luid = luid,
                .automatic_metric = row.UseAutomaticMetric,
                .metric = row.Metric,
                .disable_default_routes = row.DisableDefaultRoutes,
                .mtu = row.NlMtu,
        };
        r = other_metrics_get(family, luid, others, ELEMENTSOF(others), &n_others);
        if (r < 0)
                return r;

        changed = route_win_plan_tap_interface(&now, others, n_others, m->keep_tap_default_routes, &want,
                                               &contested);
        if (changed < 0)
                return changed;
        /* Recorded even when the metric is right already: tap-win.c sets
         * the room's MTU once we are in, and Windows keeps that too. */
        r = route_win_iface_state_add(&m->backend->ifaces, &now);
        if (r < 0)
                return r;
        if (r > 0) {
                r = ifaces_save(m);
                if (r < 0) {
                        route_win_iface_state_remove(&m->backend->ifaces, family, luid);
                        return log_error_errno(r, "Failed to record the TAP's settings, not changing them: %m");
                }
        }
        if (changed > 0) {
                r = iface_set(&row, &want);
                if (r == -EINVAL && want.disable_default_routes) {
                        /* Should a Windows build refuse the flag, the metric
                         * still matters most; the sweep handles defaults. */
                        log_debug("Windows refused DisableDefaultRoutes on the TAP, relying on removing them.");
                        want.disable_default_routes = now.disable_default_routes;
                        r = iface_get(family, luid, &row);
                        if (r >= 0)
                                r = iface_set(&row, &want);
                }
                if (r < 0)
                        return r;
                log_info("TAP %s metric set to %" PRIu32 "%s.", route_family_to_string(family), want.metric,
                         want.disable_default_routes ? ", default routes off" : "");
        }
        return contested ? -EADDRINUSE : changed;
}

int route_manager_add_discovery_routes(RouteManager *m, uint32_t tap_ifindex) {
        static const RouteFamily families[] = { ROUTE_FAMILY_IPV4, ROUTE_FAMILY_IPV6 };
        NET_LUID luid;
        bool changed = false, contested = false;
        int r;

        if (!m || tap_ifindex == 0)
                return -EINVAL;
        if (m->have_discovery_routes && m->tap_ifindex == tap_ifindex)
                return m->discovery_plan;
        m->tap_ifindex = tap_ifindex;

        r = errno_from_win32(win_sys->ConvertInterfaceIndexToLuid(tap_ifindex, &luid));
        if (r < 0)
                return log_error_errno(r, "Cannot find interface %" PRIu32 ": %m", tap_ifindex);

        for (size_t f = 0; f < ELEMENTSOF(families); f++) {
                r = tap_interface_apply(m, families[f], luid.Value);
                /* IPv6 may be unbound from the TAP. */
                if (r == -ENOENT && families[f] == ROUTE_FAMILY_IPV6)
                        continue;
                if (r == -EADDRINUSE) {
                        contested = true;
                        continue;
                }
                if (r < 0)
                        return log_error_errno(r, "Failed to set the %s metric of the TAP (interface %" PRIu32 "): %m",
                                               route_family_to_string(families[f]), tap_ifindex);
                changed = changed || r > 0;
        }
        if (contested)
                log_warning("Another interface has metric 1 like the TAP; games' broadcasts may leave through it "
                            "instead of reaching the party. Raise its metric in its IPv4 settings.");

        route_notify_start(m);

        m->have_discovery_routes = true;
        m->discovery_plan = contested ? ROUTE_PLAN_CONFLICT : changed ? ROUTE_PLAN_ADD : ROUTE_PLAN_REUSE;
        return m->discovery_plan;
}

/* Only when Windows would not tell us: a renewed DHCP lease may have
 * brought the TAP's default back. */
void route_backend_check_prepare(RouteManager *m) {
        if (!m->backend->route_notify && !m->keep_tap_default_routes)
                tap_default_routes_sweep(m);
}

int route_backend_log_unpinnable(RouteManager *m, int error, const Route *lookup, const char *addr) {
        switch (error) {
        case ELOOP:
                return log_route_errno(LOG_ERR, ELOOP, lookup,
                                       "The route to relay %s leads into the TAP (interface %" PRIu32
                                       "), the tunnel would carry itself. Remove the TAP's default route and "
                                       "reconnect.",
                                       addr, m->tap_ifindex);
        case EAFNOSUPPORT:
                return log_error_errno(EAFNOSUPPORT, "Relay %s is reached via a next hop of another family, which "
                                                     "cannot be pinned.",
                                       addr);
        default:
                return log_error_errno(error, "Cannot pin route to relay %s: %m", addr);
        }
}
