/* SPDX-License-Identifier: MIT */
/* What client.exe --restore makes of the names in a state directory
 * (restore-win-plan.c): names that are not route-win.c's, or whose
 * instance route-win.c would refuse, first. Runs on Linux and under wine. */
#include <errno.h>
#include <string.h>

#include "restore-win-plan.h"
#include "test-util.h"

static void test_classify_hostile(void) {
        char instance[ROUTE_INSTANCE_MAX + 1], long_name[ROUTE_INSTANCE_MAX + 32];
        static const char *const not_ours[] = {
                "",
                "routes-",
                "routes-.state",
                "routes-.lock",
                "routes-.state.tmp",
                "routes.state",
                "route-tap.state",
                "xroutes-tap.state",
                "routes-tap",
                "routes-tap.stat",
                "routes-tap.state~",
                "routes-tap.tmp",
                "routes-tap.lock.tmp",
                "routes-.hidden.state", /* a leading dot */
                "routes-a b.state",     /* a space */
                "routes-a\\b.state",
                "routes-../x.state",
                "client-mac",
                "notes.txt",
        };

        for (size_t i = 0; i < ELEMENTSOF(not_ours); i++) {
                strcpy(instance, "untouched");
                if (restore_file_classify(not_ours[i], instance) != _RESTORE_FILE_KIND_INVALID) {
                        fprintf(stderr, "\"%s\" taken for route state\n", not_ours[i]);
                        CHECK(false);
                }
        }
        CHECK_EQ_INT(restore_file_classify(NULL, instance), _RESTORE_FILE_KIND_INVALID);

        /* An instance one longer than route-win.c takes. */
        memcpy(long_name, "routes-", 7);
        memset(long_name + 7, 'a', ROUTE_INSTANCE_MAX + 1);
        strcpy(long_name + 7 + ROUTE_INSTANCE_MAX + 1, ".state");
        CHECK_EQ_INT(restore_file_classify(long_name, instance), _RESTORE_FILE_KIND_INVALID);
        /* And exactly as long. */
        strcpy(long_name + 7 + ROUTE_INSTANCE_MAX, ".state");
        CHECK_EQ_INT(restore_file_classify(long_name, instance), RESTORE_FILE_STATE);
        CHECK_EQ_INT(strlen(instance), ROUTE_INSTANCE_MAX);
}

static void test_classify(void) {
        char instance[ROUTE_INSTANCE_MAX + 1];

        CHECK_EQ_INT(restore_file_classify("routes-tap.state", instance), RESTORE_FILE_STATE);
        CHECK_EQ_STR(instance, "tap");
        CHECK_EQ_INT(restore_file_classify("routes-tap.interfaces", instance), RESTORE_FILE_INTERFACES);
        CHECK_EQ_STR(instance, "tap");
        CHECK_EQ_INT(restore_file_classify("routes-tap.lock", instance), RESTORE_FILE_LOCK);
        CHECK_EQ_STR(instance, "tap");
        CHECK_EQ_INT(restore_file_classify("routes-tap.state.tmp", instance), RESTORE_FILE_TMP);
        CHECK_EQ_STR(instance, "tap");
        CHECK_EQ_INT(restore_file_classify("routes-tap.interfaces.tmp", instance), RESTORE_FILE_TMP);
        CHECK_EQ_STR(instance, "tap");
        /* main-win.c names instances after --tap-instance-id. */
        CHECK_EQ_INT(restore_file_classify("routes-{01234567-89AB-CDEF-0123-456789ABCDEF}.state", instance),
                     _RESTORE_FILE_KIND_INVALID);
        CHECK_EQ_INT(restore_file_classify("routes-_01234567-89AB-CDEF-0123-456789ABCDEF_.state", instance),
                     RESTORE_FILE_STATE);
        CHECK_EQ_STR(instance, "_01234567-89AB-CDEF-0123-456789ABCDEF_");
        CHECK_EQ_INT(restore_file_classify("routes-Ethernet_3.lock", instance), RESTORE_FILE_LOCK);
        CHECK_EQ_STR(instance, "Ethernet_3");
        /* Windows ignores case; the instance keeps its own. */
        CHECK_EQ_INT(restore_file_classify("ROUTES-Tap.STATE", instance), RESTORE_FILE_STATE);
        CHECK_EQ_STR(instance, "Tap");
        /* Dots are allowed inside an instance. */
        CHECK_EQ_INT(restore_file_classify("routes-a.state.state", instance), RESTORE_FILE_STATE);
        CHECK_EQ_STR(instance, "a.state");
}

static void test_instances(void) {
        static RestoreInstances s;
        char name[16];

        CHECK_EQ_INT(restore_instances_add(NULL, "tap"), -EINVAL);
        CHECK_EQ_INT(restore_instances_add(&s, NULL), -EINVAL);
        CHECK_EQ_INT(restore_instances_add(&s, ""), -EINVAL);
        CHECK_EQ_INT(restore_instances_add(&s, "..\\x"), -EINVAL);
        CHECK_EQ_INT(restore_instances_add(&s, "tap"), 1);
        CHECK_EQ_INT(restore_instances_add(&s, "tap"), 0);
        CHECK_EQ_INT(restore_instances_add(&s, "TAP"), 0);
        CHECK_EQ_INT(restore_instances_add(&s, "tap2"), 1);
        CHECK_EQ_INT(s.n, 2);
        CHECK_EQ_STR(s.names[0], "tap");
        CHECK_EQ_STR(s.names[1], "tap2");
        for (size_t i = s.n; i < RESTORE_INSTANCES_MAX; i++) {
                snprintf(name, sizeof(name), "i%zu", i);
                CHECK_EQ_INT(restore_instances_add(&s, name), 1);
        }
        CHECK_EQ_INT(restore_instances_add(&s, "one-more"), -ENOSPC);
        CHECK_EQ_INT(restore_instances_add(&s, "tap"), 0);
}

int main(void) {
        RUN(test_classify_hostile);
        RUN(test_classify);
        RUN(test_instances);
        return 0;
}
