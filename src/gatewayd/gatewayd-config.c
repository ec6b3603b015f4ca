/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "gatewayd-config.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "fileio.h"
#include "room-name.h"

#define CONFIG_GROUP "Gateway"
#define VALUE_SHOWN_MAX 64 /* how much of a bad value an error message repeats */
#define VALUE_SHOWN_SIZE (VALUE_SHOWN_MAX * 4 + 4)
#define REASON_MAX 160
#define BUS_ADDRESS_MAX 4096

typedef enum OptionKind {
        OPTION_KIND_FLAG, /* command line only, no value */
        OPTION_KIND_PATH,
        OPTION_KIND_INTERFACE,
        OPTION_KIND_RELAY,
        OPTION_KIND_ROOM,
        OPTION_KIND_PIN,
        OPTION_KIND_NAME,
        OPTION_KIND_BUS_ADDRESS,
} OptionKind;

typedef struct OptionInfo {
        const char *flag;
        const char *key; /* NULL: command line only */
        OptionKind kind;
} OptionInfo;

/* The interface is command line only: the file is named after it
 * (gatewayd-eth0.conf), so a second source could only contradict it. */
static const OptionInfo option_table[_GATEWAY_OPTION_MAX] = {
        [GATEWAY_OPTION_HELP] = { "--help", NULL, OPTION_KIND_FLAG },
        [GATEWAY_OPTION_VERSION] = { "--version", NULL, OPTION_KIND_FLAG },
        [GATEWAY_OPTION_CONFIG] = { "--config", NULL, OPTION_KIND_PATH },
        [GATEWAY_OPTION_PRINT_INVITE] = { "--print-invite", NULL, OPTION_KIND_FLAG },
        [GATEWAY_OPTION_INTERFACE] = { "--interface", NULL, OPTION_KIND_INTERFACE },
        [GATEWAY_OPTION_RELAY] = { "--relay", "Relay", OPTION_KIND_RELAY },
        [GATEWAY_OPTION_ROOM] = { "--room", "Room", OPTION_KIND_ROOM },
        [GATEWAY_OPTION_PIN] = { "--pin", "Pin", OPTION_KIND_PIN },
        [GATEWAY_OPTION_GATEWAY_TOKEN_FILE] = { "--gateway-token-file", "GatewayTokenFile", OPTION_KIND_PATH },
        [GATEWAY_OPTION_STATE_DIR] = { "--state-dir", "StateDirectory", OPTION_KIND_PATH },
        [GATEWAY_OPTION_NAME] = { "--name", "Name", OPTION_KIND_NAME },
        [GATEWAY_OPTION_BUS_ADDRESS] = { "--bus-address", "BusAddress", OPTION_KIND_BUS_ADDRESS },
};

#define OPTION_BIT(o) (1U << (o))

const char *gateway_option_to_string(GatewayOption o) {
        if (o < 0 || o >= _GATEWAY_OPTION_MAX)
                return NULL;
        return option_table[o].flag;
}

const char *gateway_option_to_key(GatewayOption o) {
        if (o < 0 || o >= _GATEWAY_OPTION_MAX)
                return NULL;
        return option_table[o].key;
}

GatewayConfig *gateway_config_free(GatewayConfig *c) {
        if (!c)
                return NULL;
        free(c->config_file);
        free(c->gateway_token_file);
        free(c->state_dir);
        free(c->bus_address);
        free(c);
        return NULL;
}

static GatewayConfig *gateway_config_new(void) {
        return calloc(1, sizeof(GatewayConfig));
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

/* A bad value as the error message repeats it: control characters and
 * backslashes as \xNN, cut after VALUE_SHOWN_MAX characters. */
static const char *value_shown(const char *value, char buf[static VALUE_SHOWN_SIZE]) {
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

bool interface_name_is_valid(const char *s) {
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n == 0 || n >= GATEWAYD_IFNAME_SIZE || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *p = s; *p; p++) {
                unsigned char ch = (unsigned char) *p;

                if (ch <= 0x20 || ch == 0x7f || ch == '/' || ch == ':')
                        return false;
        }
        return true;
}

/* The relay string is the authority part of the invite link we print, so
 * it must obey exactly the link's host and port rules. Rather than keep a
 * second copy of them, parse it as a link around a dummy room and key.
 * Characters that would end the authority part in a URI ('/', '?', '#',
 * '@', '%') or that no host contains are refused first, so the link parser
 * can only complain about the host or the port. */
int relay_endpoint_parse(const char *s, RelayEndpoint *ret, const char **ret_reason) {
        static const char dummy_tail[] = "/r?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        char link[sizeof(LP_INVITE_SCHEME) + RELAY_ENDPOINT_STR_MAX + sizeof(dummy_tail)];
        const char *reason_dummy;
        InviteError e;
        Invite inv;
        size_t n;

        if (!ret_reason)
                ret_reason = &reason_dummy;
        if (!s || !ret) {
                *ret_reason = "no relay given";
                return -EINVAL;
        }
        n = strlen(s);
        if (n == 0) {
                *ret_reason = "expected HOST[:PORT]";
                return -EINVAL;
        }
        if (n >= RELAY_ENDPOINT_STR_MAX) {
                *ret_reason = "too long for a host name and port";
                return -EINVAL;
        }
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '.' || *p == '-' || *p == ':' || *p == '[' || *p == ']')) {
                        *ret_reason = "expected HOST[:PORT] (a DNS name, IPv4 address or [IPv6] address, "
                                      "optionally followed by :PORT)";
                        return -EINVAL;
                }

        snprintf(link, sizeof(link), "%s%s%s", LP_INVITE_SCHEME, s, dummy_tail);
        if (invite_parse(link, &inv, &e) < 0) {
                *ret_reason = invite_error_to_string(e);
                if (!*ret_reason)
                        *ret_reason = "expected HOST[:PORT]";
                return -EINVAL;
        }

        *ret = (RelayEndpoint) { .host_type = inv.host_type, .port = inv.port };
        memcpy(ret->host, inv.host, strlen(inv.host) + 1);
        return 0;
}

const char *relay_endpoint_format(const RelayEndpoint *e, char buf[static RELAY_ENDPOINT_STR_MAX]) {
        if (e->host_type == INVITE_HOST_IPV6)
                snprintf(buf, RELAY_ENDPOINT_STR_MAX, "[%s]:%u", e->host, e->port);
        else
                snprintf(buf, RELAY_ENDPOINT_STR_MAX, "%s:%u", e->host, e->port);
        return buf;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

int gateway_token_parse(const char *filename, const char *data, size_t size,
                        uint8_t token[static LP_CONTROL_GATEWAY_TOKEN_MAX], size_t *ret_len, char **ret_error) {
        size_t line_no = 0, found_line = 0, found_len = 0;
        const char *found = NULL;

        if (!filename || (!data && size > 0) || !token || !ret_len)
                return -EINVAL;
        if (size > GATEWAYD_TOKEN_FILE_MAX)
                return config_error(ret_error, "%s: file too large (more than %u bytes)", filename,
                                    GATEWAYD_TOKEN_FILE_MAX);

        for (size_t pos = 0; pos < size;) {
                const char *line = data + pos, *nl = memchr(line, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - line) : size - pos;

                pos += len + (nl ? 1 : 0);
                line_no++;
                while (len > 0 && is_blank(line[0])) {
                        line++;
                        len--;
                }
                while (len > 0 && is_blank(line[len - 1]))
                        len--;
                if (len == 0 || line[0] == '#')
                        continue;
                if (found)
                        return config_error(ret_error,
                                            "%s: line %zu: a second token (the gateway presents exactly one; "
                                            "the first is on line %zu)",
                                            filename, line_no, found_line);
                for (size_t i = 0; i < len; i++)
                        if (line[i] < 0x21 || line[i] > 0x7e)
                                return config_error(ret_error,
                                                    "%s: line %zu: token contains a space or a character that "
                                                    "is not printable ASCII",
                                                    filename, line_no);
                if (len > LP_CONTROL_GATEWAY_TOKEN_MAX)
                        return config_error(ret_error, "%s: line %zu: token has %zu characters, at most %d allowed",
                                            filename, line_no, len, LP_CONTROL_GATEWAY_TOKEN_MAX);
                found = line;
                found_len = len;
                found_line = line_no;
        }
        if (!found)
                return config_error(ret_error, "%s: no gateway token in file", filename);

        memcpy(token, found, found_len);
        *ret_len = found_len;
        return 0;
}

int gateway_token_load(const char *path, uint8_t token[static LP_CONTROL_GATEWAY_TOKEN_MAX], size_t *ret_len,
                       char **ret_error) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        if (!path || !token || !ret_len)
                return -EINVAL;

        r = read_file_bounded(path, GATEWAYD_TOKEN_FILE_MAX, &data, &size);
        if (r == -EFBIG)
                return config_error(ret_error, "%s: file too large (more than %u bytes)", path,
                                    GATEWAYD_TOKEN_FILE_MAX);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return config_error(ret_error, "%s: cannot read gateway token file: %s", path, strerror(-r));
        r = gateway_token_parse(path, data, size, token, ret_len, ret_error);
        explicit_bzero(data, size);
        return r;
}

/* Stores one value. On a bad value returns -EINVAL and writes why into
 * reason; -ENOMEM is the only other failure. */
static int option_set_value(GatewayConfig *c, GatewayOption o, const char *value, bool in_file, char *reason,
                            size_t reason_size) {
        const OptionInfo *info = &option_table[o];
        const char *why;
        size_t n = strlen(value);

        switch (info->kind) {
        case OPTION_KIND_FLAG:
                break;

        case OPTION_KIND_PATH:
                if (n == 0 || string_has_control(value) || n >= PATH_MAX) {
                        snprintf(reason, reason_size, "expected a file system path");
                        return -EINVAL;
                }
                /* A config file is read by a service whose working directory
                 * is nobody's business: relative paths would be guesses. */
                if (in_file && value[0] != '/') {
                        snprintf(reason, reason_size, "expected an absolute path");
                        return -EINVAL;
                }
                switch (o) {
                case GATEWAY_OPTION_CONFIG:
                        return strdup_to(&c->config_file, value);
                case GATEWAY_OPTION_GATEWAY_TOKEN_FILE:
                        return strdup_to(&c->gateway_token_file, value);
                case GATEWAY_OPTION_STATE_DIR:
                        return strdup_to(&c->state_dir, value);
                default:
                        break;
                }
                break;

        case OPTION_KIND_INTERFACE:
                if (!interface_name_is_valid(value)) {
                        snprintf(reason, reason_size,
                                 "expected a network interface name (1-15 characters, no '/', ':' or spaces)");
                        return -EINVAL;
                }
                memcpy(c->interface, value, n + 1);
                return 0;

        case OPTION_KIND_RELAY:
                if (relay_endpoint_parse(value, &c->relay, &why) < 0) {
                        snprintf(reason, reason_size, "%s", why);
                        return -EINVAL;
                }
                return 0;

        case OPTION_KIND_ROOM:
                if (!room_name_is_valid(value, n)) {
                        snprintf(reason, reason_size, "expected a room name of 1-%d characters of A-Z, a-z, 0-9, "
                                 "'_' and '-'", LP_ROOM_NAME_MAX);
                        return -EINVAL;
                }
                memcpy(c->room, value, n + 1);
                return 0;

        case OPTION_KIND_PIN: {
                uint8_t pin[LP_SPKI_PIN_SIZE];
                size_t size;

                if (n != B64URL_ENCODED_LEN(LP_SPKI_PIN_SIZE) ||
                    b64url_decode(value, n, pin, sizeof(pin), &size) < 0 || size != sizeof(pin)) {
                        snprintf(reason, reason_size,
                                 "expected the relay certificate's pin: 43 characters of base64url (the "
                                 "SHA-256 of its public key)");
                        return -EINVAL;
                }
                memcpy(c->pin, pin, sizeof(pin));
                c->has_pin = true;
                return 0;
        }

        case OPTION_KIND_NAME:
                /* It travels in HELLO, whose rules it must meet. */
                if (n > LP_CONTROL_NAME_MAX || (n > 0 && !control_text_is_valid(value, n))) {
                        snprintf(reason, reason_size,
                                 "expected at most %d bytes of UTF-8 text without control characters",
                                 LP_CONTROL_NAME_MAX);
                        return -EINVAL;
                }
                memcpy(c->name, value, n + 1);
                return 0;

        case OPTION_KIND_BUS_ADDRESS:
                if (n == 0 || string_has_control(value) || n >= BUS_ADDRESS_MAX) {
                        snprintf(reason, reason_size,
                                 "expected a D-Bus address such as unix:path=/run/dbus/system_bus_socket");
                        return -EINVAL;
                }
                return strdup_to(&c->bus_address, value);
        }
        return -EINVAL;
}

static GatewayOption option_from_flag(const char *arg, size_t len) {
        for (GatewayOption o = 0; o < _GATEWAY_OPTION_MAX; o++)
                if (strlen(option_table[o].flag) == len && strncmp(option_table[o].flag, arg, len) == 0)
                        return o;
        return _GATEWAY_OPTION_INVALID;
}

static GatewayOption option_from_key(const char *key) {
        for (GatewayOption o = 0; o < _GATEWAY_OPTION_MAX; o++)
                if (option_table[o].key && strcmp(option_table[o].key, key) == 0)
                        return o;
        return _GATEWAY_OPTION_INVALID;
}

int gateway_config_parse_argv(int argc, char *const *argv, GatewayConfig **ret, char **ret_error) {
        _cleanup_(gateway_config_freep) GatewayConfig *c = NULL;
        char reason[REASON_MAX], shown[VALUE_SHOWN_SIZE];
        int r;

        if (argc < 0 || (argc > 0 && !argv) || !ret)
                return -EINVAL;

        c = gateway_config_new();
        if (!c)
                return -ENOMEM;

        for (int i = 1; i < argc && argv[i]; i++) {
                const char *arg = argv[i], *eq, *value;
                GatewayOption o;
                size_t len;

                if (strcmp(arg, "--") == 0) {
                        if (i + 1 < argc && argv[i + 1])
                                return config_error(ret_error, "unexpected argument '%s'",
                                                    value_shown(argv[i + 1], shown));
                        break;
                }
                if (strcmp(arg, "-h") == 0) {
                        c->action = GATEWAY_ACTION_HELP;
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
                        if (o == GATEWAY_OPTION_HELP || o == GATEWAY_OPTION_VERSION) {
                                c->action = o == GATEWAY_OPTION_HELP ? GATEWAY_ACTION_HELP : GATEWAY_ACTION_VERSION;
                                *ret = TAKE_PTR(c);
                                return 0;
                        }
                        if (c->set & OPTION_BIT(o))
                                return config_error(ret_error, "%s: given more than once", option_table[o].flag);
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

        c->action = (c->set & OPTION_BIT(GATEWAY_OPTION_PRINT_INVITE)) ? GATEWAY_ACTION_PRINT_INVITE
                                                                      : GATEWAY_ACTION_RUN;
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

int gateway_config_parse_file(const char *filename, const char *data, size_t size, GatewayConfig **ret,
                              char **ret_error) {
        _cleanup_(gateway_config_freep) GatewayConfig *c = NULL;
        _cleanup_(g_key_file_freep) GKeyFile *kf = NULL;
        _cleanup_(g_error_freep) GError *gerr = NULL;
        _cleanup_(g_strfreevp) char **groups = NULL, **keys = NULL;
        char reason[REASON_MAX], shown[VALUE_SHOWN_SIZE];
        int r;

        if (!filename || (!data && size > 0) || !ret)
                return -EINVAL;

        if (size > GATEWAYD_CONFIG_FILE_MAX)
                return config_error(ret_error, "%s: file too large (more than %u bytes)", filename,
                                    GATEWAYD_CONFIG_FILE_MAX);
        /* GKeyFile would stop at a NUL and silently ignore the rest. */
        if (size > 0 && memchr(data, '\0', size))
                return config_error(ret_error, "%s: contains a NUL byte", filename);

        c = gateway_config_new();
        if (!c)
                return -ENOMEM;
        r = strdup_to(&c->config_file, filename);
        if (r < 0)
                return r;

        kf = g_key_file_new();
        /* KEEP_TRANSLATIONS: otherwise "Room[de]=" would vanish silently
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
                GatewayOption o = option_from_key(keys[i]);

                if (o < 0) {
                        if (strcmp(keys[i], "Interface") == 0)
                                return config_error(ret_error,
                                                    "%s: Interface= is not a config file setting: the file is "
                                                    "chosen by --interface (gatewayd-IFACE.conf)",
                                                    filename);
                        return config_error(ret_error, "%s: unknown key '%s' in [%s]", filename,
                                            value_shown(keys[i], shown), CONFIG_GROUP);
                }
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

        *ret = TAKE_PTR(c);
        return 0;
}

/* Copies the settings `src` gave into `dst`. */
static int config_copy(GatewayConfig *dst, const GatewayConfig *src) {
        int r;

        for (GatewayOption o = 0; o < _GATEWAY_OPTION_MAX; o++) {
                if (!(src->set & OPTION_BIT(o)))
                        continue;
                switch (o) {
                case GATEWAY_OPTION_INTERFACE:
                        memcpy(dst->interface, src->interface, sizeof(dst->interface));
                        break;
                case GATEWAY_OPTION_RELAY:
                        dst->relay = src->relay;
                        break;
                case GATEWAY_OPTION_ROOM:
                        memcpy(dst->room, src->room, sizeof(dst->room));
                        break;
                case GATEWAY_OPTION_PIN:
                        memcpy(dst->pin, src->pin, sizeof(dst->pin));
                        dst->has_pin = src->has_pin;
                        break;
                case GATEWAY_OPTION_NAME:
                        memcpy(dst->name, src->name, sizeof(dst->name));
                        break;
                case GATEWAY_OPTION_GATEWAY_TOKEN_FILE:
                        r = strdup_to(&dst->gateway_token_file, src->gateway_token_file);
                        if (r < 0)
                                return r;
                        break;
                case GATEWAY_OPTION_STATE_DIR:
                        r = strdup_to(&dst->state_dir, src->state_dir);
                        if (r < 0)
                                return r;
                        break;
                case GATEWAY_OPTION_BUS_ADDRESS:
                        r = strdup_to(&dst->bus_address, src->bus_address);
                        if (r < 0)
                                return r;
                        break;
                default: /* --config and the flags are not settings to merge */
                        break;
                }
                dst->set |= OPTION_BIT(o);
        }
        return 0;
}

int gateway_config_merge(const GatewayConfig *cli, const GatewayConfig *file, const char *state_directory,
                         GatewayConfig **ret, char **ret_error) {
        _cleanup_(gateway_config_freep) GatewayConfig *c = NULL;
        char shown[VALUE_SHOWN_SIZE];
        int r;

        if (!ret)
                return -EINVAL;

        c = gateway_config_new();
        if (!c)
                return -ENOMEM;

        if (file) {
                r = config_copy(c, file);
                if (r < 0)
                        return r;
                r = strdup_to(&c->config_file, file->config_file);
                if (r < 0)
                        return r;
        }
        if (cli) {
                r = config_copy(c, cli);
                if (r < 0)
                        return r;
        }
        c->action = cli ? cli->action : GATEWAY_ACTION_RUN;
        if (c->action == GATEWAY_ACTION_PRINT_INVITE)
                c->set |= OPTION_BIT(GATEWAY_OPTION_PRINT_INVITE);

        /* Name what is missing as a flag, and as a key when a config
         * file was read, since either place can fix it. */
        if (!(c->set & OPTION_BIT(GATEWAY_OPTION_RELAY)))
                return c->config_file ? config_error(ret_error, "--relay HOST[:PORT] is required (or Relay= in %s)",
                                                     c->config_file)
                                      : config_error(ret_error, "--relay HOST[:PORT] is required");
        if (!(c->set & OPTION_BIT(GATEWAY_OPTION_ROOM)))
                return c->config_file ? config_error(ret_error, "--room NAME is required (or Room= in %s)",
                                                     c->config_file)
                                      : config_error(ret_error, "--room NAME is required");
        if (c->action == GATEWAY_ACTION_RUN) {
                if (!(c->set & OPTION_BIT(GATEWAY_OPTION_INTERFACE)))
                        return config_error(ret_error, "--interface IFACE is required");
                if (!c->gateway_token_file)
                        return c->config_file
                                       ? config_error(ret_error,
                                                      "--gateway-token-file FILE is required (or GatewayTokenFile= "
                                                      "in %s): the relay admits only gateways with a token",
                                                      c->config_file)
                                       : config_error(ret_error,
                                                      "--gateway-token-file FILE is required: the relay admits "
                                                      "only gateways with a token");
        }

        if (!c->state_dir) {
                /* systemd passes one path per StateDirectory= entry, joined
                 * by ':'; ours is the first. */
                if (state_directory && *state_directory) {
                        size_t n = strcspn(state_directory, ":");

                        if (state_directory[0] != '/' || n >= PATH_MAX)
                                return config_error(ret_error, "$STATE_DIRECTORY: expected an absolute path, got '%s'",
                                                    value_shown(state_directory, shown));
                        c->state_dir = strndup(state_directory, n);
                } else if (c->interface[0]) {
                        if (asprintf(&c->state_dir, "%s/%s", GATEWAYD_STATE_DIR, c->interface) < 0)
                                c->state_dir = NULL;
                } else
                        return config_error(ret_error, "--state-dir DIR or --interface IFACE is required to find "
                                                       "the room key");
                if (!c->state_dir)
                        return -ENOMEM;
        }

        if (!(c->set & OPTION_BIT(GATEWAY_OPTION_NAME)))
                snprintf(c->name, sizeof(c->name), "gateway %s", c->interface[0] ? c->interface : c->room);

        *ret = TAKE_PTR(c);
        return 0;
}

int gateway_config_default_file(const char *config_dir, const char *interface, char **ret) {
        if (!config_dir || !interface_name_is_valid(interface) || !ret)
                return -EINVAL;
        if (asprintf(ret, "%s/gatewayd-%s.conf", config_dir, interface) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

int gateway_config_load(int argc, char *const *argv, const char *config_dir, const char *state_directory,
                        GatewayConfig **ret, char **ret_error) {
        _cleanup_(gateway_config_freep) GatewayConfig *cli = NULL, *file = NULL;
        _cleanup_free_ char *data = NULL, *default_path = NULL;
        const char *path = NULL;
        size_t size = 0;
        int r;

        if (!ret)
                return -EINVAL;

        r = gateway_config_parse_argv(argc, argv, &cli, ret_error);
        if (r < 0)
                return r;
        if (cli->action == GATEWAY_ACTION_HELP || cli->action == GATEWAY_ACTION_VERSION) {
                *ret = TAKE_PTR(cli);
                return 0;
        }

        if (cli->config_file)
                path = cli->config_file;
        else if (config_dir && cli->interface[0]) {
                r = gateway_config_default_file(config_dir, cli->interface, &default_path);
                if (r < 0)
                        return r;
                path = default_path;
        }
        if (path) {
                r = read_file_bounded(path, GATEWAYD_CONFIG_FILE_MAX, &data, &size);
                if (r == -ENOENT && !cli->config_file)
                        path = NULL; /* the default file is optional */
                else if (r == -EFBIG)
                        return config_error(ret_error, "%s: file too large (more than %u bytes)", path,
                                            GATEWAYD_CONFIG_FILE_MAX);
                else if (r == -ENOMEM)
                        return r;
                else if (r < 0)
                        return config_error(ret_error, "%s: cannot read config file: %s", path, strerror(-r));
        }
        if (path) {
                r = gateway_config_parse_file(path, data, size, &file, ret_error);
                if (r < 0)
                        return r;
        }

        return gateway_config_merge(cli, file, state_directory, ret, ret_error);
}

void gateway_config_help(FILE *f) {
        fprintf(f,
                "lanparty-gatewayd --interface IFACE --relay HOST[:PORT] --room NAME [OPTIONS...]\n"
                "lanparty-gatewayd --print-invite --relay HOST[:PORT] --room NAME [OPTIONS...]\n"
                "\n"
                "The lanparty gateway: bridges the party's wired LAN on IFACE to the remote\n"
                "players of one room on a lanparty relay.\n"
                "\n"
                "  -h --help                    Show this help and exit\n"
                "     --version                 Show the version and exit\n"
                "     --print-invite            Print the room's invite link and exit (creates the\n"
                "                               room key if there is none yet)\n"
                "     --config FILE             Read settings from FILE (default:\n"
                "                               %s/gatewayd-IFACE.conf, skipped when missing)\n"
                "     --interface IFACE         The wired Ethernet interface of the party LAN\n"
                "     --relay HOST[:PORT]       The relay: DNS name, IPv4 or [IPv6] address; port\n"
                "                               default 443\n"
                "     --room NAME               Room to open: 1-32 characters of A-Z a-z 0-9 _ -\n"
                "     --pin PIN                 SHA-256 pin of the relay certificate's public key\n"
                "                               (43 characters of base64url); without it the relay\n"
                "                               certificate must chain to the system trust store\n"
                "     --gateway-token-file FILE File holding the token the relay operator issued for\n"
                "                               this gateway (one line, 1-128 printable characters)\n"
                "     --state-dir DIR           Where the room key lives (default: $STATE_DIRECTORY,\n"
                "                               else %s/IFACE)\n"
                "     --name TEXT               Name shown to the players (default: gateway IFACE)\n"
                "     --bus-address ADDRESS     D-Bus address for the management interface (default:\n"
                "                               the system bus; without this option a missing bus\n"
                "                               only disables the interface)\n"
                "\n"
                "Config file: group [Gateway] with the keys Relay=, Room=, Pin=,\n"
                "GatewayTokenFile=, StateDirectory=, Name=, BusAddress=. Paths there must be\n"
                "absolute. Unknown sections or keys are errors. Command line options override\n"
                "the file.\n",
                GATEWAYD_CONFIG_DIR, GATEWAYD_STATE_DIR);
}

int gateway_bus_name(const char *ifname, char *buf, size_t size) {
        size_t o;

        if (!interface_name_is_valid(ifname) || !buf)
                return -EINVAL;
        if (size < GATEWAY_BUS_NAME_MAX)
                return -ENOBUFS;

        o = (size_t) snprintf(buf, size, "%s.", GATEWAY_BUS_NAME_PREFIX);
        if (ifname[0] >= '0' && ifname[0] <= '9')
                buf[o++] = '_';
        for (const char *p = ifname; *p; p++) {
                bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
                buf[o++] = alnum ? *p : '_';
        }
        buf[o] = '\0';
        return 0;
}

int gateway_config_format_invite(const GatewayConfig *c, const uint8_t key[static LP_ROOM_KEY_SIZE], char *buf,
                                 size_t size) {
        Invite inv;
        int r;

        if (!c || !key || !buf)
                return -EINVAL;
        inv = (Invite) {
                .host_type = c->relay.host_type,
                .port = c->relay.port,
                .has_pin = c->has_pin,
        };
        memcpy(inv.host, c->relay.host, sizeof(c->relay.host));
        memcpy(inv.room, c->room, sizeof(c->room));
        memcpy(inv.room_key, key, sizeof(inv.room_key));
        memcpy(inv.pin, c->pin, sizeof(inv.pin));
        r = invite_format(&inv, buf, size);
        explicit_bzero(&inv, sizeof(inv));
        return r;
}
