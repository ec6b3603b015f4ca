/* SPDX-License-Identifier: MIT */
#pragma once

/* The gateway's state: event loop, bus connection, the LAN NIC (packet
 * socket + link monitor), the relay link, the remote clients of the room
 * and the counters. One per process. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-polkit.h"
#include "gatewayd-bridge.h"
#include "gatewayd-cam.h"
#include "gatewayd-check.h"
#include "gatewayd-config.h"
#include "gatewayd-link.h"
#include "gatewayd-packet.h"
#include "gatewayd-relay.h"
#include "invite.h"
#include "log.h"
#include "ratelimit.h"

typedef struct Manager Manager;
typedef struct _GHashTable GHashTable; /* <glib.h> clashes with macro.h's MIN/MAX */

#define PEER_ID_STR_MAX 6 /* "65535" */
/* How long SIGTERM waits for the relay to confirm our DISCONNECT. */
#define GATEWAYD_STOP_TIMEOUT_USEC (3 * UINT64_C(1000000))

/* A remote client of the room, as the relay announced it. */
typedef struct RemoteClient {
        Manager *manager;
        uint16_t id;
        char id_str[PEER_ID_STR_MAX];
        MacAddr mac;
        char mac_str[LP_MAC_STR_MAX];
        char name[LP_CONTROL_NAME_MAX + 1];
        char *object_path;
        CamRefresh cam;
        uint64_t lan_tx_frames, lan_tx_bytes; /* its frames we put on the LAN */
        uint64_t relay_tx_frames;             /* LAN frames addressed to it */
        GatewayCheck check;                   /* its party check */
        sd_event_source *check_timer;         /* the report is due */
        bool check_probe_due;                 /* our probe, after CHECK_BEGIN */
        bool check_answer_due;                /* our full-size answer */
} RemoteClient;

typedef struct GatewayCounters {
        uint64_t lan_rx_frames, lan_rx_bytes;     /* captured on the NIC */
        uint64_t relay_tx_frames, relay_tx_bytes; /* handed to the relay */
        uint64_t relay_rx_frames, relay_rx_bytes; /* received from the relay */
        uint64_t lan_tx_frames, lan_tx_bytes;     /* injected on the NIC */
        uint64_t local_frames;                    /* LAN unicast that stays local */
        uint64_t mss_clamped;
        uint64_t gso_frames;                      /* super-frames cut into segments */
        uint64_t gso_segments;                    /* the segments they became */
        uint64_t cam_frames;
        uint64_t check_probes;                    /* party check probes from clients, consumed */
        uint64_t dropped_frames;                  /* sum of drops[] */
        uint64_t drops[_BRIDGE_VERDICT_MAX];
} GatewayCounters;

struct Manager {
        sd_event *event;
        sd_bus *bus; /* NULL when running without the management interface */
        GatewayConfig *config;
        char relay_str[RELAY_ENDPOINT_STR_MAX];
        char bus_name[GATEWAY_BUS_NAME_MAX];

        uint8_t room_key[LP_ROOM_KEY_SIZE];
        uint8_t gateway_token[LP_CONTROL_GATEWAY_TOKEN_MAX];
        size_t gateway_token_len;
        char invite[LP_INVITE_TEXT_MAX];

        PacketSocket packet;
        sd_event_source *packet_event_source;
        LinkMonitor *link_monitor;
        sd_event_source *link_event_source;
        LinkCheck link_check;
        MacAddr lan_mac;
        uint32_t lan_mtu;

        RelayLink *relay;
        RelayState relay_state;
        /* How the last session ended, for STATUS= while in backoff;
         * _SESSION_END_KIND_INVALID when the attempt failed before one
         * started (lookup, socket). */
        SessionEndKind last_end;
        uint16_t peer_id;  /* ours, from WELCOME; 0 outside the room */
        uint16_t room_mtu; /* 0 outside the room */

        GHashTable *clients;  /* peer id -> RemoteClient */
        MacTable clients_by_mac;
        BridgeDeferQueue deferred;
        sd_event_source *cam_event_source;
        uint64_t cam_interval_usec;

        GatewayCounters counters;
        RateLimit drop_log_limit;
        uint64_t drop_log_suppressed;
        RateLimit gso_log_limit;
        uint64_t gso_log_suppressed;
        bool gso_noticed; /* the first super-frame was logged */
        uint8_t segment[LP_ETHER_FRAME_MAX]; /* where gso_segment() builds each segment */

        /* Once per loop iteration: PropertiesChanged and STATUS= for what
         * changed. */
        sd_event_source *flush_event_source;
        bool dirty;
        char status[640]; /* last STATUS= sent */

        bool check_flush_due; /* some client has check_probe_due or check_answer_due */

        PolkitRegistry *polkit_registry;
        bool stopping;
};

#define log_manager_errno(m, level, error, ...)                                                          \
        log_fields_errno(level, error,                                                                   \
                         LOG_FIELDS({"INTERFACE", (m)->config->interface}, {"ROOM", (m)->config->room}), \
                         __VA_ARGS__)
#define log_client_errno(c, level, error, ...)                                                           \
        log_fields_errno(level, error,                                                                   \
                         LOG_FIELDS({"INTERFACE", (c)->manager->config->interface},                      \
                                    {"ROOM", (c)->manager->config->room}, {"PEER", (c)->id_str},          \
                                    {"MAC", (c)->mac_str}),                                               \
                         __VA_ARGS__)

/* The party check (gatewayd-manager-check.c). */
void manager_on_check(Manager *m, const ControlMessage *msg);
/* Whether a client's frame was a party check probe; it is consumed then,
 * never put on the LAN. */
bool manager_check_consume(Manager *m, uint16_t peer_id, const uint8_t *frame, size_t len);
/* Sends the probes the two above decided on: frames may not be queued
 * from inside the session's callbacks, so this runs after each batch. */
void manager_check_flush(Manager *m);

/* Takes config on success. Does no I/O. */
int manager_new(Manager **ret, GatewayConfig *config);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* The gateway token (already read from its file). */
void manager_set_gateway_token(Manager *m, const uint8_t *token, size_t len);

/* Room key, LAN NIC checks and packet socket, link monitor, bus; READY=1;
 * then the first attempt to reach the relay. */
int manager_start(Manager *m);
int manager_connect_bus(Manager *m);
/* Runs the event loop until SIGTERM/SIGINT and the goodbye to the relay. */
int manager_run(Manager *m);

/* Loads (or on first start creates) the room key and formats the invite. */
int manager_load_room_key(Manager *m);

RemoteClient *manager_get_client(Manager *m, uint16_t id);
unsigned manager_get_n_clients(Manager *m);
/* Schedules the once-per-iteration flush. */
void manager_mark_dirty(Manager *m);
