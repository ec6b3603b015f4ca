/* SPDX-License-Identifier: MIT */
/* Installing, disabling, removing and powering model adapters: the test's
 * hand on Device Manager (win-model.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

static unsigned subkey_pick(unsigned wanted) {
        if (wanted)
                return wanted;
        for (unsigned s = WIN_MODEL_SUBKEY_FIRST; s <= WIN_MODEL_SUBKEY_LAST; s++) {
                bool taken = false;

                for (size_t k = 0; k < WIN_MODEL_ADAPTERS_MAX; k++)
                        taken = taken || (model.adapters[k].used && model.adapters[k].subkey == s);
                if (!taken)
                        return s;
        }
        return 0;
}

int model_adapter_add_locked(const WinModelAdapterConfig *c) {
        ModelAdapter *a = NULL;
        GUID g;
        int r;

        if (!c || model_guid_parse(c->guid, &g) < 0)
                return -EINVAL;
        if (model_adapter_by_guid_bin(&g))
                return -EEXIST;
        if (!model_registry_allowed()) {
                model_log("adapter-refused", "guid=%s reason=not-wine-private", c->guid);
                return -EPERM;
        }
        for (size_t k = 0; k < WIN_MODEL_ADAPTERS_MAX && !a; k++)
                if (!model.adapters[k].used)
                        a = &model.adapters[k];
        if (!a)
                return -ENOSPC;

        *a = (ModelAdapter) {
                .used = true,
                .guid_bin = g,
                .subkey = subkey_pick(c->subkey),
                .version_major = c->version_major ? c->version_major : WIN_MODEL_DRIVER_MAJOR,
                .version_minor = c->version_major ? c->version_minor : WIN_MODEL_DRIVER_MINOR,
                .enabled = !c->disabled,
        };
        if (a->subkey < WIN_MODEL_SUBKEY_FIRST || a->subkey > WIN_MODEL_SUBKEY_LAST) {
                a->used = false;
                return -EINVAL;
        }
        model_guid_format(&g, a->guid);
        snprintf(a->component_id, sizeof(a->component_id), "%s", c->component_id ? c->component_id : "tap0901");
        if (c->alias)
                swprintf(a->alias, ELEMENTSOF(a->alias), L"%hs", c->alias);
        else
                swprintf(a->alias, ELEMENTSOF(a->alias), L"Ethernet %u", (unsigned) (a - model.adapters) + 2);

        r = model_registry_write_adapter(a, c, !model_registry_subkey_exists(a->subkey));
        if (r < 0) {
                a->used = false;
                return r;
        }
        a->iface = model_if_new(IF_TYPE_PROP_VIRTUAL, &g, a->alias);
        if (!a->iface) {
                model_registry_delete_adapter(a);
                a->used = false;
                return -ENOSPC;
        }
        a->iface->adapter = a;
        /* The INF's DeviceDescription (OemVista.inf.in, version.m4). */
        if (a == model.adapters)
                swprintf(a->iface->description, ELEMENTSOF(a->iface->description), L"TAP-Windows Adapter V9");
        else
                swprintf(a->iface->description, ELEMENTSOF(a->iface->description), L"TAP-Windows Adapter V9 #%u",
                         (unsigned) (a - model.adapters) + 1);
        a->iface->speed_bps = model.settings.tap_speed_mbps * 1000000ull;
        model_persist_apply_if(a->iface);
        model_log("adapter-add", "guid=%s subkey=%04u component=%s version=%lu.%lu enabled=%d", a->guid, a->subkey,
                  a->component_id, (unsigned long) a->version_major, (unsigned long) a->version_minor, a->enabled);
        if (a->enabled)
                model_tap_start(a);
        if (a->iface->present)
                model_persist_apply_routes(a->iface);
        model_persist_save();
        return 0;
}

int win_model_adapter_add(const WinModelAdapterConfig *c) {
        int r;

        model_lock();
        r = model_adapter_add_locked(c);
        model_unlock();
        return r;
}

int win_model_adapter_remove(const char *guid) {
        ModelAdapter *a;

        model_lock();
        a = model_adapter_by_guid(guid);
        if (!a) {
                model_unlock();
                return -ENOENT;
        }
        model_tap_halt(a);
        model_registry_delete_adapter(a);
        model_routes_remove_if(a->iface, false, MODEL_BY_TEST);
        a->iface->used = false;
        model_log("adapter-remove", "guid=%s", a->guid);
        *a = (ModelAdapter) {};
        model_persist_save();
        model_unlock();
        return 0;
}

int model_adapter_set_enabled_locked(ModelAdapter *a, bool enabled) {
        a->enabled = enabled;
        if (enabled)
                return model_tap_start(a);
        model_tap_halt(a);
        return 0;
}

int win_model_adapter_set_enabled(const char *guid, bool enabled) {
        ModelAdapter *a;
        int r;

        model_lock();
        a = model_adapter_by_guid(guid);
        r = a ? model_adapter_set_enabled_locked(a, enabled) : -ENOENT;
        model_unlock();
        return r;
}

/* OID_PNP_SET_POWER (oidrequest.c:470-497) sets CurrentPowerState; an
 * NDIS 6.20 miniport is paused before a low-power state and restarted
 * after D0 (oidrequest.c:371-373). */
int win_model_adapter_set_power(const char *guid, unsigned d_state) {
        ModelAdapter *a;

        if (d_state > 3)
                return -EINVAL;
        model_lock();
        a = model_adapter_by_guid(guid);
        if (!a || !a->ctx) {
                model_unlock();
                return -ENOENT;
        }
        a->ctx->power = d_state;
        a->ctx->paused = d_state != 0;
        model_log("power", "guid=%s state=D%u", a->guid, d_state);
        model_unlock();
        return 0;
}

int win_model_adapter_inject(const char *guid, const void *frame, size_t len) {
        ModelAdapter *a;
        int r;

        if (!frame || len > MODEL_FRAME_MAX)
                return -EINVAL;
        model_lock();
        a = model_adapter_by_guid(guid);
        r = a ? model_tap_stack_send(a, frame, len) : -ENOENT;
        model_unlock();
        return r;
}

int win_model_adapter_state(const char *guid, WinModelAdapterState *ret) {
        ModelAdapter *a;
        ModelTapCtx *c;

        model_lock();
        a = model_adapter_by_guid(guid);
        if (!a) {
                model_unlock();
                return -ENOENT;
        }
        c = a->ctx;
        *ret = (WinModelAdapterState) {
                .present = true,
                .running = c != NULL,
                .ifindex = a->iface->index,
                .luid = a->iface->luid,
        };
        if (c) {
                ret->open = c->file != NULL;
                ret->media = c->media != 0;
                ret->always_connected = c->always_connected;
                ret->power = c->power;
                memcpy(ret->mac, c->mac, 6);
                memcpy(ret->permanent_mac, c->permanent_mac, 6);
                ret->mtu = c->mtu;
                ret->reads_pending = c->n_reads;
                ret->frames_queued = c->sendq_count;
        }
        model_unlock();
        return 0;
}

size_t win_model_received_count(const char *guid) {
        ModelAdapter *a;
        size_t n;

        model_lock();
        a = model_adapter_by_guid(guid);
        n = a ? MIN(a->n_received, (size_t) WIN_MODEL_RECEIVED_MAX) : 0;
        model_unlock();
        return n;
}

int win_model_received_get(const char *guid, size_t index, WinModelFrameInfo *ret) {
        ModelAdapter *a;
        size_t n, first;
        int r = -ENOENT;

        model_lock();
        a = model_adapter_by_guid(guid);
        if (a) {
                n = MIN(a->n_received, (size_t) WIN_MODEL_RECEIVED_MAX);
                first = a->n_received - n;
                if (index < n) {
                        *ret = a->received[(first + index) % WIN_MODEL_RECEIVED_MAX];
                        r = 0;
                }
        }
        model_unlock();
        return r;
}
