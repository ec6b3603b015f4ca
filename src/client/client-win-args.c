/* SPDX-License-Identifier: MIT */
#include "client-win-args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client-check.h"
#include "control.h"
#include "string-table.h"

static const char *const client_win_mode_table[_CLIENT_WIN_MODE_MAX] = {
        [CLIENT_WIN_MODE_GUI] = "gui",
        [CLIENT_WIN_MODE_CLI] = "cli",
        [CLIENT_WIN_MODE_HELP] = "help",
        [CLIENT_WIN_MODE_VERSION] = "version",
        [CLIENT_WIN_MODE_LIST_ADAPTERS] = "list-tap-adapters",
        [CLIENT_WIN_MODE_RESTORE] = "restore",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(client_win_mode, ClientWinMode)

static int arg_error(char *error, size_t size, const char *format, ...) _printf_(3, 4);
static int arg_error(char *error, size_t size, const char *format, ...) {
        va_list ap;

        if (error && size > 0) {
                va_start(ap, format);
                vsnprintf(error, size, format, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static bool ascii_prefix_nocase(const char *s, const char *prefix) {
        for (; *prefix; s++, prefix++) {
                char a = *s, b = *prefix;

                if (a >= 'A' && a <= 'Z')
                        a = (char) (a - 'A' + 'a');
                if (a != b)
                        return false;
        }
        return true;
}

/* Same rule as win_path_is_absolute() in platform-win.c, which this file
 * cannot link: "X:\", "X:/" or a UNC path. */
static bool path_is_absolute(const char *p) {
        if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' &&
            (p[2] == '\\' || p[2] == '/'))
                return true;
        return (p[0] == '\\' && p[1] == '\\') || (p[0] == '/' && p[1] == '/');
}

typedef enum ArgOption {
        ARG_HELP,
        ARG_VERSION,
        ARG_LIST,
        ARG_RESTORE,
        ARG_CLI,
        ARG_CHECK,
        ARG_CHECK_TIMEOUT,
        ARG_VERBOSE,
        ARG_FRAME_DEVICE,
        ARG_TAP_INSTANCE_ID,
        ARG_NAME,
        ARG_STATE_DIR,
        ARG_ACCEPT_PARTY_GATEWAY,
        _ARG_MAX,
} ArgOption;

static const struct {
        const char *name;
        char short_name;
        bool has_value;
} arg_options[_ARG_MAX] = {
        [ARG_HELP] = { "help", 'h', false },
        [ARG_VERSION] = { "version", 0, false },
        [ARG_LIST] = { "list-tap-adapters", 0, false },
        [ARG_RESTORE] = { "restore", 0, false },
        [ARG_CLI] = { "cli", 0, false },
        [ARG_CHECK] = { "check", 0, false },
        [ARG_CHECK_TIMEOUT] = { "check-timeout", 0, true },
        [ARG_VERBOSE] = { "verbose", 'v', false },
        [ARG_FRAME_DEVICE] = { "frame-device", 0, true },
        [ARG_TAP_INSTANCE_ID] = { "tap-instance-id", 0, true },
        [ARG_NAME] = { "name", 'n', true },
        [ARG_STATE_DIR] = { "state-dir", 's', true },
        [ARG_ACCEPT_PARTY_GATEWAY] = { "accept-party-gateway", 0, false },
};

/* Which option `arg` names; *ret_inline points after '=' for "--x=VALUE". */
static int arg_lookup(const char *arg, const char **ret_inline) {
        *ret_inline = NULL;
        if (arg[0] == '-' && arg[1] == '-') {
                const char *name = arg + 2, *eq = strchr(name, '=');
                size_t len = eq ? (size_t) (eq - name) : strlen(name);

                for (size_t i = 0; i < _ARG_MAX; i++)
                        if (strlen(arg_options[i].name) == len && strncmp(arg_options[i].name, name, len) == 0) {
                                *ret_inline = eq ? eq + 1 : NULL;
                                return (int) i;
                        }
                return -ENOENT;
        }
        if (arg[0] == '-' && arg[1] != '\0' && arg[2] == '\0')
                for (size_t i = 0; i < _ARG_MAX; i++)
                        if (arg_options[i].short_name && arg_options[i].short_name == arg[1])
                                return (int) i;
        return -ENOENT;
}

/* What the options said so far, before the checks across them. */
typedef struct ArgState {
        ClientWinArgs a;
        bool have_exit_mode;
        bool cli;
        bool check_timeout_given;
        const char *invite;
} ArgState;

static void mode_request(ArgState *st, ClientWinMode m) {
        if (st->have_exit_mode)
                return;
        st->a.mode = m;
        st->have_exit_mode = true;
}

/* argv[*i] is "--": what the URL handler and the file type run,
 * client.exe -- "%1". Whatever a crafted link makes of the quotes, the
 * words after "--" are the invite and nothing else: exactly one. */
static int arg_after_dashes(ArgState *st, int argc, char *const *argv, int *i, char *error, size_t error_size) {
        if (st->invite)
                return arg_error(error, error_size,
                                 "Too many arguments: an invite link before \"--\" and another after it.");
        if (*i + 1 >= argc || !argv[*i + 1])
                return arg_error(error, error_size, "\"--\" must be followed by the invite link or .lanparty file.");
        if (*i + 2 < argc)
                return arg_error(error, error_size,
                                 "Too many arguments after \"--\": expected one invite link or .lanparty file, got "
                                 "\"%.64s\" and \"%.64s\".",
                                 argv[*i + 1], argv[*i + 2] ? argv[*i + 2] : "");
        if (argv[++*i][0] == '\0')
                return arg_error(error, error_size, "The invite link is empty.");
        st->invite = argv[*i];
        return 0;
}

/* An argument that is no option: the invite link or .lanparty file. */
static int arg_invite(ArgState *st, const char *arg, char *error, size_t error_size) {
        if (st->invite)
                return arg_error(error, error_size,
                                 "Too many arguments: expected one invite link or .lanparty file, got \"%.64s\" "
                                 "and \"%.64s\".",
                                 st->invite, arg);
        if (arg[0] == '\0')
                return arg_error(error, error_size, "The invite link is empty.");
        st->invite = arg;
        return 0;
}

/* The value of option `o` given as argv[*i]: inline ("--x=VALUE") or the
 * next argument. NULL for options that take none. */
static int arg_value(ArgOption o, const char *inline_value, int argc, char *const *argv, int *i,
                     const char **ret, char *error, size_t error_size) {
        *ret = NULL;
        if (!arg_options[o].has_value) {
                if (inline_value)
                        return arg_error(error, error_size, "--%s takes no value.", arg_options[o].name);
                return 0;
        }
        if (inline_value)
                *ret = inline_value;
        else if (*i + 1 < argc && argv[*i + 1])
                *ret = argv[++*i];
        else
                return arg_error(error, error_size, "--%s needs a value.", arg_options[o].name);
        return 0;
}

/* One option and its value (NULL for those without), checked. */
static int arg_apply(ArgState *st, ArgOption o, const char *value, char *error, size_t error_size) {
        switch (o) {
        case ARG_HELP:
                mode_request(st, CLIENT_WIN_MODE_HELP);
                return 0;
        case ARG_VERSION:
                mode_request(st, CLIENT_WIN_MODE_VERSION);
                return 0;
        case ARG_LIST:
                mode_request(st, CLIENT_WIN_MODE_LIST_ADAPTERS);
                return 0;
        case ARG_RESTORE:
                mode_request(st, CLIENT_WIN_MODE_RESTORE);
                return 0;
        case ARG_CLI:
                st->cli = true;
                return 0;
        case ARG_CHECK:
                st->a.check_only = true;
                return 0;
        case ARG_CHECK_TIMEOUT:
                if (check_timeout_parse(value, &st->a.check_timeout_sec) < 0)
                        return arg_error(error, error_size,
                                         "--check-timeout: expected whole seconds from 1 to %d, got \"%.64s\".",
                                         CLIENT_CHECK_GIVE_UP_SEC_MAX, value);
                st->check_timeout_given = true;
                return 0;
        case ARG_VERBOSE:
                st->a.verbose = true;
                return 0;
        case ARG_FRAME_DEVICE:
                st->a.device_type = frame_device_type_from_string(value);
                if (st->a.device_type < 0)
                        return arg_error(error, error_size, "--frame-device: expected \"tap\" or \"null\", got \"%.64s\".",
                                         value);
                return 0;
        case ARG_TAP_INSTANCE_ID:
                /* A GUID or a connection name; tap-win.c matches it. */
                if (value[0] == '\0' || strlen(value) >= FRAME_DEVICE_NAME_MAX)
                        return arg_error(error, error_size,
                                         "--tap-instance-id: an adapter GUID or connection name of 1 to %d bytes.",
                                         FRAME_DEVICE_NAME_MAX - 1);
                st->a.tap_instance_id = value;
                return 0;
        case ARG_NAME:
                if (strlen(value) > LP_CONTROL_NAME_MAX || !control_text_is_valid(value, strlen(value)))
                        return arg_error(error, error_size, "--name: at most %d bytes of printable UTF-8.",
                                         LP_CONTROL_NAME_MAX);
                st->a.name = value;
                return 0;
        case ARG_STATE_DIR:
                if (!path_is_absolute(value))
                        return arg_error(error, error_size, "--state-dir: needs an absolute path such as C:\\lanparty.");
                st->a.state_dir = value;
                return 0;
        case ARG_ACCEPT_PARTY_GATEWAY:
                st->a.accept_party_gateway = true;
                return 0;
        default:
                return arg_error(error, error_size, "Unhandled option.");
        }
}

/* argv[*i] and, for an option with a value, what follows it. */
static int arg_one(ArgState *st, int argc, char *const *argv, int *i, char *error, size_t error_size) {
        const char *arg = argv[*i], *value, *inline_value;
        int o, r;

        if (!arg)
                return arg_error(error, error_size, "Empty argument.");
        if (strcmp(arg, "--") == 0)
                return arg_after_dashes(st, argc, argv, i, error, error_size);
        if (arg[0] != '-' || arg[1] == '\0')
                return arg_invite(st, arg, error, error_size);

        o = arg_lookup(arg, &inline_value);
        if (o < 0)
                return arg_error(error, error_size, "Unknown option \"%.64s\" (see --help).", arg);
        r = arg_value((ArgOption) o, inline_value, argc, argv, i, &value, error, error_size);
        if (r < 0)
                return r;
        return arg_apply(st, (ArgOption) o, value, error, error_size);
}

/* --check is a console mode like --cli, for the TAP only. */
static int args_check_across(ArgState *st, char *error, size_t error_size) {
        if (st->check_timeout_given && !st->a.check_only)
                return arg_error(error, error_size, "--check-timeout goes with --check.");
        if (st->a.check_only && st->a.check_timeout_sec == 0)
                st->a.check_timeout_sec = CLIENT_CHECK_GIVE_UP_SEC_DEFAULT;
        if (st->have_exit_mode || !(st->cli || st->a.check_only))
                return 0;
        st->a.mode = CLIENT_WIN_MODE_CLI;
        if (!st->invite)
                return arg_error(error, error_size, "--%s: missing the invite link (see --help).",
                                 st->a.check_only ? "check" : "cli");
        if (st->a.check_only && st->a.device_type != FRAME_DEVICE_TAP)
                return arg_error(error, error_size,
                                 "--check needs the TAP adapter: games and the check use Windows' network stack.");
        return 0;
}

int check_timeout_parse(const char *s, unsigned *ret) {
        unsigned long v = 0;

        if (!s || !ret || s[0] == '\0')
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned long) (*p - '0');
                if (v > CLIENT_CHECK_GIVE_UP_SEC_MAX)
                        return -EINVAL;
        }
        if (v == 0)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

int client_win_args_parse(int argc, char *const *argv, ClientWinArgs *ret, char *error, size_t error_size) {
        ArgState st = { .a = { .mode = CLIENT_WIN_MODE_GUI, .device_type = FRAME_DEVICE_TAP } };
        int r;

        if (!ret || argc < 0 || (argc > 0 && !argv))
                return -EINVAL;
        if (error && error_size > 0)
                error[0] = '\0';

        for (int i = 1; i < argc; i++) {
                r = arg_one(&st, argc, argv, &i, error, error_size);
                if (r < 0)
                        return r;
        }

        /* The uninstaller runs it: a link there is a mistake, not a wish. */
        if (st.a.mode == CLIENT_WIN_MODE_RESTORE && st.invite)
                return arg_error(error, error_size, "--restore takes no invite link.");
        r = args_check_across(&st, error, error_size);
        if (r < 0)
                return r;
        st.a.invite = st.invite;
        *ret = st.a;
        return 0;
}

InviteSource invite_source_classify(const char *arg) {
        if (!arg)
                return _INVITE_SOURCE_INVALID;
        return ascii_prefix_nocase(arg, "lanparty:") ? INVITE_SOURCE_LINK : INVITE_SOURCE_FILE;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trims [*start, *end) of white space and one pair of wrappers. */
static void trim(const char **start, const char **end) {
        const char *s = *start, *e = *end;

        while (s < e && is_space(*s))
                s++;
        while (e > s && is_space(e[-1]))
                e--;
        if (e - s >= 2 && ((s[0] == '"' && e[-1] == '"') || (s[0] == '<' && e[-1] == '>') ||
                           (s[0] == '\'' && e[-1] == '\''))) {
                s++;
                e--;
                while (s < e && is_space(*s))
                        s++;
                while (e > s && is_space(e[-1]))
                        e--;
        }
        *start = s;
        *end = e;
}

static int copy_out(const char *s, size_t len, char *buf, size_t size) {
        if (len == 0)
                return -ENOMSG;
        if (len >= size)
                return -ENOBUFS;
        memcpy(buf, s, len);
        buf[len] = '\0';
        return 0;
}

int invite_text_clean(const char *text, char *buf, size_t size) {
        const char *s, *e;

        if (!text || !buf || size == 0)
                return -EINVAL;
        s = text;
        e = text + strlen(text);
        trim(&s, &e);
        return copy_out(s, (size_t) (e - s), buf, size);
}

int invite_from_file_data(const uint8_t *data, size_t len, char *buf, size_t size) {
        char text[CLIENT_WIN_INVITE_FILE_MAX + 1];
        size_t n = 0;
        const char *p, *end;

        if ((!data && len > 0) || !buf || size == 0)
                return -EINVAL;
        if (len > CLIENT_WIN_INVITE_FILE_MAX)
                return -EFBIG;

        if (len >= 2 && data[0] == 0xff && data[1] == 0xfe) {
                /* UTF-16LE: a link is ASCII, so anything else is not one. */
                if (len % 2 != 0)
                        return -EBADMSG;
                for (size_t i = 2; i < len; i += 2) {
                        uint16_t u = (uint16_t) (data[i] | data[i + 1] << 8);

                        if (u == 0 || u >= 0x80)
                                return -EBADMSG;
                        text[n++] = (char) u;
                }
        } else {
                size_t i = 0;

                if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
                        i = 3;
                for (; i < len; i++) {
                        if (data[i] == 0)
                                return -EBADMSG;
                        text[n++] = (char) data[i];
                }
        }
        text[n] = '\0';

        for (p = text, end = text + n; p < end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *line_end = nl ? nl : end, *s = p, *e = line_end;

                p = nl ? nl + 1 : end;
                trim(&s, &e);
                if (s == e || *s == '#')
                        continue;
                if ((size_t) (e - s) < strlen("lanparty://") || !ascii_prefix_nocase(s, "lanparty://"))
                        return -EBADMSG;
                return copy_out(s, (size_t) (e - s), buf, size);
        }
        return -ENOMSG;
}
