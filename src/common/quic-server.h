/* SPDX-License-Identifier: MIT */
#pragma once

/* The relay's QUIC endpoint: many connections on one UDP socket. Packets
 * are routed by destination connection ID through a small hash table that
 * follows every CID ngtcp2 issues and retires (plus the client's initial
 * DCID). Unknown long-header versions get Version Negotiation, unknown
 * short-header packets a (rate-limited) stateless reset, new Initials a
 * connection — or CONNECTION_REFUSED once max_connections are open. Garbage
 * is counted and dropped.
 *
 * Address validation with Retry tokens is not done: the relay serves a
 * known audience, handshakes are bounded by max_connections, and QUIC's
 * 3x anti-amplification limit still applies to unvalidated clients.
 *
 * Like quic.c it has no socket, thread or clock. Drive it with
 * quic_server_read_packet() for every received datagram (it writes the
 * answers itself), and one timer re-armed from quic_server_get_expiry()
 * after every call, firing quic_server_handle_expiry(). Connections that
 * are done are freed inside those calls, after their `closed` callback; the
 * owner never frees them. Control bytes queued on a connection from outside
 * its own callbacks (say, PEER_JOINED to the others in a room) go out with
 * quic_conn_write() on that connection. Datagrams sent with
 * quic_conn_send_datagram() go out at once; those queued with
 * quic_conn_queue_datagram() (the relay's forwarding) wait for
 * quic_server_flush(), the connection's next write or its next timer. */

#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "quic.h"

#define QUIC_SERVER_MAX_CONNECTIONS_DEFAULT 1024
/* Stateless resets and version negotiations: a burst, then this rate. */
#define QUIC_SERVER_STATELESS_BURST 16
#define QUIC_SERVER_STATELESS_PER_SEC 16
#define QUIC_SERVER_RESET_SECRET_SIZE 32

typedef struct QuicServer QuicServer;

typedef struct QuicServerConfig {
        QuicSettings settings;
        QuicTlsCredentials *credentials; /* the server takes its own reference */
        QuicAddr local;                  /* the address the socket is bound to (may be a wildcard) */
        size_t max_connections;          /* 0: QUIC_SERVER_MAX_CONNECTIONS_DEFAULT */
        /* For every connection. userdata is each new connection's until
         * the owner sets its own with quic_conn_set_userdata(), typically
         * in handshake_completed. */
        QuicConnCallbacks callbacks;
        void *userdata;
        void *send_userdata;
        /* QUIC_SERVER_RESET_SECRET_SIZE bytes the stateless reset tokens
         * derive from, or NULL for a random one. A relay that keeps it in its
         * state directory can still reset its clients' connections after a
         * restart, so they reconnect at once instead of after the idle
         * timeout. */
        const uint8_t *reset_secret;
        /* The one TLS exporter the owner asks its connections for, after
         * the handshake (label and size, at most QUIC_TLS_EXPORTER_*_MAX).
         * Each connection keeps that value and frees its TLS session once
         * the handshake is complete (~10 KB a peer on a relay); any other
         * exporter is then -ENODATA. NULL: no exporter is kept. */
        const char *tls_exporter_label;
        size_t tls_exporter_size;
} QuicServerConfig;

typedef struct QuicServerCounters {
        uint64_t packets_rx;
        uint64_t packets_dropped;         /* undecodable, or no connection and not an Initial */
        uint64_t version_negotiations;
        uint64_t stateless_resets;
        uint64_t stateless_limited;       /* resets/VN suppressed by the rate limit */
        uint64_t connections_accepted;
        uint64_t connections_refused;     /* max_connections reached */
} QuicServerCounters;

int quic_server_new(QuicServer **ret, const QuicServerConfig *config);
/* Frees every connection without sending anything; call
 * quic_server_close_all() and let the closing period pass first for a
 * graceful shutdown. NULL-safe. */
QuicServer *quic_server_free(QuicServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(QuicServer *, quic_server_free);

/* Routes one received UDP payload; writes whatever it causes. `local` is
 * the address it arrived at (IP_PKTINFO on a socket bound to a wildcard
 * address), NULL for config.local: answers, and every packet of the
 * connection it starts, leave from there (QuicSendFunc's path->local).
 * Returns 0 for every packet, dropped or not (counters tell); negative on
 * misuse. */
int quic_server_read_packet(QuicServer *s, const QuicAddr *local, const QuicAddr *remote, const uint8_t *data,
                            size_t len, uint64_t now);

/* Like quic_server_read_packet(), but what an established connection
 * answers (its ACKs, mostly) waits for the next quic_server_flush(): a
 * batch of packets from one peer is acknowledged once instead of once per
 * two packets (ngtcp2's ack threshold), which saves both ends a small
 * packet each. A new connection's first packet, version negotiation and
 * stateless resets are still answered at once. */
int quic_server_read_packet_batched(QuicServer *s, const QuicAddr *local, const QuicAddr *remote,
                                    const uint8_t *data, size_t len, uint64_t now);

/* Writes every connection that quic_conn_queue_datagram() queued
 * datagrams on, or that quic_server_read_packet_batched() read from,
 * since the last call (packing datagrams into as few packets as fit) and
 * frees those that died doing so. Call it after each batch of reads.
 * Returns the number of packets written. */
int quic_server_flush(QuicServer *s, uint64_t now);

/* Earliest expiry over all connections; UINT64_MAX when none. */
uint64_t quic_server_get_expiry(QuicServer *s);
/* Runs due timers of every connection and frees the dead ones. Returns the
 * number of packets written. */
int quic_server_handle_expiry(QuicServer *s, uint64_t now);

/* Reload (SIGHUP): new connections use `c`, running ones keep theirs. */
int quic_server_set_credentials(QuicServer *s, QuicTlsCredentials *c);

/* quic_conn_close() on every connection. */
void quic_server_close_all(QuicServer *s, uint64_t app_error_code, const char *reason, uint64_t now);

size_t quic_server_get_n_connections(QuicServer *s);
/* Connection IDs currently routed (tests check the bookkeeping with it). */
size_t quic_server_get_n_cids(QuicServer *s);
void quic_server_get_counters(QuicServer *s, QuicServerCounters *ret);
