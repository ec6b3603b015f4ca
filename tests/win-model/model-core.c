/* SPDX-License-Identifier: MIT */
/* The model's lock, clock and its one "kernel" thread. Starting reads
 * the config and the state file and sets up loopback, the uplink and
 * the configured adapters. For tests that drive the model themselves it
 * is lazy, at the first call into the model (through win_sys or
 * win-model.h); a whole program configured by $LANPARTY_WIN_MODEL_CONFIG
 * (client-model.exe) starts it before main(), so it needs no extra call
 * and finds its adapters installed when it looks in the registry. The
 * stack thread plays the parts of Windows that act on their own time:
 * the burst of frames after media connect, DHCP retransmissions, the
 * APIPA fallback and its retries; it also runs the commands a test in
 * another process sends (model-control.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

Model model;

static INIT_ONCE init_once = INIT_ONCE_STATIC_INIT;

static uint64_t stack_next_due(uint64_t now) {
        uint64_t next = now + (model_control_enabled() ? MODEL_CONTROL_POLL_MS : 1000);

        for (size_t k = 0; k < MODEL_IFS_MAX; k++) {
                const ModelIf *i = &model.ifs[k];

                if (!i->used || !i->adapter)
                        continue;
                if (i->burst_ms && i->burst_ms < next)
                        next = i->burst_ms;
                if (i->dhcp.next_ms && i->dhcp.next_ms < next)
                        next = i->dhcp.next_ms;
        }
        return next;
}

static DWORD WINAPI stack_thread(void *arg) {
        (void) arg;
        for (;;) {
                uint64_t now, next;

                model_lock();
                model_control_poll();
                now = model_now_ms();
                for (size_t k = 0; k < MODEL_IFS_MAX; k++) {
                        ModelIf *i = &model.ifs[k];

                        if (!i->used || !i->adapter)
                                continue;
                        if (i->burst_ms && i->burst_ms <= now)
                                model_burst_timer(i, now);
                        if (i->dhcp.next_ms && i->dhcp.next_ms <= now)
                                model_dhcp_timer(i, now);
                }
                next = stack_next_due(model_now_ms());
                now = model_now_ms();
                model_unlock();
                WaitForSingleObject(model.stack_wake, next > now ? (DWORD) MIN(next - now, 1000) : 0);
        }
        return 0;
}

static BOOL CALLBACK model_init(INIT_ONCE *once, void *param, void **ctx) {
        const char *config = getenv("LANPARTY_WIN_MODEL_CONFIG");
        HANDLE thread;

        (void) once;
        (void) param;
        (void) ctx;
        InitializeCriticalSection(&model.lock);
        model.t0_ms = GetTickCount64();
        model_settings_default(&model.settings);
        model.stack_wake = CreateEventW(NULL, FALSE, FALSE, NULL);
        model_log_open();
        model_control_open();

        EnterCriticalSection(&model.lock);
        if (config && config[0] && model_config_load_file(config) < 0)
                model_log("config-error", "file=%s", config);
        model_stack_init();
        model_persist_load();
        model_config_add_pending();
        LeaveCriticalSection(&model.lock);

        thread = CreateThread(NULL, 0, stack_thread, NULL, 0, NULL);
        if (thread)
                CloseHandle(thread);
        return TRUE;
}

/* Client code looks for adapters in the registry before its first call
 * into the model; on a PC they are installed before the program starts. */
__attribute__((constructor)) static void model_autostart(void) {
        const char *config = getenv("LANPARTY_WIN_MODEL_CONFIG");

        if (config && config[0]) {
                model_lock();
                model_unlock();
        }
}

void model_lock(void) {
        InitOnceExecuteOnce(&init_once, model_init, NULL, NULL);
        EnterCriticalSection(&model.lock);
}

void model_unlock(void) {
        LeaveCriticalSection(&model.lock);
}

uint64_t model_now_ms(void) {
        return GetTickCount64() - model.t0_ms;
}

void model_wake_stack(void) {
        SetEvent(model.stack_wake);
}

void model_violation(const char *what) {
        model.violations++;
        model_log("violation", "what=%s", what);
        fprintf(stderr, "win-model: violation: %s\n", what);
}

size_t win_model_violations(void) {
        size_t n;

        model_lock();
        n = model.violations;
        model_unlock();
        return n;
}

/* Only a wine prefix of the tests' own may get fake adapters
 * (tests/wine/wine-private.sh), never a real Windows registry. */
bool model_registry_allowed(void) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
        const char *private_prefix = getenv("LANPARTY_WINE_PRIVATE");

        return ntdll && GetProcAddress(ntdll, "wine_get_version") && private_prefix &&
               strcmp(private_prefix, "1") == 0;
}

int model_guid_parse(const char *s, GUID *ret) {
        unsigned long d1;
        unsigned d2, d3, b[8];
        char end;

        if (!s || strlen(s) != 38 ||
            sscanf(s, "{%8lx-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}%c", &d1, &d2, &d3, &b[0], &b[1], &b[2], &b[3],
                   &b[4], &b[5], &b[6], &b[7], &end) != 11)
                return -1;
        ret->Data1 = d1;
        ret->Data2 = (unsigned short) d2;
        ret->Data3 = (unsigned short) d3;
        for (size_t k = 0; k < 8; k++)
                ret->Data4[k] = (unsigned char) b[k];
        return 0;
}

void model_guid_format(const GUID *g, char buf[static 39]) {
        snprintf(buf, 39, "{%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned long) g->Data1,
                 g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5],
                 g->Data4[6], g->Data4[7]);
}

bool model_guid_equal(const GUID *a, const GUID *b) {
        return memcmp(a, b, sizeof(GUID)) == 0;
}
