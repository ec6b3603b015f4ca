/* SPDX-License-Identifier: MIT */
#pragma once

/* The relay's QUIC endpoint on the Manager's sd-event loop: reads the UDP
 * socket in batches into quic_server_read_packet(), keeps one timer armed
 * from quic_server_get_expiry(), sends what the connections write, loads the
 * certificate (and reloads it on SIGHUP) and keeps the stateless reset
 * secret in the state directory. What happens on each connection is
 * relayd-conn.c's business.
 *
 * Work that must not happen inside a connection's callback — writing to
 * that connection, forgetting a connection that ended — is queued and done
 * by relay_quic_dispatch(), which every event handler ends with. */

#include <stdint.h>
#include <sys/socket.h>

#include "b64url.h"
#include "cert.h"
#include "datagram.h"
#include "event-timer.h"
#include "udp-send.h"
#include "macro.h"
#include "quic-server.h"
#include "ratelimit.h"
#include "relayd-manager.h"

typedef struct Manager Manager;
typedef struct RelayConn RelayConn;
typedef struct sd_event_source sd_event_source;

#define RELAY_QUIC_RECV_BATCH 16
#define RELAY_QUIC_SOCKET_BUFFER (4 * 1024 * 1024)
#define RELAY_QUIC_RECV_BUFFER 2048 /* > QUIC_MAX_UDP_PAYLOAD; longer datagrams are cut and dropped by QUIC */
/* Admission control (docs/SECURITY.md "Under load"). A handshake and the
 * HELLO after it take a round trip or two; three seconds each is ample on
 * any path a game is playable on, and bounds how long a silent or spoofed
 * source holds a slot. */
#define RELAY_QUIC_HANDSHAKE_TIMEOUT_NSEC (3 * QUIC_NS_PER_SEC)
#define RELAY_QUIC_HELLO_TIMEOUT_NSEC (3 * QUIC_NS_PER_SEC)
/* Slots kept for admitted peers: 1/RELAY_QUIC_RESERVED_SHARE of them. */
#define RELAY_QUIC_RESERVED_SHARE 4
/* Handshakes or HELLOs in progress per source (IPv4 address, IPv6 /64) once
 * its address is validated: a household or a NAT of players reconnecting
 * at once after a relay restart, not a flood. */
#define RELAY_QUIC_UNADMITTED_PER_SOURCE 16
/* Handshakes from unvalidated addresses in progress beyond which new
 * clients are asked to prove their address with a Retry. */
#define RELAY_QUIC_RETRY_THRESHOLD 16
#define RELAY_QUIC_REFUSAL_LOG_SEC 10
#define RELAY_QUIC_PIN_STR_MAX (B64URL_ENCODED_LEN(CERT_PIN_SIZE) + 1)
#define RELAY_QUIC_RESET_SECRET_FILE "reset-secret"

/* Connection userdata is either the endpoint (before the handshake) or a
 * RelayConn; this tag, the first member of both, tells them apart. */
typedef enum RelayConnOwner {
        RELAY_CONN_OWNER_ENDPOINT = 0x52454c59, /* "RELY" */
        RELAY_CONN_OWNER_CONN = 0x53455353,     /* "SESS" */
} RelayConnOwner;

typedef struct RelayQuic {
        RelayConnOwner owner;
        Manager *manager;
        QuicServer *server;
        QuicTlsCredentials *credentials;
        char pin[RELAY_QUIC_PIN_STR_MAX];

        EventTimer timer;
        sd_event_source *work_event_source;
        sd_event_source *housekeeping_event_source;
        bool memory_freed; /* a handshake ended or a connection went since the last trim */
        uint64_t now; /* CLOCK_MONOTONIC ns of the batch being handled */

        /* Refusals are summed up in one log line at most every
         * RELAY_QUIC_REFUSAL_LOG_SEC: a flood must not flood the journal. */
        RateLimit refusal_log_limit;
        RelayAdmission refusals_logged;

        RelayConn *conns;       /* every connection past its handshake */
        RelayConn *write_queue; /* connections with control bytes to write */
        RelayConn *reap_queue;  /* connections that ended */

        /* Outgoing packets wait here until the handler that made them
         * ends (relay_quic_dispatch()) or the batch is full, then leave
         * with one sendmmsg(), runs to one peer as UDP GSO messages. */
        UdpSendBatch send;
        bool in_handler;    /* a flush is coming: no need to schedule one */

        struct mmsghdr msgs[RELAY_QUIC_RECV_BATCH];
        struct iovec iovs[RELAY_QUIC_RECV_BATCH];
        struct sockaddr_storage addrs[RELAY_QUIC_RECV_BATCH];
        uint8_t bufs[RELAY_QUIC_RECV_BATCH][RELAY_QUIC_RECV_BUFFER];
        /* Which of the host's addresses each datagram came to: the
         * answers leave from there (udp-pktinfo.h). */
        union {
                char buf[UDP_PKTINFO_RECV_CONTROL];
                struct cmsghdr align;
        } controls[RELAY_QUIC_RECV_BATCH];
        struct sockaddr_storage bound; /* getsockname() of the socket */
        socklen_t bound_len;
        /* A received datagram is copied here and stamped with its source
         * before it goes to its destinations: ngtcp2's buffer is not ours
         * to write. */
        uint8_t forward_buf[LP_DATAGRAM_SIZE_MAX];
} RelayQuic;

/* Loads (or generates) the certificate and logs its pin; no I/O on the
 * socket yet. */
int relay_quic_new(Manager *m, RelayQuic **ret);
/* Disconnects nobody: call manager_close_rooms() first. NULL-safe. */
RelayQuic *relay_quic_free(RelayQuic *q);
DEFINE_TRIVIAL_CLEANUP_FUNC(RelayQuic *, relay_quic_free);

/* After manager_listen(): creates the QUIC server on the bound socket,
 * installs the Manager hooks and the timers. */
int relay_quic_start(RelayQuic *q);

/* SIGHUP: reloads --cert/--key; keeps the old ones when that fails. */
int relay_quic_reload(RelayQuic *q);

/* Schedules relay_quic_dispatch() for this loop iteration. */
void relay_quic_schedule(RelayQuic *q);
/* Forgets ended connections, writes queued control bytes and datagrams,
 * sends what is batched, re-arms the timer. */
void relay_quic_dispatch(RelayQuic *q);
/* Sends the batched packets now. */
void relay_quic_flush_sends(RelayQuic *q);

uint64_t relay_quic_now(RelayQuic *q);
