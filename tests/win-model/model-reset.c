/* SPDX-License-Identifier: MIT */
/* Starting over within one test program (win_model_reset) and what a
 * reboot of the modelled PC forgets (win_model_reboot). */
#include <errno.h>
#include <string.h>

#include "model.h"

int win_model_reset(bool forget_state) {
        model_lock();
        for (size_t k = 0; k < MODEL_FILES_MAX; k++)
                if (model.files[k].used) {
                        model_unlock();
                        return -EBUSY;
                }
        for (size_t k = 0; k < WIN_MODEL_ADAPTERS_MAX; k++) {
                ModelAdapter *a = &model.adapters[k];

                if (!a->used)
                        continue;
                model_tap_halt(a);
                model_registry_delete_adapter(a);
                *a = (ModelAdapter) {};
        }
        for (size_t k = 0; k < MODEL_IFS_MAX; k++)
                if (model.ifs[k].used)
                        CloseHandle(model.ifs[k].dhcp.bound_event);
        memset(model.ifs, 0, sizeof(model.ifs));
        memset(model.routes, 0, sizeof(model.routes));
        model_notify_reset();
        model_log_reset();
        model_settings_default(&model.settings);
        model_net_profiles_clear();
        if (forget_state) {
                model_persist_forget();
                model_registry_delete_test_subkeys();
        }
        model_stack_init();
        model_persist_load();
        model_log("reset", "forget_state=%d", forget_state);
        model_unlock();
        return 0;
}

int win_model_reboot(void) {
        model_lock();
        for (size_t k = 0; k < MODEL_ROUTES_MAX; k++)
                if (model.routes[k].used && model.routes[k].who == MODEL_BY_CLIENT)
                        model_route_remove(&model.routes[k], MODEL_BY_TEST);
        for (size_t k = 0; k < MODEL_IFS_MAX; k++)
                if (model.ifs[k].used)
                        model.ifs[k].dhcp.have_remembered = false;
        model_log("reboot", "%s", "");
        model_persist_save();
        model_unlock();
        return 0;
}
