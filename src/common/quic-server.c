/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "log.h"
#include "quic-compat.h"
#include "quic-server.h"
#include "ratelimit.h"
#include "timer-heap.h"
#include "string-table.h"

#define RESET_SECRET_SIZE QUIC_SERVER_RESET_SECRET_SIZE
#define CID_TABLE_MIN 64
#define RETRY_SECRET_SIZE 32
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

/* Per-source buckets for stateless resets and version negotiation: a
 * source prefix hashes (seeded) to one of these, so junk from one source
 * uses up its own bucket, not the resets owed to the others. */
#define STATELESS_BUCKETS 1024

/* Where a connection is on its way in. */
typedef enum ConnPhase {
        PHASE_HANDSHAKE, /* the QUIC handshake is not complete */
        PHASE_PENDING,   /* complete, not admitted by the owner yet */
        PHASE_ADMITTED,  /* quic_server_admit() */
        PHASE_CLOSED,    /* closing or draining before it was admitted */
} ConnPhase;

/* A source: an IPv4 address, or the /64 of an IPv6 address. */
typedef struct SourcePrefix {
        uint64_t bits;
        uint8_t family; /* 0: an empty slot */
} SourcePrefix;

typedef struct SourceEntry {
        SourcePrefix prefix;
        uint32_t n_unadmitted; /* validated connections not admitted yet */
} SourceEntry;

/* Open addressing with linear probing and backward-shift deletion (no
 * tombstones). Sized once for max_connections: at most that many prefixes
 * ever have a count, so it is at most half full. */
typedef struct SourceTable {
        SourceEntry *entries;
        size_t capacity;
        uint64_t seed;
} SourceTable;

/* The endpoint's record of one connection. */
typedef struct ServerConn {
        TimerHeapNode timer;
        QuicConn *conn;
        size_t index; /* in QuicServer.conns */
        ConnPhase phase;
        /* The address is validated: a Retry token verified, or the
         * handshake completed (the client read our Handshake packets). */
        bool validated;
        uint64_t admission_deadline; /* PHASE_PENDING: closed at this time */
        SourcePrefix source;
} ServerConn;

struct QuicServer {
        QuicSettings settings;
        QuicTlsCredentials *credentials;
        QuicAddr local;
        QuicServerLimits limits;
        QuicConnCallbacks callbacks;
        void *userdata;
        void *send_userdata;
        char tls_exporter_label[QUIC_TLS_EXPORTER_LABEL_MAX + 1];
        size_t tls_exporter_size; /* 0: no exporter kept */

        uint8_t reset_secret[RESET_SECRET_SIZE];
        uint8_t retry_secret[RETRY_SECRET_SIZE];
        CidTable cids;
        SourceTable sources;
        RateLimit stateless_limits[STATELESS_BUCKETS];
        uint64_t stateless_seed;

        ServerConn **conns;
        size_t n_conns, n_conns_alloc;
        size_t n_unvalidated; /* in PHASE_HANDSHAKE and not validated */
        size_t n_unadmitted;  /* PHASE_HANDSHAKE + PHASE_PENDING */

        /* Every connection keyed by its next deadline (its QUIC timer, its
         * admission deadline, or 0 once it is dead). */
        TimerHeap timers;
        ServerConn **due; /* quic_server_handle_expiry()'s scratch list */

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

/* ---- sources ------------------------------------------------------------------------ */

static SourcePrefix source_prefix(const QuicAddr *a) {
        static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        SourcePrefix p = { .family = (uint8_t) a->sa.sa.sa_family };
        const uint8_t *in6 = (const uint8_t *) &a->sa.in6.sin6_addr;

        if (a->sa.sa.sa_family == AF_INET)
                memcpy(&p.bits, &a->sa.in.sin_addr, 4);
        else if (memcmp(in6, v4mapped, sizeof v4mapped) == 0) {
                /* An IPv4 client on a dual-stack socket ([::]:443, the
                 * default): its IPv4 address, not the /64 all of them
                 * share. */
                p.family = AF_INET;
                memcpy(&p.bits, in6 + 12, 4);
        } else
                memcpy(&p.bits, in6, 8); /* the /64 */
        return p;
}

static bool source_prefix_equal(const SourcePrefix *a, const SourcePrefix *b) {
        return a->family == b->family && a->bits == b->bits;
}

static uint64_t source_hash(const SourcePrefix *p, uint64_t seed) {
        uint64_t h = UINT64_C(0xcbf29ce484222325) ^ seed;
        uint8_t b[sizeof p->bits];

        memcpy(b, &p->bits, sizeof b);
        h = (h ^ p->family) * UINT64_C(0x100000001b3);
        for (size_t i = 0; i < sizeof b; i++)
                h = (h ^ b[i]) * UINT64_C(0x100000001b3);
        return h ^ (h >> 32);
}

/* The entry of the prefix, added with a count of 0 if `add`. The table
 * never fills: see SourceTable. */
static SourceEntry *source_table_get(SourceTable *t, const SourcePrefix *p, bool add) {
        size_t mask = t->capacity - 1, i = (size_t) source_hash(p, t->seed) & mask;

        for (size_t probes = 0; probes < t->capacity; probes++, i = (i + 1) & mask) {
                SourceEntry *e = &t->entries[i];

                if (e->prefix.family == 0) {
                        if (!add)
                                return NULL;
                        *e = (SourceEntry) { .prefix = *p };
                        return e;
                }
                if (source_prefix_equal(&e->prefix, p))
                        return e;
        }
        return NULL;
}

/* Backward-shift deletion keeps every probe sequence unbroken. */
static void source_table_delete(SourceTable *t, SourceEntry *e) {
        size_t mask = t->capacity - 1, hole = (size_t) (e - t->entries), i = hole;

        for (;;) {
                size_t home;

                i = (i + 1) & mask;
                if (t->entries[i].prefix.family == 0)
                        break;
                home = (size_t) source_hash(&t->entries[i].prefix, t->seed) & mask;
                /* Move it into the hole unless its home lies in (hole, i]. */
                if (((i - home) & mask) >= ((i - hole) & mask)) {
                        t->entries[hole] = t->entries[i];
                        hole = i;
                }
        }
        t->entries[hole] = (SourceEntry) { .prefix.family = 0 };
}

static uint32_t source_count(QuicServer *s, const SourcePrefix *p) {
        SourceEntry *e = source_table_get(&s->sources, p, false);
        return e ? e->n_unadmitted : 0;
}

/* ---- accounting ------------------------------------------------------------------- */

static void account(QuicServer *s, ServerConn *sc, int sign) {
        SourceEntry *e;

        /* A connection on its way out holds a slot until it is gone, but
         * no longer its source's share: the source may try again. */
        if (sc->phase == PHASE_ADMITTED || sc->phase == PHASE_CLOSED)
                return;
        s->n_unadmitted += (size_t) sign;
        if (!sc->validated) {
                s->n_unvalidated += (size_t) sign;
                return;
        }
        e = source_table_get(&s->sources, &sc->source, sign > 0);
        if (!e)
                return;
        e->n_unadmitted += (uint32_t) sign;
        if (e->n_unadmitted == 0)
                source_table_delete(&s->sources, e);
}

/* Brings the record in step with the connection after anything happened
 * to it: phase, counts, and its place in the timer heap. */
static void server_conn_sync(QuicServer *s, ServerConn *sc, uint64_t now) {
        QuicConn *c = sc->conn;
        QuicState state = quic_conn_get_state(c);
        uint64_t key;

        if (sc->phase != PHASE_ADMITTED && sc->phase != PHASE_CLOSED && state >= QUIC_STATE_CLOSING) {
                account(s, sc, -1);
                sc->phase = PHASE_CLOSED;
        }
        if (sc->phase == PHASE_HANDSHAKE && state == QUIC_STATE_ESTABLISHED) {
                account(s, sc, -1);
                sc->phase = PHASE_PENDING;
                sc->validated = true;
                account(s, sc, +1);
                if (s->limits.admission_timeout > 0)
                        sc->admission_deadline = now + s->limits.admission_timeout;
        }

        if (quic_conn_is_dead(c))
                key = 0;
        else {
                key = quic_conn_get_expiry(c);
                if (sc->admission_deadline > 0 && sc->phase == PHASE_PENDING && state == QUIC_STATE_ESTABLISHED)
                        key = MIN(key, sc->admission_deadline);
        }
        /* Cannot fail: a slot is reserved for every connection. */
        (void) timer_heap_set(&s->timers, &sc->timer, key);
}

static void server_changed(void *userdata, QuicConn *c, uint64_t now) {
        ServerConn *sc = quic_conn_get_server_data(c);

        if (sc)
                server_conn_sync(userdata, sc, now);
}

/* ---- helpers --------------------------------------------------------------------- */

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

/* The stateless answers' bucket of the source. */
static bool stateless_allow(QuicServer *s, const QuicAddr *remote, uint64_t now) {
        SourcePrefix p = source_prefix(remote);
        RateLimit *rl = &s->stateless_limits[source_hash(&p, s->stateless_seed) % STATELESS_BUCKETS];

        if (ratelimit_consume(rl, now, 1))
                return true;
        s->counters.stateless_limited++;
        return false;
}

static void server_send_version_negotiation(QuicServer *s, const QuicAddr *local, const QuicAddr *remote,
                                            const ngtcp2_version_cid *vc, uint64_t now) {
        uint8_t buf[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
        uint32_t versions[2], grease;
        uint8_t unused;
        ngtcp2_ssize n;

        if (!stateless_allow(s, remote, now))
                return;
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
        if (!stateless_allow(s, remote, now))
                return;

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

static const char *const quic_server_refusal_table[_QUIC_SERVER_REFUSAL_MAX] = {
        [QUIC_SERVER_REFUSAL_FULL] = "full",
        [QUIC_SERVER_REFUSAL_UNADMITTED] = "unadmitted",
        [QUIC_SERVER_REFUSAL_SOURCE] = "source",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(quic_server_refusal, QuicServerRefusal)

/* CONNECTION_CLOSE with CONNECTION_REFUSED: smaller than the Initial that
 * asked, so no amplification, and the client gives up at once. */
static void server_refuse(QuicServer *s, const QuicAddr *local, const QuicAddr *remote, const ngtcp2_pkt_hd *hd,
                          QuicServerRefusal why) {
        static const char *const reasons[_QUIC_SERVER_REFUSAL_MAX] = {
                [QUIC_SERVER_REFUSAL_FULL] = "relay is full",
                [QUIC_SERVER_REFUSAL_UNADMITTED] = "relay is busy with new connections, try again",
                [QUIC_SERVER_REFUSAL_SOURCE] = "too many new connections from your address, try again",
        };
        uint8_t buf[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
        ngtcp2_ssize n;

        s->counters.connections_refused++;
        s->counters.refused[why]++;
        n = ngtcp2_crypto_write_connection_close(buf, sizeof buf, hd->version, &hd->scid, &hd->dcid,
                                                 NGTCP2_CONNECTION_REFUSED, (const uint8_t *) reasons[why],
                                                 strlen(reasons[why]));
        if (n > 0)
                server_send(s, local, remote, buf, (size_t) n);
}

/* A Retry with a token for this address and DCID; no state is kept. */
static void server_send_retry(QuicServer *s, const QuicAddr *local, const QuicAddr *remote, const ngtcp2_pkt_hd *hd,
                              uint64_t now) {
        uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN], buf[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
        ngtcp2_ssize tokenlen, n;
        ngtcp2_cid scid;
        uint8_t cid[QUIC_CID_LEN];

        if (gnutls_rnd(GNUTLS_RND_NONCE, cid, sizeof cid) < 0)
                return;
        ngtcp2_cid_init(&scid, cid, sizeof cid);
        tokenlen = ngtcp2_crypto_generate_retry_token(token, s->retry_secret, sizeof s->retry_secret, hd->version,
                                                      &remote->sa.sa, remote->len, &scid, &hd->dcid, now);
        if (tokenlen < 0)
                return;
        n = ngtcp2_crypto_write_retry(buf, sizeof buf, hd->version, &hd->scid, &scid, &hd->dcid, token,
                                      (size_t) tokenlen);
        if (n <= 0)
                return;
        s->counters.retries++;
        server_send(s, local, remote, buf, (size_t) n);
}

static int server_conns_add(QuicServer *s, ServerConn *sc) {
        if (s->n_conns == s->n_conns_alloc) {
                size_t n = MAX((size_t) 16, s->n_conns_alloc * 2);
                ServerConn **a = realloc(s->conns, n * sizeof *a);
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
        {
                ServerConn **a = realloc(s->due, s->n_conns_alloc * sizeof *a);
                if (!a)
                        return -ENOMEM;
                s->due = a;
        }
        if (timer_heap_reserve(&s->timers, s->n_conns_alloc) < 0)
                return -ENOMEM;
        sc->index = s->n_conns;
        s->conns[s->n_conns++] = sc;
        return 0;
}

static void server_flush_forget(QuicServer *s, QuicConn *c) {
        for (size_t i = 0; i < s->n_flush; i++)
                if (s->flush[i] == c) {
                        s->flush[i] = s->flush[--s->n_flush];
                        return;
                }
}

static void server_conn_free(QuicServer *s, ServerConn *sc) {
        ServerConn *last;

        server_flush_forget(s, sc->conn);
        timer_heap_remove(&s->timers, &sc->timer);
        account(s, sc, -1);
        quic_conn_free_server(sc->conn);

        last = s->conns[--s->n_conns];
        s->conns[sc->index] = last;
        last->index = sc->index;
        free(sc);
}

static void server_write_wanted(void *userdata, QuicConn *c) {
        QuicServer *s = userdata;

        /* Cannot overflow: one entry per live connection. */
        if (s->n_flush < s->n_flush_alloc)
                s->flush[s->n_flush++] = c;
}

static void server_reap(QuicServer *s, QuicConn *c) {
        ServerConn *sc = quic_conn_get_server_data(c);

        if (sc && quic_conn_is_dead(c))
                server_conn_free(s, sc);
}

/* Whether a new connection from `remote` may start; refuses it if not. */
static bool server_admission_check(QuicServer *s, const QuicAddr *local, const QuicAddr *remote,
                                   const ngtcp2_pkt_hd *hd) {
        const QuicServerLimits *l = &s->limits;

        if (s->n_conns >= l->max_connections) {
                server_refuse(s, local, remote, hd, QUIC_SERVER_REFUSAL_FULL);
                return false;
        }
        if (s->n_unadmitted >= l->max_connections - l->reserved_admitted) {
                server_refuse(s, local, remote, hd, QUIC_SERVER_REFUSAL_UNADMITTED);
                return false;
        }
        /* Only validated connections count, so a spoofer cannot use up the
         * share of someone else's address; the check applies to every
         * Initial, so nobody collects pending connections one unvalidated
         * handshake at a time. */
        if (l->max_unadmitted_per_source > 0) {
                SourcePrefix p = source_prefix(remote);

                if (source_count(s, &p) >= l->max_unadmitted_per_source) {
                        server_refuse(s, local, remote, hd, QUIC_SERVER_REFUSAL_SOURCE);
                        return false;
                }
        }
        return true;
}

static void server_accept(QuicServer *s, const QuicAddr *local, const QuicAddr *remote, const uint8_t *data,
                          size_t len, uint64_t now) {
        ngtcp2_pkt_hd hd;
        ngtcp2_cid odcid;
        const uint8_t *token;
        size_t token_len;
        bool validated = false;
        ServerConn *sc;
        QuicConn *c = NULL;
        int r;

        r = ngtcp2_accept(&hd, data, len);
        if (r != 0 || hd.dcid.datalen < NGTCP2_MIN_INITIAL_DCIDLEN) {
                s->counters.packets_dropped++;
                return;
        }

        quic_compat_pkt_hd_token(&hd, &token, &token_len);
        if (s->limits.retry && token_len > 0 && token[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY) {
                if (ngtcp2_crypto_verify_retry_token(&odcid, token, token_len, s->retry_secret,
                                                     sizeof s->retry_secret, hd.version, &remote->sa.sa, remote->len,
                                                     &hd.dcid, QUIC_SERVER_RETRY_TOKEN_TIMEOUT, now) != 0) {
                        /* Forged, expired or from another address: a real
                         * client would not send it. */
                        s->counters.retry_tokens_invalid++;
                        s->counters.packets_dropped++;
                        return;
                }
                validated = true;
        }

        if (!server_admission_check(s, local, remote, &hd))
                return;
        if (s->limits.retry && !validated && s->n_unvalidated >= s->limits.retry_threshold) {
                server_send_retry(s, local, remote, &hd, now);
                return;
        }

        sc = calloc(1, sizeof *sc);
        if (!sc) {
                s->counters.packets_dropped++;
                return;
        }
        timer_heap_node_init(&sc->timer);
        sc->phase = PHASE_HANDSHAKE;
        sc->validated = validated;
        sc->source = source_prefix(remote);

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
                        .changed = server_changed,
                        .conn_data = sc,
                },
                .tls_exporter_label = s->tls_exporter_size > 0 ? s->tls_exporter_label : NULL,
                .tls_exporter_size = s->tls_exporter_size,
                .retry_original_dcid = validated ? &odcid : NULL,
                .retry_token = validated ? token : NULL,
                .retry_token_len = validated ? token_len : 0,
        };

        r = quic_conn_new_server(&c, &cfg, &hd, local, remote, now);
        if (r < 0) {
                log_debug_errno(r, "Failed to create a QUIC connection, dropping Initial: %m");
                s->counters.packets_dropped++;
                free(sc);
                return;
        }
        sc->conn = c;
        r = server_conns_add(s, sc);
        if (r < 0) {
                quic_conn_free_server(c);
                free(sc);
                return;
        }
        account(s, sc, +1);
        s->counters.connections_accepted++;

        (void) quic_conn_read_packet_at(c, local, remote, data, len, now);
        (void) quic_conn_write(c, now);
        server_reap(s, c);
}

/* ---- public ------------------------------------------------------------------------- */

int quic_server_new(QuicServer **ret, const QuicServerConfig *config) {
        _cleanup_(quic_server_freep) QuicServer *s = NULL;
        uint64_t seed;
        size_t cap;
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
        s->limits = config->limits;
        if (s->limits.max_connections == 0)
                s->limits.max_connections = QUIC_SERVER_MAX_CONNECTIONS_DEFAULT;
        if (s->limits.reserved_admitted >= s->limits.max_connections)
                return -EINVAL;
        s->callbacks = config->callbacks;
        s->userdata = config->userdata;
        s->send_userdata = config->send_userdata;
        if (config->tls_exporter_label) {
                memcpy(s->tls_exporter_label, config->tls_exporter_label, strlen(config->tls_exporter_label) + 1);
                s->tls_exporter_size = config->tls_exporter_size;
        }
        for (size_t i = 0; i < STATELESS_BUCKETS; i++)
                ratelimit_init(&s->stateless_limits[i], QUIC_SERVER_STATELESS_PER_SEC, QUIC_SERVER_STATELESS_BURST);

        if (config->reset_secret)
                memcpy(s->reset_secret, config->reset_secret, sizeof s->reset_secret);
        else if (gnutls_rnd(GNUTLS_RND_KEY, s->reset_secret, sizeof s->reset_secret) < 0)
                return -EIO;
        /* Per process: a token outlives no restart, and lives seconds. */
        if (gnutls_rnd(GNUTLS_RND_KEY, s->retry_secret, sizeof s->retry_secret) < 0)
                return -EIO;
        if (gnutls_rnd(GNUTLS_RND_RANDOM, &seed, sizeof seed) < 0)
                return -EIO;
        s->cids.seed = seed;
        if (gnutls_rnd(GNUTLS_RND_RANDOM, &s->sources.seed, sizeof s->sources.seed) < 0 ||
            gnutls_rnd(GNUTLS_RND_RANDOM, &s->stateless_seed, sizeof s->stateless_seed) < 0)
                return -EIO;
        r = cid_table_resize(&s->cids, CID_TABLE_MIN);
        if (r < 0)
                return r;
        for (cap = 16; cap < 2 * s->limits.max_connections; cap *= 2)
                ;
        s->sources.entries = calloc(cap, sizeof *s->sources.entries);
        if (!s->sources.entries)
                return -ENOMEM;
        s->sources.capacity = cap;

        *ret = TAKE_PTR(s);
        return 0;
}

QuicServer *quic_server_free(QuicServer *s) {
        if (!s)
                return NULL;
        while (s->n_conns > 0)
                server_conn_free(s, s->conns[s->n_conns - 1]);
        free(s->conns);
        free(s->flush);
        free(s->due);
        timer_heap_done(&s->timers);
        free(s->cids.entries);
        free(s->sources.entries);
        quic_tls_credentials_unref(s->credentials);
        gnutls_memset(s->reset_secret, 0, sizeof s->reset_secret);
        gnutls_memset(s->retry_secret, 0, sizeof s->retry_secret);
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
        TimerHeapNode *top;

        if (!s)
                return UINT64_MAX;
        top = timer_heap_peek(&s->timers);
        return top ? top->key : UINT64_MAX;
}

int quic_server_handle_expiry(QuicServer *s, uint64_t now) {
        TimerHeapNode *node;
        size_t n_due = 0;
        uint64_t n = 0;

        if (!s)
                return -EINVAL;
        /* Take the due ones out first: handling one re-queues it, maybe
         * still due (pacing), and it must wait for the next call. */
        while ((node = timer_heap_pop_due(&s->timers, now)))
                s->due[n_due++] = (ServerConn *) node; /* timer is the first member */

        for (size_t i = 0; i < n_due; i++) {
                ServerConn *sc = s->due[i];
                QuicConn *c = sc->conn;

                if (sc->phase == PHASE_PENDING && sc->admission_deadline > 0 && now >= sc->admission_deadline &&
                    quic_conn_get_state(c) == QUIC_STATE_ESTABLISHED) {
                        s->counters.admission_timeouts++;
                        sc->admission_deadline = 0;
                        (void) quic_conn_close(c, QUIC_APP_ERROR_PROTOCOL, "not admitted in time", now);
                }
                if (!quic_conn_is_dead(c) && quic_conn_get_expiry(c) <= now) {
                        int r = quic_conn_handle_expiry(c, now);
                        if (r > 0)
                                n += (uint64_t) r;
                }
                if (quic_conn_is_dead(c))
                        server_conn_free(s, sc);
                else
                        server_conn_sync(s, sc, now);
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
                (void) quic_conn_close(s->conns[i]->conn, app_error_code, reason, now);
        for (size_t i = 0; i < s->n_conns;)
                if (quic_conn_is_dead(s->conns[i]->conn))
                        server_conn_free(s, s->conns[i]); /* the last one moved into i */
                else
                        i++;
}

void quic_server_admit(QuicServer *s, QuicConn *c) {
        ServerConn *sc = quic_conn_get_server_data(c);

        if (!s || !sc || sc->phase == PHASE_ADMITTED || sc->phase == PHASE_CLOSED)
                return;
        account(s, sc, -1);
        sc->phase = PHASE_ADMITTED;
        sc->validated = true;
        account(s, sc, +1);
}

size_t quic_server_get_n_connections(QuicServer *s) {
        return s ? s->n_conns : 0;
}

size_t quic_server_get_n_unadmitted(QuicServer *s) {
        return s ? s->n_unadmitted : 0;
}

size_t quic_server_get_n_unvalidated(QuicServer *s) {
        return s ? s->n_unvalidated : 0;
}

size_t quic_server_get_n_cids(QuicServer *s) {
        return s ? s->cids.n_live : 0;
}

void quic_server_get_counters(QuicServer *s, QuicServerCounters *ret) {
        if (!ret)
                return;
        *ret = s ? s->counters : (QuicServerCounters){0};
}
