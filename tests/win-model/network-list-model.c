/* SPDX-License-Identifier: MIT */
/* Network List Manager on an interface: a network is identified once the
 * link is up and IPv4 has an address (from DHCP or APIPA). Without a
 * default gateway it is "Unidentified network", which Windows puts in the
 * Public profile (the "Unidentified Networks" policy's default) and
 * forgets when the link goes; a network behind a gateway is remembered by
 * the gateway's MAC with the category it was given, new ones starting
 * Public (INetwork::SetCategory, NLM_NETWORK_CATEGORY). Whether a gateway
 * the interface ignores (DisableDefaultRoutes) still identifies the
 * network is not documented; the model counts only an installed default
 * route. The wired uplink is the user's home network, Private. Called
 * with the model lock held, except the win_sys and win-model.h entries. */
#include <string.h>

#include "model.h"

#define PROFILES_MAX 8

typedef struct Profile {
        bool used;
        uint8_t gateway_mac[6];
        WinNetworkCategory category;
} Profile;

static Profile profiles[PROFILES_MAX];

static const char *category_str(WinNetworkCategory c) {
        return c == WIN_NETWORK_CATEGORY_PRIVATE ? "private" : c == WIN_NETWORK_CATEGORY_PUBLIC ? "public" : "domain";
}

static Profile *profile_find(const uint8_t mac[6]) {
        for (size_t k = 0; k < PROFILES_MAX; k++)
                if (profiles[k].used && memcmp(profiles[k].gateway_mac, mac, 6) == 0)
                        return &profiles[k];
        return NULL;
}

void model_net_profile_set(const uint8_t mac[6], WinNetworkCategory category) {
        Profile *p = profile_find(mac);

        for (size_t k = 0; k < PROFILES_MAX && !p; k++)
                if (!profiles[k].used)
                        p = &profiles[k];
        if (!p)
                p = &profiles[0];
        *p = (Profile) { .used = true, .category = category };
        memcpy(p->gateway_mac, mac, 6);
}

size_t model_net_profiles(uint8_t (*macs)[6], WinNetworkCategory *categories, size_t max) {
        size_t n = 0;

        for (size_t k = 0; k < PROFILES_MAX && n < max; k++)
                if (profiles[k].used) {
                        memcpy(macs[n], profiles[k].gateway_mac, 6);
                        categories[n++] = profiles[k].category;
                }
        return n;
}

void model_net_profiles_clear(void) {
        memset(profiles, 0, sizeof(profiles));
}

static bool has_default_route(const ModelIf *i) {
        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++)
                if (model.routes[k].used && model.routes[k].row.InterfaceLuid.Value == i->luid.Value &&
                    model.routes[k].row.DestinationPrefix.Prefix.si_family == AF_INET &&
                    model.routes[k].row.DestinationPrefix.PrefixLength == 0)
                        return true;
        return false;
}

void model_net_update(ModelIf *i) {
        bool v4 = false;
        Profile *p;

        for (size_t k = 0; k < i->n_addrs; k++)
                v4 = v4 || i->addrs[k].family == AF_INET;
        if (i->net.identified || !i->connected || !v4 || i->type == IF_TYPE_SOFTWARE_LOOPBACK)
                return;
        i->net.identified = true;
        i->net.unidentified_name = !i->adapter ? false : !has_default_route(i);
        if (!i->adapter)
                i->net.category = WIN_NETWORK_CATEGORY_PRIVATE;
        else if (!i->net.unidentified_name && (p = profile_find(i->net.gateway_mac)))
                i->net.category = p->category;
        else
                i->net.category = WIN_NETWORK_CATEGORY_PUBLIC;
        model_log("network", "if=%lu name=%s category=%s", (unsigned long) i->index,
                  i->net.unidentified_name ? "unidentified" : "identified", category_str(i->net.category));
}

void model_net_forget(ModelIf *i) {
        if (!i->net.identified)
                return;
        i->net.identified = false;
        model_log("network-gone", "if=%lu", (unsigned long) i->index);
}

static ModelIf *tap_if(const GUID *g) {
        ModelIf *i = g ? model_if_by_guid(g) : NULL;

        return i && i->present ? i : NULL;
}

HRESULT model_network_category_get(const GUID *adapter_id, WinNetworkCategory *ret) {
        ModelIf *i;
        HRESULT hr = S_OK;
        char g[39] = "-";

        if (!adapter_id || !ret)
                return E_POINTER;
        model_lock();
        i = tap_if(adapter_id);
        model_guid_format(adapter_id, g);
        if (!i || !i->net.identified)
                hr = HRESULT_FROM_WIN32(ERROR_NOT_FOUND);
        else
                *ret = i->net.category;
        model_log("category-get", "guid=%s result=%s", g, hr == S_OK ? category_str(*ret) : "no-network");
        model_unlock();
        return hr;
}

HRESULT model_network_category_set(const GUID *adapter_id, WinNetworkCategory category) {
        ModelIf *i;
        HRESULT hr = S_OK;
        char g[39];

        if (!adapter_id)
                return E_POINTER;
        if (category != WIN_NETWORK_CATEGORY_PUBLIC && category != WIN_NETWORK_CATEGORY_PRIVATE)
                return E_INVALIDARG;
        model_lock();
        i = tap_if(adapter_id);
        model_guid_format(adapter_id, g);
        /* Access denied for the policy too: what SetCategory answers a
         * caller it will not obey (not documented for the policy; the
         * client treats any failure alike). */
        if (!model.settings.elevated || model.settings.category_locked)
                hr = E_ACCESSDENIED;
        else if (!i || !i->net.identified)
                hr = HRESULT_FROM_WIN32(ERROR_NOT_FOUND);
        else {
                i->net.category = category;
                if (!i->net.unidentified_name) {
                        model_net_profile_set(i->net.gateway_mac, category);
                        model_persist_save();
                }
        }
        model_log("category-set", "guid=%s category=%s result=0x%08lx", g, category_str(category), (unsigned long) hr);
        model_unlock();
        return hr;
}

int model_net_inbound_allowed(const ModelIf *i, unsigned rule_profiles, bool *ret) {
        unsigned profile;

        if (!i || !i->present)
                return -ENOENT;
        profile = i->net.identified ? 1u << i->net.category : 1u;
        *ret = (rule_profiles & profile) != 0;
        return 0;
}

int win_model_inbound_allowed(const char *guid, unsigned rule_profiles, bool *ret) {
        GUID g;
        int r;

        if (!ret || model_guid_parse(guid, &g) < 0)
                return -EINVAL;
        model_lock();
        r = model_net_inbound_allowed(model_if_by_guid(&g), rule_profiles, ret);
        model_unlock();
        return r;
}

int win_model_ipv4_address(const char *guid, char *buf, size_t size) {
        ModelIf *i;
        GUID g;

        if (!buf || size == 0 || model_guid_parse(guid, &g) < 0)
                return -EINVAL;
        buf[0] = '\0';
        model_lock();
        i = model_if_by_guid(&g);
        for (size_t k = 0; i && k < i->n_addrs; k++)
                if (i->addrs[k].family == AF_INET) {
                        model_addr_str(AF_INET, i->addrs[k].bytes, buf, size);
                        break;
                }
        model_unlock();
        return i ? 0 : -ENOENT;
}
