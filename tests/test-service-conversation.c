/* SPDX-License-Identifier: MIT */
/* The lanparty service's answers on its pipe (service-conversation.c):
 * HELLO first and once, the caller check's verdict, STATUS with SESSION
 * idle or in a room (with the lights), a JOIN accepted with the parsed
 * invite for the manager (bad_invite for a bad link, in_room in a room,
 * busy while stopping), LEAVE and CHECK reaching the session in a room
 * and not_in_room without one, unknown requests, malformed frames,
 * stopping; and the status stream's messages made from the session's
 * lines, lights and end. Each answer is encoded as the service would
 * send it. Runs on Linux and, in the cross build, under wine. */
#include <errno.h>
#include <string.h>

#include "invite.h"
#include "service-conversation.h"
#include "test-util.h"

#define LINK "lanparty://relay.example.org/party?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static const ServiceConversationState idle = { .session = { .state = SERVICE_PIPE_SESSION_IDLE } };

static ServicePipeMessage request(ServicePipeType type) {
        ServicePipeMessage m = { .type = type };

        if (type == SERVICE_PIPE_HELLO)
                m.hello.version = LP_SERVICE_PIPE_VERSION;
        return m;
}

static ServicePipeMessage join(const char *link) {
        ServicePipeMessage m = { .type = SERVICE_PIPE_JOIN };

        m.join.link_len = strlen(link);
        memcpy(m.join.link, link, m.join.link_len);
        return m;
}

/* Answers `m` (read as 1) and checks that every answer encodes. */
static ServiceConversationAnswer answer_full(ServiceConversation *c, const ServiceConversationState *state, int read,
                                             ServicePipeMessage m, ServicePipeCallerVerdict caller) {
        uint8_t frame[LP_SERVICE_PIPE_FRAME_MAX];
        ServiceConversationAnswer a;

        CHECK_EQ_INT(service_conversation_answer(c, state, read, &m, SERVICE_PIPE_ERROR_BAD_LENGTH, caller, &a), 0);
        CHECK(a.n_messages >= 1 && a.n_messages <= SERVICE_CONVERSATION_ANSWERS_MAX);
        for (size_t i = 0; i < a.n_messages; i++)
                CHECK(service_pipe_encode(&a.message[i], frame, sizeof(frame)) > 0);
        return a;
}

static ServiceConversationAnswer answer(ServiceConversation *c, ServicePipeMessage m) {
        return answer_full(c, &idle, 1, m, SERVICE_PIPE_CALLER_ALLOWED);
}

static void check_refused(const ServiceConversationAnswer *a, uint8_t request, ServicePipeRefusal code, bool close) {
        CHECK_EQ_INT(a->n_messages, 1);
        CHECK_EQ_INT(a->message[0].type, SERVICE_PIPE_REFUSED);
        CHECK_EQ_INT(a->message[0].refused.request, request);
        CHECK_EQ_INT(a->message[0].refused.code, code);
        CHECK_EQ_INT(a->message[0].refused.version, LP_SERVICE_PIPE_VERSION);
        CHECK_EQ_INT(a->close, close);
}

static void greet(ServiceConversation *c) {
        ServicePipeMessage hello = request(SERVICE_PIPE_HELLO);
        ServiceConversationAnswer a;

        *c = (ServiceConversation) { 0 };
        CHECK(service_conversation_needs_caller_check(c, 1, &hello));
        a = answer(c, hello);
        CHECK_EQ_INT(a.n_messages, 1);
        CHECK_EQ_INT(a.message[0].type, SERVICE_PIPE_WELCOME);
        CHECK_EQ_INT(a.message[0].welcome.version, LP_SERVICE_PIPE_VERSION);
        CHECK(!a.close);
        CHECK(c->greeted);
        CHECK(!service_conversation_needs_caller_check(c, 1, &hello));
}

static void test_hello(void) {
        ServicePipeMessage hello = request(SERVICE_PIPE_HELLO), old = hello;
        ServiceConversationState stopping = idle;
        ServiceConversation c = { 0 };
        ServiceConversationAnswer a;

        greet(&c);
        /* Once only. */
        check_refused((a = answer(&c, hello), &a), SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_HELLO_FIRST, true);

        /* Another version: refused, naming ours, and closed. */
        c = (ServiceConversation) { 0 };
        old.hello.version = LP_SERVICE_PIPE_VERSION + 1;
        check_refused((a = answer(&c, old), &a), SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_BAD_VERSION, true);
        CHECK(!c.greeted);

        /* The caller check's verdict, with its text. */
        for (ServicePipeCallerVerdict v = 0; v < _SERVICE_PIPE_CALLER_VERDICT_MAX; v++) {
                if (v == SERVICE_PIPE_CALLER_ALLOWED)
                        continue;
                c = (ServiceConversation) { 0 };
                a = answer_full(&c, &idle, 1, hello, v);
                check_refused(&a, SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_NOT_ALLOWED, true);
                CHECK_EQ_STR(a.message[0].refused.text, service_pipe_caller_verdict_to_string(v));
                CHECK(!c.greeted);
        }

        /* Stopping: busy, closed. */
        c = (ServiceConversation) { 0 };
        stopping.stopping = true;
        a = answer_full(&c, &stopping, 1, hello, SERVICE_PIPE_CALLER_ALLOWED);
        check_refused(&a, SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_BUSY, true);
}

static void test_hello_first(void) {
        static const ServicePipeType before[] = { SERVICE_PIPE_STATUS, SERVICE_PIPE_LEAVE, SERVICE_PIPE_CHECK };
        ServiceConversation c = { 0 };
        ServiceConversationAnswer a;

        for (size_t i = 0; i < ELEMENTSOF(before); i++) {
                CHECK(!service_conversation_needs_caller_check(&c, 1, &(ServicePipeMessage) { .type = before[i] }));
                check_refused((a = answer(&c, request(before[i])), &a), before[i], SERVICE_PIPE_REFUSAL_HELLO_FIRST,
                              true);
        }
        check_refused((a = answer(&c, join(LINK)), &a), SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_HELLO_FIRST, true);
        /* Also a type we do not know: HELLO comes first all the same. */
        a = answer_full(&c, &idle, 2, (ServicePipeMessage) { .type = 0x3f }, SERVICE_PIPE_CALLER_ALLOWED);
        check_refused(&a, 0x3f, SERVICE_PIPE_REFUSAL_HELLO_FIRST, true);
        CHECK(!c.greeted);
}

static void test_status(void) {
        ServiceConversation c;
        ServiceConversationAnswer a;

        greet(&c);
        a = answer(&c, request(SERVICE_PIPE_STATUS));
        CHECK_EQ_INT(a.n_messages, 2);
        CHECK_EQ_INT(a.message[0].type, SERVICE_PIPE_ACCEPTED);
        CHECK_EQ_INT(a.message[0].accepted.request, SERVICE_PIPE_STATUS);
        CHECK_EQ_INT(a.message[1].type, SERVICE_PIPE_SESSION);
        CHECK_EQ_INT(a.message[1].session.state, SERVICE_PIPE_SESSION_IDLE);
        CHECK_EQ_INT(a.message[1].session.room_len, 0);
        CHECK_EQ_INT(a.message[1].session.relay_len, 0);
        CHECK(!a.close);
        CHECK(c.subscribed);
}

static ServiceConversationState state_in_room(void) {
        ServiceConversationState in_room = { 0 };
        ClientLights l = { 0 };
        ServicePipeMessage m;
        Invite invite;

        CHECK(invite_parse(LINK, &invite, NULL) >= 0);
        service_conversation_session(&invite, &in_room.session);
        l.light[CLIENT_LIGHT_RELAY] = (ClientLight) { CLIENT_LIGHT_GREEN, "Joined" };
        service_conversation_lights(&l, &m);
        in_room.lights = m.lights;
        in_room.has_lights = true;
        return in_room;
}

static void test_join_leave_check(void) {
        ServiceConversationState in_room = state_in_room(), stopping = idle;
        ServiceConversation c;
        ServiceConversationAnswer a;

        greet(&c);
        /* A valid link while idle: accepted, the parsed invite for the manager. */
        a = answer(&c, join(LINK));
        CHECK_EQ_INT(a.n_messages, 1);
        CHECK_EQ_INT(a.message[0].type, SERVICE_PIPE_ACCEPTED);
        CHECK_EQ_INT(a.message[0].accepted.request, SERVICE_PIPE_JOIN);
        CHECK_EQ_INT(a.action, SERVICE_CONVERSATION_JOIN);
        CHECK_EQ_STR(a.invite.room, "party");
        CHECK_EQ_STR(a.invite.host, "relay.example.org");
        CHECK(!a.close);
        /* A link that is no invite: bad_invite, with invite.c's reason. */
        check_refused((a = answer(&c, join("lanparty://relay.example.org/party")), &a), SERVICE_PIPE_JOIN,
                      SERVICE_PIPE_REFUSAL_BAD_INVITE, false);
        CHECK_EQ_STR(a.message[0].refused.text, invite_error_to_string(INVITE_ERROR_KEY_MISSING));
        CHECK_EQ_INT(a.action, SERVICE_CONVERSATION_NONE);
        check_refused((a = answer(&c, join("http://x/y")), &a), SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BAD_INVITE,
                      false);
        /* In a room: in_room, nothing started. */
        a = answer_full(&c, &in_room, 1, join(LINK), SERVICE_PIPE_CALLER_ALLOWED);
        check_refused(&a, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_IN_ROOM, false);
        CHECK_EQ_INT(a.action, SERVICE_CONVERSATION_NONE);
        /* Stopping: busy, and the pipe closes. */
        stopping.stopping = true;
        a = answer_full(&c, &stopping, 1, join(LINK), SERVICE_PIPE_CALLER_ALLOWED);
        check_refused(&a, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BUSY, true);
        CHECK_EQ_INT(a.action, SERVICE_CONVERSATION_NONE);

        /* LEAVE and CHECK reach the session in a room... */
        a = answer_full(&c, &in_room, 1, request(SERVICE_PIPE_LEAVE), SERVICE_PIPE_CALLER_ALLOWED);
        CHECK_EQ_INT(a.n_messages, 1);
        CHECK_EQ_INT(a.message[0].type, SERVICE_PIPE_ACCEPTED);
        CHECK_EQ_INT(a.message[0].accepted.request, SERVICE_PIPE_LEAVE);
        CHECK_EQ_INT(a.action, SERVICE_CONVERSATION_LEAVE);
        a = answer_full(&c, &in_room, 1, request(SERVICE_PIPE_CHECK), SERVICE_PIPE_CALLER_ALLOWED);
        CHECK_EQ_INT(a.message[0].type, SERVICE_PIPE_ACCEPTED);
        CHECK_EQ_INT(a.message[0].accepted.request, SERVICE_PIPE_CHECK);
        CHECK_EQ_INT(a.action, SERVICE_CONVERSATION_CHECK);
        /* ...and not without one. */
        check_refused((a = answer(&c, request(SERVICE_PIPE_LEAVE)), &a), SERVICE_PIPE_LEAVE,
                      SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, false);
        CHECK_EQ_INT(a.action, SERVICE_CONVERSATION_NONE);
        check_refused((a = answer(&c, request(SERVICE_PIPE_CHECK)), &a), SERVICE_PIPE_CHECK,
                      SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, false);
        CHECK(c.greeted);
}

/* STATUS in a room: the room, its relay, and the lights as they are. */
static void test_status_in_room(void) {
        ServiceConversationState in_room = state_in_room();
        ServiceConversation c;
        ServiceConversationAnswer a;

        greet(&c);
        a = answer_full(&c, &in_room, 1, request(SERVICE_PIPE_STATUS), SERVICE_PIPE_CALLER_ALLOWED);
        CHECK_EQ_INT(a.n_messages, 3);
        CHECK_EQ_INT(a.message[0].type, SERVICE_PIPE_ACCEPTED);
        CHECK_EQ_INT(a.message[1].type, SERVICE_PIPE_SESSION);
        CHECK_EQ_INT(a.message[1].session.state, SERVICE_PIPE_SESSION_IN_ROOM);
        CHECK_EQ_STR(a.message[1].session.room, "party");
        CHECK_EQ_INT(a.message[1].session.room_len, 5);
        CHECK_EQ_STR(a.message[1].session.relay, "relay.example.org");
        CHECK_EQ_INT(a.message[2].type, SERVICE_PIPE_LIGHTS);
        CHECK_EQ_INT(a.message[2].lights.light[0].color, SERVICE_PIPE_LIGHT_GREEN);
        CHECK_EQ_STR(a.message[2].lights.light[0].text, "Joined");
        CHECK(c.subscribed);
        /* No lights yet (the session just started): SESSION alone. */
        in_room.has_lights = false;
        a = answer_full(&c, &in_room, 1, request(SERVICE_PIPE_STATUS), SERVICE_PIPE_CALLER_ALLOWED);
        CHECK_EQ_INT(a.n_messages, 2);
}

/* The status stream's messages from what the session says: cut to the
 * field, made valid, and encodable. */
static void test_stream_messages(void) {
        uint8_t frame[LP_SERVICE_PIPE_FRAME_MAX];
        char long_line[2000];
        ClientLights l = { 0 };
        ServicePipeMessage m;
        ServicePipeSession s;

        service_conversation_session(NULL, &s);
        CHECK_EQ_INT(s.state, SERVICE_PIPE_SESSION_IDLE);
        CHECK_EQ_INT(s.room_len + s.relay_len, 0);

        CHECK(service_conversation_line("Joining room party on relay ::1.", &m));
        CHECK_EQ_INT(m.type, SERVICE_PIPE_LINE);
        CHECK_EQ_STR(m.line.text, "Joining room party on relay ::1.");
        CHECK(!service_conversation_line("", &m));
        memset(long_line, 'x', sizeof(long_line) - 1);
        long_line[sizeof(long_line) - 1] = '\0';
        long_line[LP_SERVICE_PIPE_TEXT_MAX - 1] = '\xc3'; /* a sequence cut at the field's end */
        CHECK(service_conversation_line(long_line, &m));
        CHECK_EQ_INT(m.line.text_len, LP_SERVICE_PIPE_TEXT_MAX);
        CHECK_EQ_INT(m.line.text[LP_SERVICE_PIPE_TEXT_MAX - 1], '?');
        CHECK(service_pipe_encode(&m, frame, sizeof(frame)) > 0);
        CHECK(service_conversation_line("tab\there", &m));
        CHECK_EQ_STR(m.line.text, "tab?here");

        for (size_t i = 0; i < _CLIENT_LIGHT_KIND_MAX; i++)
                memset(l.light[i].text, 'y', CLIENT_LIGHT_TEXT_MAX - 1);
        l.light[CLIENT_LIGHT_RELAY].color = CLIENT_LIGHT_GREEN;
        l.light[CLIENT_LIGHT_GATEWAY].color = CLIENT_LIGHT_YELLOW;
        l.light[CLIENT_LIGHT_ADDRESS].color = CLIENT_LIGHT_RED;
        service_conversation_lights(&l, &m);
        CHECK_EQ_INT(m.lights.light[0].color, SERVICE_PIPE_LIGHT_GREEN);
        CHECK_EQ_INT(m.lights.light[1].color, SERVICE_PIPE_LIGHT_YELLOW);
        CHECK_EQ_INT(m.lights.light[2].color, SERVICE_PIPE_LIGHT_RED);
        CHECK_EQ_INT(m.lights.light[2].text_len, LP_SERVICE_PIPE_LIGHT_TEXT_MAX);
        CHECK(service_pipe_encode(&m, frame, sizeof(frame)) > 0);

        service_conversation_ended(false, NULL, &m);
        CHECK_EQ_INT(m.ended.outcome, SERVICE_PIPE_OUTCOME_LEFT);
        CHECK_EQ_INT(m.ended.text_len, 0);
        CHECK(service_pipe_encode(&m, frame, sizeof(frame)) > 0);
        service_conversation_ended(true, "Cannot find relay x.", &m);
        CHECK_EQ_INT(m.ended.outcome, SERVICE_PIPE_OUTCOME_FAILED);
        CHECK_EQ_STR(m.ended.text, "Cannot find relay x.");
}

static void test_unknown_and_malformed(void) {
        ServiceConversation c;
        ServiceConversationAnswer a;

        greet(&c);
        /* A request type we do not know: refused, the pipe stays open. */
        a = answer_full(&c, &idle, 2, (ServicePipeMessage) { .type = 0x3f }, SERVICE_PIPE_CALLER_ALLOWED);
        check_refused(&a, 0x3f, SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST, false);

        /* Malformed: request 0, the rule named, closed. */
        CHECK_EQ_INT(service_conversation_answer(&c, &idle, -EBADMSG, &(ServicePipeMessage) { 0 },
                                                 SERVICE_PIPE_ERROR_BAD_LENGTH, SERVICE_PIPE_CALLER_ALLOWED, &a),
                     0);
        check_refused(&a, 0, SERVICE_PIPE_REFUSAL_MALFORMED, true);
        CHECK_EQ_STR(a.message[0].refused.text, service_pipe_error_to_string(SERVICE_PIPE_ERROR_BAD_LENGTH));

        /* Nothing to answer, or nothing to answer with. */
        CHECK_EQ_INT(service_conversation_answer(&c, &idle, 0, &(ServicePipeMessage) { 0 }, 0, 0, &a), -EINVAL);
        CHECK_EQ_INT(service_conversation_answer(NULL, &idle, 1, &(ServicePipeMessage) { 0 }, 0, 0, &a), -EINVAL);
        CHECK_EQ_INT(service_conversation_answer(&c, &idle, 1, NULL, 0, 0, &a), -EINVAL);
        CHECK_EQ_INT(service_conversation_answer(&c, &idle, 1, &(ServicePipeMessage) { 0 }, 0, 0, NULL), -EINVAL);
        CHECK(!service_conversation_needs_caller_check(NULL, 1, &(ServicePipeMessage) { 0 }));
}

int main(void) {
        test_hello();
        test_hello_first();
        test_status();
        test_join_leave_check();
        test_status_in_room();
        test_stream_messages();
        test_unknown_and_malformed();
        return 0;
}
