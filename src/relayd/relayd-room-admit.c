/* SPDX-License-Identifier: MIT */
#include "relayd-room-admit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "mtu.h"

static void reject(RoomAdmitVerdict *ret, RejectReason reason, const char *format, ...) _printf_(3, 4);

static void reject(RoomAdmitVerdict *ret, RejectReason reason, const char *format, ...) {
        va_list ap;

        *ret = (RoomAdmitVerdict) {
                .action = ROOM_ADMIT_REJECT,
                .reject = reason,
        };
        va_start(ap, format);
        vsnprintf(ret->text, sizeof(ret->text), format, ap);
        va_end(ap);
}

/* The room MTU a gateway's datagram budget carries, capped at what the
 * relay hands out; negative if it carries less than LP_MTU_MIN. */
static int room_mtu_for_budget(uint16_t max_datagram_size) {
        int mtu = mtu_tap_from_datagram(max_datagram_size);

        if (mtu < 0)
                return mtu;
        return MIN(mtu, LP_ROOM_MTU_MAX);
}

static void reject_budget(const ControlHello *h, uint16_t room_mtu, RoomAdmitVerdict *ret) {
        reject(ret, REJECT_REASON_DATAGRAM_TOO_SMALL, "datagram budget %u carries L3 MTU %u, room '%s' has MTU %u",
               h->max_datagram_size, (unsigned) (h->max_datagram_size - LP_MTU_FRAME_OVERHEAD), h->room,
               room_mtu);
}

/* A gateway's token: PROTOCOL.md "Gateway tokens". Returns false after a
 * reject. */
static bool gateway_token_allows(const ControlHello *h, const RoomAdmitFacts *f, RoomAdmitVerdict *ret) {
        switch (f->token_check) {
        case 0:
                return true;
        case -EACCES:
                reject(ret, REJECT_REASON_BAD_GATEWAY_TOKEN, "gateway token missing or wrong");
                return false;
        case -EPERM:
                reject(ret, REJECT_REASON_BAD_GATEWAY_TOKEN, "this gateway token may not open room '%s'", h->room);
                return false;
        case -EDQUOT:
                reject(ret, REJECT_REASON_TOO_MANY_ROOMS, "this gateway token holds %u room%s, its max-rooms",
                       f->token_max_rooms, f->token_max_rooms == 1 ? "" : "s");
                return false;
        default:
                reject(ret, REJECT_REASON_SERVER_ERROR, "cannot check the gateway token");
                return false;
        }
}

/* A gateway opens its room, takes it back after a reconnect, or (with
 * another key) takes over a room nobody is in. Returns false after a
 * reject. */
static bool gateway_may_hold_room(const ControlHello *h, const RoomAdmitFacts *f, RoomAdmitVerdict *ret) {
        const RoomAdmitRoom *room = &f->room;
        int mtu;

        if (!gateway_token_allows(h, f, ret))
                return false;
        mtu = room_mtu_for_budget(h->max_datagram_size);
        if (mtu < 0) {
                reject(ret, REJECT_REASON_DATAGRAM_TOO_SMALL, "datagram budget %u carries no room MTU of at least %u",
                       h->max_datagram_size, LP_MTU_MIN);
                return false;
        }

        if (!room->open) {
                if (f->n_rooms >= f->max_rooms) {
                        reject(ret, REJECT_REASON_TOO_MANY_ROOMS, "this relay has %u rooms open, its maximum",
                               f->max_rooms);
                        return false;
                }
                *ret = (RoomAdmitVerdict) { .action = ROOM_ADMIT_OPEN, .room_mtu = (uint16_t) mtu };
                return true;
        }

        if (room->has_gateway) {
                reject(ret, REJECT_REASON_GATEWAY_PRESENT, "room '%s' already has a gateway", h->room);
                return false;
        }
        if (!room->auth_key_matches) {
                /* Clients joined with the old key; a gateway with another
                 * one is another party. */
                if (room->n_peers > 0) {
                        reject(ret, REJECT_REASON_AUTH_FAILED,
                               "room '%s' is held for its gateway, which uses another room key", h->room);
                        return false;
                }
                /* Its budget made this MTU: it fits. */
                *ret = (RoomAdmitVerdict) { .action = ROOM_ADMIT_TAKE_BACK, .room_mtu = (uint16_t) mtu };
                return true;
        }
        if (!mtu_datagram_fits_room(h->max_datagram_size, room->mtu)) {
                reject_budget(h, room->mtu, ret);
                return false;
        }
        *ret = (RoomAdmitVerdict) { .action = ROOM_ADMIT_JOIN };
        return true;
}

/* A client joins an open room with a proof of its key. Returns false
 * after a reject. */
static bool client_may_join(const ControlHello *h, const RoomAdmitFacts *f, RoomAdmitVerdict *ret) {
        const RoomAdmitRoom *room = &f->room;

        if (!room->open) {
                reject(ret, REJECT_REASON_NO_SUCH_ROOM, "no gateway has opened room '%s'", h->room);
                return false;
        }
        if (room->proof_error < 0) {
                reject(ret, REJECT_REASON_SERVER_ERROR, "cannot derive the TLS exporter");
                return false;
        }
        if (!room->proof_valid) {
                reject(ret, REJECT_REASON_AUTH_FAILED, "join proof does not match the room key");
                return false;
        }
        /* A MAC seen behind the gateway belongs to a host on the party LAN
         * (a phone's randomised MAC, say): frames the room sends to it
         * must keep going there, not to a client that claims it. */
        if (room->mac_on_lan) {
                reject(ret, REJECT_REASON_DUPLICATE_MAC, "this MAC is in use on the party's LAN behind the gateway");
                return false;
        }
        if (!mtu_datagram_fits_room(h->max_datagram_size, room->mtu)) {
                reject_budget(h, room->mtu, ret);
                return false;
        }
        *ret = (RoomAdmitVerdict) { .action = ROOM_ADMIT_JOIN };
        return true;
}

void room_admit_decide(const ControlHello *h, const RoomAdmitFacts *f, RoomAdmitVerdict *ret) {
        unsigned n_peers;
        bool ok;

        if (f->stopping)
                return reject(ret, REJECT_REASON_SERVER_ERROR, "the relay is shutting down");

        ok = h->role == PEER_ROLE_GATEWAY ? gateway_may_hold_room(h, f, ret) : client_may_join(h, f, ret);
        if (!ok)
                return;

        /* Room for one more, under a MAC nobody in the room uses. A new
         * room, or one taken back, is empty. */
        n_peers = ret->action == ROOM_ADMIT_JOIN ? f->room.n_peers : 0;
        if (n_peers >= f->max_peers_per_room)
                return reject(ret, REJECT_REASON_ROOM_FULL, "room '%s' has %u peers, its maximum", h->room,
                              f->max_peers_per_room);
        if (ret->action == ROOM_ADMIT_JOIN && f->room.mac_in_room)
                return reject(ret, REJECT_REASON_DUPLICATE_MAC, "another peer in room '%s' uses this MAC", h->room);
}

void room_admit_reject_undecoded(ControlError error, uint8_t version, RoomAdmitVerdict *ret) {
        /* The REJECT text is all an older program can show its user, so
         * it says who has to update. */
        if (error == CONTROL_ERROR_BAD_VERSION && version < LP_CONTROL_PROTOCOL_VERSION)
                return reject(ret, REJECT_REASON_BAD_VERSION,
                              "protocol version %u is too old, this relay speaks version %u: "
                              "update lanparty on this computer",
                              version, LP_CONTROL_PROTOCOL_VERSION);
        if (error == CONTROL_ERROR_BAD_VERSION)
                return reject(ret, REJECT_REASON_BAD_VERSION,
                              "this relay speaks protocol version %u, not %u: its operator must update lanparty-relayd",
                              LP_CONTROL_PROTOCOL_VERSION, version);
        reject(ret, control_error_to_reject_reason(error), "HELLO did not parse: %s", control_error_to_string(error));
}
