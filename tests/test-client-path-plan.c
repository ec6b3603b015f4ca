/* SPDX-License-Identifier: MIT */
/* client.exe's choice of way (client-path-plan.c): through the lanparty
 * service, the session in this process, or a message; for every mode,
 * with the service there or not, elevated or not; and what it does with
 * the room the service is in. On Linux and, in the cross build, under
 * wine. */
#include <errno.h>
#include <string.h>

#include "client-path-plan.h"
#include "macro.h"
#include "test-util.h"

static ClientWinArgs args_of(ClientWinMode mode, FrameDeviceType device, bool check_only) {
        return (ClientWinArgs) { .mode = mode, .device_type = device, .check_only = check_only };
}

static void test_join_modes(void) {
        /* The window and --cli with the adapter: the service when it
         * answers, whoever runs client.exe. */
        for (int m = 0; m < 2; m++) {
                ClientWinArgs a = args_of(m == 0 ? CLIENT_WIN_MODE_GUI : CLIENT_WIN_MODE_CLI, FRAME_DEVICE_TAP, false);

                CHECK(client_path_tries_service(&a));
                CHECK_EQ_INT(client_path_decide(&a, 0, false), CLIENT_PATH_SERVICE);
                CHECK_EQ_INT(client_path_decide(&a, 0, true), CLIENT_PATH_SERVICE);
                /* No pipe: as before the service, if it may. */
                CHECK_EQ_INT(client_path_decide(&a, -ENOENT, true), CLIENT_PATH_DIRECT);
                CHECK_EQ_INT(client_path_decide(&a, -ENOENT, false), CLIENT_PATH_NO_SERVICE);
                /* A service that is there but failed is never bypassed,
                 * elevated or not: a squatter, a refused HELLO, busy. */
                static const int errors[] = { -EPERM, -EPROTONOSUPPORT, -EBUSY, -EACCES, -ETIMEDOUT, -EPROTO,
                                              -ECONNRESET };
                for (size_t i = 0; i < ELEMENTSOF(errors); i++) {
                        CHECK_EQ_INT(client_path_decide(&a, errors[i], true), CLIENT_PATH_SERVICE_ERROR);
                        CHECK_EQ_INT(client_path_decide(&a, errors[i], false), CLIENT_PATH_SERVICE_ERROR);
                }
                CHECK(client_path_direct_needs_admin(&a));
        }
}

static void test_direct_modes(void) {
        ClientWinArgs a;

        /* The tests' null device: never the service, never rights. */
        for (int m = 0; m < 2; m++) {
                a = args_of(m == 0 ? CLIENT_WIN_MODE_GUI : CLIENT_WIN_MODE_CLI, FRAME_DEVICE_NULL, false);
                CHECK(!client_path_tries_service(&a));
                CHECK(!client_path_direct_needs_admin(&a));
                for (int s = 0; s < 2; s++) {
                        CHECK_EQ_INT(client_path_decide(&a, s ? 0 : -ENOENT, false), CLIENT_PATH_DIRECT);
                        CHECK_EQ_INT(client_path_decide(&a, s ? 0 : -ENOENT, true), CLIENT_PATH_DIRECT);
                }
        }
        /* --check: its pass or fail does not cross the pipe. */
        a = args_of(CLIENT_WIN_MODE_CLI, FRAME_DEVICE_TAP, true);
        CHECK(!client_path_tries_service(&a));
        CHECK(client_path_direct_needs_admin(&a));
        CHECK_EQ_INT(client_path_decide(&a, 0, true), CLIENT_PATH_DIRECT);
        CHECK_EQ_INT(client_path_decide(&a, 0, false), CLIENT_PATH_NOT_ADMIN);
        CHECK_EQ_INT(client_path_decide(&a, -ENOENT, false), CLIENT_PATH_NOT_ADMIN);
        /* --restore: administrator, service or not. */
        a = args_of(CLIENT_WIN_MODE_RESTORE, FRAME_DEVICE_TAP, false);
        CHECK(!client_path_tries_service(&a));
        CHECK_EQ_INT(client_path_decide(&a, 0, false), CLIENT_PATH_NOT_ADMIN);
        CHECK_EQ_INT(client_path_decide(&a, -ENOENT, true), CLIENT_PATH_DIRECT);
        /* Reading lists and texts needs nobody's rights. */
        static const ClientWinMode free_modes[] = { CLIENT_WIN_MODE_LIST_ADAPTERS, CLIENT_WIN_MODE_HELP,
                                                    CLIENT_WIN_MODE_VERSION };
        for (size_t i = 0; i < ELEMENTSOF(free_modes); i++) {
                a = args_of(free_modes[i], FRAME_DEVICE_TAP, false);
                CHECK(!client_path_tries_service(&a));
                CHECK_EQ_INT(client_path_decide(&a, -ENOENT, false), CLIENT_PATH_DIRECT);
                CHECK_EQ_INT(client_path_decide(&a, 0, false), CLIENT_PATH_DIRECT);
        }
        CHECK_EQ_INT(client_path_decide(NULL, 0, true), _CLIENT_PATH_INVALID);
        CHECK(!client_path_tries_service(NULL));
}

static ServicePipeSession session_of(const char *room, const char *relay) {
        ServicePipeSession s = { .state = room ? SERVICE_PIPE_SESSION_IN_ROOM : SERVICE_PIPE_SESSION_IDLE };

        if (room) {
                s.room_len = strlen(room);
                memcpy(s.room, room, s.room_len + 1);
                s.relay_len = strlen(relay);
                memcpy(s.relay, relay, s.relay_len + 1);
        }
        return s;
}

static void test_service_room(void) {
        ServicePipeSession s = session_of(NULL, NULL);

        CHECK_EQ_INT(client_service_room_decide(&s, "party", "relay.example.org", true), CLIENT_SERVICE_ROOM_JOIN);
        CHECK_EQ_INT(client_service_room_decide(&s, "party", "relay.example.org", false), CLIENT_SERVICE_ROOM_JOIN);

        s = session_of("party", "relay.example.org");
        CHECK_EQ_INT(client_service_room_decide(&s, "party", "relay.example.org", true), CLIENT_SERVICE_ROOM_ATTACH);
        CHECK_EQ_INT(client_service_room_decide(&s, "party", "relay.example.org", false), CLIENT_SERVICE_ROOM_ATTACH);
        /* Host names are case-insensitive; room names are not. */
        CHECK_EQ_INT(client_service_room_decide(&s, "party", "Relay.Example.ORG", true), CLIENT_SERVICE_ROOM_ATTACH);
        CHECK_EQ_INT(client_service_room_decide(&s, "Party", "relay.example.org", true),
                     CLIENT_SERVICE_ROOM_ASK_SWITCH);
        /* Another room, the same room name on another relay, a prefix. */
        CHECK_EQ_INT(client_service_room_decide(&s, "lan-2", "relay.example.org", true),
                     CLIENT_SERVICE_ROOM_ASK_SWITCH);
        CHECK_EQ_INT(client_service_room_decide(&s, "party", "relay.example.net", true),
                     CLIENT_SERVICE_ROOM_ASK_SWITCH);
        CHECK_EQ_INT(client_service_room_decide(&s, "part", "relay.example.org", true), CLIENT_SERVICE_ROOM_ASK_SWITCH);
        CHECK_EQ_INT(client_service_room_decide(&s, "party", "relay.example.or", true), CLIENT_SERVICE_ROOM_ASK_SWITCH);
        CHECK_EQ_INT(client_service_room_decide(&s, "party", "relay.example.orgg", false),
                     CLIENT_SERVICE_ROOM_REFUSE_SWITCH);
        CHECK_EQ_INT(client_service_room_decide(&s, "lan-2", "relay.example.org", false),
                     CLIENT_SERVICE_ROOM_REFUSE_SWITCH);

        s.state = 7;
        CHECK_EQ_INT(client_service_room_decide(&s, "party", "relay.example.org", true), _CLIENT_SERVICE_ROOM_INVALID);
        CHECK_EQ_INT(client_service_room_decide(NULL, "party", "x", true), _CLIENT_SERVICE_ROOM_INVALID);
}

static void test_consent_and_exit(void) {
        CHECK(client_service_needs_consent(CLIENT_WIN_MODE_GUI, CLIENT_SERVICE_ROOM_JOIN));
        CHECK(client_service_needs_consent(CLIENT_WIN_MODE_GUI, CLIENT_SERVICE_ROOM_ASK_SWITCH));
        CHECK(!client_service_needs_consent(CLIENT_WIN_MODE_GUI, CLIENT_SERVICE_ROOM_ATTACH));
        CHECK(!client_service_needs_consent(CLIENT_WIN_MODE_CLI, CLIENT_SERVICE_ROOM_JOIN));
        CHECK(!client_service_needs_consent(CLIENT_WIN_MODE_CLI, CLIENT_SERVICE_ROOM_ATTACH));

        CHECK_EQ_INT(client_service_exit_code(true, SERVICE_PIPE_OUTCOME_LEFT), 0);
        CHECK_EQ_INT(client_service_exit_code(true, SERVICE_PIPE_OUTCOME_FAILED), 1);
        CHECK_EQ_INT(client_service_exit_code(false, SERVICE_PIPE_OUTCOME_LEFT), 1);

        for (int p = 0; p < _CLIENT_PATH_MAX; p++)
                CHECK(client_path_to_string(p));
        for (int a = 0; a < _CLIENT_SERVICE_ROOM_MAX; a++)
                CHECK(client_service_room_to_string(a));
        CHECK(!client_path_to_string(_CLIENT_PATH_MAX));
}

int main(void) {
        RUN(test_join_modes);
        RUN(test_direct_modes);
        RUN(test_service_room);
        RUN(test_consent_and_exit);
        return 0;
}
