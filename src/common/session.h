/* SPDX-License-Identifier: MIT */
#pragma once

/* A gateway's or client's session with the relay: one QUIC connection, the
 * HELLO/WELCOME admission, peer lifecycle events, Ethernet frames both ways,
 * periodic STATS and a graceful DISCONNECT. Shared by lanparty-gatewayd,
 * the Linux client and client.exe, so like quic.c it has no sockets, threads
 * or clocks: the owner feeds packets and monotonic nanoseconds in and drives
 * the expiry, exactly as quic.h describes for a QuicConn.
 *
 * After the handshake the session waits up to `pmtu_wait` for path MTU
 * discovery to raise the datagram budget to LP_SESSION_PMTU_TARGET before it
 * sends HELLO: the gateway's HELLO fixes the room MTU (PROTOCOL.md, "MTU
 * budget"), and a budget measured at QUIC's 1200-byte start would leave the
 * room below IPv6's 1280.
 *
 * A session is used once: when it ends (the `ended` callback), the owner
 * frees it and, if it wants to, starts a new one when reconnect.h says.
 * Callbacks must not free the session. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "control.h"
#include "mac.h"
#include "quic.h"

/* 1406-byte UDP payload (ngtcp2's first PMTUD probe) minus 44. */
#define LP_SESSION_PMTU_TARGET 1362
#define LP_SESSION_PMTU_WAIT_DEFAULT (2 * QUIC_NS_PER_SEC)
#define LP_SESSION_HELLO_TIMEOUT_DEFAULT (10 * QUIC_NS_PER_SEC)
#define LP_SESSION_STATS_INTERVAL_DEFAULT (10 * QUIC_NS_PER_SEC)

typedef struct Session Session;

typedef enum SessionState {
        SESSION_STATE_CONNECTING, /* QUIC handshake */
        SESSION_STATE_PMTU_WAIT,  /* handshake done, letting PMTUD raise the budget */
        SESSION_STATE_HELLO_SENT,
        SESSION_STATE_JOINED,
        SESSION_STATE_CLOSING,
        SESSION_STATE_ENDED,
        _SESSION_STATE_MAX,
        _SESSION_STATE_INVALID = -22, /* -EINVAL */
} SessionState;

const char *session_state_to_string(SessionState s);

/* Why a session ended, for messages and for the reconnect decision. */
typedef enum SessionEndKind {
        SESSION_END_LOCAL,            /* session_disconnect() */
        SESSION_END_REJECTED,         /* REJECT; `reject` says why */
        SESSION_END_RELAY_DISCONNECT, /* DISCONNECT from the relay (kicked, shutdown, ...) */
        SESSION_END_CONNECTION_LOST,  /* idle timeout, reset, transport error, relay unreachable */
        SESSION_END_PIN_MISMATCH,
        SESSION_END_CERT_UNTRUSTED,
        SESSION_END_PROTOCOL_ERROR,   /* the relay broke the protocol, or no WELCOME in time */
        _SESSION_END_KIND_MAX,
        _SESSION_END_KIND_INVALID = -22, /* -EINVAL */
} SessionEndKind;

const char *session_end_kind_to_string(SessionEndKind k);

typedef struct SessionEnd {
        SessionEndKind kind;
        RejectReason reject;      /* SESSION_END_REJECTED */
        LeaveReason leave;        /* SESSION_END_RELAY_DISCONNECT */
        bool was_joined;          /* a WELCOME had arrived */
        bool retry;               /* worth reconnecting (with backoff) */
        char message[320];        /* one line a person understands */
} SessionEnd;

/* A peer of the room as the relay announced it. */
typedef struct SessionPeer {
        uint16_t id;
        PeerRole role;
        MacAddr mac;
        char name[LP_CONTROL_NAME_MAX + 1];
} SessionPeer;

typedef struct SessionCallbacks {
        QuicSendFunc send;
        void (*joined)(Session *s, const ControlWelcome *welcome, void *userdata);
        void (*peer_joined)(Session *s, const SessionPeer *peer, void *userdata);
        /* `peer` is gone from the table once this returns. */
        void (*peer_left)(Session *s, const SessionPeer *peer, LeaveReason reason, void *userdata);
        /* A frame another peer sent, with its id (0 if the relay forwarded
         * it without one, which PROTOCOL.md never does). Valid during the call. */
        void (*frame_received)(Session *s, uint16_t source_peer_id, const uint8_t *frame, size_t len,
                               void *userdata);
        void (*ended)(Session *s, const SessionEnd *end, void *userdata);
        /* A party check message (CHECK_BEGIN, CHECK_REPORT or CHECK_RESULT)
         * the relay passed on; NULL: ignored. */
        void (*check)(Session *s, const ControlMessage *m, void *userdata);
} SessionCallbacks;

typedef struct SessionConfig {
        PeerRole role;
        char room[LP_ROOM_NAME_MAX + 1];
        MacAddr mac;
        char name[LP_CONTROL_NAME_MAX + 1];
        /* Client: the room key from the invite (the proof is derived from it).
         * Gateway: the room key it generated (auth_key is derived and sent). */
        uint8_t room_key[LP_ROOM_KEY_SIZE];
        /* Gateway only. */
        uint8_t gateway_token[LP_CONTROL_GATEWAY_TOKEN_MAX];
        size_t gateway_token_len;

        QuicSettings quic;
        QuicTlsClientConfig tls;
        uint64_t pmtu_wait;      /* ns; 0: default; UINT64_MAX: wait forever (tests) */
        uint64_t hello_timeout;  /* ns from HELLO to WELCOME; 0: default */
        uint64_t stats_interval; /* ns; 0: default */

        SessionCallbacks callbacks;
        void *userdata;
        void *send_userdata;
} SessionConfig;

typedef struct SessionCounters {
        uint64_t rx_frames, rx_bytes;   /* delivered to the owner */
        uint64_t tx_frames, tx_bytes;   /* handed to QUIC */
        uint64_t dropped_too_big;       /* did not fit the datagram budget */
        uint64_t dropped_congestion;    /* refused by QUIC's queue: full, the frame's flow the fattest */
        uint64_t dropped_queue_evicted; /* queued, then evicted for another flow's frame (queue full) */
        uint64_t dropped_queue_codel;   /* queued longer than CoDel allows (fair-queue.h) */
        uint64_t dropped_malformed;     /* undecodable datagrams from the relay */
        uint64_t dropped_not_joined;    /* frames before WELCOME or after the end */
        uint64_t dropped_by_owner;      /* session_count_drop() */
        uint64_t broadcast_rx;          /* broadcast/multicast frames received */
} SessionCounters;

int session_new(Session **ret, const SessionConfig *config, const QuicAddr *local, const QuicAddr *remote,
                uint64_t now);
Session *session_free(Session *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Session *, session_free);

int session_read_packet(Session *s, const QuicAddr *remote, const uint8_t *data, size_t len, uint64_t now);
int session_write(Session *s, uint64_t now);
/* The owner's address changed and it opened a socket at `local`: the
 * connection moves there (quic_conn_migrate(), same errors; -ENOTCONN
 * before the handshake or once closing). The room sees nothing of it. */
int session_migrate(Session *s, const QuicAddr *local, uint64_t now);
uint64_t session_get_expiry(Session *s);
int session_handle_expiry(Session *s, uint64_t now);

/* Sends one Ethernet frame to the room. 0 when sent or queued; -EMSGSIZE
 * when it exceeds the current budget, -ENOBUFS when QUIC's queue is full
 * and the frame's flow has the most queued (fair-queue.h),
 * -ENOTCONN before WELCOME — each counted as a drop. */
int session_send_frame(Session *s, const uint8_t *frame, size_t len, uint64_t now);
/* Like session_send_frame(), but only queues the frame: the owner calls
 * session_write() once after a batch, and frames queued together share
 * QUIC packets. Every QUIC_DATAGRAM_QUEUE_LEN frames it writes what is
 * queued itself (which may end the session: see `ended`). Same returns and
 * counters as session_send_frame(). Not from inside a session callback. */
int session_queue_frame(Session *s, const uint8_t *frame, size_t len, uint64_t now);

/* DISCONNECT with a reason, then a graceful close. `ended` follows with
 * SESSION_END_LOCAL once the close is done. */
int session_disconnect(Session *s, LeaveReason reason, const char *text, uint64_t now);

/* Sends a party check message (CHECK_BEGIN, CHECK_REPORT, CHECK_RESULT)
 * on the control stream. -ENOTCONN before WELCOME, -EINVAL for any other
 * type or a message that breaks PROTOCOL.md's rules. */
int session_send_check(Session *s, const ControlMessage *m);
/* Counts a frame the owner dropped (filters) so STATS report it. */
void session_count_drop(Session *s);

SessionState session_get_state(Session *s);
uint16_t session_get_peer_id(Session *s);   /* 0 before WELCOME */
uint16_t session_get_room_mtu(Session *s);  /* 0 before WELCOME */
bool session_get_gateway_present(Session *s);
/* Largest Ethernet frame that fits a datagram right now. */
size_t session_get_frame_budget(Session *s);
void session_get_rtt(Session *s, uint64_t *ret_smoothed, uint64_t *ret_min);
void session_get_counters(Session *s, SessionCounters *ret);
const SessionPeer *session_get_peer(Session *s, uint16_t id);
size_t session_get_n_peers(Session *s);
/* Iterates: *i starts at 0; returns NULL at the end. */
const SessionPeer *session_next_peer(Session *s, size_t *i);
QuicConn *session_get_quic(Session *s);
