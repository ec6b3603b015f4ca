/* SPDX-License-Identifier: MIT */
/* Feeds hostile UDP payloads to the relay's QUIC endpoint, the function the
 * relay calls for every datagram off its socket. One server lives across
 * inputs (as in production), with a virtual clock, so connections created by
 * one input time out and get reaped in later ones.
 *
 * Input: records of [u8 kind][u8 port][u16 len][len bytes].
 *   kind even: the bytes are the packet;
 *   kind odd:  a real client Initial captured at start-up, with the bytes
 *              XORed in at offset len-derived — so mutations reach the paths
 *              behind ngtcp2_accept() (connection set-up, decryption). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cert.h"
#include "log.h"
#include "quic-server.h"
#include "quic.h"
#include "../quic-test-net.h"
#include "../test-util.h"

#define MSEC (QUIC_NS_PER_SEC / 1000)

static QuicServer *server;
static uint64_t now = QUIC_NS_PER_SEC;
static QuicAddr server_addr;
static uint8_t initial[QUIC_MAX_UDP_PAYLOAD];
static size_t initial_len;
static size_t n_sent;

static int fuzz_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        if (len > QUIC_MAX_UDP_PAYLOAD)
                abort();
        n_sent++;
        return 0;
}

static int capture_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        if (initial_len == 0 && len <= sizeof initial) {
                memcpy(initial, data, len);
                initial_len = len;
        }
        return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        static char dir[] = "/tmp/fuzz-quic-XXXXXX";
        char cert[64], key[64];
        uint8_t pin[CERT_PIN_SIZE];
        QuicTlsCredentials *cred = NULL;
        QuicConn *client = NULL;
        QuicAddr caddr;

        log_set_max_level(LOG_CRIT);
        if (!mkdtemp(dir) || cert_ensure_self_signed(dir, "127.0.0.1", pin) < 0)
                abort();
        snprintf(cert, sizeof cert, "%s/" CERT_FILE_NAME, dir);
        snprintf(key, sizeof key, "%s/" KEY_FILE_NAME, dir);
        if (quic_tls_credentials_load(&cred, cert, key) < 0)
                abort();
        /* The files are in memory now. */
        (void) unlink(cert);
        (void) unlink(key);
        (void) rmdir(dir);

        test_addr4(&server_addr, "10.0.0.1", 443);
        QuicServerConfig cfg = {
                .credentials = cred,
                .local = server_addr,
                /* Every limit on, low enough for the fuzzer to reach:
                 * refusals, Retry, admission timeouts. */
                .limits = {
                        .max_connections = 64,
                        .reserved_admitted = 16,
                        .max_unadmitted_per_source = 8,
                        .admission_timeout = 1 * QUIC_NS_PER_SEC,
                        .retry = true,
                        .retry_threshold = 4,
                },
                .callbacks = {.send = fuzz_send},
        };
        if (quic_server_new(&server, &cfg) < 0)
                abort();
        quic_tls_credentials_unref(cred);

        test_addr4(&caddr, "10.0.0.2", 4000);
        QuicClientConfig ccfg = {
                .tls = {.hostname = "127.0.0.1", .pin = pin},
                .callbacks = {.send = capture_send},
        };
        if (quic_conn_new_client(&client, &ccfg, &caddr, &server_addr, now) < 0 ||
            quic_conn_write(client, now) <= 0 || initial_len < 1200)
                abort();
        quic_conn_free(client);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t pkt[2048];

        while (size >= 4) {
                uint8_t kind = data[0];
                uint16_t port = (uint16_t) (5000 + data[1] % 8);
                size_t len = (size_t) (data[2] << 8 | data[3]) % sizeof pkt;
                QuicAddr from;

                data += 4;
                size -= 4;
                len = len < size ? len : size;

                if (kind & 1) {
                        size_t off = len % initial_len;
                        memcpy(pkt, initial, initial_len);
                        for (size_t i = 0; i < len && off + i < initial_len; i++)
                                pkt[off + i] ^= data[i];
                        test_addr4(&from, "10.0.0.2", port);
                        (void) quic_server_read_packet(server, NULL, &from, pkt, initial_len, now);
                } else {
                        memcpy(pkt, data, len);
                        test_addr4(&from, "10.0.0.3", port);
                        (void) quic_server_read_packet(server, NULL, &from, pkt, len, now);
                }
                data += len;
                size -= len;
                now += MSEC;

                /* Each connection keeps at least its two initial CIDs routed. */
                if (quic_server_get_n_cids(server) < 2 * quic_server_get_n_connections(server))
                        abort();
                if (quic_server_get_n_connections(server) > 64)
                        abort();
                /* Nobody admits: every connection is unadmitted or
                 * closing, the unadmitted within their share; unvalidated
                 * ones are a part of them. */
                if (quic_server_get_n_unadmitted(server) > quic_server_get_n_connections(server) ||
                    quic_server_get_n_unadmitted(server) > 64 - 16 ||
                    quic_server_get_n_unvalidated(server) > quic_server_get_n_unadmitted(server) ||
                    quic_server_get_n_unvalidated(server) > 4)
                        abort();
        }

        now += 500 * MSEC;
        if (quic_server_get_expiry(server) <= now)
                (void) quic_server_handle_expiry(server, now);
        return 0;
}
