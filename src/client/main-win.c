/* SPDX-License-Identifier: MIT */
/* client.exe: the Windows sibling of main-linux.c around client-core.c.
 * It resolves the relay, pins the route to it (route-win.c) before the
 * TAP-Windows6 adapter's media is connected, gives the adapter the
 * persistent virtual MAC, and runs one WaitForMultipleObjects() loop over
 * a stop event, the UDP socket's event (WSAEventSelect) and the TAP's read
 * event, with the core's expiry as the timeout. What happens around the
 * wait is client-loop.c's, shared with lanparty-client.
 *
 * One program, two faces. Started with an invite (a lanparty:// link
 * from the URL handler, a .lanparty file from Explorer) or with nothing
 * (then a dialog asks for a link), it opens a small window (gui-win.c)
 * and runs the loop on a worker thread that posts status lines and light
 * colours to it. With --cli it runs the loop on the main thread and
 * prints the same status lines as the Linux client to a console (the one
 * it was started from, or a new one); --check does the same, runs the
 * party check once and leaves.
 *
 * Linked for the Windows subsystem (no console window flashes up for a
 * double-clicked link); --cli, --check, --help, --version and
 * --list-tap-adapters attach to the parent's console or open one.
 *
 * The window and --cli go through the lanparty service when its pipe
 * answers (issue 13; service-face-win.c shows the service's session
 * instead of running one); the session above runs in this process only
 * without a service, when elevated, and for --check and the tests' null
 * device (client-path-plan.h decides).
 *
 * This file holds the command line, the modes and wmain(); client-win.h
 * lists the others. */
#include <winsock2.h>
#include <windows.h>

#include "client-win.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-path-plan.h"
#include "log.h"
#include "platform-win.h"
#include "restore-win.h"
#include "service-face-win.h"
#include "service-pipe-client-plan.h"
#include "tap-win.h"

static const char *help_text(void) {
        return PROGRAM_NAME " [OPTIONS...] [INVITE-LINK | FILE.lanparty]\n\n"
               "Joins a LAN party through its relay: the TAP-Windows6 adapter becomes a port\n"
               "of the party's LAN. The lanparty service (installed with lanparty, running\n"
               "as LocalSystem) joins the room and keeps the adapter and the routes;\n"
               "client.exe asks it to and shows how it goes, in a small window or with --cli\n"
               "in this console, without administrator rights. Without an invite it asks for\n"
               "one. Before it joins a room the window asks you (\"always\" is remembered per\n"
               "user, in %LOCALAPPDATA%\\lanparty\\consent); --cli does not ask: you gave it\n"
               "the link. If the service is in another room, the window asks whether to leave\n"
               "it; --cli says so and exits.\n\n"
               "Without the service (not installed or not running: sc start lanparty as\n"
               "administrator starts it) client.exe runs the session itself, which needs\n"
               "administrator rights (Run as administrator). --check and --restore always run\n"
               "in this process and need them too; --frame-device null and\n"
               "--list-tap-adapters do not.\n\n"
               "  -h --help                   Show this help\n"
               "     --version                Show the version\n"
               "     --cli                    Run in this console instead of a window\n"
               "     --check                  In this console, as administrator: join, run the\n"
               "                              party check once the adapter has an address (or\n"
               "                              30 s after joining), print it, and leave; exit\n"
               "                              status 0 only if every step passed (1 also when no\n"
               "                              check could run within --check-timeout). Not\n"
               "                              through the service, nor while it is in a room\n"
               "                              (the adapter is its): use the window's Check.\n"
               "     --check-timeout SECONDS  Give --check up after this long (default 90)\n"
               "     --list-tap-adapters      List the TAP-Windows6 adapters and exit\n"
               "     --restore                As administrator: undo what earlier runs left\n"
               "                              behind (the route to the relay, the adapter's\n"
               "                              settings) and exit; the uninstaller runs it\n"
               "The next five apply when client.exe runs the session itself; the service\n"
               "uses its own settings and ignores them (no options cross its pipe):\n"
               "     --tap-instance-id ID     Adapter to use, by GUID or connection name\n"
               "                              (needed only when there are several)\n"
               "  -n --name TEXT              Name the other players see (default: computer name)\n"
               "  -s --state-dir DIR          Keep the virtual MAC and the route state in DIR\n"
               "     --frame-device TYPE      tap (default) or null (no adapter, for tests;\n"
               "                              never through the service)\n"
               "     --accept-party-gateway   Let the party's DHCP and router advertisements set\n"
               "                              this computer's default route and DNS servers;\n"
               "                              normally they are removed so your own internet\n"
               "                              keeps working\n"
               "  -v --verbose                Log debug messages\n\n"
               "In the console, status lines go to standard output and log messages to\n"
               "standard error; Ctrl-C (or closing the console) leaves the room, also one\n"
               "the service was in already; a second Ctrl-C stops waiting for it. Exit status\n"
               "0 when the room was left as asked, 1 when the session failed.\n\n"
               "The party check: once the adapter has an address from the party (after each\n"
               "join), the client checks that games on this computer will find the party,\n"
               "through Windows' network stack as games use it: 1. broadcasts\n"
               "(255.255.255.255, the LAN's broadcast address) reach the party's gateway; 2. a\n"
               "broadcast from the gateway reaches a socket here (Windows Firewall lets it in);\n"
               "3. frames of the room's MTU make the round trip; 4. the adapter has an address\n"
               "from the party and a LAN host answers ARP. Each step prints a check mark or a\n"
               "cross with the cause and the fix; the window's Check button runs it again.\n";
}

static int list_adapters(void) {
        TapWinAdapter adapters[TAP_WIN_ADAPTERS_MAX];
        size_t n = 0;
        int r;

        console_setup(false);
        r = tap_win_adapters_list(adapters, ELEMENTSOF(adapters), &n);
        if (r < 0) {
                fprintf(stderr, "%s: Cannot list network adapters: %s.\n", PROGRAM_NAME, client_error_text(r));
                return EXIT_FAILURE;
        }
        if (n == 0) {
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, NO_TAP_MESSAGE);
                return EXIT_FAILURE;
        }
        printf("TAP-Windows6 adapters (use one with --tap-instance-id):\n");
        for (size_t i = 0; i < n; i++)
                printf("  %s  %s%s%s\n", adapters[i].instance_id, adapters[i].alias[0] ? "\"" : "",
                       adapters[i].alias[0] ? adapters[i].alias : "(no connection name)",
                       adapters[i].alias[0] ? "\"" : "");
        fflush(stdout);
        return EXIT_SUCCESS;
}

static bool is_elevated(void) {
        SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
        PSID admins = NULL;
        BOOL member = FALSE;

        if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0,
                                      &admins))
                return false;
        /* With UAC a non-elevated token holds the group "deny only": false. */
        if (!CheckTokenMembership(NULL, admins, &member))
                member = FALSE;
        FreeSid(admins);
        return member;
}

/* --restore: what the uninstaller runs before it removes client.exe. */
static int run_restore(const ClientWinArgs *args) {
        console_setup(false);
        if (!is_elevated()) {
                print_or_show(true, PROGRAM_NAME ": " NOT_ADMIN_MESSAGE "\n");
                return EXIT_FAILURE;
        }
        /* What was undone, route by route. */
        if (log_get_max_level() < LOG_INFO)
                log_set_max_level(LOG_INFO);
        return restore_win_run(args->state_dir, stdout);
}

/* The modes that print something and exit. Returns the exit code, or -1
 * for the modes that join a room. */
static int run_mode(const ClientWinArgs *args) {
        switch (args->mode) {
        case CLIENT_WIN_MODE_HELP:
                print_or_show(false, help_text());
                return EXIT_SUCCESS;
        case CLIENT_WIN_MODE_VERSION:
                print_or_show(false, "lanparty client.exe " LANPARTY_VERSION "\n");
                return EXIT_SUCCESS;
        case CLIENT_WIN_MODE_LIST_ADAPTERS:
                return list_adapters();
        case CLIENT_WIN_MODE_RESTORE:
                return run_restore(args);
        case CLIENT_WIN_MODE_CLI:
                console_setup(true);
                return -1;
        default:
                return -1;
        }
}

static int show_error(const Client *c, const char *text) {
        if (c->args.mode == CLIENT_WIN_MODE_CLI) {
                fprintf(stderr, "%s: %s\n", PROGRAM_NAME, text);
                console_pause();
        } else
                gui_message(NULL, MB_OK | MB_ICONERROR, text);
        return EXIT_FAILURE;
}

/* The window and --cli: through the lanparty service when it answers,
 * else the session in this process or why not (client-path-plan.h).
 * Returns the exit code, or -1 to run the session here. */
static int run_join(Client *c, HINSTANCE instance) {
        _cleanup_(service_face_freep) ServiceFace *f = NULL;
        char text[SERVICE_PIPE_REFUSAL_MESSAGE_MAX] = "", error[FAILURE_TEXT_MAX];
        int service = -ENOENT, r;
        ClientPath path;

        if (client_path_tries_service(&c->args))
                service = service_face_open(c, &f, text, sizeof(text));
        path = client_path_decide(&c->args, service, is_elevated());
        log_debug("Joining %s (the service's pipe: %s).", client_path_to_string(path),
                  service >= 0 ? "welcomed" : client_error_text(service));
        switch (path) {
        case CLIENT_PATH_SERVICE:
                if (!invite_obtain(c, instance, &r))
                        return r;
                return service_face_run(f, instance);
        case CLIENT_PATH_NOT_ADMIN:
                return show_error(c, NOT_ADMIN_MESSAGE);
        case CLIENT_PATH_NO_SERVICE:
                return show_error(c, NO_SERVICE_MESSAGE);
        case CLIENT_PATH_SERVICE_ERROR:
                service_face_error_text(service, text, error, sizeof(error));
                return show_error(c, error);
        default:
                return -1;
        }
}

static void log_level_setup(void) {
        const char *e;

        log_set_max_level(LOG_NOTICE);
        e = getenv("LANPARTY_LOG_LEVEL");
        if (e && log_level_from_string(e) >= 0)
                log_set_max_level(log_level_from_string(e));
}

static int run(int argc, char **argv, HINSTANCE instance) {
        _cleanup_(client_freep) Client *c = NULL;
        char error[512] = "", hint[600];
        int r;

        log_level_setup();
        r = client_new(&c);
        if (r < 0)
                return EXIT_FAILURE;

        if (client_win_args_parse(argc, argv, &c->args, error, sizeof(error)) < 0) {
                snprintf(hint, sizeof(hint), "%s: %s\n", PROGRAM_NAME, error);
                print_or_show(true, hint);
                return EXIT_USAGE;
        }
        if (c->args.verbose)
                log_set_max_level(LOG_DEBUG);
        r = run_mode(&c->args);
        if (r >= 0)
                return r;
        setvbuf(stdout, NULL, _IOLBF, 0);

        r = run_join(c, instance);
        if (r >= 0)
                return r;

        /* The session in this process, as before the service. The link:
         * from argv (a link or a .lanparty file), else asked for. */
        if (!invite_obtain(c, instance, &r))
                return r;

        if (c->args.mode == CLIENT_WIN_MODE_CLI) {
                r = run_cli(c);
                if (r != EXIT_SUCCESS)
                        console_pause();
                return r;
        }
        return run_gui(c, instance);
}

/* mingw's CRT calls it with -municode; no header declares it. */
int wmain(int argc, wchar_t **wargv);
int wmain(int argc, wchar_t **wargv) {
        char **argv;
        WSADATA wsa;
        int r;

        /* The command line arrives in UTF-16; everything below is UTF-8. */
        argv = calloc((size_t) argc + 1, sizeof(char *));
        if (!argv)
                return EXIT_FAILURE;
        for (int i = 0; i < argc; i++) {
                size_t size = wcslen(wargv[i]) * 3 + 1;

                argv[i] = malloc(size);
                if (!argv[i] || wide_to_utf8(wargv[i], argv[i], size) < 0) {
                        print_or_show(true, PROGRAM_NAME ": the command line is not valid Unicode.\n");
                        return EXIT_USAGE;
                }
        }

        if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
                print_or_show(true, PROGRAM_NAME ": Windows networking (Winsock 2.2) is not available.\n");
                return EXIT_FAILURE;
        }
        /* A static GnuTLS runs no library constructor. */
        r = gnutls_global_init();
        if (r < 0) {
                print_or_show(true, PROGRAM_NAME ": Cannot initialise GnuTLS.\n");
                WSACleanup();
                return EXIT_FAILURE;
        }

        r = run(argc, argv, GetModuleHandleW(NULL));

        gnutls_global_deinit();
        WSACleanup();
        for (int i = 0; i < argc; i++)
                free(argv[i]);
        free(argv);
        return r;
}
