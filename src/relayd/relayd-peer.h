/* SPDX-License-Identifier: MIT */
#pragma once

/* One connected client or gateway in a room. A Peer exists from the moment
 * its HELLO is accepted until it leaves; the QUIC side owns the connection
 * and points it at the Peer. */

#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "log.h"
#include "mac.h"
#include "party-check.h"
#include "ratelimit.h"
#include "socket-address.h"

typedef struct Manager Manager;
typedef struct Room Room;
typedef struct Peer Peer;
typedef struct RelayConn RelayConn;

/* journald MESSAGE_IDs, explained in lanparty-relayd.catalog. */
#define RELAY_MESSAGE_PEER_JOINED "6eb55fb37d6f4e6ba289ed605693fd14"
#define RELAY_MESSAGE_PEER_LEFT "9ba1667d0dc24044bed3215ca9d933b7"
#define RELAY_MESSAGE_PEER_REJECTED "1e75f70f8b574aeca26a84114c8e2c8c"
#define RELAY_MESSAGE_PEER_KICKED "04b1f53c246e4dcba79050978a37d12e"
#define RELAY_MESSAGE_FRAME_DROPPED "709e41fed491481e8c245d2c4869467d"

/* A peer sending more malformed datagrams than this is disconnected. */
#define PEER_MALFORMED_MAX 64U
/* Drop log lines: the first of a reason, then at most one per interval
 * with the count of what was not logged. */
#define PEER_DROP_LOG_INTERVAL_USEC (10U * 1000000U)

/* A client may start a party check this often (PROTOCOL.md, "Party check"):
 * a token bucket of PEER_CHECK_INTERVAL_SEC tokens refilled at one a
 * second, each CHECK_BEGIN costing all of them. */
#define PEER_CHECK_INTERVAL_SEC LP_CHECK_BEGIN_INTERVAL_SEC

#define PEER_ID_STR_MAX 6          /* "65535" + NUL */
#define PEER_DROP_REASONS_MAX 24   /* distinct drop reasons kept per peer */
#define PEER_DROP_REASON_OTHER "other"

/* Frame and byte counters, as seen by the relay: rx = from this peer,
 * tx = to it. */
typedef struct RelayCounters {
        uint64_t rx_frames;
        uint64_t rx_bytes;
        uint64_t tx_frames;
        uint64_t tx_bytes;
        uint64_t dropped_frames;
} RelayCounters;

void relay_counters_add(RelayCounters *sum, const RelayCounters *c);

typedef struct PeerDrop {
        const char *reason; /* a static string: an l2filter or datagram reason name */
        uint64_t count;
        uint64_t logged_usec;  /* CLOCK_MONOTONIC of the last log line; 0: never */
        uint64_t unlogged;     /* drops since that line */
} PeerDrop;

struct Peer {
        Room *room;
        uint16_t id;
        PeerRole role;
        MacAddr mac;
        char name[LP_CONTROL_NAME_MAX + 1];

        /* Text forms, made once for logs and D-Bus. */
        char id_str[PEER_ID_STR_MAX];
        char mac_str[LP_MAC_STR_MAX];
        char remote_str[SOCKET_ADDRESS_STR_MAX];
        char *object_path;

        SocketAddress remote;
        uint64_t connected_usec; /* CLOCK_REALTIME */
        uint64_t last_seen_usec; /* CLOCK_REALTIME */
        uint64_t rtt_usec;

        RelayCounters counters;
        PeerDrop drops[PEER_DROP_REASONS_MAX];
        size_t n_drops;

        /* The connection (relayd-conn.c); NULL for peers without one
         * (the bus test's made-up peers, or one being torn down). */
        RelayConn *conn;
        RateLimit rate_broadcast;       /* frames/s, broadcast and multicast */
        RateLimit rate_unknown_unicast; /* frames/s, to MACs not known in the room */
        RateLimit rate_bandwidth;       /* bytes/s, everything */
        RateLimit rate_check;           /* CHECK_BEGIN: one per PEER_CHECK_INTERVAL_SEC */
        bool check_pending;             /* client: a CHECK_BEGIN went to the gateway, no REPORT yet */
        bool check_result_allowed;      /* client: a REPORT came, one CHECK_RESULT may follow */
        unsigned n_malformed;

        /* The peer's own view, from its latest STATS. */
        ControlStats reported;
        bool have_reported;
};

/* Adds a peer to room. name: 0-64 bytes of protocol text. remote may be
 * NULL. Fails with -EINVAL (bad role, MAC or name), -EXFULL (room full),
 * -EADDRINUSE (MAC taken in this room), -EBUSY (gateway role while the room
 * has one). Emits InterfacesAdded. */
int peer_new(Room *room, PeerRole role, const MacAddr *mac, const char *name, const struct sockaddr *remote,
             socklen_t remote_len, Peer **ret);
/* Removes the peer from its room and the bus; its counters stay in the
 * room's totals. NULL-safe, returns NULL. Does not touch the connection. */
Peer *peer_free(Peer *peer);
DEFINE_TRIVIAL_CLEANUP_FUNC(Peer *, peer_free);

/* Removal at the relay's initiative: calls the manager's peer_disconnect
 * hook (which tells the peer why and closes its connection), then
 * peer_free(). */
void peer_disconnect(Peer *peer, LeaveReason reason, const char *text);
void peer_kick(Peer *peer, const char *text);

/* Counts one dropped frame under reason, which must outlive the peer (use
 * the _to_string() names). */
/* The peer's counters, with the frames its connection's fair queue
 * dropped (fair-queue.h) in dropped_frames: those are counted by QUIC, not
 * per frame in peer->counters. */
void peer_get_counters(Peer *peer, RelayCounters *ret);
void peer_count_drop(Peer *peer, const char *reason);
/* Counts like peer_count_drop() and logs it, rate limited per reason
 * (PEER_DROP_LOG_INTERVAL_USEC) with REASON= and MESSAGE_ID= fields.
 * now_usec: CLOCK_MONOTONIC. */
void peer_drop(Peer *peer, const char *reason, uint64_t now_usec);
/* Frees the peer with this reason in the log (PEER_LEFT is the caller's). */
void peer_leave(Peer *peer, LeaveReason reason);
void peer_set_remote(Peer *peer, const struct sockaddr *remote, socklen_t remote_len);
void peer_touch(Peer *peer, uint64_t realtime_usec);
void peer_set_rtt(Peer *peer, uint64_t rtt_usec);

/* Context helpers: every line about a peer carries ROOM=, PEER= and MAC=. */
#define log_peer_full_errno(peer, level, error, ...)                                                   \
        log_fields_errno(level, error,                                                               \
                         LOG_FIELDS({ "ROOM", (peer)->room->name }, { "PEER", (peer)->id_str },       \
                                    { "MAC", (peer)->mac_str }),                                      \
                         __VA_ARGS__)
#define log_peer_debug(peer, ...) log_peer_full_errno(peer, LOG_DEBUG, 0, __VA_ARGS__)
#define log_peer_info(peer, ...) log_peer_full_errno(peer, LOG_INFO, 0, __VA_ARGS__)
#define log_peer_warning(peer, ...) log_peer_full_errno(peer, LOG_WARNING, 0, __VA_ARGS__)
#define log_peer_debug_errno(peer, e, ...) log_peer_full_errno(peer, LOG_DEBUG, e, __VA_ARGS__)
