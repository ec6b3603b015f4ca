/* SPDX-License-Identifier: MIT */
#include "bus-polkit.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "log.h"

/* Long enough for a person to answer an authentication agent's prompt. */
#define POLKIT_INTERACTIVE_TIMEOUT_USEC (UINT64_C(300) * UINT64_C(1000000))
#define POLKIT_CHECK_ALLOW_USER_INTERACTION UINT32_C(1)

typedef struct PolkitQuery PolkitQuery;

struct PolkitQuery {
        PolkitRegistry *registry;
        PolkitQuery *prev, *next;
        sd_bus_message *request; /* the method call being authorized */
        char *action;
        sd_bus_slot *slot;       /* pending CheckAuthorization, NULL once answered */
        sd_bus_message *reply;   /* polkit's answer (or error), NULL while pending */
};

struct PolkitRegistry {
        PolkitQuery *queries;
        unsigned n_queries;
};

static PolkitQuery *polkit_query_free(PolkitQuery *q) {
        if (!q)
                return NULL;

        if (q->registry) {
                if (q->prev)
                        q->prev->next = q->next;
                else
                        q->registry->queries = q->next;
                if (q->next)
                        q->next->prev = q->prev;
                q->registry->n_queries--;
        }

        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        sd_bus_message_unref(q->reply);
        free(q->action);
        free(q);
        return NULL;
}

PolkitRegistry *polkit_registry_free(PolkitRegistry *registry) {
        if (!registry)
                return NULL;

        while (registry->queries)
                polkit_query_free(registry->queries);
        free(registry);
        return NULL;
}

static PolkitQuery *polkit_registry_find(PolkitRegistry *registry, sd_bus_message *call) {
        if (!registry)
                return NULL;
        for (PolkitQuery *q = registry->queries; q; q = q->next)
                if (q->request == call)
                        return q;
        return NULL;
}

static int polkit_callback(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        int r;

        /* sd-bus holds its own reference to the slot while we run. */
        q->slot = sd_bus_slot_unref(q->slot);
        q->reply = sd_bus_message_ref(reply);

        /* Dispatch the original call again; the handler then finds the
         * stored verdict in the registry. */
        r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->request), q->request);
        if (r < 0) {
                log_error_errno(r, "Failed to requeue method call after polkit answered: %m");
                (void) sd_bus_reply_method_errnof(q->request, r, "Failed to process authorization: %m");
                polkit_query_free(q);
        }
        return 0;
}

static int polkit_query_verdict(PolkitQuery *q, const char *action, sd_bus_error *error) {
        int authorized, challenge, r;

        /* The same message with a different action would mean the handler
         * asks for something other than what polkit answered. */
        if (strcmp(q->action, action) != 0)
                return -ESTALE;

        if (sd_bus_message_is_method_error(q->reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(q->reply);

                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                                "Access denied: polkit is not available and the caller is not root.");
                return sd_bus_error_copy(error, e);
        }

        r = sd_bus_message_enter_container(q->reply, 'r', "bba{ss}");
        if (r < 0)
                return r;
        r = sd_bus_message_read(q->reply, "bb", &authorized, &challenge);
        if (r < 0)
                return r;

        if (authorized)
                return 1;
        if (challenge)
                return sd_bus_error_set(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                        "Interactive authentication required.");
        return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Access denied.");
}

/* > 0 when the sender runs as root. */
static int sender_is_root(sd_bus_message *call) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r == -ENODATA)
                return 0;
        if (r < 0)
                return r;
        return uid == 0;
}

static int polkit_check_send(PolkitQuery *q, const char *sender, const char *const *details) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *pk = NULL;
        sd_bus *bus = sd_bus_message_get_bus(q->request);
        bool interactive = sd_bus_message_get_allow_interactive_authorization(q->request) > 0;
        int r;

        r = sd_bus_message_new_method_call(bus, &pk, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r < 0)
                return r;

        r = sd_bus_message_append(pk, "(sa{sv})s", "system-bus-name", 1, "name", "s", sender, q->action);
        if (r < 0)
                return r;

        r = sd_bus_message_open_container(pk, 'a', "{ss}");
        if (r < 0)
                return r;
        for (size_t i = 0; details && details[i]; i += 2) {
                r = sd_bus_message_append(pk, "{ss}", details[i], details[i + 1]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(pk);
        if (r < 0)
                return r;

        r = sd_bus_message_append(pk, "us", interactive ? POLKIT_CHECK_ALLOW_USER_INTERACTION : UINT32_C(0), "");
        if (r < 0)
                return r;

        return sd_bus_call_async(bus, &q->slot, pk, polkit_callback, q,
                                 interactive ? POLKIT_INTERACTIVE_TIMEOUT_USEC : 0);
}

int bus_verify_polkit_async(sd_bus_message *call, const char *action, const char *const *details,
                            PolkitRegistry **registry, sd_bus_error *error) {
        PolkitQuery *q;
        const char *sender;
        size_t n_details = 0;
        int r;

        if (!call || !action || !registry)
                return -EINVAL;
        while (details && details[n_details])
                n_details++;
        if (n_details % 2 != 0)
                return -EINVAL;

        q = polkit_registry_find(*registry, call);
        if (q) {
                if (!q->reply)
                        return 0; /* delivered again before polkit answered: keep waiting */
                r = polkit_query_verdict(q, action, error);
                polkit_query_free(q);
                return r;
        }

        r = sender_is_root(call);
        if (r < 0)
                return r;
        if (r > 0)
                return 1;

        sender = sd_bus_message_get_sender(call);
        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Access denied: caller has no bus name to authorize.");

        if (!*registry) {
                *registry = calloc(1, sizeof(PolkitRegistry));
                if (!*registry)
                        return -ENOMEM;
        }
        if ((*registry)->n_queries >= POLKIT_PENDING_MAX)
                return sd_bus_error_set(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                        "Too many authorization checks pending, try again later.");

        q = calloc(1, sizeof(PolkitQuery));
        if (!q)
                return -ENOMEM;
        *q = (PolkitQuery) {
                .registry = *registry,
                .next = (*registry)->queries,
                .request = sd_bus_message_ref(call),
                .action = strdup(action),
        };
        if (q->next)
                q->next->prev = q;
        (*registry)->queries = q;
        (*registry)->n_queries++;
        if (!q->action) {
                polkit_query_free(q);
                return -ENOMEM;
        }

        r = polkit_check_send(q, sender, details);
        if (r < 0) {
                polkit_query_free(q);
                return r;
        }
        return 0;
}
