/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "quic-test-net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "test-util.h"

void test_net_init(TestNet *w, uint64_t *now, size_t capacity) {
        CHECK(now && capacity > 0);
        *w = (TestNet) { .now = now, .capacity = capacity };
        w->q = calloc(capacity, sizeof(TestPacket));
        CHECK(w->q);
}

void test_net_done(TestNet *w) {
        free(w->q);
        w->q = NULL;
}

void test_net_push(TestNet *w, const QuicAddr *from, const ngtcp2_sockaddr *to, ngtcp2_socklen to_len,
                   const uint8_t *data, size_t len) {
        TestPacket *p;

        CHECK(len <= QUIC_MAX_UDP_PAYLOAD);
        w->max_udp_sent = MAX(w->max_udp_sent, len);
        w->n_sent++;
        if (w->blackhole)
                return;
        CHECK(w->count < w->capacity);
        p = &w->q[(w->head + w->count) % w->capacity];
        p->from = *from;
        CHECK(quic_addr_set(&p->to, to, to_len) == 0);
        p->at = *w->now + TEST_NET_LATENCY;
        p->len = len;
        memcpy(p->data, data, len);
        w->count++;
}

int test_net_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        TestNetPort *port = userdata;
        QuicAddr from;

        if (port->addr)
                from = *port->addr;
        else
                CHECK(quic_addr_set(&from, path->local.addr, path->local.addrlen) == 0);
        test_net_push(port->wire, &from, path->remote.addr, path->remote.addrlen, data, len);
        return 0;
}

void test_net_attach(TestNet *w, TestNetPort *port, const QuicAddr *addr, void *owner) {
        CHECK(w->n_attached < TEST_NET_PORTS_MAX);
        *port = (TestNetPort) { w, addr };
        w->attached[w->n_attached++] = (TestNetAttached) { port, owner };
}

void *test_net_owner_at(const TestNet *w, const QuicAddr *addr) {
        for (size_t i = 0; i < w->n_attached; i++)
                if (quic_addr_equal(w->attached[i].port->addr, addr))
                        return w->attached[i].owner;
        return NULL;
}

TestPacket *test_net_find_to(TestNet *w, const QuicAddr *to) {
        for (size_t i = 0; i < w->count; i++) {
                TestPacket *p = &w->q[(w->head + i) % w->capacity];
                if (quic_addr_equal(&p->to, to))
                        return p;
        }
        return NULL;
}

void test_net_flush(TestNet *w) {
        w->head = w->count = 0;
}

bool test_net_run(TestNet *w, uint64_t duration, const TestNetOps *ops, void *net, TestNetCond cond,
                  void *userdata) {
        uint64_t end = *w->now + duration;

        for (;;) {
                uint64_t next = UINT64_MAX;

                if (cond && cond(net, userdata))
                        return true;
                if (w->count > 0)
                        next = w->q[w->head].at;
                next = MIN(next, ops->get_expiry(net));
                if (next > end) {
                        *w->now = end;
                        return cond ? cond(net, userdata) : true;
                }
                *w->now = MAX(*w->now, next);

                while (w->count > 0 && w->q[w->head].at <= *w->now) {
                        TestPacket p = w->q[w->head]; /* a copy: delivery may enqueue */

                        w->head = (w->head + 1) % w->capacity;
                        w->count--;
                        ops->deliver(net, &p);
                }
                ops->handle_expiry(net);
        }
}

void test_addr4(QuicAddr *a, const char *ip, uint16_t port) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

        CHECK(inet_pton(AF_INET, ip, &sin.sin_addr) == 1);
        CHECK(quic_addr_set(a, (const ngtcp2_sockaddr *) &sin, sizeof sin) == 0);
}

const uint8_t test_room_key[LP_ROOM_KEY_SIZE] = { 7, 7, 7, 7, 1, 2, 3, 4 };

void test_cert_make(TestCert *c, const char *dir, const char *hostname) {
        CHECK(snprintf(c->dir, sizeof c->dir, "%s", dir) < (int) sizeof c->dir);
        CHECK(snprintf(c->cert_path, sizeof c->cert_path, "%s/" CERT_FILE_NAME, dir) < (int) sizeof c->cert_path);
        CHECK(snprintf(c->key_path, sizeof c->key_path, "%s/" KEY_FILE_NAME, dir) < (int) sizeof c->key_path);
        CHECK_EQ_INT(cert_ensure_self_signed(dir, hostname, c->pin), 1);
}

void test_cert_make_temp(TestCert *c, const char *name, const char *hostname) {
        char dir[TEST_CERT_DIR_MAX];

        CHECK(snprintf(dir, sizeof dir, "/tmp/%s-XXXXXX", name) < (int) sizeof dir);
        CHECK(mkdtemp(dir));
        test_cert_make(c, dir, hostname);
}

void test_cert_remove(const TestCert *c, const char *const *extra) {
        const char *files[] = { CERT_FILE_NAME, KEY_FILE_NAME };
        char p[TEST_CERT_PATH_MAX];

        for (size_t i = 0; extra && extra[i]; i++) {
                snprintf(p, sizeof p, "%s/%s", c->dir, extra[i]);
                (void) unlink(p);
        }
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                snprintf(p, sizeof p, "%s/%s", c->dir, files[i]);
                (void) unlink(p);
        }
        (void) rmdir(c->dir);
}

void test_log_level_from_env(int fallback) {
        const char *s = getenv("LANPARTY_LOG_LEVEL");
        int level = s ? log_level_from_string(s) : -1;

        if (level < 0)
                level = fallback;
        if (level >= 0)
                log_set_max_level(level);
}
