/* SPDX-License-Identifier: MIT */
#pragma once

/* The per-room consent of issue 13: once client.exe no longer runs
 * elevated, an invite link from a web page joins without a UAC prompt,
 * so the window asks once per room "Join room X on relay Y?", showing
 * the relay's pin, and remembers "always for this room" per user. This
 * is the pure part: the store's file format, the decision whether to
 * ask, and the dialog's text. Where the file lives
 * (%LOCALAPPDATA%\lanparty\consent) is the caller's; consent-store-win.c
 * reads and writes it by path. No dialog uses it yet.
 *
 * A consent is for the triple (room, relay host, pin): another room on
 * the same relay, the same room name on another relay, and the same
 * room and relay with another pin (or none where there was one) are all
 * asked about again; the last with a warning, as the link changed what
 * proves the relay is the same.
 *
 * The file, version 1 (docs/SERVICE-PIPE.md "Consent"):
 *
 *     lanparty-consent 1\n
 *     allow ROOM HOST PIN\n      (one per room, oldest first)
 *
 * ROOM a room name (room-name.h), HOST the invite's host in lower case
 * (printable ASCII, an IPv6 literal without brackets), PIN the pin in
 * base64url as in the link, or "-" for a link without one. Nothing else:
 * no blank lines, no comments, no CR, one space between fields, and a
 * newline after every line. Any other file, another version included,
 * is refused as a whole and the window asks again: a consent is never
 * guessed from a file it does not understand. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "host-port.h"
#include "room-name.h"

#define CONSENT_FILE_VERSION 1
#define CONSENT_FILE_MAGIC "lanparty-consent"
/* Rooms remembered at most; remembering one more forgets the oldest. */
#define CONSENT_ENTRIES_MAX 256
/* "allow " ROOM " " HOST " " PIN "\n" */
#define CONSENT_LINE_MAX (6 + LP_ROOM_NAME_MAX + 1 + LP_INVITE_HOST_MAX + 1 + 43 + 1)
/* Larger than any file consent_store_format() writes (the test checks). */
#define CONSENT_FILE_MAX (32 + CONSENT_ENTRIES_MAX * CONSENT_LINE_MAX)

typedef struct ConsentKey {
        char room[LP_ROOM_NAME_MAX + 1];
        char relay[LP_INVITE_HOST_MAX + 1]; /* lower case */
        bool has_pin;
        uint8_t pin[LP_SPKI_PIN_SIZE];
} ConsentKey;

typedef struct ConsentStore {
        ConsentKey entries[CONSENT_ENTRIES_MAX]; /* oldest first */
        size_t n_entries;
} ConsentStore;

typedef enum ConsentDecision {
        CONSENT_ALLOWED,         /* "always for this room" was given for exactly this */
        CONSENT_ASK,             /* never allowed: ask */
        CONSENT_ASK_PIN_CHANGED, /* allowed for this room and relay with another pin: ask, and warn */
        _CONSENT_DECISION_MAX,
        _CONSENT_DECISION_INVALID = -EINVAL,
} ConsentDecision;

const char *consent_decision_to_string(ConsentDecision d);

/* Fills *ret from an invite's fields (invite.h's Invite has them):
 * the room must be a valid room name, the host 1..253 bytes of printable
 * ASCII (it is lower-cased, as the key schedule does). -EINVAL else. */
int consent_key_make(const char *room, const char *relay, bool has_pin, const uint8_t *pin, ConsentKey *ret);

void consent_store_init(ConsentStore *s);

/* Parses a whole file of `len` bytes (NULs inside are refused). Returns 0
 * with *ret filled; -EBADMSG for anything that breaks the format above,
 * with the 1-based line in *ret_line (may be NULL); -EPROTONOSUPPORT for
 * another version. *ret is empty whenever it fails. */
int consent_store_parse(const char *text, size_t len, ConsentStore *ret, unsigned *ret_line);

/* Writes the file. Returns its length (the NUL after it not counted), or
 * -ENOBUFS, -EINVAL for a store that breaks the format. */
int consent_store_format(const ConsentStore *s, char *buf, size_t size);

ConsentDecision consent_store_decide(const ConsentStore *s, const ConsentKey *key);

/* "Always for this room": replaces the entry for the same room and
 * relay (another pin), or appends, forgetting the oldest when full. */
int consent_store_remember(ConsentStore *s, const ConsentKey *key);

/* The dialog: its question and the label of its check box. The question
 * names the room and relay and shows the pin (or that there is none),
 * with a warning for CONSENT_ASK_PIN_CHANGED. Returns the length, or
 * -ENOBUFS (CONSENT_DIALOG_TEXT_MAX always suffices), -EINVAL. */
#define CONSENT_DIALOG_TEXT_MAX 1024
#define CONSENT_DIALOG_ALWAYS_LABEL "Always join this room on this relay without asking"
int consent_dialog_text(const ConsentKey *key, ConsentDecision d, char *buf, size_t size);
