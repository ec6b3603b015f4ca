/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-manager.h"

/* Only after macro.h: it defines MIN/MAX unconditionally, glib #undefs first. */
#include <glib.h>

#include <errno.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "daemon-util.h"
#include "relayd-bus.h"
#include "relayd-room.h"
#include "udp-send.h"

#define UDP_DRAIN_BUDGET 64
#define MANAGER_SHUTDOWN_LINGER_USEC (300U * 1000U)

static int manager_on_flush(sd_event_source *s, void *userdata);

int manager_new(Manager **ret, RelayConfig *config, GatewayTokens *tokens) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        if (!ret || !config)
                return -EINVAL;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;
        *m = (Manager) {
                .udp_fd = -EBADF,
        };

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        /* Keys point into each Room, which removes itself before it goes. */
        m->rooms = g_hash_table_new(g_str_hash, g_str_equal);

        r = daemon_add_flush(m->event, &m->flush_event_source, manager_on_flush, m);
        if (r < 0)
                return r;

        socket_address_format(&config->listen.sa, config->listen.size, m->listen_str);

        log_ratelimit_init(&m->reject_log, RELAY_REJECT_LOG_PER_SEC, RELAY_REJECT_LOG_BURST);
        m->config = config;
        m->gateway_tokens = tokens;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;

        if (m->rooms) {
                GHashTableIter i;
                gpointer value;

                g_hash_table_iter_init(&i, m->rooms);
                while (g_hash_table_iter_next(&i, NULL, &value)) {
                        room_free(value);
                        /* room_free() removed the entry: start over. */
                        g_hash_table_iter_init(&i, m->rooms);
                }
                g_hash_table_destroy(m->rooms);
        }

        sd_event_source_disable_unref(m->reject_log_summary);
        sd_event_source_disable_unref(m->flush_event_source);
        sd_event_source_disable_unref(m->udp_event_source);
        if (m->udp_fd >= 0)
                close(m->udp_fd);

        polkit_registry_free(m->polkit_registry);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);

        relay_config_free(m->config);
        gateway_tokens_free(m->gateway_tokens);
        free(m);
        return NULL;
}

void manager_set_hooks(Manager *m, const ManagerHooks *hooks) {
        m->hooks = hooks ? *hooks : (ManagerHooks) {};
}

static void manager_update_status(Manager *m) {
        if (!m->event)
                return;
        (void) sd_notifyf(false, "STATUS=Relaying for %u room%s, %u peer%s.", m->n_rooms,
                          m->n_rooms == 1 ? "" : "s", m->n_peers, m->n_peers == 1 ? "" : "s");
}

static int manager_on_flush(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        GHashTableIter i;
        gpointer value;

        /* A room lives as long as somebody is in it. Checked here rather
         * than in peer_free() so that admission code can create a room and
         * then its first peer without the room vanishing in between. */
        g_hash_table_iter_init(&i, m->rooms);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                Room *room = value;

                if (room->n_peers == 0) {
                        log_room_debug(room, "Room is empty.");
                        room_free(room);
                        g_hash_table_iter_init(&i, m->rooms);
                }
        }

        manager_bus_emit_changes(m);
        manager_update_status(m);
        return 0;
}

void manager_mark_dirty(Manager *m) {
        if (!m)
                return;
        if (m->flush_event_source)
                (void) sd_event_source_set_enabled(m->flush_event_source, SD_EVENT_ONESHOT);
}

static int manager_on_linger_done(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        return sd_event_exit(m->event, 0);
}

static int manager_on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (m->stopping)
                return sd_event_exit(m->event, 0); /* asked twice: no more waiting */

        log_info("Received %s, shutting down.", strsignal((int) si->ssi_signo));
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Shutting down...");
        m->stopping = true;
        manager_close_rooms(m, LEAVE_REASON_SHUTDOWN, "relay shutting down");

        /* Let DISCONNECT and CONNECTION_CLOSE reach the peers, so they
         * leave at once instead of after their idle timeout. */
        if (sd_event_add_time_relative(m->event, NULL, CLOCK_MONOTONIC, MANAGER_SHUTDOWN_LINGER_USEC, 0,
                                       manager_on_linger_done, m) < 0)
                return sd_event_exit(m->event, 0);
        return 0;
}

static int manager_on_reload_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Received SIGHUP, reloading.");
        (void) manager_reload(m);
        return 0;
}

int manager_reload(Manager *m) {
        int r = 0;

        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading...");

        if (m->config->gateway_token_file) {
                _cleanup_(gateway_tokens_freep) GatewayTokens *tokens = NULL;
                _cleanup_free_ char *error = NULL;

                r = gateway_tokens_load(m->config->gateway_token_file, &tokens, &error);
                if (r < 0)
                        log_warning_errno(r, "Failed to reload gateway tokens, keeping the previous ones: %s",
                                          error ? error : "out of memory");
                else {
                        /* Rooms open stay open; the new rules apply to the
                         * next gateway's HELLO. */
                        manager_log_gateway_tokens(m, tokens);
                        gateway_tokens_free(m->gateway_tokens);
                        m->gateway_tokens = TAKE_PTR(tokens);
                }
        }

        if (m->hooks.reload) {
                int k = m->hooks.reload(m, m->hooks.userdata);
                if (k < 0) {
                        log_warning_errno(k, "Reload hook failed, ignoring: %m");
                        if (r >= 0)
                                r = k;
                }
        }

        (void) sd_notify(false, "READY=1");
        manager_update_status(m);
        return r;
}

static void manager_drain_udp(int fd) {
        uint8_t buf[2048];

        for (unsigned i = 0; i < UDP_DRAIN_BUDGET; i++) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                log_debug_errno(errno, "Failed to read UDP socket, ignoring: %m");
                        return;
                }
        }
}

static int manager_on_udp(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        if (m->hooks.udp_readable)
                return m->hooks.udp_readable(m, fd, m->hooks.userdata);
        manager_drain_udp(fd);
        return 0;
}

static int socket_set_int(int fd, int level, int name, int value) {
        if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
                return -errno;
        return 0;
}

int manager_listen(Manager *m) {
        const SocketAddress *a = &m->config->listen;
        int fd, r;

        if (m->udp_fd >= 0)
                return 0;

        fd = socket(a->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create UDP socket for %s: %m", m->listen_str);
        m->udp_fd = fd;

        /* QUIC must not be fragmented (RFC 9000, 14). */
        r = udp_socket_forbid_fragments(fd, a->sa.sa_family);
        if (r < 0)
                log_warning_errno(r, "Failed to forbid fragmentation on %s, ignoring: %m", m->listen_str);
        if (a->sa.sa_family == AF_INET6) {
                /* [::] serves IPv4 too (as v4-mapped addresses). */
                r = socket_set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to make %s dual-stack: %m", m->listen_str);
                /* PKTINFO lets replies leave from the address a packet
                 * came to on multi-homed hosts. */
                r = socket_set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
                if (r < 0)
                        log_warning_errno(r, "Failed to set IPV6_RECVPKTINFO, ignoring: %m");
        }
        if (a->sa.sa_family == AF_INET || a->sa.sa_family == AF_INET6) {
                /* Also for AF_INET6 sockets: they carry IPv4 traffic too. */
                r = socket_set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
                if (r < 0)
                        log_warning_errno(r, "Failed to set IP_PKTINFO, ignoring: %m");
        }

        if (bind(fd, &a->sa, a->size) < 0)
                return log_error_errno(errno, "Failed to bind UDP socket to %s: %m", m->listen_str);

        r = sd_event_add_io(m->event, &m->udp_event_source, fd, EPOLLIN, manager_on_udp, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch UDP socket: %m");

        log_info("Listening on %s/udp.", m->listen_str);
        return 0;
}

/* daemon_connect_bus() fills in m->bus before calling this, and that is
 * where manager_bus_register() looks for the connection. */
static int manager_register_bus_objects(void *userdata) {
        return manager_bus_register(userdata);
}

int manager_connect_bus(Manager *m) {
        if (m->bus)
                return 0;
        return daemon_connect_bus(m->event, m->config->bus_address, "relay-api", RELAY_BUS_NAME,
                                  manager_register_bus_objects, m, &m->bus);
}

int manager_start(Manager *m) {
        int r;

        r = daemon_setup_event(m->event, manager_on_exit_signal, manager_on_reload_signal, m);
        if (r < 0)
                return r;

        r = manager_listen(m);
        if (r < 0)
                return r;

        r = manager_connect_bus(m);
        if (r < 0)
                return r;

        if (m->config->insecure_open_gateways)
                log_warning("--insecure-open-gateways: any gateway may open rooms on this relay.");

        (void) sd_notify(false, "READY=1");
        manager_update_status(m);
        return 0;
}

int manager_run(Manager *m) {
        return daemon_run_event_loop(m->event);
}

void manager_close_rooms(Manager *m, LeaveReason reason, const char *text) {
        GHashTableIter i;
        gpointer value;

        g_hash_table_iter_init(&i, m->rooms);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                room_close(value, reason, text);
                g_hash_table_iter_init(&i, m->rooms);
        }
}

static int manager_on_reject_log_summary(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        uint64_t n = log_ratelimit_take_suppressed(&m->reject_log);

        if (n > 0)
                log_notice("Not logged: %" PRIu64 " more rejected HELLO%s (at most %u lines a second).", n,
                           n == 1 ? "" : "s", RELAY_REJECT_LOG_PER_SEC);
        return 0;
}

bool manager_reject_log_allow(Manager *m, uint64_t now_nsec) {
        int enabled = SD_EVENT_OFF, r;

        if (log_ratelimit_allow(&m->reject_log, now_nsec))
                return true;
        if (!m->event)
                return false;
        if (m->reject_log_summary)
                (void) sd_event_source_get_enabled(m->reject_log_summary, &enabled);
        if (enabled != SD_EVENT_OFF)
                return false;
        if (!m->reject_log_summary)
                r = sd_event_add_time_relative(m->event, &m->reject_log_summary, CLOCK_MONOTONIC,
                                               RELAY_REJECT_LOG_SUMMARY_USEC, 0, manager_on_reject_log_summary, m);
        else {
                r = sd_event_source_set_time_relative(m->reject_log_summary, RELAY_REJECT_LOG_SUMMARY_USEC);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->reject_log_summary, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_debug_errno(r, "Failed to arm the summary of unlogged rejections, ignoring: %m");
        return false;
}

int manager_check_gateway_token(Manager *m, const void *token, size_t size, const char *room_name,
                                const Room *room, uint8_t ret_digest[static RELAY_TOKEN_DIGEST_SIZE],
                                unsigned *ret_max_rooms) {
        const GatewayToken *k;
        GHashTableIter i;
        gpointer value;
        unsigned held = 0;

        memset(ret_digest, 0, RELAY_TOKEN_DIGEST_SIZE);
        if (m->config->insecure_open_gateways)
                return 0;
        k = gateway_tokens_find(m->gateway_tokens, token, size);
        if (!k)
                return -EACCES;
        if (!gateway_token_allows_room(k, room_name))
                return -EPERM;
        if (gnutls_hash_fast(GNUTLS_DIG_SHA256, k->data, k->size, ret_digest) < 0)
                return -ENOMEM;
        /* Its own room, back after a reconnect: no new room. */
        if (room && memcmp(room->gateway_token_digest, ret_digest, RELAY_TOKEN_DIGEST_SIZE) == 0)
                return 0;

        g_hash_table_iter_init(&i, m->rooms);
        while (g_hash_table_iter_next(&i, NULL, &value))
                if (memcmp(((Room *) value)->gateway_token_digest, ret_digest, RELAY_TOKEN_DIGEST_SIZE) == 0)
                        held++;
        if (held >= k->max_rooms) {
                *ret_max_rooms = k->max_rooms;
                return -EDQUOT;
        }
        return 0;
}

void manager_log_gateway_tokens(Manager *m, const GatewayTokens *tokens) {
        const char *path = m->config->gateway_token_file;

        log_info("Loaded %zu gateway token%s from %s.", tokens->n_tokens, tokens->n_tokens == 1 ? "" : "s", path);
        for (size_t i = 0; i < tokens->n_tokens; i++)
                if (tokens->tokens[i].unbound)
                        log_warning("%s: line %zu: a token without rooms may open any one room at a time, and "
                                    "take a room name before the party it belongs to; name its rooms after it "
                                    "(TOKEN ROOM[,ROOM...]), or allow any with '*' (TOKEN * max-rooms=N).",
                                    path, tokens->tokens[i].line);
}

void manager_get_admission(Manager *m, RelayAdmission *ret) {
        *ret = (RelayAdmission) {};
        if (m->hooks.get_admission)
                m->hooks.get_admission(m, ret, m->hooks.userdata);
}

void manager_get_counters(Manager *m, RelayCounters *ret) {
        GHashTableIter i;
        gpointer value;

        *ret = m->closed;
        g_hash_table_iter_init(&i, m->rooms);
        while (g_hash_table_iter_next(&i, NULL, &value)) {
                RelayCounters c;

                room_get_counters(value, &c);
                relay_counters_add(ret, &c);
        }
}

void manager_foreach_room(Manager *m, int (*f)(Room *room, void *userdata), void *userdata) {
        GHashTableIter i;
        gpointer value;

        g_hash_table_iter_init(&i, m->rooms);
        while (g_hash_table_iter_next(&i, NULL, &value))
                if (f(value, userdata) > 0)
                        g_hash_table_iter_init(&i, m->rooms);
}
