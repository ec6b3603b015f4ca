/* SPDX-License-Identifier: MIT */
/* The test's hand on a model in another process. A whole client.exe
 * linked against the model (tests/wine/test-client-exe-model.sh) has no
 * test code inside to call win-model.h, so a shell test appends lines to
 * the file named by $LANPARTY_WIN_MODEL_CONTROL and the stack thread runs
 * each new one within MODEL_CONTROL_POLL_MS:
 *
 *   disable {GUID}            Device Manager's Disable (win_model_adapter_set_enabled)
 *   enable {GUID}             and its Enable
 *   inbound {GUID} PROFILES   whether a game's inbound broadcast gets in
 *                             (win_model_inbound_allowed; 1 public, 2
 *                             private, 4 domain), as a log line
 *
 * Each line is answered in the log: "control cmd=... guid=... result=..."
 * (result=0 or a negative errno), "inbound ... allowed=0|1". Only lines
 * ending in a newline count, so a line being written is run once it is
 * complete. Called with the model lock held. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static char path[MAX_PATH];
static long done_offset;

void model_control_open(void) {
        const char *p = getenv("LANPARTY_WIN_MODEL_CONTROL");

        done_offset = 0;
        if (p && p[0] && strlen(p) < sizeof(path))
                strcpy(path, p);
}

bool model_control_enabled(void) {
        return path[0] != '\0';
}

static void run(char *line) {
        char cmd[16], guid[40];
        unsigned profiles = 0;
        ModelAdapter *a;
        bool allowed = false;
        int n, r;

        n = sscanf(line, "%15s %39s %u", cmd, guid, &profiles);
        if (n < 2) {
                model_log("control", "cmd=? line=\"%s\" result=%d", line, -EINVAL);
                return;
        }
        a = model_adapter_by_guid(guid);
        if (strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0) {
                r = a ? model_adapter_set_enabled_locked(a, strcmp(cmd, "enable") == 0) : -ENOENT;
                model_log("control", "cmd=%s guid=%s result=%d", cmd, guid, r);
        } else if (strcmp(cmd, "inbound") == 0 && n == 3) {
                r = a ? model_net_inbound_allowed(a->iface, profiles, &allowed) : -ENOENT;
                model_log("control", "cmd=inbound guid=%s profiles=%u allowed=%d result=%d", guid, profiles, allowed,
                          r);
        } else
                model_log("control", "cmd=%s guid=%s result=%d", cmd, guid, -EINVAL);
}

void model_control_poll(void) {
        char line[128];
        FILE *f;

        if (!path[0] || !(f = fopen(path, "rb")))
                return;
        if (fseek(f, done_offset, SEEK_SET) == 0)
                while (fgets(line, sizeof(line), f)) {
                        size_t len = strlen(line);

                        if (len == 0 || line[len - 1] != '\n')
                                break;
                        done_offset += (long) len;
                        line[strcspn(line, "\r\n")] = '\0';
                        if (line[0] && line[0] != '#')
                                run(line);
                }
        fclose(f);
}
