/* SPDX-License-Identifier: MIT */
#pragma once

/* One QUIC connection to the relay, from its completed handshake until it
 * ends: the control stream (HELLO → WELCOME/REJECT, STATS, DISCONNECT),
 * admission into a room, and the data path of every datagram the peer
 * sends (decode, rate limits, L2 filter, forwarding decision, delivery).
 *
 * The session never frees its Peer from inside a QUIC callback: a
 * connection that ends is queued and left by relay_quic_dispatch(), so a
 * frame being forwarded to a room never sees a peer vanish under it. */

#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "quic.h"
#include "relayd-quic.h"
#include "socket-address.h"

typedef struct Peer Peer;

struct Session {
        RelayConnOwner owner; /* RELAY_CONN_OWNER_SESSION */
        RelayQuic *quic;
        QuicConn *conn;  /* NULL once the connection ended */
        Peer *peer;      /* NULL before admission and after leaving */

        ControlReader control;
        bool hello_answered;
        bool closing;                 /* we closed (REJECT, kick, protocol error) */
        bool got_disconnect;
        LeaveReason leave_reason;     /* from DISCONNECT or how the connection ended */
        char remote_str[SOCKET_ADDRESS_STR_MAX];

        Session *next, *prev;         /* RelayQuic.sessions */
        Session *write_next;
        bool write_queued;
        Session *reap_next;
        bool reap_queued;
};

/* QUIC callbacks, dispatched by relayd-quic.c. */
void session_on_handshake(RelayQuic *q, QuicConn *c);
void session_on_control(Session *s, const uint8_t *data, size_t len);
void session_on_datagram(Session *s, const uint8_t *data, size_t len);
void session_on_closed(Session *s, const QuicCloseInfo *info);

/* From relay_quic_dispatch(): leaves the room, unlinks and frees. */
void session_reap(Session *s);
/* Writes queued control bytes. */
void session_write(Session *s);
/* Once a second: HELLO deadlines, RTT. */
void session_housekeeping(Session *s, uint64_t now_usec);

/* The Manager's peer_disconnect hook: DISCONNECT, close, PEER_LEFT to the
 * rest of the room. */
void session_peer_disconnect(Peer *peer, LeaveReason reason, const char *text, void *userdata);

Session *session_free(Session *s);
