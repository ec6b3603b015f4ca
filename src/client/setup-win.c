/* SPDX-License-Identifier: MIT */
/* client.exe's side of the start-up (client-setup.c): the checks before
 * it, what the player reads about each step, and another try at an
 * adapter that has not taken our MAC yet. */
#include "client-win.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check-run.h"
#include "client-setup.h"
#include "log.h"
#include "platform-win.h"
#include "tap-win.h"

#define MAC_PENDING_MESSAGE                                                                                   \
        "The TAP adapter has not taken lanparty's network address (MAC) yet; Windows applies it when the "   \
        "adapter restarts, and restarting it automatically did not work. Open Network Connections "          \
        "(ncpa.cpl), right-click the TAP-Windows adapter, choose Disable and then Enable (or restart "        \
        "Windows), then try again."

static void host_name(char *buf, size_t size) {
        wchar_t w[256];
        DWORD n = ELEMENTSOF(w);

        if (!GetComputerNameExW(ComputerNamePhysicalDnsHostname, w, &n) || wide_to_utf8(w, buf, size) < 0)
                buf[0] = '\0';
}

/* tap-win.c restarted the adapter once already; a player can do it by
 * hand and have us try again, when the face can ask (the window). */
static bool device_retry(void *userdata, int error) {
        Client *c = userdata;

        if (error != -EADDRNOTAVAIL || !c->face.ask_retry_device ||
            !c->face.ask_retry_device(c->face.userdata, MAC_PENDING_MESSAGE))
                return false;
        client_say(c, "Trying the adapter again...");
        return true;
}

static int device_fail(Client *c, int r) {
        switch (r) {
        case -EADDRNOTAVAIL:
                return client_fail(c, r, "%s", MAC_PENDING_MESSAGE);
        case -ENODEV:
                return client_fail(c, r, "%s", c->args.tap_instance_id
                                                       ? "The TAP-Windows6 adapter is missing or disabled; see the "
                                                         "messages above."
                                                       : NO_TAP_MESSAGE);
        case -EDESTADDRREQ:
        case -ENXIO:
                return client_fail(c, r,
                                   "Choose the TAP-Windows6 adapter with --tap-instance-id NAME-OR-GUID (client.exe "
                                   "--list-tap-adapters shows them).");
        case -EACCES:
                return client_fail(c, r, "%s", NOT_ADMIN_MESSAGE);
        case -EBUSY:
                return client_fail(c, r,
                                   "The TAP adapter is used by another program (OpenVPN?). Close it and try again.");
        case -EPROTONOSUPPORT:
                return client_fail(c, r,
                                   "The TAP-Windows driver on this computer is too old for lanparty. Install the "
                                   "current TAP-Windows6 (run the lanparty installer again, or get it from "
                                   "https://github.com/OpenVPN/tap-windows6/releases), then start again.");
        default:
                return client_fail(c, r, "Cannot use the TAP adapter: %s.", client_error_text(r));
        }
}

static int routes_fail(Client *c, int r) {
        if (r == -EBUSY)
                return client_fail(c, r, "lanparty is already running on this computer; leave that party first.");
        if (r == -EPERM || r == -ENOTDIR)
                return client_fail(c, r,
                                   "lanparty does not trust the folder where it records its network changes; see the "
                                   "message above.");
        return client_fail(c, r, "Cannot keep track of routes: %s.", client_error_text(r));
}

static int setup_fail(void *userdata, const ClientSetup *s, ClientSetupStep step, int r) {
        Client *c = userdata;
        char text[CLIENT_ADDRESS_TEXT_MAX];

        switch (step) {
        case CLIENT_SETUP_STATE_DIR:
                return client_fail(c, r, "The state directory name is too long.");
        case CLIENT_SETUP_MAC:
                return client_fail(c, r, "Cannot load or create this computer's virtual MAC address: %s.",
                                   client_error_text(r));
        case CLIENT_SETUP_RESOLVE:
                return client_fail(c, r,
                                   "Cannot find relay %s: %s. Check that this computer is online; if it is, the "
                                   "invite link may be outdated: ask for a new link.",
                                   c->invite.host, c->resolve_reason);
        case CLIENT_SETUP_ROUTES:
                return routes_fail(c, r);
        case CLIENT_SETUP_RELAY_ADDRESS:
        case CLIENT_SETUP_PIN:
                return client_fail(c, r, "Cannot pin the route to relay %s (%s). Is this computer connected to the "
                                         "internet?",
                                   client_addr_to_text(&s->loop->fresh, text), client_error_text(r));
        case CLIENT_SETUP_DEVICE:
                return device_fail(c, r);
        default:
                return client_fail(c, r, "Failed to set up the client: %s.", client_error_text(r));
        }
}

static void pin_report(Client *c, const ClientSetup *s, RoutePlan plan) {
        char text[CLIENT_ADDRESS_TEXT_MAX];

        client_addr_to_text(&s->loop->fresh, text);
        switch (plan) {
        case ROUTE_PLAN_ADD:
                client_say(c, "Pinned the route to relay %s, so the party's network cannot take it over.", text);
                break;
        case ROUTE_PLAN_REUSE:
                client_say(c, "Relay %s already has a route of its own; using it.", text);
                break;
        case ROUTE_PLAN_NONE:
                client_say(c, "Relay %s is this computer; no route needed.", text);
                break;
        case ROUTE_PLAN_CONFLICT:
                client_say(c, "Warning: another program's route to relay %s is in place; leaving it alone.", text);
                break;
        default:
                break;
        }
}

static void setup_report(void *userdata, const ClientSetup *s, ClientSetupStep step, int r) {
        Client *c = userdata;
        const char *name = s->device ? frame_device_get_name(s->device) : "";

        if (step == CLIENT_SETUP_DISCOVERY_ROUTES)
                party_check_set_discovery_routes(c->check, r);
        if (step == CLIENT_SETUP_PIN)
                pin_report(c, s, (RoutePlan) r);
        else if (step == CLIENT_SETUP_CARRIER)
                log_warning_errno(r, "Failed to disconnect the media of %s, ignoring: %m", name);
        else if (step == CLIENT_SETUP_DISCOVERY_ROUTES && r == ROUTE_PLAN_ADD)
                client_say(c, "Adapter \"%s\": low metric so games' broadcasts reach the party; %s.", name,
                           s->accept_party_gateway ? "the party's gateway is kept as you asked"
                                                   : "default routes on it are ignored");
        else if (step == CLIENT_SETUP_DISCOVERY_ROUTES && r < 0)
                client_say(c, "Warning: cannot give adapter \"%s\" a low metric (%s). Games that broadcast without "
                              "choosing an adapter may not find the party.",
                           name, client_error_text(r));
}

static const ClientSetupOps setup_ops = {
        .path_separator = '\\',
        .path_max = WIN_PATH_MAX,
        .resolve = relay_lookup_first,
        .host_name = host_name,
        .device_retry = device_retry,
        .device_opened = client_address_watch,
        .fail = setup_fail,
        .report = setup_report,
};

int client_setup_win(Client *c) {
        char instance[ROUTE_INSTANCE_MAX + 1], label[CLIENT_LOOP_DEVICE_LABEL_MAX];
        TapWinAdapter adapters[TAP_WIN_ADAPTERS_MAX];
        size_t n_adapters = 0;
        int r;

        if (c->args.device_type == FRAME_DEVICE_TAP) {
                /* Before changing anything: without an adapter nothing else matters. */
                r = tap_win_adapters_list(adapters, ELEMENTSOF(adapters), &n_adapters);
                if (r >= 0 && n_adapters == 0)
                        return client_fail(c, -ENODEV, "%s", NO_TAP_MESSAGE);
        }

        /* Route state files are named after the adapter the player asked for. */
        client_route_instance(c->args.tap_instance_id ? c->args.tap_instance_id : "tap", NULL, instance,
                              sizeof(instance));
        c->setup = (ClientSetup) {
                .invite = &c->invite,
                .state_dir = c->args.state_dir,
                .mac_dir = c->mac_dir,
                .device_type = c->args.device_type,
                .device_hint = c->args.tap_instance_id,
                .route_instance = instance,
                .name = c->args.name,
                .accept_party_gateway = c->args.accept_party_gateway,
                .callbacks = { .send = relay_on_send, .connect = relay_on_connect, .event = client_on_event,
                               .check = client_on_check_message },
                .userdata = c,
                .loop = &c->loop,
        };
        r = client_setup(&c->setup, &setup_ops);
        if (r < 0)
                return r;
        snprintf(label, sizeof(label), "adapter \"%s\"", frame_device_get_name(c->setup.device));
        client_loop_attach(&c->loop, c->setup.core, c->setup.routes, c->invite.host, label);
        return 0;
}
