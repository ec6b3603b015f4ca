/* SPDX-License-Identifier: MIT */
#pragma once

/* What the lanparty service answers one pipe client (docs/SERVICE-PIPE.md,
 * "The conversation"), pure: which messages go back for each thing the
 * client's ServicePipeReader gave, and whether the pipe is closed after
 * them. The Windows side (service-win.c) reads and writes the pipe and
 * checks the caller's token; this decides, and runs on Linux too.
 *
 * THE SKELETON (issue 13): the session does not run inside the service
 * yet. So the service is always idle: STATUS gets SESSION idle, LEAVE and
 * CHECK not_in_room, and a JOIN with a valid invite is refused `internal`
 * ("cannot join rooms yet"). When the session moves in, the state comes
 * from it (ServiceConversationState) and JOIN starts it. */

#include <stdbool.h>
#include <stddef.h>

#include "service-pipe-caller-plan.h"
#include "service-pipe.h"

/* Every answer to one frame fits: ACCEPTED and SESSION for STATUS. */
#define SERVICE_CONVERSATION_ANSWERS_MAX 2

/* One client's side of the conversation. Zeroed: HELLO not yet seen. */
typedef struct ServiceConversation {
        bool greeted;    /* HELLO answered with WELCOME */
        bool subscribed; /* STATUS accepted: this client gets the status stream */
} ServiceConversation;

/* What the service is doing, as the conversation needs it. */
typedef struct ServiceConversationState {
        ServicePipeSession session; /* idle in the skeleton */
        bool stopping;              /* STOP asked: new HELLOs get busy */
} ServiceConversationState;

typedef struct ServiceConversationAnswer {
        ServicePipeMessage message[SERVICE_CONVERSATION_ANSWERS_MAX];
        size_t n_messages;
        bool close; /* close the pipe once the messages are written */
} ServiceConversationAnswer;

/* The text of the skeleton's refusal of a valid JOIN. */
#define SERVICE_CONVERSATION_JOIN_NOT_YET \
        "This lanparty service cannot join rooms yet: the session does not run inside it (issue 13)."

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
