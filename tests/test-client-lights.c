/* SPDX-License-Identifier: MIT */
/* The three lights of client.exe's window (client-lights.c): odd inputs
 * first (over-long names, addresses that are not addresses, unknown
 * phases), then the colour and wording for every phase a player meets. */
#include <string.h>

#include "client-lights.h"
#include "ipv4-autoconf.h"
#include "test-util.h"

#define SEC QUIC_NS_PER_SEC
#define MSEC (QUIC_NS_PER_SEC / 1000)

static ClientDiagnostics base(ClientPhase phase) {
        ClientDiagnostics d = { .phase = phase, .device_ipv4_known = true };

        snprintf(d.relay, sizeof d.relay, "relay.example.org");
        snprintf(d.room, sizeof d.room, "party");
        snprintf(d.device_name, sizeof d.device_name, "Ethernet 3");
        return d;
}

static void expect(const ClientDiagnostics *d, ClientLightKind k, ClientLightColor color, const char *text) {
        ClientLights l;

        client_lights_decide(d, &l);
        if (l.light[k].color != color || strcmp(l.light[k].text, text) != 0)
                fprintf(stderr, "%s: %s \"%s\"\n", client_light_kind_to_string(k),
                        client_light_color_to_string(l.light[k].color), l.light[k].text);
        CHECK_EQ_INT(l.light[k].color, color);
        CHECK_EQ_STR(l.light[k].text, text);
}

static void test_hostile(void) {
        ClientDiagnostics d = base(CLIENT_PHASE_JOINED);
        ClientLights l, m;

        /* Names as long as their buffers: a player name fits whole, a
         * relay name is cut with "...". */
        memset(d.gateway_name, 'g', sizeof(d.gateway_name) - 1);
        d.gateway_name[sizeof(d.gateway_name) - 1] = '\0';
        d.gateway_present = true;
        client_lights_decide(&d, &l);
        CHECK_EQ_INT(strlen(l.light[CLIENT_LIGHT_GATEWAY].text), strlen("Gateway: present ()") + LP_CONTROL_NAME_MAX);

        d = base(CLIENT_PHASE_CONNECTING);
        memset(d.relay, 'r', sizeof(d.relay) - 1);
        d.relay[sizeof(d.relay) - 1] = '\0';
        client_lights_decide(&d, &l);
        CHECK_EQ_INT(strlen(l.light[CLIENT_LIGHT_RELAY].text), CLIENT_LIGHT_TEXT_MAX - 1);
        CHECK(strcmp(l.light[CLIENT_LIGHT_RELAY].text + CLIENT_LIGHT_TEXT_MAX - 4, "...") == 0);

        /* A phase from nowhere. */
        d = base((ClientPhase) 77);
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_GREY, "Relay: unknown state");

        /* Retry delays beyond reason are capped, not wrapped. */
        d = base(CLIENT_PHASE_WAITING);
        d.retry_in = UINT64_MAX;
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_YELLOW, "Relay: reconnecting in 999 s");

        /* Reasons outside the tables. */
        d = base(CLIENT_PHASE_FAILED);
        d.have_last_end = true;
        d.last_end = (SessionEnd) { .kind = SESSION_END_REJECTED, .reject = (RejectReason) 200 };
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: refused to let us in (unknown reason)");
        d.last_end = (SessionEnd) { .kind = SESSION_END_RELAY_DISCONNECT, .leave = (LeaveReason) 200 };
        client_lights_decide(&d, &l);
        CHECK_EQ_INT(l.light[CLIENT_LIGHT_RELAY].color, CLIENT_LIGHT_RED);
        CHECK(strncmp(l.light[CLIENT_LIGHT_RELAY].text, "Relay: sent us away (", 21) == 0);

        CHECK(!ipv4_text_is_autoconf(NULL));
        CHECK(!ipv4_text_is_autoconf(""));
        CHECK(!ipv4_text_is_autoconf("169.254"));
        CHECK(!ipv4_text_is_autoconf("169.254.1.2x"));
        CHECK(!ipv4_text_is_autoconf("169.254.1.256"));
        CHECK(!ipv4_text_is_autoconf("1690.254.1.2"));
        CHECK(!ipv4_text_is_autoconf("fe80::1"));
        CHECK(!ipv4_text_is_autoconf("169.25.1.2"));
        CHECK(ipv4_text_is_autoconf("169.254.0.0"));
        CHECK(ipv4_text_is_autoconf("169.254.255.255"));

        CHECK(!client_light_color_to_string(_CLIENT_LIGHT_COLOR_MAX));
        CHECK(!client_light_kind_to_string(_CLIENT_LIGHT_KIND_INVALID));

        d = base(CLIENT_PHASE_JOINED);
        client_lights_decide(&d, &l);
        client_lights_decide(&d, &m);
        CHECK(client_lights_equal(&l, &m));
        d.rtt = 5 * MSEC;
        client_lights_decide(&d, &m);
        CHECK(!client_lights_equal(&l, &m));
}

static void test_relay(void) {
        ClientDiagnostics d;

        d = base(CLIENT_PHASE_IDLE);
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_GREY, "Relay: starting...");
        d = base(CLIENT_PHASE_CONNECTING);
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_YELLOW, "Relay: connecting to relay.example.org...");
        d.attempt = 2;
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_YELLOW, "Relay: connecting to relay.example.org (attempt 3)...");
        d = base(CLIENT_PHASE_JOINED);
        d.rtt = 12 * MSEC + 600 * 1000;
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_GREEN, "Relay: connected (RTT 13 ms)");

        /* The relay said "no such room": it is reachable, the party is not there yet. */
        d = base(CLIENT_PHASE_WAITING);
        d.have_last_end = true;
        d.last_end = (SessionEnd) { .kind = SESSION_END_REJECTED, .reject = REJECT_REASON_NO_SUCH_ROOM, .retry = true };
        d.retry_in = 4 * SEC;
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_GREEN, "Relay: reachable");
        expect(&d, CLIENT_LIGHT_GATEWAY, CLIENT_LIGHT_YELLOW, "Gateway: not connected yet, waiting...");

        /* No route, no socket, no DNS: red. */
        d = base(CLIENT_PHASE_WAITING);
        d.connect_error = -ENETUNREACH;
        d.retry_in = 1500 * MSEC;
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: cannot reach relay.example.org, retrying in 2 s");
        /* Never answered the handshake: red too. */
        d = base(CLIENT_PHASE_WAITING);
        d.have_last_end = true;
        d.last_end = (SessionEnd) { .kind = SESSION_END_CONNECTION_LOST, .retry = true };
        d.retry_in = 8 * SEC;
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: relay.example.org does not answer, retrying in 8 s");
        /* Lost after being in: yellow, it usually comes back. */
        d.last_end.was_joined = true;
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_YELLOW, "Relay: reconnecting in 8 s");
        expect(&d, CLIENT_LIGHT_GATEWAY, CLIENT_LIGHT_GREY, "Gateway: unknown until we are in the room");

        d = base(CLIENT_PHASE_LEAVING);
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_GREY, "Relay: leaving...");
        d = base(CLIENT_PHASE_STOPPED);
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_GREY, "Relay: left the room");

        d = base(CLIENT_PHASE_FAILED);
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: stopped");
        d.have_last_end = true;
        d.last_end = (SessionEnd) { .kind = SESSION_END_REJECTED, .reject = REJECT_REASON_AUTH_FAILED };
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: wrong room key, ask for a new link");
        d.last_end = (SessionEnd) { .kind = SESSION_END_REJECTED, .reject = REJECT_REASON_BAD_VERSION };
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: refused to let us in (bad_version)");
        d.last_end = (SessionEnd) { .kind = SESSION_END_PIN_MISMATCH };
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: not the one the link names, ask for a new link");
        d.last_end = (SessionEnd) { .kind = SESSION_END_CERT_UNTRUSTED };
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: not the one the link names, ask for a new link");
        d.last_end = (SessionEnd) { .kind = SESSION_END_RELAY_DISCONNECT, .leave = LEAVE_REASON_KICKED };
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: sent us away (kicked)");
        d.last_end = (SessionEnd) { .kind = SESSION_END_PROTOCOL_ERROR };
        expect(&d, CLIENT_LIGHT_RELAY, CLIENT_LIGHT_RED, "Relay: stopped (see the log below)");
}

static void test_gateway(void) {
        ClientDiagnostics d = base(CLIENT_PHASE_JOINED);

        expect(&d, CLIENT_LIGHT_GATEWAY, CLIENT_LIGHT_YELLOW, "Gateway: waiting for the party's gateway...");
        d.gateway_present = true;
        expect(&d, CLIENT_LIGHT_GATEWAY, CLIENT_LIGHT_GREEN, "Gateway: present");
        snprintf(d.gateway_name, sizeof d.gateway_name, "party-pi");
        expect(&d, CLIENT_LIGHT_GATEWAY, CLIENT_LIGHT_GREEN, "Gateway: present (party-pi)");
        d = base(CLIENT_PHASE_CONNECTING);
        expect(&d, CLIENT_LIGHT_GATEWAY, CLIENT_LIGHT_GREY, "Gateway: unknown until we are in the room");
}

static void test_address(void) {
        ClientDiagnostics d = base(CLIENT_PHASE_JOINED);

        d.device_ipv4_known = false;
        expect(&d, CLIENT_LIGHT_ADDRESS, CLIENT_LIGHT_GREY, "LAN address: none (no network adapter in use)");
        d.device_ipv4_known = true;
        expect(&d, CLIENT_LIGHT_ADDRESS, CLIENT_LIGHT_YELLOW, "LAN address: waiting for DHCP...");
        snprintf(d.device_ipv4, sizeof d.device_ipv4, "169.254.12.7");
        expect(&d, CLIENT_LIGHT_ADDRESS, CLIENT_LIGHT_YELLOW,
               "LAN address: 169.254.12.7 (no answer from the party's DHCP yet)");
        snprintf(d.device_ipv4, sizeof d.device_ipv4, "192.168.1.23");
        expect(&d, CLIENT_LIGHT_ADDRESS, CLIENT_LIGHT_GREEN, "LAN address: 192.168.1.23");
        /* An address kept across a reconnect stays green. */
        d.phase = CLIENT_PHASE_WAITING;
        expect(&d, CLIENT_LIGHT_ADDRESS, CLIENT_LIGHT_GREEN, "LAN address: 192.168.1.23");
        d.device_ipv4[0] = '\0';
        expect(&d, CLIENT_LIGHT_ADDRESS, CLIENT_LIGHT_GREY, "LAN address: none yet");
}

int main(void) {
        RUN(test_hostile);
        RUN(test_relay);
        RUN(test_gateway);
        RUN(test_address);
        return 0;
}
