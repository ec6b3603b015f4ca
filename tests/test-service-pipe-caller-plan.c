/* SPDX-License-Identifier: MIT */
/* Whether the lanparty service acts for the program at the client end
 * of its pipe (service-pipe-caller-plan.c): every way a caller can be
 * refused on its own, then together (the first rule broken is named),
 * then the callers that must get through. Runs on Linux and, in the
 * cross build, under wine. */
#include <errno.h>

#include "service-pipe-caller-plan.h"
#include "test-util.h"

/* A standard user's client.exe in their desktop session, as UAC starts
 * it (asInvoker): INTERACTIVE enabled, session 1, medium integrity. */
static ServicePipeCallerFacts player(void) {
        return (ServicePipeCallerFacts) {
                .token_read = true,
                .interactive = true,
                .session_id = 1,
                .integrity = SERVICE_PIPE_INTEGRITY_MEDIUM,
        };
}

static ServicePipeCallerVerdict decide(ServicePipeCallerFacts f) {
        return service_pipe_caller_decide(&f);
}

static void test_hostile(void) {
        ServicePipeCallerFacts f;

        CHECK_EQ_INT(service_pipe_caller_decide(NULL), _SERVICE_PIPE_CALLER_VERDICT_INVALID);

        /* Nothing known: the zero facts refuse. */
        CHECK_EQ_INT(decide((ServicePipeCallerFacts) { 0 }), SERVICE_PIPE_CALLER_NO_TOKEN);

        /* Anonymous, whatever else the (default) facts say. */
        f = player();
        f.anonymous = true;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_ANONYMOUS);
        f.token_read = false;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_ANONYMOUS);

        /* A token that could not be read: fail closed, even when the
         * rest looks like a player's. */
        f = player();
        f.token_read = false;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_NO_TOKEN);

        /* A network logon (an SMB session, a remote PowerShell). */
        f = player();
        f.network = true;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_NETWORK);
        f.interactive = false;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_NETWORK);

        /* A service, a scheduled task, SYSTEM: no INTERACTIVE group (or
         * only deny-only, which the reader reports as absent). */
        f = player();
        f.interactive = false;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_NOT_INTERACTIVE);
        f.session_id = 0;
        f.integrity = 0x4000; /* system */
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_NOT_INTERACTIVE);

        /* INTERACTIVE in session 0: a service that logged a user on
         * (LogonUser(LOGON32_LOGON_INTERACTIVE)) and calls for them. */
        f = player();
        f.session_id = SERVICE_PIPE_SERVICES_SESSION;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SERVICES_SESSION);

        /* Sandboxes, each on its own. */
        f = player();
        f.restricted = true;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SANDBOXED);
        f = player();
        f.app_container = true;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SANDBOXED);
        f = player();
        f.integrity = SERVICE_PIPE_INTEGRITY_LOW; /* a browser's renderer, Protected Mode */
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SANDBOXED);
        f.integrity = SERVICE_PIPE_INTEGRITY_MEDIUM - 1;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SANDBOXED);
        f.integrity = 0; /* untrusted, or no label read */
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SANDBOXED);
}

static void test_order(void) {
        ServicePipeCallerFacts f = {
                .anonymous = true,
                .network = true,
                .session_id = 0,
                .restricted = true,
                .app_container = true,
                .integrity = 0,
        };

        /* Every rule broken: the first one is named, and mending each in
         * turn names the next. */
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_ANONYMOUS);
        f.anonymous = false;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_NO_TOKEN);
        f.token_read = true;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_NETWORK);
        f.network = false;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_NOT_INTERACTIVE);
        f.interactive = true;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SERVICES_SESSION);
        f.session_id = 2;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SANDBOXED);
        f.restricted = false;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SANDBOXED);
        f.app_container = false;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_SANDBOXED);
        f.integrity = SERVICE_PIPE_INTEGRITY_MEDIUM;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_ALLOWED);
}

static void test_allowed(void) {
        ServicePipeCallerFacts f = player();

        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_ALLOWED);
        /* An administrator's elevated client.exe --cli. */
        f.integrity = 0x3000;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_ALLOWED);
        /* UIAccess programs run at medium plus. */
        f.integrity = 0x2100;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_ALLOWED);
        /* A second user (fast user switching) or Remote Desktop: another
         * session, still INTERACTIVE. */
        f = player();
        f.session_id = 3;
        CHECK_EQ_INT(decide(f), SERVICE_PIPE_CALLER_ALLOWED);
}

static void test_strings(void) {
        for (int v = 0; v < _SERVICE_PIPE_CALLER_VERDICT_MAX; v++)
                CHECK(service_pipe_caller_verdict_to_string(v));
        CHECK(!service_pipe_caller_verdict_to_string(_SERVICE_PIPE_CALLER_VERDICT_MAX));
        CHECK(!service_pipe_caller_verdict_to_string(_SERVICE_PIPE_CALLER_VERDICT_INVALID));
        CHECK_EQ_STR(service_pipe_caller_verdict_to_string(SERVICE_PIPE_CALLER_NETWORK),
                     "is a network logon, not a user at this PC");
}

int main(void) {
        RUN(test_hostile);
        RUN(test_order);
        RUN(test_allowed);
        RUN(test_strings);
        return 0;
}
