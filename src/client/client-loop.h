/* SPDX-License-Identifier: MIT */
#pragma once

/* What both clients do around the wait of their main loop, whatever they
 * wait with (poll() in main-linux.c, WaitForMultipleObjects() in
 * main-win.c): how long to sleep, and after each wakeup the core's timer,
 * the deadline for the relay's goodbye, the periodic address and route
 * checks and the status lines; also which relay address a new attempt
 * uses. The two programs had grown the same code twice, so every fix had
 * to be made twice.
 *
 * The platform keeps the wait, the sockets and the device, and supplies
 * the few things that differ (ClientLoopOps): where a status line goes,
 * how to look the relay up, how to read the device's address. */

#include <stdbool.h>
#include <stdint.h>

#include "client-core.h"
#include "client-status.h"
#include "frame-device.h"
#include "route.h"

#define CLIENT_LOOP_TICK_INTERVAL QUIC_NS_PER_SEC
#define CLIENT_LOOP_STATUS_REPEAT_INTERVAL (10 * QUIC_NS_PER_SEC)
#define CLIENT_LOOP_ROUTE_CHECK_INTERVAL (10 * QUIC_NS_PER_SEC)
/* The soonest a refused send asks again whether our address towards the
 * relay changed (the tick asks every second anyway). */
#define CLIENT_LOOP_PATH_CHECK_MIN_INTERVAL (QUIC_NS_PER_SEC / 5)
/* How long a quit waits for the relay to confirm the goodbye. */
#define CLIENT_LOOP_QUIT_GRACE (3 * QUIC_NS_PER_SEC)
/* The longest single wait; a timer is never further away than a tick
 * anyway, this only bounds the arithmetic. */
#define CLIENT_LOOP_WAIT_MAX_MS 60000U

#define CLIENT_LOOP_DEVICE_LABEL_MAX (FRAME_DEVICE_NAME_MAX + 16)

typedef struct ClientLoopOps {
        /* How often to read the device's address: a multiple of
         * CLIENT_LOOP_TICK_INTERVAL (where asking the OS is cheap, every
         * tick). */
        uint64_t address_interval;
        /* One status line for people: stdout, or the window's log pane. */
        void (*say)(void *userdata, const char *line);
        /* Looks the relay up again; negative errno, already logged. */
        int (*resolve)(void *userdata, QuicAddr *ret);
        /* Reads the device's IPv4 address and hands it to the core. */
        void (*address_update)(void *userdata);
        /* Optional: each diagnostics snapshot, before its status lines
         * and also once the core is done (the window's lights). */
        void (*diagnostics)(void *userdata, const ClientDiagnostics *d, uint64_t now);
        /* Optional, the path check (client_loop_path_check()): a new
         * socket connected to `relay` the way the current one is, kept
         * aside as the candidate, and the local address the OS gave it.
         * Negative errno, not logged (it runs every tick). */
        int (*path_open)(void *userdata, const QuicAddr *relay, QuicAddr *ret_local);
        /* Whether `local` is an address of our own device: a route to the
         * relay through the tunnel (the pin gone) must not take the
         * connection along. */
        bool (*path_on_device)(void *userdata, const QuicAddr *local);
        /* Optional: readies the candidate for use (client.exe: its read
         * event); on failure, logged, it is dropped and nothing moves. */
        int (*path_prepare)(void *userdata);
        /* The candidate and the current socket change places; what the
         * current one still has to send goes out first. */
        void (*path_swap)(void *userdata);
        /* Closes the candidate. */
        void (*path_drop)(void *userdata);
        /* Optional: an error in words where strerror() knows too little. */
        const char *(*error_text)(int error);
} ClientLoopOps;

typedef struct ClientLoop {
        const ClientLoopOps *ops;
        void *userdata;

        /* Borrowed, from client_loop_attach(). routes is NULL without a TAP. */
        ClientCore *core;
        RouteManager *routes;
        const char *relay_host;                           /* the invite's, for log messages */
        char device_label[CLIENT_LOOP_DEVICE_LABEL_MAX]; /* "lanparty0", "adapter \"Ethernet 3\"" */

        /* Resolved and pinned at start-up, before the device existed: the
         * first attempt uses it. Filled by the platform. */
        bool have_fresh;
        QuicAddr fresh;
        /* The relay the current (or last) socket is connected to. */
        bool have_last;
        QuicAddr last;
        char last_text[CLIENT_ADDRESS_TEXT_MAX];
        QuicAddr local; /* what the current socket is connected from */

        ClientStatusTracker tracker;
        bool status_dirty; /* something happened: describe the state again */
        uint64_t next_tick;
        uint64_t next_address_check;
        uint64_t next_route_check;
        RouteCheck last_check;
        bool stopping;
        uint64_t stop_deadline;
        uint64_t path_checked_at;
} ClientLoop;

void client_loop_init(ClientLoop *l, const ClientLoopOps *ops, void *userdata);
/* Once the core exists, before client_core_start(). */
void client_loop_attach(ClientLoop *l, ClientCore *core, RouteManager *routes, const char *relay_host,
                        const char *device_label);

/* The relay address for a new attempt, pinned: the one from start-up for
 * the first, else a fresh lookup (the relay may have moved, dynamic DNS,
 * or we did, another network), else the last one that worked. */
int client_loop_next_relay(ClientLoop *l, QuicAddr *ret);
/* The attempt's socket is connected to `relay` from `local`; `text`
 * names the relay. */
void client_loop_relay_connected(ClientLoop *l, const QuicAddr *relay, const QuicAddr *local, const char *text);

/* Arms the timers; call right before the first wait. */
void client_loop_start(ClientLoop *l, uint64_t now);
/* How long the next wait may sleep, in ms. */
uint32_t client_loop_timeout_ms(const ClientLoop *l, uint64_t now);
/* Runs after every wakeup, once the platform handled its sockets: the
 * core's timer, the goodbye deadline, the periodic checks, the status. */
void client_loop_after_wait(ClientLoop *l, uint64_t now);
/* Says what changed since the last status lines. */
void client_loop_status_update(ClientLoop *l, uint64_t now);
/* The socket to the relay is connected, so its source address was fixed
 * when it connected. When that address goes away (a new lease, Wi-Fi to
 * cable) or the OS now prefers another one towards the relay, what we send
 * leaves from an address that is gone (the OS refuses it) or that the new
 * network does not route back. So this asks the OS which source it would
 * pick now, with a socket connected the same way (ops->path_open); if it
 * is another one, that socket becomes ours and the connection moves to it
 * (QUIC connection migration): the session, our peer id and our place in
 * the room survive, and the relay validates the new path. A NAT that maps
 * us anew needs none of this: the relay follows the new address by
 * itself. Runs every tick while joined. */
void client_loop_path_check(ClientLoop *l, uint64_t now);
/* A send was refused: our source address may be gone. Checks the path at
 * once, unless it was checked less than CLIENT_LOOP_PATH_CHECK_MIN_INTERVAL
 * ago. */
void client_loop_send_refused(ClientLoop *l, uint64_t now);
/* A request to leave: the first waits CLIENT_LOOP_QUIT_GRACE for the
 * relay's goodbye, a second one leaves at once. */
void client_loop_stop(ClientLoop *l, uint64_t now);

int client_addr_to_route(const QuicAddr *a, RouteAddress *ret);
/* "192.0.2.1:443", "[2001:db8::1]:443" as people read an address. */
const char *client_addr_to_text(const QuicAddr *a, char buf[static CLIENT_ADDRESS_TEXT_MAX]);
/* Whether two addresses are the same host address (ports aside): a new
 * socket to the relay from the same one is no reason to move. */
bool client_addr_same_host(const QuicAddr *a, const QuicAddr *b);
/* Whether an error sending to the relay (negative errno) says that our
 * source address may be gone or no longer routed (the OS refused the
 * packet): then the path check runs at once, not at the next tick.
 * (lanparty-client looks at any refused send: its batch only counts.) */
bool client_send_error_path_gone(int error);
