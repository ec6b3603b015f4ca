/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "gatewayd-config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "conf-parse.h"
#include "room-name.h"

#define CONFIG_GROUP "Gateway"

typedef enum OptionKind {
        OPTION_KIND_FLAG = CONF_KIND_FLAG, /* command line only, no value */
        OPTION_KIND_PATH,
        OPTION_KIND_INTERFACE,
        OPTION_KIND_RELAY,
        OPTION_KIND_ROOM,
        OPTION_KIND_PIN,
        OPTION_KIND_NAME,
        OPTION_KIND_BUS_ADDRESS,
} OptionKind;

/* The interface is command line only: the file is named after it
 * (gatewayd-eth0.conf), so a second source could only contradict it. */
static const ConfOption option_table[_GATEWAY_OPTION_MAX] = {
        [GATEWAY_OPTION_HELP] = { "--help", NULL, OPTION_KIND_FLAG, 0, 0 },
        [GATEWAY_OPTION_VERSION] = { "--version", NULL, OPTION_KIND_FLAG, 0, 0 },
        [GATEWAY_OPTION_CONFIG] = { "--config", NULL, OPTION_KIND_PATH, 0, 0 },
        [GATEWAY_OPTION_PRINT_INVITE] = { "--print-invite", NULL, OPTION_KIND_FLAG, 0, 0 },
        [GATEWAY_OPTION_INTERFACE] = { "--interface", NULL, OPTION_KIND_INTERFACE, 0, 0 },
        [GATEWAY_OPTION_RELAY] = { "--relay", "Relay", OPTION_KIND_RELAY, 0, 0 },
        [GATEWAY_OPTION_ROOM] = { "--room", "Room", OPTION_KIND_ROOM, 0, 0 },
        [GATEWAY_OPTION_PIN] = { "--pin", "Pin", OPTION_KIND_PIN, 0, 0 },
        [GATEWAY_OPTION_GATEWAY_TOKEN_FILE] = { "--gateway-token-file", "GatewayTokenFile", OPTION_KIND_PATH, 0, 0 },
        [GATEWAY_OPTION_STATE_DIR] = { "--state-dir", "StateDirectory", OPTION_KIND_PATH, 0, 0 },
        [GATEWAY_OPTION_NAME] = { "--name", "Name", OPTION_KIND_NAME, 0, 0 },
        [GATEWAY_OPTION_BUS_ADDRESS] = { "--bus-address", "BusAddress", OPTION_KIND_BUS_ADDRESS, 0, 0 },
};

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
 * it goes through the link's own HOST[:PORT] parser. Characters no host or
 * port contains are refused first with the one message that lists the
 * accepted forms. */
int relay_endpoint_parse(const char *s, RelayEndpoint *ret, const char **ret_reason) {
        const char *reason_dummy;
        HostPortError e;
        HostPort hp;
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

        if (host_port_parse(s, n, LP_INVITE_DEFAULT_PORT, 0, &hp, &e) < 0) {
                *ret_reason = host_port_error_to_string(e);
                if (!*ret_reason)
                        *ret_reason = "expected HOST[:PORT]";
                return -EINVAL;
        }

        *ret = (RelayEndpoint) { .host_type = hp.host_type, .port = hp.port };
        memcpy(ret->host, hp.host, sizeof(ret->host));
        return 0;
}

const char *relay_endpoint_format(const RelayEndpoint *e, char buf[static RELAY_ENDPOINT_STR_MAX]) {
        if (e->host_type == INVITE_HOST_IPV6)
                snprintf(buf, RELAY_ENDPOINT_STR_MAX, "[%s]:%u", e->host, e->port);
        else
                snprintf(buf, RELAY_ENDPOINT_STR_MAX, "%s:%u", e->host, e->port);
        return buf;
}

int gateway_token_parse(const char *filename, const char *data, size_t size,
                        uint8_t token[static LP_CONTROL_GATEWAY_TOKEN_MAX], size_t *ret_len, char **ret_error) {
        size_t pos = 0, line_no = 0, found_line = 0, found_len = 0, len;
        const char *found = NULL, *line;
        int r;

        if (!filename || (!data && size > 0) || !ret_len)
                return -EINVAL;
        if (size > GATEWAYD_TOKEN_FILE_MAX)
                return conf_error(ret_error, "%s: file too large (more than %u bytes)", filename,
                                  GATEWAYD_TOKEN_FILE_MAX);

        while ((r = token_file_next(data, size, &pos, &line_no, &line, &len)) > 0) {
                if (found)
                        return conf_error(ret_error,
                                          "%s: line %zu: a second token (the gateway presents exactly one; "
                                          "the first is on line %zu)",
                                          filename, line_no, found_line);
                /* The rooms a relay's line names after the token are the
                 * relay's business. */
                len = token_file_split(line, len, NULL, NULL);
                r = token_file_check(filename, line_no, line, len, ret_error);
                if (r < 0)
                        return r;
                if (len > LP_CONTROL_GATEWAY_TOKEN_MAX)
                        return conf_error(ret_error, "%s: line %zu: token has %zu characters, at most %d allowed",
                                          filename, line_no, len, LP_CONTROL_GATEWAY_TOKEN_MAX);
                found = line;
                found_len = len;
                found_line = line_no;
        }
        if (r < 0)
                return r;
        if (!found)
                return conf_error(ret_error, "%s: no gateway token in file", filename);

        memcpy(token, found, found_len);
        *ret_len = found_len;
        return 0;
}

int gateway_token_load(const char *path, uint8_t token[static LP_CONTROL_GATEWAY_TOKEN_MAX], size_t *ret_len,
                       char **ret_error) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        if (!path || !ret_len)
                return -EINVAL;

        r = token_file_read(path, GATEWAYD_TOKEN_FILE_MAX, &data, &size, ret_error);
        if (r < 0)
                return r;
        r = gateway_token_parse(path, data, size, token, ret_len, ret_error);
        explicit_bzero(data, size);
        return r;
}

/* Stores one value (ConfParser.set). On a bad value returns -EINVAL and
 * writes why into reason; -ENOMEM is the only other failure. */
static int option_set_value(void *userdata, unsigned option, const char *value, bool in_file, char *reason,
                            size_t reason_size) {
        GatewayConfig *c = userdata;
        GatewayOption o = (GatewayOption) option;
        const char *why;
        size_t n;

        if (option_table[o].kind == OPTION_KIND_FLAG) {
                /* Command line only: --help and --version end the parsing. */
                if (o == GATEWAY_OPTION_HELP || o == GATEWAY_OPTION_VERSION) {
                        c->action = o == GATEWAY_OPTION_HELP ? GATEWAY_ACTION_HELP : GATEWAY_ACTION_VERSION;
                        return 1;
                }
                return 0;
        }

        n = strlen(value);
        switch ((OptionKind) option_table[o].kind) {
        case OPTION_KIND_FLAG:
                break;

        case OPTION_KIND_PATH:
                switch (o) {
                case GATEWAY_OPTION_CONFIG:
                        return conf_parse_path(value, in_file, &c->config_file, reason, reason_size);
                case GATEWAY_OPTION_GATEWAY_TOKEN_FILE:
                        return conf_parse_path(value, in_file, &c->gateway_token_file, reason, reason_size);
                case GATEWAY_OPTION_STATE_DIR:
                        return conf_parse_path(value, in_file, &c->state_dir, reason, reason_size);
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
                return conf_parse_bus_address(value, &c->bus_address, reason, reason_size);
        }
        return -EINVAL;
}

static const char *option_unknown_key_hint(const char *key) {
        if (strcmp(key, "Interface") == 0)
                return "Interface= is not a config file setting: the file is chosen by --interface "
                       "(gatewayd-IFACE.conf)";
        return NULL;
}

static const ConfParser option_parser = {
        .options = option_table,
        .n_options = _GATEWAY_OPTION_MAX,
        .group = CONFIG_GROUP,
        .set = option_set_value,
        .unknown_key_hint = option_unknown_key_hint,
};

DEFINE_CONF_OPTION_NAMES(gateway_option, GatewayOption, option_parser)

int gateway_config_parse_argv(int argc, char *const *argv, GatewayConfig **ret, char **ret_error) {
        _cleanup_(gateway_config_freep) GatewayConfig *c = NULL;
        int r;

        if (!ret)
                return -EINVAL;

        c = gateway_config_new();
        if (!c)
                return -ENOMEM;

        /* conf_parse_argv() checks argc and argv. */
        r = conf_parse_argv(&option_parser, argc, argv, &c->set, c, ret_error);
        if (r < 0)
                return r;
        if (r == 0) /* not stopped by --help or --version */
                c->action = (c->set & CONF_OPTION_BIT(GATEWAY_OPTION_PRINT_INVITE)) ? GATEWAY_ACTION_PRINT_INVITE
                                                                                 : GATEWAY_ACTION_RUN;
        *ret = TAKE_PTR(c);
        return 0;
}

int gateway_config_parse_file(const char *filename, const char *data, size_t size, GatewayConfig **ret,
                              char **ret_error) {
        _cleanup_(gateway_config_freep) GatewayConfig *c = NULL;
        int r;

        if (!ret)
                return -EINVAL;

        c = gateway_config_new();
        if (!c)
                return -ENOMEM;

        /* conf_parse_named_file() checks filename, data and size. */
        r = conf_parse_named_file(&option_parser, filename, data, size, GATEWAYD_CONFIG_FILE_MAX, &c->config_file,
                                  &c->set, c, ret_error);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}

/* Copies the settings `src` gave into `dst`. */
static int config_copy(GatewayConfig *dst, const GatewayConfig *src) {
        int r;

        for (GatewayOption o = 0; o < _GATEWAY_OPTION_MAX; o++) {
                if (!(src->set & CONF_OPTION_BIT(o)))
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
                        r = free_and_strdup(&dst->gateway_token_file, src->gateway_token_file);
                        if (r < 0)
                                return r;
                        break;
                case GATEWAY_OPTION_STATE_DIR:
                        r = free_and_strdup(&dst->state_dir, src->state_dir);
                        if (r < 0)
                                return r;
                        break;
                case GATEWAY_OPTION_BUS_ADDRESS:
                        r = free_and_strdup(&dst->bus_address, src->bus_address);
                        if (r < 0)
                                return r;
                        break;
                default: /* --config and the flags are not settings to merge */
                        break;
                }
                dst->set |= CONF_OPTION_BIT(o);
        }
        return 0;
}

int gateway_config_merge(const GatewayConfig *cli, const GatewayConfig *file, const char *state_directory,
                         GatewayConfig **ret, char **ret_error) {
        _cleanup_(gateway_config_freep) GatewayConfig *c = NULL;
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
                r = free_and_strdup(&c->config_file, file->config_file);
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
                c->set |= CONF_OPTION_BIT(GATEWAY_OPTION_PRINT_INVITE);

        if (!(c->set & CONF_OPTION_BIT(GATEWAY_OPTION_RELAY)))
                return conf_error_required(&option_parser, GATEWAY_OPTION_RELAY, "HOST[:PORT]", c->config_file,
                                           NULL, ret_error);
        if (!(c->set & CONF_OPTION_BIT(GATEWAY_OPTION_ROOM)))
                return conf_error_required(&option_parser, GATEWAY_OPTION_ROOM, "NAME", c->config_file, NULL,
                                           ret_error);
        if (c->action == GATEWAY_ACTION_RUN) {
                if (!(c->set & CONF_OPTION_BIT(GATEWAY_OPTION_INTERFACE)))
                        return conf_error_required(&option_parser, GATEWAY_OPTION_INTERFACE, "IFACE",
                                                   c->config_file, NULL, ret_error);
                if (!c->gateway_token_file)
                        return conf_error_required(&option_parser, GATEWAY_OPTION_GATEWAY_TOKEN_FILE, "FILE",
                                                   c->config_file, "the relay admits only gateways with a token",
                                                   ret_error);
        }

        if (!c->state_dir) {
                r = conf_state_directory(state_directory, &c->state_dir, ret_error);
                if (r < 0)
                        return r;
        }
        if (!c->state_dir) {
                if (!c->interface[0])
                        return conf_error(ret_error, "--state-dir DIR or --interface IFACE is required to find "
                                                     "the room key");
                if (asprintf(&c->state_dir, "%s/%s", GATEWAYD_STATE_DIR, c->interface) < 0) {
                        c->state_dir = NULL;
                        return -ENOMEM;
                }
        }

        /* The name travels in HELLO, whose rules it must meet, and Linux
         * takes any byte above 0x20 in an interface name, UTF-8 or not. */
        if (!(c->set & CONF_OPTION_BIT(GATEWAY_OPTION_NAME))) {
                snprintf(c->name, sizeof(c->name), "gateway %s", c->interface[0] ? c->interface : c->room);
                if (!control_text_is_valid(c->name, strlen(c->name)))
                        snprintf(c->name, sizeof(c->name), "gateway %s", c->room);
        }

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
        const char *path;
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

        if (!cli->config_file && config_dir && cli->interface[0]) {
                r = gateway_config_default_file(config_dir, cli->interface, &default_path);
                if (r < 0)
                        return r;
        }
        r = conf_read_file(cli->config_file, default_path, GATEWAYD_CONFIG_FILE_MAX, &path, &data, &size,
                           ret_error);
        if (r < 0)
                return r;
        if (r > 0) {
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
                "                               this gateway (one line, 1-128 printable characters;\n"
                "                               the rooms after it on a line of the relay's file are\n"
                "                               ignored). Other users may not read it (its group\n"
                "                               only if the gateway runs in it)\n"
                "     --state-dir DIR           Where the room key lives (default: $STATE_DIRECTORY,\n"
                "                               else %s/IFACE)\n"
                "     --name TEXT               Name shown to the players (default: gateway IFACE)\n"
                "     --bus-address ADDRESS     D-Bus address for the management interface (default:\n"
                "                               the system bus). Started by hand without this\n"
                "                               option, a bus that cannot be reached or a name\n"
                "                               that cannot be owned only disables the interface;\n"
                "                               under systemd it is an error\n"
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

        if (!c || !buf)
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
