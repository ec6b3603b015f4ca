/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "auth.h"
#include "log.h"
#include "quic-tls.h"
#include "string-table.h"

/* QUIC needs TLS 1.3 without the middlebox compatibility mode, and only the
 * AEADs RFC 9001 defines header protection for. */
#define QUIC_TLS_PRIORITY                                                        \
        "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"   \
        "+CHACHA20-POLY1305:+AES-128-CCM:-GROUP-ALL:+GROUP-X25519:"              \
        "+GROUP-SECP256R1:+GROUP-SECP384R1:%DISABLE_TLS13_COMPAT_MODE"

#define PIN_MISMATCH_MESSAGE "relay certificate does not match the pin in the invite link"

_Static_assert(QUIC_TLS_PIN_SIZE == LP_SPKI_PIN_SIZE, "pin sizes differ");

struct QuicTlsCredentials {
        unsigned n_ref;
        gnutls_certificate_credentials_t cred;
        /* QUIC_TLS_PRIORITY parsed once for every session started with
         * these credentials: gnutls_priority_set_direct() would parse it
         * again, and keep a private copy (~8 KB), per connection. */
        gnutls_priority_t priority;
};

static const char *const quic_tls_verify_table[_QUIC_TLS_VERIFY_MAX] = {
        [QUIC_TLS_VERIFY_PENDING] = "pending",
        [QUIC_TLS_VERIFY_OK] = "ok",
        [QUIC_TLS_VERIFY_PIN_MISMATCH] = "pin-mismatch",
        [QUIC_TLS_VERIFY_UNTRUSTED] = "untrusted",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(quic_tls_verify, QuicTlsVerify)

static gnutls_datum_t alpn_datum(void) {
        return (gnutls_datum_t){.data = (unsigned char *) (uintptr_t) QUIC_TLS_ALPN,
                                .size = sizeof(QUIC_TLS_ALPN) - 1};
}

static int errno_from_gnutls(int r) {
        switch (r) {
        case GNUTLS_E_MEMORY_ERROR:
                return -ENOMEM;
        case GNUTLS_E_FILE_ERROR:
                return -ENOENT;
        case GNUTLS_E_SHORT_MEMORY_BUFFER:
                return -ENOBUFS;
        default:
                return -EBADMSG;
        }
}

static int priority_new(gnutls_priority_t *ret) {
        const char *err_pos = NULL;
        int r;

        r = gnutls_priority_init(ret, QUIC_TLS_PRIORITY, &err_pos);
        if (r < 0) {
                *ret = NULL;
                if (r == GNUTLS_E_MEMORY_ERROR)
                        return log_oom();
                return log_error_errno(EINVAL, "Failed to parse TLS priorities at \"%s\": %s",
                                       err_pos ? err_pos : "", gnutls_strerror(r));
        }
        return 0;
}

int quic_tls_credentials_load(QuicTlsCredentials **ret, const char *cert_pem_path,
                              const char *key_pem_path) {
        _cleanup_(quic_tls_credentials_unrefp) QuicTlsCredentials *c = NULL;
        int r;

        if (!ret || !cert_pem_path || !key_pem_path)
                return -EINVAL;

        c = calloc(1, sizeof *c);
        if (!c)
                return log_oom();
        c->n_ref = 1;

        r = gnutls_certificate_allocate_credentials(&c->cred);
        if (r < 0)
                return log_oom();

        r = gnutls_certificate_set_x509_key_file(c->cred, cert_pem_path, key_pem_path,
                                                 GNUTLS_X509_FMT_PEM);
        if (r < 0)
                return log_error_errno(errno_from_gnutls(r),
                                       "Failed to load certificate %s with key %s: %s", cert_pem_path,
                                       key_pem_path, gnutls_strerror(r));

        r = priority_new(&c->priority);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}

QuicTlsCredentials *quic_tls_credentials_ref(QuicTlsCredentials *c) {
        if (c)
                c->n_ref++;
        return c;
}

QuicTlsCredentials *quic_tls_credentials_unref(QuicTlsCredentials *c) {
        if (!c || --c->n_ref > 0)
                return NULL;
        if (c->priority)
                gnutls_priority_deinit(c->priority);
        if (c->cred)
                gnutls_certificate_free_credentials(c->cred);
        free(c);
        return NULL;
}

bool quic_tls_hostname_is_ip(const char *s) {
        bool digits_and_dots = true;

        if (!s || !*s)
                return false;
        for (const char *p = s; *p; p++) {
                if (*p == ':')
                        return true; /* only IPv6 literals contain a colon */
                if (!((*p >= '0' && *p <= '9') || *p == '.'))
                        digits_and_dots = false;
        }
        return digits_and_dots;
}

static QuicTls *quic_tls_from_session(gnutls_session_t session) {
        ngtcp2_crypto_conn_ref *ref = gnutls_session_get_ptr(session);

        return (QuicTls *) (void *) ((char *) ref - offsetof(QuicTls, conn_ref));
}

static bool pin_equal(const uint8_t a[static QUIC_TLS_PIN_SIZE], const uint8_t b[static QUIC_TLS_PIN_SIZE]) {
        uint8_t d = 0;

        /* Constant time, though the pin is public: habit for anything compared
         * against network input. */
        for (size_t i = 0; i < QUIC_TLS_PIN_SIZE; i++)
                d |= a[i] ^ b[i];
        return d == 0;
}

static void status_to_message(unsigned status, char *buf, size_t size) {
        static const struct {
                unsigned bit;
                const char *text;
        } table[] = {
                {GNUTLS_CERT_UNEXPECTED_OWNER, "it was issued for a different host name"},
                {GNUTLS_CERT_SIGNER_NOT_FOUND, "its issuer is not trusted"},
                {GNUTLS_CERT_SIGNER_NOT_CA, "its issuer is not a CA"},
                {GNUTLS_CERT_EXPIRED, "it has expired"},
                {GNUTLS_CERT_NOT_ACTIVATED, "it is not yet valid"},
                {GNUTLS_CERT_REVOKED, "it was revoked"},
                {GNUTLS_CERT_INSECURE_ALGORITHM, "it uses an insecure algorithm"},
                {GNUTLS_CERT_SIGNATURE_FAILURE, "its signature does not verify"},
                {GNUTLS_CERT_PURPOSE_MISMATCH, "it is not meant for TLS servers"},
        };
        const char *why = "it does not verify";

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (status & table[i].bit) {
                        why = table[i].text;
                        break;
                }
        snprintf(buf, size, "relay certificate is not trusted: %s", why);
}

static int quic_tls_verify_peer(gnutls_session_t session) {
        QuicTls *tls = quic_tls_from_session(session);
        const gnutls_datum_t *certs;
        unsigned n_certs = 0, status = 0;
        int r;

        certs = gnutls_certificate_get_peers(session, &n_certs);
        if (!certs || n_certs == 0) {
                tls->verify = QUIC_TLS_VERIFY_UNTRUSTED;
                snprintf(tls->message, sizeof tls->message, "relay sent no certificate");
                return -1;
        }

        if (tls->have_pin) {
                uint8_t pin[QUIC_TLS_PIN_SIZE];

                r = auth_spki_pin_from_der_cert(certs[0].data, certs[0].size, pin);
                if (r < 0 || !pin_equal(pin, tls->pin)) {
                        tls->verify = QUIC_TLS_VERIFY_PIN_MISMATCH;
                        snprintf(tls->message, sizeof tls->message, "%s", PIN_MISMATCH_MESSAGE);
                        return -1;
                }
                tls->verify = QUIC_TLS_VERIFY_OK;
                return 0;
        }

        r = gnutls_certificate_verify_peers3(session, tls->hostname, &status);
        if (r < 0) {
                tls->verify = QUIC_TLS_VERIFY_UNTRUSTED;
                snprintf(tls->message, sizeof tls->message, "could not verify relay certificate: %s",
                         gnutls_strerror(r));
                return -1;
        }
        if (status != 0) {
                tls->verify = QUIC_TLS_VERIFY_UNTRUSTED;
                status_to_message(status, tls->message, sizeof tls->message);
                return -1;
        }
        tls->verify = QUIC_TLS_VERIFY_OK;
        return 0;
}

static int quic_tls_session_setup(QuicTls *tls, gnutls_certificate_credentials_t cred,
                                  gnutls_priority_t priority) {
        gnutls_datum_t alpn = alpn_datum();
        int r;

        r = gnutls_priority_set(tls->session, priority);
        if (r < 0)
                return log_error_errno(EINVAL, "Failed to set TLS priorities: %s", gnutls_strerror(r));

        gnutls_session_set_ptr(tls->session, &tls->conn_ref);

        r = gnutls_credentials_set(tls->session, GNUTLS_CRD_CERTIFICATE, cred);
        if (r < 0)
                return errno_from_gnutls(r);

        r = gnutls_alpn_set_protocols(tls->session, &alpn, 1,
                                      GNUTLS_ALPN_MANDATORY |
                                              (tls->is_server ? GNUTLS_ALPN_SERVER_PRECEDENCE : 0));
        if (r < 0)
                return errno_from_gnutls(r);
        return 0;
}

int quic_tls_client_init(QuicTls *tls, const QuicTlsClientConfig *config) {
        int r;

        if (!tls || !config)
                return -EINVAL;
        if (!config->pin && (!config->hostname || !*config->hostname))
                return -EINVAL;
        if (config->hostname && strlen(config->hostname) > QUIC_TLS_HOSTNAME_MAX)
                return -EINVAL;

        *tls = (QuicTls){.is_server = false, .verify = QUIC_TLS_VERIFY_PENDING};
        if (config->hostname)
                strcpy(tls->hostname, config->hostname);
        if (config->pin) {
                tls->have_pin = true;
                memcpy(tls->pin, config->pin, QUIC_TLS_PIN_SIZE);
        }

        r = gnutls_certificate_allocate_credentials(&tls->client_cred);
        if (r < 0)
                return log_oom();

        if (!tls->have_pin) {
                if (config->ca_file)
                        r = gnutls_certificate_set_x509_trust_file(tls->client_cred, config->ca_file,
                                                                   GNUTLS_X509_FMT_PEM);
                else
                        r = gnutls_certificate_set_x509_system_trust(tls->client_cred);
                const char *where = config->ca_file ? config->ca_file : "the system store";
                if (r < 0)
                        return log_error_errno(errno_from_gnutls(r), "Failed to load trust anchors from %s: %s",
                                               where, gnutls_strerror(r));
                if (r == 0)
                        /* An empty store would reject every relay with a
                         * confusing "issuer not trusted"; say it here. */
                        log_warning("No trust anchors in %s.", where);
        }

        /* One session per client process: a priority of its own, freed
         * with it, is as cheap as sharing one. */
        r = priority_new(&tls->client_priority);
        if (r < 0)
                return r;

        r = gnutls_init(&tls->session, GNUTLS_CLIENT | GNUTLS_NO_END_OF_EARLY_DATA);
        if (r < 0)
                return log_oom();

        if (ngtcp2_crypto_gnutls_configure_client_session(tls->session) != 0)
                return log_error_errno(EIO, "Failed to set up the QUIC TLS client session.");

        r = quic_tls_session_setup(tls, tls->client_cred, tls->client_priority);
        if (r < 0)
                return r;

        if (tls->hostname[0] && !quic_tls_hostname_is_ip(tls->hostname)) {
                r = gnutls_server_name_set(tls->session, GNUTLS_NAME_DNS, tls->hostname,
                                           strlen(tls->hostname));
                if (r < 0)
                        return errno_from_gnutls(r);
        }

        gnutls_session_set_verify_function(tls->session, quic_tls_verify_peer);
        return 0;
}

int quic_tls_server_init(QuicTls *tls, QuicTlsCredentials *cred) {
        int r;

        if (!tls || !cred)
                return -EINVAL;

        *tls = (QuicTls){.is_server = true, .verify = QUIC_TLS_VERIFY_OK};
        tls->server_cred = quic_tls_credentials_ref(cred);

        /* No session tickets: we never resume, and a ticket would only
         * cost a packet. */
        r = gnutls_init(&tls->session, GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET | GNUTLS_NO_END_OF_EARLY_DATA);
        if (r < 0)
                return log_oom();

        if (ngtcp2_crypto_gnutls_configure_server_session(tls->session) != 0)
                return log_error_errno(EIO, "Failed to set up the QUIC TLS server session.");

        return quic_tls_session_setup(tls, cred->cred, cred->priority);
}

void quic_tls_done(QuicTls *tls) {
        if (!tls)
                return;
        if (tls->session) {
                gnutls_deinit(tls->session);
                tls->session = NULL;
        }
        if (tls->client_priority) {
                gnutls_priority_deinit(tls->client_priority);
                tls->client_priority = NULL;
        }
        if (tls->client_cred) {
                gnutls_certificate_free_credentials(tls->client_cred);
                tls->client_cred = NULL;
        }
        tls->server_cred = quic_tls_credentials_unref(tls->server_cred);
}

int quic_tls_check_alpn(QuicTls *tls) {
        gnutls_datum_t got = {0};

        if (!tls || !tls->session)
                return -EINVAL;
        if (gnutls_alpn_get_selected_protocol(tls->session, &got) < 0)
                return -EPROTO;
        if (got.size != sizeof(QUIC_TLS_ALPN) - 1 || memcmp(got.data, QUIC_TLS_ALPN, got.size) != 0)
                return -EPROTO;
        return 0;
}

int quic_tls_export(QuicTls *tls, const char *label, uint8_t *out, size_t len) {
        int r;

        if (!tls || !label || !out || len == 0)
                return -EINVAL;
        if (!tls->session) {
                if (!tls->exporter_label || len != tls->exporter_size || strcmp(label, tls->exporter_label) != 0)
                        return -ENODATA;
                memcpy(out, tls->exporter, len);
                return 0;
        }
        r = gnutls_prf_rfc5705(tls->session, strlen(label), label, 0, NULL, len, (char *) out);
        if (r < 0)
                return -ENOTCONN;
        return 0;
}

int quic_tls_release_session(QuicTls *tls, const char *keep_label, size_t keep_size) {
        int r;

        if (!tls || !tls->session)
                return -EINVAL;
        if (keep_label) {
                if (keep_size == 0 || keep_size > QUIC_TLS_EXPORTER_SIZE_MAX)
                        return -EINVAL;
                r = quic_tls_export(tls, keep_label, tls->exporter, keep_size);
                if (r < 0)
                        return r;
                tls->exporter_label = keep_label;
                tls->exporter_size = keep_size;
        }
        gnutls_deinit(tls->session);
        tls->session = NULL;
        return 0;
}

bool quic_tls_has_session(const QuicTls *tls) {
        return tls && tls->session;
}
