/* SPDX-License-Identifier: MIT */
#pragma once

/* client.exe through the lanparty service (issue 13, docs/SERVICE-PIPE.md
 * "The client's end"): the window and --cli show a session the service
 * runs, and ask it to join, leave and check over \\.\pipe\lanparty
 * (service-pipe-client-win.h). Which way client.exe goes is
 * client-path-plan.h's; main-win.c chooses.
 *
 *   service-face-win.c    the conversation: STATUS, the room the service
 *                         is in, the consent, JOIN, then the stream into
 *                         the window (gui-win.c, on a worker thread) or
 *                         the console, LEAVE and CHECK
 *   consent-dialog-win.c  the question "Join room X on relay Y?" */

#include <stdbool.h>

#include "client-win.h"

/* Told when the service is not there and client.exe may not run the
 * session itself (CLIENT_PATH_NO_SERVICE). */
#define NO_SERVICE_MESSAGE                                                                                      \
        "The lanparty service is not running (or not installed): client.exe joins rooms through it. Start it "  \
        "in a Command Prompt opened as administrator with: sc start lanparty. If Windows says the service "      \
        "does not exist, install lanparty again. Without the service an administrator can still join: "         \
        "right-click client.exe (or the Command Prompt) and choose \"Run as administrator\"."

typedef struct ServiceFace ServiceFace;

/* Connects to the service and says HELLO (service_pipe_client_open()).
 * Returns 0 with *ret; -ENOENT when there is no service; other negative
 * errno values as service_pipe_client_open() says, with the sentence to
 * show in `text` (service_face_error_text() makes one for any error). */
int service_face_open(Client *c, ServiceFace **ret, char *text, size_t size);

/* The sentence for a failed service_face_open(): `text` as it said, or
 * one for the errno. */
void service_face_error_text(int error, const char *text, char *buf, size_t size);

/* The room the service is in, the questions, JOIN, then the stream until
 * the session ends or the player stops following it. Returns the exit
 * status: 0 left as asked or cancelled by the player, 1 failed. */
int service_face_run(ServiceFace *f, HINSTANCE instance);

ServiceFace *service_face_free(ServiceFace *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(ServiceFace *, service_face_free);

/* consent-dialog-win.c: shows `question` (consent_dialog_text()) with the
 * check box CONSENT_DIALOG_ALWAYS_LABEL. Returns 1 for Join (*ret_always
 * says whether the box was ticked), 0 for Cancel, negative errno when the
 * dialog could not be shown. */
int consent_dialog_ask(HINSTANCE instance, const char *question, bool *ret_always);
