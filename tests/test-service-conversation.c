/* SPDX-License-Identifier: MIT */
/* The lanparty service skeleton's answers on its pipe
 * (service-conversation.c): HELLO first and once, the caller check's
 * verdict, STATUS with SESSION idle, a JOIN refused (bad_invite for a
 * bad link, internal "cannot join rooms yet" for a good one), LEAVE and
 * CHECK not_in_room, unknown requests, malformed frames, stopping. Each
 * answer is encoded as the service would send it. Runs on Linux and,
 * in the cross build, under wine. */
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

static void test_join_leave_check(void) {
        ServiceConversationState in_room = { .session = { .state = SERVICE_PIPE_SESSION_IN_ROOM } };
        ServiceConversation c;
        ServiceConversationAnswer a;

        greet(&c);
        /* A valid link: refused as the skeleton cannot join yet; the pipe stays. */
        check_refused((a = answer(&c, join(LINK)), &a), SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_INTERNAL, false);
        CHECK_EQ_STR(a.message[0].refused.text, SERVICE_CONVERSATION_JOIN_NOT_YET);
        /* A link that is no invite: bad_invite, with invite.c's reason. */
        check_refused((a = answer(&c, join("lanparty://relay.example.org/party")), &a), SERVICE_PIPE_JOIN,
                      SERVICE_PIPE_REFUSAL_BAD_INVITE, false);
        CHECK_EQ_STR(a.message[0].refused.text, invite_error_to_string(INVITE_ERROR_KEY_MISSING));
        check_refused((a = answer(&c, join("http://x/y")), &a), SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BAD_INVITE,
                      false);
        /* In a room (not in the skeleton, but the rule stands): in_room. */
        a = answer_full(&c, &in_room, 1, join(LINK), SERVICE_PIPE_CALLER_ALLOWED);
        check_refused(&a, SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_IN_ROOM, false);

        check_refused((a = answer(&c, request(SERVICE_PIPE_LEAVE)), &a), SERVICE_PIPE_LEAVE,
                      SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, false);
        check_refused((a = answer(&c, request(SERVICE_PIPE_CHECK)), &a), SERVICE_PIPE_CHECK,
                      SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, false);
        CHECK(c.greeted);
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
        test_unknown_and_malformed();
        return 0;
}
