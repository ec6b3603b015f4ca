/* SPDX-License-Identifier: MIT */
/* The start-up both clients share (client-setup.h). */
#include "client-setup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client-loop.h"
#include "control.h"
#include "identity.h"
#include "macro.h"

void client_route_instance(const char *hint, const char *also_allowed, char *buf, size_t size) {
        size_t n = 0;

        for (const char *p = hint; *p && n + 1 < size && n < ROUTE_INSTANCE_MAX; p++) {
                char ch = *p;
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                          ch == '_' || ch == '.' || ch == '-' || (also_allowed && strchr(also_allowed, ch));
                buf[n++] = ok ? ch : '_';
        }
        buf[n] = '\0';
}

/* The persistent MAC: the party's DHCP server and games know us by it. */
static int setup_mac(ClientSetup *s, const ClientSetupOps *ops) {
        const char *dir = s->mac_dir ? s->mac_dir : s->state_dir;
        char path[CLIENT_SETUP_PATH_MAX];
        int r;

        if (dir && snprintf(path, MIN(sizeof(path), ops->path_max), "%s%cclient-mac", dir, ops->path_separator) >=
                           (int) MIN(sizeof(path), ops->path_max))
                return ops->fail(s->userdata, s, CLIENT_SETUP_STATE_DIR, -ENAMETOOLONG);
        r = identity_mac_load(dir ? path : NULL, &s->mac);
        if (r < 0)
                return ops->fail(s->userdata, s, CLIENT_SETUP_MAC, r);
        return 0;
}

/* Before the device exists: once it does, a default route from the
 * party's DHCP could already point into it. */
static int setup_pin(ClientSetup *s, const ClientSetupOps *ops) {
        RouteAddress ra;
        int r;

        r = route_manager_new(s->route_instance, s->state_dir, &s->routes);
        if (r < 0)
                return ops->fail(s->userdata, s, CLIENT_SETUP_ROUTES, r);
        r = client_addr_to_route(&s->loop->fresh, &ra);
        if (r < 0)
                return ops->fail(s->userdata, s, CLIENT_SETUP_RELAY_ADDRESS, r);
        r = route_manager_pin_relay(s->routes, &ra);
        if (r < 0)
                return ops->fail(s->userdata, s, CLIENT_SETUP_PIN, r);
        if (ops->report)
                ops->report(s->userdata, s, CLIENT_SETUP_PIN, r);
        return 0;
}

static int setup_device(ClientSetup *s, const ClientSetupOps *ops) {
        int r;

        do
                r = frame_device_open(s->device_type, s->device_hint, &s->mac, CLIENT_CORE_MTU_INITIAL, &s->device);
        while (r < 0 && ops->device_retry && ops->device_retry(s->userdata, r));
        if (r < 0)
                return ops->fail(s->userdata, s, CLIENT_SETUP_DEVICE, r);
        if (ops->device_opened)
                ops->device_opened(s->userdata, s->device);

        /* The device comes up with the carrier on; scripts take it to mean
         * "joined", so drop it until the core says so. */
        r = frame_device_set_link(s->device, false);
        if (r < 0 && ops->report)
                ops->report(s->userdata, s, CLIENT_SETUP_CARRIER, r);
        if (s->routes) {
                if (s->accept_party_gateway)
                        route_manager_keep_tap_default_routes(s->routes);
                r = route_manager_add_discovery_routes(s->routes, frame_device_get_index(s->device));
                if (ops->report)
                        ops->report(s->userdata, s, CLIENT_SETUP_DISCOVERY_ROUTES, r);
        }
        return 0;
}

static void setup_name(ClientSetup *s, const ClientSetupOps *ops) {
        char host[256] = "";

        if (s->name) {
                snprintf(s->player_name, sizeof(s->player_name), "%s", s->name);
                return;
        }
        ops->host_name(host, sizeof(host));
        host[MIN(strlen(host), (size_t) LP_CONTROL_NAME_MAX)] = '\0';
        if (!control_text_is_valid(host, strlen(host)))
                host[0] = '\0';
        snprintf(s->player_name, sizeof(s->player_name), "%s", host);
}

static int setup_core(ClientSetup *s, const ClientSetupOps *ops) {
        ClientCoreConfig cc = {
                .invite = *s->invite,
                .mac = s->mac,
                .device = s->device,
                .callbacks = s->callbacks,
                .userdata = s->userdata,
                .send_userdata = s->userdata,
                .accept_party_gateway = s->accept_party_gateway,
        };
        int r;

        setup_name(s, ops);
        memcpy(cc.name, s->player_name, sizeof(cc.name));
        r = client_core_new(&s->core, &cc);
        if (r < 0)
                return ops->fail(s->userdata, s, CLIENT_SETUP_CORE, r);
        return 0;
}

int client_setup(ClientSetup *s, const ClientSetupOps *ops) {
        int r;

        r = setup_mac(s, ops);
        if (r < 0)
                return r;
        r = ops->resolve(s->userdata, &s->loop->fresh);
        if (r < 0)
                return ops->fail(s->userdata, s, CLIENT_SETUP_RESOLVE, r);
        s->loop->have_fresh = true;
        if (s->device_type == FRAME_DEVICE_TAP) {
                r = setup_pin(s, ops);
                if (r < 0)
                        return r;
        }
        r = setup_device(s, ops);
        if (r < 0)
                return r;
        return setup_core(s, ops);
}
