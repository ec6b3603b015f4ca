/* SPDX-License-Identifier: MIT */
#include "client-status.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ether.h"
#include "ipv4-autoconf.h"
#include "string-table.h"

#define NS_PER_MS (QUIC_NS_PER_SEC / 1000)

static const char *const client_status_kind_table[_CLIENT_STATUS_KIND_MAX] = {
        [CLIENT_STATUS_CONNECTION] = "connection", [CLIENT_STATUS_GATEWAY] = "gateway",
        [CLIENT_STATUS_PLAYERS] = "players",       [CLIENT_STATUS_ADDRESS] = "address",
        [CLIENT_STATUS_BROADCAST] = "broadcast",   [CLIENT_STATUS_TRAFFIC] = "traffic",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(client_status_kind, ClientStatusKind)

/* Appends to buf[size] at *pos; a line cut short ends in "...". */
static void append(char *buf, size_t size, size_t *pos, const char *format, ...) _printf_(4, 5);
static void append(char *buf, size_t size, size_t *pos, const char *format, ...) {
        va_list ap;
        int n;

        if (*pos + 1 >= size)
                return;
        va_start(ap, format);
        n = vsnprintf(buf + *pos, size - *pos, format, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n >= size - *pos) {
                *pos = size - 1;
                if (size >= 4)
                        memcpy(buf + size - 4, "...", 4);
                return;
        }
        *pos += (size_t) n;
}

/* snprintf() that may cut: status lines are for eyes, a long relay name
 * or end message is allowed to lose its tail. */
static size_t format_line(char *buf, size_t size, const char *format, ...) _printf_(3, 4);
static size_t format_line(char *buf, size_t size, const char *format, ...) {
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(buf, size, format, ap);
        va_end(ap);
        if (n < 0) {
                buf[0] = '\0';
                return 0;
        }
        if ((size_t) n >= size) {
                if (size >= 4)
                        memcpy(buf + size - 4, "...", 4);
                return size - 1;
        }
        return (size_t) n;
}

const char *client_status_format_bytes(uint64_t n, char *buf, size_t size) {
        static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
        uint64_t whole = n, rest = 0;
        size_t u = 0;

        if (n < 1024) {
                snprintf(buf, size, "%" PRIu64 " B", n);
                return buf;
        }
        /* One decimal, truncated: 1535 B is "1.4 KiB", never "1.5". */
        while (whole >= 1024 * 1024 && u + 1 < ELEMENTSOF(units)) {
                whole /= 1024;
                u++;
        }
        rest = (whole % 1024) * 10 / 1024;
        snprintf(buf, size, "%" PRIu64 ".%" PRIu64 " %s", whole / 1024, rest, units[u]);
        return buf;
}

/* "0.5 s", "4.0 s", "15 s": the backoff steps read naturally. */
static const char *format_delay(uint64_t ns, char *buf, size_t size) {
        uint64_t ms = (ns + NS_PER_MS - 1) / NS_PER_MS;

        if (ms < 10000)
                snprintf(buf, size, "%" PRIu64 ".%" PRIu64 " s", ms / 1000, (ms % 1000) / 100);
        else
                snprintf(buf, size, "%" PRIu64 " s", (ms + 999) / 1000);
        return buf;
}

static const char *error_text(int error) {
        const char *s = strerror(error < 0 ? -error : error);
        return s ? s : "unknown error";
}

static ClientStatusLine *line_next(ClientStatusLine *lines, size_t n, size_t *count, ClientStatusKind kind) {
        ClientStatusLine *l;

        if (*count >= n)
                return NULL;
        l = &lines[(*count)++];
        *l = (ClientStatusLine) { .kind = kind };
        return l;
}

static void line_set(ClientStatusLine *l, const char *key, const char *text) {
        format_line(l->key, sizeof(l->key), "%s", key);
        format_line(l->text, sizeof(l->text), "%s", text ? text : key);
}

static bool waiting_for_gateway(const ClientDiagnostics *d) {
        return d->have_last_end && d->last_end.kind == SESSION_END_REJECTED &&
               d->last_end.reject == REJECT_REASON_NO_SUCH_ROOM;
}

static void describe_connection(const ClientDiagnostics *d, ClientStatusLine *l) {
        char key[CLIENT_STATUS_LINE_MAX], text[CLIENT_STATUS_LINE_MAX], delay[32];
        bool show_address = d->relay_address[0] && strcmp(d->relay_address, d->relay) != 0;

        switch (d->phase) {
        case CLIENT_PHASE_IDLE:
                return line_set(l, "Starting...", NULL);
        case CLIENT_PHASE_CONNECTING:
                format_line(key, sizeof(key), "Connecting to relay %s%s%s%s...", d->relay, show_address ? " (" : "",
                         show_address ? d->relay_address : "", show_address ? ")" : "");
                if (d->attempt == 0)
                        return line_set(l, key, NULL);
                format_line(text, sizeof(text), "%.*s (attempt %u)...", (int) (strlen(key) - 3), key, d->attempt + 1);
                return line_set(l, key, text);
        case CLIENT_PHASE_JOINED:
                format_line(key, sizeof(key), "Connected to relay %s", d->relay);
                format_line(text, sizeof(text), "%s (RTT %" PRIu64 " ms)", key, (d->rtt + NS_PER_MS / 2) / NS_PER_MS);
                return line_set(l, key, text);
        case CLIENT_PHASE_WAITING:
                format_delay(d->retry_in, delay, sizeof(delay));
                if (waiting_for_gateway(d)) {
                        format_line(key, sizeof(key),
                                 "Waiting for the party's gateway... (room %s is not open on relay %s yet)", d->room,
                                 d->relay);
                        format_line(text, sizeof(text), "%.*s; trying again in %s)", (int) (strlen(key) - 1), key, delay);
                } else if (d->connect_error != 0) {
                        format_line(key, sizeof(key), "Cannot reach relay %s (%s)", d->relay, error_text(d->connect_error));
                        format_line(text, sizeof(text), "%s; trying again in %s", key, delay);
                } else if (d->have_last_end) {
                        format_line(key, sizeof(key), "Disconnected: %s", d->last_end.message);
                        format_line(text, sizeof(text), "%s Trying again in %s.", key, delay);
                } else {
                        format_line(key, sizeof(key), "Trying again...");
                        format_line(text, sizeof(text), "Trying again in %s.", delay);
                }
                return line_set(l, key, text);
        case CLIENT_PHASE_LEAVING:
                return line_set(l, "Leaving the room...", NULL);
        case CLIENT_PHASE_STOPPED:
                return line_set(l, "Left the room.", NULL);
        case CLIENT_PHASE_FAILED:
                return line_set(l, d->have_last_end ? d->last_end.message : "Stopped.", NULL);
        default:
                return line_set(l, "Unknown state.", NULL);
        }
}

static void describe_traffic(const ClientDiagnostics *d, ClientStatusLine *l) {
        const ClientCounters *c = &d->counters;
        char tx[32], rx[32];
        uint64_t dropped = client_counters_dropped(c);
        size_t pos = 0;
        bool first = true;

        append(l->text, sizeof(l->text), &pos, "Traffic: sent %" PRIu64 " frame%s (%s), received %" PRIu64 " frame%s (%s",
               c->tx_frames, c->tx_frames == 1 ? "" : "s", client_status_format_bytes(c->tx_bytes, tx, sizeof(tx)),
               c->rx_frames, c->rx_frames == 1 ? "" : "s", client_status_format_bytes(c->rx_bytes, rx, sizeof(rx)));
        /* Says why the party's DNS and gateway do not show up here. */
        if (c->rx_autoconf_sanitized > 0)
                append(l->text, sizeof(l->text), &pos, "; %" PRIu64 " with the party's gateway and DNS removed",
                       c->rx_autoconf_sanitized);
        append(l->text, sizeof(l->text), &pos, ")");
        if (dropped > 0) {
                append(l->text, sizeof(l->text), &pos, ", dropped %" PRIu64 ":", dropped);
                for (size_t i = 0; i < _CLIENT_DROP_MAX; i++)
                        if (c->drop[i] > 0) {
                                append(l->text, sizeof(l->text), &pos, "%s %" PRIu64 " %s", first ? "" : ",", c->drop[i],
                                       client_drop_to_string((ClientDrop) i));
                                first = false;
                        }
                for (size_t i = 0; i < _L2_VERDICT_MAX; i++)
                        if (c->filtered_out[i] > 0) {
                                append(l->text, sizeof(l->text), &pos, "%s %" PRIu64 " outgoing %s", first ? "" : ",",
                                       c->filtered_out[i], l2_verdict_to_string((L2Verdict) i));
                                first = false;
                        }
                for (size_t i = 0; i < _L2_VERDICT_MAX; i++)
                        if (c->filtered_in[i] > 0) {
                                append(l->text, sizeof(l->text), &pos, "%s %" PRIu64 " incoming %s", first ? "" : ",",
                                       c->filtered_in[i], l2_verdict_to_string((L2Verdict) i));
                                first = false;
                        }
        }
        format_line(l->key, sizeof(l->key), "Traffic");
}

size_t client_status_describe(const ClientDiagnostics *d, ClientStatusLine *lines, size_t n) {
        char text[CLIENT_STATUS_LINE_MAX];
        ClientStatusLine *l;
        size_t count = 0;
        bool joined;

        if (!d || !lines)
                return 0;
        joined = d->phase == CLIENT_PHASE_JOINED;

        l = line_next(lines, n, &count, CLIENT_STATUS_CONNECTION);
        if (l)
                describe_connection(d, l);

        if (joined) {
                l = line_next(lines, n, &count, CLIENT_STATUS_GATEWAY);
                if (l && d->gateway_present && d->gateway_name[0]) {
                        format_line(text, sizeof(text), "LAN gateway present (%s)", d->gateway_name);
                        line_set(l, text, NULL);
                } else if (l)
                        line_set(l, d->gateway_present ? "LAN gateway present" : "Waiting for the party's gateway...",
                                 NULL);

                l = line_next(lines, n, &count, CLIENT_STATUS_PLAYERS);
                if (l && d->n_clients == 0)
                        line_set(l, "No other players in the room yet", NULL);
                else if (l) {
                        format_line(text, sizeof(text), "%zu other player%s in the room", d->n_clients,
                                 d->n_clients == 1 ? "" : "s");
                        line_set(l, text, NULL);
                }
        }

        if (d->device_ipv4_known && d->device_name[0] && (d->device_ipv4[0] || joined)) {
                l = line_next(lines, n, &count, CLIENT_STATUS_ADDRESS);
                if (l && d->device_ipv4[0] && ipv4_text_is_autoconf(d->device_ipv4))
                        format_line(text, sizeof(text),
                                    "Only the fallback address %s on %s (no answer from the party's DHCP yet)",
                                    d->device_ipv4, d->device_name);
                else if (l && d->device_ipv4[0])
                        format_line(text, sizeof(text), "Got address %s on %s", d->device_ipv4, d->device_name);
                else
                        format_line(text, sizeof(text), "No IPv4 address on %s yet (waiting for DHCP)", d->device_name);
                if (l)
                        line_set(l, text, NULL);
        }

        if (joined && d->counters.rx_broadcast > 0) {
                l = line_next(lines, n, &count, CLIENT_STATUS_BROADCAST);
                if (l)
                        line_set(l, "Broadcast traffic seen (game discovery works)", NULL);
        }

        if (d->counters.tx_frames + d->counters.rx_frames + client_counters_dropped(&d->counters) > 0) {
                l = line_next(lines, n, &count, CLIENT_STATUS_TRAFFIC);
                if (l)
                        describe_traffic(d, l);
        }
        return count;
}

static const char *peer_label(const SessionPeer *p, char *buf, size_t size) {
        char mac[LP_MAC_STR_MAX];

        if (p->name[0])
                format_line(buf, size, "%s", p->name);
        else
                format_line(buf, size, "A player (%s)", mac_to_string(&p->mac, mac));
        return buf;
}

size_t client_status_event(const ClientEvent *e, char *buf, size_t size) {
        char label[LP_CONTROL_NAME_MAX + LP_MAC_STR_MAX + 16], delay[32];
        const char *relay;
        size_t n = 0;

        if (!buf || size == 0)
                return 0;
        buf[0] = '\0';
        if (!e)
                return 0;
        relay = e->relay ? e->relay : "?";

        switch (e->type) {
        case CLIENT_EVENT_JOINED:
                if (!e->welcome)
                        return 0;
                n = format_line(buf, size, "Joined room %s as peer %u (room MTU %u).", e->room ? e->room : "?",
                             (unsigned) e->welcome->peer_id, (unsigned) e->welcome->room_mtu);
                break;
        case CLIENT_EVENT_PEER_JOINED:
                if (!e->peer)
                        return 0;
                if (e->peer->role == PEER_ROLE_GATEWAY)
                        n = e->peer->name[0]
                                    ? format_line(buf, size, "The party's gateway (%s) is connected.", e->peer->name)
                                    : format_line(buf, size, "The party's gateway is connected.");
                else
                        n = format_line(buf, size, "%s is in the room.", peer_label(e->peer, label, sizeof(label)));
                break;
        case CLIENT_EVENT_PEER_LEFT:
                if (!e->peer)
                        return 0;
                if (e->peer->role == PEER_ROLE_GATEWAY)
                        n = format_line(buf, size, "The party's gateway left (%s); waiting for it to come back.",
                                     leave_reason_to_string(e->leave_reason));
                else
                        n = format_line(buf, size, "%s left the room (%s).", peer_label(e->peer, label, sizeof(label)),
                                     leave_reason_to_string(e->leave_reason));
                break;
        case CLIENT_EVENT_DISCONNECTED:
                if (!e->end)
                        return 0;
                if (e->end->kind == SESSION_END_REJECTED && e->end->reject == REJECT_REASON_NO_SUCH_ROOM)
                        /* Not an error: the party has not opened the room yet. */
                        n = format_line(buf, size,
                                        "Waiting for the party's gateway: room %s is not open on relay %s yet; "
                                        "trying again in %s.",
                                        e->room ? e->room : "?", relay, format_delay(e->retry_in, delay, sizeof(delay)));
                else
                        n = format_line(buf, size, "%s Reconnecting in %s.", e->end->message,
                                        format_delay(e->retry_in, delay, sizeof(delay)));
                break;
        case CLIENT_EVENT_CONNECT_FAILED:
                n = format_line(buf, size, "Cannot connect to relay %s (%s); trying again in %s.", relay,
                             error_text(e->error), format_delay(e->retry_in, delay, sizeof(delay)));
                break;
        case CLIENT_EVENT_STOPPED:
                if (!e->end)
                        return 0;
                n = format_line(buf, size, "%s", e->end->message);
                break;
        case CLIENT_EVENT_CONNECTING:
        default:
                return 0;
        }
        return n;
}

void client_status_tracker_init(ClientStatusTracker *t, uint64_t interval) {
        *t = (ClientStatusTracker) { .interval = interval };
}

size_t client_status_tracker_update(ClientStatusTracker *t, const ClientStatusLine *lines, size_t n, uint64_t now,
                                    bool *show) {
        bool present[_CLIENT_STATUS_KIND_MAX] = { false };
        size_t count = 0;

        for (size_t i = 0; i < n; i++) {
                ClientStatusKind k = lines[i].kind;
                bool s = false;

                show[i] = false;
                if (k < 0 || k >= _CLIENT_STATUS_KIND_MAX || present[k])
                        continue;
                present[k] = true;
                if (!t->shown[k] || strcmp(t->key[k], lines[i].key) != 0)
                        s = true;
                else if (strcmp(t->text[k], lines[i].text) != 0 && now - t->shown_at[k] >= t->interval)
                        s = true;
                if (!s)
                        continue;
                show[i] = true;
                count++;
                t->shown[k] = true;
                t->shown_at[k] = now;
                snprintf(t->key[k], sizeof(t->key[k]), "%s", lines[i].key);
                snprintf(t->text[k], sizeof(t->text[k]), "%s", lines[i].text);
        }
        for (size_t k = 0; k < _CLIENT_STATUS_KIND_MAX; k++)
                if (!present[k])
                        t->shown[k] = false;
        return count;
}
