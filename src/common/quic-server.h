/* SPDX-License-Identifier: MIT */
#pragma once

/* The relay's QUIC endpoint: many connections on one UDP socket. Packets
 * are routed by destination connection ID through a small hash table that
 * follows every CID ngtcp2 issues and retires (plus the client's initial
 * DCID). Unknown long-header versions get Version Negotiation, unknown
 * short-header packets a (rate-limited) stateless reset, new Initials a
 * connection — or CONNECTION_REFUSED when a limit says no (QuicServerLimits).
 * Garbage is counted and dropped.
 *
 * Admission: a connection is unadmitted from its first Initial until the
 * owner calls quic_server_admit() (the relay: HELLO accepted). Unadmitted
 * connections share max_connections - reserved_admitted slots; a source
 * prefix (an IPv4 address, an IPv6 /64) with max_unadmitted_per_source of
 * them validated (by a Retry token or a complete handshake) starts no new
 * one; and they must be admitted within
 * admission_timeout of their handshake. Addresses are validated with a
 * Retry (ngtcp2_crypto's tokens, bound to the address and the client's
 * first DCID, valid RETRY_TOKEN_TIMEOUT) once retry_threshold handshakes
 * from unvalidated addresses are in progress: below it a join costs no
 * extra round trip, above it a flood from spoofed or silent sources holds
 * no more than retry_threshold connections and gets small Retry packets
 * back. QUIC's 3x anti-amplification limit covers the rest.
 *
 * Timers: every connection sits in a heap keyed by its next deadline, so
 * quic_server_get_expiry() is O(1) and quic_server_handle_expiry() touches
 * only connections that are due, however many idle ones there are.
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
/* Stateless resets and version negotiations, per source prefix (hashed
 * into a fixed set of buckets): a burst, then this rate. */
#define QUIC_SERVER_STATELESS_BURST 16
#define QUIC_SERVER_STATELESS_PER_SEC 16
#define QUIC_SERVER_RESET_SECRET_SIZE 32
/* How long a Retry token is good for: a round trip, generously. */
#define QUIC_SERVER_RETRY_TOKEN_TIMEOUT (10 * QUIC_NS_PER_SEC)

/* Which limit refused a new connection. */
typedef enum QuicServerRefusal {
        QUIC_SERVER_REFUSAL_FULL,       /* max_connections are open */
        QUIC_SERVER_REFUSAL_UNADMITTED, /* the slots of unadmitted connections are taken */
        QUIC_SERVER_REFUSAL_SOURCE,     /* the source prefix has its share of them */
        _QUIC_SERVER_REFUSAL_MAX,
        _QUIC_SERVER_REFUSAL_INVALID = -22, /* -EINVAL */
} QuicServerRefusal;

/* "full", "unadmitted", "source". */
const char *quic_server_refusal_to_string(QuicServerRefusal r);

/* 0 in any field: that limit is off (max_connections: the default). */
typedef struct QuicServerLimits {
        size_t max_connections;           /* 0: QUIC_SERVER_MAX_CONNECTIONS_DEFAULT */
        size_t reserved_admitted;         /* slots only admitted connections may take */
        size_t max_unadmitted_per_source; /* validated, unadmitted connections per source prefix */
        uint64_t admission_timeout;       /* ns from the handshake's end to quic_server_admit() */
        bool retry;                       /* address validation with Retry */
        size_t retry_threshold;           /* ... once this many unvalidated handshakes run (0: always) */
} QuicServerLimits;

typedef struct QuicServer QuicServer;

typedef struct QuicServerConfig {
        QuicSettings settings;
        QuicTlsCredentials *credentials; /* the server takes its own reference */
        QuicAddr local;                  /* the address the socket is bound to (may be a wildcard) */
        QuicServerLimits limits;
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
        uint64_t stateless_limited;       /* resets/VN suppressed by their source's rate limit */
        uint64_t connections_accepted;
        uint64_t connections_refused;     /* by any limit: the sum of refused[] */
        uint64_t refused[_QUIC_SERVER_REFUSAL_MAX];
        uint64_t retries;                 /* Retry packets sent */
        uint64_t retry_tokens_invalid;    /* Initials whose token did not verify (dropped) */
        uint64_t admission_timeouts;      /* closed: not admitted within admission_timeout */
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

/* The owner let the connection in (the relay: its HELLO was accepted): it
 * no longer counts against the limits of unadmitted connections. */
void quic_server_admit(QuicServer *s, QuicConn *c);

size_t quic_server_get_n_connections(QuicServer *s);
/* Connections not admitted yet (and not closing), and of those the
 * handshakes from addresses not validated yet. */
size_t quic_server_get_n_unadmitted(QuicServer *s);
size_t quic_server_get_n_unvalidated(QuicServer *s);
/* Connection IDs currently routed (tests check the bookkeeping with it). */
size_t quic_server_get_n_cids(QuicServer *s);
void quic_server_get_counters(QuicServer *s, QuicServerCounters *ret);
