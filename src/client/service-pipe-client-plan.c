/* SPDX-License-Identifier: MIT */
#include "service-pipe-client-plan.h"

#include <stdio.h>

#include "macro.h"
#include "string-table.h"

static const char *const service_pipe_server_verdict_table[_SERVICE_PIPE_SERVER_VERDICT_MAX] = {
        [SERVICE_PIPE_SERVER_TRUSTED] = "is the lanparty service",
        [SERVICE_PIPE_SERVER_UNKNOWN] = "cannot be told apart from another program",
        [SERVICE_PIPE_SERVER_SQUATTER] = "is another program, not the lanparty service",
};

static const char *const service_pipe_client_action_table[_SERVICE_PIPE_CLIENT_ACTION_MAX] = {
        [SERVICE_PIPE_CLIENT_WELCOMED] = "welcomed",
        [SERVICE_PIPE_CLIENT_ACCEPTED] = "accepted",
        [SERVICE_PIPE_CLIENT_REFUSED] = "refused",
        [SERVICE_PIPE_CLIENT_DISPATCH] = "dispatch",
        [SERVICE_PIPE_CLIENT_SKIP] = "skip",
        [SERVICE_PIPE_CLIENT_VIOLATION] = "violation",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(service_pipe_server_verdict, ServicePipeServerVerdict)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(service_pipe_client_action, ServicePipeClientAction)

ServicePipeServerVerdict service_pipe_server_decide(const ServicePipeServerFacts *f) {
        if (!f)
                return _SERVICE_PIPE_SERVER_VERDICT_INVALID;
        /* The owner rules the pipe's DACL, and so who may add instances
         * to it: a pipe anybody else owns is not the service's, whoever
         * serves this one instance. */
        if (f->owner_read)
                return f->owner_is_system || f->owner_is_administrators || f->owner_is_also_trusted ?
                               SERVICE_PIPE_SERVER_TRUSTED :
                               SERVICE_PIPE_SERVER_SQUATTER;
        if (f->process_read)
                return f->process_is_system ? SERVICE_PIPE_SERVER_TRUSTED : SERVICE_PIPE_SERVER_SQUATTER;
        return SERVICE_PIPE_SERVER_UNKNOWN;
}

static bool request_is_answerable(uint8_t pending) {
        return pending == SERVICE_PIPE_JOIN || pending == SERVICE_PIPE_LEAVE || pending == SERVICE_PIPE_STATUS ||
               pending == SERVICE_PIPE_CHECK;
}

ServicePipeClientAction service_pipe_client_next_action(uint8_t pending, const ServicePipeMessage *m, bool known) {
        bool greeting = pending == SERVICE_PIPE_HELLO;

        if (!m)
                return _SERVICE_PIPE_CLIENT_ACTION_INVALID;
        if (pending != 0 && !greeting && !request_is_answerable(pending))
                return _SERVICE_PIPE_CLIENT_ACTION_INVALID;
        /* Until the versions agree nothing but the answer to HELLO can
         * be understood. */
        if (!known)
                return greeting ? SERVICE_PIPE_CLIENT_VIOLATION : SERVICE_PIPE_CLIENT_SKIP;

        switch (m->type) {
        case SERVICE_PIPE_WELCOME:
                return greeting && m->welcome.version == LP_SERVICE_PIPE_VERSION ? SERVICE_PIPE_CLIENT_WELCOMED :
                                                                                  SERVICE_PIPE_CLIENT_VIOLATION;
        case SERVICE_PIPE_REFUSED:
                /* Request 0: the service could not read a type, so it is
                 * about what we sent last. */
                return pending != 0 && (m->refused.request == pending || m->refused.request == 0) ?
                               SERVICE_PIPE_CLIENT_REFUSED :
                               SERVICE_PIPE_CLIENT_VIOLATION;
        case SERVICE_PIPE_ACCEPTED:
                return !greeting && pending != 0 && m->accepted.request == (ServicePipeType) pending ?
                               SERVICE_PIPE_CLIENT_ACCEPTED :
                               SERVICE_PIPE_CLIENT_VIOLATION;
        case SERVICE_PIPE_SESSION:
        case SERVICE_PIPE_LINE:
        case SERVICE_PIPE_LIGHTS:
        case SERVICE_PIPE_ENDED:
                return greeting ? SERVICE_PIPE_CLIENT_VIOLATION : SERVICE_PIPE_CLIENT_DISPATCH;
        default:
                return SERVICE_PIPE_CLIENT_VIOLATION; /* a request: the decoder does not let one through */
        }
}

bool service_pipe_refusal_closes(ServicePipeRefusal code) {
        switch (code) {
        case SERVICE_PIPE_REFUSAL_UNKNOWN_REQUEST:
        case SERVICE_PIPE_REFUSAL_BAD_INVITE:
        case SERVICE_PIPE_REFUSAL_IN_ROOM:
        case SERVICE_PIPE_REFUSAL_NOT_IN_ROOM:
        case SERVICE_PIPE_REFUSAL_INTERNAL:
                return false;
        default:
                return true;
        }
}

int service_pipe_refusal_to_errno(ServicePipeRefusal code) {
        switch (code) {
        case SERVICE_PIPE_REFUSAL_BAD_VERSION:
                return -EPROTONOSUPPORT;
        case SERVICE_PIPE_REFUSAL_BAD_INVITE:
                return -EINVAL;
        case SERVICE_PIPE_REFUSAL_IN_ROOM:
                return -EALREADY;
        case SERVICE_PIPE_REFUSAL_NOT_IN_ROOM:
                return -ENOTCONN;
        case SERVICE_PIPE_REFUSAL_NOT_ALLOWED:
                return -EACCES;
        case SERVICE_PIPE_REFUSAL_BUSY:
                return -EBUSY;
        default:
                return -EPROTO;
        }
}

static const char *refused_what(uint8_t request) {
        switch (request) {
        case SERVICE_PIPE_HELLO:
                return "talk to this program";
        case SERVICE_PIPE_JOIN:
                return "join the room";
        case SERVICE_PIPE_LEAVE:
                return "leave the room";
        case SERVICE_PIPE_STATUS:
                return "send its status";
        case SERVICE_PIPE_CHECK:
                return "run the party check";
        default:
                return "do what was asked";
        }
}

/* Both come from one installer: a difference means one of them still
 * runs from before an update, and the older one is the one to restart. */
static const char *version_advice(uint16_t service_version) {
        if (service_version > LP_SERVICE_PIPE_VERSION)
                return "this lanparty window is older than the lanparty service: close lanparty (also its tray "
                       "icon) and start it again; if that does not help, install lanparty again";
        if (service_version < LP_SERVICE_PIPE_VERSION)
                return "the lanparty service is older than this lanparty window: restart the lanparty service "
                       "(or Windows); if that does not help, install lanparty again";
        return "both say they speak the same version: install lanparty again";
}

int service_pipe_refusal_message(const ServicePipeRefused *r, char *buf, size_t size) {
        int n;

        if (!r || !buf)
                return -EINVAL;
        if (r->code == SERVICE_PIPE_REFUSAL_BAD_VERSION)
                n = snprintf(buf, size,
                             "The lanparty service speaks version %u of its pipe protocol, this program %u: %s.%s%s",
                             (unsigned) r->version, (unsigned) LP_SERVICE_PIPE_VERSION, version_advice(r->version),
                             r->text_len > 0 ? " The service says: " : "", r->text_len > 0 ? r->text : "");
        else
                n = snprintf(buf, size, "The lanparty service refused to %s (%s)%s%s", refused_what(r->request),
                             service_pipe_refusal_to_string(r->code), r->text_len > 0 ? ": " : ".",
                             r->text_len > 0 ? r->text : "");
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return n;
}
