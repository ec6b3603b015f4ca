/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-config.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"

#define CONFIG_GROUP "Relay"
#define VALUE_SHOWN_MAX 64 /* how much of a bad value an error message repeats */
#define REASON_MAX 128
#define BUS_ADDRESS_MAX 4096

typedef enum OptionKind {
        OPTION_KIND_FLAG,   /* command line: no value; config file: boolean */
        OPTION_KIND_PATH,
        OPTION_KIND_LISTEN,
        OPTION_KIND_UINT,
        OPTION_KIND_STRING,
} OptionKind;

typedef struct OptionInfo {
        const char *flag;
        const char *key; /* NULL: command line only */
        OptionKind kind;
        unsigned min, max;
} OptionInfo;

static const OptionInfo option_table[_RELAY_OPTION_MAX] = {
        [RELAY_OPTION_HELP] = { "--help", NULL, OPTION_KIND_FLAG, 0, 0 },
        [RELAY_OPTION_VERSION] = { "--version", NULL, OPTION_KIND_FLAG, 0, 0 },
        [RELAY_OPTION_CONFIG] = { "--config", NULL, OPTION_KIND_PATH, 0, 0 },
        [RELAY_OPTION_LISTEN] = { "--listen", "Listen", OPTION_KIND_LISTEN, 0, 0 },
        [RELAY_OPTION_CERT] = { "--cert", "Certificate", OPTION_KIND_PATH, 0, 0 },
        [RELAY_OPTION_KEY] = { "--key", "Key", OPTION_KIND_PATH, 0, 0 },
        [RELAY_OPTION_DEV_CERT_DIR] = { "--dev-cert-dir", "DevCertDir", OPTION_KIND_PATH, 0, 0 },
        [RELAY_OPTION_GATEWAY_TOKEN_FILE] = { "--gateway-token-file", "GatewayTokenFile", OPTION_KIND_PATH, 0, 0 },
        [RELAY_OPTION_INSECURE_OPEN_GATEWAYS] = { "--insecure-open-gateways", "InsecureOpenGateways",
                                                  OPTION_KIND_FLAG, 0, 0 },
        [RELAY_OPTION_STATE_DIR] = { "--state-dir", "StateDirectory", OPTION_KIND_PATH, 0, 0 },
        [RELAY_OPTION_MAX_ROOMS] = { "--max-rooms", "MaxRooms", OPTION_KIND_UINT, 1, RELAYD_MAX_ROOMS_MAX },
        [RELAY_OPTION_MAX_PEERS_PER_ROOM] = { "--max-peers-per-room", "MaxPeersPerRoom", OPTION_KIND_UINT,
                                              RELAYD_MAX_PEERS_MIN, RELAYD_MAX_PEERS_MAX },
        [RELAY_OPTION_RATE_BROADCAST] = { "--rate-broadcast", "RateBroadcast", OPTION_KIND_UINT, 0,
                                          RELAYD_RATE_FRAMES_MAX },
        [RELAY_OPTION_RATE_UNKNOWN_UNICAST] = { "--rate-unknown-unicast", "RateUnknownUnicast", OPTION_KIND_UINT, 0,
                                                RELAYD_RATE_FRAMES_MAX },
        [RELAY_OPTION_RATE_BANDWIDTH] = { "--rate-bandwidth", "RateBandwidth", OPTION_KIND_UINT, 0,
                                          RELAYD_RATE_BANDWIDTH_MAX },
        [RELAY_OPTION_BUS_ADDRESS] = { "--bus-address", "BusAddress", OPTION_KIND_STRING, 0, 0 },
};

#define OPTION_BIT(o) (1U << (o))
/* Settings that only make sense together: a source that sets any of a
 * group replaces everything the other source said about that group. */
#define GROUP_CERT (OPTION_BIT(RELAY_OPTION_CERT) | OPTION_BIT(RELAY_OPTION_KEY) | OPTION_BIT(RELAY_OPTION_DEV_CERT_DIR))
#define GROUP_GATEWAY_AUTH \
        (OPTION_BIT(RELAY_OPTION_GATEWAY_TOKEN_FILE) | OPTION_BIT(RELAY_OPTION_INSECURE_OPEN_GATEWAYS))

const char *relay_option_to_string(RelayOption o) {
        if (o < 0 || o >= _RELAY_OPTION_MAX)
                return NULL;
        return option_table[o].flag;
}

const char *relay_option_to_key(RelayOption o) {
        if (o < 0 || o >= _RELAY_OPTION_MAX)
                return NULL;
        return option_table[o].key;
}

RelayConfig *relay_config_free(RelayConfig *c) {
        if (!c)
                return NULL;
        free(c->config_file);
        free(c->cert_file);
        free(c->key_file);
        free(c->dev_cert_dir);
        free(c->gateway_token_file);
        free(c->state_dir);
        free(c->bus_address);
        free(c);
        return NULL;
}

static RelayConfig *relay_config_new(void) {
        return calloc(1, sizeof(RelayConfig));
}

/* Formats the error into one printable line: values from files and argv
 * may hold newlines or escape sequences meant for a terminal. */
_printf_(2, 3) static int config_error(char **ret_error, const char *format, ...) {
        va_list ap;
        char *s;
        int r;

        if (!ret_error)
                return -EINVAL;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        for (char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = '?';
        free(*ret_error);
        *ret_error = s;
        return -EINVAL;
}

/* A bad value as the error message repeats it: control characters as \xNN,
 * cut after VALUE_SHOWN_MAX characters. */
static const char *value_shown(const char *value, char buf[static VALUE_SHOWN_MAX * 4 + 4]) {
        size_t o = 0, i;

        for (i = 0; value[i] && i < VALUE_SHOWN_MAX; i++) {
                unsigned char ch = (unsigned char) value[i];

                if (ch < 0x20 || ch == 0x7f || ch == '\\') {
                        snprintf(buf + o, 5, "\\x%02x", ch);
                        o += 4;
                } else
                        buf[o++] = (char) ch;
        }
        if (value[i]) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = '\0';
        return buf;
}

static bool string_has_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

static int parse_uint_range(const char *s, unsigned min, unsigned max, unsigned *ret) {
        uint64_t v = 0;

        if (!*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*p - '0');
                if (v > max)
                        return -ERANGE;
        }
        if (v < min)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

static int parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "yes", "true", "on" };
        static const char *const no[] = { "0", "no", "false", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

static int strdup_to(char **dst, const char *src) {
        char *s = NULL;

        if (src) {
                s = strdup(src);
                if (!s)
                        return -ENOMEM;
        }
        free(*dst);
        *dst = s;
        return 0;
}

static char **option_string_field(RelayConfig *c, RelayOption o) {
        switch (o) {
        case RELAY_OPTION_CONFIG:
                return &c->config_file;
        case RELAY_OPTION_CERT:
                return &c->cert_file;
        case RELAY_OPTION_KEY:
                return &c->key_file;
        case RELAY_OPTION_DEV_CERT_DIR:
                return &c->dev_cert_dir;
        case RELAY_OPTION_GATEWAY_TOKEN_FILE:
                return &c->gateway_token_file;
        case RELAY_OPTION_STATE_DIR:
                return &c->state_dir;
        case RELAY_OPTION_BUS_ADDRESS:
                return &c->bus_address;
        default:
                return NULL;
        }
}

static unsigned *option_uint_field(RelayConfig *c, RelayOption o) {
        switch (o) {
        case RELAY_OPTION_MAX_ROOMS:
                return &c->max_rooms;
        case RELAY_OPTION_MAX_PEERS_PER_ROOM:
                return &c->max_peers_per_room;
        case RELAY_OPTION_RATE_BROADCAST:
                return &c->rate_broadcast;
        case RELAY_OPTION_RATE_UNKNOWN_UNICAST:
                return &c->rate_unknown_unicast;
        case RELAY_OPTION_RATE_BANDWIDTH:
                return &c->rate_bandwidth;
        default:
                return NULL;
        }
}

/* Stores one value. On a bad value returns -EINVAL and writes why into
 * reason; -ENOMEM is the only other failure. */
static int option_set_value(RelayConfig *c, RelayOption o, const char *value, bool in_file, char *reason,
                            size_t reason_size) {
        const OptionInfo *info = &option_table[o];
        const char *why;
        int r;

        switch (info->kind) {
        case OPTION_KIND_FLAG: {
                bool b;

                /* Only reached for config files: flags take no value on the
                 * command line. */
                if (parse_bool(value, &b) < 0) {
                        snprintf(reason, reason_size, "expected a boolean (yes/no, true/false, 1/0, on/off)");
                        return -EINVAL;
                }
                if (o == RELAY_OPTION_INSECURE_OPEN_GATEWAYS)
                        c->insecure_open_gateways = b;
                return 0;
        }

        case OPTION_KIND_PATH:
                if (!*value || string_has_control(value) || strlen(value) >= PATH_MAX) {
                        snprintf(reason, reason_size, "expected a file system path");
                        return -EINVAL;
                }
                /* A config file is read by a service whose working directory
                 * is nobody's business: relative paths would be guesses. */
                if (in_file && value[0] != '/') {
                        snprintf(reason, reason_size, "expected an absolute path");
                        return -EINVAL;
                }
                return strdup_to(option_string_field(c, o), value);

        case OPTION_KIND_STRING:
                if (!*value || string_has_control(value) || strlen(value) >= BUS_ADDRESS_MAX) {
                        snprintf(reason, reason_size, "expected a D-Bus address such as unix:path=/run/dbus/system_bus_socket");
                        return -EINVAL;
                }
                return strdup_to(option_string_field(c, o), value);

        case OPTION_KIND_LISTEN:
                r = socket_address_parse_listen(value, &c->listen, &why);
                if (r < 0) {
                        snprintf(reason, reason_size, "%s", why);
                        return -EINVAL;
                }
                return 0;

        case OPTION_KIND_UINT: {
                unsigned v;

                if (parse_uint_range(value, info->min, info->max, &v) < 0) {
                        snprintf(reason, reason_size, "expected an integer %u..%u", info->min, info->max);
                        return -EINVAL;
                }
                *option_uint_field(c, o) = v;
                return 0;
        }
        }
        return -EINVAL;
}

static RelayOption option_from_flag(const char *arg, size_t len) {
        for (RelayOption o = 0; o < _RELAY_OPTION_MAX; o++)
                if (strlen(option_table[o].flag) == len && strncmp(option_table[o].flag, arg, len) == 0)
                        return o;
        return _RELAY_OPTION_INVALID;
}

static RelayOption option_from_key(const char *key) {
        for (RelayOption o = 0; o < _RELAY_OPTION_MAX; o++)
                if (option_table[o].key && strcmp(option_table[o].key, key) == 0)
                        return o;
        return _RELAY_OPTION_INVALID;
}

/* Settings one source may not combine. `where` is "" for the command line
 * and "FILE: " for a config file; names are flags or keys accordingly. */
static int config_check_conflicts(const RelayConfig *c, bool in_file, const char *where, char **ret_error) {
#define NAME(o) (in_file ? option_table[o].key : option_table[o].flag)
#define SUFFIX (in_file ? "=" : "")
        if (!!c->cert_file != !!c->key_file)
                return config_error(ret_error, "%s%s%s and %s%s must be given together", where,
                                    NAME(RELAY_OPTION_CERT), SUFFIX, NAME(RELAY_OPTION_KEY), SUFFIX);
        if (c->cert_file && c->dev_cert_dir)
                return config_error(ret_error, "%s%s%s/%s%s and %s%s are mutually exclusive", where,
                                    NAME(RELAY_OPTION_CERT), SUFFIX, NAME(RELAY_OPTION_KEY), SUFFIX,
                                    NAME(RELAY_OPTION_DEV_CERT_DIR), SUFFIX);
        if (c->gateway_token_file && c->insecure_open_gateways)
                return config_error(ret_error, "%s%s%s and %s%s are mutually exclusive", where,
                                    NAME(RELAY_OPTION_GATEWAY_TOKEN_FILE), SUFFIX,
                                    NAME(RELAY_OPTION_INSECURE_OPEN_GATEWAYS), in_file ? "=yes" : "");
#undef NAME
#undef SUFFIX
        return 0;
}

int relay_config_parse_argv(int argc, char *const *argv, RelayConfig **ret, char **ret_error) {
        _cleanup_(relay_config_freep) RelayConfig *c = NULL;
        char reason[REASON_MAX], shown[VALUE_SHOWN_MAX * 4 + 4];
        int r;

        if (argc < 0 || (argc > 0 && !argv) || !ret)
                return -EINVAL;

        c = relay_config_new();
        if (!c)
                return -ENOMEM;

        for (int i = 1; i < argc && argv[i]; i++) {
                const char *arg = argv[i], *eq, *value;
                RelayOption o;
                size_t len;

                if (strcmp(arg, "--") == 0) {
                        if (i + 1 < argc && argv[i + 1])
                                return config_error(ret_error, "unexpected argument '%s'",
                                                    value_shown(argv[i + 1], shown));
                        break;
                }
                if (strcmp(arg, "-h") == 0) {
                        c->action = RELAY_ACTION_HELP;
                        *ret = TAKE_PTR(c);
                        return 0;
                }
                if (arg[0] != '-')
                        return config_error(ret_error, "unexpected argument '%s' (settings are given as --flags)",
                                            value_shown(arg, shown));
                if (arg[1] != '-')
                        return config_error(ret_error, "unknown option '%s' (see --help)", value_shown(arg, shown));

                eq = strchr(arg, '=');
                len = eq ? (size_t) (eq - arg) : strlen(arg);
                o = option_from_flag(arg, len);
                if (o < 0) {
                        char name[VALUE_SHOWN_MAX + 1];

                        snprintf(name, sizeof(name), "%.*s", (int) MIN(len, (size_t) VALUE_SHOWN_MAX), arg);
                        return config_error(ret_error, "unknown option '%s' (see --help)", value_shown(name, shown));
                }

                if (option_table[o].kind == OPTION_KIND_FLAG) {
                        if (eq)
                                return config_error(ret_error, "%s takes no value", option_table[o].flag);
                        if (o == RELAY_OPTION_HELP || o == RELAY_OPTION_VERSION) {
                                c->action = o == RELAY_OPTION_HELP ? RELAY_ACTION_HELP : RELAY_ACTION_VERSION;
                                *ret = TAKE_PTR(c);
                                return 0;
                        }
                        if (c->set & OPTION_BIT(o))
                                return config_error(ret_error, "%s: given more than once", option_table[o].flag);
                        c->insecure_open_gateways = true;
                        c->set |= OPTION_BIT(o);
                        continue;
                }

                if (eq)
                        value = eq + 1;
                else if (i + 1 < argc && argv[i + 1])
                        value = argv[++i];
                else
                        return config_error(ret_error, "%s: missing value", option_table[o].flag);

                if (c->set & OPTION_BIT(o))
                        return config_error(ret_error, "%s: given more than once", option_table[o].flag);

                r = option_set_value(c, o, value, false, reason, sizeof(reason));
                if (r == -EINVAL)
                        return config_error(ret_error, "%s: %s, got '%s'", option_table[o].flag, reason,
                                            value_shown(value, shown));
                if (r < 0)
                        return r;
                c->set |= OPTION_BIT(o);
        }

        r = config_check_conflicts(c, false, "", ret_error);
        if (r < 0)
                return r;

        c->action = RELAY_ACTION_RUN;
        *ret = TAKE_PTR(c);
        return 0;
}

static void g_key_file_freep(GKeyFile **kf) {
        if (*kf)
                g_key_file_free(*kf);
}

static void g_error_freep(GError **e) {
        if (*e)
                g_error_free(*e);
}

static void g_strfreevp(char ***v) {
        g_strfreev(*v);
}

static void g_freep(char **p) {
        g_free(*p);
}

int relay_config_parse_file(const char *filename, const char *data, size_t size, RelayConfig **ret,
                            char **ret_error) {
        _cleanup_(relay_config_freep) RelayConfig *c = NULL;
        _cleanup_(g_key_file_freep) GKeyFile *kf = NULL;
        _cleanup_(g_error_freep) GError *gerr = NULL;
        _cleanup_(g_strfreevp) char **groups = NULL, **keys = NULL;
        char reason[REASON_MAX], shown[VALUE_SHOWN_MAX * 4 + 4];
        int r;

        if (!filename || (!data && size > 0) || !ret)
                return -EINVAL;

        if (size > RELAYD_CONFIG_FILE_MAX)
                return config_error(ret_error, "%s: file too large (more than %u bytes)", filename,
                                    RELAYD_CONFIG_FILE_MAX);
        /* GKeyFile would stop at a NUL and silently ignore the rest. */
        if (size > 0 && memchr(data, '\0', size))
                return config_error(ret_error, "%s: contains a NUL byte", filename);

        c = relay_config_new();
        if (!c)
                return -ENOMEM;
        r = strdup_to(&c->config_file, filename);
        if (r < 0)
                return r;

        kf = g_key_file_new();
        /* KEEP_TRANSLATIONS: otherwise "Listen[de]=" would vanish silently
         * instead of being reported as an unknown key. */
        if (size > 0 && !g_key_file_load_from_data(kf, data, size, G_KEY_FILE_KEEP_TRANSLATIONS, &gerr))
                return config_error(ret_error, "%s: %s", filename, gerr->message);

        groups = g_key_file_get_groups(kf, NULL);
        for (size_t i = 0; groups && groups[i]; i++)
                if (strcmp(groups[i], CONFIG_GROUP) != 0)
                        return config_error(ret_error, "%s: unknown section [%s] (expected [%s])", filename,
                                            value_shown(groups[i], shown), CONFIG_GROUP);

        if (g_key_file_has_group(kf, CONFIG_GROUP)) {
                keys = g_key_file_get_keys(kf, CONFIG_GROUP, NULL, &gerr);
                if (!keys)
                        return config_error(ret_error, "%s: %s", filename, gerr ? gerr->message : "cannot read keys");
        }

        for (size_t i = 0; keys && keys[i]; i++) {
                _cleanup_(g_freep) char *value = NULL;
                RelayOption o = option_from_key(keys[i]);

                if (o < 0)
                        return config_error(ret_error, "%s: unknown key '%s' in [%s]", filename,
                                            value_shown(keys[i], shown), CONFIG_GROUP);
                if (c->set & OPTION_BIT(o))
                        return config_error(ret_error, "%s: key %s= given more than once", filename,
                                            option_table[o].key);

                value = g_key_file_get_string(kf, CONFIG_GROUP, keys[i], &gerr);
                if (!value)
                        return config_error(ret_error, "%s: %s=: %s", filename, option_table[o].key,
                                            gerr ? gerr->message : "cannot read value");

                r = option_set_value(c, o, value, true, reason, sizeof(reason));
                if (r == -EINVAL)
                        return config_error(ret_error, "%s: %s=: %s, got '%s'", filename, option_table[o].key,
                                            reason, value_shown(value, shown));
                if (r < 0)
                        return r;
                c->set |= OPTION_BIT(o);
        }

        {
                char where[PATH_MAX + 3];

                snprintf(where, sizeof(where), "%s: ", filename);
                r = config_check_conflicts(c, true, where, ret_error);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(c);
        return 0;
}

/* Copies the settings of `mask` that `src` gave into `dst`. */
static int config_copy(RelayConfig *dst, const RelayConfig *src, unsigned mask) {
        int r;

        for (RelayOption o = 0; o < _RELAY_OPTION_MAX; o++) {
                char **field;

                if (!(mask & src->set & OPTION_BIT(o)))
                        continue;
                switch (o) {
                case RELAY_OPTION_LISTEN:
                        dst->listen = src->listen;
                        break;
                case RELAY_OPTION_INSECURE_OPEN_GATEWAYS:
                        dst->insecure_open_gateways = src->insecure_open_gateways;
                        break;
                case RELAY_OPTION_MAX_ROOMS:
                case RELAY_OPTION_MAX_PEERS_PER_ROOM:
                case RELAY_OPTION_RATE_BROADCAST:
                case RELAY_OPTION_RATE_UNKNOWN_UNICAST:
                case RELAY_OPTION_RATE_BANDWIDTH:
                        *option_uint_field(dst, o) = *option_uint_field((RelayConfig *) src, o);
                        break;
                default:
                        field = option_string_field(dst, o);
                        if (!field)
                                break;
                        r = strdup_to(field, *option_string_field((RelayConfig *) src, o));
                        if (r < 0)
                                return r;
                }
                dst->set |= OPTION_BIT(o);
        }
        return 0;
}

int relay_config_merge(const RelayConfig *cli, const RelayConfig *file, const char *state_directory,
                       RelayConfig **ret, char **ret_error) {
        _cleanup_(relay_config_freep) RelayConfig *c = NULL;
        unsigned file_mask = ~0U;
        const char *why;
        int r;

        if (!ret)
                return -EINVAL;

        c = relay_config_new();
        if (!c)
                return -ENOMEM;

        if (cli) {
                if (cli->set & GROUP_CERT)
                        file_mask &= ~GROUP_CERT;
                if (cli->set & GROUP_GATEWAY_AUTH)
                        file_mask &= ~GROUP_GATEWAY_AUTH;
        }
        if (file) {
                r = config_copy(c, file, file_mask);
                if (r < 0)
                        return r;
                r = strdup_to(&c->config_file, file->config_file);
                if (r < 0)
                        return r;
        }
        if (cli) {
                r = config_copy(c, cli, ~OPTION_BIT(RELAY_OPTION_CONFIG));
                if (r < 0)
                        return r;
        }

        if (!(c->set & OPTION_BIT(RELAY_OPTION_LISTEN))) {
                r = socket_address_parse_listen(RELAYD_LISTEN_DEFAULT, &c->listen, &why);
                if (r < 0)
                        return r;
        }
        if (!(c->set & OPTION_BIT(RELAY_OPTION_MAX_ROOMS)))
                c->max_rooms = RELAYD_MAX_ROOMS_DEFAULT;
        if (!(c->set & OPTION_BIT(RELAY_OPTION_MAX_PEERS_PER_ROOM)))
                c->max_peers_per_room = RELAYD_MAX_PEERS_DEFAULT;
        if (!(c->set & OPTION_BIT(RELAY_OPTION_RATE_BROADCAST)))
                c->rate_broadcast = RELAYD_RATE_BROADCAST_DEFAULT;
        if (!(c->set & OPTION_BIT(RELAY_OPTION_RATE_UNKNOWN_UNICAST)))
                c->rate_unknown_unicast = RELAYD_RATE_UNKNOWN_UNICAST_DEFAULT;
        if (!(c->set & OPTION_BIT(RELAY_OPTION_RATE_BANDWIDTH)))
                c->rate_bandwidth = RELAYD_RATE_BANDWIDTH_DEFAULT;

        if (!c->state_dir) {
                /* systemd passes one path per StateDirectory= entry, joined
                 * by ':'; ours is the first. */
                if (state_directory && *state_directory) {
                        size_t n = strcspn(state_directory, ":");
                        char shown[VALUE_SHOWN_MAX * 4 + 4];

                        if (state_directory[0] != '/' || n >= PATH_MAX)
                                return config_error(ret_error, "$STATE_DIRECTORY: expected an absolute path, got '%s'",
                                                    value_shown(state_directory, shown));
                        c->state_dir = strndup(state_directory, n);
                } else
                        c->state_dir = strdup(RELAYD_STATE_DIR);
                if (!c->state_dir)
                        return -ENOMEM;
        }

        if (!c->cert_file && !c->dev_cert_dir)
                if (asprintf(&c->dev_cert_dir, "%s/%s", c->state_dir, RELAYD_DEV_CERT_SUBDIR) < 0) {
                        c->dev_cert_dir = NULL;
                        return -ENOMEM;
                }

        /* Each source was checked on its own; the group rule above keeps
         * the merge from mixing them. Check again in case of a bug there. */
        r = config_check_conflicts(c, false, "", ret_error);
        if (r < 0)
                return r;

        if (!c->gateway_token_file && !c->insecure_open_gateways)
                return config_error(ret_error,
                                    "gateways need a token: give --gateway-token-file FILE (or GatewayTokenFile= "
                                    "in the config file), or --insecure-open-gateways for testing");

        c->action = RELAY_ACTION_RUN;
        *ret = TAKE_PTR(c);
        return 0;
}

int relay_config_load(int argc, char *const *argv, const char *default_config_file,
                      const char *state_directory, RelayConfig **ret, char **ret_error) {
        _cleanup_(relay_config_freep) RelayConfig *cli = NULL, *file = NULL;
        _cleanup_free_ char *data = NULL;
        const char *path;
        size_t size = 0;
        int r;

        if (!ret)
                return -EINVAL;

        r = relay_config_parse_argv(argc, argv, &cli, ret_error);
        if (r < 0)
                return r;
        if (cli->action != RELAY_ACTION_RUN) {
                *ret = TAKE_PTR(cli);
                return 0;
        }

        path = cli->config_file ? cli->config_file : default_config_file;
        if (path) {
                r = read_file_bounded(path, RELAYD_CONFIG_FILE_MAX, &data, &size);
                if (r == -ENOENT && !cli->config_file)
                        path = NULL; /* the default file is optional */
                else if (r == -EFBIG)
                        return config_error(ret_error, "%s: file too large (more than %u bytes)", path,
                                            RELAYD_CONFIG_FILE_MAX);
                else if (r == -ENOMEM)
                        return r;
                else if (r < 0)
                        return config_error(ret_error, "%s: cannot read config file: %s", path, strerror(-r));
        }
        if (path) {
                r = relay_config_parse_file(path, data, size, &file, ret_error);
                if (r < 0)
                        return r;
        }

        return relay_config_merge(cli, file, state_directory, ret, ret_error);
}

void relay_config_help(FILE *f) {
        fprintf(f,
                "lanparty-relayd [OPTIONS...]\n"
                "\n"
                "The lanparty QUIC relay: carries Ethernet frames between the gateway and the\n"
                "clients of each room.\n"
                "\n"
                "  -h --help                    Show this help and exit\n"
                "     --version                 Show the version and exit\n"
                "     --config FILE             Read settings from FILE (default:\n"
                "                               %s, skipped when missing)\n"
                "     --listen ADDR             UDP address to listen on: PORT, PORT/udp, IPv4:PORT\n"
                "                               or [IPv6]:PORT (default: %s, IPv6 and IPv4)\n"
                "     --cert PEM --key PEM      TLS certificate chain and private key (both needed)\n"
                "     --dev-cert-dir DIR        Directory of the self-signed development certificate\n"
                "                               (used when --cert is not given; default:\n"
                "                               STATE_DIR/%s)\n"
                "     --gateway-token-file FILE Tokens a gateway must present to open a room: one per\n"
                "                               line, 16-128 printable characters, lines starting\n"
                "                               with '#' are comments; re-read on SIGHUP\n"
                "     --insecure-open-gateways  Let any gateway open rooms without a token (testing\n"
                "                               only). One of these two options is required.\n"
                "     --state-dir DIR           State directory (default: $STATE_DIRECTORY, else\n"
                "                               %s)\n"
                "     --max-rooms N             Rooms open at once, %u..%u (default: %u)\n"
                "     --max-peers-per-room N    Peers per room including the gateway, %u..%u\n"
                "                               (default: %u)\n"
                "     --rate-broadcast N        Broadcast/multicast frames per second one client may\n"
                "                               send, 0 = unlimited (default: %u)\n"
                "     --rate-unknown-unicast N  Frames per second one client may send to MACs the\n"
                "                               relay has not seen behind the gateway, 0 = unlimited\n"
                "                               (default: %u)\n"
                "     --rate-bandwidth N        Bytes per second one client may send, 0 = unlimited\n"
                "                               (default: %u); excess frames are dropped, counted\n"
                "                               and shown in the peer's Drops on D-Bus\n"
                "     --bus-address ADDRESS     D-Bus address for the management interface (default:\n"
                "                               the system bus, $DBUS_SYSTEM_BUS_ADDRESS if set;\n"
                "                               without this option a missing bus only disables\n"
                "                               the interface)\n"
                "\n"
                "Config file: group [Relay] with the keys Listen=, Certificate=, Key=,\n"
                "DevCertDir=, GatewayTokenFile=, InsecureOpenGateways= (boolean), StateDirectory=,\n"
                "MaxRooms=, MaxPeersPerRoom=, RateBroadcast=, RateUnknownUnicast=, RateBandwidth=,\n"
                "BusAddress=. Paths there must be absolute. Unknown\n"
                "sections or keys are errors. Command line options override the file; giving\n"
                "any of --cert/--key/--dev-cert-dir (or of --gateway-token-file/\n"
                "--insecure-open-gateways) replaces all the file says about that choice.\n",
                RELAYD_CONFIG_FILE, RELAYD_LISTEN_DEFAULT, RELAYD_DEV_CERT_SUBDIR, RELAYD_STATE_DIR, 1U,
                RELAYD_MAX_ROOMS_MAX, RELAYD_MAX_ROOMS_DEFAULT, RELAYD_MAX_PEERS_MIN, RELAYD_MAX_PEERS_MAX,
                RELAYD_MAX_PEERS_DEFAULT, RELAYD_RATE_BROADCAST_DEFAULT, RELAYD_RATE_UNKNOWN_UNICAST_DEFAULT,
                RELAYD_RATE_BANDWIDTH_DEFAULT);
}
