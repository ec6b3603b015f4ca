/* SPDX-License-Identifier: MIT */
#pragma once

/* The in-memory network the QUIC tests (test-quic, test-session,
 * test-client-core) run their endpoints on: a FIFO of UDP packets, each
 * arriving TEST_NET_LATENCY after it was sent on a virtual clock, and the
 * loop that advances that clock to the next arrival or timer. The test
 * owns the clock and its endpoints; it tells the loop how to find their
 * timers and hand them packets (TestNetOps). Also the small things each of
 * those tests needs around it: IPv4 addresses and a self-signed relay
 * certificate in a temporary directory. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "cert.h"
#include "quic-server.h"
#include "quic.h"
#include "test-util.h"

/* The virtual clock's units (ngtcp2 time is in ns). */
#define SEC QUIC_NS_PER_SEC
#define MSEC (QUIC_NS_PER_SEC / 1000)
#define TEST_NET_LATENCY (5 * MSEC) /* one way */

typedef struct TestPacket {
        QuicAddr from, to;
        uint64_t at; /* arrival */
        size_t len;
        uint8_t data[QUIC_MAX_UDP_PAYLOAD];
} TestPacket;

#define TEST_NET_PORTS_MAX 32

typedef struct TestNetPort TestNetPort;

/* An endpoint test_net_owner_at() finds by its port's address. */
typedef struct TestNetAttached {
        const TestNetPort *port;
        void *owner;
} TestNetAttached;

typedef struct TestNet {
        uint64_t *now; /* the owner's virtual clock */
        TestPacket *q;
        size_t capacity, head, count;
        bool blackhole; /* drop what is sent (it is still counted) */
        size_t max_udp_sent;
        uint64_t n_sent;
        TestNetAttached attached[TEST_NET_PORTS_MAX];
        size_t n_attached;
} TestNet;

/* What the loop needs of the endpoints; `net` is the test's own state. */
typedef struct TestNetOps {
        uint64_t (*get_expiry)(void *net);                    /* the earliest timer of all */
        void (*deliver)(void *net, const TestPacket *p);      /* a packet arrived */
        void (*handle_expiry)(void *net);                     /* run the timers due by now */
} TestNetOps;

typedef bool (*TestNetCond)(void *net, void *userdata);

void test_net_init(TestNet *w, uint64_t *now, size_t capacity);
void test_net_done(TestNet *w);

/* Queues a packet; CHECKs that it fits one UDP payload of ours. */
void test_net_push(TestNet *w, const QuicAddr *from, const ngtcp2_sockaddr *to, ngtcp2_socklen to_len,
                   const uint8_t *data, size_t len);

/* One address on the network; its test_net_send() is the QuicSendFunc
 * (send_userdata: the TestNetPort) that puts what it sends on the wire.
 * addr NULL: a host with several addresses, whose packets leave from
 * whatever the path's local address says. */
struct TestNetPort {
        TestNet *wire;
        const QuicAddr *addr;
};

int test_net_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len);

/* Sets up `port` for the endpoint `owner` at *addr (which may change
 * later: a client that migrates) and lets test_net_owner_at() find it. */
void test_net_attach(TestNet *w, TestNetPort *port, const QuicAddr *addr, void *owner);
/* The owner of the first port attached at `addr`, or NULL. */
void *test_net_owner_at(const TestNet *w, const QuicAddr *addr);

/* The first queued packet to `to`, or NULL. */
TestPacket *test_net_find_to(TestNet *w, const QuicAddr *to);
/* Drops everything queued. */
void test_net_flush(TestNet *w);

/* Runs for at most `duration` virtual ns or until cond(net, userdata)
 * holds (cond may be NULL: run the whole time). Returns whether it held. */
bool test_net_run(TestNet *w, uint64_t duration, const TestNetOps *ops, void *net, TestNetCond cond,
                  void *userdata);

void test_addr4(QuicAddr *a, const char *ip, uint16_t port);

/* The room key the tests' relay and its players share. */
extern const uint8_t test_room_key[LP_ROOM_KEY_SIZE];

#define TEST_CERT_DIR_MAX 64
#define TEST_CERT_PATH_MAX 128 /* room for the directory and a file name */

/* A relay's self-signed certificate in a directory of its own. */
typedef struct TestCert {
        char dir[TEST_CERT_DIR_MAX];
        char cert_path[TEST_CERT_PATH_MAX], key_path[TEST_CERT_PATH_MAX];
        uint8_t pin[CERT_PIN_SIZE];
} TestCert;

/* cert_ensure_self_signed() for `hostname` in `dir` (which it creates if
 * needed); CHECKs that it made a new one and fills in its paths and pin. */
void test_cert_make(TestCert *c, const char *dir, const char *hostname);
/* The same in a new temporary directory, /tmp/<name>-XXXXXX. */
void test_cert_make_temp(TestCert *c, const char *name, const char *hostname);
/* Removes the certificate, the key and its directory; NULL-terminated
 * `extra` names further files in it to remove first (or NULL). */
void test_cert_remove(const TestCert *c, const char *const *extra);

/* The log level LANPARTY_LOG_LEVEL names, else `fallback` (negative:
 * leave the default). */
void test_log_level_from_env(int fallback);

/* Runs an endpoint's timers if they are due by `now`. Inline: not every
 * user of this file links the QUIC server. */
static inline void test_server_expire(QuicServer *s, uint64_t now) {
        if (quic_server_get_expiry(s) <= now)
                CHECK(quic_server_handle_expiry(s, now) >= 0);
}

static inline void test_conn_expire(QuicConn *c, uint64_t now) {
        if (quic_conn_get_expiry(c) <= now)
                CHECK(quic_conn_handle_expiry(c, now) >= 0);
}
