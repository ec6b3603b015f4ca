/* SPDX-License-Identifier: MIT */
/* The wording of the client's status lines, table by table: diagnostics
 * snapshots and events in, exact lines out, plus when the tracker repeats
 * them. Odd inputs first (cut-short buffers, over-long names, missing
 * pieces). */
#include <errno.h>
#include <string.h>

#include "client-status.h"
#include "test-util.h"

#define SEC QUIC_NS_PER_SEC
#define MSEC (QUIC_NS_PER_SEC / 1000)

static ClientDiagnostics base(ClientPhase phase) {
        ClientDiagnostics d = { .phase = phase };

        snprintf(d.relay, sizeof d.relay, "relay.example.org");
        snprintf(d.room, sizeof d.room, "party");
        snprintf(d.device_name, sizeof d.device_name, "lp0");
        return d;
}

/* Checks the lines describe() makes: kinds in order, texts exact. */
static void expect_lines(const ClientDiagnostics *d, size_t n_expected, const ClientStatusKind *kinds,
                         const char *const *texts) {
        ClientStatusLine lines[_CLIENT_STATUS_KIND_MAX + 1];
        size_t n = client_status_describe(d, lines, ELEMENTSOF(lines));

        for (size_t i = 0; i < n && i < n_expected; i++) {
                if (lines[i].kind != kinds[i] || strcmp(lines[i].text, texts[i]) != 0)
                        fprintf(stderr, "line %zu: %s \"%s\"\n", i, client_status_kind_to_string(lines[i].kind),
                                lines[i].text);
                CHECK_EQ_INT(lines[i].kind, kinds[i]);
                CHECK_EQ_STR(lines[i].text, texts[i]);
                CHECK(strlen(lines[i].key) > 0);
        }
        CHECK_EQ_INT(n, n_expected);
}

#define EXPECT(d, ...)                                                                                   \
        do {                                                                                             \
                static const struct {                                                                    \
                        ClientStatusKind kind;                                                           \
                        const char *text;                                                                \
                } _e[] = { __VA_ARGS__ };                                                                \
                ClientStatusKind _k[ELEMENTSOF(_e)];                                                     \
                const char *_t[ELEMENTSOF(_e)];                                                          \
                for (size_t _i = 0; _i < ELEMENTSOF(_e); _i++) {                                         \
                        _k[_i] = _e[_i].kind;                                                            \
                        _t[_i] = _e[_i].text;                                                            \
                }                                                                                        \
                expect_lines(d, ELEMENTSOF(_e), _k, _t);                                                 \
        } while (0)

static void test_hostile(void) {
        ClientStatusLine lines[2];
        ClientDiagnostics d;
        char buf[8];
        SessionEnd end = { .kind = SESSION_END_LOCAL };

        /* NULLs and empty buffers do nothing. */
        CHECK_EQ_INT(client_status_describe(NULL, lines, 2), 0);
        d = base(CLIENT_PHASE_IDLE);
        CHECK_EQ_INT(client_status_describe(&d, NULL, 2), 0);
        CHECK_EQ_INT(client_status_describe(&d, lines, 0), 0);
        CHECK_EQ_INT(client_status_event(NULL, buf, sizeof buf), 0);
        CHECK_EQ_STR(buf, "");
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = CLIENT_EVENT_STOPPED, .end = &end }, NULL, 10), 0);
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = CLIENT_EVENT_STOPPED, .end = &end }, buf, 0), 0);

        /* Events missing what they describe say nothing. */
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = CLIENT_EVENT_JOINED }, buf, sizeof buf), 0);
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = CLIENT_EVENT_PEER_JOINED }, buf, sizeof buf), 0);
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = CLIENT_EVENT_PEER_LEFT }, buf, sizeof buf), 0);
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = CLIENT_EVENT_DISCONNECTED }, buf, sizeof buf), 0);
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = CLIENT_EVENT_STOPPED }, buf, sizeof buf), 0);
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = _CLIENT_EVENT_TYPE_MAX }, buf, sizeof buf), 0);
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = _CLIENT_EVENT_TYPE_INVALID }, buf, sizeof buf), 0);

        /* A line cut short ends in "..." and reports what it wrote. */
        snprintf(end.message, sizeof end.message, "Left the room.");
        CHECK_EQ_INT(client_status_event(&(ClientEvent) { .type = CLIENT_EVENT_STOPPED, .end = &end }, buf, sizeof buf),
                     7);
        CHECK_EQ_STR(buf, "Left...");

        /* Only as many lines as there is room for. */
        d = base(CLIENT_PHASE_JOINED);
        CHECK_EQ_INT(client_status_describe(&d, lines, 1), 1);
        CHECK_EQ_INT(lines[0].kind, CLIENT_STATUS_CONNECTION);

        /* The longest relay name and end message still make bounded lines. */
        d = base(CLIENT_PHASE_WAITING);
        memset(d.relay, 'r', sizeof d.relay - 1);
        d.relay[sizeof d.relay - 1] = '\0';
        d.have_last_end = true;
        memset(d.last_end.message, 'm', sizeof d.last_end.message - 1);
        d.last_end.message[sizeof d.last_end.message - 1] = '\0';
        CHECK_EQ_INT(client_status_describe(&d, lines, 2), 1);
        CHECK(strlen(lines[0].text) < CLIENT_STATUS_LINE_MAX);
        CHECK(strncmp(lines[0].text, "Disconnected: mmm", 17) == 0);
        d.connect_error = -EHOSTUNREACH;
        CHECK_EQ_INT(client_status_describe(&d, lines, 2), 1);
        CHECK(strlen(lines[0].text) < CLIENT_STATUS_LINE_MAX);
        CHECK(strncmp(lines[0].text, "Cannot reach relay rrr", 22) == 0);
        /* This one does not fit: cut, with "..." at the end. */
        d.connect_error = 0;
        d.last_end = (SessionEnd) { .kind = SESSION_END_REJECTED, .reject = REJECT_REASON_NO_SUCH_ROOM };
        memset(d.room, 'a', sizeof d.room - 1);
        d.room[sizeof d.room - 1] = '\0';
        CHECK_EQ_INT(client_status_describe(&d, lines, 2), 1);
        CHECK_EQ_INT(strlen(lines[0].text), CLIENT_STATUS_LINE_MAX - 1);
        CHECK_EQ_STR(lines[0].text + CLIENT_STATUS_LINE_MAX - 4, "...");
        CHECK(strlen(lines[0].key) < CLIENT_STATUS_LINE_MAX - 1);

        /* Phases outside the table. */
        d = base(_CLIENT_PHASE_MAX);
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Unknown state." });
        CHECK(!client_status_kind_to_string(_CLIENT_STATUS_KIND_MAX));
        CHECK(!client_status_kind_to_string(_CLIENT_STATUS_KIND_INVALID));
        for (int i = 0; i < _CLIENT_STATUS_KIND_MAX; i++)
                CHECK(client_status_kind_to_string((ClientStatusKind) i));
}

static void test_format_bytes(void) {
        static const struct {
                uint64_t n;
                const char *text;
        } table[] = {
                { 0, "0 B" },
                { 1, "1 B" },
                { 1023, "1023 B" },
                { 1024, "1.0 KiB" },
                { 1535, "1.4 KiB" },
                { 1536, "1.5 KiB" },
                { 1024 * 1024 - 1, "1023.9 KiB" },
                { 1024 * 1024, "1.0 MiB" },
                { UINT64_C(5) * 1024 * 1024 * 1024 + 512 * 1024 * 1024, "5.5 GiB" },
                { UINT64_MAX, "15.9 EiB" },
        };
        char buf[32];

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                CHECK_EQ_STR(client_status_format_bytes(table[i].n, buf, sizeof buf), table[i].text);
}

static void test_connection_lines(void) {
        ClientDiagnostics d;

        d = base(CLIENT_PHASE_IDLE);
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Starting..." });

        d = base(CLIENT_PHASE_CONNECTING);
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connecting to relay relay.example.org..." });
        snprintf(d.relay_address, sizeof d.relay_address, "198.51.100.1:443");
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connecting to relay relay.example.org (198.51.100.1:443)..." });
        d.attempt = 2;
        EXPECT(&d, { CLIENT_STATUS_CONNECTION,
                     "Connecting to relay relay.example.org (198.51.100.1:443) (attempt 3)..." });
        /* An address equal to the link's host is not repeated. */
        snprintf(d.relay, sizeof d.relay, "198.51.100.1:443");
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connecting to relay 198.51.100.1:443 (attempt 3)..." });

        d = base(CLIENT_PHASE_WAITING);
        d.retry_in = 8 * SEC;
        d.have_last_end = true;
        d.last_end = (SessionEnd) { .kind = SESSION_END_REJECTED, .reject = REJECT_REASON_NO_SUCH_ROOM, .retry = true };
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Waiting for the party's gateway... (room party is not open on relay "
                                               "relay.example.org yet; trying again in 8.0 s)" });
        d.last_end.reject = REJECT_REASON_ROOM_FULL;
        snprintf(d.last_end.message, sizeof d.last_end.message, "The relay refused to let us in: room_full.");
        d.retry_in = 15 * SEC;
        EXPECT(&d, { CLIENT_STATUS_CONNECTION,
                     "Disconnected: The relay refused to let us in: room_full. Trying again in 15 s." });
        d.connect_error = -EHOSTUNREACH;
        d.retry_in = 500 * MSEC;
        EXPECT(&d, { CLIENT_STATUS_CONNECTION,
                     "Cannot reach relay relay.example.org (No route to host); trying again in 0.5 s" });
        d = base(CLIENT_PHASE_WAITING);
        d.retry_in = 1234 * MSEC;
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Trying again in 1.2 s." });

        d = base(CLIENT_PHASE_LEAVING);
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Leaving the room..." });
        d = base(CLIENT_PHASE_STOPPED);
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Left the room." });
        d = base(CLIENT_PHASE_FAILED);
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Stopped." });
        d.have_last_end = true;
        snprintf(d.last_end.message, sizeof d.last_end.message,
                 "The relay refused to let us in: auth_failed. The room key in the invite link is wrong or "
                 "outdated: ask for a new link.");
        EXPECT(&d, { CLIENT_STATUS_CONNECTION,
                     "The relay refused to let us in: auth_failed. The room key in the invite link is wrong or "
                     "outdated: ask for a new link." });
}

static void test_joined_lines(void) {
        ClientDiagnostics d;

        /* Everything going well. */
        d = base(CLIENT_PHASE_JOINED);
        d.rtt = 12 * MSEC + 400 * 1000;
        d.gateway_present = true;
        snprintf(d.gateway_name, sizeof d.gateway_name, "party-gw");
        d.n_clients = 2;
        d.device_ipv4_known = true;
        snprintf(d.device_ipv4, sizeof d.device_ipv4, "192.0.2.113");
        d.counters.tx_frames = 1;
        d.counters.tx_bytes = 60;
        d.counters.rx_frames = 2000;
        d.counters.rx_bytes = 3 * 1024 * 1024;
        d.counters.rx_broadcast = 3;
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connected to relay relay.example.org (RTT 12 ms)" },
               { CLIENT_STATUS_GATEWAY, "LAN gateway present (party-gw)" },
               { CLIENT_STATUS_PLAYERS, "2 other players in the room" },
               { CLIENT_STATUS_ADDRESS, "Got address 192.0.2.113 on lp0" },
               { CLIENT_STATUS_BROADCAST, "Broadcast traffic seen (game discovery works)" },
               { CLIENT_STATUS_TRAFFIC, "Traffic: sent 1 frame (60 B), received 2000 frames (3.0 MiB)" });

        /* Drops are listed by reason and direction. */
        d.counters.drop[CLIENT_DROP_MISDIRECTED] = 4;
        d.counters.filtered_out[L2_DROP_JUMBO] = 1;
        d.counters.filtered_in[L2_DROP_VLAN_TAGGED] = 2;
        d.n_clients = 1;
        d.gateway_name[0] = '\0';
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connected to relay relay.example.org (RTT 12 ms)" },
               { CLIENT_STATUS_GATEWAY, "LAN gateway present" },
               { CLIENT_STATUS_PLAYERS, "1 other player in the room" },
               { CLIENT_STATUS_ADDRESS, "Got address 192.0.2.113 on lp0" },
               { CLIENT_STATUS_BROADCAST, "Broadcast traffic seen (game discovery works)" },
               { CLIENT_STATUS_TRAFFIC, "Traffic: sent 1 frame (60 B), received 2000 frames (3.0 MiB), dropped 7: "
                                        "4 misdirected, 1 outgoing jumbo, 2 incoming vlan_tagged" });

        /* The party's gateway and DNS taken out of DHCP replies and RAs: said
         * with the frames received; a reply that could not be is a drop. */
        d.counters.rx_autoconf_sanitized = 3;
        d.counters.drop[CLIENT_DROP_AUTOCONF_UNSAFE] = 1;
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connected to relay relay.example.org (RTT 12 ms)" },
               { CLIENT_STATUS_GATEWAY, "LAN gateway present" },
               { CLIENT_STATUS_PLAYERS, "1 other player in the room" },
               { CLIENT_STATUS_ADDRESS, "Got address 192.0.2.113 on lp0" },
               { CLIENT_STATUS_BROADCAST, "Broadcast traffic seen (game discovery works)" },
               { CLIENT_STATUS_TRAFFIC, "Traffic: sent 1 frame (60 B), received 2000 frames (3.0 MiB; 3 with the "
                                        "party's gateway and DNS removed), dropped 8: 4 misdirected, 1 "
                                        "unsafe_dhcp_or_ra, 1 outgoing jumbo, 2 incoming vlan_tagged" });

        /* Just in: no gateway, nobody else, no address yet, no traffic. */
        d = base(CLIENT_PHASE_JOINED);
        d.device_ipv4_known = true;
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connected to relay relay.example.org (RTT 0 ms)" },
               { CLIENT_STATUS_GATEWAY, "Waiting for the party's gateway..." },
               { CLIENT_STATUS_PLAYERS, "No other players in the room yet" },
               { CLIENT_STATUS_ADDRESS, "No IPv4 address on lp0 yet (waiting for DHCP)" });

        /* The OS gave up on DHCP and picked an address itself (APIPA). */
        snprintf(d.device_ipv4, sizeof(d.device_ipv4), "169.254.7.9");
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connected to relay relay.example.org (RTT 0 ms)" },
               { CLIENT_STATUS_GATEWAY, "Waiting for the party's gateway..." },
               { CLIENT_STATUS_PLAYERS, "No other players in the room yet" },
               { CLIENT_STATUS_ADDRESS,
                 "Only the fallback address 169.254.7.9 on lp0 (no answer from the party's DHCP yet)" });
        d.device_ipv4[0] = '\0';

        /* The null device: the platform knows no address, so no line. */
        d.device_ipv4_known = false;
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connected to relay relay.example.org (RTT 0 ms)" },
               { CLIENT_STATUS_GATEWAY, "Waiting for the party's gateway..." },
               { CLIENT_STATUS_PLAYERS, "No other players in the room yet" });

        /* Reconnecting: an address that is still there is still shown, the
         * room facts are not, old counters are. */
        d = base(CLIENT_PHASE_CONNECTING);
        d.device_ipv4_known = true;
        snprintf(d.device_ipv4, sizeof d.device_ipv4, "192.0.2.113");
        d.counters.rx_broadcast = 1;
        d.counters.rx_frames = 1;
        d.counters.rx_bytes = 60;
        d.counters.drop[CLIENT_DROP_NOT_JOINED] = 1;
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connecting to relay relay.example.org..." },
               { CLIENT_STATUS_ADDRESS, "Got address 192.0.2.113 on lp0" },
               { CLIENT_STATUS_TRAFFIC, "Traffic: sent 0 frames (0 B), received 1 frame (60 B), dropped 1: 1 not_joined" });
        d.device_ipv4[0] = '\0';
        EXPECT(&d, { CLIENT_STATUS_CONNECTION, "Connecting to relay relay.example.org..." },
               { CLIENT_STATUS_TRAFFIC, "Traffic: sent 0 frames (0 B), received 1 frame (60 B), dropped 1: 1 not_joined" });
}

static void test_events(void) {
        ControlWelcome w = { .peer_id = 7, .room_mtu = 1344, .gateway_present = true };
        SessionPeer alice = { .id = 3, .role = PEER_ROLE_CLIENT, .mac = { { 2, 0, 0, 0, 0, 3 } } };
        SessionPeer anon = { .id = 4, .role = PEER_ROLE_CLIENT, .mac = { { 2, 0xab, 0, 0, 0, 4 } } };
        SessionPeer gw = { .id = 1, .role = PEER_ROLE_GATEWAY, .mac = { { 0, 0x16, 0x3e, 0, 0, 1 } } };
        SessionEnd lost = { .kind = SESSION_END_CONNECTION_LOST, .retry = true };
        SessionEnd quit = { .kind = SESSION_END_LOCAL };
        SessionEnd no_room = { .kind = SESSION_END_REJECTED, .reject = REJECT_REASON_NO_SUCH_ROOM, .retry = true };
        char buf[CLIENT_STATUS_LINE_MAX];

        snprintf(alice.name, sizeof alice.name, "alice's PC");
        snprintf(lost.message, sizeof lost.message, "Lost the connection to the relay (timeout).");
        snprintf(quit.message, sizeof quit.message, "Left the room.");

        static const char *const relay = "relay.example.org", *const room = "party";
        const struct {
                ClientEvent e;
                const char *text; /* NULL: no line */
        } table[] = {
                { { .type = CLIENT_EVENT_CONNECTING }, NULL },
                { { .type = CLIENT_EVENT_JOINED, .welcome = &w }, "Joined room party as peer 7 (room MTU 1344)." },
                { { .type = CLIENT_EVENT_PEER_JOINED, .peer = &alice }, "alice's PC is in the room." },
                { { .type = CLIENT_EVENT_PEER_JOINED, .peer = &anon }, "A player (02:ab:00:00:00:04) is in the room." },
                { { .type = CLIENT_EVENT_PEER_JOINED, .peer = &gw }, "The party's gateway is connected." },
                { { .type = CLIENT_EVENT_PEER_LEFT, .peer = &alice, .leave_reason = LEAVE_REASON_TIMEOUT },
                  "alice's PC left the room (timeout)." },
                { { .type = CLIENT_EVENT_PEER_LEFT, .peer = &alice, .leave_reason = (LeaveReason) 200 },
                  "alice's PC left the room (unspecified)." },
                { { .type = CLIENT_EVENT_PEER_LEFT, .peer = &gw, .leave_reason = LEAVE_REASON_SHUTDOWN },
                  "The party's gateway left (shutdown); waiting for it to come back." },
                { { .type = CLIENT_EVENT_DISCONNECTED, .end = &lost, .retry_in = 500 * MSEC },
                  "Lost the connection to the relay (timeout). Reconnecting in 0.5 s." },
                { { .type = CLIENT_EVENT_DISCONNECTED, .end = &no_room, .retry_in = 15 * SEC },
                  "Waiting for the party's gateway: room party is not open on relay relay.example.org yet; trying "
                  "again in 15 s." },
                { { .type = CLIENT_EVENT_CONNECT_FAILED, .error = -ENETUNREACH, .retry_in = 4 * SEC },
                  "Cannot connect to relay relay.example.org (Network is unreachable); trying again in 4.0 s." },
                { { .type = CLIENT_EVENT_STOPPED, .end = &quit }, "Left the room." },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                ClientEvent e = table[i].e;
                size_t n;

                e.relay = relay;
                e.room = room;
                n = client_status_event(&e, buf, sizeof buf);
                if (!table[i].text) {
                        CHECK_EQ_INT(n, 0);
                        continue;
                }
                CHECK_EQ_STR(buf, table[i].text);
                CHECK_EQ_INT(n, strlen(table[i].text));
        }

        /* A gateway with a name says it. */
        snprintf(gw.name, sizeof gw.name, "Bob's router");
        CHECK(client_status_event(&(ClientEvent) { .type = CLIENT_EVENT_PEER_JOINED, .peer = &gw }, buf, sizeof buf) > 0);
        CHECK_EQ_STR(buf, "The party's gateway (Bob's router) is connected.");
}

static size_t make_lines(ClientStatusLine *lines, const char *conn_key, const char *conn_text, const char *traffic) {
        size_t n = 0;

        lines[n] = (ClientStatusLine) { .kind = CLIENT_STATUS_CONNECTION };
        snprintf(lines[n].key, sizeof lines[n].key, "%s", conn_key);
        snprintf(lines[n].text, sizeof lines[n].text, "%s", conn_text);
        n++;
        if (traffic) {
                lines[n] = (ClientStatusLine) { .kind = CLIENT_STATUS_TRAFFIC };
                snprintf(lines[n].key, sizeof lines[n].key, "Traffic");
                snprintf(lines[n].text, sizeof lines[n].text, "%s", traffic);
                n++;
        }
        return n;
}

static void test_tracker(void) {
        ClientStatusTracker t;
        ClientStatusLine lines[4];
        bool show[4];
        size_t n;

        client_status_tracker_init(&t, 10 * SEC);

        /* First sight: everything. */
        n = make_lines(lines, "Connected to R", "Connected to R (RTT 12 ms)", "Traffic: 1");
        CHECK_EQ_INT(client_status_tracker_update(&t, lines, n, 1 * SEC, show), 2);
        CHECK(show[0] && show[1]);

        /* Same again: nothing. Moving numbers within the interval: nothing. */
        CHECK_EQ_INT(client_status_tracker_update(&t, lines, n, 2 * SEC, show), 0);
        n = make_lines(lines, "Connected to R", "Connected to R (RTT 13 ms)", "Traffic: 2");
        CHECK_EQ_INT(client_status_tracker_update(&t, lines, n, 5 * SEC, show), 0);
        CHECK(!show[0] && !show[1]);

        /* After the interval the moved ones come again. */
        CHECK_EQ_INT(client_status_tracker_update(&t, lines, n, 11 * SEC, show), 2);
        /* Unchanged text after the interval: still quiet. */
        CHECK_EQ_INT(client_status_tracker_update(&t, lines, n, 30 * SEC, show), 0);

        /* A new key is news at once. */
        n = make_lines(lines, "Disconnected: x", "Disconnected: x Trying again in 0.5 s.", "Traffic: 2");
        CHECK_EQ_INT(client_status_tracker_update(&t, lines, n, 30 * SEC + 1, show), 1);
        CHECK(show[0] && !show[1]);

        /* A kind that goes away and comes back is shown again. */
        n = make_lines(lines, "Disconnected: x", "Disconnected: x Trying again in 0.5 s.", NULL);
        CHECK_EQ_INT(client_status_tracker_update(&t, lines, n, 31 * SEC, show), 0);
        n = make_lines(lines, "Disconnected: x", "Disconnected: x Trying again in 0.5 s.", "Traffic: 2");
        CHECK_EQ_INT(client_status_tracker_update(&t, lines, n, 31 * SEC + 1, show), 1);
        CHECK(!show[0] && show[1]);

        /* The same kind twice in one call, or a kind out of range: only the
         * first valid line counts. */
        lines[2] = lines[0];
        snprintf(lines[2].key, sizeof lines[2].key, "other");
        lines[3] = lines[0];
        lines[3].kind = _CLIENT_STATUS_KIND_MAX;
        CHECK_EQ_INT(client_status_tracker_update(&t, lines, 4, 32 * SEC, show), 0);
        CHECK(!show[2] && !show[3]);
}

int main(void) {
        RUN(test_hostile);
        RUN(test_format_bytes);
        RUN(test_connection_lines);
        RUN(test_joined_lines);
        RUN(test_events);
        RUN(test_tracker);
        return 0;
}
