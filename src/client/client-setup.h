/* SPDX-License-Identifier: MIT */
#pragma once

/* The start-up both clients share, in this order: the persistent virtual
 * MAC, the relay's address, the route to the relay pinned before the
 * device exists (so a default route the party's DHCP hands out cannot
 * swallow the tunnel), the device with its carrier off, the broadcast
 * route, the core. lanparty-client and client.exe had it twice, step by
 * step, differing only in how they open the device and in every word
 * they say: those come from ClientSetupOps.
 *
 * Plain C11 like client-loop.c: the platform's hooks do what needs the OS. */

#include <stdbool.h>
#include <stddef.h>

#include "client-core.h"
#include "client-loop.h"
#include "frame-device.h"
#include "invite.h"
#include "route.h"

/* The longest path a platform's ClientSetupOps.path_max may ask for. */
#define CLIENT_SETUP_PATH_MAX 4096

typedef enum ClientSetupStep {
        CLIENT_SETUP_STATE_DIR,     /* the MAC file's path does not fit: -ENAMETOOLONG */
        CLIENT_SETUP_MAC,           /* identity_mac_load() */
        CLIENT_SETUP_RESOLVE,       /* ops->resolve() */
        CLIENT_SETUP_ROUTES,        /* route_manager_new() */
        CLIENT_SETUP_RELAY_ADDRESS, /* the relay's address is none a route can name */
        CLIENT_SETUP_PIN,           /* route_manager_pin_relay(); reported with its RoutePlan */
        CLIENT_SETUP_DEVICE,        /* frame_device_open() */
        CLIENT_SETUP_CARRIER,       /* frame_device_set_link(false) failed, not fatal */
        CLIENT_SETUP_DISCOVERY_ROUTES,     /* route_manager_add_discovery_routes(), not fatal */
        CLIENT_SETUP_CORE,          /* client_core_new() */
        _CLIENT_SETUP_STEP_MAX,
        _CLIENT_SETUP_STEP_INVALID = -EINVAL,
} ClientSetupStep;

typedef struct ClientSetup ClientSetup;

typedef struct ClientSetupOps {
        /* Between the state directory and a file name: '/' or '\\'. */
        char path_separator;
        /* The longest path, terminator included (PATH_MAX, WIN_PATH_MAX). */
        size_t path_max;
        /* Looks the relay up; negative errno. */
        int (*resolve)(void *userdata, QuicAddr *ret);
        /* This computer's name, any bytes: client_setup() keeps it only
         * when it is a valid player name. */
        void (*host_name)(char *buf, size_t size);
        /* Optional: frame_device_open() failed with `error`; true to try
         * again (client.exe asks the player). */
        bool (*device_retry)(void *userdata, int error);
        /* Optional: the device is open (client.exe watches its addresses). */
        void (*device_opened)(void *userdata, FrameDevice *device);
        /* Says why `step` failed; returns the negative errno to fail with. */
        int (*fail)(void *userdata, const ClientSetup *s, ClientSetupStep step, int error);
        /* Says how a step that does not stop us went: the pin's RoutePlan,
         * or the error of the carrier or the broadcast route. */
        void (*report)(void *userdata, const ClientSetup *s, ClientSetupStep step, int result);
} ClientSetupOps;

struct ClientSetup {
        /* Given; read by client_setup() only. */
        const Invite *invite;
        const char *state_dir;      /* NULL: the platform's default */
        const char *mac_dir;        /* where client-mac is kept; NULL: state_dir */
        FrameDeviceType device_type;
        const char *device_hint;    /* frame_device_open()'s name */
        const char *route_instance; /* names the route state (TAP only) */
        const char *name;           /* --name; NULL: ops->host_name */
        bool accept_party_gateway;
        ClientCoreCallbacks callbacks;
        void *userdata; /* for ops and callbacks */
        ClientLoop *loop; /* the relay resolved and pinned goes to loop->fresh */

        /* Made, in this order; they stay here, also when client_setup()
         * failed, and the caller frees them backwards: the core, the
         * routes (the pin must not outlive us), the device. */
        MacAddr mac;
        char player_name[LP_CONTROL_NAME_MAX + 1];
        RouteManager *routes; /* NULL without a TAP */
        FrameDevice *device;
        ClientCore *core;
};

/* Runs the steps; stops at the first that fails, after ops->fail. */
int client_setup(ClientSetup *s, const ClientSetupOps *ops);

/* The route state's name from the device name the player asked for:
 * characters other than letters, digits, '_', '.', '-' and those in
 * `also_allowed` become '_'; at most ROUTE_INSTANCE_MAX of them. */
void client_route_instance(const char *hint, const char *also_allowed, char *buf, size_t size);
