/* SPDX-License-Identifier: MIT */
#pragma once

/* The relay's state: event loop, bus connection, listening socket, rooms.
 * One per process. */

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-polkit.h"
#include "control.h"
#include "ratelimit.h"
#include "relayd-config.h"
#include "relayd-gateway-tokens.h"
#include "relayd-peer.h"
#include "socket-address.h"

/* Rejected HELLOs come from anyone on the network: this many log lines at
 * once, then one a second; the rest are summed up in one line at most
 * every RELAY_REJECT_LOG_SUMMARY_USEC. */
#define RELAY_REJECT_LOG_BURST 10U
#define RELAY_REJECT_LOG_PER_SEC 1U
#define RELAY_REJECT_LOG_SUMMARY_USEC (5U * 1000000U)

/* Rooms remember which token opened them by its SHA-256, not the token:
 * the quota is counted per token, across reloads of the token file. */
#define RELAY_TOKEN_DIGEST_SIZE 32

typedef struct Manager Manager;
typedef struct _GHashTable GHashTable; /* <glib.h> clashes with macro.h's MIN/MAX */
typedef struct Room Room;
typedef struct Peer Peer;

/* Where the QUIC side plugs in. All optional; userdata is passed back. */
/* New connections turned away, by reason (the keys of the Manager's
 * Refusals property on D-Bus), and address validations asked for. */
typedef struct RelayAdmission {
        uint64_t full;          /* MaxConnections= reached */
        uint64_t busy;          /* the slots of connections not admitted yet are taken */
        uint64_t per_source;    /* the source address (or IPv6 /64) has its share of them */
        uint64_t hello_timeout; /* no accepted HELLO within the admission timeout */
        uint64_t bad_token;     /* a Retry token that did not verify */
        uint64_t retries;       /* Retry packets sent */
} RelayAdmission;

typedef struct ManagerHooks {
        /* The relay is about to remove `peer` (kick, room closed, shutdown):
         * send DISCONNECT with reason/text and close the connection. The
         * Peer is freed as soon as this returns; do not free it here. */
        void (*peer_disconnect)(Peer *peer, LeaveReason reason, const char *text, void *userdata);
        /* SIGHUP, after the gateway tokens were re-read (e.g. reload the
         * certificate). A negative return is logged. */
        int (*reload)(Manager *m, void *userdata);
        /* The UDP socket is readable. Without this hook datagrams are read
         * and discarded so the event loop does not spin. */
        int (*udp_readable)(Manager *m, int fd, void *userdata);
        /* How new connections fared at the QUIC endpoint: refusals and
         * the like, for D-Bus. Without this hook, all 0. */
        void (*get_admission)(Manager *m, RelayAdmission *ret, void *userdata);
        void *userdata;
} ManagerHooks;

struct Manager {
        sd_event *event;
        sd_bus *bus; /* NULL when running without the management interface */
        RelayConfig *config;
        GatewayTokens *gateway_tokens; /* NULL with --insecure-open-gateways */
        ManagerHooks hooks;

        int udp_fd;
        sd_event_source *udp_event_source;
        char listen_str[SOCKET_ADDRESS_STR_MAX];

        GHashTable *rooms; /* name → Room */
        unsigned n_rooms;
        unsigned n_peers;  /* in all rooms */
        RelayCounters closed; /* counters of rooms already freed */

        /* Once per loop iteration: PropertiesChanged for what changed, empty
         * rooms freed, STATUS= updated. */
        sd_event_source *flush_event_source;
        unsigned emitted_n_rooms, emitted_n_peers; /* as last sent in PropertiesChanged */

        LogRateLimit reject_log;
        sd_event_source *reject_log_summary; /* armed while rejections went unlogged */

        PolkitRegistry *polkit_registry;
        bool stopping; /* SIGTERM: peers were told, the loop ends shortly */

        /* base64url SPKI pin of the certificate in use, "" before one is
         * loaded; shown on D-Bus for invite generators. */
        char certificate_pin[48];
};

/* Takes config and tokens (may be NULL) on success. Does no I/O. */
int manager_new(Manager **ret, RelayConfig *config, GatewayTokens *tokens);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

void manager_set_hooks(Manager *m, const ManagerHooks *hooks);

/* Signals, watchdog, UDP socket, bus; then READY=1. */
int manager_start(Manager *m);
/* The pieces of manager_start(), for tests that want only some. */
int manager_listen(Manager *m);
int manager_connect_bus(Manager *m);

/* Runs the event loop until SIGTERM/SIGINT. */
int manager_run(Manager *m);

/* SIGHUP: re-reads the gateway token file (keeping the old tokens if the
 * new file is bad) and calls the reload hook. */
int manager_reload(Manager *m);

/* Disconnects everyone and frees all rooms. */
void manager_close_rooms(Manager *m, LeaveReason reason, const char *text);

/* Whether a rejected HELLO may be logged now (now_nsec: CLOCK_MONOTONIC).
 * If not, it is counted for the next summary line. */
bool manager_reject_log_allow(Manager *m, uint64_t now_nsec);

/* Whether a gateway presenting `token` may open the room `room_name`, or
 * take back `room`, the open room of that name (NULL: none). Returns 0 and
 * the token's digest, to be kept in the room (all zero with
 * --insecure-open-gateways); -EACCES: not a token of ours; -EPERM: the
 * token does not name this room; -EDQUOT: the token holds *ret_max_rooms
 * other rooms already, its max-rooms. */
int manager_check_gateway_token(Manager *m, const void *token, size_t size, const char *room_name,
                                const Room *room, uint8_t ret_digest[static RELAY_TOKEN_DIGEST_SIZE],
                                unsigned *ret_max_rooms);
void manager_log_gateway_tokens(Manager *m, const GatewayTokens *tokens);
void manager_get_counters(Manager *m, RelayCounters *ret);
void manager_get_admission(Manager *m, RelayAdmission *ret);
/* Schedules the once-per-iteration flush; rooms and peers call this. */
void manager_mark_dirty(Manager *m);
/* Calls f for every room; f may close the room it is given (then it
 * returns > 0 and the walk starts over, skipping nothing). */
void manager_foreach_room(Manager *m, int (*f)(Room *room, void *userdata), void *userdata);
