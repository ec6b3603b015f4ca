/* SPDX-License-Identifier: MIT */
/* What both clients do around their wait (client-loop.c), against a real
 * core on the null device and a scripted RouteManager: which relay address
 * an attempt uses and when it is pinned, how long a wait may sleep, when
 * the address and route checks run and what they say, and how a quit
 * waits for the relay's goodbye. Odd cases first. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "client-loop.h"
#include "test-util.h"

#define SEC QUIC_NS_PER_SEC
#define MSEC (QUIC_NS_PER_SEC / 1000)
#define T0 (1000 * SEC)

/* ---- doubles: the TAP backend (never opened) and the RouteManager ---------- */

static int no_tap_open(void *state, const char *name_hint, const MacAddr *mac, uint32_t mtu, char *name,
                       size_t name_size, uint32_t *ret_index) {
        return -ENODEV;
}

const FrameDeviceBackend frame_device_backend_tap = {
        .type = FRAME_DEVICE_TAP,
        .state_size = 1,
        .open = no_tap_open,
};

struct RouteManager {
        RouteCheck checks[8]; /* what route_manager_check_relay() answers, in turn */
        size_t n_checks, next_check;
        int pin_result;
        unsigned n_pins;
        RouteAddress pinned;
};

int route_manager_pin_relay(RouteManager *m, const RouteAddress *relay) {
        m->n_pins++;
        m->pinned = *relay;
        return m->pin_result;
}

int route_manager_check_relay(RouteManager *m, RouteCheck *ret) {
        if (m->next_check >= m->n_checks)
                return -EIO;
        *ret = m->checks[m->next_check++];
        return 0;
}

/* ---- the platform's side ------------------------------------------------------ */

typedef struct Fake {
        ClientLoop loop;
        ClientCore *core;
        FrameDevice *device;
        RouteManager routes;

        char said[16][CLIENT_STATUS_LINE_MAX + CLIENT_LOOP_DEVICE_LABEL_MAX];
        size_t n_said;
        unsigned n_address_updates, n_diagnostics, n_connects;
        ClientPhase last_diagnostics_phase;

        int resolve_result;
        QuicAddr resolved;
        unsigned n_resolves;
        unsigned n_path_opens;
} Fake;

static void fake_say(void *userdata, const char *line) {
        Fake *f = userdata;

        CHECK(f->n_said < ELEMENTSOF(f->said));
        snprintf(f->said[f->n_said++], sizeof(f->said[0]), "%s", line);
}

static int fake_resolve(void *userdata, QuicAddr *ret) {
        Fake *f = userdata;

        f->n_resolves++;
        if (f->resolve_result < 0)
                return f->resolve_result;
        *ret = f->resolved;
        return 0;
}

static void fake_address_update(void *userdata) {
        ((Fake *) userdata)->n_address_updates++;
}

static int fake_path_open(void *userdata, const QuicAddr *relay, QuicAddr *ret_local) {
        ((Fake *) userdata)->n_path_opens++;
        return -ENETUNREACH;
}

static bool fake_path_on_device(void *userdata, const QuicAddr *local) {
        return false;
}

static void fake_path_nothing(void *userdata) {
        CHECK(!"the path check moved a connection that never joined");
}

static void fake_diagnostics(void *userdata, const ClientDiagnostics *d, uint64_t now) {
        Fake *f = userdata;

        f->n_diagnostics++;
        f->last_diagnostics_phase = d->phase;
}

static const ClientLoopOps ops_every_tick = {
        .address_interval = CLIENT_LOOP_TICK_INTERVAL,
        .say = fake_say,
        .resolve = fake_resolve,
        .address_update = fake_address_update,
};

static const ClientLoopOps ops_slow_address = {
        .address_interval = 3 * CLIENT_LOOP_TICK_INTERVAL,
        .say = fake_say,
        .resolve = fake_resolve,
        .address_update = fake_address_update,
        .diagnostics = fake_diagnostics,
};

static const ClientLoopOps ops_path_check = {
        .address_interval = CLIENT_LOOP_TICK_INTERVAL,
        .say = fake_say,
        .resolve = fake_resolve,
        .address_update = fake_address_update,
        .path_open = fake_path_open,
        .path_on_device = fake_path_on_device,
        .path_swap = fake_path_nothing,
        .path_drop = fake_path_nothing,
};

static int fake_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        return -EBADF;
}

/* Every attempt fails: the core stays without a session and retries. */
static int fake_connect(ClientCore *core, QuicAddr *ret_local, QuicAddr *ret_remote, void *userdata) {
        ((Fake *) userdata)->n_connects++;
        return -ECONNREFUSED;
}

static QuicAddr addr4(uint8_t last_byte, uint16_t port) {
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
        QuicAddr a;

        memcpy(&in.sin_addr, (uint8_t[4]) { 192, 0, 2, last_byte }, 4);
        CHECK(quic_addr_set(&a, (const ngtcp2_sockaddr *) &in, sizeof(in)) == 0);
        return a;
}

static void fake_setup(Fake *f, const ClientLoopOps *ops, bool with_routes) {
        ClientCoreConfig cc = {
                .mac = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } },
                .callbacks = { .send = fake_send, .connect = fake_connect },
        };

        *f = (Fake) { .routes.pin_result = 0 };
        snprintf(cc.invite.host, sizeof(cc.invite.host), "relay.example.org");
        cc.invite.host_type = INVITE_HOST_DNS;
        cc.invite.port = 4433;
        snprintf(cc.invite.room, sizeof(cc.invite.room), "party");
        snprintf(cc.name, sizeof(cc.name), "tester");
        CHECK(frame_device_open(FRAME_DEVICE_NULL, NULL, &cc.mac, CLIENT_CORE_MTU_INITIAL, &f->device) == 0);
        cc.device = f->device;
        cc.userdata = f;
        cc.send_userdata = f;
        CHECK(client_core_new(&f->core, &cc) == 0);

        client_loop_init(&f->loop, ops, f);
        client_loop_attach(&f->loop, f->core, with_routes ? &f->routes : NULL, "relay.example.org",
                           "adapter \"Ethernet 3\"");
}

static void fake_done(Fake *f) {
        client_core_free(f->core);
        frame_device_close(f->device);
}

static bool said(const Fake *f, const char *line) {
        for (size_t i = 0; i < f->n_said; i++)
                if (strcmp(f->said[i], line) == 0)
                        return true;
        return false;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_next_relay(void) {
        QuicAddr a, local = addr4(100, 50000);
        Fake f;

        /* Nothing resolved yet, no earlier relay: the lookup's error. */
        fake_setup(&f, &ops_every_tick, true);
        f.resolve_result = -EHOSTUNREACH;
        CHECK_EQ_INT(client_loop_next_relay(&f.loop, &a), -EHOSTUNREACH);
        CHECK_EQ_INT(f.routes.n_pins, 0);

        /* The address from start-up first, once, without pinning it again. */
        f.loop.fresh = addr4(1, 4433);
        f.loop.have_fresh = true;
        CHECK_EQ_INT(client_loop_next_relay(&f.loop, &a), 0);
        CHECK(quic_addr_equal(&a, &f.loop.fresh));
        CHECK(!f.loop.have_fresh);
        CHECK_EQ_INT(f.routes.n_pins, 0);
        CHECK_EQ_INT(f.n_resolves, 1);

        /* Then a fresh lookup, pinned. */
        f.resolve_result = 0;
        f.resolved = addr4(2, 4433);
        CHECK_EQ_INT(client_loop_next_relay(&f.loop, &a), 0);
        CHECK(quic_addr_equal(&a, &f.resolved));
        CHECK_EQ_INT(f.routes.n_pins, 1);
        CHECK_EQ_INT(f.routes.pinned.family, ROUTE_FAMILY_IPV4);

        /* A pin that fails fails the attempt. */
        f.routes.pin_result = -EPERM;
        CHECK_EQ_INT(client_loop_next_relay(&f.loop, &a), -EPERM);
        f.routes.pin_result = 0;

        /* The lookup fails after a connection: the last relay, pinned again. */
        client_loop_relay_connected(&f.loop, &f.resolved, &local, "192.0.2.2:4433");
        CHECK_EQ_STR(f.loop.last_text, "192.0.2.2:4433");
        f.resolve_result = -EAGAIN;
        CHECK_EQ_INT(client_loop_next_relay(&f.loop, &a), 0);
        CHECK(quic_addr_equal(&a, &f.resolved));
        CHECK_EQ_INT(f.routes.n_pins, 3);
        fake_done(&f);

        /* Without a TAP there is nothing to pin. */
        fake_setup(&f, &ops_every_tick, false);
        f.resolved = addr4(3, 4433);
        CHECK_EQ_INT(client_loop_next_relay(&f.loop, &a), 0);
        CHECK(quic_addr_equal(&a, &f.resolved));
        fake_done(&f);
}

static void test_timeout(void) {
        Fake f;

        fake_setup(&f, &ops_every_tick, false);
        client_loop_start(&f.loop, T0);
        /* The first tick is due at once; the core has no timer yet. */
        CHECK_EQ_INT(client_loop_timeout_ms(&f.loop, T0), 0);
        CHECK_EQ_INT(client_loop_timeout_ms(&f.loop, T0 + 5 * SEC), 0);
        client_loop_after_wait(&f.loop, T0);
        CHECK_EQ_INT(client_loop_timeout_ms(&f.loop, T0), 1000);
        /* Rounded up: a wait never ends just before its timer. */
        CHECK_EQ_INT(client_loop_timeout_ms(&f.loop, T0 + 1), 1000);
        CHECK_EQ_INT(client_loop_timeout_ms(&f.loop, T0 + SEC - 1), 1);
        CHECK_EQ_INT(client_loop_timeout_ms(&f.loop, T0 + SEC), 0);

        /* A far-away timer is capped, not truncated into a short wait. */
        client_loop_start(&f.loop, T0 + 1000 * SEC);
        CHECK_EQ_INT(client_loop_timeout_ms(&f.loop, T0), CLIENT_LOOP_WAIT_MAX_MS);
        fake_done(&f);
}

static void test_checks(void) {
        QuicAddr relay = addr4(7, 4433), local = addr4(100, 50000);
        Fake f;

        /* Without routes or a relay, ticks only read the address. */
        fake_setup(&f, &ops_every_tick, false);
        client_loop_start(&f.loop, T0);
        for (unsigned i = 0; i <= 20; i++)
                client_loop_after_wait(&f.loop, T0 + i * SEC);
        CHECK_EQ_INT(f.n_address_updates, 21);
        fake_done(&f);

        /* A slower address check; the route check every ten seconds, each
         * change said once, a missing pin put back. */
        fake_setup(&f, &ops_slow_address, true);
        client_loop_relay_connected(&f.loop, &relay, &local, "192.0.2.7:4433");
        f.routes.checks[f.routes.n_checks++] = ROUTE_CHECK_OK;
        f.routes.checks[f.routes.n_checks++] = ROUTE_CHECK_VIA_TAP;
        f.routes.checks[f.routes.n_checks++] = ROUTE_CHECK_VIA_TAP;
        f.routes.checks[f.routes.n_checks++] = ROUTE_CHECK_PIN_MISSING;
        f.routes.checks[f.routes.n_checks++] = ROUTE_CHECK_OK;
        client_loop_start(&f.loop, T0);
        for (unsigned i = 0; i <= 50; i++) {
                size_t before = f.n_said;

                client_loop_after_wait(&f.loop, T0 + i * SEC);
                if (i == 20)
                        CHECK(said(&f, "Warning: relay 192.0.2.7:4433 is now routed into adapter \"Ethernet 3\"; "
                                       "the tunnel would carry itself."));
                if (i == 40) {
                        CHECK(said(&f, "Warning: the route to relay 192.0.2.7:4433 disappeared; putting it back."));
                        CHECK_EQ_INT(f.routes.n_pins, 1);
                }
                /* OK at 10 s (unchanged), VIA_TAP again at 30 s, OK at 50 s
                 * (the pin is back already): nothing to say. */
                if (i == 10 || i == 30 || i == 50)
                        CHECK_EQ_INT(f.n_said, before);
        }
        CHECK_EQ_INT(f.routes.next_check, 5);
        CHECK(!said(&f, "The route to relay 192.0.2.7:4433 is back to normal."));
        /* At 0, 3, ... 48 s. */
        CHECK_EQ_INT(f.n_address_updates, 17);
        fake_done(&f);
}

static void test_status(void) {
        Fake f;

        fake_setup(&f, &ops_slow_address, false);
        client_loop_start(&f.loop, T0);
        client_loop_after_wait(&f.loop, T0);
        CHECK(f.n_said > 0);
        CHECK_EQ_INT(f.n_diagnostics, 1);
        CHECK(!f.loop.status_dirty);

        /* Between ticks, nothing new: no snapshot at all. */
        client_loop_after_wait(&f.loop, T0 + 1);
        CHECK_EQ_INT(f.n_diagnostics, 1);
        /* An event marks it dirty; the same news is not said again. */
        f.n_said = 0;
        f.loop.status_dirty = true;
        client_loop_after_wait(&f.loop, T0 + 2);
        CHECK_EQ_INT(f.n_diagnostics, 2);
        CHECK_EQ_INT(f.n_said, 0);
        fake_done(&f);
}

static void test_expiry(void) {
        uint64_t retry;
        Fake f;

        fake_setup(&f, &ops_every_tick, false);
        CHECK(client_core_start(f.core, T0) >= 0);
        CHECK_EQ_INT(f.n_connects, 1);
        CHECK_EQ_INT(client_core_get_phase(f.core), CLIENT_PHASE_WAITING);
        retry = client_core_get_expiry(f.core);
        CHECK(retry > T0 && retry != UINT64_MAX);

        client_loop_start(&f.loop, T0);
        client_loop_after_wait(&f.loop, retry - 1);
        CHECK_EQ_INT(f.n_connects, 1);
        client_loop_after_wait(&f.loop, retry);
        CHECK_EQ_INT(f.n_connects, 2);
        fake_done(&f);
}

static void test_stop(void) {
        Fake f;

        /* A core without a session leaves at once; the deadline is set by
         * the first request only. */
        fake_setup(&f, &ops_slow_address, false);
        CHECK(client_core_start(f.core, T0) >= 0);
        client_loop_start(&f.loop, T0);
        client_loop_after_wait(&f.loop, T0);
        CHECK(!f.loop.stopping);
        client_loop_stop(&f.loop, T0 + 500 * MSEC);
        CHECK(f.loop.stopping);
        CHECK_EQ_INT(f.loop.stop_deadline, T0 + 500 * MSEC + CLIENT_LOOP_QUIT_GRACE);
        CHECK(client_core_is_done(f.core));
        client_loop_stop(&f.loop, T0 + 600 * MSEC);
        CHECK_EQ_INT(f.loop.stop_deadline, T0 + 500 * MSEC + CLIENT_LOOP_QUIT_GRACE);

        /* Once done: the diagnostics hook still hears of it, no status line. */
        f.n_said = 0;
        client_loop_status_update(&f.loop, T0 + SEC);
        CHECK_EQ_INT(f.last_diagnostics_phase, CLIENT_PHASE_STOPPED);
        CHECK_EQ_INT(f.n_said, 0);
        fake_done(&f);

        /* The deadline bounds the wait, before the next tick. */
        fake_setup(&f, &ops_every_tick, false);
        client_loop_start(&f.loop, T0);
        client_loop_after_wait(&f.loop, T0);
        f.loop.stopping = true;
        f.loop.stop_deadline = T0 + 200 * MSEC;
        CHECK_EQ_INT(client_loop_timeout_ms(&f.loop, T0), 200);
        fake_done(&f);
}

static QuicAddr addr(const char *ip, uint16_t port, uint32_t scope) {
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_scope_id = scope };
        struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port) };
        QuicAddr a;

        if (inet_pton(AF_INET, ip, &in.sin_addr) == 1)
                CHECK_EQ_INT(quic_addr_set(&a, (const ngtcp2_sockaddr *) &in, sizeof(in)), 0);
        else {
                CHECK(inet_pton(AF_INET6, ip, &in6.sin6_addr) == 1);
                CHECK_EQ_INT(quic_addr_set(&a, (const ngtcp2_sockaddr *) &in6, sizeof(in6)), 0);
        }
        return a;
}

/* What the path checks of both clients decide with: a new socket to the
 * relay from the same host address (another port) is no move; another
 * address, family or IPv6 scope is. Which refused sends make client.exe
 * look at once. */
static void test_path_decisions(void) {
        QuicAddr a = addr("10.0.1.2", 50000, 0), b = addr("10.0.1.3", 50000, 0);
        QuicAddr a_port = addr("10.0.1.2", 50001, 0), mapped = addr("::ffff:10.0.1.2", 50000, 0);
        QuicAddr ll1 = addr("fe80::1", 1, 1), ll1_other = addr("fe80::1", 1, 2), ll2 = addr("fe80::2", 1, 1);

        CHECK(client_addr_same_host(&a, &a));
        CHECK(client_addr_same_host(&a, &a_port));
        CHECK(!client_addr_same_host(&a, &b));
        CHECK(!client_addr_same_host(&a, &mapped));
        CHECK(!client_addr_same_host(&mapped, &a));
        CHECK(client_addr_same_host(&ll1, &ll1));
        CHECK(!client_addr_same_host(&ll1, &ll1_other));
        CHECK(!client_addr_same_host(&ll1, &ll2));

        CHECK(client_send_error_path_gone(-EADDRNOTAVAIL));
        CHECK(client_send_error_path_gone(-ENETUNREACH));
        CHECK(client_send_error_path_gone(-EHOSTUNREACH));
        CHECK(client_send_error_path_gone(-ENETDOWN));
        /* A full buffer or a relay that is away says nothing about our address. */
        CHECK(!client_send_error_path_gone(-EAGAIN));
        CHECK(!client_send_error_path_gone(-ENOBUFS));
        CHECK(!client_send_error_path_gone(-ECONNREFUSED));
        CHECK(!client_send_error_path_gone(-EMSGSIZE));
        CHECK(!client_send_error_path_gone(0));
}

/* How status lines and log messages show a relay: as inet_ntop() would,
 * the port in host order whatever the byte order. */
static void test_addr_to_text(void) {
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
        char text[CLIENT_ADDRESS_TEXT_MAX];
        QuicAddr a = addr4(1, 4433);

        CHECK_EQ_STR(client_addr_to_text(&a, text), "192.0.2.1:4433");
        a = addr4(255, 65535);
        CHECK_EQ_STR(client_addr_to_text(&a, text), "192.0.2.255:65535");

        CHECK(inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr) == 1);
        CHECK(quic_addr_set(&a, (const ngtcp2_sockaddr *) &in6, sizeof(in6)) == 0);
        CHECK_EQ_STR(client_addr_to_text(&a, text), "[2001:db8::1]:443");
        /* Mapped IPv4 stays what it is: an IPv6 address. */
        CHECK(inet_pton(AF_INET6, "::ffff:192.0.2.9", &in6.sin6_addr) == 1);
        in6.sin6_port = htons(1);
        CHECK(quic_addr_set(&a, (const ngtcp2_sockaddr *) &in6, sizeof(in6)) == 0);
        CHECK_EQ_STR(client_addr_to_text(&a, text), "[::ffff:192.0.2.9]:1");
}

/* The path check asks the OS only while joined: before that there is no
 * connection to move (the core here never joins). */
static void test_path_check_needs_joined(void) {
        QuicAddr relay = addr4(7, 4433), local = addr4(100, 50000);
        Fake f;

        fake_setup(&f, &ops_path_check, false);
        client_loop_relay_connected(&f.loop, &relay, &local, "192.0.2.7:4433");
        client_loop_start(&f.loop, T0);
        for (unsigned i = 0; i <= 3; i++)
                client_loop_after_wait(&f.loop, T0 + i * SEC);
        client_loop_send_refused(&f.loop, T0 + 4 * SEC);
        CHECK_EQ_INT(f.n_path_opens, 0);
        fake_done(&f);
}

int main(void) {
        test_addr_to_text();
        test_path_check_needs_joined();
        test_path_decisions();
        test_next_relay();
        test_timeout();
        test_checks();
        test_status();
        test_expiry();
        test_stop();
        return 0;
}
