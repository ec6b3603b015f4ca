/* SPDX-License-Identifier: MIT */
/* client.exe's command line and invite sources (client-win-args.c):
 * hostile and odd inputs first (missing values, unknown options, files
 * that are not links, oversized and binary files), then the modes. Runs
 * on Linux and, in the cross build, under wine. */
#include <errno.h>
#include <string.h>

#include "client-check.h"
#include "client-win-args.h"
#include "test-util.h"

#define ARGV(...) ((char *const[]){ "client.exe", __VA_ARGS__ })
#define ARGC(...) ((int) ELEMENTSOF(((char *const[]){ "client.exe", __VA_ARGS__ })))
#define PARSE(a, err, ...) client_win_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (a), (err), sizeof(err))

static void expect_error(int r, const char *err, const char *fragment) {
        CHECK_EQ_INT(r, -EINVAL);
        if (!strstr(err, fragment)) {
                fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, fragment);
                CHECK(false);
        }
}

static void test_args_hostile(void) {
        ClientWinArgs a;
        char err[256], tiny[8];
        char long_name[300];

        CHECK_EQ_INT(client_win_args_parse(1, NULL, &a, err, sizeof(err)), -EINVAL);
        CHECK_EQ_INT(client_win_args_parse(-1, ARGV("x"), &a, err, sizeof(err)), -EINVAL);
        CHECK_EQ_INT(client_win_args_parse(1, ARGV("x"), NULL, err, sizeof(err)), -EINVAL);
        /* A NULL inside argv. */
        CHECK_EQ_INT(client_win_args_parse(2, (char *const[]){ "client.exe", NULL }, &a, err, sizeof(err)), -EINVAL);

        expect_error(PARSE(&a, err, "--frame-device"), err, "--frame-device needs a value");
        expect_error(PARSE(&a, err, "--frame-device", "tun"), err, "expected \"tap\" or \"null\"");
        expect_error(PARSE(&a, err, "--frame-device="), err, "expected \"tap\" or \"null\"");
        expect_error(PARSE(&a, err, "--bogus"), err, "Unknown option \"--bogus\"");
        expect_error(PARSE(&a, err, "-x"), err, "Unknown option \"-x\"");
        expect_error(PARSE(&a, err, "-hv"), err, "Unknown option");
        expect_error(PARSE(&a, err, "--cli=yes"), err, "--cli takes no value");
        expect_error(PARSE(&a, err, "--accept-party-gateway=yes"), err, "--accept-party-gateway takes no value");
        expect_error(PARSE(&a, err, "--accept-party"), err, "Unknown option");
        expect_error(PARSE(&a, err, "--cli"), err, "missing the invite link");
        expect_error(PARSE(&a, err, "--restore", "lanparty://a/b?k=c"), err, "--restore takes no invite link");
        expect_error(PARSE(&a, err, "--restore", "--", "lanparty://a/b?k=c"), err, "--restore takes no invite");
        expect_error(PARSE(&a, err, "--restore=yes"), err, "--restore takes no value");
        expect_error(PARSE(&a, err, "--tap-instance-id", ""), err, "--tap-instance-id");
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        expect_error(PARSE(&a, err, "--tap-instance-id", long_name), err, "--tap-instance-id");
        expect_error(PARSE(&a, err, "--name", long_name), err, "--name");
        expect_error(PARSE(&a, err, "--name", "tab\there"), err, "--name");
        expect_error(PARSE(&a, err, "--state-dir", "relative\\dir"), err, "absolute");
        expect_error(PARSE(&a, err, "--state-dir", "C:"), err, "absolute");
        expect_error(PARSE(&a, err, "lanparty://a/b?k=c", "lanparty://d/e?k=f"), err, "Too many arguments");
        expect_error(PARSE(&a, err, ""), err, "empty");
        /* The error buffer may be tiny or absent. */
        CHECK_EQ_INT(PARSE(&a, tiny, "--bogus-option-with-a-long-name"), -EINVAL);
        CHECK(strlen(tiny) < sizeof(tiny));
        CHECK_EQ_INT(client_win_args_parse(2, ARGV("--bogus"), &a, NULL, 0), -EINVAL);
}

/* The URL handler and the .lanparty file type run client.exe -- "%1".
 * Windows substitutes the link into that command line as it is, and the
 * C runtime splits it at spaces outside quotes, so a crafted link chooses
 * how many words follow "--": never more than one may count, and none of
 * them as an option. */
static void test_args_hostile_links(void) {
        ClientWinArgs a;
        char err[256];

        /* A link with spaces, kept together by the handler's quotes. */
        CHECK_EQ_INT(PARSE(&a, err, "--", "lanparty://x --state-dir C:\\evil"), 0);
        CHECK_EQ_STR(a.invite, "lanparty://x --state-dir C:\\evil");
        CHECK(!a.state_dir);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_GUI);

        /* lanparty://x" --state-dir "C:\evil closes the handler's quotes:
         * the runtime hands over four words. */
        expect_error(PARSE(&a, err, "--", "lanparty://x", "--state-dir", "C:\\evil"), err,
                     "Too many arguments after \"--\"");
        expect_error(PARSE(&a, err, "--", "lanparty://x", "--frame-device", "null"), err,
                     "Too many arguments after \"--\"");
        expect_error(PARSE(&a, err, "--", "lanparty://x", "--cli"), err, "Too many arguments after \"--\"");
        /* lanparty://x" " leaves an empty word behind. */
        expect_error(PARSE(&a, err, "--", "lanparty://x", ""), err, "Too many arguments after \"--\"");
        expect_error(PARSE(&a, err, "--", "--frame-device", "null"), err, "Too many arguments after \"--\"");
        expect_error(PARSE(&a, err, "--", "--", "lanparty://x"), err, "Too many arguments after \"--\"");

        /* One word after "--" is the invite even when it looks like an
         * option; invite_parse() refuses it later. */
        CHECK_EQ_INT(PARSE(&a, err, "--", "--frame-device=null"), 0);
        CHECK_EQ_STR(a.invite, "--frame-device=null");
        CHECK_EQ_INT(a.device_type, FRAME_DEVICE_TAP);
        CHECK_EQ_INT(PARSE(&a, err, "--", "--help"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_GUI);
        CHECK_EQ_STR(a.invite, "--help");
        CHECK_EQ_INT(PARSE(&a, err, "--", "-v"), 0);
        CHECK(!a.verbose);
        CHECK_EQ_STR(a.invite, "-v");
        CHECK_EQ_INT(PARSE(&a, err, "--", "--state-dir=C:\\evil"), 0);
        CHECK(!a.state_dir);
        CHECK_EQ_INT(PARSE(&a, err, "--", "--"), 0);
        CHECK_EQ_STR(a.invite, "--");
        /* Quotes the runtime kept (\" in the command line) stay in the
         * link, for invite_text_clean() and invite_parse(). */
        CHECK_EQ_INT(PARSE(&a, err, "--", "\"lanparty://x\" --cli \""), 0);
        CHECK_EQ_STR(a.invite, "\"lanparty://x\" --cli \"");
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_GUI);

        /* "--" without its invite, or with one on each side. */
        expect_error(PARSE(&a, err, "--"), err, "must be followed by the invite link");
        expect_error(PARSE(&a, err, "--cli", "--"), err, "must be followed by the invite link");
        expect_error(PARSE(&a, err, "--", ""), err, "empty");
        expect_error(PARSE(&a, err, "lanparty://a", "--", "lanparty://b"), err, "Too many arguments");
}

static void test_args_modes(void) {
        ClientWinArgs a;
        char err[256];

        /* Double-clicked: no arguments at all, the window asks. */
        CHECK_EQ_INT(client_win_args_parse(1, ARGV("unused"), &a, err, sizeof(err)), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_GUI);
        CHECK(!a.invite);
        CHECK_EQ_INT(a.device_type, FRAME_DEVICE_TAP);
        CHECK(!a.verbose && !a.name && !a.state_dir && !a.tap_instance_id);
        CHECK(!a.accept_party_gateway); /* the party's gateway and DNS are removed unless asked */
        CHECK_EQ_INT(client_win_args_parse(0, NULL, &a, err, sizeof(err)), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_GUI);

        /* What the lanparty:// URL handler and the .lanparty file type run. */
        CHECK_EQ_INT(PARSE(&a, err, "lanparty://relay.example.org/party?k=x"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_GUI);
        CHECK_EQ_STR(a.invite, "lanparty://relay.example.org/party?k=x");
        CHECK_EQ_INT(PARSE(&a, err, "C:\\Users\\me\\Downloads\\party.lanparty"), 0);
        CHECK_EQ_STR(a.invite, "C:\\Users\\me\\Downloads\\party.lanparty");

        CHECK_EQ_INT(PARSE(&a, err, "--cli", "--frame-device", "null", "-v", "--name=Zoë", "--state-dir",
                           "Z:\\tmp\\x", "--tap-instance-id", "{01234567-89AB-CDEF-0123-456789ABCDEF}", "link"),
                     0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_CLI);
        CHECK_EQ_INT(a.device_type, FRAME_DEVICE_NULL);
        CHECK(a.verbose);
        CHECK_EQ_STR(a.name, "Zoë");
        CHECK_EQ_STR(a.state_dir, "Z:\\tmp\\x");
        CHECK_EQ_STR(a.tap_instance_id, "{01234567-89AB-CDEF-0123-456789ABCDEF}");
        CHECK_EQ_STR(a.invite, "link");
        CHECK(!a.accept_party_gateway);
        CHECK_EQ_INT(PARSE(&a, err, "--accept-party-gateway", "link"), 0);
        CHECK(a.accept_party_gateway);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_GUI);
        CHECK_EQ_STR(a.invite, "link");

        /* Options after the link, and "--" before a link starting with '-'. */
        CHECK_EQ_INT(PARSE(&a, err, "link", "--cli", "--frame-device=tap"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_CLI);
        CHECK_EQ_INT(a.device_type, FRAME_DEVICE_TAP);
        CHECK_EQ_INT(PARSE(&a, err, "--cli", "--", "-odd-file.lanparty"), 0);
        CHECK_EQ_STR(a.invite, "-odd-file.lanparty");
        /* A lone "-" is an argument, not an option. */
        CHECK_EQ_INT(PARSE(&a, err, "-"), 0);
        CHECK_EQ_STR(a.invite, "-");

        CHECK_EQ_INT(PARSE(&a, err, "--help"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_HELP);
        CHECK_EQ_INT(PARSE(&a, err, "-h", "--cli"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_HELP);
        CHECK_EQ_INT(PARSE(&a, err, "--version", "--help"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_VERSION);
        CHECK_EQ_INT(PARSE(&a, err, "--list-tap-adapters"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_LIST_ADAPTERS);
        CHECK_EQ_INT(PARSE(&a, err, "--cli", "--list-tap-adapters"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_LIST_ADAPTERS);
        /* What the uninstaller runs, and what tests run. */
        CHECK_EQ_INT(PARSE(&a, err, "--restore"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_RESTORE);
        CHECK(!a.invite && !a.state_dir);
        CHECK_EQ_INT(PARSE(&a, err, "--restore", "--state-dir", "Z:\\tmp\\x", "-v"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_RESTORE);
        CHECK_EQ_STR(a.state_dir, "Z:\\tmp\\x");
        CHECK_EQ_INT(PARSE(&a, err, "--cli", "--restore"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_RESTORE);
        CHECK_EQ_INT(PARSE(&a, err, "--restore", "--help"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_RESTORE);
        CHECK_EQ_STR(client_win_mode_to_string(CLIENT_WIN_MODE_RESTORE), "restore");

        CHECK_EQ_STR(client_win_mode_to_string(CLIENT_WIN_MODE_CLI), "cli");
        CHECK(!client_win_mode_to_string(_CLIENT_WIN_MODE_MAX));
        CHECK(!client_win_mode_to_string(_CLIENT_WIN_MODE_INVALID));
}

/* --check: a console mode like --cli, for the TAP only, and its timeout,
 * which both clients parse with check_timeout_parse(). */
static void test_args_check(void) {
        ClientWinArgs a;
        char err[256];
        unsigned t = 7;

        expect_error(PARSE(&a, err, "--check"), err, "--check: missing the invite link");
        expect_error(PARSE(&a, err, "--check=yes", "link"), err, "--check takes no value");
        expect_error(PARSE(&a, err, "--check", "--frame-device", "null", "link"), err, "--check needs the TAP");
        expect_error(PARSE(&a, err, "--check-timeout", "5", "link"), err, "--check-timeout goes with --check");
        expect_error(PARSE(&a, err, "--check", "--check-timeout"), err, "--check-timeout needs a value");
        expect_error(PARSE(&a, err, "--check", "--check-timeout", "0", "link"), err, "from 1 to 3600");
        expect_error(PARSE(&a, err, "--check", "--check-timeout=3601", "link"), err, "got \"3601\"");
        expect_error(PARSE(&a, err, "--check", "--check-timeout", "-5", "link"), err, "--check-timeout");
        expect_error(PARSE(&a, err, "--check", "--check-timeout", "5s", "link"), err, "--check-timeout");
        expect_error(PARSE(&a, err, "--check", "--check-timeout", "", "link"), err, "--check-timeout");
        expect_error(PARSE(&a, err, "--check", "--check-timeout", "99999999999999999999", "link"), err,
                     "--check-timeout");

        CHECK_EQ_INT(check_timeout_parse(NULL, &t), -EINVAL);
        CHECK_EQ_INT(check_timeout_parse("1", NULL), -EINVAL);
        CHECK_EQ_INT(check_timeout_parse(" 5", &t), -EINVAL);
        CHECK_EQ_INT(check_timeout_parse("+5", &t), -EINVAL);
        CHECK_EQ_INT(t, 7);
        CHECK_EQ_INT(check_timeout_parse("1", &t), 0);
        CHECK_EQ_INT(t, 1);
        CHECK_EQ_INT(check_timeout_parse("3600", &t), 0);
        CHECK_EQ_INT(t, 3600);
        CHECK_EQ_INT(check_timeout_parse("0090", &t), 0);
        CHECK_EQ_INT(t, 90);

        CHECK_EQ_INT(PARSE(&a, err, "--cli", "link"), 0);
        CHECK(!a.check_only);
        CHECK_EQ_INT(PARSE(&a, err, "--check", "link"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_CLI);
        CHECK(a.check_only);
        CHECK_EQ_INT(a.check_timeout_sec, CLIENT_CHECK_GIVE_UP_SEC_DEFAULT);
        CHECK_EQ_INT(a.check_timeout_sec, 90);
        CHECK_EQ_INT(PARSE(&a, err, "--check-timeout=5", "--cli", "--check", "link"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_CLI);
        CHECK_EQ_INT(a.check_timeout_sec, 5);
        /* Like --cli, it yields to the modes that print and exit. */
        CHECK_EQ_INT(PARSE(&a, err, "--check", "--help"), 0);
        CHECK_EQ_INT(a.mode, CLIENT_WIN_MODE_HELP);
}

static void test_source(void) {
        CHECK_EQ_INT(invite_source_classify(NULL), _INVITE_SOURCE_INVALID);
        CHECK_EQ_INT(invite_source_classify(""), INVITE_SOURCE_FILE);
        CHECK_EQ_INT(invite_source_classify("lanparty"), INVITE_SOURCE_FILE);
        CHECK_EQ_INT(invite_source_classify("lanparty.lanparty"), INVITE_SOURCE_FILE);
        CHECK_EQ_INT(invite_source_classify("lanparty:"), INVITE_SOURCE_LINK);
        CHECK_EQ_INT(invite_source_classify("LANPARTY://x/y?k=z"), INVITE_SOURCE_LINK);
        CHECK_EQ_INT(invite_source_classify("lanparty://x/y?k=z"), INVITE_SOURCE_LINK);
        CHECK_EQ_INT(invite_source_classify("C:\\party.lanparty"), INVITE_SOURCE_FILE);
}

static void test_clean(void) {
        char buf[64], tiny[4];

        CHECK_EQ_INT(invite_text_clean(NULL, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(invite_text_clean("x", NULL, 1), -EINVAL);
        CHECK_EQ_INT(invite_text_clean("x", buf, 0), -EINVAL);
        CHECK_EQ_INT(invite_text_clean("", buf, sizeof(buf)), -ENOMSG);
        CHECK_EQ_INT(invite_text_clean(" \t\r\n", buf, sizeof(buf)), -ENOMSG);
        CHECK_EQ_INT(invite_text_clean("\"\"", buf, sizeof(buf)), -ENOMSG);
        CHECK_EQ_INT(invite_text_clean("< >", buf, sizeof(buf)), -ENOMSG);
        CHECK_EQ_INT(invite_text_clean("abcd", tiny, sizeof(tiny)), -ENOBUFS);
        CHECK_EQ_INT(invite_text_clean("abc", tiny, sizeof(tiny)), 0);
        CHECK_EQ_STR(tiny, "abc");
        /* A lone quote is left for invite_parse() to refuse. */
        CHECK_EQ_INT(invite_text_clean("\"", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "\"");
        CHECK_EQ_INT(invite_text_clean("\"lanparty://a/b?k=c'", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "\"lanparty://a/b?k=c'");

        CHECK_EQ_INT(invite_text_clean("  lanparty://a/b?k=c\r\n", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "lanparty://a/b?k=c");
        CHECK_EQ_INT(invite_text_clean("<lanparty://a/b?k=c>", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "lanparty://a/b?k=c");
        CHECK_EQ_INT(invite_text_clean(" \" lanparty://a/b?k=c \" ", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "lanparty://a/b?k=c");
        CHECK_EQ_INT(invite_text_clean("'lanparty://a/b?k=c'", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "lanparty://a/b?k=c");
        /* Only one pair comes off. */
        CHECK_EQ_INT(invite_text_clean("<\"x\">", buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "\"x\"");
}

#define FILE_DATA(s) (const uint8_t *) (s), sizeof(s) - 1

static void test_file_hostile(void) {
        static uint8_t big[CLIENT_WIN_INVITE_FILE_MAX + 1];
        char buf[128], tiny[12];

        CHECK_EQ_INT(invite_from_file_data(NULL, 1, buf, sizeof(buf)), -EINVAL);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("x"), NULL, 1), -EINVAL);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("x"), buf, 0), -EINVAL);
        CHECK_EQ_INT(invite_from_file_data(NULL, 0, buf, sizeof(buf)), -ENOMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA(""), buf, sizeof(buf)), -ENOMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\n\r\n  \n# just a comment\n"), buf, sizeof(buf)), -ENOMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\xef\xbb\xbf"), buf, sizeof(buf)), -ENOMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\xff\xfe"), buf, sizeof(buf)), -ENOMSG);

        /* Too big, checked before anything is read. */
        memset(big, 'a', sizeof(big));
        CHECK_EQ_INT(invite_from_file_data(big, sizeof(big), buf, sizeof(buf)), -EFBIG);
        /* Exactly the maximum is read (and is not a link). */
        CHECK_EQ_INT(invite_from_file_data(big, sizeof(big) - 1, buf, sizeof(buf)), -EBADMSG);

        /* Binary, or text that is not a link first. */
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("lanparty://a/b?k=c\0"), buf, sizeof(buf)), -EBADMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("Join us: lanparty://a/b?k=c\n"), buf, sizeof(buf)), -EBADMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("lanparty:/a/b?k=c\n"), buf, sizeof(buf)), -EBADMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("lanparty"), buf, sizeof(buf)), -EBADMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\x89PNG\r\n\x1a\n"), buf, sizeof(buf)), -EBADMSG);
        /* UTF-16: odd length, a NUL unit, a non-ASCII unit. */
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\xff\xfel\0a\0n"), buf, sizeof(buf)), -EBADMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\xff\xfel\0\0\0"), buf, sizeof(buf)), -EBADMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\xff\xfel\0\xe9\0"), buf, sizeof(buf)), -EBADMSG);
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\xff\xfel\0\x00\x01"), buf, sizeof(buf)), -EBADMSG);
        /* A link that does not fit the caller's buffer. */
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("lanparty://a/b?k=c\n"), tiny, sizeof(tiny)), -ENOBUFS);
}

static void test_file(void) {
        char buf[128];

        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("lanparty://a/b?k=c"), buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "lanparty://a/b?k=c");
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\xef\xbb\xbf  lanparty://a/b?k=c  \r\n"), buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "lanparty://a/b?k=c");
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("# Saturday's party\r\n\r\nLANPARTY://a/b?k=c\r\nignored\r\n"),
                                           buf, sizeof(buf)),
                     0);
        CHECK_EQ_STR(buf, "LANPARTY://a/b?k=c");
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\"lanparty://a/b?k=c\""), buf, sizeof(buf)), 0);
        CHECK_EQ_STR(buf, "lanparty://a/b?k=c");
        /* What Notepad saves as "Unicode". */
        CHECK_EQ_INT(invite_from_file_data(FILE_DATA("\xff\xfel\0a\0n\0p\0a\0r\0t\0y\0:\0/\0/\0a\0/\0b\0\r\0\n\0"), buf,
                                           sizeof(buf)),
                     0);
        CHECK_EQ_STR(buf, "lanparty://a/b");
}

int main(void) {
        RUN(test_args_hostile);
        RUN(test_args_hostile_links);
        RUN(test_file_hostile);
        RUN(test_args_modes);
        RUN(test_args_check);
        RUN(test_source);
        RUN(test_clean);
        RUN(test_file);
        return 0;
}
