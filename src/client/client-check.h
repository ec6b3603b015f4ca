/* SPDX-License-Identifier: MIT */
#pragma once

/* The party check's verdicts (PROTOCOL.md, "Party check"; issue 18): from
 * what the platform observed — which of its probes the gateway saw, whether
 * its sockets got the gateway's, which interface the OS picks for a
 * broadcast, the TAP's address, ARP — to ✓/✗ per step and, for each ✗, the
 * cause and the fix in words a player can act on. Pure, so both clients
 * word it alike and tests pin each hint. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"

#define CLIENT_CHECK_HINT_MAX 768
#define CLIENT_CHECK_IFNAME_MAX 64

typedef enum ClientCheckStep {
        CLIENT_CHECK_BROADCAST_OUT, /* 1: games' broadcasts reach the party */
        CLIENT_CHECK_BROADCAST_IN,  /* 2: the party's broadcasts reach games */
        CLIENT_CHECK_FULL_SIZE,     /* 3: room-MTU frames make the round trip */
        CLIENT_CHECK_LAN_ADDRESS,   /* 4: DHCP address on the TAP, a LAN host answers ARP */
        _CLIENT_CHECK_STEP_MAX,
} ClientCheckStep;

/* Whose fixes the hints name: ip/nft commands, or Windows' settings. */
typedef enum ClientCheckPlatform {
        CLIENT_CHECK_PLATFORM_LINUX,
        CLIENT_CHECK_PLATFORM_WINDOWS,
} ClientCheckPlatform;

typedef struct ClientCheckFacts {
        ClientCheckPlatform platform;
        char tap_name[CLIENT_CHECK_IFNAME_MAX];
        /* Step 4. The TAP's IPv4 address in host order, 0: none. */
        uint32_t tap_address;
        uint32_t lan_host;       /* the host asked by ARP; 0: none known */
        bool arp_answered;

        /* Step 1. Which interface the OS sends 255.255.255.255 through
         * ("" unknown); send errors per client probe kind (negative errno). */
        char broadcast_ifname[CLIENT_CHECK_IFNAME_MAX];
        char multicast_ifname[CLIENT_CHECK_IFNAME_MAX];
        int send_error_limited, send_error_directed, send_error_multicast, send_error_full_size;
        /* Windows: the interface metrics of the TAP and of the interface
         * broadcasts leave by (0: unknown); the lowest metric wins. */
        uint32_t tap_metric, broadcast_metric;
        /* How steering them onto the TAP went at start-up (Linux: the
         * 255.255.255.255/32 and 224.0.0.0/4 routes, Windows: the TAP's low
         * metric): a negative errno when it failed, or someone else's route
         * or metric was in the way. */
        int discovery_routes_error;
        bool discovery_routes_contested;

        bool have_report;
        ControlCheckReport report;

        /* Step 2. */
        bool got_gateway_probe;
        /* Windows: the party network is filed as Public, whose firewall
         * profile drops discovery for games allowed on Private only. */
        bool tap_network_public;

        /* Step 3. */
        bool got_full_size_answer;
        uint16_t room_mtu;
        size_t frame_budget;     /* largest Ethernet frame the tunnel carries now */
} ClientCheckFacts;

typedef struct ClientCheckOutcome {
        CheckVerdict verdicts[_CLIENT_CHECK_STEP_MAX];
        /* "" for a pass; for a fail the cause and fix; for not_run why. */
        char hints[_CLIENT_CHECK_STEP_MAX][CLIENT_CHECK_HINT_MAX];
} ClientCheckOutcome;

/* The one-shot (lanparty-client --check, client.exe --check): it checks
 * once the TAP has an address, or this long after joining without one
 * (step 4 then says there is no DHCP answer) ... */
#define CLIENT_CHECK_ADDRESS_WAIT_SEC 30
/* ... and gives up when no check could run within --check-timeout
 * seconds (the relay unreachable, the room not there): a one-shot must end. */
#define CLIENT_CHECK_GIVE_UP_SEC_DEFAULT 90
#define CLIENT_CHECK_GIVE_UP_SEC_MAX 3600

const char *client_check_step_to_string(ClientCheckStep s);
void client_check_judge(const ClientCheckFacts *f, ClientCheckOutcome *ret);
/* Whether the TAP's address (text, "" for none) is one the party's DHCP
 * handed out, so the automatic check is worth running: not none, not
 * 0.0.0.0, not a self-assigned 169.254.x.x. */
bool client_check_address_ready(const char *ipv4);
/* The outcome as both clients print it: a heading, ✓/✗/- per step with
 * its hint, the summary; one say() per line. */
void client_check_describe(const ClientCheckOutcome *o, void (*say)(void *userdata, const char *line),
                           void *userdata);
/* Whether every step passed. */
bool client_check_passed(const ClientCheckOutcome *o);
