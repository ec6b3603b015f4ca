/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "fair-queue.h"
#include "log.h"
#include "quic-compat.h"
#include "quic.h"
#include "string-table.h"

/* Packets one quic_conn_write() emits at most before it lets the event loop
 * breathe; ngtcp2's expiry brings us back for the rest. */
#define QUIC_WRITE_BURST_MAX 64
/* Attempts to place one datagram when ngtcp2 fills packets with other
 * frames (ACKs, retransmissions) first. */
#define QUIC_DATAGRAM_WRITE_TRIES 4
#define QUIC_ACTIVE_CID_LIMIT 4
/* ngtcp2 0.12 puts its pacing deadline into the expiry after every write,
 * a few µs ahead, also when nothing waits to be paced: an owner re-arming
 * its timer for that pays a timerfd_settime() per batch (a trap to the
 * hypervisor on a virtual machine, 20% of the relay's CPU in bench/run.sh)
 * and wakes up for nothing. So while nothing of ours waits to be written,
 * deadlines closer than this to the last activity are moved to it; what
 * else falls due that soon (time-threshold loss detection at LAN RTTs)
 * waits at most this long, and an ACK arriving meanwhile detects it anyway.
 * ngtcp2 0.12 itself lets pacing run 1 ms early (NGTCP2_PKT_PACING_OVERHEAD);
 * 1.x paces to the instant but credits late sends to the next ones. While
 * something of ours waits, the expiry is ngtcp2's own, in both. */
#define QUIC_TIMER_FLOOR_NS (1000U * 1000U)
/* The congestion controller, for relay, gateways and clients alike. What
 * we carry are datagrams, never retransmitted, mostly other flows' packets
 * (TCP inside, with congestion control of its own): the outer controller
 * should pass them at the path's rate and not hold them back, since what it
 * holds waits in our fair queue or is dropped. On internet paths random
 * loss is the rule (Wi-Fi, cable), and a loss-based controller reads each
 * loss as congestion: with CUBIC a download through the tunnel reached
 * 0.13x the bare path at 0.1% loss and 2 of 20 Mbit/s at 1%, and the inner
 * TCP could not make up for it. BBRv2 (ngtcp2 0.12's BBR2, 1.x's BBR)
 * models the path's rate and RTT instead: 0.89x and 15.9 of 20 Mbit/s on
 * the same paths, as fast as the other tunnels. Its cost is on a busy
 * CPU, where it reads slow processing as a slow path (relay
 * microbenchmark in flood mode). docs/PERFORMANCE.md, "Congestion
 * controller", has the figures. The meson option quic_cc builds the others,
 * to measure them. */
#if LANPARTY_QUIC_CC_RENO
#define QUIC_CC_ALGO NGTCP2_CC_ALGO_RENO
#elif LANPARTY_QUIC_CC_BBR
#define QUIC_CC_ALGO QUIC_COMPAT_CC_ALGO_BBR
#else
#define QUIC_CC_ALGO NGTCP2_CC_ALGO_CUBIC
#endif
/* TLS alert no_application_protocol (RFC 8446). */
#define TLS_ALERT_NO_APPLICATION_PROTOCOL 120

struct QuicConn {
        QuicTls tls; /* holds the conn_ref GnuTLS points at; never moves */
        ngtcp2_conn *conn;
        bool is_server;
        QuicState state;

        QuicSettings settings;
        QuicConnCallbacks cb;
        void *userdata;
        void *send_userdata;
        QuicServerHooks hooks;
        const char *tls_exporter_label; /* server: kept when the TLS session goes */
        size_t tls_exporter_size;
        QuicAddr local, remote;
        ngtcp2_cid client_initial_dcid;

        /* Control stream send ring. Offsets are absolute stream offsets;
         * byte o lives at sbuf[(o - s_base) % sbuf_size]. [s_acked, s_sent)
         * is in flight and must stay put for retransmission, [s_sent, s_end)
         * is not sent yet. Whenever the ring is empty s_base moves up to
         * s_end, so the next message starts at sbuf[0]: a connection whose
         * control messages are small and acknowledged touches only the
         * ring's first pages, however long it lives. */
        int64_t stream_id;
        uint8_t *sbuf;
        size_t sbuf_size;
        uint64_t s_base, s_acked, s_sent, s_end;
        bool stream_blocked;

        /* Datagrams held back by congestion control or pacing, fairly
         * per flow; allocated with the first one, so a relay's idle peers
         * cost nothing. */
        FairQueue *dq;
        /* Server connections: on the endpoint's list of connections with
         * datagrams to write (quic_conn_queue_datagram()). */
        bool flush_listed;
        /* conn_datagram_floor(), once known. */
        size_t dgram_floor;
        bool dgram_floor_set;

        /* Work deferred while a callback runs. */
        unsigned busy;
        uint64_t last_now;
        bool free_requested;
        bool notify_handshake;
        bool notify_closed;
        bool closed_delivered;

        /* quic_conn_close(): waits for the control bytes to be acked, at
         * most until close_linger_deadline. */
        bool close_requested;
        uint64_t close_code;
        uint64_t close_linger_deadline;
        char close_reason[QUIC_CLOSE_REASON_MAX + 1];

        /* Set by callbacks to explain a NGTCP2_ERR_CALLBACK_FAILURE. */
        QuicCloseKind fail_kind;
        bool fail_set;
        char fail_reason[QUIC_CLOSE_REASON_MAX + 1];
        bool reset_received;

        /* Closing/draining period. */
        uint8_t *close_pkt;
        size_t close_pkt_len;
        uint64_t close_deadline;
        uint64_t close_rx;

        QuicCloseInfo close_info;
        QuicConnCounters counters;
};

static const char *const quic_state_table[_QUIC_STATE_MAX] = {
        [QUIC_STATE_HANDSHAKE] = "handshake",
        [QUIC_STATE_ESTABLISHED] = "established",
        [QUIC_STATE_CLOSING] = "closing",
        [QUIC_STATE_DRAINING] = "draining",
        [QUIC_STATE_DEAD] = "dead",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(quic_state, QuicState)

static const char *const quic_close_kind_table[_QUIC_CLOSE_KIND_MAX] = {
        [QUIC_CLOSE_APPLICATION] = "application",
        [QUIC_CLOSE_TRANSPORT] = "transport",
        [QUIC_CLOSE_IDLE_TIMEOUT] = "idle-timeout",
        [QUIC_CLOSE_HANDSHAKE_FAILED] = "handshake-failed",
        [QUIC_CLOSE_PIN_MISMATCH] = "pin-mismatch",
        [QUIC_CLOSE_CERT_UNTRUSTED] = "cert-untrusted",
        [QUIC_CLOSE_STATELESS_RESET] = "stateless-reset",
        [QUIC_CLOSE_VERSION_NEGOTIATION] = "version-negotiation",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(quic_close_kind, QuicCloseKind)

int quic_addr_set(QuicAddr *a, const ngtcp2_sockaddr *sa, ngtcp2_socklen len) {
        if (!a || !sa)
                return -EINVAL;
        switch (sa->sa_family) {
        case AF_INET:
                if (len != sizeof(ngtcp2_sockaddr_in))
                        return -EINVAL;
                break;
        case AF_INET6:
                if (len != sizeof(ngtcp2_sockaddr_in6))
                        return -EINVAL;
                break;
        default:
                return -EAFNOSUPPORT;
        }
        memset(a, 0, sizeof *a);
        memcpy(&a->sa, sa, len);
        a->len = len;
        return 0;
}

bool quic_addr_equal(const QuicAddr *a, const QuicAddr *b) {
        return a && b && a->len == b->len && memcmp(&a->sa, &b->sa, a->len) == 0;
}

/* Copies a reason for QuicCloseInfo: at most QUIC_CLOSE_REASON_MAX bytes,
 * not ending inside a UTF-8 sequence, control characters replaced, since it
 * may come from the peer and end up in a log line or a dialog. */
static void reason_copy(char *dst, const uint8_t *src, size_t len) {
        size_t n = MIN(len, (size_t) QUIC_CLOSE_REASON_MAX);

        if (n < len)
                while (n > 0 && (src[n] & 0xC0) == 0x80)
                        n--;
        for (size_t i = 0; i < n; i++)
                dst[i] = (src[i] < 0x20 || src[i] == 0x7f) ? '?' : (char) src[i];
        dst[n] = 0;
}

static void conn_set_fail(QuicConn *c, QuicCloseKind kind, const char *reason) {
        if (c->fail_set)
                return;
        c->fail_set = true;
        c->fail_kind = kind;
        reason_copy(c->fail_reason, (const uint8_t *) reason, strlen(reason));
}

/* Asks for a close from a place where ngtcp2 must not be re-entered (its
 * callbacks); quic_conn_close() semantics, done when the call unwinds. */
static void conn_request_close(QuicConn *c, uint64_t code, const char *reason) {
        if (c->close_requested)
                return;
        c->close_requested = true;
        c->close_code = code;
        c->close_linger_deadline = 0; /* protocol errors do not wait for acks */
        reason_copy(c->close_reason, (const uint8_t *) reason, strlen(reason));
}

static void conn_send(QuicConn *c, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        int r = -ENOTCONN;

        c->counters.packets_tx++;
        c->counters.bytes_tx += len;
        if (c->cb.send)
                r = c->cb.send(c->send_userdata, path, data, len);
        if (r < 0)
                c->counters.send_errors++;
}

static void conn_set_closed(QuicConn *c, QuicState state, const QuicCloseInfo *info, uint64_t now) {
        c->state = state;
        if (state == QUIC_STATE_CLOSING || state == QUIC_STATE_DRAINING)
                /* RFC 9000 10.2: three times the current PTO. */
                c->close_deadline = now + 3 * ngtcp2_conn_get_pto(c->conn);
        if (!c->closed_delivered && !c->notify_closed) {
                c->close_info = *info;
                c->notify_closed = true;
        }
        /* Nothing queued can go anywhere now. */
        fair_queue_clear(c->dq);
}

/* Writes CONNECTION_CLOSE with ccerr, keeps the packet for the closing
 * period and reports `info`. */
static void conn_close_with(QuicConn *c, const QuicCcerr *ccerr, const QuicCloseInfo *info, uint64_t now) {
        ngtcp2_path_storage ps;
        ngtcp2_pkt_info pi;
        ngtcp2_ssize n;

        if (!c->close_pkt)
                c->close_pkt = malloc(NGTCP2_MAX_UDP_PAYLOAD_SIZE);
        if (!c->close_pkt) {
                conn_set_closed(c, QUIC_STATE_DEAD, info, now);
                return;
        }

        ngtcp2_path_storage_zero(&ps);
        n = ngtcp2_conn_write_connection_close(c->conn, &ps.path, &pi, c->close_pkt, NGTCP2_MAX_UDP_PAYLOAD_SIZE,
                                               ccerr, now);
        if (n <= 0) {
                /* Nothing to say (e.g. before any key exists): just go. */
                conn_set_closed(c, QUIC_STATE_DEAD, info, now);
                return;
        }
        c->close_pkt_len = (size_t) n;
        conn_send(c, &ps.path, c->close_pkt, c->close_pkt_len);
        conn_set_closed(c, QUIC_STATE_CLOSING, info, now);
}

static void conn_close_app(QuicConn *c, uint64_t now) {
        QuicCcerr ccerr;
        QuicCloseInfo info = {
                .kind = QUIC_CLOSE_APPLICATION,
                .remote = false,
                .app_error = true,
                .error_code = c->close_code,
        };

        memcpy(info.reason, c->close_reason, sizeof info.reason);
        quic_ccerr_default(&ccerr);
        quic_ccerr_set_application_error(&ccerr, c->close_code, (const uint8_t *) c->close_reason,
                                         strlen(c->close_reason));
        conn_close_with(c, &ccerr, &info, now);
}

/* NGTCP2_ERR_DRAINING: the peer closed, or reset us statelessly; we stay
 * silent and only record why. */
static void conn_peer_closed(QuicConn *c, QuicCloseInfo *info, uint64_t now) {
        QuicCcerr rx;

        quic_compat_get_peer_ccerr(c->conn, &rx);
        info->remote = true;
        if (c->reset_received) {
                info->kind = QUIC_CLOSE_STATELESS_RESET;
                snprintf(info->reason, sizeof info->reason, "stateless reset");
        } else {
                info->app_error = rx.type == QUIC_CCERR_TYPE_APPLICATION;
                info->error_code = rx.error_code;
                reason_copy(info->reason, rx.reason ? rx.reason : (const uint8_t *) "", rx.reasonlen);
                if (info->app_error)
                        info->kind = QUIC_CLOSE_APPLICATION;
                else if (c->state == QUIC_STATE_HANDSHAKE)
                        info->kind = QUIC_CLOSE_HANDSHAKE_FAILED;
                else
                        info->kind = QUIC_CLOSE_TRANSPORT;
        }
        conn_set_closed(c, QUIC_STATE_DRAINING, info, now);
}

/* NGTCP2_ERR_CRYPTO: the alert TLS raised goes to the peer; a failed pin or
 * chain check is named as such for the owner. */
static void conn_tls_failed(QuicConn *c, QuicCcerr *ccerr, QuicCloseInfo *info) {
        uint8_t alert = ngtcp2_conn_get_tls_alert(c->conn);

        quic_ccerr_set_tls_alert(ccerr, alert, NULL, 0);
        info->error_code = ccerr->error_code;
        switch (c->tls.verify) {
        case QUIC_TLS_VERIFY_PIN_MISMATCH:
                info->kind = QUIC_CLOSE_PIN_MISMATCH;
                break;
        case QUIC_TLS_VERIFY_UNTRUSTED:
                info->kind = QUIC_CLOSE_CERT_UNTRUSTED;
                break;
        default:
                info->kind = QUIC_CLOSE_HANDSHAKE_FAILED;
        }
        if (info->kind != QUIC_CLOSE_HANDSHAKE_FAILED)
                snprintf(info->reason, sizeof info->reason, "%s", c->tls.message);
        else
                snprintf(info->reason, sizeof info->reason, "TLS handshake failed (alert %u)", alert);
}

/* Whatever an ngtcp2 call returned that is not success. */
static void conn_handle_liberr(QuicConn *c, int rv, uint64_t now) {
        QuicCcerr ccerr;
        QuicCloseInfo info = {.kind = QUIC_CLOSE_TRANSPORT};

        if (c->state >= QUIC_STATE_CLOSING)
                return;

        quic_ccerr_default(&ccerr);

        switch (rv) {
        case NGTCP2_ERR_DRAINING:
                conn_peer_closed(c, &info, now);
                return;

        case NGTCP2_ERR_IDLE_CLOSE:
                /* RFC 9000 10.1: an idle timeout closes silently. */
                info.kind = QUIC_CLOSE_IDLE_TIMEOUT;
                snprintf(info.reason, sizeof info.reason, "idle timeout");
                conn_set_closed(c, QUIC_STATE_DEAD, &info, now);
                return;

        case NGTCP2_ERR_RECV_VERSION_NEGOTIATION:
                info.kind = QUIC_CLOSE_VERSION_NEGOTIATION;
                info.remote = true;
                snprintf(info.reason, sizeof info.reason, "server does not support QUIC version 1");
                conn_set_closed(c, QUIC_STATE_DEAD, &info, now);
                return;

        case NGTCP2_ERR_DROP_CONN:
        case NGTCP2_ERR_RETRY:
                /* Server side: ngtcp2 wants the state gone without a word. */
                snprintf(info.reason, sizeof info.reason, "%s", ngtcp2_strerror(rv));
                conn_set_closed(c, QUIC_STATE_DEAD, &info, now);
                return;

        case NGTCP2_ERR_CRYPTO:
                conn_tls_failed(c, &ccerr, &info);
                break;

        case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
                quic_ccerr_set_liberr(&ccerr, rv, NULL, 0);
                info.kind = QUIC_CLOSE_HANDSHAKE_FAILED;
                info.error_code = ccerr.error_code;
                snprintf(info.reason, sizeof info.reason, "handshake timed out");
                break;

        case NGTCP2_ERR_CALLBACK_FAILURE:
                if (c->fail_set && c->fail_kind == QUIC_CLOSE_HANDSHAKE_FAILED)
                        quic_ccerr_set_tls_alert(&ccerr, TLS_ALERT_NO_APPLICATION_PROTOCOL, NULL, 0);
                else
                        quic_ccerr_set_transport_error(&ccerr, NGTCP2_INTERNAL_ERROR, NULL, 0);
                info.error_code = ccerr.error_code;
                info.kind = c->fail_set ? c->fail_kind : QUIC_CLOSE_TRANSPORT;
                snprintf(info.reason, sizeof info.reason, "%s",
                         c->fail_set ? c->fail_reason : "internal error");
                break;

        default:
                quic_ccerr_set_liberr(&ccerr, rv, NULL, 0);
                info.error_code = ccerr.error_code;
                info.kind = c->state == QUIC_STATE_HANDSHAKE ? QUIC_CLOSE_HANDSHAKE_FAILED : QUIC_CLOSE_TRANSPORT;
                snprintf(info.reason, sizeof info.reason, "%s", ngtcp2_strerror(rv));
        }

        conn_close_with(c, &ccerr, &info, now);
}

/* ---- deferral ------------------------------------------------------------ */

static void conn_free_now(QuicConn *c);

/* Returns the time to use for this call: owners read their clock once per
 * batch and may hand an older reading to a later call, but time must never
 * go back for ngtcp2 (1.x asserts it, 0.12 silently misreads RTTs and
 * timers). */
static uint64_t conn_enter(QuicConn *c, uint64_t now) {
        c->busy++;
        if (now > c->last_now)
                c->last_now = now;
        return c->last_now;
}

static bool conn_close_ready(QuicConn *c, uint64_t now) {
        return c->state == QUIC_STATE_HANDSHAKE || c->s_acked == c->s_end || c->stream_id < 0 ||
               now >= c->close_linger_deadline;
}

static void conn_flush_handshake_notice(QuicConn *c);

/* Leaves a public entry point. The outermost one runs what callbacks
 * deferred, then frees if asked to; callers must not touch c afterwards. */
static void conn_leave(QuicConn *c) {
        if (c->busy > 1) {
                c->busy--;
                return;
        }

        for (;;) {
                if (c->notify_handshake) {
                        conn_flush_handshake_notice(c);
                        continue;
                }
                if (c->close_requested && c->state <= QUIC_STATE_ESTABLISHED &&
                    conn_close_ready(c, c->last_now)) {
                        conn_close_app(c, c->last_now);
                        continue;
                }
                if (c->notify_closed) {
                        c->notify_closed = false;
                        c->closed_delivered = true;
                        if (c->cb.closed)
                                c->cb.closed(c, &c->close_info, c->userdata);
                        continue;
                }
                break;
        }

        c->busy = 0;
        if (c->hooks.changed)
                c->hooks.changed(c->hooks.server, c, c->last_now);
        if (c->free_requested)
                conn_free_now(c);
}

/* ---- control stream buffer ------------------------------------------------ */

static size_t sbuf_unsent_vecs(QuicConn *c, ngtcp2_vec v[static 2]) {
        uint64_t unsent = c->s_end - c->s_sent;
        size_t pos, first;

        if (unsent == 0)
                return 0;
        pos = (size_t) ((c->s_sent - c->s_base) % c->sbuf_size);
        first = (size_t) MIN(unsent, (uint64_t) (c->sbuf_size - pos));
        v[0] = (ngtcp2_vec){.base = c->sbuf + pos, .len = first};
        if (first == unsent)
                return 1;
        v[1] = (ngtcp2_vec){.base = c->sbuf, .len = (size_t) (unsent - first)};
        return 2;
}

size_t quic_conn_control_send_space(QuicConn *c) {
        if (!c)
                return 0;
        return c->sbuf_size - (size_t) (c->s_end - c->s_acked);
}

int quic_conn_send_control(QuicConn *c, const void *data, size_t len) {
        const uint8_t *p = data;
        size_t pos, first;

        if (!c || (!data && len > 0))
                return -EINVAL;
        if (c->state > QUIC_STATE_ESTABLISHED || c->close_requested)
                return -ENOTCONN;
        if (len == 0)
                return 0;
        if (len > quic_conn_control_send_space(c))
                return -ENOBUFS;

        if (c->s_acked == c->s_end)
                c->s_base = c->s_end;
        pos = (size_t) ((c->s_end - c->s_base) % c->sbuf_size);
        first = MIN(len, c->sbuf_size - pos);
        memcpy(c->sbuf + pos, p, first);
        memcpy(c->sbuf, p + first, len - first);
        c->s_end += len;
        return 0;
}

void quic_conn_consume_control(QuicConn *c, size_t n) {
        if (!c || !c->conn || n == 0 || c->stream_id < 0 || c->state > QUIC_STATE_ESTABLISHED)
                return;
        (void) ngtcp2_conn_extend_max_stream_offset(c->conn, c->stream_id, n);
        ngtcp2_conn_extend_max_offset(c->conn, n);
}

/* ---- ngtcp2 callbacks ------------------------------------------------------ */

static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *ref) {
        QuicConn *c = ref->user_data;
        return c->conn;
}

static void cb_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx) {
        (void) ctx;
        (void) gnutls_rnd(GNUTLS_RND_NONCE, dest, len);
}

static int cb_get_new_connection_id(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen,
                                    void *user_data) {
        QuicConn *c = user_data;

        if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, cidlen) != 0)
                return NGTCP2_ERR_CALLBACK_FAILURE;
        cid->datalen = cidlen;

        if (c->hooks.reset_secret) {
                if (ngtcp2_crypto_generate_stateless_reset_token(token, c->hooks.reset_secret,
                                                                 c->hooks.reset_secret_len, cid) != 0)
                        return NGTCP2_ERR_CALLBACK_FAILURE;
        } else if (gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN) != 0)
                return NGTCP2_ERR_CALLBACK_FAILURE;

        if (c->hooks.cid_add && c->hooks.cid_add(c->hooks.server, c, cid) < 0)
                return NGTCP2_ERR_CALLBACK_FAILURE;
        return 0;
}

static int cb_remove_connection_id(ngtcp2_conn *conn, const ngtcp2_cid *cid, void *user_data) {
        QuicConn *c = user_data;

        if (c->hooks.cid_remove)
                c->hooks.cid_remove(c->hooks.server, c, cid);
        return 0;
}

static int cb_handshake_completed(ngtcp2_conn *conn, void *user_data) {
        QuicConn *c = user_data;

        if (!c->is_server) {
                /* GnuTLS only gets here after the verify function agreed, but a
                 * handshake that never showed a certificate must not pass. */
                if (c->tls.verify != QUIC_TLS_VERIFY_OK) {
                        conn_set_fail(c, QUIC_CLOSE_CERT_UNTRUSTED, "relay certificate was not verified");
                        return NGTCP2_ERR_CALLBACK_FAILURE;
                }
        }
        if (quic_tls_check_alpn(&c->tls) < 0) {
                conn_set_fail(c, QUIC_CLOSE_HANDSHAKE_FAILED, "peer does not speak " QUIC_TLS_ALPN);
                return NGTCP2_ERR_CALLBACK_FAILURE;
        }

        c->state = QUIC_STATE_ESTABLISHED;
        c->notify_handshake = true;
        return 0;
}

/* The owner must hear of the handshake before any data of the connection:
 * a client's first 1-RTT packet (its HELLO) can share a UDP datagram with
 * its Finished, and then ngtcp2 hands us the stream data within the same
 * read, before conn_leave() would have delivered the deferred notice. */
static void conn_flush_handshake_notice(QuicConn *c) {
        if (!c->notify_handshake)
                return;
        c->notify_handshake = false;
        if (c->cb.handshake_completed && c->state == QUIC_STATE_ESTABLISHED)
                c->cb.handshake_completed(c, c->userdata);
}

static int cb_extend_max_local_streams_bidi(ngtcp2_conn *conn, uint64_t max_streams, void *user_data) {
        QuicConn *c = user_data;
        int64_t id;

        if (c->is_server || c->stream_id >= 0)
                return 0;
        if (ngtcp2_conn_open_bidi_stream(conn, &id, NULL) != 0)
                return 0; /* not yet allowed; called again when it is */
        c->stream_id = id;
        return 0;
}

static int cb_stream_open(ngtcp2_conn *conn, int64_t stream_id, void *user_data) {
        QuicConn *c = user_data;

        /* Only the client's first bidirectional stream is ours to accept. */
        if (c->is_server && stream_id == 0 && c->stream_id < 0) {
                c->stream_id = 0;
                return 0;
        }
        conn_request_close(c, QUIC_APP_ERROR_PROTOCOL, "only the control stream is allowed");
        return 0;
}

static int cb_recv_stream_data(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id, uint64_t offset,
                               const uint8_t *data, size_t len, void *user_data, void *stream_user_data) {
        QuicConn *c = user_data;

        if (stream_id != c->stream_id)
                return 0;

        if (len > 0) {
                conn_flush_handshake_notice(c);
                c->counters.control_bytes_rx += len;
                if (c->cb.control_received)
                        c->cb.control_received(c, data, len, c->userdata);
        }
        if (flags & NGTCP2_STREAM_DATA_FLAG_FIN)
                conn_request_close(c, QUIC_APP_ERROR_PROTOCOL, "control stream ended");
        return 0;
}

static int cb_acked_stream_data_offset(ngtcp2_conn *conn, int64_t stream_id, uint64_t offset, uint64_t len,
                                       void *user_data, void *stream_user_data) {
        QuicConn *c = user_data;

        if (stream_id != c->stream_id)
                return 0;
        /* ngtcp2 reports the contiguously acked prefix growing. */
        if (offset + len > c->s_acked && offset + len <= c->s_sent)
                c->s_acked = offset + len;
        return 0;
}

/* The control stream lives as long as the connection: losing it ends the
 * connection, `why` says how it went. */
static int conn_control_stream_lost(QuicConn *c, int64_t stream_id, const char *why) {
        if (stream_id == c->stream_id)
                conn_request_close(c, QUIC_APP_ERROR_PROTOCOL, why);
        return 0;
}

static int cb_stream_close(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id, uint64_t app_error_code,
                           void *user_data, void *stream_user_data) {
        return conn_control_stream_lost(user_data, stream_id, "control stream closed");
}

static int cb_stream_reset(ngtcp2_conn *conn, int64_t stream_id, uint64_t final_size, uint64_t app_error_code,
                           void *user_data, void *stream_user_data) {
        return conn_control_stream_lost(user_data, stream_id, "control stream reset");
}

static int cb_stream_stop_sending(ngtcp2_conn *conn, int64_t stream_id, uint64_t app_error_code,
                                  void *user_data, void *stream_user_data) {
        return cb_stream_reset(conn, stream_id, 0, app_error_code, user_data, stream_user_data);
}

static int cb_recv_datagram(ngtcp2_conn *conn, uint32_t flags, const uint8_t *data, size_t len,
                            void *user_data) {
        QuicConn *c = user_data;

        c->counters.datagrams_rx++;
        conn_flush_handshake_notice(c);
        if (c->cb.datagram_received)
                c->cb.datagram_received(c, data, len, c->userdata);
        return 0;
}

static int cb_recv_stateless_reset(ngtcp2_conn *conn, const ngtcp2_pkt_stateless_reset *sr, void *user_data) {
        QuicConn *c = user_data;

        c->reset_received = true;
        return 0;
}

_printf_(2, 3) static void cb_log_printf(void *user_data, const char *format, ...) {
        char buf[512];
        va_list ap;

        va_start(ap, format);
        vsnprintf(buf, sizeof buf, format, ap);
        va_end(ap);
        log_debug("ngtcp2: %s", buf);
}

/* What clients and servers share; quic_callbacks_fill() adds each side's own. */
static const ngtcp2_callbacks quic_shared_callbacks = {
        .handshake_completed = cb_handshake_completed,
        .encrypt = ngtcp2_crypto_encrypt_cb,
        .decrypt = ngtcp2_crypto_decrypt_cb,
        .hp_mask = ngtcp2_crypto_hp_mask_cb,
        .recv_stream_data = cb_recv_stream_data,
        .acked_stream_data_offset = cb_acked_stream_data_offset,
        .stream_open = cb_stream_open,
        .stream_close = cb_stream_close,
        .rand = cb_rand,
        .get_new_connection_id = cb_get_new_connection_id,
        .remove_connection_id = cb_remove_connection_id,
        .update_key = ngtcp2_crypto_update_key_cb,
        .stream_reset = cb_stream_reset,
        .delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
        .delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
        .recv_datagram = cb_recv_datagram,
        .get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb,
        .stream_stop_sending = cb_stream_stop_sending,
        .version_negotiation = ngtcp2_crypto_version_negotiation_cb,
};

/* TLS alert unexpected_message (RFC 8446). */
#define TLS_ALERT_UNEXPECTED_MESSAGE 10

/* A server's TLS session is gone once its handshake is complete
 * (conn_release_tls()). No client has anything to say to TLS after that
 * (RFC 9001 forbids KeyUpdate messages; we send no tickets), so new CRYPTO
 * data then is refused as TLS would refuse an unexpected message. */
static int cb_server_recv_crypto_data(ngtcp2_conn *conn, QuicCryptoLevel crypto_level, uint64_t offset,
                                      const uint8_t *data, size_t datalen, void *user_data) {
        QuicConn *c = user_data;

        if (!quic_tls_has_session(&c->tls)) {
                ngtcp2_conn_set_tls_alert(conn, TLS_ALERT_UNEXPECTED_MESSAGE);
                return NGTCP2_ERR_CRYPTO;
        }
        return ngtcp2_crypto_recv_crypto_data_cb(conn, crypto_level, offset, data, datalen, user_data);
}

/* ngtcp2 copies the callbacks into the connection: *ret may be on the stack. */
static void quic_callbacks_fill(ngtcp2_callbacks *ret, bool server) {
        *ret = quic_shared_callbacks;
        if (server) {
                ret->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
                ret->recv_crypto_data = cb_server_recv_crypto_data;
                return;
        }
        ret->client_initial = ngtcp2_crypto_client_initial_cb;
        ret->recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
        ret->recv_stateless_reset = cb_recv_stateless_reset;
        ret->recv_retry = ngtcp2_crypto_recv_retry_cb;
        ret->extend_max_local_streams_bidi = cb_extend_max_local_streams_bidi;
}

/* ---- life cycle ------------------------------------------------------------ */

static void settings_resolve(QuicSettings *s) {
        if (s->idle_timeout == 0)
                s->idle_timeout = QUIC_IDLE_TIMEOUT_DEFAULT;
        if (s->keepalive == 0)
                s->keepalive = QUIC_KEEPALIVE_DEFAULT;
        if (s->handshake_timeout == 0)
                s->handshake_timeout = QUIC_HANDSHAKE_TIMEOUT_DEFAULT;
        if (s->control_send_buffer == 0)
                s->control_send_buffer = QUIC_CONTROL_SEND_BUFFER_DEFAULT;
}

static int conn_alloc(QuicConn **ret, const QuicSettings *settings, const QuicConnCallbacks *cb, void *userdata,
                      void *send_userdata, const QuicAddr *local, const QuicAddr *remote) {
        QuicConn *c;

        if (!settings || !cb || !local || !remote || local->len == 0 || remote->len == 0)
                return -EINVAL;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;

        c->settings = *settings;
        settings_resolve(&c->settings);
        c->cb = *cb;
        c->userdata = userdata;
        c->send_userdata = send_userdata;
        c->local = *local;
        c->remote = *remote;
        c->stream_id = -1;
        c->state = QUIC_STATE_HANDSHAKE;

        c->sbuf_size = c->settings.control_send_buffer;
        c->sbuf = malloc(c->sbuf_size);
        if (!c->sbuf) {
                free(c);
                return -ENOMEM;
        }

        *ret = c;
        return 0;
}

/* What both sides do once ngtcp2_conn_{client,server}_new() returned `rv`. */
static int conn_attach(QuicConn *c, int rv) {
        if (rv != 0)
                return rv == NGTCP2_ERR_NOMEM ? -ENOMEM : -EINVAL;
        ngtcp2_conn_set_tls_native_handle(c->conn, c->tls.session);
        if (c->settings.keepalive != UINT64_MAX)
                ngtcp2_conn_set_keep_alive_timeout(c->conn, c->settings.keepalive);
        return 0;
}

static void conn_fill_settings(QuicConn *c, ngtcp2_settings *s, uint64_t now) {
        ngtcp2_settings_default(s);
        s->initial_ts = now;
        s->handshake_timeout = c->settings.handshake_timeout;
        s->max_tx_udp_payload_size = QUIC_MAX_UDP_PAYLOAD;
        s->cc_algo = QUIC_CC_ALGO;
        if (c->settings.trace)
                s->log_printf = cb_log_printf;
}

static void conn_fill_params(QuicConn *c, ngtcp2_transport_params *p) {
        ngtcp2_transport_params_default(p);
        /* Exactly one bidirectional stream, opened by the client; nothing
         * else may be opened by either side. */
        if (c->is_server) {
                p->initial_max_streams_bidi = 1;
                p->initial_max_stream_data_bidi_remote = QUIC_CONTROL_WINDOW;
        } else
                p->initial_max_stream_data_bidi_local = QUIC_CONTROL_WINDOW;
        p->initial_max_streams_uni = 0;
        p->initial_max_data = QUIC_CONTROL_WINDOW;
        p->max_idle_timeout = c->settings.idle_timeout;
        p->max_datagram_frame_size = QUIC_MAX_DATAGRAM_FRAME_SIZE;
        p->active_connection_id_limit = QUIC_ACTIVE_CID_LIMIT;
}

static void conn_path(const QuicAddr *local, const QuicAddr *remote, ngtcp2_path *path) {
        *path = (ngtcp2_path){
                .local = {.addr = (ngtcp2_sockaddr *) &local->sa.sa, .addrlen = local->len},
                .remote = {.addr = (ngtcp2_sockaddr *) &remote->sa.sa, .addrlen = remote->len},
        };
}

static int random_cid(ngtcp2_cid *cid) {
        uint8_t data[QUIC_CID_LEN];

        if (gnutls_rnd(GNUTLS_RND_RANDOM, data, sizeof data) != 0)
                return -EIO;
        ngtcp2_cid_init(cid, data, sizeof data);
        return 0;
}

int quic_conn_new_client(QuicConn **ret, const QuicClientConfig *config, const QuicAddr *local,
                         const QuicAddr *remote, uint64_t now) {
        _cleanup_(quic_conn_freep) QuicConn *c = NULL;
        ngtcp2_settings settings;
        ngtcp2_transport_params params;
        ngtcp2_callbacks callbacks;
        ngtcp2_cid dcid, scid;
        ngtcp2_path path;
        int r;

        if (!ret || !config)
                return -EINVAL;

        r = conn_alloc(&c, &config->settings, &config->callbacks, config->userdata, config->send_userdata, local,
                       remote);
        if (r < 0)
                return r;
        c->is_server = false;
        c->last_now = now;

        r = quic_tls_client_init(&c->tls, &config->tls);
        if (r < 0)
                return r;
        c->tls.conn_ref = (ngtcp2_crypto_conn_ref){.get_conn = get_conn, .user_data = c};

        if (random_cid(&dcid) < 0 || random_cid(&scid) < 0)
                return -EIO;
        c->client_initial_dcid = dcid;

        conn_fill_settings(c, &settings, now);
        conn_fill_params(c, &params);
        conn_path(&c->local, &c->remote, &path);

        quic_callbacks_fill(&callbacks, false);
        r = ngtcp2_conn_client_new(&c->conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &callbacks, &settings,
                                   &params, NULL, c);
        r = conn_attach(c, r);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(QuicConn *, quic_conn_free_server);

int quic_conn_new_server(QuicConn **ret, const QuicServerConnConfig *config, const ngtcp2_pkt_hd *hd,
                         const QuicAddr *local, const QuicAddr *remote, uint64_t now) {
        _cleanup_(quic_conn_free_serverp) QuicConn *c = NULL;
        ngtcp2_settings settings;
        ngtcp2_transport_params params;
        ngtcp2_callbacks callbacks;
        ngtcp2_cid scid;
        ngtcp2_path path;
        int r;

        if (!ret || !config || !hd || !config->credentials || !config->hooks.reset_secret)
                return -EINVAL;

        r = conn_alloc(&c, &config->settings, &config->callbacks, config->userdata, config->send_userdata, local,
                       remote);
        if (r < 0)
                return r;
        c->is_server = true;
        c->hooks = config->hooks;
        c->tls_exporter_label = config->tls_exporter_label;
        c->tls_exporter_size = config->tls_exporter_size;
        c->last_now = now;
        c->client_initial_dcid = hd->dcid;

        r = quic_tls_server_init(&c->tls, config->credentials);
        if (r < 0)
                return r;
        c->tls.conn_ref = (ngtcp2_crypto_conn_ref){.get_conn = get_conn, .user_data = c};

        r = random_cid(&scid);
        if (r < 0)
                return r;

        conn_fill_settings(c, &settings, now);
        conn_fill_params(c, &params);
        if (config->retry_original_dcid) {
                /* RFC 9000 7.3: the first DCID the client used, and the
                 * one it used after our Retry. */
                quic_compat_set_original_dcid(&params, config->retry_original_dcid);
                params.retry_scid = hd->dcid;
                params.retry_scid_present = 1;
                /* The address is validated: no anti-amplification limit. */
                quic_compat_settings_set_retry_token(&settings, config->retry_token, config->retry_token_len);
        } else
                quic_compat_set_original_dcid(&params, &hd->dcid);
        params.stateless_reset_token_present = 1;
        if (ngtcp2_crypto_generate_stateless_reset_token(params.stateless_reset_token, c->hooks.reset_secret,
                                                         c->hooks.reset_secret_len, &scid) != 0)
                return -EIO;
        conn_path(&c->local, &c->remote, &path);

        quic_callbacks_fill(&callbacks, true);
        r = ngtcp2_conn_server_new(&c->conn, &hd->scid, &scid, &path, hd->version, &callbacks, &settings, &params,
                                   NULL, c);
        r = conn_attach(c, r);
        if (r < 0)
                return r;

        if (c->hooks.cid_add) {
                r = c->hooks.cid_add(c->hooks.server, c, &hd->dcid);
                if (r < 0)
                        return r;
                r = c->hooks.cid_add(c->hooks.server, c, &scid);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(c);
        return 0;
}

static void conn_free_now(QuicConn *c) {
        if (c->conn)
                ngtcp2_conn_del(c->conn);
        quic_tls_done(&c->tls);
        free(c->sbuf);
        fair_queue_free(c->dq);
        free(c->close_pkt);
        free(c);
}

QuicConn *quic_conn_free(QuicConn *c) {
        if (!c)
                return NULL;
        if (c->is_server && c->hooks.server) {
                log_debug("quic_conn_free() on a server connection, ignoring: the endpoint owns it.");
                return NULL;
        }
        if (c->busy > 0) {
                c->free_requested = true;
                return NULL;
        }
        conn_free_now(c);
        return NULL;
}

QuicConn *quic_conn_free_server(QuicConn *c) {
        if (!c)
                return NULL;

        if (c->hooks.cid_remove) {
                c->hooks.cid_remove(c->hooks.server, c, &c->client_initial_dcid);
                if (c->conn) {
                        size_t n = quic_compat_get_num_scid(c->conn);
                        _cleanup_free_ ngtcp2_cid *scids = n > 0 ? calloc(n, sizeof *scids) : NULL;

                        if (scids) {
                                n = ngtcp2_conn_get_scid(c->conn, scids);
                                for (size_t i = 0; i < n; i++)
                                        c->hooks.cid_remove(c->hooks.server, c, &scids[i]);
                        }
                }
        }
        conn_free_now(c);
        return NULL;
}

void quic_conn_set_userdata(QuicConn *c, void *userdata) {
        if (c)
                c->userdata = userdata;
}

void *quic_conn_get_userdata(QuicConn *c) {
        return c ? c->userdata : NULL;
}

/* ---- packets in and out ---------------------------------------------------- */

/* Called after the read that completed a server's handshake, when GnuTLS
 * has returned: from here on ngtcp2 needs only the keys it holds. */
static void conn_release_tls(QuicConn *c) {
        int r;

        r = quic_tls_release_session(&c->tls, c->tls_exporter_label, c->tls_exporter_size);
        if (r < 0) {
                log_debug_errno(r, "Failed to keep the TLS exporter, keeping the TLS session: %m");
                return;
        }
        ngtcp2_conn_set_tls_native_handle(c->conn, NULL);
}

/* ngtcp2 validates and follows a migrating peer, and a client's own
 * migration; keep our copy of the current path in step, for
 * quic_conn_get_remote() and the next packet's path. */
static void conn_sync_path(QuicConn *c, const QuicAddr *local, const QuicAddr *remote) {
        const ngtcp2_path *cur;

        if (quic_addr_equal(local, &c->local) && quic_addr_equal(remote, &c->remote))
                return;
        cur = ngtcp2_conn_get_path(c->conn);
        (void) quic_addr_set(&c->local, cur->local.addr, cur->local.addrlen);
        (void) quic_addr_set(&c->remote, cur->remote.addr, cur->remote.addrlen);
}

int quic_conn_read_packet(QuicConn *c, const QuicAddr *remote, const uint8_t *data, size_t len, uint64_t now) {
        QuicAddr local;

        if (!c)
                return -EINVAL;
        local = c->local;
        return quic_conn_read_packet_at(c, &local, remote, data, len, now);
}

int quic_conn_read_packet_at(QuicConn *c, const QuicAddr *local, const QuicAddr *remote, const uint8_t *data,
                             size_t len, uint64_t now) {
        ngtcp2_pkt_info pi = {0};
        ngtcp2_path path;
        int rv;

        if (!c || !local || local->len == 0 || !remote || remote->len == 0 || (!data && len > 0))
                return -EINVAL;
        if (len == 0)
                return 0;

        now = conn_enter(c, now);
        c->counters.packets_rx++;
        c->counters.bytes_rx += len;

        switch (c->state) {
        case QUIC_STATE_CLOSING:
                /* Answer with the same CONNECTION_CLOSE, backing off
                 * exponentially so a flood cannot turn us into a reflector. */
                c->close_rx++;
                if (c->close_pkt && (c->close_rx & (c->close_rx - 1)) == 0)
                        conn_send(c, ngtcp2_conn_get_path(c->conn), c->close_pkt, c->close_pkt_len);
                break;
        case QUIC_STATE_DRAINING:
        case QUIC_STATE_DEAD:
                break;
        default:
                conn_path(local, remote, &path);
                rv = ngtcp2_conn_read_pkt(c->conn, &path, &pi, data, len, now);
                if (rv == 0 && c->is_server && c->state == QUIC_STATE_ESTABLISHED && quic_tls_has_session(&c->tls))
                        conn_release_tls(c);
                if (rv != 0)
                        conn_handle_liberr(c, rv, now);
                else
                        conn_sync_path(c, local, remote);
        }

        conn_leave(c);
        return 0;
}

/* Places one datagram, sending any packets ngtcp2 fills with other frames
 * first. Returns 0 (with *ret_accepted) or an ngtcp2 error. */
static int conn_write_datagram(QuicConn *c, const uint8_t *data, size_t len, uint64_t now, bool *ret_accepted,
                               unsigned *n_sent) {
        uint8_t buf[QUIC_MAX_UDP_PAYLOAD];

        *ret_accepted = false;
        for (unsigned i = 0; i < QUIC_DATAGRAM_WRITE_TRIES; i++) {
                ngtcp2_vec v = {.base = (uint8_t *) (uintptr_t) data, .len = len};
                ngtcp2_path_storage ps;
                ngtcp2_pkt_info pi;
                ngtcp2_ssize n;
                int accepted = 0;

                ngtcp2_path_storage_zero(&ps);
                /* An empty datagram is no vector at all: ngtcp2 asserts
                 * that every vector it copies has bytes. */
                n = ngtcp2_conn_writev_datagram(c->conn, &ps.path, &pi, buf, sizeof buf, &accepted,
                                                NGTCP2_WRITE_DATAGRAM_FLAG_NONE, 0, &v, len > 0 ? 1 : 0, now);
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        return 0; /* congestion window or pacing */
                conn_send(c, &ps.path, buf, (size_t) n);
                (*n_sent)++;
                if (accepted) {
                        c->counters.datagrams_tx++;
                        *ret_accepted = true;
                        return 0;
                }
        }
        return 0;
}

static size_t dq_count(const QuicConn *c) {
        return fair_queue_packets(c->dq);
}

static int dq_push(QuicConn *c, const uint8_t *data, size_t len, uint64_t now) {
        uint32_t flow;
        int r;

        if (!c->dq) {
                c->dq = fair_queue_new();
                if (!c->dq) {
                        c->counters.datagrams_dropped_full++;
                        return -ENOBUFS;
                }
        }
        flow = c->settings.datagram_flow ? c->settings.datagram_flow(data, len) : 0;
        r = fair_queue_push(c->dq, flow, data, len, now);
        if (r < 0) {
                c->counters.datagrams_dropped_full++;
                return -ENOBUFS;
        }
        return 0;
}

/* Writes the queued datagrams, as many to a packet as fit: a relay that
 * queued a read batch's worth for one peer sends it a few packets, not one
 * per frame, and encrypts and sends that much less. Returns 0 or an ngtcp2
 * error. */
static int conn_write_queued_datagrams(QuicConn *c, uint64_t now, unsigned *n_sent) {
        uint8_t buf[QUIC_MAX_UDP_PAYLOAD];
        ngtcp2_path_storage ps;
        ngtcp2_pkt_info pi;
        bool open = false; /* ngtcp2 holds a packet we may add to */
        unsigned tries = 0;

        const uint8_t *d;
        size_t dlen;

        ngtcp2_path_storage_zero(&ps);
        while (fair_queue_peek(c->dq, now, &d, &dlen)) {
                ngtcp2_vec v = {.base = (uint8_t *) (uintptr_t) d, .len = dlen};
                uint32_t flags = dq_count(c) > 1 ? NGTCP2_WRITE_DATAGRAM_FLAG_MORE : NGTCP2_WRITE_DATAGRAM_FLAG_NONE;
                ngtcp2_ssize n;
                int accepted = 0;

                n = ngtcp2_conn_writev_datagram(c->conn, &ps.path, &pi, buf, sizeof buf, &accepted, flags, 0, &v,
                                                v.len > 0 ? 1 : 0, now); /* see conn_write_datagram() */
                if (n == NGTCP2_ERR_WRITE_MORE) {
                        open = true;
                        c->counters.datagrams_tx++;
                        fair_queue_pop(c->dq);
                        tries = 0;
                        continue;
                }
                if (n == NGTCP2_ERR_INVALID_ARGUMENT) {
                        /* The path shrank below it since it was queued: drop
                         * it, after closing the packet we added to. */
                        if (!open) {
                                c->counters.datagrams_dropped_size++;
                                fair_queue_pop(c->dq);
                                continue;
                        }
                        n = 0;
                }
                if (n == 0 && open)
                        /* Close the packet we added to. */
                        n = ngtcp2_conn_writev_stream(c->conn, &ps.path, &pi, buf, sizeof buf, NULL,
                                                      NGTCP2_WRITE_STREAM_FLAG_NONE, -1, NULL, 0, now);
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        return 0; /* congestion window or pacing */
                open = false;
                conn_send(c, &ps.path, buf, (size_t) n);
                (*n_sent)++;
                if (accepted) {
                        c->counters.datagrams_tx++;
                        fair_queue_pop(c->dq);
                        tries = 0;
                } else if (++tries >= QUIC_DATAGRAM_WRITE_TRIES)
                        return 0; /* packets full of other frames; the expiry brings us back */
        }
        return 0;
}

static unsigned conn_write(QuicConn *c, uint64_t now) {
        uint8_t buf[QUIC_MAX_UDP_PAYLOAD];
        unsigned n_sent = 0;
        int rv;

        if (c->state > QUIC_STATE_ESTABLISHED)
                return 0;

        /* With the window full, ngtcp2 would build and refuse a packet per
         * try: in a relay flood that was most of its CPU. ACKs and probes
         * do not need the window; the loop below writes them. */
        if (dq_count(c) > 0 && c->state == QUIC_STATE_ESTABLISHED && ngtcp2_conn_get_cwnd_left(c->conn) > 0) {
                rv = conn_write_queued_datagrams(c, now, &n_sent);
                if (rv < 0) {
                        conn_handle_liberr(c, rv, now);
                        return n_sent;
                }
        }

        c->stream_blocked = false;
        for (unsigned i = 0; i < QUIC_WRITE_BURST_MAX; i++) {
                ngtcp2_vec v[2];
                size_t nv = 0;
                int64_t sid = -1;
                ngtcp2_ssize n, ndatalen = -1;
                ngtcp2_path_storage ps;
                ngtcp2_pkt_info pi;

                if (c->stream_id >= 0 && !c->stream_blocked) {
                        nv = sbuf_unsent_vecs(c, v);
                        if (nv > 0)
                                sid = c->stream_id;
                }

                ngtcp2_path_storage_zero(&ps);
                n = ngtcp2_conn_writev_stream(c->conn, &ps.path, &pi, buf, sizeof buf, &ndatalen,
                                              NGTCP2_WRITE_STREAM_FLAG_NONE, sid, nv > 0 ? v : NULL, nv, now);
                if (n < 0) {
                        if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
                                c->stream_blocked = true;
                                continue;
                        }
                        conn_handle_liberr(c, (int) n, now);
                        return n_sent;
                }
                if (ndatalen > 0) {
                        c->s_sent += (uint64_t) ndatalen;
                        c->counters.control_bytes_tx += (uint64_t) ndatalen;
                }
                if (n == 0)
                        break;
                conn_send(c, &ps.path, buf, (size_t) n);
                n_sent++;
        }

        ngtcp2_conn_update_pkt_tx_time(c->conn, now);
        return n_sent;
}

int quic_conn_write(QuicConn *c, uint64_t now) {
        unsigned n;

        if (!c)
                return -EINVAL;
        now = conn_enter(c, now);
        n = conn_write(c, now);
        conn_leave(c);
        return (int) MIN(n, (unsigned) INT32_MAX);
}

uint64_t quic_conn_get_expiry(QuicConn *c) {
        uint64_t e;

        if (!c)
                return UINT64_MAX;
        switch (c->state) {
        case QUIC_STATE_HANDSHAKE:
        case QUIC_STATE_ESTABLISHED:
                e = ngtcp2_conn_get_expiry(c->conn);
                if (c->close_requested)
                        e = MIN(e, c->close_linger_deadline);
                else if (c->state == QUIC_STATE_ESTABLISHED && dq_count(c) == 0 && c->s_sent == c->s_end &&
                         e < c->last_now + QUIC_TIMER_FLOOR_NS)
                        e = c->last_now + QUIC_TIMER_FLOOR_NS;
                return e;
        case QUIC_STATE_CLOSING:
        case QUIC_STATE_DRAINING:
                return c->close_deadline;
        default:
                return UINT64_MAX;
        }
}

int quic_conn_handle_expiry(QuicConn *c, uint64_t now) {
        unsigned n = 0;
        int rv;

        if (!c)
                return -EINVAL;
        now = conn_enter(c, now);

        switch (c->state) {
        case QUIC_STATE_CLOSING:
        case QUIC_STATE_DRAINING:
                if (now >= c->close_deadline)
                        c->state = QUIC_STATE_DEAD;
                break;
        case QUIC_STATE_HANDSHAKE:
        case QUIC_STATE_ESTABLISHED:
                if (c->close_requested && now >= c->close_linger_deadline)
                        break; /* conn_leave() closes */
                rv = ngtcp2_conn_handle_expiry(c->conn, now);
                if (rv != 0)
                        conn_handle_liberr(c, rv, now);
                else
                        n = conn_write(c, now);
                break;
        default:
                break;
        }

        conn_leave(c);
        return (int) MIN(n, (unsigned) INT32_MAX);
}

int quic_conn_close(QuicConn *c, uint64_t app_error_code, const char *reason, uint64_t now) {
        if (!c)
                return -EINVAL;
        if (c->state > QUIC_STATE_ESTABLISHED || c->close_requested)
                return 0;

        now = conn_enter(c, now);
        c->close_requested = true;
        c->close_code = app_error_code;
        reason_copy(c->close_reason, (const uint8_t *) (reason ? reason : ""), reason ? strlen(reason) : 0);
        /* Let queued control bytes (a REJECT, a DISCONNECT) reach the peer
         * before CONNECTION_CLOSE overtakes them: wait for their ack, at
         * most three PTOs. */
        c->close_linger_deadline = now + 3 * ngtcp2_conn_get_pto(c->conn);
        if (c->busy == 1 && !conn_close_ready(c, now))
                (void) conn_write(c, now);
        conn_leave(c);
        return 0;
}

int quic_conn_send_datagram(QuicConn *c, const void *data, size_t len, uint64_t now) {
        size_t max;
        bool accepted = false;
        unsigned n_sent = 0;
        int r = 0, rv;

        if (!c || (!data && len > 0))
                return -EINVAL;
        if (c->state != QUIC_STATE_ESTABLISHED || c->close_requested)
                return -ENOTCONN;

        max = quic_conn_max_datagram_payload(c);
        if (len > max) {
                c->counters.datagrams_dropped_size++;
                return -EMSGSIZE;
        }

        now = conn_enter(c, now);
        if (c->busy > 1 || dq_count(c) > 0)
                /* Inside one of our callbacks ngtcp2 must not be re-entered,
                 * and queued datagrams go first. */
                r = dq_push(c, data, len, now);
        else {
                rv = conn_write_datagram(c, data, len, now, &accepted, &n_sent);
                if (rv < 0) {
                        conn_handle_liberr(c, rv, now);
                        r = -ENOTCONN;
                } else {
                        if (!accepted)
                                r = dq_push(c, data, len, now);
                        ngtcp2_conn_update_pkt_tx_time(c->conn, now);
                }
        }
        conn_leave(c);
        return r;
}

static size_t conn_datagram_floor(QuicConn *c);

int quic_conn_queue_datagram(QuicConn *c, const void *data, size_t len, uint64_t now) {
        int r;

        if (!c || (!data && len > 0))
                return -EINVAL;
        if (c->state != QUIC_STATE_ESTABLISHED || c->close_requested)
                return -ENOTCONN;
        if (len > conn_datagram_floor(c) && len > quic_conn_max_datagram_payload(c)) {
                c->counters.datagrams_dropped_size++;
                return -EMSGSIZE;
        }
        r = dq_push(c, data, len, now);
        if (r < 0)
                return r;
        quic_conn_want_flush(c);
        return 0;
}

void *quic_conn_get_server_data(QuicConn *c) {
        return c ? c->hooks.conn_data : NULL;
}

void quic_conn_want_flush(QuicConn *c) {
        if (c && c->hooks.write_wanted && !c->flush_listed) {
                c->flush_listed = true;
                c->hooks.write_wanted(c->hooks.server, c);
        }
}

int quic_conn_flush(QuicConn *c, uint64_t now) {
        if (!c)
                return -EINVAL;
        c->flush_listed = false;
        return quic_conn_write(c, now);
}

/* ---- inspection ------------------------------------------------------------- */

static size_t varint_len(uint64_t v) {
        return v < 64 ? 1 : v < 16384 ? 2 : v < (UINT64_C(1) << 30) ? 4 : 8;
}

size_t quic_conn_get_path_udp_payload(QuicConn *c) {
        const ngtcp2_transport_params *p;
        size_t u;

        if (!c || !c->conn)
                return 0;
        u = MIN(ngtcp2_conn_get_path_max_tx_udp_payload_size(c->conn),
                ngtcp2_conn_get_max_tx_udp_payload_size(c->conn));
        p = ngtcp2_conn_get_remote_transport_params(c->conn);
        if (p && p->max_udp_payload_size > 0 && p->max_udp_payload_size < u)
                u = (size_t) p->max_udp_payload_size;
        return u;
}

/* The peer limits the whole DATAGRAM frame: type + length varint + payload. */
static uint64_t datagram_max_by_peer(const ngtcp2_transport_params *p) {
        uint64_t by_peer = 0;

        for (size_t n = 1; n <= 8; n *= 2)
                if (p->max_datagram_frame_size >= 1 + n) {
                        uint64_t l = p->max_datagram_frame_size - 1 - n;
                        if (varint_len(l) <= n)
                                by_peer = MAX(by_peer, l);
                }
        return by_peer;
}

/* Short header: flags, DCID, packet number at its 4-byte worst; then the
 * AEAD tag and the DATAGRAM frame's type and 2-byte length (every payload
 * a path carries is below 16384). */
static size_t datagram_overhead(QuicConn *c, size_t dcid_len) {
        const ngtcp2_crypto_ctx *cc = ngtcp2_conn_get_crypto_ctx(c->conn);
        size_t tag = cc && cc->aead.max_overhead ? cc->aead.max_overhead : 16;

        return 1 + dcid_len + 4 + tag + 1 + 2;
}

size_t quic_conn_max_datagram_payload(QuicConn *c) {
        const ngtcp2_transport_params *p;
        size_t u, overhead, by_path;

        if (!c || c->state != QUIC_STATE_ESTABLISHED)
                return 0;
        p = ngtcp2_conn_get_remote_transport_params(c->conn);
        if (!p || p->max_datagram_frame_size == 0)
                return 0;

        overhead = datagram_overhead(c, ngtcp2_conn_get_dcid(c->conn)->datalen);
        u = quic_conn_get_path_udp_payload(c);
        by_path = u > overhead ? u - overhead : 0;

        return (size_t) MIN((uint64_t) by_path, datagram_max_by_peer(p));
}

/* A lower bound of quic_conn_max_datagram_payload() for the rest of the
 * connection: the path never carries less than QUIC's 1200 bytes (or what
 * the peer allows, if less) and no DCID is longer than 20 bytes. Datagrams
 * below it skip the ngtcp2 queries on the data path. */
static size_t conn_datagram_floor(QuicConn *c) {
        const ngtcp2_transport_params *p;
        size_t u = NGTCP2_MAX_UDP_PAYLOAD_SIZE, overhead;

        if (c->dgram_floor_set)
                return c->dgram_floor;
        if (c->state != QUIC_STATE_ESTABLISHED)
                return 0;
        p = ngtcp2_conn_get_remote_transport_params(c->conn);
        if (!p || p->max_datagram_frame_size == 0)
                return 0;
        if (p->max_udp_payload_size > 0 && p->max_udp_payload_size < u)
                u = (size_t) p->max_udp_payload_size;
        overhead = datagram_overhead(c, NGTCP2_MAX_CIDLEN);
        c->dgram_floor = (size_t) MIN((uint64_t) (u > overhead ? u - overhead : 0), datagram_max_by_peer(p));
        c->dgram_floor_set = true;
        return c->dgram_floor;
}

int quic_conn_get_tls_exporter(QuicConn *c, const char *label, uint8_t *out, size_t len) {
        if (!c || !label || !out || len == 0)
                return -EINVAL;
        if (c->state != QUIC_STATE_ESTABLISHED)
                return -ENOTCONN;
        return quic_tls_export(&c->tls, label, out, len);
}

ngtcp2_conn *quic_conn_get_ngtcp2(QuicConn *c) {
        return c ? c->conn : NULL;
}

QuicState quic_conn_get_state(QuicConn *c) {
        return c ? c->state : _QUIC_STATE_INVALID;
}

bool quic_conn_is_server(QuicConn *c) {
        return c && c->is_server;
}

bool quic_conn_is_dead(QuicConn *c) {
        return !c || c->state == QUIC_STATE_DEAD;
}

const QuicAddr *quic_conn_get_remote(QuicConn *c) {
        return c ? &c->remote : NULL;
}

const QuicAddr *quic_conn_get_local(QuicConn *c) {
        return c ? &c->local : NULL;
}

int quic_conn_migrate(QuicConn *c, const QuicAddr *local, uint64_t now) {
        ngtcp2_path path;
        int rv, r = 0;

        if (!c || !local || local->len == 0)
                return -EINVAL;
        if (c->is_server)
                return -EOPNOTSUPP;
        if (c->state != QUIC_STATE_ESTABLISHED || c->close_requested)
                return -ENOTCONN;
        if (quic_addr_equal(local, &c->local))
                return -EINVAL;
        if (c->busy > 0)
                return -EBUSY; /* not from inside our callbacks: ngtcp2 is not re-entrant */

        now = conn_enter(c, now);
        conn_path(local, &c->remote, &path);
        /* Immediate: the old address is gone or no longer routed, so
         * waiting on it for the new path's validation would only stall. */
        rv = ngtcp2_conn_initiate_immediate_migration(c->conn, &path, now);
        switch (rv) {
        case 0:
                c->local = *local;
                (void) conn_write(c, now); /* PATH_CHALLENGE, and what waited */
                break;
        case NGTCP2_ERR_INVALID_STATE:
                r = -EBUSY;
                break;
        case NGTCP2_ERR_CONN_ID_BLOCKED:
                r = -ENOSPC;
                break;
        case NGTCP2_ERR_NOMEM:
                r = -ENOMEM;
                break;
        default:
                r = -EINVAL;
        }
        conn_leave(c);
        return r;
}

QuicTlsVerify quic_conn_get_tls_verify(QuicConn *c) {
        return c ? c->tls.verify : _QUIC_TLS_VERIFY_INVALID;
}

void quic_conn_get_rtt(QuicConn *c, uint64_t *ret_smoothed, uint64_t *ret_min) {
        QuicConnInfo st;

        if (!c || !c->conn) {
                if (ret_smoothed)
                        *ret_smoothed = 0;
                if (ret_min)
                        *ret_min = 0;
                return;
        }
        quic_compat_get_conn_info(c->conn, &st);
        if (ret_smoothed)
                *ret_smoothed = st.smoothed_rtt;
        if (ret_min) /* UINT64_MAX until the first sample */
                *ret_min = st.min_rtt != UINT64_MAX ? st.min_rtt : st.smoothed_rtt;
}

void quic_conn_get_counters(QuicConn *c, QuicConnCounters *ret) {
        if (!ret)
                return;
        if (!c) {
                *ret = (QuicConnCounters){0};
                return;
        }
        FairQueueCounters fq;

        *ret = c->counters;
        fair_queue_get_counters(c->dq, &fq);
        ret->datagrams_dropped_evicted = fq.dropped_overflow;
        ret->datagrams_dropped_codel = fq.dropped_codel;
}
