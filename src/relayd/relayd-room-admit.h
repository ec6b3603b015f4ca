/* SPDX-License-Identifier: MIT */
#pragma once

/* Whether a HELLO gets into its room: the relay's admission policy as a
 * decision on facts alone, without QUIC, the Manager or glib, so that it
 * is unit-tested on its own (tests/test-relayd-room-admit.c) and the
 * client tests' relay (tests/client-test-relay.c) answers a HELLO as
 * lanparty-relayd does. The caller gathers the facts (relayd-conn.c from
 * its Room and Manager), then acts on the verdict: sends REJECT with its
 * reason and text, or opens/takes back the room and adds the peer.
 *
 * The HELLO has passed control_decode() (valid role, MAC, name and room
 * name); the checks run in the order PROTOCOL.md's REJECT reasons are
 * explained: shutdown, gateway token, datagram budget, room, key, MAC,
 * room capacity. */

#include <stdbool.h>
#include <stdint.h>

#include "control.h"

/* The open room the HELLO names, as the relay sees it. */
typedef struct RoomAdmitRoom {
        bool open;           /* false: no room of that name (the rest is unused) */
        bool has_gateway;    /* its gateway is connected */
        unsigned n_peers;
        uint16_t mtu;
        /* Gateway HELLO: its auth equals the room's auth_key (compared by
         * the caller in constant time). */
        bool auth_key_matches;
        /* Client HELLO: proof_error < 0 if the TLS exporter the join
         * proof is checked with could not be derived; else proof_valid
         * says whether the proof verified against the room's key. */
        int proof_error;
        bool proof_valid;
        bool mac_in_room; /* a peer of the room uses the HELLO's MAC */
        bool mac_on_lan;  /* the HELLO's MAC was seen behind the room's gateway */
} RoomAdmitRoom;

typedef struct RoomAdmitFacts {
        bool stopping; /* the relay is shutting down */
        RoomAdmitRoom room;
        unsigned n_rooms;   /* rooms open on the relay */
        unsigned max_rooms; /* MaxRooms= */
        unsigned max_peers_per_room;
        /* Gateway HELLO: manager_check_gateway_token()'s answer: 0,
         * -EACCES (not a token of ours), -EPERM (not for this room),
         * -EDQUOT (the token holds token_max_rooms rooms already) or
         * another negative errno. */
        int token_check;
        unsigned token_max_rooms;
} RoomAdmitFacts;

typedef enum RoomAdmitAction {
        ROOM_ADMIT_REJECT,
        ROOM_ADMIT_JOIN,      /* into the open room as it is */
        ROOM_ADMIT_OPEN,      /* gateway: opens a new room with its auth and room_mtu */
        ROOM_ADMIT_TAKE_BACK, /* gateway: the open room, empty, takes its auth key and room_mtu */
        _ROOM_ADMIT_ACTION_MAX,
} RoomAdmitAction;

typedef struct RoomAdmitVerdict {
        RoomAdmitAction action;
        RejectReason reject;                /* ROOM_ADMIT_REJECT: the REJECT's reason */
        char text[LP_CONTROL_TEXT_MAX + 1]; /* ROOM_ADMIT_REJECT: and its text */
        uint16_t room_mtu;                  /* ROOM_ADMIT_OPEN, ROOM_ADMIT_TAKE_BACK */
} RoomAdmitVerdict;

/* Fills *ret; h is a decoded HELLO. */
void room_admit_decide(const ControlHello *h, const RoomAdmitFacts *f, RoomAdmitVerdict *ret);

/* The REJECT for a first message that did not decode: error is the
 * ControlReader's, version the HELLO's as far as it was read (used for
 * CONTROL_ERROR_BAD_VERSION). Sets ROOM_ADMIT_REJECT. */
void room_admit_reject_undecoded(ControlError error, uint8_t version, RoomAdmitVerdict *ret);
