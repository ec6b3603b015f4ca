/* SPDX-License-Identifier: MIT */
#include "service-pipe-caller-plan.h"
#include "string-table.h"

static const char *const service_pipe_caller_verdict_table[_SERVICE_PIPE_CALLER_VERDICT_MAX] = {
        [SERVICE_PIPE_CALLER_ALLOWED] = "is a user logged on at this PC",
        [SERVICE_PIPE_CALLER_ANONYMOUS] = "did not say who it is (anonymous)",
        [SERVICE_PIPE_CALLER_NO_TOKEN] = "could not be identified",
        [SERVICE_PIPE_CALLER_NETWORK] = "is a network logon, not a user at this PC",
        [SERVICE_PIPE_CALLER_NOT_INTERACTIVE] = "is not a user logged on at this PC (a service or a batch job)",
        [SERVICE_PIPE_CALLER_SERVICES_SESSION] = "runs in the services' session, not in a user's",
        [SERVICE_PIPE_CALLER_SANDBOXED] = "runs in a sandbox (a restricted token, an app container or low integrity)",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(service_pipe_caller_verdict, ServicePipeCallerVerdict)

ServicePipeCallerVerdict service_pipe_caller_decide(const ServicePipeCallerFacts *facts) {
        if (!facts)
                return _SERVICE_PIPE_CALLER_VERDICT_INVALID;
        /* Who it is, before what it is: without a readable token every
         * other fact is a default, not a fact. */
        if (facts->anonymous)
                return SERVICE_PIPE_CALLER_ANONYMOUS;
        if (!facts->token_read)
                return SERVICE_PIPE_CALLER_NO_TOKEN;
        /* Before INTERACTIVE: a token that has both is a network logon
         * that somebody gave an interactive group, not a person here. */
        if (facts->network)
                return SERVICE_PIPE_CALLER_NETWORK;
        if (!facts->interactive)
                return SERVICE_PIPE_CALLER_NOT_INTERACTIVE;
        if (facts->session_id == SERVICE_PIPE_SERVICES_SESSION)
                return SERVICE_PIPE_CALLER_SERVICES_SESSION;
        if (facts->restricted || facts->app_container || facts->integrity < SERVICE_PIPE_INTEGRITY_MEDIUM)
                return SERVICE_PIPE_CALLER_SANDBOXED;
        return SERVICE_PIPE_CALLER_ALLOWED;
}
