/* SPDX-License-Identifier: MIT */
#pragma once

/* One QUIC connection (client or server side) on ngtcp2 (0.12 or 1.x,
 * quic-compat.h hides the difference) + GnuTLS, carrying what
 * docs/PROTOCOL.md asks for: ALPN "lanparty/1", one bidirectional control
 * stream (id 0, opened by the client right after the handshake; the server
 * allows no other) and unreliable DATAGRAM frames.
 *
 * No sockets, threads or clocks in here: the owner feeds packets in, gets
 * packets out through a send callback, and passes monotonic nanoseconds to
 * every call. How a daemon drives it:
 *
 *   - socket readable: recv until EAGAIN, quic_conn_read_packet() for each
 *     datagram (the server endpoint: quic_server_read_packet(), which also
 *     writes), then quic_conn_write() once;
 *   - quic_conn_write() calls send() for every packet until ngtcp2 has
 *     nothing more (congestion window, pacing) — a send() that fails just
 *     drops the packet, QUIC recovers as from loss;
 *   - one timer per connection, re-armed after every read/write/send from
 *     quic_conn_get_expiry(); when it fires, quic_conn_handle_expiry(),
 *     which also writes (retransmissions, keepalive PINGs, ACKs);
 *   - closing: quic_conn_close() writes CONNECTION_CLOSE at once, unless
 *     the connection is already closing or draining. Later packets from the
 *     peer are answered with the same CONNECTION_CLOSE until the closing
 *     period (3 PTO) ends and quic_conn_is_dead() turns true.
 *
 * Callbacks: `closed` fires exactly once per connection, for every way it
 * can end (local close, peer close, idle timeout, handshake or certificate
 * failure, stateless reset). Callbacks run inside quic_conn_* calls; from
 * inside them the owner may send, close or free (client connections) — those
 * are deferred until the outermost call returns, and the outermost call
 * touches nothing after a deferred free. Control bytes and datagrams are
 * handed over straight from ngtcp2's buffers (valid only during the call).
 *
 * Addresses are ngtcp2_sockaddr (struct sockaddr, from the OS headers
 * ngtcp2.h already includes portably). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ngtcp2/ngtcp2.h>

#include "macro.h"
#include "quic-tls.h"

#define QUIC_NS_PER_SEC UINT64_C(1000000000)
#define QUIC_IDLE_TIMEOUT_DEFAULT (30 * QUIC_NS_PER_SEC)
#define QUIC_KEEPALIVE_DEFAULT (10 * QUIC_NS_PER_SEC)
#define QUIC_HANDSHAKE_TIMEOUT_DEFAULT (10 * QUIC_NS_PER_SEC)
/* Unacknowledged + unsent control bytes we hold per connection. */
#define QUIC_CONTROL_SEND_BUFFER_DEFAULT (64U * 1024U)
/* How far the peer may run ahead of quic_conn_consume_control(): an owner
 * that buffers this much can never overflow. */
#define QUIC_CONTROL_WINDOW (16U * 1024U)
/* What we advertise as max_datagram_frame_size. The usable payload is far
 * smaller: see quic_conn_max_datagram_payload(). */
#define QUIC_MAX_DATAGRAM_FRAME_SIZE 65535
/* Datagrams one sender queues before it writes them: a batch that shares
 * packets. The queue itself (fair-queue.h) holds more, fairly per flow. */
#define QUIC_DATAGRAM_QUEUE_LEN 16
/* Every connection ID we issue, client and server, has this length; the
 * server needs a fixed length to find the DCID of short-header packets, and
 * using the maximum keeps PROTOCOL.md's MTU budget exact. */
#define QUIC_CID_LEN NGTCP2_MAX_CIDLEN
/* The largest UDP payload we ever send: ngtcp2's default, reached only by
 * path MTU discovery (paths start at 1200). */
#define QUIC_MAX_UDP_PAYLOAD 1452
#define QUIC_CLOSE_REASON_MAX 255

/* Application error codes in CONNECTION_CLOSE (PROTOCOL.md: REJECT is
 * followed by application error 1). */
#define QUIC_APP_ERROR_NONE UINT64_C(0)
#define QUIC_APP_ERROR_REJECTED UINT64_C(1)
#define QUIC_APP_ERROR_PROTOCOL UINT64_C(2) /* malformed control stream, extra streams */
#define QUIC_APP_ERROR_INTERNAL UINT64_C(3)

typedef struct QuicConn QuicConn;

/* An address with its storage, for places that must keep one. */
typedef struct QuicAddr {
        ngtcp2_sockaddr_union sa;
        ngtcp2_socklen len;
} QuicAddr;

/* Copies an AF_INET/AF_INET6 address. -EAFNOSUPPORT for other families,
 * -EINVAL for a length that does not match. */
int quic_addr_set(QuicAddr *a, const ngtcp2_sockaddr *sa, ngtcp2_socklen len);
bool quic_addr_equal(const QuicAddr *a, const QuicAddr *b);

typedef enum QuicState {
        QUIC_STATE_HANDSHAKE,
        QUIC_STATE_ESTABLISHED,
        QUIC_STATE_CLOSING,  /* we sent CONNECTION_CLOSE, answering with it */
        QUIC_STATE_DRAINING, /* the peer closed; silent until the period ends */
        QUIC_STATE_DEAD,     /* nothing left to do; free it */
        _QUIC_STATE_MAX,
        _QUIC_STATE_INVALID = -22, /* -EINVAL */
} QuicState;

const char *quic_state_to_string(QuicState s);

typedef enum QuicCloseKind {
        QUIC_CLOSE_APPLICATION,     /* an application CONNECTION_CLOSE (either side) */
        QUIC_CLOSE_TRANSPORT,       /* a transport error (either side; protocol violation, ...) */
        QUIC_CLOSE_IDLE_TIMEOUT,
        QUIC_CLOSE_HANDSHAKE_FAILED, /* TLS/ALPN failure or handshake timeout */
        QUIC_CLOSE_PIN_MISMATCH,     /* client: the relay's key is not the pinned one */
        QUIC_CLOSE_CERT_UNTRUSTED,   /* client: no pin, and chain/name do not verify */
        QUIC_CLOSE_STATELESS_RESET,  /* the peer lost our state */
        QUIC_CLOSE_VERSION_NEGOTIATION, /* client: the server speaks no QUIC v1 */
        _QUIC_CLOSE_KIND_MAX,
        _QUIC_CLOSE_KIND_INVALID = -22, /* -EINVAL */
} QuicCloseKind;

const char *quic_close_kind_to_string(QuicCloseKind k);

typedef struct QuicCloseInfo {
        QuicCloseKind kind;
        bool remote;            /* the peer sent the CONNECTION_CLOSE (or the reset) */
        bool app_error;         /* error_code is an application code, else a QUIC transport code */
        uint64_t error_code;
        /* NUL-terminated. From the peer: truncated at a UTF-8 boundary, control
         * characters replaced by '?'. Locally generated for certificate and
         * timeout cases (e.g. "relay certificate does not match the pin in
         * the invite link"). */
        char reason[QUIC_CLOSE_REASON_MAX + 1];
} QuicCloseInfo;

/* Sends one UDP payload to path->remote. path->local is the address it
 * must leave from: the one the peer sent its packets to. A socket bound to
 * a wildcard address on a host with several addresses must say so
 * (IP_PKTINFO), or the kernel picks its preferred source and the peer,
 * which only listens to the address it talks to, never hears the answer.
 * A connected socket's source is fixed already. Returning an error only
 * counts it. */
typedef int (*QuicSendFunc)(void *send_userdata, const ngtcp2_path *path, const uint8_t *data, size_t len);

typedef struct QuicConnCallbacks {
        QuicSendFunc send;
        /* Handshake done (client: certificate verified, ALPN agreed). The
         * exporter is available from here on. */
        void (*handshake_completed)(QuicConn *c, void *userdata);
        /* In-order control stream bytes. Process or copy all of them; give
         * the peer credit with quic_conn_consume_control() as they are used
         * up. At most QUIC_CONTROL_WINDOW bytes are ever unconsumed. */
        void (*control_received)(QuicConn *c, const uint8_t *data, size_t len, void *userdata);
        void (*datagram_received)(QuicConn *c, const uint8_t *data, size_t len, void *userdata);
        void (*closed)(QuicConn *c, const QuicCloseInfo *info, void *userdata);
} QuicConnCallbacks;

typedef struct QuicSettings {
        uint64_t idle_timeout;      /* ns; 0: QUIC_IDLE_TIMEOUT_DEFAULT */
        uint64_t keepalive;         /* ns; 0: QUIC_KEEPALIVE_DEFAULT; UINT64_MAX: off */
        uint64_t handshake_timeout; /* ns; 0: QUIC_HANDSHAKE_TIMEOUT_DEFAULT */
        size_t control_send_buffer; /* bytes; 0: QUIC_CONTROL_SEND_BUFFER_DEFAULT */
        bool trace;                 /* ngtcp2's packet log at debug level */
        /* Which flow a datagram belongs to, for the fair queue in front of
         * the congestion window (fair-queue.h); NULL: all datagrams are
         * one flow. lanparty's senders pass datagram_flow_hash(). */
        uint32_t (*datagram_flow)(const uint8_t *data, size_t len);
} QuicSettings;

typedef struct QuicClientConfig {
        QuicSettings settings;
        QuicTlsClientConfig tls;
        QuicConnCallbacks callbacks;
        void *userdata;      /* passed to the event callbacks */
        void *send_userdata; /* passed to callbacks.send */
} QuicClientConfig;

/* Starts a client connection from `local` (what the socket is bound or
 * connected to; pass the same for every packet) to `remote`. Nothing is sent
 * until quic_conn_write(). */
int quic_conn_new_client(QuicConn **ret, const QuicClientConfig *config, const QuicAddr *local,
                         const QuicAddr *remote, uint64_t now);

/* Frees at once, without sending anything (call quic_conn_close() first
 * for a graceful end). From inside a callback the free is deferred. Only for
 * client connections: the server endpoint frees its own. NULL-safe. */
QuicConn *quic_conn_free(QuicConn *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(QuicConn *, quic_conn_free);

void quic_conn_set_userdata(QuicConn *c, void *userdata);
void *quic_conn_get_userdata(QuicConn *c);

/* Feeds one received UDP payload, which arrived at the connection's
 * current local address (a client's socket). Returns 0 also when the
 * packet was dropped or ended the connection (the `closed` callback
 * tells); negative only for misuse. Call quic_conn_write() after a batch. */
int quic_conn_read_packet(QuicConn *c, const QuicAddr *remote, const uint8_t *data, size_t len, uint64_t now);

/* Client: the local address changed (the old one is gone, or the OS now
 * prefers another: Wi-Fi to cable), and the owner opened a socket at
 * `local`. Moves the connection there at once (QUIC connection migration,
 * RFC 9000 9: a fresh connection ID, the new path validated while in use),
 * so the session and everything the relay and the room know about it
 * survive. Every later send is for the new socket. -EINVAL when `local` is
 * the current address, -EBUSY before the handshake is confirmed, -ENOSPC
 * when the relay gave us no spare connection ID, -ENOTCONN when closing,
 * -EOPNOTSUPP on server connections. */
int quic_conn_migrate(QuicConn *c, const QuicAddr *local, uint64_t now);

/* Writes what ngtcp2 allows now through the send callback, until it says
 * 0 (congestion window, pacing) or after 64 packets — pacing then makes the
 * expiry bring the caller back for the rest. Call it after reads and after
 * quic_conn_send_control()/quic_conn_close() from outside a callback.
 * Returns the number of packets sent (≥ 0). */
int quic_conn_write(QuicConn *c, uint64_t now);

/* UINT64_MAX when nothing is scheduled. */
uint64_t quic_conn_get_expiry(QuicConn *c);
/* Runs timers that are due and writes. Returns like quic_conn_write(). */
int quic_conn_handle_expiry(QuicConn *c, uint64_t now);

/* Closes with an application error code and reason (truncated to
 * QUIC_CLOSE_REASON_MAX bytes). Control bytes already queued (a REJECT, a
 * DISCONNECT) are flushed first and CONNECTION_CLOSE is written once they
 * are acknowledged, or after three PTOs at most, so it cannot overtake them;
 * with nothing queued it is written at once. `closed` then fires with kind
 * QUIC_CLOSE_APPLICATION, remote=false. New sends fail with -ENOTCONN from
 * the moment of this call. Before the handshake is complete QUIC hides the
 * code from the peer (it sees a transport APPLICATION_ERROR). No-op on a
 * connection already closing. */
int quic_conn_close(QuicConn *c, uint64_t app_error_code, const char *reason, uint64_t now);

/* Queues control stream bytes, all or nothing. -ENOBUFS when the unacked
 * + unsent bytes would exceed the send buffer, -ENOTCONN when closing.
 * Sent by the next quic_conn_write(). */
int quic_conn_send_control(QuicConn *c, const void *data, size_t len);
/* Bytes the send buffer can still take. */
size_t quic_conn_control_send_space(QuicConn *c);
/* Returns flow-control credit for n processed control bytes. */
void quic_conn_consume_control(QuicConn *c, size_t n);

/* Sends one unreliable datagram now, or queues it (fair-queue.h)
 * while congestion control or pacing holds packets back; never blocks and
 * is never retransmitted. -EMSGSIZE above quic_conn_max_datagram_payload(),
 * -ENOBUFS when the queue is full and this datagram's flow is the one with
 * the most queued (the datagram is dropped and counted; a datagram of
 * another flow evicts that flow's oldest instead),
 * -ENOTCONN before the handshake or when closing. */
int quic_conn_send_datagram(QuicConn *c, const void *data, size_t len, uint64_t now);

/* Queues one datagram without writing anything: the owner writes the
 * connection once it has queued what it has (quic_conn_write(); for server
 * connections quic_server_flush() knows which), and datagrams queued
 * together share packets as far as they fit. Same errors as
 * quic_conn_send_datagram(); after -ENOBUFS, write and try again. `now`
 * stamps it for CoDel. Never from inside a callback of this same
 * connection. */
int quic_conn_queue_datagram(QuicConn *c, const void *data, size_t len, uint64_t now);

/* The largest datagram payload D that fits one packet right now:
 *   min(peer's max_datagram_frame_size - 1 - varint(D),
 *       U - 1 - |DCID| - 4 - AEAD tag (16) - 1 - 2)
 * where U is the UDP payload ngtcp2 currently uses on the path: 1200 after
 * the handshake, raised by PMTUD (probes 1406, then 1444) up to
 * QUIC_MAX_UDP_PAYLOAD, also capped by the peer's max_udp_payload_size. With
 * our 20-byte CIDs that is D = U - 44 (PROTOCOL.md "MTU budget"). The packet
 * number is counted at its 4-byte worst case so D always fits. 0 before the
 * handshake or if the peer has no DATAGRAM support. */
size_t quic_conn_max_datagram_payload(QuicConn *c);

/* TLS exporter (empty context) into out[len]; equal on both ends of one
 * connection. -ENOTCONN before the handshake completed. A server
 * connection answers only its QuicServerConfig.tls_exporter_label and
 * _size once its handshake is done (-ENODATA otherwise): it keeps that value
 * and frees its TLS session. */
int quic_conn_get_tls_exporter(QuicConn *c, const char *label, uint8_t *out, size_t len);

QuicState quic_conn_get_state(QuicConn *c);
/* The ngtcp2 connection underneath; for tests that make a peer misbehave. */
ngtcp2_conn *quic_conn_get_ngtcp2(QuicConn *c);
bool quic_conn_is_server(QuicConn *c);
/* True when the connection can be freed without losing anything. */
bool quic_conn_is_dead(QuicConn *c);
/* The current path's ends: they follow a migrating peer (the server's
 * remote) and quic_conn_migrate() (the client's local). */
const QuicAddr *quic_conn_get_remote(QuicConn *c);
const QuicAddr *quic_conn_get_local(QuicConn *c);
/* The TLS verification result on a client (QUIC_TLS_VERIFY_OK on servers). */
QuicTlsVerify quic_conn_get_tls_verify(QuicConn *c);

/* Smoothed and minimum RTT in ns (ngtcp2's initial guess before samples). */
void quic_conn_get_rtt(QuicConn *c, uint64_t *ret_smoothed, uint64_t *ret_min);
/* UDP payload size ngtcp2 uses on the current path right now (U above). */
size_t quic_conn_get_path_udp_payload(QuicConn *c);

typedef struct QuicConnCounters {
        uint64_t packets_rx, bytes_rx;
        uint64_t packets_tx, bytes_tx;
        uint64_t send_errors;             /* send callback failures */
        uint64_t datagrams_rx, datagrams_tx;
        uint64_t datagrams_dropped_full;  /* refused: queue full, its flow the fattest (-ENOBUFS) */
        uint64_t datagrams_dropped_size;  /* -EMSGSIZE */
        uint64_t datagrams_dropped_evicted; /* queued, then evicted for another flow's (queue full) */
        uint64_t datagrams_dropped_codel; /* queued too long (CoDel) */
        uint64_t control_bytes_rx, control_bytes_tx;
} QuicConnCounters;

void quic_conn_get_counters(QuicConn *c, QuicConnCounters *ret);

/* ---- For quic-server.c only ------------------------------------------
 * The server endpoint creates its connections with these hooks so it can
 * keep its CID table in step with the CIDs ngtcp2 issues and retires. */
typedef struct QuicServerHooks {
        void *server;
        int (*cid_add)(void *server, QuicConn *c, const ngtcp2_cid *cid);
        /* Removes cid only if it still maps to c. */
        void (*cid_remove)(void *server, QuicConn *c, const ngtcp2_cid *cid);
        /* quic_conn_queue_datagram() queued the first datagram, or
         * quic_conn_want_flush() asked, since the last quic_conn_flush(). */
        void (*write_wanted)(void *server, QuicConn *c);
        /* Secret the stateless reset tokens of every CID derive from, so the
         * endpoint can recompute a token for a CID it has forgotten. */
        const uint8_t *reset_secret;
        size_t reset_secret_len;
        /* At the end of every outermost quic_conn_* call on the connection
         * (its expiry or state may have changed), with the call's time. */
        void (*changed)(void *server, QuicConn *c, uint64_t now);
        /* The endpoint's own record of the connection
         * (quic_conn_get_server_data()). */
        void *conn_data;
} QuicServerHooks;

typedef struct QuicServerConnConfig {
        QuicSettings settings;
        QuicTlsCredentials *credentials;
        QuicConnCallbacks callbacks;
        void *userdata;
        void *send_userdata;
        QuicServerHooks hooks;
        const char *tls_exporter_label; /* QuicServerConfig's */
        size_t tls_exporter_size;
        /* The client's Initial carried a Retry token that verified: the DCID
         * of its first Initial (from the token), and the token. NULL: no
         * Retry happened. */
        const ngtcp2_cid *retry_original_dcid;
        const uint8_t *retry_token;
        size_t retry_token_len;
} QuicServerConnConfig;

/* From a client Initial `hd` (ngtcp2_accept()) that arrived at `local`.
 * Registers the client's initial DCID and our SCID through hooks.cid_add. */
int quic_conn_new_server(QuicConn **ret, const QuicServerConnConfig *config, const ngtcp2_pkt_hd *hd,
                         const QuicAddr *local, const QuicAddr *remote, uint64_t now);
/* quic_conn_read_packet() for a packet that arrived at `local` (one
 * socket may serve several addresses of the host). */
int quic_conn_read_packet_at(QuicConn *c, const QuicAddr *local, const QuicAddr *remote, const uint8_t *data,
                             size_t len, uint64_t now);
/* Unregisters every CID through hooks.cid_remove and frees. */
QuicConn *quic_conn_free_server(QuicConn *c);
/* quic_conn_write(), and hooks.write_wanted fires again for the next
 * queued datagram. */
int quic_conn_flush(QuicConn *c, uint64_t now);
/* QuicServerHooks.conn_data of a server connection. */
void *quic_conn_get_server_data(QuicConn *c);
/* Puts the connection on its server's flush list (hooks.write_wanted) as
 * a queued datagram would: it is written at the next quic_server_flush(). */
void quic_conn_want_flush(QuicConn *c);
