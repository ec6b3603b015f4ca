/* SPDX-License-Identifier: MIT */
/* The .lanparty file reader client.exe uses (invite_from_file_data()),
 * and the paste clean-up (invite_text_clean()). Invariants: the link it
 * returns is a single trimmed line that starts with the scheme, and
 * reading it back as a file of its own gives the same link; cleaning a
 * pasted link never grows it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/client/client-win-args.h"
#include "../test-util.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char link[CLIENT_WIN_INVITE_FILE_MAX + 1], again[CLIENT_WIN_INVITE_FILE_MAX + 1];
        char text[CLIENT_WIN_INVITE_FILE_MAX + 1];
        size_t len;

        if (invite_from_file_data(data, size, link, sizeof(link)) == 0) {
                len = strlen(link);
                if (len == 0 || strchr(link, '\n') || link[0] == ' ' || link[len - 1] == ' ' ||
                    invite_source_classify(link) != INVITE_SOURCE_LINK)
                        abort();
                if (invite_from_file_data((const uint8_t *) link, len, again, sizeof(again)) != 0 ||
                    strcmp(link, again) != 0)
                        abort();
        }

        /* The same bytes as pasted text (up to the first NUL). */
        len = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
        memcpy(text, data, len);
        text[len] = '\0';
        if (invite_text_clean(text, link, sizeof(link)) == 0) {
                if (link[0] == '\0' || link[0] == ' ' || link[strlen(link) - 1] == ' ')
                        abort();
                /* Only one pair of wrappers comes off per call, so a second
                 * call may take another (or leave nothing), never add. */
                int r = invite_text_clean(link, again, sizeof(again));
                if ((r != 0 && r != -ENOMSG) || (r == 0 && strlen(again) > strlen(link)))
                        abort();
        }
        return 0;
}
