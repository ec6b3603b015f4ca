/* SPDX-License-Identifier: MIT */
/* The lanparty service's answers on its pipe; see service-conversation.h. */
#include "service-conversation.h"

#include <errno.h>
#include <string.h>

#include "invite.h"

static ServicePipeMessage *answer_add(ServiceConversationAnswer *a) {
        ServicePipeMessage *m = &a->message[a->n_messages++];

        memset(m, 0, sizeof(*m));
        return m;
}

static void refuse(ServiceConversationAnswer *a, uint8_t request, ServicePipeRefusal code, const char *text,
                   bool close) {
        service_pipe_refuse(request, code, text, answer_add(a));
        a->close = close;
}

static void accept_request(ServiceConversationAnswer *a, ServicePipeType request) {
        ServicePipeMessage *m = answer_add(a);

        m->type = SERVICE_PIPE_ACCEPTED;
        m->accepted.request = request;
}

static void answer_hello(ServiceConversation *c, const ServiceConversationState *state, const ServicePipeMessage *m,
                         ServicePipeCallerVerdict caller, ServiceConversationAnswer *a) {
        if (c->greeted)
                return refuse(a, SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_HELLO_FIRST, "HELLO was said already",
                              true);
        if (caller != SERVICE_PIPE_CALLER_ALLOWED)
                return refuse(a, SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_NOT_ALLOWED,
                              service_pipe_caller_verdict_to_string(caller), true);
        if (state->stopping)
                return refuse(a, SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_BUSY, "the lanparty service is stopping",
                              true);
        /* WELCOME, or REFUSED bad_version (which closes). */
        if (!service_pipe_answer_hello(&m->hello, answer_add(a))) {
                a->close = true;
                return;
        }
        c->greeted = true;
}

/* The parsed link holds the room key: through volatile, so the compiler
 * keeps the stores to a variable that dies right after. */
static void invite_wipe(Invite *invite) {
        volatile uint8_t *p = (volatile uint8_t *) invite;

        for (size_t i = 0; i < sizeof(*invite); i++)
                p[i] = 0;
}

/* The skeleton's JOIN: the link is checked as the service will check it,
 * then refused, since no session can start here yet. */
static void answer_join(const ServicePipeMessage *m, ServiceConversationAnswer *a) {
        InviteError why;
        Invite invite;

        if (invite_parse(m->join.link, &invite, &why) < 0)
                return refuse(a, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BAD_INVITE, invite_error_to_string(why),
                              false);
        /* Not "unknown_request": the service knows JOIN, and a client
         * would take that for an older service. internal ("the service
         * failed; the text says how", the pipe stays open) with the
         * reason is what a client shows as it is. */
        invite_wipe(&invite);
        refuse(a, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_INTERNAL, SERVICE_CONVERSATION_JOIN_NOT_YET, false);
}

static void answer_request(ServiceConversation *c, const ServiceConversationState *state,
                           const ServicePipeMessage *m, ServiceConversationAnswer *a) {
        ServicePipeMessage *session;

        switch (m->type) {
        case SERVICE_PIPE_JOIN:
                if (state->session.state == SERVICE_PIPE_SESSION_IN_ROOM)
                        return refuse(a, m->type, SERVICE_PIPE_REFUSAL_IN_ROOM, "leave the room first", false);
                return answer_join(m, a);
        case SERVICE_PIPE_LEAVE:
        case SERVICE_PIPE_CHECK:
                return refuse(a, m->type, SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, "not in a room", false);
        case SERVICE_PIPE_STATUS:
                accept_request(a, SERVICE_PIPE_STATUS);
                session = answer_add(a);
                session->type = SERVICE_PIPE_SESSION;
                session->session = state->session;
                c->subscribed = true;
                return;
        default:
                return refuse(a, (uint8_t) m->type, SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST, NULL, false);
        }
}

bool service_conversation_needs_caller_check(const ServiceConversation *c, int read, const ServicePipeMessage *m) {
        return c && m && read == 1 && m->type == SERVICE_PIPE_HELLO && !c->greeted;
}

int service_conversation_answer(ServiceConversation *c, const ServiceConversationState *state, int read,
                                const ServicePipeMessage *m, ServicePipeError error, ServicePipeCallerVerdict caller,
                                ServiceConversationAnswer *ret) {
        if (!c || !state || !m || !ret || (read != 1 && read != 2 && read != -EBADMSG))
                return -EINVAL;
        *ret = (ServiceConversationAnswer) { 0 };

        if (read == -EBADMSG)
                /* No resynchronising: say which rule, then close. */
                refuse(ret, 0, SERVICE_PIPE_REFUSAL_MALFORMED, service_pipe_error_to_string(error), true);
        else if (m->type == SERVICE_PIPE_HELLO)
                answer_hello(c, state, m, caller, ret);
        else if (!c->greeted)
                refuse(ret, (uint8_t) m->type, SERVICE_PIPE_REFUSAL_HELLO_FIRST, "say HELLO first", true);
        else if (read == 2)
                refuse(ret, (uint8_t) m->type, SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST, NULL, false);
        else
                answer_request(c, state, m, ret);
        return 0;
}
