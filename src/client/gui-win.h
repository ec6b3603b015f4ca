/* SPDX-License-Identifier: MIT */
#pragma once

/* client.exe's window: the room's name, three status lights (relay,
 * gateway, LAN address), Check and Leave buttons and a read-only log of the status
 * lines, plus a tray icon while it runs. The window lives on the main
 * thread; the network loop runs on a worker and talks to it only through
 * the gui_post_*() calls, which copy what they are given onto the heap and
 * PostMessage() it (the window frees it), so they are safe from any thread
 * and never block on the window.
 *
 * Both windows are dialog templates in client-win.rc: Windows scales them
 * for the monitor's DPI by itself (PerMonitorV2 in client.manifest). */

#include <stdbool.h>
/* Before windows.h, as ngtcp2 (through client-lights.h) wants it. */
#include <winsock2.h>
#include <windows.h>

#include "client-lights.h"

typedef struct Gui Gui;

typedef struct GuiCallbacks {
        /* The player pressed Leave or closed the window; a second call
         * means "now, without waiting for the relay". Main thread. */
        void (*leave)(void *userdata);
        /* The player pressed Check: run the party check again. Main
         * thread; must not block. */
        void (*check)(void *userdata);
        /* Windows is logging off or shutting down and ends the process
         * once this returns: leave at once and wait (briefly) until the
         * routes are restored. Main thread. */
        void (*shutdown)(void *userdata);
        void *userdata;
} GuiCallbacks;

/* The "paste your invite link" dialog, for a start without arguments.
 * `hint` (may be NULL) is shown above the field, e.g. why the last link
 * was refused. Checks the link with invite_parse() before it closes.
 * Returns 1 with the cleaned link in buf, 0 when cancelled, negative errno. */
int gui_ask_invite(HINSTANCE instance, const char *hint, char *buf, size_t size);

/* A message box with the application's title; for errors before the main
 * window exists (or with it as owner when `g` is set). Any thread.
 * `type` is MB_* flags; returns MessageBoxW()'s answer. */
int gui_message(Gui *g, UINT type, const char *text);

int gui_new(Gui **ret, HINSTANCE instance, const char *room, const char *relay, const GuiCallbacks *callbacks);
Gui *gui_free(Gui *g);
DEFINE_TRIVIAL_CLEANUP_FUNC(Gui *, gui_free);

/* Runs the message loop until the window is gone: after the worker said
 * gui_post_done() and the player closed it (or it was closing already). */
int gui_run(Gui *g);

/* Any thread. */
void gui_post_line(Gui *g, const char *text);
void gui_post_lights(Gui *g, const ClientLights *lights);
/* The worker is finished. `failed`: the window stays open with the
 * reason in `text` (NULL: none) shown in a message box too, so a player
 * who looked away still sees why; otherwise it closes if the player
 * asked to leave. */
void gui_post_done(Gui *g, bool failed, const char *text);
