/* SPDX-License-Identifier: MIT */
#pragma once

/* What the two daemons' settings parsers share: the command line walk, the
 * one-group GKeyFile config file, values checked the same way in both, the
 * error line, and the gateway token file syntax. Each daemon keeps its own
 * option table, its own value kinds and its own merge rules; this file
 * only knows that an option has a --flag, maybe a Key=, and maybe no value.
 *
 * Errors come back as one line of text in *ret_error (control characters
 * replaced), naming the flag, or the file and key, at fault. */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

#define CONF_VALUE_SHOWN_MAX 64 /* how much of a bad value an error message repeats */
#define CONF_VALUE_SHOWN_SIZE (CONF_VALUE_SHOWN_MAX * 4 + 4)
#define CONF_REASON_MAX 160
#define CONF_BUS_ADDRESS_MAX 4096

/* kind 0 in every daemon's table: no value on the command line. */
#define CONF_KIND_FLAG 0

typedef struct ConfOption {
        const char *flag;  /* "--relay" */
        const char *key;   /* "Relay"; NULL: command line only */
        int kind;          /* the daemon's own; CONF_KIND_FLAG is the only one read here */
        unsigned min, max; /* for the daemon's number kinds */
} ConfOption;

typedef struct ConfParser {
        const ConfOption *options; /* indexed by the daemon's option enum */
        unsigned n_options;        /* at most 32: the set mask is an unsigned */
        const char *group;         /* the config file's only group, "Relay" */

        /* Stores one value. `value` is NULL for a flag on the command line.
         * Returns 0; > 0 to stop reading the command line (--help); -EINVAL
         * with `reason` filled for a bad value; any other -errno fails. */
        int (*set)(void *userdata, unsigned option, const char *value, bool in_file, char *reason,
                   size_t reason_size);

        /* Optional: the whole error for a key that is not a setting but is
         * a likely mistake (after "FILE: "), or NULL for the usual one. */
        const char *(*unknown_key_hint)(const char *key);
} ConfParser;

#define CONF_OPTION_BIT(o) (1U << (o))

/* The option's "--flag" and "Key" (NULL: command line only), for the
 * daemons' *_option_to_string() and *_option_to_key(). NULL for an option
 * outside the table. */
const char *conf_option_flag(const ConfParser *p, int option);
const char *conf_option_key(const ConfParser *p, int option);

/* Defines NAME_to_string() (the "--flag") and NAME_to_key() (the "Key",
 * NULL if command line only) of a daemon's option enum from its parser. */
#define DEFINE_CONF_OPTION_NAMES(name, type, parser)              \
        const char *name##_to_string(type o) {                    \
                return conf_option_flag(&(parser), o);            \
        }                                                         \
        const char *name##_to_key(type o) {                       \
                return conf_option_key(&(parser), o);             \
        }

/* Formats the error into *ret_error and returns -EINVAL (-ENOMEM if it
 * cannot). Values from files and argv may hold newlines or escape
 * sequences meant for a terminal: the line is made printable. */
_printf_(2, 3) int conf_error(char **ret_error, const char *format, ...);

/* "--room NAME is required", naming the Key= too when a config file was
 * read ("(or Room= in FILE)"), since either place can fix it, and why it
 * is needed after a colon when `why` is not NULL. Returns -EINVAL. */
int conf_error_required(const ConfParser *p, int option, const char *metavar, const char *config_file,
                        const char *why, char **ret_error);

/* A bad value as an error message repeats it: control characters and
 * backslashes as \xNN, cut after CONF_VALUE_SHOWN_MAX characters. */
const char *conf_value_shown(const char *value, char buf[static CONF_VALUE_SHOWN_SIZE]);

bool string_has_control(const char *s);

/* *dst = strdup(src) (NULL stays NULL), freeing the old value. */
int free_and_strdup(char **dst, const char *src);

/* Checks a path value and stores a copy in *dst. A config file is read by
 * a service whose working directory is nobody's business, so paths there
 * must be absolute. -EINVAL with `reason` filled, or -ENOMEM. */
int conf_parse_path(const char *value, bool in_file, char **dst, char *reason, size_t reason_size);

/* The same for a D-Bus address (sd-bus checks the syntax when it connects). */
int conf_parse_bus_address(const char *value, char **dst, char *reason, size_t reason_size);

/* Walks argv (argv[0] skipped): --flag VALUE, --flag=VALUE, bare flags,
 * -h for --help, "--" ends the options. Records each option given in *set
 * and refuses one given twice. Returns 0 at the end, > 0 when set() asked
 * to stop, or a negative errno (-EINVAL with *ret_error). */
int conf_parse_argv(const ConfParser *p, int argc, char *const *argv, unsigned *set, void *userdata,
                    char **ret_error);

/* Parses a config file's contents: exactly the parser's group, known keys,
 * each at most once. `filename` only names it in errors. */
int conf_parse_file(const ConfParser *p, const char *filename, const char *data, size_t size, size_t max_size,
                    unsigned *set, void *userdata, char **ret_error);

/* conf_parse_file() that also stores a copy of `filename` in
 * *config_file (freeing what was there), for the messages that later
 * name the file. */
int conf_parse_named_file(const ConfParser *p, const char *filename, const char *data, size_t size,
                          size_t max_size, char **config_file, unsigned *set, void *userdata, char **ret_error);

/* Reads the daemon's config file: `given` (--config), which must exist, or
 * else `default_path` (NULL: there is none), which may be missing. Returns 1
 * with the path read (one of the two) in *ret_path and its contents in *ret,
 * or 0 with both NULL when there is no file to read. */
int conf_read_file(const char *given, const char *default_path, size_t max_size, const char **ret_path,
                   char **ret, size_t *ret_size, char **ret_error);

/* The first path of $STATE_DIRECTORY (systemd joins one path per
 * StateDirectory= entry with ':'). Returns 0 with *ret NULL when the
 * variable is unset or empty, 1 with the path in *ret. */
int conf_state_directory(const char *state_directory, char **ret, char **ret_error);

/* Gateway token files, the same syntax for the relay's list and the
 * gateway's one token, so one file can be copied from the other: one token
 * a line, printable ASCII without spaces, then, after blanks, what the
 * relay knows about it (the rooms it may open; the gateway ignores that);
 * blank lines and lines starting with '#' are skipped, blanks around a
 * line are ignored.
 *
 * token_file_next() returns the next token line after *pos (1, with the
 * line, unchecked, in *ret and *ret_len, its line number in *line_no), or
 * 0 at the end. token_file_split() returns the length of the token at the
 * start of such a line and points *ret_rest past the blanks after it.
 * token_file_check() checks the token's characters. Each daemon applies
 * its own rules about count and length in between. */
int token_file_next(const char *data, size_t size, size_t *pos, size_t *line_no, const char **ret,
                    size_t *ret_len);
size_t token_file_split(const char *line, size_t len, const char **ret_rest, size_t *ret_rest_len);
int token_file_check(const char *filename, size_t line_no, const char *token, size_t len, char **ret_error);

/* Reads a token file of at most max_size bytes, refused (-EPERM) when
 * other users may read it (file_check_private(), PRIVATE_GROUP_READ). The
 * caller wipes and frees the contents. */
int token_file_read(const char *path, size_t max_size, char **ret, size_t *ret_size, char **ret_error);
