/* SPDX-License-Identifier: MIT */
#pragma once

/* The GnuTLS half of a QUIC connection: TLS 1.3 only, ALPN "lanparty/1",
 * server credentials from a PEM chain + key (shared, reference counted, so a
 * reload never pulls them from under a live session), and client
 * verification either against the system trust store + host name or against
 * a SHA-256 SPKI pin from the invite link. quic.c embeds one QuicTls per
 * connection; nothing here knows about packets. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "macro.h"

#define QUIC_TLS_ALPN "lanparty/1"
#define QUIC_TLS_PIN_SIZE 32
/* Longest host name we verify against (DNS names are ≤ 253). */
#define QUIC_TLS_HOSTNAME_MAX 255
#define QUIC_TLS_MESSAGE_MAX 200

/* What the certificate check on the client concluded. */
typedef enum QuicTlsVerify {
        QUIC_TLS_VERIFY_PENDING,        /* no certificate seen yet */
        QUIC_TLS_VERIFY_OK,
        QUIC_TLS_VERIFY_PIN_MISMATCH,   /* pinned, and the SPKI differs */
        QUIC_TLS_VERIFY_UNTRUSTED,      /* no pin, and the chain or name does not verify */
        _QUIC_TLS_VERIFY_MAX,
        _QUIC_TLS_VERIFY_INVALID = -22, /* -EINVAL */
} QuicTlsVerify;

const char *quic_tls_verify_to_string(QuicTlsVerify v);

/* Server certificate + key, shared by every session that was started with
 * them. quic_server_set_credentials() swaps in a new one on reload; sessions
 * already running keep theirs until they end. */
typedef struct QuicTlsCredentials QuicTlsCredentials;

/* Loads a PEM chain (leaf first) and its PEM private key. Logs and returns
 * a negative errno on failure (-ENOENT/-EACCES for unreadable files when
 * GnuTLS says so, -EBADMSG for anything it cannot parse or a key that does
 * not match). */
int quic_tls_credentials_load(QuicTlsCredentials **ret, const char *cert_pem_path,
                              const char *key_pem_path);
QuicTlsCredentials *quic_tls_credentials_ref(QuicTlsCredentials *c);
QuicTlsCredentials *quic_tls_credentials_unref(QuicTlsCredentials *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(QuicTlsCredentials *, quic_tls_credentials_unref);

typedef struct QuicTlsClientConfig {
        /* Relay host as written in the invite: DNS name (sent as SNI and
         * checked against the certificate) or IP literal (checked against
         * iPAddress SANs, no SNI). Required unless `pin` is set. */
        const char *hostname;
        /* QUIC_TLS_PIN_SIZE bytes, or NULL for trust-store verification.
         * With a pin the chain and the name are not checked: the pin is
         * the whole trust decision, as the invite link intends. */
        const uint8_t *pin;
        /* PEM file of trust anchors used instead of the system store (a
         * private CA, tests). NULL: system trust store. Ignored with a pin. */
        const char *ca_file;
} QuicTlsClientConfig;

/* Bounds of the exporter a released session keeps. */
#define QUIC_TLS_EXPORTER_LABEL_MAX 64
#define QUIC_TLS_EXPORTER_SIZE_MAX 64

/* Per-connection TLS state. Embedded in QuicConn; `conn_ref` must stay at a
 * fixed address for the session's lifetime because GnuTLS holds a pointer to
 * it (gnutls_session_set_ptr) and ngtcp2's crypto glue uses it to find the
 * ngtcp2_conn. */
typedef struct QuicTls {
        ngtcp2_crypto_conn_ref conn_ref;
        gnutls_session_t session;
        gnutls_certificate_credentials_t client_cred; /* client only */
        gnutls_priority_t client_priority;             /* client only; the server's is in server_cred */
        QuicTlsCredentials *server_cred;               /* server only, one ref */
        bool is_server;
        bool have_pin;
        uint8_t pin[QUIC_TLS_PIN_SIZE];
        char hostname[QUIC_TLS_HOSTNAME_MAX + 1];
        QuicTlsVerify verify;
        char message[QUIC_TLS_MESSAGE_MAX + 1]; /* why verification failed, for humans */
        /* After quic_tls_release_session(): the one exporter kept, under
         * the caller's label (borrowed; NULL: none kept). */
        const char *exporter_label;
        uint8_t exporter[QUIC_TLS_EXPORTER_SIZE_MAX];
        size_t exporter_size;
} QuicTls;

/* Set tls->conn_ref.get_conn / user_data before the first packet moves. */
int quic_tls_client_init(QuicTls *tls, const QuicTlsClientConfig *config);
int quic_tls_server_init(QuicTls *tls, QuicTlsCredentials *cred);
/* Frees the session and drops credentials; safe on a zeroed or done QuicTls. */
void quic_tls_done(QuicTls *tls);

/* 0 when the negotiated ALPN is exactly QUIC_TLS_ALPN, -EPROTO otherwise. */
int quic_tls_check_alpn(QuicTls *tls);

/* RFC 5705 / RFC 8446 exporter with an empty context. Both ends of one
 * connection get the same bytes; two connections never do. -ENOTCONN before
 * the handshake finished; after quic_tls_release_session() only the kept
 * label and size are answered, anything else is -ENODATA. */
int quic_tls_export(QuicTls *tls, const char *label, uint8_t *out, size_t len);

/* Once the handshake is complete a QUIC server needs nothing more from
 * TLS: ngtcp2 holds the keys and does key updates itself. This computes the
 * one exporter the owner will still ask for (keep_label NULL: none; it
 * must outlive tls, the QUIC server's own copy does) and frees the GnuTLS
 * session, ~10 KB per connection on a relay. On failure
 * the session stays. The caller must also stop ngtcp2 from reaching the
 * session (its native handle, 1-RTT CRYPTO data). */
int quic_tls_release_session(QuicTls *tls, const char *keep_label, size_t keep_size);
bool quic_tls_has_session(const QuicTls *tls);

/* True when s is an IPv4 or IPv6 literal (no SNI is sent for those). */
bool quic_tls_hostname_is_ip(const char *s);
