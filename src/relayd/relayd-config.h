/* SPDX-License-Identifier: MIT */
#pragma once

/* Command line and /etc/lanparty/relayd.conf ([Relay] group; the file and
 * the state directory default to RELAYD_CONFIG_FILE and RELAYD_STATE_DIR
 * from config.h, which meson fills in from its sysconfdir). Everything
 * here except relay_config_load() is pure: no files, no environment, so the
 * tests can throw hostile input at it. Errors come back as one line of text
 * naming the flag, or the file and key, at fault. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"
#include "socket-address.h"

#define RELAYD_LISTEN_DEFAULT "[::]:443"
#define RELAYD_MAX_ROOMS_DEFAULT 256U
#define RELAYD_MAX_ROOMS_MAX 65535U
#define RELAYD_MAX_PEERS_DEFAULT 64U
#define RELAYD_MAX_PEERS_MIN 2U     /* a gateway and one client */
#define RELAYD_MAX_PEERS_MAX 65535U /* peer ids are u16, 0 is never used */
/* QUIC connections at once: players, gateways and handshakes in progress.
 * A quarter is kept for admitted peers (relayd-quic.c). */
#define RELAYD_MAX_CONNECTIONS_DEFAULT 1024U
#define RELAYD_MAX_CONNECTIONS_MIN 16U
#define RELAYD_MAX_CONNECTIONS_MAX 65535U
#define RELAYD_CONFIG_FILE_MAX (64U * 1024U)
/* Per-client rate limits (the gateway is not limited); 0 turns one off.
 * The bucket holds one second. A LAN game's discovery broadcasts and ARP/ND
 * stay far below the frame rates; 1 Gbit/s is more than any player's home
 * line carries, yet stops one runaway client from saturating the relay. */
#define RELAYD_RATE_BROADCAST_DEFAULT 200U            /* frames/s */
#define RELAYD_RATE_UNKNOWN_UNICAST_DEFAULT 200U      /* frames/s */
#define RELAYD_RATE_BANDWIDTH_DEFAULT 125000000U      /* bytes/s */
#define RELAYD_RATE_FRAMES_MAX 1000000U
#define RELAYD_RATE_BANDWIDTH_MAX 4000000000U
#define RELAYD_DEV_CERT_SUBDIR "dev-cert"

typedef enum RelayAction {
        RELAY_ACTION_RUN,
        RELAY_ACTION_HELP,
        RELAY_ACTION_VERSION,
        _RELAY_ACTION_MAX,
        _RELAY_ACTION_INVALID = -EINVAL,
} RelayAction;

/* Every setting, in --help order. The bit (1U << option) in RelayConfig.set
 * records that a source gave it. */
typedef enum RelayOption {
        RELAY_OPTION_HELP,
        RELAY_OPTION_VERSION,
        RELAY_OPTION_CONFIG,
        RELAY_OPTION_LISTEN,
        RELAY_OPTION_CERT,
        RELAY_OPTION_KEY,
        RELAY_OPTION_DEV_CERT_DIR,
        RELAY_OPTION_GATEWAY_TOKEN_FILE,
        RELAY_OPTION_INSECURE_OPEN_GATEWAYS,
        RELAY_OPTION_STATE_DIR,
        RELAY_OPTION_MAX_ROOMS,
        RELAY_OPTION_MAX_PEERS_PER_ROOM,
        RELAY_OPTION_MAX_CONNECTIONS,
        RELAY_OPTION_RATE_BROADCAST,
        RELAY_OPTION_RATE_UNKNOWN_UNICAST,
        RELAY_OPTION_RATE_BANDWIDTH,
        RELAY_OPTION_BUS_ADDRESS,
        _RELAY_OPTION_MAX,
        _RELAY_OPTION_INVALID = -EINVAL,
} RelayOption;

typedef struct RelayConfig {
        RelayAction action;
        unsigned set;            /* bit mask of RelayOption given by this source */

        char *config_file;       /* the file that was read; NULL: none */
        SocketAddress listen;
        char *cert_file;         /* with key_file; NULL: use dev_cert_dir */
        char *key_file;
        char *dev_cert_dir;
        char *gateway_token_file;
        bool insecure_open_gateways;
        char *state_dir;
        unsigned max_rooms;
        unsigned max_peers_per_room;
        unsigned max_connections;
        unsigned rate_broadcast;         /* frames/s per peer, 0: unlimited */
        unsigned rate_unknown_unicast;   /* frames/s per peer, 0: unlimited */
        unsigned rate_bandwidth;         /* bytes/s per peer, 0: unlimited */
        char *bus_address;       /* NULL: the system bus */
} RelayConfig;

RelayConfig *relay_config_free(RelayConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(RelayConfig *, relay_config_free);

const char *relay_option_to_string(RelayOption o);  /* "--max-rooms" */
const char *relay_option_to_key(RelayOption o);     /* "MaxRooms", NULL if CLI only */

/* Parses argv. Only what the command line says is set (see ->set); no
 * defaults. Stops at --help/--version. */
int relay_config_parse_argv(int argc, char *const *argv, RelayConfig **ret, char **ret_error);

/* Parses the contents of a config file; `filename` only names it in errors. */
int relay_config_parse_file(const char *filename, const char *data, size_t size, RelayConfig **ret,
                            char **ret_error);

/* Lays the command line over the file (either may be NULL), checks that the
 * result makes sense and fills in defaults. `state_directory` is the value
 * of $STATE_DIRECTORY (or NULL). */
int relay_config_merge(const RelayConfig *cli, const RelayConfig *file, const char *state_directory,
                       RelayConfig **ret, char **ret_error);

/* All of the above plus reading the config file: --config FILE must exist;
 * the default file may be missing. */
int relay_config_load(int argc, char *const *argv, const char *default_config_file,
                      const char *state_directory, RelayConfig **ret, char **ret_error);

void relay_config_help(FILE *f);
