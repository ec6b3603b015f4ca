/* SPDX-License-Identifier: MIT */
/* client.exe's decisions on its end of \\.\pipe\lanparty
 * (service-pipe-client-plan.c): whether the server end is trusted with an
 * invite link, what each message the service may send means while a
 * request is pending or none is, and the sentence a refusal is shown
 * with (bad_version naming which side to restart). On Linux and, in the
 * cross build, under wine. */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "service-pipe-client-plan.h"
#include "test-util.h"

static ServicePipeServerVerdict decide(ServicePipeServerFacts f) {
        return service_pipe_server_decide(&f);
}

static void test_server_verdict(void) {
        ServicePipeServerFacts f;

        CHECK_EQ_INT(service_pipe_server_decide(NULL), _SERVICE_PIPE_SERVER_VERDICT_INVALID);
        /* Nothing known: never trusted. */
        CHECK_EQ_INT(decide((ServicePipeServerFacts) { 0 }), SERVICE_PIPE_SERVER_UNKNOWN);
        /* Unread facts do not count, whatever their flags say. */
        CHECK_EQ_INT(decide((ServicePipeServerFacts) { .owner_is_system = true, .process_is_system = true }),
                     SERVICE_PIPE_SERVER_UNKNOWN);

        /* A user's squatter: owned by that user, served by their process. */
        f = (ServicePipeServerFacts) { .owner_read = true, .process_read = true };
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_SERVER_SQUATTER);
        f.process_read = false;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_SERVER_SQUATTER);
        /* A SYSTEM process serving an instance of a pipe somebody else
         * owns is still somebody else's pipe: the owner rules the DACL. */
        f = (ServicePipeServerFacts) { .owner_read = true, .process_read = true, .process_is_system = true };
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_SERVER_SQUATTER);
        /* The process alone, owner unreadable. */
        f = (ServicePipeServerFacts) { .process_read = true };
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_SERVER_SQUATTER);
        f.process_is_system = true;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_SERVER_TRUSTED);

        /* The service: owner SYSTEM or the Administrators, with or
         * without the process readable (a standard user cannot open a
         * SYSTEM process's token). */
        f = (ServicePipeServerFacts) { .owner_read = true, .owner_is_system = true };
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_SERVER_TRUSTED);
        f = (ServicePipeServerFacts) { .owner_read = true, .owner_is_administrators = true };
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_SERVER_TRUSTED);
        f = (ServicePipeServerFacts) { .owner_read = true, .owner_is_system = true, .process_read = true };
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_SERVER_TRUSTED);
        /* A test's own SID, when the test names it. */
        f = (ServicePipeServerFacts) { .owner_read = true, .owner_is_also_trusted = true };
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_SERVER_TRUSTED);

        for (int v = 0; v < _SERVICE_PIPE_SERVER_VERDICT_MAX; v++)
                CHECK(service_pipe_server_verdict_to_string(v));
        CHECK(!service_pipe_server_verdict_to_string(_SERVICE_PIPE_SERVER_VERDICT_MAX));
}

static ServicePipeMessage msg(ServicePipeType t) {
        ServicePipeMessage m;

        memset(&m, 0, sizeof(m));
        m.type = t;
        return m;
}

static ServicePipeClientAction act(uint8_t pending, ServicePipeMessage m) {
        return service_pipe_client_next_action(pending, &m, true);
}

static void test_answer_to_hello(void) {
        ServicePipeMessage m = msg(SERVICE_PIPE_WELCOME);

        m.welcome.version = LP_SERVICE_PIPE_VERSION;
        CHECK_EQ_INT(act(SERVICE_PIPE_HELLO, m), SERVICE_PIPE_CLIENT_WELCOMED);
        /* WELCOME with another version: the service had to refuse. */
        m.welcome.version = LP_SERVICE_PIPE_VERSION + 1;
        CHECK_EQ_INT(act(SERVICE_PIPE_HELLO, m), SERVICE_PIPE_CLIENT_VIOLATION);
        /* WELCOME unasked. */
        m.welcome.version = LP_SERVICE_PIPE_VERSION;
        CHECK_EQ_INT(act(SERVICE_PIPE_JOIN, m), SERVICE_PIPE_CLIENT_VIOLATION);
        CHECK_EQ_INT(act(0, m), SERVICE_PIPE_CLIENT_VIOLATION);

        m = msg(SERVICE_PIPE_REFUSED);
        m.refused.request = SERVICE_PIPE_HELLO;
        m.refused.code = SERVICE_PIPE_REFUSAL_BAD_VERSION;
        CHECK_EQ_INT(act(SERVICE_PIPE_HELLO, m), SERVICE_PIPE_CLIENT_REFUSED);
        m.refused.request = 0; /* not even a type read */
        CHECK_EQ_INT(act(SERVICE_PIPE_HELLO, m), SERVICE_PIPE_CLIENT_REFUSED);

        /* Before the versions agree, nothing else is understood. */
        CHECK_EQ_INT(act(SERVICE_PIPE_HELLO, msg(SERVICE_PIPE_ACCEPTED)), SERVICE_PIPE_CLIENT_VIOLATION);
        CHECK_EQ_INT(act(SERVICE_PIPE_HELLO, msg(SERVICE_PIPE_LINE)), SERVICE_PIPE_CLIENT_VIOLATION);
        CHECK_EQ_INT(act(SERVICE_PIPE_HELLO, msg(SERVICE_PIPE_SESSION)), SERVICE_PIPE_CLIENT_VIOLATION);
        CHECK_EQ_INT(service_pipe_client_next_action(SERVICE_PIPE_HELLO, &m, false), SERVICE_PIPE_CLIENT_VIOLATION);
}

static void test_answer_to_request(void) {
        static const uint8_t requests[] = { SERVICE_PIPE_JOIN, SERVICE_PIPE_LEAVE, SERVICE_PIPE_STATUS,
                                            SERVICE_PIPE_CHECK };
        static const ServicePipeType stream[] = { SERVICE_PIPE_SESSION, SERVICE_PIPE_LINE, SERVICE_PIPE_LIGHTS,
                                                  SERVICE_PIPE_ENDED };

        for (size_t i = 0; i < ELEMENTSOF(requests); i++) {
                ServicePipeMessage a = msg(SERVICE_PIPE_ACCEPTED), r = msg(SERVICE_PIPE_REFUSED);

                for (size_t j = 0; j < ELEMENTSOF(requests); j++) {
                        a.accepted.request = (ServicePipeType) requests[j];
                        r.refused.request = requests[j];
                        r.refused.code = SERVICE_PIPE_REFUSAL_IN_ROOM;
                        /* Only the answer to what is pending. */
                        CHECK_EQ_INT(act(requests[i], a),
                                     i == j ? SERVICE_PIPE_CLIENT_ACCEPTED : SERVICE_PIPE_CLIENT_VIOLATION);
                        CHECK_EQ_INT(act(requests[i], r),
                                     i == j ? SERVICE_PIPE_CLIENT_REFUSED : SERVICE_PIPE_CLIENT_VIOLATION);
                        /* And no answer when nothing is pending. */
                        CHECK_EQ_INT(act(0, a), SERVICE_PIPE_CLIENT_VIOLATION);
                        CHECK_EQ_INT(act(0, r), SERVICE_PIPE_CLIENT_VIOLATION);
                }
                /* The stream may come between a request and its answer. */
                for (size_t j = 0; j < ELEMENTSOF(stream); j++) {
                        CHECK_EQ_INT(act(requests[i], msg(stream[j])), SERVICE_PIPE_CLIENT_DISPATCH);
                        CHECK_EQ_INT(act(0, msg(stream[j])), SERVICE_PIPE_CLIENT_DISPATCH);
                }
                /* A newer service's message: skipped once talking. */
                CHECK_EQ_INT(service_pipe_client_next_action(requests[i], &a, false), SERVICE_PIPE_CLIENT_SKIP);
                CHECK_EQ_INT(service_pipe_client_next_action(0, &a, false), SERVICE_PIPE_CLIENT_SKIP);
                /* A WELCOME once talking. */
                CHECK_EQ_INT(act(requests[i], msg(SERVICE_PIPE_WELCOME)), SERVICE_PIPE_CLIENT_VIOLATION);
        }

        /* Requests never come from the service (the decoder stops them;
         * this does too), nor are they something we can be waiting on
         * when they are not ours. */
        CHECK_EQ_INT(act(SERVICE_PIPE_JOIN, msg(SERVICE_PIPE_JOIN)), SERVICE_PIPE_CLIENT_VIOLATION);
        CHECK_EQ_INT(act(0x3f, msg(SERVICE_PIPE_LINE)), _SERVICE_PIPE_CLIENT_ACTION_INVALID);
        CHECK_EQ_INT(act(SERVICE_PIPE_WELCOME, msg(SERVICE_PIPE_LINE)), _SERVICE_PIPE_CLIENT_ACTION_INVALID);
        CHECK_EQ_INT(service_pipe_client_next_action(0, NULL, true), _SERVICE_PIPE_CLIENT_ACTION_INVALID);
        for (int a = 0; a < _SERVICE_PIPE_CLIENT_ACTION_MAX; a++)
                CHECK(service_pipe_client_action_to_string(a));
}

static ServicePipeRefused refused(uint8_t request, ServicePipeRefusal code, uint16_t version, const char *text) {
        ServicePipeRefused r;

        memset(&r, 0, sizeof(r));
        r.request = request;
        r.code = code;
        r.version = version;
        r.text_len = strlen(text);
        memcpy(r.text, text, r.text_len);
        return r;
}

static void test_refusal_message(void) {
        char buf[SERVICE_PIPE_REFUSAL_MESSAGE_MAX];
        ServicePipeRefused r;
        int n;

        /* A newer service: this window is the one to restart. */
        r = refused(SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_BAD_VERSION, LP_SERVICE_PIPE_VERSION + 1, "");
        n = service_pipe_refusal_message(&r, buf, sizeof(buf));
        CHECK(n > 0 && (size_t) n == strlen(buf));
        fprintf(stderr, "%s\n", buf);
        CHECK(strstr(buf, "this lanparty window is older than the lanparty service"));
        CHECK(strstr(buf, "close lanparty"));
        CHECK(!strstr(buf, "restart the lanparty service"));
        /* An older service: the service is the one to restart. */
        r = refused(SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_BAD_VERSION, LP_SERVICE_PIPE_VERSION + 0, "x");
        r.version = 0; /* below ours; version 0 cannot come over the wire, any lower one would */
        (void) service_pipe_refusal_message(&r, buf, sizeof(buf));
        CHECK(strstr(buf, "the lanparty service is older than this lanparty window"));
        CHECK(strstr(buf, "restart the lanparty service"));
        CHECK(strstr(buf, "The service says: x"));

        /* Everything else: what was refused, the code, the service's words. */
        r = refused(SERVICE_PIPE_JOIN, SERVICE_PIPE_REFUSAL_BAD_INVITE, 1, "the room key is missing");
        CHECK(service_pipe_refusal_message(&r, buf, sizeof(buf)) > 0);
        CHECK_EQ_STR(buf, "The lanparty service refused to join the room (bad_invite): the room key is missing");
        r = refused(SERVICE_PIPE_LEAVE, SERVICE_PIPE_REFUSAL_NOT_IN_ROOM, 1, "");
        CHECK(service_pipe_refusal_message(&r, buf, sizeof(buf)) > 0);
        CHECK_EQ_STR(buf, "The lanparty service refused to leave the room (not_in_room).");
        r = refused(0, 200, 1, "new");
        CHECK(service_pipe_refusal_message(&r, buf, sizeof(buf)) > 0);
        CHECK_EQ_STR(buf, "The lanparty service refused to do what was asked (unknown): new");

        /* The longest text fits the documented size; a small buffer is
         * refused, not cut. */
        char longest[LP_SERVICE_PIPE_REFUSED_TEXT_MAX + 1];
        memset(longest, 'a', LP_SERVICE_PIPE_REFUSED_TEXT_MAX);
        longest[LP_SERVICE_PIPE_REFUSED_TEXT_MAX] = '\0';
        r = refused(SERVICE_PIPE_CHECK, SERVICE_PIPE_REFUSAL_INTERNAL, 1, longest);
        CHECK(service_pipe_refusal_message(&r, buf, sizeof(buf)) > 0);
        r = refused(SERVICE_PIPE_HELLO, SERVICE_PIPE_REFUSAL_BAD_VERSION, 7, longest);
        CHECK(service_pipe_refusal_message(&r, buf, sizeof(buf)) > 0);
        CHECK_EQ_INT(service_pipe_refusal_message(&r, buf, 20), -ENOBUFS);
        CHECK_EQ_INT(service_pipe_refusal_message(NULL, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(service_pipe_refusal_message(&r, NULL, 0), -EINVAL);
}

static void test_refusal_codes(void) {
        /* The table of docs/SERVICE-PIPE.md. */
        CHECK(service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_BAD_VERSION));
        CHECK(service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_MALFORMED));
        CHECK(service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_HELLO_FIRST));
        CHECK(!service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST));
        CHECK(!service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_BAD_INVITE));
        CHECK(!service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_IN_ROOM));
        CHECK(!service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_NOT_IN_ROOM));
        CHECK(service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_NOT_ALLOWED));
        CHECK(service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_BUSY));
        CHECK(!service_pipe_refusal_closes(SERVICE_PIPE_REFUSAL_INTERNAL));
        CHECK(service_pipe_refusal_closes(200));

        CHECK_EQ_INT(service_pipe_refusal_to_errno(SERVICE_PIPE_REFUSAL_BAD_VERSION), -EPROTONOSUPPORT);
        CHECK_EQ_INT(service_pipe_refusal_to_errno(SERVICE_PIPE_REFUSAL_BAD_INVITE), -EINVAL);
        CHECK_EQ_INT(service_pipe_refusal_to_errno(SERVICE_PIPE_REFUSAL_IN_ROOM), -EALREADY);
        CHECK_EQ_INT(service_pipe_refusal_to_errno(SERVICE_PIPE_REFUSAL_NOT_IN_ROOM), -ENOTCONN);
        CHECK_EQ_INT(service_pipe_refusal_to_errno(SERVICE_PIPE_REFUSAL_NOT_ALLOWED), -EACCES);
        CHECK_EQ_INT(service_pipe_refusal_to_errno(SERVICE_PIPE_REFUSAL_BUSY), -EBUSY);
        CHECK_EQ_INT(service_pipe_refusal_to_errno(SERVICE_PIPE_REFUSAL_MALFORMED), -EPROTO);
        CHECK_EQ_INT(service_pipe_refusal_to_errno(200), -EPROTO);
}

int main(void) {
        RUN(test_server_verdict);
        RUN(test_answer_to_hello);
        RUN(test_answer_to_request);
        RUN(test_refusal_message);
        RUN(test_refusal_codes);
        return 0;
}
