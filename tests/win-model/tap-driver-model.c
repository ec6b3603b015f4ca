/* SPDX-License-Identifier: MIT */
/* TAP-Windows6's miniport, from its source (OpenVPN/tap-windows6 at
 * 0cad866; file:line below): what MiniportInitialize reads, when the
 * device node takes reads and writes, the send packet queue the stack's
 * frames wait in, and how reads are completed from it. The device node's
 * dispatch routines are in tap-device-model.c. Called with the model
 * lock held. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "model.h"

#define TAP_PRIORITY_BEHAVIOR_ADDALWAYS 2

ModelAdapter *model_adapter_by_guid_bin(const GUID *g) {
        for (size_t k = 0; k < WIN_MODEL_ADAPTERS_MAX; k++)
                if (model.adapters[k].used && model_guid_equal(&model.adapters[k].guid_bin, g))
                        return &model.adapters[k];
        return NULL;
}

ModelAdapter *model_adapter_by_guid(const char *guid) {
        GUID g;

        if (model_guid_parse(guid, &g) < 0)
                return NULL;
        return model_adapter_by_guid_bin(&g);
}

/* adapter.c:readiness. tapAdapterReadAndWriteReady (1209-1260) gates the
 * device node's reads and writes; tapAdapterSendAndReceiveReady
 * (1263-1339) the NDIS paths. */
bool model_tap_rw_ready(const ModelTapCtx *c) {
        return c->device_created && c->file && c->file_is_open && c->media && c->power == 0;
}

bool model_tap_send_ready(const ModelTapCtx *c) {
        return c->media && c->power == 0 && !c->paused && c->adapter;
}

void model_tap_ctx_unref(ModelTapCtx *c) {
        if (!c || --c->refs > 0)
                return;
        while (c->sendq_head) {
                ModelFrame *f = c->sendq_head;

                c->sendq_head = f->next;
                free(f);
        }
        free(c);
}

/* AdapterCreate (adapter.c:610-886): read the configuration, create the
 * device node, then NDIS restarts the miniport (Paused, 861; Running,
 * AdapterRestart 1127-1206). */
int model_tap_start(ModelAdapter *a) {
        ModelTapCtx *c;
        char mac[18];

        if (a->ctx)
                return 0;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->refs = 1;
        c->adapter = a;
        c->version_major = a->version_major;
        c->version_minor = a->version_minor;
        model_registry_read_config(a, c);
        c->device_created = true;
        a->ctx = c;
        memcpy(a->iface->mac, c->mac, 6);
        a->iface->link_mtu = c->mtu;
        model_if_set_present(a->iface, true);
        model_log("adapter-start", "guid=%s mac=%s mtu=%lu media=%s", a->guid, model_mac_str(c->mac, mac), (unsigned long) c->mtu,
                  c->always_connected ? "always" : "app");
        if (c->media)
                model_if_media(a->iface, true);
        return 0;
}

static void complete_read(ModelTapCtx *c, ModelIrp *irp, LONG status, ULONG_PTR info) {
        (void) c;
        model_iom_complete(irp->file, irp->ov, status, info);
        free(irp);
}

/* tapIrpCsqFlush (mem.c:365-393) and the cancel routine
 * tapIrpCsqCompleteCanceledIrp (mem.c:332-342): STATUS_CANCELLED,
 * Information 0. */
void model_tap_cancel_reads(ModelTapCtx *c, ModelFile *f, const OVERLAPPED *only, LONG status, size_t *ret_n) {
        ModelIrp **p = &c->reads;
        size_t n = 0;

        while (*p) {
                ModelIrp *irp = *p;

                if ((f && irp->file != f) || (only && irp->ov != only)) {
                        p = &irp->next;
                        continue;
                }
                *p = irp->next;
                c->n_reads--;
                n++;
                complete_read(c, irp, status, 0);
        }
        if (ret_n)
                *ret_n = n;
}

/* tapFlushSendPacketQueue (txpath.c:401-431) and tapFlushIrpQueues
 * (device.c:728-738). */
void model_tap_flush(ModelTapCtx *c) {
        size_t n = 0;

        while (c->sendq_head) {
                ModelFrame *f = c->sendq_head;

                c->sendq_head = f->next;
                free(f);
        }
        c->sendq_tail = NULL;
        c->sendq_count = c->sendq_bytes = 0;
        model_tap_cancel_reads(c, NULL, NULL, MODEL_STATUS_CANCELLED, &n);
        if (n > 0)
                model_log("read-cancelled", "count=%zu reason=flush", n);
}

/* AdapterPause then AdapterHalt (adapter.c:1020-1124, 889-960) and
 * DestroyTapDevice (device.c:1455-1524): the device node is deregistered
 * (new opens find nothing), the send queue and pending reads flushed
 * (reads complete with STATUS_CANCELLED, ERROR_OPERATION_ABORTED, as the
 * comment at device.c:1473-1496 says). An open file keeps the context:
 * its later reads and writes meet TapDeviceCreated == FALSE and complete
 * cancelled at once (txpath.c:1224-1235, rxpath.c:640-651). */
void model_tap_halt(ModelAdapter *a) {
        ModelTapCtx *c = a->ctx;

        if (!c)
                return;
        c->paused = true;
        c->device_created = false;
        model_tap_flush(c);
        if (a->iface->connected)
                model_if_media(a->iface, false);
        model_if_set_present(a->iface, false);
        c->adapter = NULL;
        a->ctx = NULL;
        model_log("adapter-halt", "guid=%s open=%d", a->guid, c->file != NULL);
        model_tap_ctx_unref(c);
}

/* tapSetMediaConnectStatus (device.c:212-282): the state changes unless
 * MediaStatus made it "always connected"; NDIS hears about it unless the
 * miniport is halted. LogicalMediaState is a BOOLEAN taken from the
 * ioctl's ULONG (device.c:678-679), so 0x100 means disconnected. */
void model_tap_set_media(ModelTapCtx *c, uint8_t state) {
        if (c->media != state && !c->always_connected)
                c->media = state;
        if (c->adapter) {
                model_log("media", "guid=%s state=%s", c->adapter->guid, c->media ? "on" : "off");
                model_if_media(c->adapter->iface, c->media != 0);
        }
}

/* tapProcessSendPacketQueue (txpath.c:347-397) with
 * tapCompletePendingReadIrp (288-344): a frame larger than the read's
 * buffer completes it with STATUS_BUFFER_OVERFLOW and Information 0, and
 * the frame is gone. */
void model_tap_process_queue(ModelTapCtx *c) {
        while (c->sendq_head && c->reads) {
                ModelFrame *f = c->sendq_head;
                ModelIrp *irp = c->reads;
                WinModelFrameInfo info;

                c->sendq_head = f->next;
                if (!c->sendq_head)
                        c->sendq_tail = NULL;
                c->sendq_count--;
                c->sendq_bytes -= f->len;
                c->reads = irp->next;
                c->n_reads--;

                model_frame_classify(f->data, f->len, &info);
                if (f->len > irp->size) {
                        model_log("frame-to-app", "guid=%s kind=%s len=%zu overflow=1 buf=%lu",
                                  c->adapter ? c->adapter->guid : "-", info.kind, f->len, (unsigned long) irp->size);
                        complete_read(c, irp, MODEL_STATUS_BUFFER_OVERFLOW, 0);
                } else {
                        memcpy(irp->buf, f->data, f->len);
                        model_log("frame-to-app", "guid=%s kind=%s len=%zu", c->adapter ? c->adapter->guid : "-",
                                  info.kind, f->len);
                        complete_read(c, irp, MODEL_STATUS_SUCCESS, f->len);
                }
                free(f);
        }
}

static int drop(ModelAdapter *a, const uint8_t *frame, size_t len, const char *why, int r) {
        WinModelFrameInfo info;

        model_frame_classify(frame, len, &info);
        model_log("frame-dropped", "guid=%s kind=%s len=%zu reason=%s", a->guid, info.kind, len, why);
        return r;
}

/* The stack sends a frame: AdapterSendNetBufferLists (txpath.c:974-1174)
 * and tapAdapterTransmit (434-758). Frames sent while no application has
 * the device open, or while the adapter is not ready, are completed and
 * lost. */
int model_tap_stack_send(ModelAdapter *a, const uint8_t *frame, size_t len) {
        ModelTapCtx *c = a->ctx;
        ModelFrame *f;
        size_t tag;

        if (!c)
                return drop(a, frame, len, "halted", -ENETDOWN);
        if (!c->file)
                return drop(a, frame, len, "not-open", -ENETDOWN); /* "lying send", 1029-1047 */
        if (!model_tap_send_ready(c))
                return drop(a, frame, len, "not-ready", -ENETDOWN); /* 1052-1067 */
        if (len < LP_ETHER_HEADER_LEN || len > LP_ETHER_HEADER_LEN + 4 + c->mtu)
                return drop(a, frame, len, "invalid-length", -EMSGSIZE); /* 905-920, 1085-1098 */
        if (!model_tap_rw_ready(c))
                return drop(a, frame, len, "not-read-ready", -ENETDOWN); /* 735-745 */
        if (c->sendq_bytes > MODEL_TAP_BUFFER_SIZE)
                return drop(a, frame, len, "flow-control", -ENOBUFS);

        /* TAP_PRIORITY_BEHAVIOR_ADDALWAYS puts an 802.1Q tag on every frame
         * (489-510, 559-572); the stack's own frames carry priority 0. */
        tag = c->priority_behavior == TAP_PRIORITY_BEHAVIOR_ADDALWAYS ? 4 : 0;
        f = malloc(sizeof(*f) + len + tag);
        if (!f)
                return -ENOMEM;
        f->next = NULL;
        f->len = len + tag;
        memcpy(f->data, frame, 12);
        if (tag) {
                f->data[12] = 0x81;
                f->data[13] = 0x00;
                f->data[14] = f->data[15] = 0;
        }
        memcpy(f->data + 12 + tag, frame + 12, len - 12);
        if (c->sendq_tail)
                c->sendq_tail->next = f;
        else
                c->sendq_head = f;
        c->sendq_tail = f;
        c->sendq_count++;
        c->sendq_bytes += f->len;
        model_tap_process_queue(c);
        return 0;
}

/* The multicast list tcpip gives the miniport (OID_802_3_MULTICAST_LIST):
 * the groups Windows itself joins on an interface: all-hosts, LLMNR,
 * mDNS, SSDP for IPv4; all-nodes, LLMNR, mDNS and the link-local
 * address's solicited-node group for IPv6. */
static bool mcast_joined(const ModelIf *i, const uint8_t *dst) {
        static const uint8_t groups[][6] = {
                { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfc },
                { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb }, { 0x01, 0x00, 0x5e, 0x7f, 0xff, 0xfa },
                { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, { 0x33, 0x33, 0x00, 0x01, 0x00, 0x03 },
                { 0x33, 0x33, 0x00, 0x00, 0x00, 0xfb },
        };

        for (size_t k = 0; k < ELEMENTSOF(groups); k++)
                if (memcmp(dst, groups[k], 6) == 0)
                        return true;
        for (size_t k = 0; k < i->n_addrs; k++) {
                const ModelAddr *a = &i->addrs[k];

                if (a->family == AF_INET6 && dst[0] == 0x33 && dst[1] == 0x33 && dst[2] == 0xff &&
                    memcmp(dst + 3, a->bytes + 13, 3) == 0)
                        return true;
        }
        return false;
}

/* TapDeviceWrite past its readiness checks (rxpath.c:696-869): a paused
 * miniport "lies" (success, nothing sent); fewer than 14 bytes is
 * STATUS_BUFFER_TOO_SMALL; an 802.1Q tag is stripped (TapStrip8021Q,
 * 355-389); the packet filter tcpip set (directed, multicast, broadcast;
 * tapGetRawPacketFrameType adapter.c:1615-1695) drops frames for other
 * MACs and unjoined groups with success; the rest is indicated to the
 * stack and pended until it returns the NBL (AdapterReturnNetBufferLists,
 * rxpath.c:321-353), which the model's stack does at once. */
LONG model_tap_write(ModelTapCtx *c, const uint8_t *frame, size_t len, bool *ret_pending) {
        uint8_t buf[MODEL_FRAME_MAX];
        ModelAdapter *a = c->adapter;
        const uint8_t *dst;
        bool accept;

        *ret_pending = false;
        if (!model_tap_send_ready(c))
                return MODEL_STATUS_SUCCESS;
        if (len < LP_ETHER_HEADER_LEN)
                return MODEL_STATUS_BUFFER_TOO_SMALL;
        if (len >= LP_ETHER_HEADER_LEN + 4 && frame[12] == 0x81 && frame[13] == 0x00 && len - 4 <= sizeof(buf)) {
                memcpy(buf, frame, 12);
                memcpy(buf + 12, frame + 16, len - 16);
                frame = buf;
                len -= 4;
        }
        dst = frame;
        if (mac_is_broadcast(&(MacAddr) { { dst[0], dst[1], dst[2], dst[3], dst[4], dst[5] } }))
                accept = true;
        else if (dst[0] & 1)
                accept = mcast_joined(a->iface, dst);
        else
                accept = memcmp(dst, c->mac, 6) == 0;
        model_stack_receive(a, frame, MIN(len, (size_t) MODEL_FRAME_MAX), !accept);
        if (!accept)
                return MODEL_STATUS_SUCCESS;
        *ret_pending = true;
        return MODEL_STATUS_SUCCESS;
}
