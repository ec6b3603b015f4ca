/* SPDX-License-Identifier: MIT */
#pragma once

/* The relay's side of one QUIC connection (RelayConn), from its completed
 * handshake until it ends: the control stream (HELLO → WELCOME/REJECT,
 * STATS, DISCONNECT), admission into a room (room_admit_decide() decides),
 * and the data path of every datagram the peer sends (decode, rate
 * limits, L2 filter, forwarding decision, delivery). Not to be confused
 * with src/common/session.c, the client's and gateway's side. A RelayConn
 * exists before its Peer (admission) and may outlive it (closing).
 *
 * A RelayConn never frees its Peer from inside a QUIC callback: a
 * connection that ends is queued and left by relay_quic_dispatch(), so a
 * frame being forwarded to a room never sees a peer vanish under it. */

#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "quic.h"
#include "relayd-quic.h"
#include "socket-address.h"

typedef struct Peer Peer;

struct RelayConn {
        RelayConnOwner owner; /* RELAY_CONN_OWNER_CONN */
        RelayQuic *quic;
        QuicConn *quic_conn; /* NULL once the connection ended */
        Peer *peer;      /* NULL before admission and after leaving */

        ControlReader control;
        bool hello_answered;
        bool closing;                 /* we closed (REJECT, kick, protocol error) */
        bool got_disconnect;
        LeaveReason leave_reason;     /* from DISCONNECT or how the connection ended */
        char remote_str[SOCKET_ADDRESS_STR_MAX];

        RelayConn *next, *prev;         /* RelayQuic.conns */
        RelayConn *write_next;
        bool write_queued;
        RelayConn *reap_next;
        bool reap_queued;
};

/* QUIC callbacks, dispatched by relayd-quic.c. */
void relay_conn_on_handshake(RelayQuic *q, QuicConn *c);
void relay_conn_on_control(RelayConn *rc, const uint8_t *data, size_t len);
void relay_conn_on_datagram(RelayConn *rc, const uint8_t *data, size_t len);
void relay_conn_on_closed(RelayConn *rc, const QuicCloseInfo *info);

/* From relay_quic_dispatch(): leaves the room, unlinks and frees. */
void relay_conn_reap(RelayConn *rc);
/* Writes queued control bytes. */
void relay_conn_write(RelayConn *rc);
/* Once a second: HELLO deadlines, RTT. */
void relay_conn_housekeeping(RelayConn *rc, uint64_t now_usec);

/* The Manager's peer_disconnect hook: DISCONNECT, close, PEER_LEFT to the
 * rest of the room. */
void relay_conn_peer_disconnect(Peer *peer, LeaveReason reason, const char *text, void *userdata);

RelayConn *relay_conn_free(RelayConn *rc);
