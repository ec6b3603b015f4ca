/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-quic.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include "auth.h"
#include "fileio.h"
#include "flow-hash.h"
#include "log.h"
#include "relayd-manager.h"
#include "relayd-room.h"
#include "relayd-conn.h"

/* Rounds of RELAY_QUIC_RECV_BATCH per wakeup before other events get a
 * turn; the socket stays readable, so we come back. */
#define RECV_ROUNDS_MAX 16
#define HOUSEKEEPING_USEC (1U * 1000000U)
#define DEV_CERT_HOSTNAME_FALLBACK "lanparty-relay"

uint64_t relay_quic_now(RelayQuic *q) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        q->now = (uint64_t) ts.tv_sec * QUIC_NS_PER_SEC + (uint64_t) ts.tv_nsec;
        return q->now;
}

/* ---- QUIC callbacks ---------------------------------------------------------- */

void relay_quic_flush_sends(RelayQuic *q) {
        (void) udp_send_batch_flush(&q->send, q->manager->udp_fd);
}

static int on_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        RelayQuic *q = userdata;
        bool was_empty = q->send.n == 0;
        int r;

        /* From the address the peer talks to: on a host with several, the
         * kernel's choice would be another one, which the peer ignores. */
        r = udp_send_batch_add(&q->send, q->manager->udp_fd, (const struct sockaddr *) path->remote.addr,
                               (socklen_t) path->remote.addrlen, (const struct sockaddr *) path->local.addr,
                               (socklen_t) path->local.addrlen, data, len);
        if (r < 0)
                return r;
        /* Outside an event handler of ours (a D-Bus method closing a
         * connection, say) nothing else would flush this loop iteration. */
        if (was_empty && !q->in_handler)
                relay_quic_schedule(q);
        return 0;
}

static bool owner_is_relay_conn(void *userdata) {
        return userdata && *(RelayConnOwner *) userdata == RELAY_CONN_OWNER_CONN;
}

static void on_handshake_completed(QuicConn *c, void *userdata) {
        if (owner_is_relay_conn(userdata))
                return;
        ((RelayQuic *) userdata)->memory_freed = true;
        relay_conn_on_handshake(userdata, c);
}

static void on_control_received(QuicConn *c, const uint8_t *data, size_t len, void *userdata) {
        if (owner_is_relay_conn(userdata))
                relay_conn_on_control(userdata, data, len);
        else
                quic_conn_consume_control(c, len); /* cannot happen before the handshake */
}

static void on_datagram_received(QuicConn *c, const uint8_t *data, size_t len, void *userdata) {
        if (owner_is_relay_conn(userdata))
                relay_conn_on_datagram(userdata, data, len);
}

static void on_closed(QuicConn *c, const QuicCloseInfo *info, void *userdata) {
        if (owner_is_relay_conn(userdata)) {
                ((RelayConn *) userdata)->quic->memory_freed = true;
                relay_conn_on_closed(userdata, info);
        }
}

/* ---- dispatch ------------------------------------------------------------------- */

static void relay_quic_arm_timer(RelayQuic *q) {
        uint64_t expiry;
        int r;

        if (!q->server || !q->timer.source)
                return;
        expiry = quic_server_get_expiry(q->server);
        /* ns → µs, rounded up so the timer never fires before ngtcp2's
         * deadline (which would make it a busy loop). */
        r = event_timer_arm_by(&q->timer, expiry == UINT64_MAX ? UINT64_MAX : expiry / 1000 + 1);
        if (r < 0)
                log_warning_errno(r, "Failed to arm the QUIC timer, ignoring: %m");
}

void relay_quic_dispatch(RelayQuic *q) {
        RelayConn *rc;

        if (!q)
                return;
        (void) relay_quic_now(q);
        q->in_handler = true;
        (void) quic_server_flush(q->server, q->now);

        /* Leaving queues PEER_LEFT to others, writing may end connections:
         * go round until both queues are empty. */
        for (;;) {
                if ((rc = q->reap_queue)) {
                        q->reap_queue = rc->reap_next;
                        rc->reap_next = NULL;
                        rc->reap_queued = false;
                        relay_conn_reap(rc);
                        continue;
                }
                if ((rc = q->write_queue)) {
                        q->write_queue = rc->write_next;
                        rc->write_next = NULL;
                        rc->write_queued = false;
                        relay_conn_write(rc);
                        continue;
                }
                break;
        }

        relay_quic_flush_sends(q);
        q->in_handler = false;
        relay_quic_arm_timer(q);
}

static int on_work(sd_event_source *source, void *userdata) {
        relay_quic_dispatch(userdata);
        return 0;
}

void relay_quic_schedule(RelayQuic *q) {
        if (q && q->work_event_source)
                (void) sd_event_source_set_enabled(q->work_event_source, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        RelayQuic *q = userdata;

        event_timer_fired(&q->timer);
        q->in_handler = true;
        (void) quic_server_handle_expiry(q->server, relay_quic_now(q));
        relay_quic_dispatch(q);
        return 0;
}

/* Reads what has arrived, up to RECV_ROUNDS_MAX batches, and only then
 * writes: the frames of the whole wakeup leave together, packed per
 * destination, with one ACK per peer for all it sent (relay_quic_dispatch()
 * flushes). Writing after every recvmmsg() batch instead cost a packet per
 * frame once many peers share the load: 16 packets from 16 of 1000 peers
 * go to 16 different destinations (docs/PERFORMANCE.md, "Relay with 1000
 * peers"). A frame waits at most for the rest of its wakeup's reads, which
 * are more than one batch only while the relay is behind anyway. */
static int on_readable(Manager *m, int fd, void *userdata) {
        RelayQuic *q = userdata;

        q->in_handler = true;
        for (unsigned round = 0; round < RECV_ROUNDS_MAX; round++) {
                int n;

                for (size_t i = 0; i < RELAY_QUIC_RECV_BATCH; i++) {
                        q->iovs[i] = (struct iovec) { .iov_base = q->bufs[i], .iov_len = sizeof(q->bufs[i]) };
                        q->msgs[i] = (struct mmsghdr) {
                                .msg_hdr = {
                                        .msg_name = &q->addrs[i],
                                        .msg_namelen = sizeof(q->addrs[i]),
                                        .msg_iov = &q->iovs[i],
                                        .msg_iovlen = 1,
                                        .msg_control = q->controls[i].buf,
                                        .msg_controllen = sizeof(q->controls[i].buf),
                                },
                        };
                }

                n = recvmmsg(fd, q->msgs, RELAY_QUIC_RECV_BATCH, MSG_DONTWAIT, NULL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                log_debug_errno(errno, "Failed to read UDP socket, ignoring: %m");
                        break;
                }

                (void) relay_quic_now(q);
                for (int i = 0; i < n; i++) {
                        struct sockaddr_storage to;
                        socklen_t to_len;
                        QuicAddr remote, local;
                        bool have_local;

                        if (q->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
                                continue; /* larger than any QUIC packet we accept */
                        if (quic_addr_set(&remote, (const ngtcp2_sockaddr *) &q->addrs[i],
                                          q->msgs[i].msg_hdr.msg_namelen) < 0)
                                continue;
                        have_local = udp_pktinfo_local(&q->msgs[i].msg_hdr, (const struct sockaddr *) &q->bound,
                                                       q->bound_len, &to, &to_len) >= 0 &&
                                     quic_addr_set(&local, (const ngtcp2_sockaddr *) &to, (ngtcp2_socklen) to_len) >= 0;
                        (void) quic_server_read_packet_batched(q->server, have_local ? &local : NULL, &remote,
                                                               q->bufs[i], q->msgs[i].msg_len, q->now);
                }
                if (n < RELAY_QUIC_RECV_BATCH)
                        break;
        }

        relay_quic_dispatch(q);
        return 0;
}

static void relay_quic_get_admission(Manager *m, RelayAdmission *ret, void *userdata) {
        RelayQuic *q = userdata;
        QuicServerCounters c;

        quic_server_get_counters(q->server, &c);
        *ret = (RelayAdmission) {
                .full = c.refused[QUIC_SERVER_REFUSAL_FULL],
                .busy = c.refused[QUIC_SERVER_REFUSAL_UNADMITTED],
                .per_source = c.refused[QUIC_SERVER_REFUSAL_SOURCE],
                .hello_timeout = c.admission_timeouts,
                .bad_token = c.retry_tokens_invalid,
                .retries = c.retries,
        };
}

/* One line for whatever was turned away since the last one. */
static void relay_quic_log_refusals(RelayQuic *q) {
        RelayAdmission a, *l = &q->refusals_logged;
        uint64_t full, busy, source, timeout, token;

        relay_quic_get_admission(q->manager, &a, q);
        full = a.full - l->full;
        busy = a.busy - l->busy;
        source = a.per_source - l->per_source;
        timeout = a.hello_timeout - l->hello_timeout;
        token = a.bad_token - l->bad_token;
        if (full + busy + source + timeout + token == 0)
                return;
        if (!ratelimit_consume(&q->refusal_log_limit, q->now, RELAY_QUIC_REFUSAL_LOG_SEC))
                return;
        log_warning("Turned away new connections: %" PRIu64 " with the relay full (MaxConnections=%u), %" PRIu64
                    " busy with unadmitted ones, %" PRIu64 " over the per-address limit, %" PRIu64
                    " without HELLO in time, %" PRIu64 " with a bad Retry token; %" PRIu64
                    " Retry packets sent. Totals on D-Bus: Manager.Refusals.",
                    full, q->manager->config->max_connections, busy, source, timeout, token, a.retries - l->retries);
        *l = a;
}

static int foreach_grace(Room *room, void *userdata) {
        return room_check_gateway_grace(room, *(uint64_t *) userdata);
}

static int on_housekeeping(sd_event_source *source, uint64_t usec, void *userdata) {
        RelayQuic *q = userdata;
        uint64_t now_usec = relay_quic_now(q) / 1000;

        q->in_handler = true;
        for (RelayConn *rc = q->conns, *next; rc; rc = next) {
                next = rc->next;
                relay_conn_housekeeping(rc, now_usec);
        }
        manager_foreach_room(q->manager, foreach_grace, &now_usec);
        relay_quic_log_refusals(q);

        /* glibc keeps freed heap pages resident. A burst of handshakes (a
         * relay restart: every player reconnects at once) leaves ~5 KB per
         * peer of TLS handshake state behind; give it back once things
         * calm down, at most once per housekeeping round. */
        if (q->memory_freed) {
                q->memory_freed = false;
                (void) malloc_trim(0);
        }

        relay_quic_dispatch(q);
        (void) sd_event_source_set_time_relative(source, HOUSEKEEPING_USEC);
        (void) sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
        return 0;
}

/* ---- credentials and state ------------------------------------------------------ */

/* What other users may read or change is no secret: refused, the way
 * ssh refuses a private key (fileio.h has the rule). */
static int check_private(const char *path, PrivateAccess access, const char *what) {
        char reason[FILE_PRIVATE_REASON_MAX];
        struct stat st;

        if (stat(path, &st) < 0)
                return log_error_errno(errno, "Failed to check who may read %s %s: %m", what, path);
        if (file_check_private(&st, access, reason, sizeof(reason)) < 0)
                return log_error_errno(EPERM, "%s: %s; refusing to use this %s. Run 'chmod %s' on it%s.", path,
                                       reason, what, S_ISDIR(st.st_mode) ? "700" : "600",
                                       access == PRIVATE_GROUP_READ ?
                                               ", or 'chgrp lanparty-relayd' and 'chmod 640'" : "");
        return 0;
}

static int relay_quic_load_credentials(RelayQuic *q, QuicTlsCredentials **ret, char pin_str[static RELAY_QUIC_PIN_STR_MAX]) {
        _cleanup_(quic_tls_credentials_unrefp) QuicTlsCredentials *cred = NULL;
        const RelayConfig *c = q->manager->config;
        uint8_t pin[CERT_PIN_SIZE];
        const char *cert, *key;
        char cert_buf[4096], key_buf[4096];
        int r;

        if (c->cert_file) {
                cert = c->cert_file;
                key = c->key_file;
                r = check_private(key, PRIVATE_GROUP_READ, "key");
                if (r < 0)
                        return r;
                r = cert_pin_from_pem_file(cert, pin);
                if (r < 0)
                        return log_error_errno(r, "Failed to read certificate %s: %m", cert);
        } else {
                char host[256] = "";

                if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
                        snprintf(host, sizeof(host), "%s", DEV_CERT_HOSTNAME_FALLBACK);
                r = cert_ensure_self_signed(c->dev_cert_dir, host, pin);
                if (r < 0)
                        return log_error_errno(r, "Failed to set up the development certificate in %s: %m",
                                               c->dev_cert_dir);
                if (r > 0)
                        log_notice("Generated a self-signed development certificate in %s.", c->dev_cert_dir);
                snprintf(cert_buf, sizeof(cert_buf), "%s/%s", c->dev_cert_dir, CERT_FILE_NAME);
                snprintf(key_buf, sizeof(key_buf), "%s/%s", c->dev_cert_dir, KEY_FILE_NAME);
                cert = cert_buf;
                key = key_buf;
                r = check_private(c->dev_cert_dir, PRIVATE_OWNER_ONLY, "directory");
                if (r >= 0)
                        r = check_private(key, PRIVATE_OWNER_ONLY, "key");
                if (r < 0)
                        return r;
        }

        r = quic_tls_credentials_load(&cred, cert, key);
        if (r < 0)
                return log_error_errno(r, "Failed to load certificate %s and key %s: %m", cert, key);
        r = b64url_encode(pin, sizeof(pin), pin_str, RELAY_QUIC_PIN_STR_MAX);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(cred);
        return 0;
}

static void relay_quic_log_pin(RelayQuic *q) {
        log_fields_errno(LOG_NOTICE, 0, LOG_FIELDS({ "PIN", q->pin }),
                         "Certificate pin (pin= in invite links): %s", q->pin);
}

/* The secret stateless resets derive from, kept across restarts so that
 * clients of the previous process are reset at once and reconnect instead
 * of waiting for their idle timeout. */
static int relay_quic_reset_secret(RelayQuic *q, uint8_t secret[static QUIC_SERVER_RESET_SECRET_SIZE]) {
        const char *dir = q->manager->config->state_dir;
        _cleanup_free_ char *path = NULL, *data = NULL;
        char reason[FILE_PRIVATE_REASON_MAX];
        size_t size = 0;
        int fd, r;

        if (!dir || asprintf(&path, "%s/%s", dir, RELAY_QUIC_RESET_SECRET_FILE) < 0)
                return -ENOMEM;

        /* Whoever reads it can end any player's session with a forged
         * reset. Only we use it, so one others may have read is replaced,
         * not refused: its clients wait out their idle timeout once. */
        r = read_private_file(path, 1024, PRIVATE_OWNER_ONLY, &data, &size, reason, sizeof(reason));
        if (r >= 0 && size == QUIC_SERVER_RESET_SECRET_SIZE) {
                memcpy(secret, data, QUIC_SERVER_RESET_SECRET_SIZE);
                explicit_bzero(data, size);
                return 0;
        }
        if (data)
                explicit_bzero(data, size);
        if (r == -EPERM)
                log_warning("%s: %s; making a new one.", path, reason);
        else if (r >= 0)
                log_warning("%s has the wrong size, making a new one.", path);
        else if (r != -ENOENT)
                log_debug_errno(r, "Failed to read %s, making a new one: %m", path);

        if (getrandom(secret, QUIC_SERVER_RESET_SECRET_SIZE, 0) != QUIC_SERVER_RESET_SECRET_SIZE)
                return -errno;

        (void) unlink(path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                log_debug_errno(errno, "Failed to create %s, the secret lasts until restart: %m", path);
                return 0;
        }
        if (write(fd, secret, QUIC_SERVER_RESET_SECRET_SIZE) != QUIC_SERVER_RESET_SECRET_SIZE) {
                log_debug_errno(errno, "Failed to write %s, ignoring: %m", path);
                (void) unlink(path);
        }
        close(fd);
        return 0;
}

/* ---- life cycle ------------------------------------------------------------------- */

int relay_quic_new(Manager *m, RelayQuic **ret) {
        _cleanup_(relay_quic_freep) RelayQuic *q = NULL;
        int r;

        q = calloc(1, sizeof(RelayQuic));
        if (!q)
                return log_oom();
        q->owner = RELAY_CONN_OWNER_ENDPOINT;
        q->manager = m;
        /* One line per RELAY_QUIC_REFUSAL_LOG_SEC: a token a second, a line
         * costs that many. */
        ratelimit_init(&q->refusal_log_limit, 1, RELAY_QUIC_REFUSAL_LOG_SEC);
        udp_send_batch_init(&q->send);

        /* Outside systemd's StateDirectory= nobody made it for us. */
        if (m->config->state_dir && mkdir(m->config->state_dir, 0700) < 0 && errno != EEXIST)
                log_warning_errno(errno, "Failed to create %s, ignoring: %m", m->config->state_dir);
        /* An existing one included: whoever may write to it could swap
         * the reset secret or the development certificate's key. */
        if (m->config->state_dir && access(m->config->state_dir, F_OK) >= 0) {
                r = check_private(m->config->state_dir, PRIVATE_OWNER_ONLY, "state directory");
                if (r < 0)
                        return r;
        }

        r = relay_quic_load_credentials(q, &q->credentials, q->pin);
        if (r < 0)
                return r;
        snprintf(m->certificate_pin, sizeof(m->certificate_pin), "%s", q->pin);
        relay_quic_log_pin(q);

        *ret = TAKE_PTR(q);
        return 0;
}

RelayQuic *relay_quic_free(RelayQuic *q) {
        if (!q)
                return NULL;

        /* The DISCONNECTs and CONNECTION_CLOSEs of a shutdown. */
        if (q->manager->udp_fd >= 0)
                relay_quic_flush_sends(q);
        while (q->conns)
                relay_conn_free(q->conns);

        sd_event_source_disable_unref(q->timer.source);
        sd_event_source_disable_unref(q->work_event_source);
        sd_event_source_disable_unref(q->housekeeping_event_source);
        quic_server_free(q->server);
        quic_tls_credentials_unref(q->credentials);
        free(q);
        return NULL;
}

static int on_reload(Manager *m, void *userdata) {
        return relay_quic_reload(userdata);
}

int relay_quic_reload(RelayQuic *q) {
        _cleanup_(quic_tls_credentials_unrefp) QuicTlsCredentials *cred = NULL;
        char pin[RELAY_QUIC_PIN_STR_MAX];
        int r;

        r = relay_quic_load_credentials(q, &cred, pin);
        if (r < 0)
                return log_warning_errno(r, "Failed to reload the certificate, keeping the previous one: %m");

        if (q->server) {
                r = quic_server_set_credentials(q->server, cred);
                if (r < 0)
                        return log_warning_errno(r, "Failed to switch to the new certificate, keeping the previous one: %m");
        }
        quic_tls_credentials_unref(q->credentials);
        q->credentials = TAKE_PTR(cred);
        if (strcmp(pin, q->pin) != 0)
                log_notice("The certificate's key changed: invite links need the new pin.");
        memcpy(q->pin, pin, sizeof(pin));
        snprintf(q->manager->certificate_pin, sizeof(q->manager->certificate_pin), "%s", q->pin);
        relay_quic_log_pin(q);
        log_info("Reloaded the certificate; connections made from now on use it.");
        return 0;
}

/* The address the Manager's socket is bound to, and socket buffers large
 * enough for every peer's packets. */
static int relay_quic_setup_socket(RelayQuic *q, QuicAddr *ret_local) {
        int fd = q->manager->udp_fd;
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int r;

        if (fd < 0)
                return -EBADF;
        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return log_error_errno(errno, "Failed to get the socket address: %m");
        r = quic_addr_set(ret_local, (const ngtcp2_sockaddr *) &ss, len);
        if (r < 0)
                return log_error_errno(r, "Unsupported socket address family: %m");
        q->bound = ss;
        q->bound_len = len;

        /* Every peer's packets land in this one socket: the default
         * buffer (~200 KiB) overflows while a busy relay serves a batch.
         * The FORCE variant passes net.core.rmem_max when we may. */
        for (int i = 0; i < 2; i++) {
                int opt_force = i == 0 ? SO_RCVBUFFORCE : SO_SNDBUFFORCE, opt = i == 0 ? SO_RCVBUF : SO_SNDBUF;
                int size = RELAY_QUIC_SOCKET_BUFFER;

                if (setsockopt(fd, SOL_SOCKET, opt_force, &size, sizeof(size)) < 0 &&
                    setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size)) < 0)
                        log_debug_errno(errno, "Failed to enlarge the UDP socket buffers, ignoring: %m");
        }
        return 0;
}

/* The QUIC endpoint with the relay's limits (docs/SECURITY.md "Under
 * load") and its callbacks into relayd-conn.c. */
static int relay_quic_new_server(RelayQuic *q, const QuicAddr *local) {
        const RelayConfig *c = q->manager->config;
        uint8_t secret[QUIC_SERVER_RESET_SECRET_SIZE];
        bool have_secret = relay_quic_reset_secret(q, secret) >= 0;
        int r;

        r = quic_server_new(&q->server, &(QuicServerConfig) {
                .settings = {
                        .handshake_timeout = RELAY_QUIC_HANDSHAKE_TIMEOUT_NSEC,
                        /* Forwarded overlay datagrams, queued fairly per flow. */
                        .datagram_flow = datagram_flow_hash,
                },
                .credentials = q->credentials,
                .local = *local,
                .limits = {
                        .max_connections = c->max_connections,
                        .reserved_admitted = c->max_connections / RELAY_QUIC_RESERVED_SHARE,
                        .max_unadmitted_per_source = RELAY_QUIC_UNADMITTED_PER_SOURCE,
                        .admission_timeout = RELAY_QUIC_HELLO_TIMEOUT_NSEC,
                        .retry = true,
                        .retry_threshold = RELAY_QUIC_RETRY_THRESHOLD,
                },
                .callbacks = {
                        .send = on_send,
                        .handshake_completed = on_handshake_completed,
                        .control_received = on_control_received,
                        .datagram_received = on_datagram_received,
                        .closed = on_closed,
                },
                .userdata = q,
                .send_userdata = q,
                .reset_secret = have_secret ? secret : NULL,
                .tls_exporter_label = LP_AUTH_EXPORTER_LABEL,
                .tls_exporter_size = LP_AUTH_EXPORTER_SIZE,
        });
        explicit_bzero(secret, sizeof(secret));
        if (r < 0)
                return log_error_errno(r, "Failed to create the QUIC endpoint: %m");
        return 0;
}

/* The QUIC timer, the deferred work of relay_quic_dispatch() and the
 * once-a-second housekeeping. */
static int relay_quic_add_event_sources(RelayQuic *q) {
        sd_event *e = q->manager->event;
        int r;

        q->timer.armed_usec = UINT64_MAX;
        r = sd_event_add_time(e, &q->timer.source, CLOCK_MONOTONIC, UINT64_MAX, 1, on_timer, q);
        if (r < 0)
                return log_error_errno(r, "Failed to add the QUIC timer: %m");
        (void) sd_event_source_set_description(q->timer.source, "quic-timer");
        r = sd_event_add_defer(e, &q->work_event_source, on_work, q);
        if (r < 0)
                return log_error_errno(r, "Failed to add the QUIC work source: %m");
        (void) sd_event_source_set_enabled(q->work_event_source, SD_EVENT_OFF);
        r = sd_event_add_time_relative(e, &q->housekeeping_event_source, CLOCK_MONOTONIC, HOUSEKEEPING_USEC,
                                       100 * 1000, on_housekeeping, q);
        if (r < 0)
                return log_error_errno(r, "Failed to add the housekeeping timer: %m");
        return 0;
}

int relay_quic_start(RelayQuic *q) {
        QuicAddr local;
        int r;

        r = relay_quic_setup_socket(q, &local);
        if (r < 0)
                return r;
        r = relay_quic_new_server(q, &local);
        if (r < 0)
                return r;
        r = relay_quic_add_event_sources(q);
        if (r < 0)
                return r;

        manager_set_hooks(q->manager, &(ManagerHooks) {
                .peer_disconnect = relay_conn_peer_disconnect,
                .reload = on_reload,
                .udp_readable = on_readable,
                .get_admission = relay_quic_get_admission,
                .userdata = q,
        });
        return 0;
}
