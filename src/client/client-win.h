/* SPDX-License-Identifier: MIT */
#pragma once

/* client.exe's state and the functions its files share; not a public
 * header. The files, one job each:
 *   main-win.c         the command line, the modes, wmain()
 *   client-win.c       the Client: its lifetime, setup + loop + teardown,
 *                      status lines and the reason it failed
 *   setup-win.c        client-setup.c's hooks: messages, adapter retries
 *   relay-socket-win.c the UDP socket to the relay, moving it (migration)
 *   loop-win.c         the WaitForMultipleObjects() loop and what the
 *                      core and client-loop.c call back
 *   console-win.c      the console face (--cli)
 *   window-win.c       the window face: gui-win.c and the worker thread
 *                      (lanparty-service.exe's face is service-session-win.c)
 *   invite-file-win.c  the invite from the command line, a .lanparty
 *                      file or the paste dialog
 *   service-face-win.c the window and --cli through the lanparty
 *                      service instead (service-face-win.h) */

#include <stdbool.h>
#include <stdint.h>
#include <winsock2.h>
#include <windows.h>

#include "check-run.h"
#include "client-core.h"
#include "client-lights.h"
#include "client-loop.h"
#include "client-setup.h"
#include "client-win-args.h"
#include "dhcp-renew-win.h"
#include "frame-device.h"
#include "gui-win.h"
#include "invite.h"
#include "macro.h"
#include "net-category-win.h"
#include "route.h"

#define PROGRAM_NAME "client.exe"
/* A console close or a logoff gives a process about 5 s. */
#define SHUTDOWN_WAIT_MS 4000
#define UDP_BUFFER_SIZE 65536
#define FAILURE_TEXT_MAX 1024

#define EXIT_USAGE 2

#define NO_TAP_MESSAGE                                                                                        \
        "no TAP-Windows6 adapter found. lanparty needs the TAP-Windows6 virtual network adapter (driver "     \
        "tap0901, from the OpenVPN project) to put this computer on the party's LAN. Run the lanparty "       \
        "installer again and let it install TAP-Windows6, or install \"TAP-Windows\" (NDIS 6) from "          \
        "https://openvpn.net/community-downloads/ or https://github.com/OpenVPN/tap-windows6/releases, then " \
        "start lanparty again."

#define NOT_ADMIN_MESSAGE                                                                                 \
        "lanparty needs administrator rights to give the TAP adapter its address and to keep the route to " \
        "the relay. Please run as administrator: right-click client.exe (or the Command Prompt you start "  \
        "it from) and choose \"Run as administrator\"."

/* Where a Client's status goes: the window, the console, or the
 * lanparty service's pipe clients. Called on the thread that runs
 * client_run(); each face moves what it is given to its own thread. */
typedef struct ClientFace {
        /* A status line: the window's log pane, stdout, a LINE. */
        void (*line)(void *userdata, const char *text);
        /* The lights changed. NULL: this face shows none (the console). */
        void (*lights)(void *userdata, const ClientLights *lights);
        /* The adapter has not taken our MAC yet (`message` says what to
         * do by hand): true to try it again. NULL: give up, the message
         * becomes the failure. */
        bool (*ask_retry_device)(void *userdata, const char *message);
        void *userdata;
} ClientFace;

/* The console's face: lines on stdout, no lights, no questions. The
 * default of a new Client (main-win.c says things before any face runs). */
extern const ClientFace client_face_console;

typedef struct Client {
        ClientWinArgs args;
        char link[LP_INVITE_TEXT_MAX + 64];
        /* Where client-mac is kept, if not in args.state_dir or the
         * player's %LOCALAPPDATA%: the service keeps the machine's MAC
         * in %ProgramData%\lanparty, where the installer keeps it across
         * upgrades and removals. */
        const char *mac_dir;
        Invite invite;
        ClientSetup setup; /* the MAC, the routes, the device, the core */
        SOCKET udp;
        SOCKET candidate; /* the path check's new socket, until it moves or is dropped */
        WSAEVENT udp_event;
        bool send_refused; /* a send failed in a way that says our address may be gone */
        HANDLE stop_event; /* auto-reset: each SetEvent() is one "leave" request */
        volatile LONG leave_now; /* set before a stop_event that must not wait for the relay */
        HANDLE address_event; /* auto-reset: an IP address changed somewhere (NotifyUnicastIpAddressChange) */
        HANDLE address_notify;
        HANDLE done_event; /* manual-reset: the loop ended and everything is restored */
        ClientFace face;
        ClientLoop loop;
        char resolve_reason[128]; /* why the relay lookup at start-up failed */

        /* Windows' view of the party network on the TAP. */
        NetCategory category;
        DhcpRenew dhcp_renew;
        bool media_connected; /* the TAP's media is on: joined, not yet disconnected since */
        bool gateway_here; /* as of WELCOME and PEER_JOINED/LEFT since */
        bool gateway_new;  /* it came after us: renew at once if need be */
        uint64_t joined_at; /* when the media last connected */

        /* The party check: once automatically per join when the TAP has
         * a lease from the party, again when the window's Check button
         * asks (check_event wakes the loop); with --check once, then
         * leave. */
        PartyCheck *check;
        bool check_done; /* this join's automatic one ran */
        volatile LONG check_requested;
        HANDLE check_event;
        uint64_t check_give_up_at; /* --check: no check by then, no check at all */
        bool check_failed;

        ClientLights lights;
        bool lights_posted;
        size_t budget_shown;
        uint64_t budget_shown_at;

        char failure[FAILURE_TEXT_MAX];
        int exit_code;

        uint8_t udp_buffer[UDP_BUFFER_SIZE];
} Client;

/* client-win.c */
int client_new(Client **ret);
Client *client_free(Client *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Client *, client_free);
/* Setup, the loop, teardown: the same on both faces. Returns the exit
 * code; c->failure says why when it is not 0. */
int client_run(Client *c);
/* Asks the loop to leave and waits (a while) until everything is
 * restored: Windows ends the process soon, so the leave does not wait for
 * the relay's goodbye. For a console close, a logoff, a shutdown. */
void client_leave_now(Client *c);
uint64_t client_now_ns(void);
/* mingw's strerror() predates the network errno values. */
const char *client_error_text(int e);
/* A status line, to the face: the window's log pane, stdout, the pipe. */
void client_say(Client *c, const char *format, ...) _printf_(2, 3);
/* After client_run() failed, the window's and the service's last word:
 * the lights say so when the loop never told them, then the reason. */
void client_report_failure(Client *c);
/* Remembers why the client could not run, for the final message;
 * returns r, or -EIO when r is not an error. */
int client_fail(Client *c, int r, const char *format, ...) _printf_(3, 4);

static inline bool client_device_is_tap(Client *c) {
        return c->setup.device && frame_device_get_type(c->setup.device) == FRAME_DEVICE_TAP;
}

/* setup-win.c */
int client_setup_win(Client *c);

/* relay-socket-win.c */
int relay_lookup_again(void *userdata, QuicAddr *ret);
int relay_lookup_first(void *userdata, QuicAddr *ret);
int relay_on_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len);
int relay_on_connect(ClientCore *core, QuicAddr *ret_local, QuicAddr *ret_remote, void *userdata);
int relay_path_open(void *userdata, const QuicAddr *relay, QuicAddr *ret_local);
bool relay_path_on_device(void *userdata, const QuicAddr *local);
int relay_path_prepare(void *userdata);
void relay_path_swap(void *userdata);
void relay_path_drop(void *userdata);
void relay_socket_close(Client *c);
void relay_socket_process(Client *c, uint64_t now);

/* loop-win.c */
extern const ClientLoopOps client_loop_ops_win;
void client_on_event(ClientCore *core, const ClientEvent *e, void *userdata);
void client_on_check_message(ClientCore *core, const ControlMessage *m, void *userdata);
/* Runs the party check again (from any thread: the window's Check button). */
void client_request_check(Client *c);
void client_address_watch(void *userdata, FrameDevice *device);
int client_run_loop(Client *c);

/* console-win.c */
/* Attaches to the console we were started from (or opens one when
 * `allocate`); false when there is none. */
bool console_setup(bool allocate);
/* A console we opened closes with us; lets the player read it first. */
void console_pause(void);
/* Prints to the console when there is one, else shows a message box. */
void print_or_show(bool error, const char *text);
/* Ctrl-C, closing the console and WM_CLOSE (taskkill) set c->stop_event;
 * a console close, a logoff and a shutdown call client_leave_now(c). */
void console_signals_setup(Client *c);
int run_cli(Client *c);

/* window-win.c */
int run_gui(Client *c, HINSTANCE instance);

/* invite-file-win.c */
/* Fills c->link and c->invite: from the command line (a link or a
 * .lanparty file), else from the paste dialog, asking again while the
 * link is no valid one. False when there is none to be had: then the
 * program exits with *ret_exit_code. */
bool invite_obtain(Client *c, HINSTANCE instance, int *ret_exit_code);
