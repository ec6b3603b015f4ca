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

/* A valid link while idle starts the session: JOIN accepted means it
 * started (docs/SERVICE-PIPE.md); how it goes comes on the status
 * stream. The parsed invite goes to the manager in the answer. */
static void answer_join(const ServiceConversationState *state, const ServicePipeMessage *m,
                        ServiceConversationAnswer *a) {
        InviteError why;

        if (state->stopping)
                return refuse(a, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BUSY, "the lanparty service is stopping",
                              true);
        if (state->session.state == SERVICE_PIPE_SESSION_IN_ROOM)
                return refuse(a, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_IN_ROOM, "leave the room first", false);
        if (invite_parse(m->join.link, &a->invite, &why) < 0)
                return refuse(a, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BAD_INVITE, invite_error_to_string(why),
                              false);
        accept_request(a, SERVICE_PIPE_JOIN);
        a->action = SERVICE_CONVERSATION_JOIN;
}

/* LEAVE and CHECK reach the session; without one there is nothing to reach. */
static void answer_session_request(const ServiceConversationState *state, ServicePipeType request,
                                   ServiceConversationAnswer *a) {
        if (state->session.state != SERVICE_PIPE_SESSION_IN_ROOM)
                return refuse(a, request, SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, "not in a room", false);
        accept_request(a, request);
        a->action = request == SERVICE_PIPE_LEAVE ? SERVICE_CONVERSATION_LEAVE : SERVICE_CONVERSATION_CHECK;
}

static void answer_status(ServiceConversation *c, const ServiceConversationState *state,
                          ServiceConversationAnswer *a) {
        ServicePipeMessage *m;

        accept_request(a, SERVICE_PIPE_STATUS);
        m = answer_add(a);
        m->type = SERVICE_PIPE_SESSION;
        m->session = state->session;
        if (state->session.state == SERVICE_PIPE_SESSION_IN_ROOM && state->has_lights) {
                m = answer_add(a);
                m->type = SERVICE_PIPE_LIGHTS;
                m->lights = state->lights;
        }
        c->subscribed = true;
}

static void answer_request(ServiceConversation *c, const ServiceConversationState *state,
                           const ServicePipeMessage *m, ServiceConversationAnswer *a) {
        switch (m->type) {
        case SERVICE_PIPE_JOIN:
                return answer_join(state, m, a);
        case SERVICE_PIPE_LEAVE:
        case SERVICE_PIPE_CHECK:
                return answer_session_request(state, m->type, a);
        case SERVICE_PIPE_STATUS:
                return answer_status(c, state, a);
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

/* Copies `text` into a text field of `max` bytes (plus NUL), valid. */
static size_t text_copy(char *field, size_t max, const char *text) {
        size_t len = text ? strnlen(text, max) : 0;

        memcpy(field, text ? text : "", len);
        field[len] = '\0';
        service_pipe_text_make_valid(field, len);
        return len;
}

void service_conversation_session(const Invite *invite, ServicePipeSession *ret) {
        *ret = (ServicePipeSession) { .state = SERVICE_PIPE_SESSION_IDLE };
        if (!invite)
                return;
        ret->state = SERVICE_PIPE_SESSION_IN_ROOM;
        /* invite_parse() checked both: a room name, a host of printable ASCII. */
        ret->room_len = text_copy(ret->room, LP_ROOM_NAME_MAX, invite->room);
        ret->relay_len = text_copy(ret->relay, LP_SERVICE_PIPE_RELAY_MAX, invite->host);
}

bool service_conversation_line(const char *text, ServicePipeMessage *ret) {
        *ret = (ServicePipeMessage) { .type = SERVICE_PIPE_LINE };
        ret->line.text_len = text_copy(ret->line.text, LP_SERVICE_PIPE_TEXT_MAX, text);
        return ret->line.text_len > 0;
}

void service_conversation_lights(const ClientLights *lights, ServicePipeMessage *ret) {
        *ret = (ServicePipeMessage) { .type = SERVICE_PIPE_LIGHTS };
        /* client-lights.h's colours and order are the wire's. */
        for (size_t i = 0; i < LP_SERVICE_PIPE_LIGHTS; i++) {
                ServicePipeLight *l = &ret->lights.light[i];

                l->color = (ServicePipeLightColor) lights->light[i].color;
                l->text_len = text_copy(l->text, LP_SERVICE_PIPE_LIGHT_TEXT_MAX, lights->light[i].text);
        }
}

void service_conversation_ended(bool failed, const char *text, ServicePipeMessage *ret) {
        *ret = (ServicePipeMessage) { .type = SERVICE_PIPE_ENDED };
        ret->ended.outcome = failed ? SERVICE_PIPE_OUTCOME_FAILED : SERVICE_PIPE_OUTCOME_LEFT;
        ret->ended.text_len = text_copy(ret->ended.text, LP_SERVICE_PIPE_TEXT_MAX, text);
}
