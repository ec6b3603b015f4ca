/* SPDX-License-Identifier: MIT */
#include "client-lights.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ipv4-autoconf.h"
#include "string-table.h"

#define NS_PER_MS (QUIC_NS_PER_SEC / 1000)

static const char *const client_light_color_table[_CLIENT_LIGHT_COLOR_MAX] = {
        [CLIENT_LIGHT_GREY] = "grey",
        [CLIENT_LIGHT_GREEN] = "green",
        [CLIENT_LIGHT_YELLOW] = "yellow",
        [CLIENT_LIGHT_RED] = "red",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(client_light_color, ClientLightColor)

static const char *const client_light_kind_table[_CLIENT_LIGHT_KIND_MAX] = {
        [CLIENT_LIGHT_RELAY] = "relay",
        [CLIENT_LIGHT_GATEWAY] = "gateway",
        [CLIENT_LIGHT_ADDRESS] = "address",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(client_light_kind, ClientLightKind)

static void light_set(ClientLight *l, ClientLightColor color, const char *format, ...) _printf_(3, 4);
static void light_set(ClientLight *l, ClientLightColor color, const char *format, ...) {
        va_list ap;
        int n;

        l->color = color;
        va_start(ap, format);
        n = vsnprintf(l->text, sizeof(l->text), format, ap);
        va_end(ap);
        if (n < 0)
                l->text[0] = '\0';
        else if ((size_t) n >= sizeof(l->text))
                memcpy(l->text + sizeof(l->text) - 4, "...", 4);
}

static unsigned seconds_up(uint64_t ns) {
        if (ns >= 999 * QUIC_NS_PER_SEC)
                return 999;
        return (unsigned) ((ns + QUIC_NS_PER_SEC - 1) / QUIC_NS_PER_SEC);
}

static const char *or_unknown(const char *s) {
        return s ? s : "unknown reason";
}

static bool waiting_for_gateway(const ClientDiagnostics *d) {
        return d->have_last_end && d->last_end.kind == SESSION_END_REJECTED &&
               d->last_end.reject == REJECT_REASON_NO_SUCH_ROOM;
}

static void decide_relay(const ClientDiagnostics *d, ClientLight *l) {
        switch (d->phase) {
        case CLIENT_PHASE_IDLE:
                return light_set(l, CLIENT_LIGHT_GREY, "Relay: starting...");
        case CLIENT_PHASE_CONNECTING:
                if (d->attempt > 0)
                        return light_set(l, CLIENT_LIGHT_YELLOW, "Relay: connecting to %s (attempt %u)...", d->relay,
                                         d->attempt + 1);
                return light_set(l, CLIENT_LIGHT_YELLOW, "Relay: connecting to %s...", d->relay);
        case CLIENT_PHASE_JOINED:
                return light_set(l, CLIENT_LIGHT_GREEN, "Relay: connected (RTT %" PRIu64 " ms)",
                                 (d->rtt + NS_PER_MS / 2) / NS_PER_MS);
        case CLIENT_PHASE_WAITING:
                /* The relay answered; only the room is not open. */
                if (waiting_for_gateway(d))
                        return light_set(l, CLIENT_LIGHT_GREEN, "Relay: reachable");
                if (d->connect_error != 0)
                        return light_set(l, CLIENT_LIGHT_RED, "Relay: cannot reach %s, retrying in %u s", d->relay,
                                         seconds_up(d->retry_in));
                if (d->have_last_end && d->last_end.kind == SESSION_END_CONNECTION_LOST && !d->last_end.was_joined)
                        return light_set(l, CLIENT_LIGHT_RED, "Relay: %s does not answer, retrying in %u s",
                                         d->relay, seconds_up(d->retry_in));
                return light_set(l, CLIENT_LIGHT_YELLOW, "Relay: reconnecting in %u s", seconds_up(d->retry_in));
        case CLIENT_PHASE_LEAVING:
                return light_set(l, CLIENT_LIGHT_GREY, "Relay: leaving...");
        case CLIENT_PHASE_STOPPED:
                return light_set(l, CLIENT_LIGHT_GREY, "Relay: left the room");
        case CLIENT_PHASE_FAILED:
                if (!d->have_last_end)
                        return light_set(l, CLIENT_LIGHT_RED, "Relay: stopped");
                switch (d->last_end.kind) {
                case SESSION_END_REJECTED:
                        if (d->last_end.reject == REJECT_REASON_AUTH_FAILED)
                                return light_set(l, CLIENT_LIGHT_RED, "Relay: wrong room key, ask for a new link");
                        return light_set(l, CLIENT_LIGHT_RED, "Relay: refused to let us in (%s)",
                                         or_unknown(reject_reason_to_string(d->last_end.reject)));
                case SESSION_END_PIN_MISMATCH:
                case SESSION_END_CERT_UNTRUSTED:
                        return light_set(l, CLIENT_LIGHT_RED, "Relay: not the one the link names, ask for a new link");
                case SESSION_END_RELAY_DISCONNECT:
                        return light_set(l, CLIENT_LIGHT_RED, "Relay: sent us away (%s)",
                                         or_unknown(leave_reason_to_string(d->last_end.leave)));
                default:
                        return light_set(l, CLIENT_LIGHT_RED, "Relay: stopped (see the log below)");
                }
        default:
                return light_set(l, CLIENT_LIGHT_GREY, "Relay: unknown state");
        }
}

static void decide_gateway(const ClientDiagnostics *d, ClientLight *l) {
        if (d->phase == CLIENT_PHASE_JOINED) {
                if (d->gateway_present && d->gateway_name[0])
                        return light_set(l, CLIENT_LIGHT_GREEN, "Gateway: present (%s)", d->gateway_name);
                if (d->gateway_present)
                        return light_set(l, CLIENT_LIGHT_GREEN, "Gateway: present");
                return light_set(l, CLIENT_LIGHT_YELLOW, "Gateway: waiting for the party's gateway...");
        }
        if (d->phase == CLIENT_PHASE_WAITING && waiting_for_gateway(d))
                return light_set(l, CLIENT_LIGHT_YELLOW, "Gateway: not connected yet, waiting...");
        return light_set(l, CLIENT_LIGHT_GREY, "Gateway: unknown until we are in the room");
}

static void decide_address(const ClientDiagnostics *d, ClientLight *l) {
        if (!d->device_ipv4_known)
                return light_set(l, CLIENT_LIGHT_GREY, "LAN address: none (no network adapter in use)");
        if (d->device_ipv4[0] && ipv4_text_is_autoconf(d->device_ipv4))
                return light_set(l, CLIENT_LIGHT_YELLOW, "LAN address: %s (no answer from the party's DHCP yet)",
                                 d->device_ipv4);
        if (d->device_ipv4[0])
                return light_set(l, CLIENT_LIGHT_GREEN, "LAN address: %s", d->device_ipv4);
        if (d->phase == CLIENT_PHASE_JOINED)
                return light_set(l, CLIENT_LIGHT_YELLOW, "LAN address: waiting for DHCP...");
        return light_set(l, CLIENT_LIGHT_GREY, "LAN address: none yet");
}

void client_lights_decide(const ClientDiagnostics *d, ClientLights *ret) {
        *ret = (ClientLights) {};
        decide_relay(d, &ret->light[CLIENT_LIGHT_RELAY]);
        decide_gateway(d, &ret->light[CLIENT_LIGHT_GATEWAY]);
        decide_address(d, &ret->light[CLIENT_LIGHT_ADDRESS]);
}

bool client_lights_equal(const ClientLights *a, const ClientLights *b) {
        for (size_t i = 0; i < _CLIENT_LIGHT_KIND_MAX; i++)
                if (a->light[i].color != b->light[i].color || strcmp(a->light[i].text, b->light[i].text) != 0)
                        return false;
        return true;
}
