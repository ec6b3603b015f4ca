/* SPDX-License-Identifier: MIT */
/* route-win.c where it can run without touching the machine's routes:
 * argument checks, the lock, and undoing what a "crashed run" recorded for
 * interfaces and routes that do not exist. Under wine or Windows. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "route.h"
#include "test-util.h"

static char dir[MAX_PATH];

static void file_write(const char *name, const char *text) {
        char path[MAX_PATH];

        snprintf(path, sizeof(path), "%s\\%s", dir, name);
        test_write_file(path, text, strlen(text));
}

static bool file_exists(const char *name) {
        char path[MAX_PATH];

        snprintf(path, sizeof(path), "%s\\%s", dir, name);
        return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES;
}

static void test_args(void) {
        RouteManager *m = NULL;

        CHECK_EQ_INT(route_manager_new(NULL, dir, &m), -EINVAL);
        CHECK_EQ_INT(route_manager_new("x", dir, NULL), -EINVAL);
        CHECK_EQ_INT(route_manager_new("", dir, &m), -EINVAL);
        CHECK_EQ_INT(route_manager_new("..\\evil", dir, &m), -EINVAL);
        CHECK_EQ_INT(route_manager_new(".hidden", dir, &m), -EINVAL);
        CHECK_EQ_INT(route_manager_new("a/b", dir, &m), -EINVAL);
        CHECK_EQ_INT(route_manager_new("x", "relative\\dir", &m), -EINVAL);
        CHECK(m == NULL);
        CHECK(route_manager_free(NULL) == NULL);
        CHECK_EQ_INT(route_manager_undo(NULL), 0);
        CHECK_EQ_INT(route_manager_pin_relay(NULL, NULL), -EINVAL);
        CHECK_EQ_INT(route_manager_add_discovery_routes(NULL, 1), -EINVAL);
}

static void test_lock(void) {
        RouteManager *a = NULL, *b = NULL;

        CHECK_EQ_INT(route_manager_new("lanparty0", dir, &a), 0);
        CHECK_EQ_INT(route_manager_new("lanparty0", dir, &b), -EBUSY);
        CHECK(b == NULL);
        /* Another instance is independent. */
        CHECK_EQ_INT(route_manager_new("lanparty1", dir, &b), 0);
        CHECK_EQ_INT(route_manager_add_discovery_routes(a, 0), -EINVAL);
        {
                RouteCheck c;

                CHECK_EQ_INT(route_manager_check_relay(a, &c), -ENOENT);
        }
        route_manager_free(b);
        route_manager_free(a);
        /* Released with the manager. */
        CHECK_EQ_INT(route_manager_new("lanparty0", dir, &a), 0);
        route_manager_free(a);
        /* A clean run leaves no state behind. */
        CHECK(!file_exists("routes-lanparty0.state"));
        CHECK(!file_exists("routes-lanparty0.interfaces"));
}

static bool running_on_wine(void) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");

        return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

static void test_leftovers(void) {
        RouteManager *m = NULL;

        /* Damaged files are dropped with a warning, not fatal. */
        file_write("routes-damaged.state", "lanparty-client-routes 1\nroute 4 nonsense\n");
        file_write("routes-damaged.interfaces", "lanparty-client-interfaces 9\n");
        CHECK_EQ_INT(route_manager_new("damaged", dir, &m), 0);
        CHECK(!file_exists("routes-damaged.state"));
        CHECK(!file_exists("routes-damaged.interfaces"));
        route_manager_free(m);

        /* wine 8 lacks DeleteIpForwardEntry2() and GetIpInterfaceEntry(). */
        if (running_on_wine()) {
                fprintf(stderr, "wine: skipping the undo of recorded leftovers\n");
                return;
        }

        /* A route on an interface index no machine has, and settings of an
         * interface LUID that does not exist: both count as undone. */
        file_write("routes-crashed.state", "lanparty-client-routes 1\n"
                                           "route 4 cb007107/32 c6336401 4000000000 0 0\n");
        file_write("routes-crashed.interfaces", "lanparty-client-interfaces 1\n"
                                                "iface 4 7fff000000fffff1 auto 25 ddr 0\n");
        CHECK_EQ_INT(route_manager_new("crashed", dir, &m), 0);
        CHECK(!file_exists("routes-crashed.state"));
        CHECK(!file_exists("routes-crashed.interfaces"));
        route_manager_free(m);
}

/* The default state directory, %ProgramData%\lanparty, when somebody
 * else made it: nothing recorded there is undone (under wine undoing the
 * route below would crash: DeleteIpForwardEntry2() is unimplemented) and
 * nothing there is touched. Wine makes every directory the wine user's,
 * so it always counts as somebody else's there; on Windows, where this
 * test would have made it as an administrator, it would be re-secured
 * and used. */
static void test_default_dir(void) {
        char programdata[MAX_PATH], path[MAX_PATH];
        RouteManager *m = NULL;

        /* Made by client.exe: used, and a clean run leaves no state. */
        snprintf(programdata, sizeof(programdata), "%s-programdata-fresh", dir);
        CHECK_EQ_INT(_putenv_s("ProgramData", programdata), 0);
        CHECK_EQ_INT(route_manager_new("fresh", NULL, &m), 0);
        m = route_manager_free(m);
        snprintf(path, sizeof(path), "%s\\lanparty", programdata);
        CHECK(GetFileAttributesA(path) & FILE_ATTRIBUTE_DIRECTORY);
        snprintf(path, sizeof(path), "%s\\lanparty\\routes-fresh.state", programdata);
        CHECK(GetFileAttributesA(path) == INVALID_FILE_ATTRIBUTES);

        if (!running_on_wine()) {
                fprintf(stderr, "Windows: skipping the planted state directory\n");
                return;
        }
        snprintf(programdata, sizeof(programdata), "%s-programdata-planted", dir);
        CHECK_EQ_INT(_putenv_s("ProgramData", programdata), 0);
        CHECK(CreateDirectoryA(programdata, NULL));
        snprintf(path, sizeof(path), "%s\\lanparty", programdata);
        CHECK(CreateDirectoryA(path, NULL));
        snprintf(path, sizeof(path), "%s\\lanparty\\routes-planted.state", programdata);
        {
                FILE *f = fopen(path, "wb");

                CHECK(f);
                fputs("lanparty-client-routes 1\nroute 4 cb007107/32 c6336401 4000000000 0 0\n", f);
                CHECK(fclose(f) == 0);
        }
        CHECK_EQ_INT(route_manager_new("planted", NULL, &m), -EPERM);
        CHECK(m == NULL);
        CHECK(GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES);
        CHECK_EQ_INT(_putenv_s("ProgramData", ""), 0);
}

int main(void) {
        char base[MAX_PATH];

        CHECK(GetTempPathA(sizeof(base), base) > 0);
        /* wine reuses process ids across runs: the tick count keeps an
         * earlier run's leftovers out of this one. */
        snprintf(dir, sizeof(dir), "%slanparty-test-route-win-%lu-%llu\\state", base, GetCurrentProcessId(),
                 (unsigned long long) GetTickCount64());
        RUN(test_args);
        RUN(test_lock);
        RUN(test_leftovers);
        RUN(test_default_dir);
        return 0;
}
