/* SPDX-License-Identifier: MIT */
/* The client core against a small in-process relay (client-test-relay.c,
 * real QUIC, real TLS, real join proofs) over an in-memory network with a
 * virtual clock, and a fake TAP backend that records what the core writes
 * and hands it frames to send. Checks joining, frames both ways, every
 * filter's counter, reconnects after the relay vanishes, and the ends that
 * stop the client. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "autoconf-sanitize.h"
#include "cert.h"
#include "client-core.h"
#include "client-status.h"
#include "client-test-relay.h"
#include "datagram.h"
#include "ether.h"
#include "frame-device.h"
#include "log.h"
#include "quic-server.h"
#include "quic-test-net.h"
#include "test-util.h"

#define NET_QUEUE_MAX 4096
#define MAX_CLIENTS 4
#define ROOM_MTU 1300

static TestCert relay_cert; /* made in main */
static const uint8_t reset_secret[QUIC_SERVER_RESET_SECRET_SIZE] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };

/* ---- fake TAP backend: stands in for tap-linux.c ------------------------------------ */

#define FAKE_FRAMES 80

typedef struct FakeTap {
        char name[32];
        uint8_t rx[FAKE_FRAMES][2048]; /* what the "OS" sends out of the TAP */
        size_t rx_len[FAKE_FRAMES];
        size_t rx_head, rx_count;
        unsigned n_written;
        uint8_t written[FAKE_FRAMES][LP_ETHER_FRAME_MAX];
        size_t written_len[FAKE_FRAMES];
        int write_error;
        int read_error; /* returned instead of a frame when set */
        uint32_t mtu;
        bool link_up;
        unsigned n_link_changes;
} FakeTap;

static FakeTap *fake_taps[MAX_CLIENTS];

static int fake_open(void *state, const char *name_hint, const MacAddr *mac, uint32_t mtu, char *name,
                     size_t name_size, uint32_t *ret_index) {
        FakeTap *t = state;

        snprintf(t->name, sizeof(t->name), "%s", name_hint);
        snprintf(name, name_size, "%s", name_hint);
        t->mtu = mtu;
        t->link_up = true;
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                if (!fake_taps[i]) {
                        fake_taps[i] = t;
                        *ret_index = (uint32_t) (i + 10);
                        return 0;
                }
        return -EMFILE;
}

static void fake_close(void *state) {
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                if (fake_taps[i] == state)
                        fake_taps[i] = NULL;
}

static int fake_read(void *state, uint8_t *buf, size_t size) {
        FakeTap *t = state;
        size_t len;

        if (t->read_error)
                return t->read_error;
        if (t->rx_count == 0)
                return -EAGAIN;
        len = t->rx_len[t->rx_head];
        t->rx_head = (t->rx_head + 1) % FAKE_FRAMES;
        t->rx_count--;
        if (len > size)
                return -EMSGSIZE;
        memcpy(buf, t->rx[(t->rx_head + FAKE_FRAMES - 1) % FAKE_FRAMES], len);
        return (int) len;
}

static int fake_write(void *state, const uint8_t *frame, size_t len) {
        FakeTap *t = state;

        if (t->write_error)
                return t->write_error;
        memcpy(t->written[t->n_written % FAKE_FRAMES], frame, len);
        t->written_len[t->n_written % FAKE_FRAMES] = len;
        t->n_written++;
        return 0;
}

static int fake_set_mtu(void *state, uint32_t mtu) {
        ((FakeTap *) state)->mtu = mtu;
        return 0;
}

static int fake_set_link(void *state, bool up) {
        FakeTap *t = state;

        t->link_up = up;
        t->n_link_changes++;
        return 0;
}

static FrameDeviceWaitable fake_get_waitable(const void *state) {
        return (FrameDeviceWaitable) { .fd = -EBADF };
}

const FrameDeviceBackend frame_device_backend_tap = {
        .type = FRAME_DEVICE_TAP,
        .state_size = sizeof(FakeTap),
        .open = fake_open,
        .close = fake_close,
        .read = fake_read,
        .write = fake_write,
        .set_mtu = fake_set_mtu,
        .set_link = fake_set_link,
        .get_waitable = fake_get_waitable,
};

static void tap_inject(FakeTap *t, const uint8_t *frame, size_t len) {
        size_t i;

        CHECK(t->rx_count < FAKE_FRAMES && len <= sizeof(t->rx[0]));
        i = (t->rx_head + t->rx_count) % FAKE_FRAMES;
        memcpy(t->rx[i], frame, len);
        t->rx_len[i] = len;
        t->rx_count++;
}

static const uint8_t *tap_last_written(FakeTap *t, size_t *len) {
        CHECK(t->n_written > 0);
        *len = t->written_len[(t->n_written - 1) % FAKE_FRAMES];
        return t->written[(t->n_written - 1) % FAKE_FRAMES];
}

/* ---- frames ------------------------------------------------------------------------- */

static const MacAddr mac_broadcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const MacAddr mac_stp = { { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 } };
static const MacAddr mac_stranger = { { 0x02, 0x99, 0x99, 0x99, 0x99, 0x99 } };
static const MacAddr mac_gateway = { { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 } };

static size_t frame_eth(uint8_t *buf, const MacAddr *dst, const MacAddr *src, uint16_t type, size_t len) {
        CHECK(len >= LP_ETHER_HEADER_LEN);
        memset(buf, 0, len);
        memcpy(buf, dst->bytes, LP_MAC_LEN);
        memcpy(buf + 6, src->bytes, LP_MAC_LEN);
        be16_store(buf + 12, type);
        for (size_t i = LP_ETHER_HEADER_LEN; i < len; i++)
                buf[i] = (uint8_t) i;
        return len;
}

/* IPv4 + UDP with the given ports, lengths consistent. */
static size_t frame_udp4(uint8_t *buf, const MacAddr *dst, const MacAddr *src, uint16_t sport, uint16_t dport) {
        size_t len = frame_eth(buf, dst, src, LP_ETHERTYPE_IPV4, 14 + 20 + 8 + 4);
        uint8_t *ip = buf + 14;

        memset(ip, 0, 32);
        ip[0] = 0x45;
        be16_store(ip + 2, 20 + 8 + 4);
        ip[8] = 64;
        ip[9] = 17;
        be32_store(ip + 12, 0xc0000264);
        be32_store(ip + 16, 0xffffffff);
        be16_store(ip + 20, sport);
        be16_store(ip + 22, dport);
        be16_store(ip + 24, 8 + 4);
        return len;
}

/* A DHCP ACK from the party's router to everyone: mask, router, DNS, in
 * dnsmasq's order, padded to BOOTP's 300 bytes, no UDP checksum (zero:
 * none, so nothing here has to compute one). */
static size_t frame_dhcp_ack(uint8_t *buf) {
        static const uint8_t options[] = { 53, 1, 5, 1, 4, 255, 255, 255, 0, 3, 4, 192, 0, 2, 1,
                                           6, 4, 192, 0, 2, 53, 255 };
        size_t len = frame_udp4(buf, &mac_broadcast, &mac_gateway, 67, 68);
        uint8_t *ip = buf + 14, *msg = buf + len - 4;

        len += 300 - 4;
        memset(msg, 0, 300);
        msg[0] = 2; /* BOOTREPLY */
        msg[1] = 1;
        msg[2] = 6;
        memcpy(msg + 236, (const uint8_t[]) { 99, 130, 83, 99 }, 4);
        memcpy(msg + 240, options, sizeof(options));
        be16_store(ip + 2, (uint16_t) (len - 14));
        be16_store(ip + 24, (uint16_t) (len - 34));
        return len;
}

/* ---- network ----------------------------------------------------------------------- */

typedef struct TestClient TestClient;

typedef struct Net {
        uint64_t now;
        TestNet wire;
        QuicAddr relay_addr;
        TestNetPort relay_port;
        TestRelay *relay;
        TestClient *clients[MAX_CLIENTS];
        size_t n_clients;
        unsigned gateway_frames_seen;
        uint8_t gateway_last[LP_ETHER_FRAME_MAX];
        size_t gateway_last_len;
} Net;

struct TestClient {
        Net *net;
        QuicAddr addr;
        TestNetPort port;
        ClientCore *core;
        FrameDevice *device;
        FakeTap *tap;
        MacAddr mac;
        unsigned n_connects;
        int connect_fail; /* fail this many more attempts */
        unsigned n_events[_CLIENT_EVENT_TYPE_MAX];
        char last_line[CLIENT_STATUS_LINE_MAX];
        char lines[32][CLIENT_STATUS_LINE_MAX];
        size_t n_lines;
        SessionEnd last_end;
        uint64_t last_retry_in;
};

static void on_gateway_frame(TestRelay *r, uint16_t from, const uint8_t *frame, size_t len, void *userdata) {
        Net *n = userdata;

        n->gateway_frames_seen++;
        memcpy(n->gateway_last, frame, len);
        n->gateway_last_len = len;
}

static void relay_start(Net *n, bool virtual_gateway) {
        TestRelayConfig cfg = {
                .cert_path = relay_cert.cert_path,
                .key_path = relay_cert.key_path,
                .local = n->relay_addr,
                .pin = relay_cert.pin,
                .room = "party",
                .room_mtu = ROOM_MTU,
                .virtual_gateway = virtual_gateway,
                .reset_secret = reset_secret,
                .send = test_net_send,
                .send_userdata = &n->relay_port,
                .gateway_frame = on_gateway_frame,
                .userdata = n,
        };

        memcpy(cfg.room_key, test_room_key, LP_ROOM_KEY_SIZE);
        CHECK(!n->relay);
        CHECK(test_relay_new(&n->relay, &cfg) == 0);
}

static void relay_vanish(Net *n) {
        n->relay = test_relay_free(n->relay);
}

static void net_init(Net *n, bool virtual_gateway) {
        *n = (Net) { .now = SEC };
        test_net_init(&n->wire, &n->now, NET_QUEUE_MAX);
        test_addr4(&n->relay_addr, "10.0.0.1", 443);
        n->relay_port = (TestNetPort) { &n->wire, &n->relay_addr };
        relay_start(n, virtual_gateway);
}

static void test_client_free(TestClient *c) {
        if (!c)
                return;
        client_core_free(c->core);
        frame_device_close(c->device);
        free(c);
}

static void net_done(Net *n) {
        for (size_t i = 0; i < n->n_clients; i++)
                test_client_free(n->clients[i]);
        test_relay_free(n->relay);
        test_net_done(&n->wire);
}

static uint64_t net_get_expiry(void *net) {
        Net *n = net;
        uint64_t next = UINT64_MAX;

        if (n->relay)
                next = test_relay_get_expiry(n->relay);
        for (size_t i = 0; i < n->n_clients; i++)
                next = MIN(next, client_core_get_expiry(n->clients[i]->core));
        return next;
}

static void net_deliver(void *net, const TestPacket *p) {
        Net *n = net;
        TestClient *c;

        if (quic_addr_equal(&p->to, &n->relay_addr)) {
                if (n->relay)
                        CHECK(test_relay_read_packet(n->relay, &p->from, p->data, p->len, n->now) == 0);
                return;
        }
        c = test_net_owner_at(&n->wire, &p->to);
        if (!c)
                return;
        CHECK(client_core_read_packet(c->core, &p->from, p->data, p->len, n->now) >= 0);
        CHECK(client_core_write(c->core, n->now) >= 0);
}

static void net_handle_expiry(void *net) {
        Net *n = net;

        if (n->relay && test_relay_get_expiry(n->relay) <= n->now)
                CHECK(test_relay_handle_expiry(n->relay, n->now) >= 0);
        for (size_t i = 0; i < n->n_clients; i++) {
                TestClient *c = n->clients[i];
                if (client_core_get_expiry(c->core) <= n->now)
                        (void) client_core_handle_expiry(c->core, n->now);
        }
}

static const TestNetOps net_ops = {
        .get_expiry = net_get_expiry,
        .deliver = net_deliver,
        .handle_expiry = net_handle_expiry,
};

/* Runs for at most `duration` virtual ns or until cond holds. */
static bool net_run(Net *n, uint64_t duration, TestNetCond cond, void *userdata) {
        return test_net_run(&n->wire, duration, &net_ops, n, cond, userdata);
}

static void net_settle(Net *n) {
        net_run(n, 200 * MSEC, NULL, NULL);
}

/* ---- the client under test ---------------------------------------------------------- */

static int on_connect(ClientCore *core, QuicAddr *ret_local, QuicAddr *ret_remote, void *userdata) {
        TestClient *c = userdata;

        c->n_connects++;
        if (c->connect_fail > 0) {
                c->connect_fail--;
                return -ENETUNREACH;
        }
        *ret_local = c->addr;
        *ret_remote = c->net->relay_addr;
        client_core_set_relay_address(core, "10.0.0.1:443");
        return 0;
}

static void on_event(ClientCore *core, const ClientEvent *e, void *userdata) {
        TestClient *c = userdata;
        char line[CLIENT_STATUS_LINE_MAX];

        CHECK(e->type >= 0 && e->type < _CLIENT_EVENT_TYPE_MAX);
        c->n_events[e->type]++;
        if (e->end)
                c->last_end = *e->end;
        if (e->type == CLIENT_EVENT_DISCONNECTED || e->type == CLIENT_EVENT_CONNECT_FAILED)
                c->last_retry_in = e->retry_in;
        if (client_status_event(e, line, sizeof(line)) > 0) {
                snprintf(c->last_line, sizeof(c->last_line), "%s", line);
                if (c->n_lines < ELEMENTSOF(c->lines))
                        snprintf(c->lines[c->n_lines++], sizeof(c->lines[0]), "%s", line);
                if (getenv("TEST_VERBOSE"))
                        fprintf(stderr, "   [%s] %s\n", c->core ? "event" : "?", line);
        }
}

typedef struct ClientOpts {
        const uint8_t *key; /* NULL: the room's */
        const uint8_t *pin; /* NULL: the relay's */
        const char *name;
        uint8_t mac_last;
        bool accept_party_gateway;
} ClientOpts;

static TestClient *client_add(Net *n, const ClientOpts *o) {
        TestClient *c = calloc(1, sizeof(TestClient));
        char ip[32], tap[16];

        CHECK(c && n->n_clients < MAX_CLIENTS);
        c->net = n;
        snprintf(ip, sizeof ip, "10.0.1.%zu", n->n_clients + 1);
        test_addr4(&c->addr, ip, (uint16_t) (40000 + n->n_clients));
        test_net_attach(&n->wire, &c->port, &c->addr, c);
        c->mac = (MacAddr) { { 0x02, 0x00, 0x00, 0x00, 0x00, o->mac_last ? o->mac_last : (uint8_t) (n->n_clients + 1) } };
        snprintf(tap, sizeof tap, "lp%zu", n->n_clients);
        CHECK(frame_device_open(FRAME_DEVICE_TAP, tap, &c->mac, CLIENT_CORE_MTU_INITIAL, &c->device) == 0);
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                if (fake_taps[i] && strcmp(fake_taps[i]->name, tap) == 0)
                        c->tap = fake_taps[i];
        CHECK(c->tap);

        ClientCoreConfig cfg = {
                .invite = { .host = "10.0.0.1", .host_type = INVITE_HOST_IPV4, .port = 443, .room = "party",
                            .has_pin = true },
                .mac = c->mac,
                .device = c->device,
                .quic = { .trace = getenv("QUIC_TRACE") != NULL },
                .callbacks = { .send = test_net_send, .connect = on_connect, .event = on_event },
                .userdata = c,
                .send_userdata = &c->port,
                .accept_party_gateway = o->accept_party_gateway,
        };
        memcpy(cfg.invite.room_key, o->key ? o->key : test_room_key, LP_ROOM_KEY_SIZE);
        memcpy(cfg.invite.pin, o->pin ? o->pin : relay_cert.pin, LP_SPKI_PIN_SIZE);
        snprintf(cfg.name, sizeof cfg.name, "%s", o->name ? o->name : "player");
        CHECK(client_core_new(&c->core, &cfg) == 0);
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_IDLE);
        n->clients[n->n_clients++] = c;
        return c;
}

static bool cond_phase_joined(void *net, void *userdata) {
        return client_core_get_phase(((TestClient *) userdata)->core) == CLIENT_PHASE_JOINED;
}

static bool cond_done(void *net, void *userdata) {
        return client_core_is_done(((TestClient *) userdata)->core);
}

static bool cond_waiting(void *net, void *userdata) {
        return client_core_get_phase(((TestClient *) userdata)->core) == CLIENT_PHASE_WAITING;
}

static void client_join(Net *n, TestClient *c) {
        CHECK(client_core_start(c->core, n->now) >= 0);
        CHECK(net_run(n, 10 * SEC, cond_phase_joined, c));
        net_settle(n); /* PEER_JOINED after WELCOME */
}

/* The relay's virtual gateway sends a frame_eth() frame into the room. */
static void gateway_send_eth(Net *n, const MacAddr *dst, const MacAddr *src, uint16_t type, size_t len) {
        uint8_t f[2048];

        CHECK(len <= sizeof f);
        CHECK(test_relay_gateway_send(n->relay, 0, f, frame_eth(f, dst, src, type, len), n->now) == 0);
}

/* A network whose room has the relay's virtual gateway, and one client
 * joined to it. */
static TestClient *net_init_one_joined(Net *n) {
        TestClient *c;

        net_init(n, true);
        c = client_add(n, &(ClientOpts) { 0 });
        client_join(n, c);
        return c;
}

/* A network as above and a client that starts and ends FAILED. */
static TestClient *net_init_one_failed(Net *n, const ClientOpts *o) {
        TestClient *c;

        net_init(n, true);
        c = client_add(n, o);
        CHECK(client_core_start(c->core, n->now) == 0);
        CHECK(net_run(n, 30 * SEC, cond_done, c));
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_FAILED);
        return c;
}

static ClientDiagnostics diag(TestClient *c) {
        ClientDiagnostics d;

        client_core_get_diagnostics(c->core, c->net->now, &d);
        return d;
}

static bool has_line(const ClientDiagnostics *d, ClientStatusKind kind, const char *prefix) {
        ClientStatusLine lines[_CLIENT_STATUS_KIND_MAX];
        size_t n = client_status_describe(d, lines, ELEMENTSOF(lines));

        for (size_t i = 0; i < n; i++)
                if (lines[i].kind == kind && strncmp(lines[i].text, prefix, strlen(prefix)) == 0)
                        return true;
        return false;
}

/* ---- tests: hostile and invalid configurations first ---------------------------------- */

static void test_new_invalid(void) {
        MacAddr mac = { { 0x02, 0, 0, 0, 0, 1 } };
        FrameDevice *dev = NULL;
        ClientCore *core = NULL;

        CHECK(frame_device_open(FRAME_DEVICE_NULL, NULL, &mac, 1280, &dev) == 0);
        ClientCoreConfig ok = {
                .invite = { .host = "relay.example.org", .port = 443, .room = "party" },
                .mac = mac,
                .device = dev,
                .callbacks = { .send = test_net_send, .connect = on_connect },
        };
        ClientCoreConfig bad;

        CHECK(client_core_new(NULL, &ok) == -EINVAL);
        CHECK(client_core_new(&core, NULL) == -EINVAL);

        bad = ok;
        bad.device = NULL;
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        bad.callbacks.connect = NULL;
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        bad.callbacks.send = NULL;
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        snprintf(bad.invite.room, sizeof bad.invite.room, "no spaces");
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        bad.invite.room[0] = '\0';
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        memset(bad.invite.room, 'a', sizeof bad.invite.room); /* no NUL at all */
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        memset(bad.invite.host, 'a', sizeof bad.invite.host);
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        bad.invite.host[0] = '\0';
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        bad.invite.port = 0;
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        bad.mac = (MacAddr) { { 0x00, 0x16, 0x3e, 0, 0, 1 } }; /* vendor MAC */
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        bad.mac = (MacAddr) { { 0x03, 0, 0, 0, 0, 1 } }; /* multicast */
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        snprintf(bad.name, sizeof bad.name, "tab\there");
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        snprintf(bad.name, sizeof bad.name, "\xc3\x28"); /* broken UTF-8 */
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        bad = ok;
        memset(bad.name, 'n', sizeof bad.name); /* 65 bytes, no NUL */
        CHECK(client_core_new(&core, &bad) == -EINVAL);
        CHECK(core == NULL);

        /* The longest valid name and an IPv6 relay with a port. */
        bad = ok;
        memset(bad.name, 'n', LP_CONTROL_NAME_MAX);
        bad.name[LP_CONTROL_NAME_MAX] = '\0';
        snprintf(bad.invite.host, sizeof bad.invite.host, "2001:db8::1");
        bad.invite.host_type = INVITE_HOST_IPV6;
        bad.invite.port = 4433;
        CHECK(client_core_new(&core, &bad) == 0);
        ClientDiagnostics d;
        client_core_get_diagnostics(core, 0, &d);
        CHECK_EQ_STR(d.relay, "[2001:db8::1]:4433");
        CHECK(d.phase == CLIENT_PHASE_IDLE);
        CHECK(!d.device_ipv4_known);
        CHECK(client_core_get_last_end(core) == NULL);
        core = client_core_free(core);
        CHECK(client_core_free(NULL) == NULL);
        frame_device_close(dev);
}

static void test_names(void) {
        for (int i = 0; i < _CLIENT_PHASE_MAX; i++)
                CHECK(client_phase_to_string((ClientPhase) i));
        for (int i = 0; i < _CLIENT_DROP_MAX; i++)
                CHECK(client_drop_to_string((ClientDrop) i));
        for (int i = 0; i < _CLIENT_EVENT_TYPE_MAX; i++)
                CHECK(client_event_type_to_string((ClientEventType) i));
        CHECK(!client_phase_to_string(_CLIENT_PHASE_MAX));
        CHECK(!client_phase_to_string(_CLIENT_PHASE_INVALID));
        CHECK(!client_drop_to_string(_CLIENT_DROP_MAX));
        CHECK(!client_event_type_to_string(_CLIENT_EVENT_TYPE_MAX));
        CHECK_EQ_STR(client_drop_to_string(CLIENT_DROP_MISDIRECTED), "misdirected");
}

/* ---- tests: the session ------------------------------------------------------------- */

static void test_join_frames_filters(void) {
        uint8_t f[2048];
        size_t len;
        Net n;
        TestClient *c;
        ClientDiagnostics d;
        TestRelayCounters rc;
        const TestRelayPeer *peer;
        size_t wlen;

        net_init(&n, true);
        c = client_add(&n, &(ClientOpts) { .name = "alice" });

        /* Frames before the room is joined go nowhere. */
        len = frame_eth(f, &mac_broadcast, &c->mac, LP_ETHERTYPE_ARP, 60);
        tap_inject(c->tap, f, len);
        CHECK(client_core_process_device(c->core, n.now) == 0);
        CHECK_EQ_INT(diag(c).counters.drop[CLIENT_DROP_NOT_JOINED], 1);
        CHECK(client_core_send_frame(c->core, f, len, n.now) == -ENOTCONN);
        CHECK_EQ_INT(diag(c).counters.drop[CLIENT_DROP_NOT_JOINED], 2);
        /* A full batch says "call again" so the socket gets its turn. */
        for (size_t i = 0; i < CLIENT_CORE_DEVICE_BATCH + 6; i++)
                tap_inject(c->tap, f, len);
        CHECK(client_core_process_device(c->core, n.now) == 1);
        CHECK(client_core_process_device(c->core, n.now) == 0);
        CHECK_EQ_INT(diag(c).counters.drop[CLIENT_DROP_NOT_JOINED], 2 + CLIENT_CORE_DEVICE_BATCH + 6);

        client_join(&n, c);
        CHECK(c->tap->link_up);
        CHECK_EQ_INT(c->tap->mtu, ROOM_MTU);
        CHECK_EQ_INT(c->n_connects, 1);
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_CONNECTING], 1);
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_JOINED], 1);
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_PEER_JOINED], 1);
        CHECK_EQ_STR(c->last_line, "The party's gateway (party-gateway) is connected.");
        CHECK_EQ_STR(c->lines[0], "Joined room party as peer 2 (room MTU 1300).");
        d = diag(c);
        CHECK(d.phase == CLIENT_PHASE_JOINED);
        CHECK_EQ_INT(d.peer_id, 2);
        CHECK_EQ_INT(d.room_mtu, ROOM_MTU);
        CHECK_EQ_INT(d.device_mtu, ROOM_MTU);
        CHECK(d.gateway_present);
        CHECK_EQ_STR(d.gateway_name, "party-gateway");
        CHECK_EQ_INT(d.n_clients, 0);
        CHECK(d.rtt > 0);
        CHECK_EQ_STR(d.relay, "10.0.0.1");
        CHECK_EQ_STR(d.relay_address, "10.0.0.1:443");
        CHECK_EQ_STR(d.device_name, "lp0");
        CHECK(has_line(&d, CLIENT_STATUS_CONNECTION, "Connected to relay 10.0.0.1 (RTT "));
        CHECK(has_line(&d, CLIENT_STATUS_GATEWAY, "LAN gateway present (party-gateway)"));
        CHECK(!has_line(&d, CLIENT_STATUS_BROADCAST, ""));
        peer = test_relay_find_mac(n.relay, &c->mac);
        CHECK(peer);
        CHECK_EQ_STR(peer->name, "alice");

        /* Device → relay: a broadcast from our MAC reaches the gateway. */
        len = frame_eth(f, &mac_broadcast, &c->mac, LP_ETHERTYPE_ARP, 60);
        tap_inject(c->tap, f, len);
        CHECK(client_core_process_device(c->core, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(n.gateway_frames_seen, 1);
        CHECK_EQ_INT(n.gateway_last_len, 60);
        CHECK_MEM(n.gateway_last, f, 60);
        d = diag(c);
        CHECK_EQ_INT(d.counters.tx_frames, 1);
        CHECK_EQ_INT(d.counters.tx_bytes, 60);
        CHECK_EQ_INT(d.counters.tx_broadcast, 1);

        /* Each outgoing filter, counted by its reason; none reaches the relay. */
        len = frame_eth(f, &mac_broadcast, &mac_stranger, LP_ETHERTYPE_ARP, 60);
        tap_inject(c->tap, f, len);
        len = frame_udp4(f, &mac_broadcast, &c->mac, 67, 68); /* a DHCP server on our side */
        tap_inject(c->tap, f, len);
        len = frame_eth(f, &mac_broadcast, &c->mac, LP_ETHERTYPE_VLAN, 64);
        tap_inject(c->tap, f, len);
        len = frame_eth(f, &mac_stp, &c->mac, 0x0026, 64);
        tap_inject(c->tap, f, len);
        len = frame_eth(f, &mac_broadcast, &c->mac, LP_ETHERTYPE_IPV4, ROOM_MTU + 14 + 1); /* jumbo */
        tap_inject(c->tap, f, len);
        tap_inject(c->tap, f, 10); /* runt */
        len = frame_eth(f, &mac_broadcast, &c->mac, LP_ETHERTYPE_ARP, 1600); /* beyond any frame */
        tap_inject(c->tap, f, len);
        CHECK(client_core_process_device(c->core, n.now) == 0);
        CHECK(client_core_process_device(c->core, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(n.gateway_frames_seen, 1);
        d = diag(c);
        CHECK_EQ_INT(d.counters.drop[CLIENT_DROP_FOREIGN_SOURCE], 1);
        CHECK_EQ_INT(d.counters.drop[CLIENT_DROP_OVERSIZED], 1);
        CHECK_EQ_INT(d.counters.filtered_out[L2_DROP_DHCP_SERVER], 1);
        CHECK_EQ_INT(d.counters.filtered_out[L2_DROP_VLAN_TAGGED], 1);
        CHECK_EQ_INT(d.counters.filtered_out[L2_DROP_IEEE_RESERVED], 1);
        CHECK_EQ_INT(d.counters.filtered_out[L2_DROP_JUMBO], 1);
        CHECK_EQ_INT(d.counters.filtered_out[L2_DROP_MALFORMED], 1);
        CHECK_EQ_INT(d.counters.filtered_out[L2_ALLOW], 0);
        CHECK_EQ_INT(d.counters.tx_frames, 1);
        CHECK_EQ_INT(client_counters_dropped(&d.counters), 2 + CLIENT_CORE_DEVICE_BATCH + 6 + 1 + 1 + 5);

        /* A frame at exactly the room MTU passes. */
        len = frame_eth(f, &mac_broadcast, &c->mac, LP_ETHERTYPE_ARP, ROOM_MTU + 14);
        CHECK(client_core_send_frame(c->core, f, len, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(n.gateway_frames_seen, 2);

        /* Relay → device. */
        unsigned written = c->tap->n_written;
        gateway_send_eth(&n, &mac_broadcast, &mac_gateway, LP_ETHERTYPE_ARP, 60);
        len = frame_eth(f, &c->mac, &mac_gateway, LP_ETHERTYPE_IPV4, 100);
        f[14] = 0x45; /* make it a plausible IPv4 header */
        be16_store(f + 16, 86);
        f[23] = 6;
        CHECK(test_relay_gateway_send(n.relay, 0, f, len, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(c->tap->n_written, written + 2);
        CHECK_MEM(tap_last_written(c->tap, &wlen), f, 100);
        CHECK_EQ_INT(wlen, 100);
        d = diag(c);
        CHECK_EQ_INT(d.counters.rx_frames, 2);
        CHECK_EQ_INT(d.counters.rx_bytes, 160);
        CHECK_EQ_INT(d.counters.rx_broadcast, 1);
        CHECK(has_line(&d, CLIENT_STATUS_BROADCAST, "Broadcast traffic seen (game discovery works)"));

        /* Incoming drops: misdirected, switch control, tagged, jumbo,
         * invalid source, an undecodable datagram, a full device queue. */
        gateway_send_eth(&n, &mac_stranger, &mac_gateway, LP_ETHERTYPE_ARP, 60);
        gateway_send_eth(&n, &mac_stp, &mac_gateway, 0x0026, 60);
        gateway_send_eth(&n, &mac_broadcast, &mac_gateway, LP_ETHERTYPE_QINQ, 60);
        gateway_send_eth(&n, &mac_broadcast, &mac_gateway, LP_ETHERTYPE_ARP, ROOM_MTU + 15);
        gateway_send_eth(&n, &mac_broadcast, &mac_broadcast, LP_ETHERTYPE_ARP, 60);
        uint8_t bad[8] = { 2, 0, 0, 0, 1, 2, 3, 4 }; /* overlay version 2 */
        CHECK(test_relay_send_raw(n.relay, 2, bad, sizeof bad, n.now) == 0);
        net_settle(&n);
        c->tap->write_error = -EAGAIN;
        gateway_send_eth(&n, &mac_broadcast, &mac_gateway, LP_ETHERTYPE_ARP, 60);
        net_settle(&n);
        c->tap->write_error = 0;
        CHECK_EQ_INT(c->tap->n_written, written + 2);
        d = diag(c);
        CHECK_EQ_INT(d.counters.drop[CLIENT_DROP_MISDIRECTED], 1);
        CHECK_EQ_INT(d.counters.filtered_in[L2_DROP_IEEE_RESERVED], 1);
        CHECK_EQ_INT(d.counters.filtered_in[L2_DROP_VLAN_TAGGED], 1);
        CHECK_EQ_INT(d.counters.filtered_in[L2_DROP_JUMBO], 1);
        CHECK_EQ_INT(d.counters.filtered_in[L2_DROP_INVALID_SOURCE], 1);
        CHECK_EQ_INT(d.counters.drop[CLIENT_DROP_MALFORMED], 1);
        CHECK_EQ_INT(d.counters.drop[CLIENT_DROP_DEVICE_ERROR], 1);
        CHECK_EQ_INT(d.counters.rx_frames, 2);
        CHECK(has_line(&d, CLIENT_STATUS_TRAFFIC, "Traffic: sent 2 frames (1.3 KiB), received 2 frames (160 B), dropped 86: 72 not_joined, 1 foreign_source, 1 oversized, 1 misdirected, 1 device_error, 1 malformed_datagram, 1 outgoing malformed, 1 outgoing jumbo, 1 outgoing ieee_reserved, 1 outgoing vlan_tagged, 1 outgoing dhcp_server, 1 incoming invalid_source, 1 incoming jumbo, 1 incoming ieee_reserved, 1 incoming vlan_tagged"));

        /* STATS reach the relay on their own. */
        net_run(&n, 11 * SEC, NULL, NULL);
        CHECK(test_relay_find_mac(n.relay, &c->mac)->n_stats >= 1);
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_JOINED);

        /* The platform's view of the device address. */
        client_core_set_device_ipv4(c->core, "");
        d = diag(c);
        CHECK(has_line(&d, CLIENT_STATUS_ADDRESS, "No IPv4 address on lp0 yet"));
        client_core_set_device_ipv4(c->core, "192.0.2.113");
        d = diag(c);
        CHECK(has_line(&d, CLIENT_STATUS_ADDRESS, "Got address 192.0.2.113 on lp0"));

        /* Quit: DISCONNECT(quit) reaches the relay, carrier off, STOPPED. */
        CHECK(client_core_stop(c->core, n.now) == 0);
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_LEAVING);
        peer = NULL;
        CHECK(net_run(&n, 10 * SEC, cond_done, c));
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_STOPPED);
        CHECK(!c->tap->link_up);
        CHECK(c->last_end.kind == SESSION_END_LOCAL);
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_STOPPED], 1);
        CHECK_EQ_STR(c->last_line, "Left the room.");
        CHECK(client_core_get_session(c->core) == NULL);
        CHECK_EQ_INT(client_core_get_expiry(c->core), UINT64_MAX);
        test_relay_get_counters(n.relay, &rc);
        CHECK_EQ_INT(rc.welcomes, 1);
        CHECK_EQ_INT(test_relay_n_joined(n.relay), 0);
        /* Counters survive the session. */
        d = diag(c);
        CHECK_EQ_INT(d.counters.tx_frames, 2);
        CHECK_EQ_INT(d.counters.drop[CLIENT_DROP_MALFORMED], 1);
        CHECK(has_line(&d, CLIENT_STATUS_CONNECTION, "Left the room."));
        /* Stopping again changes nothing. */
        CHECK(client_core_stop(c->core, n.now) == 0);
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_STOPPED], 1);
        net_done(&n);
}

/* What the relay saw of the goodbye: it must be the quit reason. */
static void test_quit_reason(void) {
        Net n;
        TestClient *c;
        TestRelayPeer *peer;

        c = net_init_one_joined(&n);
        peer = (TestRelayPeer *) test_relay_find_mac(n.relay, &c->mac);
        CHECK(peer);
        CHECK(client_core_stop(c->core, n.now) == 0);
        CHECK(net_run(&n, 10 * SEC, cond_done, c));
        CHECK(peer->got_disconnect);
        CHECK_EQ_INT(peer->disconnect_reason, LEAVE_REASON_QUIT);
        net_done(&n);
}

/* The adapter is disabled or removed while we are in the room (the
 * backend says -ENODEV, once for good): the client leaves the room with a
 * reason, ends as failed and does not try to reconnect; the same for a
 * write that finds it gone, and while waiting to reconnect. */
static void test_device_lost(void) {
        static const char want[] = "Adapter lp0 stopped working (was it disabled or removed?); left the room.";
        Net n;
        TestClient *c;
        TestRelayPeer *peer;

        c = net_init_one_joined(&n);
        peer = (TestRelayPeer *) test_relay_find_mac(n.relay, &c->mac);
        CHECK(peer);
        c->tap->read_error = -ENODEV;
        CHECK_EQ_INT(client_core_process_device(c->core, n.now), -ENODEV);
        CHECK(net_run(&n, 10 * SEC, cond_done, c));
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_FAILED);
        CHECK(peer->got_disconnect);
        CHECK_EQ_INT(peer->disconnect_reason, LEAVE_REASON_ERROR);
        CHECK_EQ_STR(c->last_end.message, want);
        CHECK_EQ_INT(c->n_connects, 1);
        CHECK(!c->tap->link_up);
        net_done(&n);

        /* A frame from the party finds the adapter gone. */
        c = net_init_one_joined(&n);
        c->tap->write_error = -ENODEV;
        gateway_send_eth(&n, &mac_broadcast, &mac_gateway, LP_ETHERTYPE_ARP, 60);
        CHECK(net_run(&n, 10 * SEC, cond_done, c));
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_FAILED);
        CHECK_EQ_STR(c->last_end.message, want);
        net_done(&n);

        /* Between attempts: no session to leave, failed at once. */
        net_init(&n, true);
        c = client_add(&n, &(ClientOpts) { 0 });
        c->connect_fail = 100;
        CHECK(client_core_start(c->core, n.now) >= 0);
        CHECK(net_run(&n, 10 * SEC, cond_waiting, c));
        c->tap->read_error = -ENODEV;
        CHECK_EQ_INT(client_core_process_device(c->core, n.now), -ENODEV);
        CHECK(client_core_is_done(c->core));
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_FAILED);
        CHECK_EQ_STR(c->last_end.message, want);
        CHECK_EQ_INT(client_core_get_expiry(c->core), UINT64_MAX);
        net_done(&n);
}

static void test_two_clients(void) {
        uint8_t f[256];
        size_t len, wlen;
        Net n;
        TestClient *a, *b;

        net_init(&n, true);
        a = client_add(&n, &(ClientOpts) { .name = "alice" });
        b = client_add(&n, &(ClientOpts) { .name = "" });
        client_join(&n, a);
        client_join(&n, b);
        CHECK_EQ_STR(a->last_line, "A player (02:00:00:00:00:02) is in the room.");
        CHECK_EQ_STR(b->last_line, "alice is in the room.");
        CHECK_EQ_INT(diag(a).n_clients, 1);
        CHECK(has_line(&(ClientDiagnostics) { 0 }, CLIENT_STATUS_CONNECTION, "Starting..."));
        ClientDiagnostics d = diag(b);
        CHECK(has_line(&d, CLIENT_STATUS_PLAYERS, "1 other player in the room"));

        /* Unicast a → b through the relay; a's own copy is not sent back. */
        len = frame_eth(f, &b->mac, &a->mac, LP_ETHERTYPE_ARP, 60);
        CHECK(client_core_send_frame(a->core, f, len, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(b->tap->n_written, 1);
        CHECK_MEM(tap_last_written(b->tap, &wlen), f, 60);
        CHECK_EQ_INT(a->tap->n_written, 0);
        len = frame_eth(f, &a->mac, &b->mac, LP_ETHERTYPE_ARP, 60);
        CHECK(client_core_send_frame(b->core, f, len, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(a->tap->n_written, 1);
        /* The test relay floods like a hub: a unicast for the gateway
         * reaches b too, which must not put it on its TAP. */
        len = frame_eth(f, &mac_gateway, &a->mac, LP_ETHERTYPE_ARP, 60);
        CHECK(client_core_send_frame(a->core, f, len, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(b->tap->n_written, 1);
        CHECK_EQ_INT(diag(b).counters.drop[CLIENT_DROP_MISDIRECTED], 1);

        /* b leaves: a hears it by name. */
        CHECK(client_core_stop(b->core, n.now) == 0);
        CHECK(net_run(&n, 10 * SEC, cond_done, b));
        net_settle(&n);
        CHECK_EQ_STR(a->last_line, "A player (02:00:00:00:00:02) left the room (quit).");
        CHECK_EQ_INT(diag(a).n_clients, 0);

        /* The gateway leaves and comes back. */
        test_relay_set_gateway(n.relay, false, n.now);
        net_settle(&n);
        CHECK_EQ_STR(a->last_line, "The party's gateway left (quit); waiting for it to come back.");
        d = diag(a);
        CHECK(!d.gateway_present);
        CHECK(has_line(&d, CLIENT_STATUS_GATEWAY, "Waiting for the party's gateway..."));
        test_relay_set_gateway(n.relay, true, n.now);
        net_settle(&n);
        CHECK(diag(a).gateway_present);
        net_done(&n);
}

/* A datagram as the relay forwards it from peer `from` to peer `to`. */
static void relay_forward(Net *n, uint16_t to, uint16_t from, const uint8_t *frame, size_t len) {
        uint8_t d[LP_DATAGRAM_SIZE_MAX];
        int dlen = datagram_encode(d, sizeof(d), from, frame, len);

        CHECK(dlen > 0);
        CHECK(test_relay_send_raw(n->relay, to, d, (size_t) dlen, n->now) == 0);
        net_settle(n);
}

/* What another player sends reaches our TAP only under the rules for
 * clients, the relay's today, ours alone once it is blind (issue 17): a
 * DHCP server, a router advertisement or a spoofed source from a player
 * is dropped here even when the relay let it through (the test relay
 * filters nothing); the same DHCP reply from the gateway is the party's. */
static void test_frames_from_clients_filtered(void) {
        uint8_t f[LP_ETHER_FRAME_MAX];
        uint16_t a_id, b_id;
        ClientDiagnostics d;
        TestClient *a, *b;
        size_t len;
        Net n;

        net_init(&n, true);
        a = client_add(&n, &(ClientOpts) { .name = "alice" });
        b = client_add(&n, &(ClientOpts) { .name = "bob" });
        client_join(&n, a);
        client_join(&n, b);
        a_id = test_relay_find_mac(n.relay, &a->mac)->id;
        b_id = test_relay_find_mac(n.relay, &b->mac)->id;

        /* alice plays DHCP server and router, and speaks as the gateway. */
        len = frame_dhcp_ack(f);
        memcpy(f + LP_MAC_LEN, a->mac.bytes, LP_MAC_LEN);
        relay_forward(&n, b_id, a_id, f, len);
        len = frame_eth(f, &mac_broadcast, &mac_gateway, LP_ETHERTYPE_ARP, 60);
        relay_forward(&n, b_id, a_id, f, len);
        CHECK_EQ_INT(b->tap->n_written, 0);
        /* An ordinary broadcast of hers passes. */
        len = frame_eth(f, &mac_broadcast, &a->mac, LP_ETHERTYPE_ARP, 60);
        relay_forward(&n, b_id, a_id, f, len);
        CHECK_EQ_INT(b->tap->n_written, 1);
        /* A sender the relay never announced gets the rules for clients. */
        len = frame_dhcp_ack(f);
        relay_forward(&n, b_id, 999, f, len);
        CHECK_EQ_INT(b->tap->n_written, 1);
        d = diag(b);
        CHECK_EQ_INT(d.counters.filtered_in[L2_DROP_DHCP_SERVER], 2);
        CHECK_EQ_INT(d.counters.filtered_in[L2_DROP_SPOOFED_SOURCE], 1);
        CHECK(has_line(&d, CLIENT_STATUS_TRAFFIC, "Traffic: sent 0 frames (0 B), received 1 frame (60 B), dropped 3: "
                                                  "1 incoming spoofed_source, 2 incoming dhcp_server"));

        /* The party's own DHCP server, through the gateway: taken. */
        len = frame_dhcp_ack(f);
        CHECK(test_relay_gateway_send(n.relay, b_id, f, len, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(b->tap->n_written, 2);
        net_done(&n);
}

/* The party's DHCP server offers its router and DNS: a client takes them
 * out before its TAP sees the reply, unless told to accept them. A reply
 * that cannot be sanitised (the first fragment of one) is dropped. */
static void test_party_gateway_removed(void) {
        uint8_t f[LP_ETHER_FRAME_MAX], want[LP_ETHER_FRAME_MAX];
        size_t len, want_len = 0, wlen;
        const uint8_t *w;
        ClientDiagnostics d;
        TestClient *a, *b;
        Net n;

        net_init(&n, true);
        a = client_add(&n, &(ClientOpts) { .name = "sanitised" });
        b = client_add(&n, &(ClientOpts) { .name = "accepting", .accept_party_gateway = true });
        client_join(&n, a);
        client_join(&n, b);

        len = frame_dhcp_ack(f);
        CHECK_EQ_INT(autoconf_sanitize_frame(f, len, want, sizeof(want), &want_len), AUTOCONF_SANITIZED_DHCPV4);
        CHECK(test_relay_gateway_send(n.relay, 0, f, len, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(a->tap->n_written, 1);
        w = tap_last_written(a->tap, &wlen);
        CHECK_EQ_INT(wlen, want_len);
        CHECK_MEM(w, want, want_len);
        CHECK(memcmp(w, f, len) != 0);
        CHECK_EQ_INT(b->tap->n_written, 1);
        w = tap_last_written(b->tap, &wlen);
        CHECK_EQ_INT(wlen, len);
        CHECK_MEM(w, f, len);
        d = diag(a);
        CHECK_EQ_INT(d.counters.rx_autoconf_sanitized, 1);
        CHECK_EQ_INT(d.counters.rx_frames, 1);
        CHECK(has_line(&d, CLIENT_STATUS_TRAFFIC, "Traffic: sent 0 frames (0 B), received 1 frame (342 B; 1 with the "
                                                  "party's gateway and DNS removed)"));
        CHECK_EQ_INT(diag(b).counters.rx_autoconf_sanitized, 0);

        /* Its first fragment: a drops it, b passes it on. */
        be16_store(f + 14 + 6, 0x2000);
        CHECK(test_relay_gateway_send(n.relay, 0, f, len, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(a->tap->n_written, 1);
        CHECK_EQ_INT(b->tap->n_written, 2);
        d = diag(a);
        CHECK_EQ_INT(d.counters.drop[CLIENT_DROP_AUTOCONF_UNSAFE], 1);
        CHECK(has_line(&d, CLIENT_STATUS_TRAFFIC, "Traffic: sent 0 frames (0 B), received 1 frame (342 B; 1 with the "
                                                  "party's gateway and DNS removed), dropped 1: 1 unsafe_dhcp_or_ra"));

        /* Everything else passes as it was. */
        len = frame_udp4(f, &mac_broadcast, &mac_gateway, 68, 67);
        CHECK(test_relay_gateway_send(n.relay, 0, f, len, n.now) == 0);
        net_settle(&n);
        CHECK_EQ_INT(a->tap->n_written, 2);
        w = tap_last_written(a->tap, &wlen);
        CHECK_EQ_INT(wlen, len);
        CHECK_MEM(w, f, len);
        net_done(&n);
}

/* The relay process dies and comes back (same reset secret, as a relay
 * that keeps it in its state directory): the client gets a stateless reset
 * on its next packet and rejoins with the same MAC. */
static void test_reconnect_relay_restart(void) {
        uint8_t f[128];
        size_t len;
        Net n;
        TestClient *c;
        ClientDiagnostics d;

        c = net_init_one_joined(&n);
        len = frame_eth(f, &mac_broadcast, &c->mac, LP_ETHERTYPE_ARP, 60);
        CHECK(client_core_send_frame(c->core, f, len, n.now) == 0);
        net_settle(&n);

        relay_vanish(&n);
        relay_start(&n, true);
        CHECK(net_run(&n, 30 * SEC, cond_waiting, c));
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_DISCONNECTED], 1);
        CHECK(c->last_end.kind == SESSION_END_CONNECTION_LOST);
        CHECK(c->last_end.was_joined);
        CHECK(!c->tap->link_up);
        /* First retry after a joined session: the shortest step. */
        CHECK(c->last_retry_in >= 500 * MSEC && c->last_retry_in <= 625 * MSEC);
        d = diag(c);
        CHECK(d.phase == CLIENT_PHASE_WAITING);
        CHECK(d.retry_in > 0 && d.retry_in <= 625 * MSEC);
        CHECK(has_line(&d, CLIENT_STATUS_CONNECTION, "Disconnected: "));
        CHECK(!has_line(&d, CLIENT_STATUS_GATEWAY, ""));

        CHECK(net_run(&n, 5 * SEC, cond_phase_joined, c));
        CHECK(c->tap->link_up);
        CHECK_EQ_INT(c->n_connects, 2);
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_JOINED], 2);
        CHECK(test_relay_find_mac(n.relay, &c->mac));
        d = diag(c);
        CHECK_EQ_INT(d.attempt, 0);
        CHECK_EQ_INT(d.counters.tx_frames, 1); /* totals span sessions */

        /* Now the relay goes silent (the path died): idle timeout, then
         * attempts that fail until it answers again. */
        n.wire.blackhole = true;
        relay_vanish(&n);
        CHECK(net_run(&n, 40 * SEC, cond_waiting, c));
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_DISCONNECTED], 2);
        net_run(&n, 30 * SEC, NULL, NULL);
        CHECK(c->n_events[CLIENT_EVENT_DISCONNECTED] >= 3);
        CHECK(c->n_connects >= 4);
        d = diag(c);
        CHECK(d.attempt >= 2);
        n.wire.blackhole = false;
        relay_start(&n, true);
        CHECK(net_run(&n, 60 * SEC, cond_phase_joined, c));
        CHECK_EQ_INT(diag(c).attempt, 0);
        CHECK(test_relay_find_mac(n.relay, &c->mac));
        net_done(&n);
}

static void test_connect_failures(void) {
        Net n;
        TestClient *c;
        ClientDiagnostics d;

        net_init(&n, true);
        c = client_add(&n, &(ClientOpts) { 0 });
        c->connect_fail = 2;
        CHECK(client_core_start(c->core, n.now) == 0);
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_WAITING);
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_CONNECT_FAILED], 1);
        CHECK(c->last_retry_in >= 500 * MSEC && c->last_retry_in <= 625 * MSEC);
        CHECK(strstr(c->last_line, "Cannot connect to relay 10.0.0.1 (Network is unreachable); trying again in 0."));
        d = diag(c);
        CHECK_EQ_INT(d.connect_error, -ENETUNREACH);
        CHECK(has_line(&d, CLIENT_STATUS_CONNECTION, "Cannot reach relay 10.0.0.1 (Network is unreachable); trying again in"));
        /* Packets while no session runs are ignored. */
        CHECK(client_core_read_packet(c->core, &n.relay_addr, (const uint8_t *) "x", 1, n.now) == 0);
        CHECK(client_core_write(c->core, n.now) == 0);

        net_run(&n, 700 * MSEC, NULL, NULL);
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_CONNECT_FAILED], 2);
        CHECK(c->last_retry_in >= 1000 * MSEC && c->last_retry_in <= 1250 * MSEC);
        CHECK(net_run(&n, 5 * SEC, cond_phase_joined, c));
        CHECK_EQ_INT(c->n_connects, 3);
        CHECK_EQ_INT(diag(c).connect_error, 0);
        net_done(&n);
}

static void test_stop_while_waiting(void) {
        Net n;
        TestClient *c;

        net_init(&n, true);
        c = client_add(&n, &(ClientOpts) { 0 });
        c->connect_fail = 100;
        CHECK(client_core_start(c->core, n.now) == 0);
        CHECK(client_core_start(c->core, n.now) == -EALREADY);
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_WAITING);
        CHECK(client_core_stop(c->core, n.now) == 0);
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_STOPPED);
        CHECK(client_core_get_expiry(c->core) == UINT64_MAX);
        CHECK(client_core_get_last_end(c->core)->kind == SESSION_END_LOCAL);
        net_done(&n);
}

/* A second stop while leaving gives up on the goodbye at once. */
static void test_stop_twice(void) {
        Net n;
        TestClient *c;

        c = net_init_one_joined(&n);
        n.wire.blackhole = true; /* the relay never confirms */
        CHECK(client_core_stop(c->core, n.now) == 0);
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_LEAVING);
        CHECK(client_core_stop(c->core, n.now) == 0);
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_STOPPED);
        CHECK(client_core_get_session(c->core) == NULL);
        CHECK(!c->tap->link_up);
        net_done(&n);
}

static void test_auth_failed(void) {
        static const uint8_t wrong_key[LP_ROOM_KEY_SIZE] = { 1 };
        Net n;
        TestClient *c;
        TestRelayCounters rc;
        ClientDiagnostics d;

        c = net_init_one_failed(&n, &(ClientOpts) { .key = wrong_key });
        CHECK(c->last_end.kind == SESSION_END_REJECTED);
        CHECK(c->last_end.reject == REJECT_REASON_AUTH_FAILED);
        CHECK(!c->last_end.retry);
        CHECK(strstr(c->last_line, "The relay refused to let us in: auth_failed"));
        CHECK(strstr(c->last_line, "ask for a new link"));
        CHECK_EQ_INT(c->n_connects, 1);
        CHECK_EQ_INT(c->n_events[CLIENT_EVENT_JOINED], 0);
        test_relay_get_counters(n.relay, &rc);
        CHECK_EQ_INT(rc.rejects, 1);
        d = diag(c);
        CHECK(has_line(&d, CLIENT_STATUS_CONNECTION, "The relay refused to let us in: auth_failed"));
        /* Nothing scheduled any more; the loop ends. */
        net_run(&n, 60 * SEC, NULL, NULL);
        CHECK_EQ_INT(c->n_connects, 1);
        CHECK(client_core_get_expiry(c->core) == UINT64_MAX);
        net_done(&n);
}

static void test_pin_mismatch(void) {
        static const uint8_t wrong_pin[LP_SPKI_PIN_SIZE] = { 0xde, 0xad };
        Net n;
        TestClient *c;

        c = net_init_one_failed(&n, &(ClientOpts) { .pin = wrong_pin });
        CHECK(c->last_end.kind == SESSION_END_PIN_MISMATCH);
        CHECK(strstr(c->last_line, "does not match the pin"));
        CHECK_EQ_INT(c->n_connects, 1);
        net_done(&n);
}

/* No gateway yet: keep retrying with a status line, join once it is there. */
static void test_waiting_for_gateway(void) {
        Net n;
        TestClient *c;
        ClientDiagnostics d;

        net_init(&n, false);
        c = client_add(&n, &(ClientOpts) { 0 });
        CHECK(client_core_start(c->core, n.now) == 0);
        CHECK(net_run(&n, 30 * SEC, cond_waiting, c));
        CHECK(c->last_end.kind == SESSION_END_REJECTED);
        CHECK(c->last_end.reject == REJECT_REASON_NO_SUCH_ROOM);
        CHECK(c->last_end.retry);
        d = diag(c);
        CHECK(has_line(&d, CLIENT_STATUS_CONNECTION,
                       "Waiting for the party's gateway... (room party is not open on relay 10.0.0.1 yet; trying again in "));
        net_run(&n, 10 * SEC, NULL, NULL);
        CHECK(c->n_connects >= 3);
        CHECK(client_core_get_phase(c->core) != CLIENT_PHASE_JOINED);

        /* The gateway arrives; the next attempt gets in. The test relay
         * cannot announce it to connections it rejected, so just wait. */
        relay_vanish(&n);
        relay_start(&n, true);
        CHECK(net_run(&n, 30 * SEC, cond_phase_joined, c));
        CHECK(diag(c).gateway_present);
        net_done(&n);
}

static void test_relay_disconnects(void) {
        Net n;
        TestClient *c;

        /* Shutdown: worth coming back. */
        c = net_init_one_joined(&n);
        CHECK(test_relay_disconnect(n.relay, 2, LEAVE_REASON_SHUTDOWN, "maintenance", n.now) == 0);
        CHECK(net_run(&n, 10 * SEC, cond_waiting, c));
        CHECK(c->last_end.kind == SESSION_END_RELAY_DISCONNECT);
        CHECK(c->last_end.retry);
        CHECK(strstr(c->last_line, "The relay ended our session: shutdown: maintenance. Reconnecting in 0."));
        CHECK(net_run(&n, 10 * SEC, cond_phase_joined, c));

        /* Kicked: stay out. */
        uint16_t id = diag(c).peer_id;
        CHECK(test_relay_disconnect(n.relay, id, LEAVE_REASON_KICKED, "", n.now) == 0);
        CHECK(net_run(&n, 10 * SEC, cond_done, c));
        CHECK(client_core_get_phase(c->core) == CLIENT_PHASE_FAILED);
        CHECK(c->last_end.leave == LEAVE_REASON_KICKED);
        CHECK(!c->tap->link_up);
        net_done(&n);
}

int main(void) {
        test_log_level_from_env(LOG_WARNING);
        test_cert_make_temp(&relay_cert, "test-client-core", "10.0.0.1");

        RUN(test_new_invalid);
        RUN(test_names);
        RUN(test_join_frames_filters);
        RUN(test_quit_reason);
        RUN(test_device_lost);
        RUN(test_two_clients);
        RUN(test_frames_from_clients_filtered);
        RUN(test_party_gateway_removed);
        RUN(test_reconnect_relay_restart);
        RUN(test_connect_failures);
        RUN(test_stop_while_waiting);
        RUN(test_stop_twice);
        RUN(test_auth_failed);
        RUN(test_pin_mismatch);
        RUN(test_waiting_for_gateway);
        RUN(test_relay_disconnects);

        test_cert_remove(&relay_cert, NULL);
        return 0;
}
