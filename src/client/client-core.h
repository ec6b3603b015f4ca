/* SPDX-License-Identifier: MIT */
#pragma once

/* What the Linux lanparty-client and the Windows client.exe share: one
 * Session with the relay at a time, the frame device (TAP) it feeds, the
 * filters between the two, the reconnect state machine, and the counters
 * and facts a user looks at. Plain C11 on top of src/common: no sockets,
 * clocks, threads or OS headers. The platform main owns all of those and
 * drives the core like quic.h describes for a QuicConn:
 *
 *   - UDP socket readable: recv until EAGAIN, client_core_read_packet() for
 *     each datagram, then client_core_write() once;
 *   - frame device readable (the FrameDeviceWaitable): client_core_process_device(),
 *     again right away while it returns 1 (it stops after a batch so the
 *     socket gets its turn);
 *   - one timer at client_core_get_expiry(), re-armed after every call;
 *     when it fires, client_core_handle_expiry();
 *   - the user quits: client_core_stop(), keep driving until
 *     client_core_is_done(); a second client_core_stop() gives up on the
 *     goodbye at once.
 *
 * For every connection attempt (the first one and each reconnect) the core
 * calls `connect`, in which the platform resolves the relay again, pins its
 * route and opens a fresh socket; a failure there counts as a failed
 * attempt and is retried with backoff. Which ends are retried follows
 * SessionEnd.retry: a wrong room key, a pin mismatch or a kick stop the
 * client, a lost connection or "no gateway yet" do not.
 *
 * Callbacks (`connect`, `event`) run inside client_core_* calls. They may
 * read diagnostics and call the two setters, nothing else of the core. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"
#include "frame-device.h"
#include "invite.h"
#include "l2filter.h"
#include "mac.h"
#include "quic.h"
#include "session.h"

/* Frames taken from the device per client_core_process_device() call. */
#define CLIENT_CORE_DEVICE_BATCH 64
/* TAP MTU until WELCOME names the room's: IPv6's minimum, which any path
 * the relay accepts carries. */
#define CLIENT_CORE_MTU_INITIAL 1280
/* "203.0.113.7:443", "[2001:db8::1]:443", as the platform writes it. */
#define CLIENT_ADDRESS_TEXT_MAX 64

typedef struct ClientCore ClientCore;

typedef enum ClientPhase {
        CLIENT_PHASE_IDLE,       /* created; client_core_start() not called yet */
        CLIENT_PHASE_CONNECTING, /* a session runs, no WELCOME yet */
        CLIENT_PHASE_JOINED,
        CLIENT_PHASE_WAITING,    /* between attempts (backoff) */
        CLIENT_PHASE_LEAVING,    /* client_core_stop(): DISCONNECT sent, closing */
        CLIENT_PHASE_STOPPED,    /* done, the user quit */
        CLIENT_PHASE_FAILED,     /* done, an end not worth retrying (see the last end) */
        _CLIENT_PHASE_MAX,
        _CLIENT_PHASE_INVALID = -EINVAL,
} ClientPhase;

const char *client_phase_to_string(ClientPhase p);

/* Why a frame was dropped, beside the L2 filter's own reasons. Stable
 * names; append only. */
typedef enum ClientDrop {
        CLIENT_DROP_NOT_JOINED,     /* device frame while not joined, or a datagram before WELCOME */
        CLIENT_DROP_FOREIGN_SOURCE, /* device frame whose source is not our virtual MAC */
        CLIENT_DROP_OVERSIZED,      /* device frame larger than the overlay ever carries */
        CLIENT_DROP_TOO_BIG,        /* larger than the connection's datagram budget now */
        CLIENT_DROP_CONGESTION,     /* QUIC's datagram queue was full, the frame's flow the fattest */
        CLIENT_DROP_MISDIRECTED,    /* unicast from the relay for another MAC */
        CLIENT_DROP_DEVICE_ERROR,   /* the OS refused to take a frame */
        CLIENT_DROP_MALFORMED,      /* a datagram from the relay did not decode */
        CLIENT_DROP_AUTOCONF_UNSAFE, /* a DHCP reply or RA from the relay we could not sanitise safely */
        CLIENT_DROP_QUEUE_EVICTED,  /* queued for the relay, evicted for another flow's frame */
        CLIENT_DROP_QUEUE_CODEL,    /* queued for the relay too long (CoDel) */
        _CLIENT_DROP_MAX,
        _CLIENT_DROP_INVALID = -EINVAL,
} ClientDrop;

const char *client_drop_to_string(ClientDrop d);

/* Totals over every session of this core. */
typedef struct ClientCounters {
        uint64_t tx_frames, tx_bytes; /* device → relay, handed to QUIC */
        uint64_t tx_broadcast;        /* of those: broadcast or multicast */
        uint64_t rx_frames, rx_bytes; /* relay → device, written */
        uint64_t rx_broadcast;        /* of those: broadcast or multicast */
        /* Of those: DHCP replies and router advertisements the party's
         * gateway, routes or DNS servers were taken out of (autoconf-sanitize.h). */
        uint64_t rx_autoconf_sanitized;
        uint64_t drop[_CLIENT_DROP_MAX];
        /* Refused by l2_filter(); index L2_ALLOW stays 0. */
        uint64_t filtered_out[_L2_VERDICT_MAX]; /* device → relay, L2_REMOTE_TO_LAN */
        uint64_t filtered_in[_L2_VERDICT_MAX];  /* relay → device: L2_LAN_TO_REMOTE from the gateway, else L2_REMOTE_TO_LAN */
} ClientCounters;

uint64_t client_counters_dropped(const ClientCounters *c);

typedef enum ClientEventType {
        CLIENT_EVENT_CONNECTING,     /* attempt starts; diagnostics have the relay address */
        CLIENT_EVENT_JOINED,         /* `welcome` */
        CLIENT_EVENT_PEER_JOINED,    /* `peer` */
        CLIENT_EVENT_PEER_LEFT,      /* `peer`, `leave_reason` */
        CLIENT_EVENT_DISCONNECTED,   /* `end`; next attempt in `retry_in` */
        CLIENT_EVENT_CONNECT_FAILED, /* `error` from `connect` or session_new(); next attempt in `retry_in` */
        CLIENT_EVENT_STOPPED,        /* final: `end` (SESSION_END_LOCAL after a quit) */
        _CLIENT_EVENT_TYPE_MAX,
        _CLIENT_EVENT_TYPE_INVALID = -EINVAL,
} ClientEventType;

typedef struct ClientEvent {
        ClientEventType type;
        const ControlWelcome *welcome;
        const SessionPeer *peer;
        LeaveReason leave_reason;
        const SessionEnd *end;
        int error;         /* negative errno */
        unsigned attempt;  /* failed attempts in a row, this one included */
        uint64_t retry_in; /* ns */
        const char *relay; /* "host[:port]" from the invite */
        const char *room;
} ClientEvent;

const char *client_event_type_to_string(ClientEventType t);

typedef struct ClientCoreCallbacks {
        /* Sends one UDP payload to the relay (send_userdata). */
        QuicSendFunc send;
        /* Prepares an attempt: resolve the relay, pin its route, open a
         * socket. Fill *ret_remote, and *ret_local with what the socket is
         * bound or connected to (len 0: unknown, the family of the remote
         * is used). Negative errno: the attempt failed (retried). */
        int (*connect)(ClientCore *c, QuicAddr *ret_local, QuicAddr *ret_remote, void *userdata);
        /* Something a person may want to hear about; see client-status.h. */
        void (*event)(ClientCore *c, const ClientEvent *event, void *userdata);
        /* A party check message the relay passed on (CHECK_REPORT); NULL:
         * ignored. */
        void (*check)(ClientCore *c, const ControlMessage *m, void *userdata);
} ClientCoreCallbacks;

typedef struct ClientCoreConfig {
        Invite invite;
        char name[LP_CONTROL_NAME_MAX + 1]; /* shown to the other players */
        MacAddr mac;                        /* the device's MAC, announced in HELLO */
        /* Borrowed; must outlive the core. Opened with `mac`. */
        FrameDevice *device;
        /* PEM trust anchors instead of the system store (private CA,
         * tests); only used for links without a pin. NULL: system. */
        const char *ca_file;
        QuicSettings quic;
        /* Session timing; 0: session.h's defaults. */
        uint64_t pmtu_wait, hello_timeout, stats_interval;
        /* Let the party's DHCP replies and router advertisements through as
         * they are, default gateway, routes and DNS servers included. By
         * default (false) those are taken out before the device sees them,
         * so the player's own internet connection and DNS keep working. */
        bool accept_party_gateway;
        ClientCoreCallbacks callbacks;
        void *userdata;      /* for connect and event */
        void *send_userdata; /* for send */
} ClientCoreConfig;

/* Checks the config (room, MAC, name, device, callbacks). Nothing is sent
 * before client_core_start(). */
int client_core_new(ClientCore **ret, const ClientCoreConfig *config);
/* Frees at once, without a goodbye (use client_core_stop() first).
 * Does not close the device. NULL-safe. */
ClientCore *client_core_free(ClientCore *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ClientCore *, client_core_free);

/* Carrier off, then the first attempt. */
int client_core_start(ClientCore *c, uint64_t now);
/* Leaves the room with DISCONNECT(quit). A second call, or a call while
 * no session runs, stops at once. */
int client_core_stop(ClientCore *c, uint64_t now);
bool client_core_is_done(ClientCore *c);
ClientPhase client_core_get_phase(ClientCore *c);
/* Why the last session ended (NULL before any did). After
 * CLIENT_PHASE_FAILED this is the reason to show. */
const SessionEnd *client_core_get_last_end(ClientCore *c);

/* These four return a negative errno only for misuse; what happens to a
 * session shows in events and the phase. */
/* One UDP payload from the relay. Packets arriving while no session runs
 * are ignored. */
int client_core_read_packet(ClientCore *c, const QuicAddr *remote, const uint8_t *data, size_t len, uint64_t now);
/* After a batch of reads. */
int client_core_write(ClientCore *c, uint64_t now);
/* The machine's address towards the relay changed and the platform
 * opened a socket at `local`; every send from now on is for it. The
 * running session moves there (QUIC connection migration) and stays in
 * the room: same peer id, same MAC, no rejoin. Negative errno when it
 * cannot (session_migrate()); the old socket is then still the one. */
int client_core_migrate(ClientCore *c, const QuicAddr *local, uint64_t now);
/* UINT64_MAX when nothing is scheduled. */
uint64_t client_core_get_expiry(ClientCore *c);
int client_core_handle_expiry(ClientCore *c, uint64_t now);

/* Reads up to CLIENT_CORE_DEVICE_BATCH frames from the device and sends
 * what the filters let through. Returns 1 when the batch was full (call
 * again), 0 when the device had no more, or the device's error. */
int client_core_process_device(ClientCore *c, uint64_t now);
/* The same for one frame the platform read itself. Returns 0 when sent,
 * or the drop reason's errno (-ENOTCONN, -EPERM for the filters,
 * -EMSGSIZE, -ENOBUFS). */
int client_core_send_frame(ClientCore *c, const uint8_t *frame, size_t len, uint64_t now);

/* The platform's view for diagnostics: the relay address this attempt
 * uses, and the device's IPv4 address ("" = none yet; NULL = not known,
 * e.g. the null device). */
void client_core_set_relay_address(ClientCore *c, const char *text);
void client_core_set_device_ipv4(ClientCore *c, const char *text);

typedef struct ClientDiagnostics {
        ClientPhase phase;
        char relay[LP_INVITE_HOST_MAX + 9]; /* "host" or "host:port", IPv6 in brackets */
        char relay_address[CLIENT_ADDRESS_TEXT_MAX]; /* "" until the platform said */
        char room[LP_ROOM_NAME_MAX + 1];
        MacAddr mac;
        char device_name[FRAME_DEVICE_NAME_MAX];
        uint32_t device_mtu;
        bool device_ipv4_known;
        char device_ipv4[CLIENT_ADDRESS_TEXT_MAX]; /* "" = none yet */
        uint16_t peer_id;   /* 0 unless joined */
        uint16_t room_mtu;  /* 0 unless joined */
        bool gateway_present;
        char gateway_name[LP_CONTROL_NAME_MAX + 1];
        size_t n_clients;   /* other clients in the room */
        uint64_t rtt;       /* smoothed, ns; 0 unless joined */
        unsigned attempt;   /* failed attempts in a row */
        uint64_t retry_in;  /* ns until the next attempt, while waiting */
        int connect_error;  /* the last attempt's `connect` failure, or 0 */
        bool have_last_end;
        SessionEnd last_end;
        ClientCounters counters;
} ClientDiagnostics;

void client_core_get_diagnostics(ClientCore *c, uint64_t now, ClientDiagnostics *ret);

/* Sends a party check message (session_send_check()); the caller writes
 * (client_core_write()) after. -ENOTCONN unless joined. */
int client_core_send_check(ClientCore *c, const ControlMessage *m);
/* The IPv4 source address (host order) of the latest IPv4 or ARP frame
 * from the party's LAN (sent by the gateway) that reached the device; 0
 * before any. A host to ask ARP for in the party check. */
uint32_t client_core_get_lan_host(ClientCore *c);
/* Largest Ethernet frame the tunnel carries right now (the session's
 * datagram budget); 0 unless joined. */
size_t client_core_get_frame_budget(ClientCore *c);
/* The running session, NULL between attempts (tests, expert views). */
Session *client_core_get_session(ClientCore *c);
