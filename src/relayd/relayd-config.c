/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "relayd-config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "conf-parse.h"

#define CONFIG_GROUP "Relay"

typedef enum OptionKind {
        OPTION_KIND_FLAG = CONF_KIND_FLAG, /* command line: no value; config file: boolean */
        OPTION_KIND_PATH,
        OPTION_KIND_LISTEN,
        OPTION_KIND_UINT,
        OPTION_KIND_STRING,
} OptionKind;

static const ConfOption option_table[_RELAY_OPTION_MAX] = {
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
        [RELAY_OPTION_MAX_CONNECTIONS] = { "--max-connections", "MaxConnections", OPTION_KIND_UINT,
                                           RELAYD_MAX_CONNECTIONS_MIN, RELAYD_MAX_CONNECTIONS_MAX },
        [RELAY_OPTION_RATE_BROADCAST] = { "--rate-broadcast", "RateBroadcast", OPTION_KIND_UINT, 0,
                                          RELAYD_RATE_FRAMES_MAX },
        [RELAY_OPTION_RATE_UNKNOWN_UNICAST] = { "--rate-unknown-unicast", "RateUnknownUnicast", OPTION_KIND_UINT, 0,
                                                RELAYD_RATE_FRAMES_MAX },
        [RELAY_OPTION_RATE_BANDWIDTH] = { "--rate-bandwidth", "RateBandwidth", OPTION_KIND_UINT, 0,
                                          RELAYD_RATE_BANDWIDTH_MAX },
        [RELAY_OPTION_BUS_ADDRESS] = { "--bus-address", "BusAddress", OPTION_KIND_STRING, 0, 0 },
};

/* Settings that only make sense together: a source that sets any of a
 * group replaces everything the other source said about that group. */
#define GROUP_CERT \
        (CONF_OPTION_BIT(RELAY_OPTION_CERT) | CONF_OPTION_BIT(RELAY_OPTION_KEY) | \
         CONF_OPTION_BIT(RELAY_OPTION_DEV_CERT_DIR))
#define GROUP_GATEWAY_AUTH \
        (CONF_OPTION_BIT(RELAY_OPTION_GATEWAY_TOKEN_FILE) | CONF_OPTION_BIT(RELAY_OPTION_INSECURE_OPEN_GATEWAYS))

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
        case RELAY_OPTION_MAX_CONNECTIONS:
                return &c->max_connections;
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

/* Stores one value (ConfParser.set). On a bad value returns -EINVAL and
 * writes why into reason; -ENOMEM is the only other failure. */
static int option_set_value(void *userdata, unsigned option, const char *value, bool in_file, char *reason,
                            size_t reason_size) {
        RelayConfig *c = userdata;
        RelayOption o = (RelayOption) option;
        const ConfOption *info = &option_table[o];
        const char *why;
        int r;

        switch ((OptionKind) info->kind) {
        case OPTION_KIND_FLAG: {
                bool b;

                /* On the command line a flag takes no value: --help and
                 * --version end the parsing, the others mean yes. */
                if (!value) {
                        if (o == RELAY_OPTION_HELP || o == RELAY_OPTION_VERSION) {
                                c->action = o == RELAY_OPTION_HELP ? RELAY_ACTION_HELP : RELAY_ACTION_VERSION;
                                return 1;
                        }
                        c->insecure_open_gateways = true;
                        return 0;
                }
                if (parse_bool(value, &b) < 0) {
                        snprintf(reason, reason_size, "expected a boolean (yes/no, true/false, 1/0, on/off)");
                        return -EINVAL;
                }
                if (o == RELAY_OPTION_INSECURE_OPEN_GATEWAYS)
                        c->insecure_open_gateways = b;
                return 0;
        }

        case OPTION_KIND_PATH:
                return conf_parse_path(value, in_file, option_string_field(c, o), reason, reason_size);

        case OPTION_KIND_STRING:
                return conf_parse_bus_address(value, option_string_field(c, o), reason, reason_size);

        case OPTION_KIND_LISTEN:
                r = socket_address_parse_listen(value, &c->listen, &why);
                if (r < 0) {
                        snprintf(reason, reason_size, "%s", why);
                        return -EINVAL;
                }
                return 0;

        case OPTION_KIND_UINT: {
                guint64 v;

                /* Decimal digits only: no sign, no blanks, no 0x. */
                if (!g_ascii_string_to_unsigned(value, 10, info->min, info->max, &v, NULL)) {
                        snprintf(reason, reason_size, "expected an integer %u..%u", info->min, info->max);
                        return -EINVAL;
                }
                *option_uint_field(c, o) = (unsigned) v;
                return 0;
        }
        }
        return -EINVAL;
}

/* Settings one source may not combine. `where` is "" for the command line
 * and "FILE: " for a config file; names are flags or keys accordingly. */
static int config_check_conflicts(const RelayConfig *c, bool in_file, const char *where, char **ret_error) {
#define NAME(o) (in_file ? option_table[o].key : option_table[o].flag)
#define SUFFIX (in_file ? "=" : "")
        if (!!c->cert_file != !!c->key_file)
                return conf_error(ret_error, "%s%s%s and %s%s must be given together", where,
                                  NAME(RELAY_OPTION_CERT), SUFFIX, NAME(RELAY_OPTION_KEY), SUFFIX);
        if (c->cert_file && c->dev_cert_dir)
                return conf_error(ret_error, "%s%s%s/%s%s and %s%s are mutually exclusive", where,
                                  NAME(RELAY_OPTION_CERT), SUFFIX, NAME(RELAY_OPTION_KEY), SUFFIX,
                                  NAME(RELAY_OPTION_DEV_CERT_DIR), SUFFIX);
        if (c->gateway_token_file && c->insecure_open_gateways)
                return conf_error(ret_error, "%s%s%s and %s%s are mutually exclusive", where,
                                  NAME(RELAY_OPTION_GATEWAY_TOKEN_FILE), SUFFIX,
                                  NAME(RELAY_OPTION_INSECURE_OPEN_GATEWAYS), in_file ? "=yes" : "");
#undef NAME
#undef SUFFIX
        return 0;
}

static const ConfParser option_parser = {
        .options = option_table,
        .n_options = _RELAY_OPTION_MAX,
        .group = CONFIG_GROUP,
        .set = option_set_value,
};

DEFINE_CONF_OPTION_NAMES(relay_option, RelayOption, option_parser)

int relay_config_parse_argv(int argc, char *const *argv, RelayConfig **ret, char **ret_error) {
        _cleanup_(relay_config_freep) RelayConfig *c = NULL;
        int r;

        if (!ret)
                return -EINVAL;

        c = relay_config_new();
        if (!c)
                return -ENOMEM;

        /* conf_parse_argv() checks argc and argv. */
        r = conf_parse_argv(&option_parser, argc, argv, &c->set, c, ret_error);
        if (r < 0)
                return r;
        if (r > 0) { /* --help or --version */
                *ret = TAKE_PTR(c);
                return 0;
        }

        r = config_check_conflicts(c, false, "", ret_error);
        if (r < 0)
                return r;

        c->action = RELAY_ACTION_RUN;
        *ret = TAKE_PTR(c);
        return 0;
}

int relay_config_parse_file(const char *filename, const char *data, size_t size, RelayConfig **ret,
                            char **ret_error) {
        _cleanup_(relay_config_freep) RelayConfig *c = NULL;
        char where[PATH_MAX + 3];
        int r;

        if (!ret)
                return -EINVAL;

        c = relay_config_new();
        if (!c)
                return -ENOMEM;

        /* conf_parse_named_file() checks filename, data and size. */
        r = conf_parse_named_file(&option_parser, filename, data, size, RELAYD_CONFIG_FILE_MAX, &c->config_file,
                                  &c->set, c, ret_error);
        if (r < 0)
                return r;

        snprintf(where, sizeof(where), "%s: ", filename);
        r = config_check_conflicts(c, true, where, ret_error);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}

/* Copies the settings of `mask` that `src` gave into `dst`. */
static int config_copy(RelayConfig *dst, const RelayConfig *src, unsigned mask) {
        int r;

        for (RelayOption o = 0; o < _RELAY_OPTION_MAX; o++) {
                char **field;

                if (!(mask & src->set & CONF_OPTION_BIT(o)))
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
                        r = free_and_strdup(field, *option_string_field((RelayConfig *) src, o));
                        if (r < 0)
                                return r;
                }
                dst->set |= CONF_OPTION_BIT(o);
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
                r = free_and_strdup(&c->config_file, file->config_file);
                if (r < 0)
                        return r;
        }
        if (cli) {
                r = config_copy(c, cli, ~CONF_OPTION_BIT(RELAY_OPTION_CONFIG));
                if (r < 0)
                        return r;
        }

        if (!(c->set & CONF_OPTION_BIT(RELAY_OPTION_LISTEN))) {
                r = socket_address_parse_listen(RELAYD_LISTEN_DEFAULT, &c->listen, &why);
                if (r < 0)
                        return r;
        }
        if (!(c->set & CONF_OPTION_BIT(RELAY_OPTION_MAX_ROOMS)))
                c->max_rooms = RELAYD_MAX_ROOMS_DEFAULT;
        if (!(c->set & CONF_OPTION_BIT(RELAY_OPTION_MAX_PEERS_PER_ROOM)))
                c->max_peers_per_room = RELAYD_MAX_PEERS_DEFAULT;
        if (!(c->set & CONF_OPTION_BIT(RELAY_OPTION_MAX_CONNECTIONS)))
                c->max_connections = RELAYD_MAX_CONNECTIONS_DEFAULT;
        if (!(c->set & CONF_OPTION_BIT(RELAY_OPTION_RATE_BROADCAST)))
                c->rate_broadcast = RELAYD_RATE_BROADCAST_DEFAULT;
        if (!(c->set & CONF_OPTION_BIT(RELAY_OPTION_RATE_UNKNOWN_UNICAST)))
                c->rate_unknown_unicast = RELAYD_RATE_UNKNOWN_UNICAST_DEFAULT;
        if (!(c->set & CONF_OPTION_BIT(RELAY_OPTION_RATE_BANDWIDTH)))
                c->rate_bandwidth = RELAYD_RATE_BANDWIDTH_DEFAULT;

        if (!c->state_dir) {
                r = conf_state_directory(state_directory, &c->state_dir, ret_error);
                if (r < 0)
                        return r;
                if (r == 0) {
                        c->state_dir = strdup(RELAYD_STATE_DIR);
                        if (!c->state_dir)
                                return -ENOMEM;
                }
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
                return conf_error(ret_error,
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

        r = conf_read_file(cli->config_file, default_config_file, RELAYD_CONFIG_FILE_MAX, &path, &data, &size,
                           ret_error);
        if (r < 0)
                return r;
        if (r > 0) {
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
                "                               or [IPv6]:PORT (default: %s, IPv6 and IPv4). On a\n"
                "                               wildcard address every client is answered from the\n"
                "                               address it sent to\n"
                "     --cert PEM --key PEM      TLS certificate chain and private key (both needed;\n"
                "                               the key as private as the token file)\n"
                "     --dev-cert-dir DIR        Directory of the self-signed development certificate\n"
                "                               (used when --cert is not given; default:\n"
                "                               STATE_DIR/%s)\n"
                "     --gateway-token-file FILE Tokens a gateway must present to open a room, one\n"
                "                               per line: 'TOKEN ROOM[,ROOM...] [max-rooms=N]' opens\n"
                "                               only those rooms, 'TOKEN * [max-rooms=N]' any, N at\n"
                "                               a time (default 1); a TOKEN alone opens any one\n"
                "                               room (warned about). TOKEN: 16-128 printable\n"
                "                               characters; '#' starts a comment line. Other users\n"
                "                               may not read the file (its group only if the relay\n"
                "                               runs in it: chmod 600, or chmod 640 with chgrp\n"
                "                               lanparty-relayd); re-read on SIGHUP\n"
                "     --insecure-open-gateways  Let any gateway open rooms without a token (testing\n"
                "                               only). One of these two options is required.\n"
                "     --state-dir DIR           State directory (default: $STATE_DIRECTORY, else\n"
                "                               %s); refused if other users may write\n"
                "                               to it\n"
                "     --max-rooms N             Rooms open at once, %u..%u (default: %u)\n"
                "     --max-peers-per-room N    Peers per room including the gateway, %u..%u\n"
                "                               (default: %u)\n"
                "     --max-connections N       QUIC connections at once, %u..%u (default: %u); a\n"
                "                               quarter is kept for admitted peers, the rest\n"
                "                               takes handshakes and peers yet to say HELLO\n"
                "     --rate-broadcast N        Broadcast/multicast frames per second one client may\n"
                "                               send, 0 = unlimited (default: %u)\n"
                "     --rate-unknown-unicast N  Frames per second one client may send to MACs the\n"
                "                               relay has not seen behind the gateway, 0 = unlimited\n"
                "                               (default: %u)\n"
                "     --rate-bandwidth N        Bytes per second one client may send, 0 = unlimited\n"
                "                               (default: %u); excess frames are dropped, counted\n"
                "                               and shown in the peer's Drops on D-Bus\n"
                "     --bus-address ADDRESS     D-Bus address for the management interface (default:\n"
                "                               the system bus, $DBUS_SYSTEM_BUS_ADDRESS if set).\n"
                "                               Started by hand without this option, a bus that\n"
                "                               cannot be reached or a name that cannot be owned\n"
                "                               only disables the interface; under systemd it is\n"
                "                               an error\n"
                "\n"
                "Config file: group [Relay] with the keys Listen=, Certificate=, Key=,\n"
                "DevCertDir=, GatewayTokenFile=, InsecureOpenGateways= (boolean), StateDirectory=,\n"
                "MaxRooms=, MaxPeersPerRoom=, MaxConnections=, RateBroadcast=, RateUnknownUnicast=,\n"
                "RateBandwidth=, BusAddress=. Paths there must be absolute. Unknown\n"
                "sections or keys are errors. Command line options override the file; giving\n"
                "any of --cert/--key/--dev-cert-dir (or of --gateway-token-file/\n"
                "--insecure-open-gateways) replaces all the file says about that choice.\n",
                RELAYD_CONFIG_FILE, RELAYD_LISTEN_DEFAULT, RELAYD_DEV_CERT_SUBDIR, RELAYD_STATE_DIR, 1U,
                RELAYD_MAX_ROOMS_MAX, RELAYD_MAX_ROOMS_DEFAULT, RELAYD_MAX_PEERS_MIN, RELAYD_MAX_PEERS_MAX,
                RELAYD_MAX_PEERS_DEFAULT, RELAYD_MAX_CONNECTIONS_MIN, RELAYD_MAX_CONNECTIONS_MAX,
                RELAYD_MAX_CONNECTIONS_DEFAULT, RELAYD_RATE_BROADCAST_DEFAULT, RELAYD_RATE_UNKNOWN_UNICAST_DEFAULT,
                RELAYD_RATE_BANDWIDTH_DEFAULT);
}
