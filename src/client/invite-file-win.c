/* SPDX-License-Identifier: MIT */
/* Where client.exe's invite link comes from: the command line (the link
 * itself, or a .lanparty file Explorer hands us), else the paste dialog,
 * asked again while what the player gives is no valid link. */
#include "client-win.h"

#include <errno.h>
#include <stdio.h>

#include "platform-win.h"

/* Reads the link from argv's invite: the link itself or a .lanparty file. */
static int invite_load(Client *c, const char *arg, char *error, size_t error_size) {
        wchar_t wpath[WIN_PATH_MAX];
        uint8_t data[CLIENT_WIN_INVITE_FILE_MAX + 1];
        int r, n;

        if (invite_source_classify(arg) == INVITE_SOURCE_LINK) {
                r = invite_text_clean(arg, c->link, sizeof(c->link));
                if (r < 0)
                        snprintf(error, error_size, "The invite link is too long.");
                return r;
        }
        r = utf8_to_wide(arg, wpath, ELEMENTSOF(wpath));
        n = r < 0 ? r : win_read_small_file(wpath, data, sizeof(data));
        if (n < 0) {
                snprintf(error, error_size, "Cannot read the invite file %s: %s.", arg,
                         n == -ENOENT ? "it does not exist" : client_error_text(n));
                return n;
        }
        r = invite_from_file_data(data, (size_t) n, c->link, sizeof(c->link));
        if (r < 0)
                snprintf(error, error_size, "The file %s does not hold a lanparty:// invite link%s.", arg,
                         r == -EFBIG ? " (it is far too big for one)" : "");
        return r;
}

/* The console cannot ask: it says why and exits. */
static bool invite_refused(const char *error, int *ret_exit_code) {
        fprintf(stderr, "%s: %s\n", PROGRAM_NAME, error);
        console_pause();
        *ret_exit_code = EXIT_USAGE;
        return false;
}

bool invite_obtain(Client *c, HINSTANCE instance, int *ret_exit_code) {
        char error[512] = "", hint[600];
        InviteError ie;
        int r;

        if (c->args.invite && invite_load(c, c->args.invite, error, sizeof(error)) < 0 &&
            c->args.mode == CLIENT_WIN_MODE_CLI)
                return invite_refused(error, ret_exit_code);
        for (;;) {
                if (!error[0] && c->link[0]) {
                        if (invite_parse(c->link, &c->invite, &ie) >= 0)
                                return true;
                        snprintf(error, sizeof(error), "This is not a valid invite link: %s.",
                                 invite_error_to_string(ie));
                }
                if (c->args.mode == CLIENT_WIN_MODE_CLI)
                        return invite_refused(error, ret_exit_code);
                snprintf(hint, sizeof(hint), "%s%s", error, error[0] ? " Paste a fresh one." : "");
                r = gui_ask_invite(instance, hint[0] ? hint : NULL, c->link, sizeof(c->link));
                if (r <= 0) {
                        *ret_exit_code = r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
                        return false;
                }
                error[0] = '\0';
        }
}
