/* SPDX-License-Identifier: MIT */
/* Writes the seed inputs of the fuzz targets whose formats our own encoders
 * produce, with those encoders, so the seeds are valid by construction:
 * control messages (each type, and a stream of all), the service pipe's
 * messages (each type, and each side's stream), datagrams, invite
 * links and .lanparty files, the client's MAC file, its route state file,
 * the Windows client's interface state file, and real QUIC client
 * Initials for the relay's endpoint. generate.py writes the rest (frames,
 * configs). Run both after changing a format:
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true
 *   meson compile -C build-fuzz tests/fuzz/generate-seeds
 *   build-fuzz/tests/fuzz/generate-seeds tests/fuzz/seeds
 *   tests/fuzz/seeds/generate.py
 *
 * Output is deterministic except for the QUIC Initials (fresh connection
 * ids and keys each run). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../../src/client/consent-store.h"
#include "../../../src/client/identity.h"
#include "../../../src/client/route-win-plan.h"
#include "../../../src/client/route.h"
#include "control.h"
#include "datagram.h"
#include "invite.h"
#include "macro.h"
#include "quic.h"
#include "service-pipe.h"
#include "../../quic-test-net.h"

static const char *top;

static void write_seed(const char *target, const char *name, const void *data, size_t len) {
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", top, target);
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
                perror(path);
                exit(1);
        }
        snprintf(path, sizeof(path), "%s/%s/%s", top, target, name);
        f = fopen(path, "we");
        if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
                perror(path);
                exit(1);
        }
}

static void fill(uint8_t *p, size_t n, uint8_t seed) {
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t) (seed + i * 29);
}

static const MacAddr client_mac = {{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};
static const MacAddr gateway_mac = {{0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc}};

/* ---- control ---- */

static void gen_control(void) {
        ControlMessage m[11] = {};
        const char *names[11] = {"hello-client", "hello-gateway", "welcome",      "reject",
                                 "peer-joined",  "peer-left",     "stats",        "disconnect",
                                 "check-begin",  "check-report",  "check-result"};
        uint8_t stream[1 + 11 * LP_CONTROL_MESSAGE_MAX];
        size_t stream_len = 1;

        m[0].type = CONTROL_TYPE_HELLO;
        m[0].hello = (ControlHello) {.version = LP_CONTROL_PROTOCOL_VERSION, .role = PEER_ROLE_CLIENT,
                                     .mac = client_mac, .max_datagram_size = 1452, .auth_len = LP_CONTROL_AUTH_SIZE};
        strcpy(m[0].hello.room, "party");
        m[0].hello.room_len = 5;
        strcpy(m[0].hello.name, "player one");
        m[0].hello.name_len = strlen(m[0].hello.name);
        fill(m[0].hello.auth, LP_CONTROL_AUTH_SIZE, 1);

        m[1] = m[0];
        m[1].hello.role = PEER_ROLE_GATEWAY;
        m[1].hello.mac = gateway_mac;
        strcpy(m[1].hello.name, "party gateway \xc3\xa9");
        m[1].hello.name_len = strlen(m[1].hello.name);
        memcpy(m[1].hello.gateway_token, "tok-0123456789abcdef", 20);
        m[1].hello.gateway_token_len = 20;

        m[2].type = CONTROL_TYPE_WELCOME;
        m[2].welcome = (ControlWelcome) {.peer_id = 2, .room_mtu = 1344, .gateway_present = true};

        m[3].type = CONTROL_TYPE_REJECT;
        m[3].reject.reason = REJECT_REASON_AUTH_FAILED;
        strcpy(m[3].reject.text, "wrong room key");
        m[3].reject.text_len = strlen(m[3].reject.text);

        m[4].type = CONTROL_TYPE_PEER_JOINED;
        m[4].peer_joined = (ControlPeerJoined) {.peer_id = 3, .role = PEER_ROLE_CLIENT, .mac = client_mac};
        strcpy(m[4].peer_joined.name, "alice");
        m[4].peer_joined.name_len = 5;

        m[5].type = CONTROL_TYPE_PEER_LEFT;
        m[5].peer_left = (ControlPeerLeft) {.peer_id = 3, .role = PEER_ROLE_CLIENT, .mac = client_mac,
                                            .reason = LEAVE_REASON_TIMEOUT};

        m[6].type = CONTROL_TYPE_STATS;
        m[6].stats = (ControlStats) {.rx_frames = 1000, .rx_bytes = 1500000, .tx_frames = 900, .tx_bytes = 1000000,
                                     .dropped_frames = 3};

        m[7].type = CONTROL_TYPE_DISCONNECT;
        m[7].disconnect.reason = LEAVE_REASON_SHUTDOWN;
        strcpy(m[7].disconnect.text, "relay shutting down");
        m[7].disconnect.text_len = strlen(m[7].disconnect.text);

        m[8].type = CONTROL_TYPE_CHECK_BEGIN;
        m[8].check_begin = (ControlCheckBegin) {.peer_id = 3, .udp_port = 47474, .room_mtu = 1344};
        fill(m[8].check_begin.nonce, LP_CHECK_NONCE_SIZE, 2);

        m[9].type = CONTROL_TYPE_CHECK_REPORT;
        m[9].check_report = (ControlCheckReport) {.peer_id = 3,
                                                  .probes = CHECK_PROBE_LIMITED_BROADCAST | CHECK_PROBE_MULTICAST |
                                                            CHECK_PROBE_GATEWAY_SENT,
                                                  .largest_probe = 1344};
        fill(m[9].check_report.nonce, LP_CHECK_NONCE_SIZE, 2);

        m[10].type = CONTROL_TYPE_CHECK_RESULT;
        m[10].check_result = (ControlCheckResult) {
                .peer_id = 3,
                .verdicts = {CHECK_VERDICT_PASS, CHECK_VERDICT_FAIL, CHECK_VERDICT_PASS, CHECK_VERDICT_NOT_RUN}};
        fill(m[10].check_result.nonce, LP_CHECK_NONCE_SIZE, 2);

        stream[0] = 7; /* the reader is fed in chunks of this many bytes */
        for (size_t i = 0; i < ELEMENTSOF(m); i++) {
                uint8_t buf[LP_CONTROL_MESSAGE_MAX];
                int n = control_encode(&m[i], buf, sizeof(buf));

                if (n < 0) {
                        fprintf(stderr, "control_encode(%s): %s\n", names[i], strerror(-n));
                        exit(1);
                }
                write_seed("control", names[i], buf, (size_t) n);
                memcpy(stream + stream_len, buf, (size_t) n);
                stream_len += (size_t) n;
        }
        write_seed("control", "stream-all", stream, stream_len);
        stream[0] = 1;
        write_seed("control", "stream-all-bytewise", stream, stream_len);
}

/* ---- service-pipe ---- */

static void pipe_text(char *dst, size_t *len, const char *s) {
        *len = strlen(s);
        memcpy(dst, s, *len + 1);
}

/* Writes each message as a seed of its own and appends it to the stream
 * of its side. */
static void pipe_seed(const char *name, const ServicePipeMessage *m, uint8_t *stream, size_t *stream_len) {
        uint8_t buf[LP_SERVICE_PIPE_FRAME_MAX];
        int n = service_pipe_encode(m, buf, sizeof(buf));

        if (n < 0) {
                fprintf(stderr, "service_pipe_encode(%s): %s\n", name, strerror(-n));
                exit(1);
        }
        write_seed("service-pipe", name, buf, (size_t) n);
        memcpy(stream + *stream_len, buf, (size_t) n);
        *stream_len += (size_t) n;
}

static void gen_service_pipe_client(void) {
        static uint8_t stream[8 * LP_SERVICE_PIPE_FRAME_MAX];
        size_t len = 1;
        ServicePipeMessage m;

        memset(&m, 0, sizeof(m));
        m.type = SERVICE_PIPE_HELLO;
        m.hello.version = LP_SERVICE_PIPE_VERSION;
        pipe_seed("hello", &m, stream, &len);
        memset(&m, 0, sizeof(m));
        m.type = SERVICE_PIPE_STATUS;
        pipe_seed("status", &m, stream, &len);
        m.type = SERVICE_PIPE_JOIN;
        pipe_text(m.join.link, &m.join.link_len,
                  "lanparty://relay.example.org:4433/lan-party?k=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
                  "&pin=ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8");
        if (invite_parse(m.join.link, NULL, NULL) < 0) {
                fprintf(stderr, "service-pipe: the JOIN seed's link does not parse\n");
                exit(1);
        }
        pipe_seed("join", &m, stream, &len);
        memset(&m, 0, sizeof(m));
        m.type = SERVICE_PIPE_CHECK;
        pipe_seed("check", &m, stream, &len);
        m.type = SERVICE_PIPE_LEAVE;
        pipe_seed("leave", &m, stream, &len);

        stream[0] = 5; /* the reader is fed in chunks of this many bytes */
        write_seed("service-pipe", "stream-client", stream, len);
        stream[0] = 0xff;
        write_seed("service-pipe", "stream-client-whole", stream, len);
}

static void gen_service_pipe_service(void) {
        static uint8_t stream[16 * LP_SERVICE_PIPE_FRAME_MAX];
        static const char *const light_text[LP_SERVICE_PIPE_LIGHTS] = {
                "Relay: in the room (RTT 23 ms)", "Gateway: present (party-gw)", "LAN address: 192.168.77.23",
        };
        size_t len = 1;
        ServicePipeMessage m;

        memset(&m, 0, sizeof(m));
        m.type = SERVICE_PIPE_WELCOME;
        m.welcome.version = LP_SERVICE_PIPE_VERSION;
        pipe_seed("welcome", &m, stream, &len);
        memset(&m, 0, sizeof(m));
        m.type = SERVICE_PIPE_ACCEPTED;
        m.accepted.request = SERVICE_PIPE_STATUS;
        pipe_seed("accepted", &m, stream, &len);
        memset(&m, 0, sizeof(m));
        m.type = SERVICE_PIPE_SESSION;
        pipe_seed("session-idle", &m, stream, &len);
        m.session.state = SERVICE_PIPE_SESSION_IN_ROOM;
        pipe_text(m.session.room, &m.session.room_len, "lan-party");
        pipe_text(m.session.relay, &m.session.relay_len, "relay.example.org");
        pipe_seed("session-in-room", &m, stream, &len);
        memset(&m, 0, sizeof(m));
        m.type = SERVICE_PIPE_LIGHTS;
        for (size_t i = 0; i < LP_SERVICE_PIPE_LIGHTS; i++) {
                m.lights.light[i].color = (ServicePipeLightColor) (i + 1);
                pipe_text(m.lights.light[i].text, &m.lights.light[i].text_len, light_text[i]);
        }
        pipe_seed("lights", &m, stream, &len);
        memset(&m, 0, sizeof(m));
        m.type = SERVICE_PIPE_LINE;
        pipe_text(m.line.text, &m.line.text_len, "Player \xc3\x89lodie joined (02:11:22:33:44:55).");
        pipe_seed("line", &m, stream, &len);
        memset(&m, 0, sizeof(m));
        m.type = SERVICE_PIPE_ENDED;
        m.ended.outcome = SERVICE_PIPE_OUTCOME_FAILED;
        pipe_text(m.ended.text, &m.ended.text_len, "no TAP-Windows6 adapter found.");
        pipe_seed("ended", &m, stream, &len);
        service_pipe_refuse(SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BAD_INVITE, "the link has no room key (k=...)", &m);
        pipe_seed("refused", &m, stream, &len);

        stream[0] = 3;
        write_seed("service-pipe", "stream-service", stream, len);
        stream[0] = 0xff;
        write_seed("service-pipe", "stream-service-whole", stream, len);
}

/* ---- datagram ---- */

static void gen_datagram(void) {
        uint8_t frame[LP_DATAGRAM_FRAME_MAX], buf[LP_DATAGRAM_SIZE_MAX];
        int n;

        /* An ARP request from a client, as the client sends it. */
        memset(frame, 0xff, 6);
        memcpy(frame + 6, client_mac.bytes, 6);
        memcpy(frame + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
        memcpy(frame + 22, client_mac.bytes, 6);
        memcpy(frame + 28, "\xc0\x00\x02\xc9\x00\x00\x00\x00\x00\x00\xc0\x00\x02\x01", 14);
        memset(frame + 42, 0, 18);
        n = datagram_encode(buf, sizeof(buf), 0, frame, 60);
        write_seed("datagram", "to-relay-arp", buf, (size_t) n);
        /* The same, as the relay forwards it from peer 2. */
        n = datagram_encode(buf, sizeof(buf), 2, frame, 60);
        write_seed("datagram", "from-peer-arp", buf, (size_t) n);
        /* A full-size frame, and the smallest. */
        fill(frame + 14, LP_DATAGRAM_FRAME_MAX - 14, 3);
        n = datagram_encode(buf, sizeof(buf), 0, frame, 1514);
        write_seed("datagram", "to-relay-1514", buf, (size_t) n);
        n = datagram_encode(buf, sizeof(buf), 65535, frame, LP_DATAGRAM_FRAME_MIN);
        write_seed("datagram", "from-peer-min", buf, (size_t) n);
}

/* ---- invites ---- */

static void gen_invites(void) {
        Invite inv[4] = {
                {.host = "198.51.100.1", .host_type = INVITE_HOST_IPV4, .port = 4433, .room = "party"},
                {.host = "2001:db8::1", .host_type = INVITE_HOST_IPV6, .port = 443, .room = "lan-2026"},
                {.host = "relay.example.org", .host_type = INVITE_HOST_DNS, .port = 443, .room = "quake",
                 .has_pin = true},
                {.host = "r.example", .host_type = INVITE_HOST_DNS, .port = 65535, .room = "a"},
        };
        char text[LP_INVITE_TEXT_MAX + 1], name[32], file[LP_INVITE_TEXT_MAX + 64];

        inv[0].has_pin = true;
        for (size_t i = 0; i < ELEMENTSOF(inv); i++) {
                fill(inv[i].room_key, sizeof(inv[i].room_key), (uint8_t) (10 * i));
                fill(inv[i].pin, sizeof(inv[i].pin), (uint8_t) (100 + i));
                if (invite_format(&inv[i], text, sizeof(text)) < 0) {
                        fprintf(stderr, "invite_format(%s) failed\n", inv[i].host);
                        exit(1);
                }
                snprintf(name, sizeof(name), "link-%zu", i);
                write_seed("invite", name, text, strlen(text));

                /* The .lanparty file client.exe opens, and pasted text. */
                snprintf(name, sizeof(name), "file-%zu", i);
                snprintf(file, sizeof(file), "%s\n", text);
                write_seed("client-invite-file", name, file, strlen(file));
                snprintf(name, sizeof(name), "file-crlf-bom-%zu", i);
                snprintf(file, sizeof(file), "\xef\xbb\xbf  %s  \r\n\r\n", text);
                write_seed("client-invite-file", name, file, strlen(file));
                snprintf(name, sizeof(name), "pasted-%zu", i);
                snprintf(file, sizeof(file), "<%s>", text);
                write_seed("client-invite-file", name, file, strlen(file));
        }
}

/* ---- the Linux client's state files ---- */

static void gen_identity(void) {
        char text[IDENTITY_FILE_LEN + 1];

        identity_mac_format(&client_mac, text);
        write_seed("client-identity", "mac", text, strlen(text));
        write_seed("client-identity", "mac-no-newline", text, strlen(text) - 1);
        write_seed("client-identity", "mac-upper-dashes", "02-AA-BB-CC-DD-EE\n", 18);
}

static RouteAddress addr(const char *s) {
        RouteAddress a = {};
        uint8_t b[16];

        if (inet_pton(AF_INET, s, b) == 1)
                route_address_from_bytes(b, 4, &a);
        else if (inet_pton(AF_INET6, s, b) == 1)
                route_address_from_bytes(b, 16, &a);
        else
                abort();
        return a;
}

static void gen_route_state(void) {
        RouteState s = {};
        char text[ROUTE_STATE_TEXT_MAX];
        int n;

        /* The relay pinned to the old default route, and the broadcast
         * route into the TAP: what a client adds. */
        route_state_add(&s, &(Route) {.type = ROUTE_TYPE_UNICAST, .dst = addr("198.51.100.1"), .prefixlen = 32,
                                      .has_gateway = true, .gateway = addr("192.168.1.1"), .ifindex = 2,
                                      .table = 254, .metric = 100});
        route_state_add(&s, &(Route) {.type = ROUTE_TYPE_UNICAST, .dst = addr("255.255.255.255"), .prefixlen = 32,
                                      .ifindex = 7, .table = 254});
        n = route_state_format(&s, text, sizeof(text));
        write_seed("client-route-state", "ipv4", text, (size_t) n);
        route_state_add(&s, &(Route) {.type = ROUTE_TYPE_UNICAST, .dst = addr("2001:db8::1"), .prefixlen = 128,
                                      .has_gateway = true, .gateway = addr("fe80::1"), .ifindex = 2, .table = 254,
                                      .metric = 1024});
        n = route_state_format(&s, text, sizeof(text));
        write_seed("client-route-state", "dual-stack", text, (size_t) n);
        s.n_routes = 0;
        n = route_state_format(&s, text, sizeof(text));
        write_seed("client-route-state", "empty", text, (size_t) n);
}

static void gen_route_win_iface_state(void) {
        RouteWinIfaceState s = {};
        char text[ROUTE_WIN_IFACE_STATE_TEXT_MAX + 1];
        int n;

        route_win_iface_state_add(&s, &(RouteWinInterface) {.family = ROUTE_FAMILY_IPV4, .luid = 0x0006000000000000,
                                                             .automatic_metric = true, .metric = 25, .mtu = 1500});
        route_win_iface_state_add(&s, &(RouteWinInterface) {.family = ROUTE_FAMILY_IPV6, .luid = 0x0006000000000000,
                                                             .metric = 5, .disable_default_routes = true});
        n = route_win_iface_state_format(&s, text, sizeof(text));
        write_seed("route-win-iface-state", "two", text, (size_t) n);
        s.n_ifaces = 0;
        n = route_win_iface_state_format(&s, text, sizeof(text));
        write_seed("route-win-iface-state", "empty", text, (size_t) n);
}

/* client.exe's consent file: empty, one room of each pin kind, and full. */
static void gen_consent_store(void) {
        static ConsentStore s;
        static char text[CONSENT_FILE_MAX];
        uint8_t pin[LP_SPKI_PIN_SIZE];
        int n;

        consent_store_init(&s);
        n = consent_store_format(&s, text, sizeof(text));
        write_seed("consent-store", "empty", text, (size_t) n);
        fill(pin, sizeof(pin), 7);
        (void) consent_key_make("lan", "relay.example.org", true, pin, &s.entries[s.n_entries++]);
        (void) consent_key_make("party_2", "2001:db8::1", false, NULL, &s.entries[s.n_entries++]);
        (void) consent_key_make("lan", "192.0.2.1", true, pin, &s.entries[s.n_entries++]);
        n = consent_store_format(&s, text, sizeof(text));
        write_seed("consent-store", "three", text, (size_t) n);
        while (s.n_entries < CONSENT_ENTRIES_MAX) {
                char room[16];

                snprintf(room, sizeof(room), "room%zu", s.n_entries);
                (void) consent_key_make(room, "relay.example.org", s.n_entries % 2, pin, &s.entries[s.n_entries++]);
        }
        n = consent_store_format(&s, text, sizeof(text));
        write_seed("consent-store", "full", text, (size_t) n);
}

/* ---- QUIC ---- */

static uint8_t initial[QUIC_MAX_UDP_PAYLOAD];
static size_t initial_len;

static int capture_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        if (initial_len == 0 && len <= sizeof(initial)) {
                memcpy(initial, data, len);
                initial_len = len;
        }
        return 0;
}

/* fuzz-quic-server's records: [kind][port][u16 len][len bytes]. */
static size_t record(uint8_t *buf, uint8_t kind, uint8_t port, const uint8_t *data, size_t len) {
        buf[0] = kind;
        buf[1] = port;
        be16_store(buf + 2, (uint16_t) len);
        memcpy(buf + 4, data, len);
        return 4 + len;
}

static void gen_quic(void) {
        static uint8_t buf[16 * (4 + QUIC_MAX_UDP_PAYLOAD)], vn[1200];
        uint8_t pin[32] = {}, junk[64];
        QuicConn *client = NULL;
        QuicAddr local, remote;
        size_t n = 0;

        /* The target's own captured Initial, unchanged (kind odd, no XOR
         * bytes): from one port, then again from three more. */
        n = record(buf, 1, 0, NULL, 0);
        write_seed("quic-server", "own-initial", buf, n);
        for (uint8_t port = 1; port < 4; port++)
                n += record(buf + n, 1, port, NULL, 0);
        write_seed("quic-server", "own-initial-4-ports", buf, n);

        /* A real Initial of another client (its own connection id and
         * keys), as a raw packet, and retransmitted. */
        test_addr4(&local, "10.0.0.3", 5000);
        test_addr4(&remote, "10.0.0.1", 443);
        if (quic_conn_new_client(&client,
                                 &(QuicClientConfig) {.tls = {.hostname = "127.0.0.1", .pin = pin},
                                                      .callbacks = {.send = capture_send}},
                                 &local, &remote, QUIC_NS_PER_SEC) < 0 ||
            quic_conn_write(client, QUIC_NS_PER_SEC) <= 0 || initial_len < 1200) {
                fprintf(stderr, "could not make a client Initial\n");
                exit(1);
        }
        quic_conn_free(client);
        n = record(buf, 0, 0, initial, initial_len);
        write_seed("quic-server", "raw-initial", buf, n);
        n += record(buf + n, 0, 0, initial, initial_len);
        write_seed("quic-server", "raw-initial-twice", buf, n);

        /* Then a short-header packet for an unknown connection (a stateless
         * reset is due) and a long header of an unknown version (version
         * negotiation). */
        fill(junk, sizeof(junk), 7);
        junk[0] = 0x40;
        n = record(buf, 0, 0, initial, initial_len);
        n += record(buf + n, 0, 1, junk, sizeof(junk));
        memcpy(vn, "\xc0\x1a\x2a\x3a\x4a\x08", 6); /* version 0x1a2a3a4a, DCID length 8 */
        fill(vn + 6, 8, 9);
        n += record(buf + n, 0, 2, vn, sizeof(vn));
        write_seed("quic-server", "initial-reset-vn", buf, n);
}

int main(int argc, char *argv[]) {
        if (argc != 2) {
                fprintf(stderr, "Usage: %s SEEDS_DIR\n", argv[0]);
                return 2;
        }
        top = argv[1];
        gen_control();
        gen_service_pipe_client();
        gen_service_pipe_service();
        gen_datagram();
        gen_invites();
        gen_identity();
        gen_route_state();
        gen_route_win_iface_state();
        gen_consent_store();
        gen_quic();
        return 0;
}
