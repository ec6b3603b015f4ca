/* SPDX-License-Identifier: MIT */
#pragma once

/* What client.exe makes of its command line and of the places an invite
 * link comes from (the command line, a lanparty:// URL Windows hands us,
 * a .lanparty file, the paste dialog). Pure C11 on UTF-8 strings, no
 * Windows headers: main-win.c converts the UTF-16 command line first, and
 * the unit tests run on Linux as well as under wine.
 *
 * Modes: with no arguments, or an invite only, client.exe opens its window
 * (asking for a link when it has none); --cli runs in a console like the
 * Linux client, and so does --check (the one-shot party check); --help, --version and --list-tap-adapters print and exit;
 * --restore undoes what earlier runs left behind (the uninstaller runs it)
 * and exits. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame-device.h"
#include "macro.h"

/* A .lanparty file holds one link and maybe a comment; anything bigger is
 * not one of ours. */
#define CLIENT_WIN_INVITE_FILE_MAX 4096

typedef enum ClientWinMode {
        CLIENT_WIN_MODE_GUI,
        CLIENT_WIN_MODE_CLI,
        CLIENT_WIN_MODE_HELP,
        CLIENT_WIN_MODE_VERSION,
        CLIENT_WIN_MODE_LIST_ADAPTERS,
        CLIENT_WIN_MODE_RESTORE,
        _CLIENT_WIN_MODE_MAX,
        _CLIENT_WIN_MODE_INVALID = -EINVAL,
} ClientWinMode;

const char *client_win_mode_to_string(ClientWinMode m);

typedef struct ClientWinArgs {
        ClientWinMode mode;
        FrameDeviceType device_type;
        const char *tap_instance_id; /* adapter GUID or connection name; NULL: the only one */
        const char *name;            /* shown to the other players; NULL: the computer's name */
        const char *state_dir;       /* absolute; NULL: %LOCALAPPDATA% and %ProgramData% */
        bool verbose;
        bool accept_party_gateway;   /* ClientCoreConfig.accept_party_gateway */
        bool check_only;             /* --check: join, run the party check once, leave */
        unsigned check_timeout_sec;  /* --check-timeout: give up after this long without a check */
        const char *invite;          /* a link or a .lanparty file; NULL: ask (GUI only) */
} ClientWinArgs;

/* Parses argv[1..argc-1] (UTF-8; pointers into argv are kept). Long
 * options take "--opt VALUE" and "--opt=VALUE". "--" ends the options and
 * must be followed by exactly one argument, the invite, whatever it looks
 * like: the URL handler runs client.exe -- "%1", so a crafted link cannot
 * add options however it plays with quotes. When two of --help, --version,
 * --list-tap-adapters and --restore are given, the first one wins;
 * --restore takes no invite. Returns 0, or -EINVAL with a one-line reason
 * naming the option in `error`. */
int client_win_args_parse(int argc, char *const *argv, ClientWinArgs *ret, char *error, size_t error_size);

/* --check-timeout's SECONDS, for both clients: a whole number from 1 to
 * CLIENT_CHECK_GIVE_UP_SEC_MAX. -EINVAL for anything else. */
int check_timeout_parse(const char *s, unsigned *ret);

typedef enum InviteSource {
        INVITE_SOURCE_LINK, /* the argument is the link itself */
        INVITE_SOURCE_FILE, /* the argument names a .lanparty file */
        _INVITE_SOURCE_MAX,
        _INVITE_SOURCE_INVALID = -EINVAL,
} InviteSource;

/* "lanparty:" in any case starts a link; everything else is a path. */
InviteSource invite_source_classify(const char *arg);

/* Tidies a link as people paste it: surrounding white space, and one pair
 * of quotes or angle brackets around it (chat programs add both). The
 * result is still checked by invite_parse(). -ENOBUFS when it does not
 * fit, -ENOMSG when nothing is left. */
int invite_text_clean(const char *text, char *buf, size_t size);

/* The link in a .lanparty file's bytes: UTF-8 (with or without BOM) or
 * UTF-16LE with BOM (what Notepad writes as "Unicode"), CRLF or LF. Blank
 * lines and lines starting with '#' are skipped; the first other line,
 * trimmed, must start with "lanparty://". Returns 0, -EFBIG for more than
 * CLIENT_WIN_INVITE_FILE_MAX bytes, -EBADMSG for text we do not read (NUL
 * bytes, odd-length UTF-16, non-ASCII in UTF-16) or a first line that is
 * no link, -ENOMSG for a file without any line, -ENOBUFS. */
int invite_from_file_data(const uint8_t *data, size_t len, char *buf, size_t size);
