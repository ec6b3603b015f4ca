/* SPDX-License-Identifier: MIT */
#pragma once

/* What the lanparty service answers one pipe client (docs/SERVICE-PIPE.md,
 * "The conversation"), pure: which messages go back for each thing the
 * client's ServicePipeReader gave, and whether the pipe is closed after
 * them. The Windows side (service-win.c) reads and writes the pipe and
 * checks the caller's token; this decides, and runs on Linux too.
 *
 * The session (service-session-win.c) is the service's, not a client's:
 * the state below says whether it is in a room, and the answer says what
 * the manager is to do with it (ServiceConversationAction): a JOIN with a
 * valid invite while idle starts one, LEAVE and CHECK in a room reach it.
 * The status stream's messages (SESSION, LINE, LIGHTS, ENDED) are made
 * here too, from what the session says. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "client-lights.h"
#include "invite.h"
#include "service-pipe-caller-plan.h"
#include "service-pipe.h"

/* Every answer to one frame fits: ACCEPTED, SESSION and LIGHTS for STATUS. */
#define SERVICE_CONVERSATION_ANSWERS_MAX 3

/* One client's side of the conversation. Zeroed: HELLO not yet seen. */
typedef struct ServiceConversation {
        bool greeted;    /* HELLO answered with WELCOME */
        bool subscribed; /* STATUS accepted: this client gets the status stream */
} ServiceConversation;

/* What the service is doing, as the conversation needs it. */
typedef struct ServiceConversationState {
        /* In a room from the JOIN that started the session until it has
         * ended (LEAVE asked is still in the room: the goodbye is on its
         * way). */
        ServicePipeSession session;
        ServicePipeLights lights; /* the last ones, for a STATUS in a room */
        bool has_lights;
        bool stopping; /* STOP asked: new HELLOs and JOINs get busy */
} ServiceConversationState;

/* What the manager does after writing the answer. */
typedef enum ServiceConversationAction {
        SERVICE_CONVERSATION_NONE,
        SERVICE_CONVERSATION_JOIN,  /* start the session with the answer's invite */
        SERVICE_CONVERSATION_LEAVE, /* ask the session to leave (goodbye to the relay) */
        SERVICE_CONVERSATION_CHECK, /* ask the session for the party check */
        _SERVICE_CONVERSATION_ACTION_MAX,
        _SERVICE_CONVERSATION_ACTION_INVALID = -EINVAL,
} ServiceConversationAction;

typedef struct ServiceConversationAnswer {
        ServicePipeMessage message[SERVICE_CONVERSATION_ANSWERS_MAX];
        size_t n_messages;
        bool close; /* close the pipe once the messages are written */
        ServiceConversationAction action;
        /* JOIN: the link as the service parsed it. Holds the room key:
         * the manager wipes the answer once the session has it. */
        Invite invite;
} ServiceConversationAnswer;

/* Whether the caller's token must be checked before `read` (what
 * service_pipe_reader_next() returned: 1 or 2 for a message) is
 * answered: the first HELLO. */
bool service_conversation_needs_caller_check(const ServiceConversation *c, int read, const ServicePipeMessage *m);

/* Answers what the reader gave: `read` is service_pipe_reader_next()'s
 * result (1 a message, 2 a type this version does not know, -EBADMSG
 * with `error` saying why), `m` the message, `caller` the caller check's
 * verdict when service_conversation_needs_caller_check() said so (else
 * ignored). Fills *ret. Returns 0, or -EINVAL for a NULL argument or a
 * `read` that is none of those (0: nothing to answer). */
int service_conversation_answer(ServiceConversation *c, const ServiceConversationState *state, int read,
                                const ServicePipeMessage *m, ServicePipeError error, ServicePipeCallerVerdict caller,
                                ServiceConversationAnswer *ret);

/* The status stream's messages (docs/SERVICE-PIPE.md, "Messages"), made
 * from what the session says; texts are cut to their field and made
 * valid (service_pipe_text_make_valid()). */
/* SESSION in a room (`invite`'s room and host), or idle for NULL. */
void service_conversation_session(const Invite *invite, ServicePipeSession *ret);
/* LINE; false for an empty line, which has no LINE. */
bool service_conversation_line(const char *text, ServicePipeMessage *ret);
void service_conversation_lights(const ClientLights *lights, ServicePipeMessage *ret);
/* ENDED: left when `failed` is false, else failed with `text` (may be NULL). */
void service_conversation_ended(bool failed, const char *text, ServicePipeMessage *ret);
