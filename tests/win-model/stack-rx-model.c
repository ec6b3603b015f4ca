/* SPDX-License-Identifier: MIT */
/* A frame the application wrote reached the stack (or was dropped by the
 * packet filter): it is recorded, with the DHCP or RA options it carried,
 * so tests can check what Windows was told, and DHCP replies and router
 * advertisements are acted on. Called with the model lock held. */
#include <stdio.h>
#include <string.h>

#include "model.h"

static const char *options_str(const WinModelFrameInfo *info, char *buf, size_t size) {
        size_t o = 0;

        buf[0] = '\0';
        for (size_t k = 0; k < info->n_options && o < size; k++)
                o += (size_t) snprintf(buf + o, size - o, "%s%u", k ? "," : "", info->options[k]);
        return buf;
}

void model_stack_receive(ModelAdapter *a, const uint8_t *frame, size_t len, bool filtered) {
        WinModelFrameInfo info;
        char opts[200];

        model_frame_classify(frame, len, &info);
        info.filtered = filtered;
        a->received[a->n_received % WIN_MODEL_RECEIVED_MAX] = info;
        a->n_received++;
        model_log("frame-from-app", "guid=%s kind=%s len=%zu options=%s%s", a->guid, info.kind, len,
                  options_str(&info, opts, sizeof(opts)), filtered ? " filtered=1" : "");
        if (filtered || !a->iface)
                return;
        if (strncmp(info.kind, "dhcp", 4) == 0)
                model_dhcp_receive(a->iface, frame, len, &info);
        else if (strcmp(info.kind, "ra") == 0)
                model_ndp_receive(a->iface, frame, len, &info);
        else if (strcmp(info.kind, "arp") == 0)
                model_arp_receive(a->iface, frame, len);
        else
                model_udp_receive(a->iface, frame, len);
}
