/* SPDX-License-Identifier: MIT */
#pragma once

/* The gateway's side of the relay: resolves HOST[:PORT], owns the UDP
 * socket and drives one Session at a time on sd-event (read to EAGAIN,
 * write, one timer re-armed from the session's expiry, as quic.h
 * describes). When a session ends it is freed and, unless we are stopping,
 * a new one starts after reconnect.h's backoff: the LAN side never
 * notices beyond the frames it cannot send meanwhile. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "gatewayd-config.h"
#include "session.h"
#include "socket-address.h"

typedef struct RelayLink RelayLink;

typedef enum RelayState {
        RELAY_STATE_IDLE,          /* not started */
        RELAY_STATE_RESOLVING,     /* looking up the relay's address */
        RELAY_STATE_CONNECTING,    /* QUIC handshake, path MTU wait, HELLO */
        RELAY_STATE_JOINED,        /* WELCOME received: bridging */
        RELAY_STATE_BACKOFF,       /* waiting before the next attempt */
        RELAY_STATE_DISCONNECTING, /* DISCONNECT sent, closing */
        RELAY_STATE_STOPPED,       /* relay_link_stop() finished */
        _RELAY_STATE_MAX,
        _RELAY_STATE_INVALID = -EINVAL,
} RelayState;

/* "idle", "resolving", "connecting", "joined", "backoff", "disconnecting",
 * "stopped": also the values of the D-Bus property RelayState. */
const char *relay_state_to_string(RelayState s);

typedef struct RelayCallbacks {
        void (*state_changed)(RelayLink *l, RelayState state, void *userdata);
        /* Passed straight through from the session; see session.h. */
        void (*joined)(RelayLink *l, const ControlWelcome *welcome, void *userdata);
        void (*peer_joined)(RelayLink *l, const SessionPeer *peer, void *userdata);
        void (*peer_left)(RelayLink *l, const SessionPeer *peer, LeaveReason reason, void *userdata);
        void (*frame_received)(RelayLink *l, uint16_t source_peer_id, const uint8_t *frame, size_t len,
                               void *userdata);
        /* Every packet of one wakeup has been fed to the session and what
         * it wrote in return (acknowledgements) has been sent; the session
         * may have ended meanwhile. Frames passed to frame_received may be
         * held until now and sent together. */
        void (*batch_done)(RelayLink *l, void *userdata);
        /* The session is gone (freed already); the peer table with it. */
        void (*ended)(RelayLink *l, const SessionEnd *end, void *userdata);
        /* A party check message from a client, passed on by the relay. */
        void (*check)(RelayLink *l, const ControlMessage *m, void *userdata);
        /* relay_link_stop() is complete. */
        void (*stopped)(RelayLink *l, void *userdata);
} RelayCallbacks;

typedef struct RelayLinkConfig {
        RelayEndpoint endpoint;
        bool has_pin;
        uint8_t pin[LP_SPKI_PIN_SIZE];
        char room[LP_ROOM_NAME_MAX + 1];
        char name[LP_CONTROL_NAME_MAX + 1];
        MacAddr mac; /* the LAN NIC's, announced in HELLO */
        uint8_t room_key[LP_ROOM_KEY_SIZE];
        uint8_t gateway_token[LP_CONTROL_GATEWAY_TOKEN_MAX];
        size_t gateway_token_len;
} RelayLinkConfig;

int relay_link_new(RelayLink **ret, sd_event *event, const RelayLinkConfig *config, const RelayCallbacks *callbacks,
                   void *userdata);
RelayLink *relay_link_free(RelayLink *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(RelayLink *, relay_link_free);

/* Starts the first attempt. */
int relay_link_start(RelayLink *l);
/* DISCONNECT (shutdown) and a graceful close, waiting at most
 * `timeout_usec` for it; then `stopped` is called (possibly before this
 * returns, when there is no session). */
int relay_link_stop(RelayLink *l, uint64_t timeout_usec);
/* The MAC the next HELLO announces (the NIC may be replaced at run time). */
void relay_link_set_mac(RelayLink *l, const MacAddr *mac);

/* Queues one frame without writing (session_queue_frame()): frames queued
 * together share QUIC packets. Returns like session_queue_frame(), and
 * -ENOTCONN without a session. Call relay_link_flush() after the batch. */
int relay_link_queue_frame(RelayLink *l, const uint8_t *frame, size_t len);
/* Writes what the session has queued, hands the packets to the kernel
 * with one sendmmsg() and re-arms the timer; for after a batch of
 * relay_link_queue_frame() calls. */
void relay_link_flush(RelayLink *l);

/* Sends a party check message (session_send_check()) and writes it out.
 * -ENOTCONN without a session. */
int relay_link_send_check(RelayLink *l, const ControlMessage *m);

/* NULL between sessions. */
Session *relay_link_get_session(RelayLink *l);
/* The address of the current or last attempt ("" before the first). */
const char *relay_link_get_address(RelayLink *l);
/* Why the last session ended or the last attempt failed ("" if none). */
const char *relay_link_get_last_error(RelayLink *l);
/* CLOCK_MONOTONIC µs of the next attempt while in backoff, else 0. */
uint64_t relay_link_get_retry_usec(RelayLink *l);
