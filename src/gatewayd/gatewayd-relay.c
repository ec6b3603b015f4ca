/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "gatewayd-relay.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "event-timer.h"
#include "log.h"
#include "reconnect.h"
#include "string-table.h"
#include "udp-send.h"

/* Packets read with one recvmmsg(), and rounds of them per wakeup before
 * the LAN side gets a turn (level-triggered epoll brings us back). */
#define RELAY_RECV_BATCH 16
#define RELAY_READ_ROUNDS 4
/* Larger than any QUIC packet we accept (ngtcp2 drops what exceeds its
 * max_udp_payload_size anyway); a datagram that still does not fit is cut
 * and dropped. */
#define RELAY_RECV_BUFFER 4096

#define log_relay_errno(l, level, error, ...) \
        log_fields_errno(level, error, LOG_FIELDS({"ROOM", (l)->config.room}), __VA_ARGS__)

/* getaddrinfo() in a thread of its own: a DNS lookup may take seconds,
 * during which the LAN side, D-Bus and the watchdog must keep running.
 * The job is shared by the thread and the link; whoever drops the last
 * reference frees it, so freeing the link mid-lookup is safe. */
typedef struct ResolveJob {
        atomic_int refs;
        int efd;
        char host[LP_INVITE_HOST_MAX + 1];
        char port[6];
        int error; /* EAI_* */
        struct addrinfo *ai;
} ResolveJob;

struct RelayLink {
        sd_event *event;
        RelayLinkConfig config;
        RelayCallbacks callbacks;
        void *userdata;
        RelayState state;

        ResolveJob *job;
        sd_event_source *resolve_event_source;

        int fd;
        sd_event_source *io_event_source;
        /* One timer: the session's expiry, or the next attempt in backoff. */
        EventTimer timer;
        QuicAddr remote;

        Session *session;
        bool session_ended;
        SessionEnd end;

        Reconnect *reconnect;
        unsigned rotation;  /* which of several resolved addresses to try */
        bool stopping;
        uint64_t stop_deadline_usec;

        char address[SOCKET_ADDRESS_STR_MAX];
        char last_error[sizeof(((SessionEnd *) NULL)->message)];
        struct iovec recv_iovs[RELAY_RECV_BATCH];
        struct mmsghdr recv_msgs[RELAY_RECV_BATCH];
        uint8_t recv_bufs[RELAY_RECV_BATCH][RELAY_RECV_BUFFER];

        /* What the session wrote since the last relay_link_flush_sends():
         * one sendmmsg(), runs of full-size packets as UDP GSO messages. */
        UdpSendBatch send;
};

static const char *const relay_state_table[_RELAY_STATE_MAX] = {
        [RELAY_STATE_IDLE] = "idle",
        [RELAY_STATE_RESOLVING] = "resolving",
        [RELAY_STATE_CONNECTING] = "connecting",
        [RELAY_STATE_JOINED] = "joined",
        [RELAY_STATE_BACKOFF] = "backoff",
        [RELAY_STATE_DISCONNECTING] = "disconnecting",
        [RELAY_STATE_STOPPED] = "stopped",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(relay_state, RelayState)

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * QUIC_NS_PER_SEC + (uint64_t) ts.tv_nsec;
}

static void resolve_job_unref(ResolveJob *j) {
        if (!j || atomic_fetch_sub(&j->refs, 1) != 1)
                return;
        if (j->ai)
                freeaddrinfo(j->ai);
        if (j->efd >= 0)
                close(j->efd);
        free(j);
}

static void *resolve_thread(void *p) {
        ResolveJob *j = p;
        struct addrinfo hints = {
                .ai_family = AF_UNSPEC,
                .ai_socktype = SOCK_DGRAM,
                .ai_protocol = IPPROTO_UDP,
                .ai_flags = AI_NUMERICSERV,
        };
        uint64_t one = 1;

        j->error = getaddrinfo(j->host, j->port, &hints, &j->ai);
        (void) !write(j->efd, &one, sizeof(one));
        resolve_job_unref(j);
        return NULL;
}

static void relay_link_set_state(RelayLink *l, RelayState state) {
        if (l->state == state)
                return;
        l->state = state;
        if (l->callbacks.state_changed)
                l->callbacks.state_changed(l, state, l->userdata);
}

/* Hands the packets the session wrote to the kernel. A failed packet is
 * dropped, as a send() failure always was: QUIC recovers as from loss. */
static void relay_link_flush_sends(RelayLink *l) {
        (void) udp_send_batch_flush(&l->send, l->fd);
}

static void relay_link_close_socket(RelayLink *l) {
        l->send.n = 0;
        l->io_event_source = sd_event_source_disable_unref(l->io_event_source);
        if (l->fd >= 0)
                close(l->fd);
        l->fd = -EBADF;
}

static int relay_link_begin_attempt(RelayLink *l);

/* An end that retrying will not fix by itself (refused token, wrong pin)
 * waits the longest step: the operator may fix the relay side meanwhile,
 * so we keep trying, slowly. */
static void relay_link_schedule_retry(RelayLink *l, bool retry) {
        uint64_t delay = reconnect_failed(l->reconnect, now_nsec(),
                                          retry ? RECONNECT_PACE_BACKOFF : RECONNECT_PACE_SLOWEST);

        /* The delay is whole ms: the µs retry time is exact. */
        (void) event_timer_arm_exactly(&l->timer, reconnect_get_retry_at(l->reconnect) / 1000);
        log_relay_errno(l, LOG_INFO, 0, "Connecting to the relay again in %.1f s.", (double) delay / 1e9);
        relay_link_set_state(l, RELAY_STATE_BACKOFF);
}

static void relay_link_finish_stop(RelayLink *l) {
        l->session = session_free(l->session);
        l->session_ended = false;
        relay_link_close_socket(l);
        reconnect_cancel(l->reconnect);
        (void) event_timer_arm_exactly(&l->timer, UINT64_MAX);
        relay_link_set_state(l, RELAY_STATE_STOPPED);
        if (l->callbacks.stopped)
                l->callbacks.stopped(l, l->userdata);
}

/* Runs after every call into the session, outside its callbacks: frees an
 * ended session, moves the state along and re-arms the timer. */
static void relay_link_settle(RelayLink *l) {
        uint64_t expiry;
        SessionState ss;

        /* Whatever the call wrote, before the socket may close below. */
        relay_link_flush_sends(l);

        if (l->session && l->session_ended) {
                SessionEnd end = l->end;

                l->session = session_free(l->session);
                l->session_ended = false;
                relay_link_close_socket(l);
                snprintf(l->last_error, sizeof(l->last_error), "%s", end.message);
                if (l->callbacks.ended)
                        l->callbacks.ended(l, &end, l->userdata);
                if (l->stopping) {
                        relay_link_finish_stop(l);
                        return;
                }
                relay_link_schedule_retry(l, end.retry);
                return;
        }
        if (!l->session)
                return;

        ss = session_get_state(l->session);
        relay_link_set_state(l, ss == SESSION_STATE_JOINED    ? RELAY_STATE_JOINED
                                : ss >= SESSION_STATE_CLOSING ? RELAY_STATE_DISCONNECTING
                                                              : RELAY_STATE_CONNECTING);

        expiry = session_get_expiry(l->session);
        /* µs for sd-event, rounded up so we never wake before ngtcp2's
         * deadline and spin. */
        expiry = expiry == UINT64_MAX ? UINT64_MAX : expiry / 1000 + 1;
        if (l->stopping)
                expiry = MIN(expiry, l->stop_deadline_usec);
        (void) event_timer_arm_by(&l->timer, expiry);
}

/* ---- session callbacks: only pass through and record; no freeing ---- */

/* Collects packets for one sendmmsg() at the end of the call into the
 * session (relay_link_settle()), or earlier when the batch is full. */
static int on_session_send(void *userdata, const ngtcp2_path *path, const uint8_t *data, size_t len) {
        RelayLink *l = userdata;

        if (l->fd < 0)
                return -EBADF;
        /* Connected socket: the remote is the one address we use, and the
         * kernel fixed the source when it connected. */
        return udp_send_batch_add(&l->send, l->fd, NULL, 0, NULL, 0, data, len);
}

static void on_session_joined(Session *s, const ControlWelcome *welcome, void *userdata) {
        RelayLink *l = userdata;

        reconnect_succeeded(l->reconnect);
        l->last_error[0] = '\0';
        if (l->callbacks.joined)
                l->callbacks.joined(l, welcome, l->userdata);
}

static void on_session_peer_joined(Session *s, const SessionPeer *peer, void *userdata) {
        RelayLink *l = userdata;

        if (l->callbacks.peer_joined)
                l->callbacks.peer_joined(l, peer, l->userdata);
}

static void on_session_peer_left(Session *s, const SessionPeer *peer, LeaveReason reason, void *userdata) {
        RelayLink *l = userdata;

        if (l->callbacks.peer_left)
                l->callbacks.peer_left(l, peer, reason, l->userdata);
}

static void on_session_frame(Session *s, uint16_t source_peer_id, const uint8_t *frame, size_t len,
                             void *userdata) {
        RelayLink *l = userdata;

        if (l->callbacks.frame_received)
                l->callbacks.frame_received(l, source_peer_id, frame, len, l->userdata);
}

static void on_session_check(Session *s, const ControlMessage *m, void *userdata) {
        RelayLink *l = userdata;

        if (l->callbacks.check)
                l->callbacks.check(l, m, l->userdata);
}

static void on_session_ended(Session *s, const SessionEnd *end, void *userdata) {
        RelayLink *l = userdata;

        l->end = *end;
        l->session_ended = true;
}

/* ---- event sources ---- */

static int on_udp(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        RelayLink *l = userdata;

        for (unsigned round = 0; round < RELAY_READ_ROUNDS && l->session && !l->session_ended; round++) {
                uint64_t now;
                int n;

                for (size_t i = 0; i < RELAY_RECV_BATCH; i++) {
                        l->recv_iovs[i] = (struct iovec) {.iov_base = l->recv_bufs[i], .iov_len = RELAY_RECV_BUFFER};
                        l->recv_msgs[i] = (struct mmsghdr) {
                                .msg_hdr = {.msg_iov = &l->recv_iovs[i], .msg_iovlen = 1},
                        };
                }
                n = recvmmsg(fd, l->recv_msgs, RELAY_RECV_BATCH, MSG_DONTWAIT, NULL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                break;
                        /* ICMP errors of a connected socket (ECONNREFUSED:
                         * nobody listens there yet). QUIC's timers decide
                         * when to give up; the error itself is only news. */
                        log_relay_errno(l, LOG_DEBUG, errno, "Relay socket reports an error, ignoring: %m");
                        continue;
                }
                now = now_nsec();
                for (int i = 0; i < n && l->session && !l->session_ended; i++) {
                        if (l->recv_msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
                                continue; /* larger than any QUIC packet we accept */
                        (void) session_read_packet(l->session, &l->remote, l->recv_bufs[i], l->recv_msgs[i].msg_len,
                                                   now);
                }
                if (n < RELAY_RECV_BATCH)
                        break;
        }

        /* Acknowledgements first: the relay's congestion window waits for
         * them, while the LAN takes the frames just as well a moment later. */
        if (l->session && !l->session_ended)
                (void) session_write(l->session, now_nsec());
        relay_link_settle(l);
        if (l->callbacks.batch_done)
                l->callbacks.batch_done(l, l->userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        RelayLink *l = userdata;

        event_timer_fired(&l->timer);
        if (reconnect_get_state(l->reconnect) == RECONNECT_WAITING) {
                (void) relay_link_begin_attempt(l);
                return 0;
        }
        if (!l->session)
                return 0;
        if (l->stopping && usec >= l->stop_deadline_usec) {
                log_relay_errno(l, LOG_WARNING, 0, "The relay did not confirm our goodbye in time, closing anyway.");
                relay_link_finish_stop(l);
                return 0;
        }
        (void) session_handle_expiry(l->session, now_nsec());
        relay_link_settle(l);
        return 0;
}

static void relay_link_attempt_failed(RelayLink *l, int error, const char *format, ...) _printf_(3, 4);

static void relay_link_attempt_failed(RelayLink *l, int error, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(l->last_error, sizeof(l->last_error), format, ap);
        va_end(ap);
        log_relay_errno(l, LOG_WARNING, error, "%s", l->last_error);
        relay_link_close_socket(l);
        l->rotation++;
        if (l->stopping) {
                relay_link_finish_stop(l);
                return;
        }
        relay_link_schedule_retry(l, true);
}

/* Opens the UDP socket of one attempt, connected to `ai`, and watches it;
 * *ret_local is what the kernel bound it to. */
static int relay_link_open_socket(RelayLink *l, const struct addrinfo *ai, QuicAddr *ret_local) {
        struct sockaddr_storage ss;
        socklen_t sslen = sizeof(ss);
        int r;

        l->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
        if (l->fd < 0) {
                r = -errno;
                relay_link_attempt_failed(l, r, "Cannot create a UDP socket for the relay %s: %s", l->address,
                                          strerror(-r));
                return r;
        }
        /* QUIC must not be fragmented (RFC 9000, 14): path MTU discovery
         * only works when too large probes are dropped, not split. */
        r = udp_socket_forbid_fragments(l->fd, ai->ai_family);
        if (r < 0)
                log_relay_errno(l, LOG_DEBUG, r, "Cannot forbid fragmentation, ignoring: %m");

        /* Connected: ICMP errors reach us and only the relay can talk to us. */
        if (connect(l->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                r = -errno;
                relay_link_attempt_failed(l, r, "Relay unreachable at %s: %s", l->address, strerror(-r));
                return r;
        }
        if (getsockname(l->fd, (struct sockaddr *) &ss, &sslen) < 0 ||
            quic_addr_set(ret_local, (const ngtcp2_sockaddr *) &ss, (ngtcp2_socklen) sslen) < 0) {
                r = -errno;
                relay_link_attempt_failed(l, r, "Cannot read the local address of the relay socket: %s",
                                          strerror(errno));
                return r;
        }

        r = sd_event_add_io(l->event, &l->io_event_source, l->fd, EPOLLIN, on_udp, l);
        if (r < 0) {
                relay_link_attempt_failed(l, r, "Cannot watch the relay socket: %s", strerror(-r));
                return r;
        }
        return 0;
}

/* Starts the session of one attempt on the socket bound to `local`. */
static int relay_link_start_session(RelayLink *l, const QuicAddr *local) {
        SessionConfig sc = {
                .role = PEER_ROLE_GATEWAY,
                .mac = l->config.mac,
                .tls = {
                        .hostname = l->config.endpoint.host,
                        .pin = l->config.has_pin ? l->config.pin : NULL,
                },
                .callbacks = {
                        .send = on_session_send,
                        .joined = on_session_joined,
                        .peer_joined = on_session_peer_joined,
                        .peer_left = on_session_peer_left,
                        .frame_received = on_session_frame,
                        .ended = on_session_ended,
                        .check = on_session_check,
                },
                .userdata = l,
                .send_userdata = l,
        };
        int r;

        memcpy(sc.room, l->config.room, sizeof(sc.room));
        memcpy(sc.name, l->config.name, sizeof(sc.name));
        memcpy(sc.room_key, l->config.room_key, sizeof(sc.room_key));
        memcpy(sc.gateway_token, l->config.gateway_token, sizeof(sc.gateway_token));
        sc.gateway_token_len = l->config.gateway_token_len;

        r = session_new(&l->session, &sc, local, &l->remote, now_nsec());
        explicit_bzero(&sc, sizeof(sc));
        if (r < 0) {
                relay_link_attempt_failed(l, r, "Cannot start a session with the relay: %s", strerror(-r));
                return r;
        }
        l->session_ended = false;
        return 0;
}

static int relay_link_connect(RelayLink *l, const struct addrinfo *ai) {
        QuicAddr local = {};
        int r;

        r = quic_addr_set(&l->remote, ai->ai_addr, (ngtcp2_socklen) ai->ai_addrlen);
        if (r < 0) {
                relay_link_attempt_failed(l, r, "Relay address of an unsupported family.");
                return r;
        }
        socket_address_format(ai->ai_addr, ai->ai_addrlen, l->address);

        r = relay_link_open_socket(l, ai, &local);
        if (r < 0)
                return r;
        r = relay_link_start_session(l, &local);
        if (r < 0)
                return r;

        log_relay_errno(l, LOG_INFO, 0, "Connecting to the relay at %s.", l->address);
        relay_link_set_state(l, RELAY_STATE_CONNECTING);
        (void) session_write(l->session, now_nsec());
        relay_link_settle(l);
        return 0;
}

static void relay_link_resolved(RelayLink *l, int error, const struct addrinfo *list) {
        const struct addrinfo *pick = NULL;
        size_t n = 0, k;

        if (error != 0) {
                relay_link_attempt_failed(l, 0, "Cannot resolve the relay host %s: %s", l->config.endpoint.host,
                                          error == EAI_SYSTEM ? strerror(errno) : gai_strerror(error));
                return;
        }
        for (const struct addrinfo *ai = list; ai; ai = ai->ai_next)
                if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
                        n++;
        if (n == 0) {
                relay_link_attempt_failed(l, 0, "The relay host %s has no IPv4 or IPv6 address.",
                                          l->config.endpoint.host);
                return;
        }
        /* A host with several addresses: take the next one after every
         * failed attempt, so one dead address does not block the rest. */
        k = l->rotation % n;
        for (const struct addrinfo *ai = list; ai; ai = ai->ai_next)
                if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
                        if (k == 0) {
                                pick = ai;
                                break;
                        }
                        k--;
                }
        (void) relay_link_connect(l, pick);
}

static int on_resolve_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        RelayLink *l = userdata;
        ResolveJob *j = l->job;

        l->job = NULL;
        l->resolve_event_source = sd_event_source_disable_unref(l->resolve_event_source);
        relay_link_resolved(l, j->error, j->ai);
        resolve_job_unref(j);
        return 0;
}

static int relay_link_begin_attempt(RelayLink *l) {
        struct addrinfo hints = {
                .ai_socktype = SOCK_DGRAM,
                .ai_protocol = IPPROTO_UDP,
                .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
        };
        struct addrinfo *ai = NULL;
        _cleanup_free_ ResolveJob *j = NULL;
        pthread_attr_t attr;
        pthread_t thread;
        char port[6];
        int r;

        r = reconnect_begin(l->reconnect);
        if (r < 0)
                return r;
        snprintf(port, sizeof(port), "%u", l->config.endpoint.port);

        /* Literals need no lookup, and no thread. */
        if (l->config.endpoint.host_type != INVITE_HOST_DNS) {
                hints.ai_family = l->config.endpoint.host_type == INVITE_HOST_IPV6 ? AF_INET6 : AF_INET;
                r = getaddrinfo(l->config.endpoint.host, port, &hints, &ai);
                relay_link_resolved(l, r, ai);
                if (ai)
                        freeaddrinfo(ai);
                return 0;
        }

        j = calloc(1, sizeof(ResolveJob));
        if (!j)
                return log_oom();
        j->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (j->efd < 0) {
                r = -errno;
                relay_link_attempt_failed(l, r, "Cannot create an eventfd: %s", strerror(-r));
                return r;
        }
        memcpy(j->host, l->config.endpoint.host, sizeof(j->host));
        memcpy(j->port, port, sizeof(j->port));
        atomic_init(&j->refs, 2);

        r = sd_event_add_io(l->event, &l->resolve_event_source, j->efd, EPOLLIN, on_resolve_done, l);
        if (r < 0) {
                close(j->efd);
                relay_link_attempt_failed(l, r, "Cannot watch the resolver: %s", strerror(-r));
                return r;
        }

        r = pthread_attr_init(&attr);
        if (r == 0) {
                (void) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
                r = pthread_create(&thread, &attr, resolve_thread, j);
                pthread_attr_destroy(&attr);
        }
        if (r != 0) {
                l->resolve_event_source = sd_event_source_disable_unref(l->resolve_event_source);
                close(j->efd);
                relay_link_attempt_failed(l, r, "Cannot start the resolver thread: %s", strerror(r));
                return -r;
        }
        l->job = TAKE_PTR(j);
        log_relay_errno(l, LOG_DEBUG, 0, "Resolving %s.", l->config.endpoint.host);
        relay_link_set_state(l, RELAY_STATE_RESOLVING);
        return 0;
}

/* ---- public API ---- */

int relay_link_new(RelayLink **ret, sd_event *event, const RelayLinkConfig *config, const RelayCallbacks *callbacks,
                   void *userdata) {
        _cleanup_(relay_link_freep) RelayLink *l = NULL;
        int r;

        if (!ret || !event || !config || config->gateway_token_len == 0 ||
            config->gateway_token_len > LP_CONTROL_GATEWAY_TOKEN_MAX)
                return -EINVAL;

        l = calloc(1, sizeof(RelayLink));
        if (!l)
                return -ENOMEM;
        l->fd = -EBADF;
        udp_send_batch_init(&l->send);
        l->event = sd_event_ref(event);
        l->config = *config;
        if (callbacks)
                l->callbacks = *callbacks;
        l->userdata = userdata;
        r = reconnect_new(&l->reconnect, NULL);
        if (r < 0)
                return r;

        /* 1 ms accuracy: QUIC's timers are tight (ACK delay, pacing); the
         * default 250 ms slack would stall a connection. */
        l->timer.armed_usec = UINT64_MAX;
        r = sd_event_add_time(event, &l->timer.source, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer, l);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(l->timer.source, SD_EVENT_OFF);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(l);
        return 0;
}

RelayLink *relay_link_free(RelayLink *l) {
        if (!l)
                return NULL;
        session_free(l->session);
        relay_link_close_socket(l);
        sd_event_source_disable_unref(l->timer.source);
        sd_event_source_disable_unref(l->resolve_event_source);
        /* The thread still holds its reference and frees the job. */
        resolve_job_unref(l->job);
        reconnect_free(l->reconnect);
        sd_event_unref(l->event);
        explicit_bzero(&l->config, sizeof(l->config));
        free(l);
        return NULL;
}

int relay_link_start(RelayLink *l) {
        if (!l || l->state != RELAY_STATE_IDLE)
                return -EINVAL;
        return relay_link_begin_attempt(l);
}

int relay_link_stop(RelayLink *l, uint64_t timeout_usec) {
        if (!l)
                return -EINVAL;
        if (l->stopping || l->state == RELAY_STATE_STOPPED)
                return 0;
        l->stopping = true;
        l->stop_deadline_usec = now_nsec() / 1000 + timeout_usec;

        if (l->job) {
                /* A lookup may hang for the resolver's whole timeout:
                 * abandon it, the thread frees the job when it returns. */
                l->resolve_event_source = sd_event_source_disable_unref(l->resolve_event_source);
                resolve_job_unref(TAKE_PTR(l->job));
                relay_link_finish_stop(l);
                return 0;
        }
        if (!l->session) {
                relay_link_finish_stop(l);
                return 0;
        }
        log_relay_errno(l, LOG_INFO, 0, "Leaving the room.");
        (void) session_disconnect(l->session, LEAVE_REASON_SHUTDOWN, "gateway shutting down", now_nsec());
        relay_link_settle(l);
        return 0;
}

void relay_link_set_mac(RelayLink *l, const MacAddr *mac) {
        if (l && mac)
                l->config.mac = *mac;
}

int relay_link_queue_frame(RelayLink *l, const uint8_t *frame, size_t len) {
        if (!l || !l->session || l->session_ended)
                return -ENOTCONN;
        return session_queue_frame(l->session, frame, len, now_nsec());
}

void relay_link_flush(RelayLink *l) {
        if (!l || !l->session)
                return;
        if (!l->session_ended)
                (void) session_write(l->session, now_nsec());
        relay_link_settle(l);
}

int relay_link_send_check(RelayLink *l, const ControlMessage *m) {
        int r;

        if (!l || !l->session || l->session_ended)
                return -ENOTCONN;
        r = session_send_check(l->session, m);
        if (r < 0)
                return r;
        relay_link_flush(l);
        return 0;
}

Session *relay_link_get_session(RelayLink *l) {
        return l && !l->session_ended ? l->session : NULL;
}

const char *relay_link_get_address(RelayLink *l) {
        return l->address;
}

const char *relay_link_get_last_error(RelayLink *l) {
        return l->last_error;
}

uint64_t relay_link_get_retry_usec(RelayLink *l) {
        return reconnect_get_state(l->reconnect) == RECONNECT_WAITING ? reconnect_get_retry_at(l->reconnect) / 1000
                                                                       : 0;
}
