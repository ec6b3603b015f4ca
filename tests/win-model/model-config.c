/* SPDX-License-Identifier: MIT */
/* Model settings: defaults, "key=value" lines from $LANPARTY_WIN_MODEL_CONFIG
 * or win_model_config_set(). Called with the model lock held. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

enum { PS_GUID, PS_ALIAS, PS_COMPONENT, PS_NETWORK_ADDRESS, PS_MTU, _PS_MAX };

void model_settings_default(ModelSettings *s) {
        memset(model.pending, 0, sizeof(model.pending));
        memset(model.pending_strings, 0, sizeof(model.pending_strings));
        for (size_t n = 0; n < WIN_MODEL_ADAPTERS_MAX; n++)
                model.pending[n].media_status = -1;
        *s = (ModelSettings) {
                /* Windows sends DISCOVERs for about a minute before it
                 * falls back to 169.254.x.y, then tries DHCP again every
                 * five minutes (Microsoft KB 220874, "How to use automatic
                 * TCP/IP addressing without a DHCP server"). The first is
                 * kept short so tests stay fast; the second is real. */
                .apipa_delay_ms = 2000,
                .dhcp_retry_ms = 5 * 60 * 1000,
                .renew_timeout_ms = 10000,
                .connect_delay_ms = 5,
                .uplink_speed_mbps = 1000,
                /* The TAP claims 1 Gbit/s: constants.h:86-87. */
                .tap_speed_mbps = 1000,
                .uplink_address = { 192, 168, 1, 50 },
                .uplink_plen = 24,
                .uplink_gateway = { 192, 168, 1, 1 },
                .elevated = true,
                .firewall_client_profiles = 7,
                .burst = MODEL_BURST_DHCP | MODEL_BURST_RS | MODEL_BURST_IGMP | MODEL_BURST_MLD | MODEL_BURST_LLMNR,
        };
}

static int parse_uint(const char *v, unsigned long long max, unsigned long long *ret) {
        char *end;
        unsigned long long x;

        if (!v || !*v)
                return -EINVAL;
        errno = 0;
        x = strtoull(v, &end, 10);
        if (errno || *end || x > max)
                return -EINVAL;
        *ret = x;
        return 0;
}

static int parse_ipv4(const char *v, uint8_t ret[4], uint8_t *ret_plen) {
        unsigned a, b, c, d, plen = 32;
        int n = 0;

        if (sscanf(v, "%u.%u.%u.%u%n", &a, &b, &c, &d, &n) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
                return -EINVAL;
        if (v[n] == '/') {
                if (!ret_plen || sscanf(v + n + 1, "%u", &plen) != 1 || plen > 32)
                        return -EINVAL;
        } else if (v[n])
                return -EINVAL;
        ret[0] = (uint8_t) a, ret[1] = (uint8_t) b, ret[2] = (uint8_t) c, ret[3] = (uint8_t) d;
        if (ret_plen)
                *ret_plen = (uint8_t) plen;
        return 0;
}

static int parse_burst(const char *v, unsigned *ret) {
        static const struct {
                const char *name;
                unsigned bit;
        } names[] = { { "dhcp", MODEL_BURST_DHCP }, { "rs", MODEL_BURST_RS },     { "igmp", MODEL_BURST_IGMP },
                      { "mld", MODEL_BURST_MLD },   { "llmnr", MODEL_BURST_LLMNR } };
        unsigned bits = 0;

        while (*v) {
                size_t len = strcspn(v, ",");
                bool found = false;

                for (size_t k = 0; k < ELEMENTSOF(names); k++)
                        if (strlen(names[k].name) == len && strncmp(v, names[k].name, len) == 0) {
                                bits |= names[k].bit;
                                found = true;
                        }
                if (!found && len > 0)
                        return -EINVAL;
                v += len + (v[len] == ',');
        }
        *ret = bits;
        return 0;
}

static int adapter_key(unsigned n, const char *key, const char *v) {
        WinModelAdapterConfig *c = &model.pending[n];
        char (*s)[64] = model.pending_strings[n];
        unsigned long long x;
        unsigned major, minor;

        if (strcmp(key, "subkey") == 0)
                return parse_uint(v, WIN_MODEL_SUBKEY_LAST, &x) < 0 ? -EINVAL : (c->subkey = (unsigned) x, 0);
        if (strcmp(key, "media_status") == 0)
                return parse_uint(v, 0xffffffffu, &x) < 0 ? -EINVAL : (c->media_status = (int) x, 0);
        if (strcmp(key, "enabled") == 0)
                return parse_uint(v, 1, &x) < 0 ? -EINVAL : (c->disabled = !x, 0);
        if (strcmp(key, "version") == 0) {
                if (sscanf(v, "%u.%u", &major, &minor) != 2)
                        return -EINVAL;
                c->version_major = major;
                c->version_minor = minor;
                return 0;
        }
        static const char *const names[_PS_MAX] = { "guid", "alias", "component_id", "network_address", "mtu" };
        for (size_t k = 0; k < _PS_MAX; k++)
                if (strcmp(key, names[k]) == 0) {
                        if (strlen(v) >= sizeof(s[k]))
                                return -EINVAL;
                        strcpy(s[k], v);
                        return 0;
                }
        return -EINVAL;
}

int model_config_apply(const char *key, const char *v) {
        ModelSettings *s = &model.settings;
        unsigned long long x;
        unsigned n;
        int off = 0;

        if (sscanf(key, "adapter.%u.%n", &n, &off) == 1 && off > 0) {
                if (n >= WIN_MODEL_ADAPTERS_MAX)
                        return -EINVAL;
                return adapter_key(n, key + off, v);
        }

#define UINT_KEY(name, field, max)                                                       \
        if (strcmp(key, name) == 0) {                                                    \
                if (parse_uint(v, max, &x) < 0)                                          \
                        return -EINVAL;                                                  \
                s->field = x;                                                            \
                return 0;                                                                \
        }
        UINT_KEY("apipa_delay_ms", apipa_delay_ms, 3600000)
        UINT_KEY("dhcp_retry_ms", dhcp_retry_ms, 3600000)
        UINT_KEY("renew_timeout_ms", renew_timeout_ms, 600000)
        UINT_KEY("connect_delay_ms", connect_delay_ms, 60000)
        UINT_KEY("uplink_speed_mbps", uplink_speed_mbps, 1000000)
        UINT_KEY("tap_speed_mbps", tap_speed_mbps, 1000000)
        UINT_KEY("uplink_metric", uplink_metric, 9999)
        UINT_KEY("elevated", elevated, 1)
        UINT_KEY("category_locked", category_locked, 1)
        UINT_KEY("firewall_client_profiles", firewall_client_profiles, 7)
#undef UINT_KEY
        if (strcmp(key, "uplink_address") == 0)
                return parse_ipv4(v, s->uplink_address, &s->uplink_plen);
        if (strcmp(key, "uplink_gateway") == 0)
                return parse_ipv4(v, s->uplink_gateway, NULL);
        if (strcmp(key, "connect_burst") == 0)
                return parse_burst(v, &s->burst);
        if (strcmp(key, "restart_with_open_handle") == 0) {
                if (strcmp(v, "halt") != 0 && strcmp(v, "veto") != 0)
                        return -EINVAL;
                s->veto_restart_when_open = strcmp(v, "veto") == 0;
                return 0;
        }
        return -EINVAL;
}

int model_config_load_file(const char *path) {
        char line[512];
        FILE *f = fopen(path, "r");
        int r = 0;

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *eq, *end = line + strcspn(line, "\r\n");

                *end = '\0';
                if (line[0] == '#' || line[0] == '\0')
                        continue;
                eq = strchr(line, '=');
                if (!eq || model_config_apply((*eq = '\0', line), eq + 1) < 0) {
                        model_log("config-error", "line=\"%s\"", line);
                        r = -EINVAL;
                }
        }
        fclose(f);
        return r;
}

/* Adapters named in the config are installed when the model starts. */
void model_config_add_pending(void) {
        for (size_t n = 0; n < WIN_MODEL_ADAPTERS_MAX; n++) {
                WinModelAdapterConfig c = model.pending[n];
                char (*s)[64] = model.pending_strings[n];
                int r;

                if (!s[PS_GUID][0])
                        continue;
                c.guid = s[PS_GUID];
                c.alias = s[PS_ALIAS][0] ? s[PS_ALIAS] : NULL;
                c.component_id = s[PS_COMPONENT][0] ? s[PS_COMPONENT] : NULL;
                c.network_address = s[PS_NETWORK_ADDRESS][0] ? s[PS_NETWORK_ADDRESS] : NULL;
                c.mtu = s[PS_MTU][0] ? s[PS_MTU] : NULL;
                r = model_adapter_add_locked(&c);
                if (r < 0)
                        model_log("config-error", "adapter=%s error=%d", c.guid, r);
        }
}

int win_model_config_set(const char *key, const char *value) {
        int r;

        if (!key || !value)
                return -EINVAL;
        model_lock();
        r = model_config_apply(key, value);
        model_unlock();
        return r;
}

int win_model_config_load(const char *path) {
        int r;

        if (!path)
                return -EINVAL;
        model_lock();
        r = model_config_load_file(path);
        model_unlock();
        return r;
}
