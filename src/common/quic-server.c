/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "log.h"
#include "quic-server.h"

#define RESET_SECRET_SIZE QUIC_SERVER_RESET_SECRET_SIZE
#define CID_TABLE_MIN 64
/* A stateless reset must be smaller than what triggered it (RFC 9000
 * 10.3.3, no reset loops) and at least 21 bytes. Packets shorter than the
 * smallest one a peer of ours can send (flags, our CID, 4 bytes of packet
 * number + payload for the header protection sample, AEAD tag) get none. */
#define RESET_TRIGGER_MIN (1 + QUIC_CID_LEN + 4 + 16)
#define RESET_SIZE_MAX 64

typedef struct CidEntry {
        QuicConn *conn; /* NULL: empty (len 0) or tombstone (len CID_TOMBSTONE) */
        uint8_t len;
        uint8_t data[NGTCP2_MAX_CIDLEN];
} CidEntry;

#define CID_TOMBSTONE 0xff

/* Open addressing, linear probing, power-of-two capacity. Keys are mostly
 * random CIDs we chose; the rest (clients' initial DCIDs) cost an attacker
 * a full Initial each and are bounded by max_connections, so a seeded FNV-1a
 * is enough. */
typedef struct CidTable {
        CidEntry *entries;
        size_t capacity;
        size_t n_live;
        size_t n_tombstones;
        uint64_t seed;
} CidTable;

/* GCRA: one event per `interval`, bursts of `burst`. */
typedef struct RateLimit {
        uint64_t tat;
        uint64_t interval;
        uint64_t burst;
} RateLimit;

struct QuicServer {
        QuicSettings settings;
        QuicTlsCredentials *credentials;
        QuicAddr local;
        size_t max_connections;
        QuicConnCallbacks callbacks;
        void *userdata;
        void *send_userdata;
        char tls_exporter_label[QUIC_TLS_EXPORTER_LABEL_MAX + 1];
        size_t tls_exporter_size; /* 0: no exporter kept */

        uint8_t reset_secret[RESET_SECRET_SIZE];
        CidTable cids;
        RateLimit stateless_limit;

        QuicConn **conns;
        size_t n_conns, n_conns_alloc;

        /* Connections with queued datagrams, for quic_server_flush(). At
         * most one entry per connection, so n_conns_alloc slots do. */
        QuicConn **flush;
        size_t n_flush, n_flush_alloc;

        QuicServerCounters counters;
};

/* ---- CID table --------------------------------------------------------------- */

static uint64_t cid_hash(const CidTable *t, const uint8_t *data, size_t len) {
        uint64_t h = UINT64_C(0xcbf29ce484222325) ^ t->seed;

        h = (h ^ len) * UINT64_C(0x100000001b3);
        for (size_t i = 0; i < len; i++)
                h = (h ^ data[i]) * UINT64_C(0x100000001b3);
        /* FNV's low bits mix poorly; fold the high half in. */
        return h ^ (h >> 32);
}

static CidEntry *cid_table_find(CidTable *t, const uint8_t *data, size_t len) {
        size_t mask, i;

        if (t->capacity == 0 || len == 0 || len > NGTCP2_MAX_CIDLEN)
                return NULL;
        mask = t->capacity - 1;
        i = (size_t) cid_hash(t, data, len) & mask;
        for (size_t probes = 0; probes < t->capacity; probes++, i = (i + 1) & mask) {
                CidEntry *e = &t->entries[i];

                if (!e->conn && e->len == 0)
                        return NULL;
                if (e->conn && e->len == len && memcmp(e->data, data, len) == 0)
                        return e;
        }
        return NULL;
}

static int cid_table_resize(CidTable *t, size_t capacity) {
        CidEntry *old = t->entries;
        size_t old_capacity = t->capacity;

        t->entries = calloc(capacity, sizeof *t->entries);
        if (!t->entries) {
                t->entries = old;
                return -ENOMEM;
        }
        t->capacity = capacity;
        t->n_live = t->n_tombstones = 0;

        for (size_t i = 0; i < old_capacity; i++) {
                CidEntry *e = &old[i], *slot;
                size_t mask = capacity - 1, j;

                if (!e->conn)
                        continue;
                j = (size_t) cid_hash(t, e->data, e->len) & mask;
                while (t->entries[j].conn)
                        j = (j + 1) & mask;
                slot = &t->entries[j];
                *slot = *e;
                t->n_live++;
        }
        free(old);
        return 0;
}

static int cid_table_add(CidTable *t, const uint8_t *data, size_t len, QuicConn *conn) {
        size_t mask, i;
        CidEntry *tomb = NULL;
        int r;

        if (len == 0 || len > NGTCP2_MAX_CIDLEN || !conn)
                return -EINVAL;

        /* Keep at most half the slots used, tombstones included, so probes
         * stay short and always end at an empty slot. */
        if ((t->n_live + t->n_tombstones + 1) * 2 > t->capacity) {
                size_t cap = CID_TABLE_MIN;
                while (cap < (t->n_live + 1) * 4)
                        cap *= 2;
                r = cid_table_resize(t, cap);
                if (r < 0)
                        return r;
        }

        mask = t->capacity - 1;
        i = (size_t) cid_hash(t, data, len) & mask;
        for (;; i = (i + 1) & mask) {
                CidEntry *e = &t->entries[i];

                if (e->conn) {
                        if (e->len == len && memcmp(e->data, data, len) == 0)
                                return e->conn == conn ? 0 : -EEXIST;
                        continue;
                }
                if (e->len == CID_TOMBSTONE) {
                        if (!tomb)
                                tomb = e;
                        continue;
                }
                if (tomb) {
                        e = tomb;
                        t->n_tombstones--;
                }
                e->conn = conn;
                e->len = (uint8_t) len;
                memcpy(e->data, data, len);
                t->n_live++;
                return 0;
        }
}

static void cid_table_remove(CidTable *t, const uint8_t *data, size_t len, QuicConn *conn) {
        CidEntry *e = cid_table_find(t, data, len);

        if (!e || e->conn != conn)
                return;
        e->conn = NULL;
        e->len = CID_TOMBSTONE;
        t->n_live--;
        t->n_tombstones++;
}

static int server_cid_add(void *userdata, QuicConn *c, const ngtcp2_cid *cid) {
        QuicServer *s = userdata;
        return cid_table_add(&s->cids, cid->data, cid->datalen, c);
}

static void server_cid_remove(void *userdata, QuicConn *c, const ngtcp2_cid *cid) {
        QuicServer *s = userdata;
        cid_table_remove(&s->cids, cid->data, cid->datalen, c);
}

/* ---- helpers --------------------------------------------------------------------- */

static bool rate_limit_allow(RateLimit *rl, uint64_t now) {
        uint64_t tat = MAX(rl->tat, now);

        if (tat - now > rl->interval * (rl->burst - 1))
                return false;
        rl->tat = tat + rl->interval;
        return true;
}

/* Stateless answers leave from the address the packet came to. */
static void server_send(QuicServer *s, const QuicAddr *local, const QuicAddr *remote, const uint8_t *data,
                        size_t len) {
        ngtcp2_path path = {
                .local = {.addr = (ngtcp2_sockaddr *) &local->sa.sa, .addrlen = local->len},
                .remote = {.addr = (ngtcp2_sockaddr *) &remote->sa.sa, .addrlen = remote->len},
        };

        if (s->callbacks.send)
                (void) s->callbacks.send(s->send_userdata, &path, data, len);
}

static void server_send_version_negotiation(QuicServer *s, const QuicAddr *local, const QuicAddr *remote,
                                            const ngtcp2_version_cid *vc, uint64_t now) {
        uint8_t buf[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
        uint32_t versions[2], grease;
        uint8_t unused;
        ngtcp2_ssize n;

        if (!rate_limit_allow(&s->stateless_limit, now)) {
                s->counters.stateless_limited++;
                return;
        }
        if (gnutls_rnd(GNUTLS_RND_NONCE, &grease, sizeof grease) < 0 ||
            gnutls_rnd(GNUTLS_RND_NONCE, &unused, sizeof unused) < 0)
                return;
        /* A reserved version (RFC 9000 15) keeps clients' VN handling honest. */
        versions[0] = (grease & UINT32_C(0xf0f0f0f0)) | UINT32_C(0x0a0a0a0a);
        versions[1] = NGTCP2_PROTO_VER_V1;

        n = ngtcp2_pkt_write_version_negotiation(buf, sizeof buf, unused, vc->scid, vc->scidlen, vc->dcid,
                                                 vc->dcidlen, versions, ELEMENTSOF(versions));
        if (n <= 0)
                return;
        s->counters.version_negotiations++;
        server_send(s, local, remote, buf, (size_t) n);
}

static void server_send_stateless_reset(QuicServer *s, const QuicAddr *local, const QuicAddr *remote,
                                        const uint8_t *dcid, size_t pkt_len, uint64_t now) {
        uint8_t buf[RESET_SIZE_MAX], token[NGTCP2_STATELESS_RESET_TOKENLEN], rnd[RESET_SIZE_MAX];
        size_t reset_len;
        ngtcp2_cid cid;
        ngtcp2_ssize n;

        if (pkt_len < RESET_TRIGGER_MIN) {
                s->counters.packets_dropped++;
                return;
        }
        if (!rate_limit_allow(&s->stateless_limit, now)) {
                s->counters.stateless_limited++;
                return;
        }

        ngtcp2_cid_init(&cid, dcid, QUIC_CID_LEN);
        if (ngtcp2_crypto_generate_stateless_reset_token(token, s->reset_secret, sizeof s->reset_secret, &cid) != 0)
                return;

        reset_len = MIN(pkt_len - 1, (size_t) RESET_SIZE_MAX);
        if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, reset_len - NGTCP2_STATELESS_RESET_TOKENLEN) < 0)
                return;
        n = ngtcp2_pkt_write_stateless_reset(buf, sizeof buf, token, rnd, reset_len - NGTCP2_STATELESS_RESET_TOKENLEN);
        if (n <= 0)
                return;
        s->counters.stateless_resets++;
        server_send(s, local, remote, buf, (size_t) n);
}

static void server_refuse(QuicServer *s, const QuicAddr *local, const QuicAddr *remote, const ngtcp2_pkt_hd *hd) {
        static const char reason[] = "relay is full";
        uint8_t buf[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
        ngtcp2_ssize n;

        s->counters.connections_refused++;
        n = ngtcp2_crypto_write_connection_close(buf, sizeof buf, hd->version, &hd->scid, &hd->dcid,
                                                 NGTCP2_CONNECTION_REFUSED, (const uint8_t *) reason,
                                                 sizeof reason - 1);
        if (n > 0)
                server_send(s, local, remote, buf, (size_t) n);
}

static int server_conns_add(QuicServer *s, QuicConn *c) {
        if (s->n_conns == s->n_conns_alloc) {
                size_t n = MAX((size_t) 16, s->n_conns_alloc * 2);
                QuicConn **a = realloc(s->conns, n * sizeof *a);
                if (!a)
                        return -ENOMEM;
                s->conns = a;
                s->n_conns_alloc = n;
        }
        /* Grown here, never on the data path. */
        if (s->n_flush_alloc < s->n_conns_alloc) {
                QuicConn **a = realloc(s->flush, s->n_conns_alloc * sizeof *a);
                if (!a)
                        return -ENOMEM;
                s->flush = a;
                s->n_flush_alloc = s->n_conns_alloc;
        }
        s->conns[s->n_conns++] = c;
        return 0;
}

static void server_flush_forget(QuicServer *s, QuicConn *c) {
        for (size_t i = 0; i < s->n_flush; i++)
                if (s->flush[i] == c) {
                        s->flush[i] = s->flush[--s->n_flush];
                        return;
                }
}

static void server_conns_remove_at(QuicServer *s, size_t i) {
        server_flush_forget(s, s->conns[i]);
        quic_conn_free_server(s->conns[i]);
        s->conns[i] = s->conns[--s->n_conns];
}

static void server_write_wanted(void *userdata, QuicConn *c) {
        QuicServer *s = userdata;

        /* Cannot overflow: one entry per live connection. */
        if (s->n_flush < s->n_flush_alloc)
                s->flush[s->n_flush++] = c;
}

static void server_reap(QuicServer *s, QuicConn *c) {
        if (!quic_conn_is_dead(c))
                return;
        for (size_t i = 0; i < s->n_conns; i++)
                if (s->conns[i] == c) {
                        server_conns_remove_at(s, i);
                        return;
                }
}

static void server_accept(QuicServer *s, const QuicAddr *local, const QuicAddr *remote, const uint8_t *data,
                          size_t len, uint64_t now) {
        ngtcp2_pkt_hd hd;
        QuicConn *c = NULL;
        int r;

        r = ngtcp2_accept(&hd, data, len);
        if (r != 0 || hd.dcid.datalen < NGTCP2_MIN_INITIAL_DCIDLEN) {
                s->counters.packets_dropped++;
                return;
        }

        if (s->n_conns >= s->max_connections) {
                server_refuse(s, local, remote, &hd);
                return;
        }

        QuicServerConnConfig cfg = {
                .settings = s->settings,
                .credentials = s->credentials,
                .callbacks = s->callbacks,
                .userdata = s->userdata,
                .send_userdata = s->send_userdata,
                .hooks = {
                        .server = s,
                        .cid_add = server_cid_add,
                        .cid_remove = server_cid_remove,
                        .write_wanted = server_write_wanted,
                        .reset_secret = s->reset_secret,
                        .reset_secret_len = sizeof s->reset_secret,
                },
                .tls_exporter_label = s->tls_exporter_size > 0 ? s->tls_exporter_label : NULL,
                .tls_exporter_size = s->tls_exporter_size,
        };

        r = quic_conn_new_server(&c, &cfg, &hd, local, remote, now);
        if (r < 0) {
                log_debug_errno(r, "Failed to create a QUIC connection, dropping Initial: %m");
                s->counters.packets_dropped++;
                return;
        }
        r = server_conns_add(s, c);
        if (r < 0) {
                quic_conn_free_server(c);
                return;
        }
        s->counters.connections_accepted++;

        (void) quic_conn_read_packet_at(c, local, remote, data, len, now);
        (void) quic_conn_write(c, now);
        server_reap(s, c);
}

/* ---- public ------------------------------------------------------------------------- */

int quic_server_new(QuicServer **ret, const QuicServerConfig *config) {
        _cleanup_(quic_server_freep) QuicServer *s = NULL;
        uint64_t seed;
        int r;

        if (!ret || !config || !config->credentials || config->local.len == 0)
                return -EINVAL;
        if (config->tls_exporter_label &&
            (strlen(config->tls_exporter_label) > QUIC_TLS_EXPORTER_LABEL_MAX || config->tls_exporter_size == 0 ||
             config->tls_exporter_size > QUIC_TLS_EXPORTER_SIZE_MAX))
                return -EINVAL;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;

        s->settings = config->settings;
        s->credentials = quic_tls_credentials_ref(config->credentials);
        s->local = config->local;
        s->max_connections = config->max_connections > 0 ? config->max_connections
                                                         : QUIC_SERVER_MAX_CONNECTIONS_DEFAULT;
        s->callbacks = config->callbacks;
        s->userdata = config->userdata;
        s->send_userdata = config->send_userdata;
        if (config->tls_exporter_label) {
                memcpy(s->tls_exporter_label, config->tls_exporter_label, strlen(config->tls_exporter_label) + 1);
                s->tls_exporter_size = config->tls_exporter_size;
        }
        s->stateless_limit = (RateLimit){
                .interval = QUIC_NS_PER_SEC / QUIC_SERVER_STATELESS_PER_SEC,
                .burst = QUIC_SERVER_STATELESS_BURST,
        };

        if (config->reset_secret)
                memcpy(s->reset_secret, config->reset_secret, sizeof s->reset_secret);
        else if (gnutls_rnd(GNUTLS_RND_KEY, s->reset_secret, sizeof s->reset_secret) < 0)
                return -EIO;
        if (gnutls_rnd(GNUTLS_RND_RANDOM, &seed, sizeof seed) < 0)
                return -EIO;
        s->cids.seed = seed;
        r = cid_table_resize(&s->cids, CID_TABLE_MIN);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

QuicServer *quic_server_free(QuicServer *s) {
        if (!s)
                return NULL;
        while (s->n_conns > 0)
                server_conns_remove_at(s, s->n_conns - 1);
        free(s->conns);
        free(s->flush);
        free(s->cids.entries);
        quic_tls_credentials_unref(s->credentials);
        gnutls_memset(s->reset_secret, 0, sizeof s->reset_secret);
        free(s);
        return NULL;
}

static int server_read(QuicServer *s, const QuicAddr *local, const QuicAddr *remote, const uint8_t *data,
                       size_t len, uint64_t now, bool write_now) {
        ngtcp2_version_cid vc;
        QuicConn *c;
        CidEntry *e;
        int r;

        if (!s || (local && local->len == 0) || !remote || remote->len == 0 || (!data && len > 0))
                return -EINVAL;
        if (!local)
                local = &s->local;

        s->counters.packets_rx++;
        if (len == 0) {
                s->counters.packets_dropped++;
                return 0;
        }

        r = ngtcp2_pkt_decode_version_cid(&vc, data, len, QUIC_CID_LEN);
        if (r == NGTCP2_ERR_VERSION_NEGOTIATION) {
                server_send_version_negotiation(s, local, remote, &vc, now);
                return 0;
        }
        if (r != 0) {
                s->counters.packets_dropped++;
                return 0;
        }

        e = cid_table_find(&s->cids, vc.dcid, vc.dcidlen);
        if (e) {
                c = e->conn;
                (void) quic_conn_read_packet_at(c, local, remote, data, len, now);
                if (write_now)
                        (void) quic_conn_write(c, now);
                else if (!quic_conn_is_dead(c))
                        quic_conn_want_flush(c);
                server_reap(s, c);
                return 0;
        }

        if (vc.version == 0)
                server_send_stateless_reset(s, local, remote, vc.dcid, len, now);
        else
                server_accept(s, local, remote, data, len, now);
        return 0;
}

int quic_server_read_packet(QuicServer *s, const QuicAddr *local, const QuicAddr *remote, const uint8_t *data,
                            size_t len, uint64_t now) {
        return server_read(s, local, remote, data, len, now, true);
}

int quic_server_read_packet_batched(QuicServer *s, const QuicAddr *local, const QuicAddr *remote,
                                    const uint8_t *data, size_t len, uint64_t now) {
        return server_read(s, local, remote, data, len, now, false);
}

int quic_server_flush(QuicServer *s, uint64_t now) {
        uint64_t n = 0;

        if (!s)
                return -EINVAL;
        /* Writing can end a connection, and reaping it takes it off this
         * list: always take the last entry. */
        while (s->n_flush > 0) {
                QuicConn *c = s->flush[--s->n_flush];
                int r = quic_conn_flush(c, now);

                if (r > 0)
                        n += (uint64_t) r;
                server_reap(s, c);
        }
        return (int) MIN(n, (uint64_t) INT32_MAX);
}

uint64_t quic_server_get_expiry(QuicServer *s) {
        uint64_t e = UINT64_MAX;

        if (!s)
                return e;
        for (size_t i = 0; i < s->n_conns; i++)
                e = MIN(e, quic_conn_get_expiry(s->conns[i]));
        return e;
}

int quic_server_handle_expiry(QuicServer *s, uint64_t now) {
        uint64_t n = 0;

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < s->n_conns;) {
                QuicConn *c = s->conns[i];

                if (quic_conn_get_expiry(c) <= now) {
                        int r = quic_conn_handle_expiry(c, now);
                        if (r > 0)
                                n += (uint64_t) r;
                }
                if (quic_conn_is_dead(c))
                        server_conns_remove_at(s, i); /* the last one moved into i */
                else
                        i++;
        }
        return (int) MIN(n, (uint64_t) INT32_MAX);
}

int quic_server_set_credentials(QuicServer *s, QuicTlsCredentials *c) {
        if (!s || !c)
                return -EINVAL;
        quic_tls_credentials_ref(c);
        quic_tls_credentials_unref(s->credentials);
        s->credentials = c;
        return 0;
}

void quic_server_close_all(QuicServer *s, uint64_t app_error_code, const char *reason, uint64_t now) {
        if (!s)
                return;
        /* Callbacks may not free server connections, so the array is stable
         * while we walk it; the dead are reaped afterwards. */
        for (size_t i = 0; i < s->n_conns; i++)
                (void) quic_conn_close(s->conns[i], app_error_code, reason, now);
        for (size_t i = 0; i < s->n_conns;)
                if (quic_conn_is_dead(s->conns[i]))
                        server_conns_remove_at(s, i);
                else
                        i++;
}

size_t quic_server_get_n_connections(QuicServer *s) {
        return s ? s->n_conns : 0;
}

size_t quic_server_get_n_cids(QuicServer *s) {
        return s ? s->cids.n_live : 0;
}

void quic_server_get_counters(QuicServer *s, QuicServerCounters *ret) {
        if (!ret)
                return;
        *ret = s ? s->counters : (QuicServerCounters){0};
}
