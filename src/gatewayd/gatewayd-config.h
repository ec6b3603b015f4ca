/* SPDX-License-Identifier: MIT */
#pragma once

/* Command line and /etc/lanparty/gatewayd-IFACE.conf ([Gateway] group; the
 * directory and the state directory come from config.h's
 * GATEWAYD_CONFIG_DIR and GATEWAYD_STATE_DIR, which meson fills in).
 * Everything here except gateway_config_load() and gateway_token_load() is
 * pure: no files, no environment, so the tests can throw hostile input at
 * it. Errors come back as one line of text naming the flag, or the file and
 * key, at fault. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "auth.h"
#include "control.h"
#include "invite.h"
#include "macro.h"

#define GATEWAYD_IFNAME_SIZE 16 /* IFNAMSIZ */
#define GATEWAYD_CONFIG_FILE_MAX (64U * 1024U)
#define GATEWAYD_TOKEN_FILE_MAX (16U * 1024U)
/* "gatewayd-" + interface + ".conf" */
#define GATEWAYD_CONFIG_FILE_NAME_MAX (9 + GATEWAYD_IFNAME_SIZE + 5)

typedef enum GatewayAction {
        GATEWAY_ACTION_RUN,
        GATEWAY_ACTION_PRINT_INVITE,
        GATEWAY_ACTION_HELP,
        GATEWAY_ACTION_VERSION,
        _GATEWAY_ACTION_MAX,
        _GATEWAY_ACTION_INVALID = -EINVAL,
} GatewayAction;

/* Every setting, in --help order. The bit (1U << option) in
 * GatewayConfig.set records that a source gave it. */
typedef enum GatewayOption {
        GATEWAY_OPTION_HELP,
        GATEWAY_OPTION_VERSION,
        GATEWAY_OPTION_CONFIG,
        GATEWAY_OPTION_PRINT_INVITE,
        GATEWAY_OPTION_INTERFACE,
        GATEWAY_OPTION_RELAY,
        GATEWAY_OPTION_ROOM,
        GATEWAY_OPTION_PIN,
        GATEWAY_OPTION_GATEWAY_TOKEN_FILE,
        GATEWAY_OPTION_STATE_DIR,
        GATEWAY_OPTION_NAME,
        GATEWAY_OPTION_BUS_ADDRESS,
        _GATEWAY_OPTION_MAX,
        _GATEWAY_OPTION_INVALID = -EINVAL,
} GatewayOption;

/* HOST[:PORT] of the relay, by the rules of the invite link's authority
 * part (PROTOCOL.md), since it ends up there. */
typedef struct RelayEndpoint {
        char host[LP_INVITE_HOST_MAX + 1]; /* IPv6 without brackets */
        InviteHostType host_type;
        uint16_t port;
} RelayEndpoint;

/* "[" + host + "]:" + port + NUL */
#define RELAY_ENDPOINT_STR_MAX (LP_INVITE_HOST_MAX + 2 + 1 + 5 + 1)

typedef struct GatewayConfig {
        GatewayAction action;
        unsigned set; /* bit mask of GatewayOption given by this source */

        char *config_file; /* the file that was read; NULL: none */
        char interface[GATEWAYD_IFNAME_SIZE];
        RelayEndpoint relay;
        char room[LP_ROOM_NAME_MAX + 1];
        bool has_pin;
        uint8_t pin[LP_SPKI_PIN_SIZE];
        char *gateway_token_file;
        char *state_dir;
        char name[LP_CONTROL_NAME_MAX + 1];
        char *bus_address; /* NULL: the system bus */
} GatewayConfig;

GatewayConfig *gateway_config_free(GatewayConfig *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(GatewayConfig *, gateway_config_free);

const char *gateway_option_to_string(GatewayOption o); /* "--relay" */
const char *gateway_option_to_key(GatewayOption o);    /* "Relay", NULL if command line only */

/* Linux's rules for interface names: 1..15 bytes, not "." or "..", no '/',
 * ':', whitespace or control characters. */
bool interface_name_is_valid(const char *s);

/* Parses "HOST[:PORT]": a DNS name, an IPv4 literal or an [IPv6] literal,
 * port 1..65535 without sign or leading zeros, default 443. Returns 0, or
 * -EINVAL with *ret_reason set to a static description of what is wrong. */
int relay_endpoint_parse(const char *s, RelayEndpoint *ret, const char **ret_reason);
/* "host:port", "[v6]:port"; the port is always written. */
const char *relay_endpoint_format(const RelayEndpoint *e, char buf[static RELAY_ENDPOINT_STR_MAX]);

/* The gateway token file: exactly one token of 1..128 printable ASCII
 * characters without spaces; blank lines and lines starting with '#' are
 * skipped, blanks around the token are ignored, and so is what follows
 * it on its line (the relay's token file syntax, whose lines may name the
 * token's rooms after it: one line can be copied from the relay's file to
 * the gateway's). Returns 0 with the
 * token in token[] and its length in *ret_len, or -EINVAL with a message
 * naming `filename` in *ret_error. */
int gateway_token_parse(const char *filename, const char *data, size_t size,
                        uint8_t token[static LP_CONTROL_GATEWAY_TOKEN_MAX], size_t *ret_len, char **ret_error);
/* Reads and parses the file. */
int gateway_token_load(const char *path, uint8_t token[static LP_CONTROL_GATEWAY_TOKEN_MAX], size_t *ret_len,
                       char **ret_error);

/* Parses argv. Only what the command line says is set (see ->set); no
 * defaults. Stops at --help/--version. */
int gateway_config_parse_argv(int argc, char *const *argv, GatewayConfig **ret, char **ret_error);

/* Parses the contents of a config file; `filename` only names it in errors. */
int gateway_config_parse_file(const char *filename, const char *data, size_t size, GatewayConfig **ret,
                              char **ret_error);

/* Lays the command line over the file (either may be NULL), checks that the
 * result is complete for the action and fills in defaults. `state_directory`
 * is the value of $STATE_DIRECTORY (or NULL). */
int gateway_config_merge(const GatewayConfig *cli, const GatewayConfig *file, const char *state_directory,
                         GatewayConfig **ret, char **ret_error);

/* "DIR/gatewayd-IFACE.conf", the file read when --config is not given. */
int gateway_config_default_file(const char *config_dir, const char *interface, char **ret);

/* All of the above plus reading the config file: --config FILE must exist;
 * the default file for the interface may be missing. */
int gateway_config_load(int argc, char *const *argv, const char *config_dir, const char *state_directory,
                        GatewayConfig **ret, char **ret_error);

void gateway_config_help(FILE *f);

/* The canonical invite link for the configured relay, room and pin and
 * this room key (invite_format()). buf should hold LP_INVITE_TEXT_MAX. */
int gateway_config_format_invite(const GatewayConfig *c, const uint8_t key[static LP_ROOM_KEY_SIZE], char *buf,
                                 size_t size);

#define GATEWAY_BUS_NAME_PREFIX "org.lanparty.Gateway1"
/* "org.lanparty.Gateway1.<interface>", with the interface name escaped for
 * a bus name element: every character outside [A-Za-z0-9] becomes '_', and
 * a leading digit gets a '_' in front (elements must not start with one).
 * "eth0" -> org.lanparty.Gateway1.eth0, "enp3s0.100" -> ...enp3s0_100.
 * Returns 0, -EINVAL for an invalid interface name, -ENOBUFS when size is
 * too small (GATEWAY_BUS_NAME_MAX always suffices). */
#define GATEWAY_BUS_NAME_MAX (sizeof(GATEWAY_BUS_NAME_PREFIX) + 1 + GATEWAYD_IFNAME_SIZE)
int gateway_bus_name(const char *ifname, char *buf, size_t size);
