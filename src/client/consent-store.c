/* SPDX-License-Identifier: MIT */
#include "consent-store.h"

#include <stdio.h>
#include <string.h>

#include "b64url.h"
#include "macro.h"
#include "string-table.h"

#define PIN_TEXT_LEN B64URL_ENCODED_LEN(LP_SPKI_PIN_SIZE)
#define NO_PIN "-"
#define ENTRY_PREFIX "allow "

static const char *const consent_decision_table[_CONSENT_DECISION_MAX] = {
        [CONSENT_ALLOWED] = "allowed",
        [CONSENT_ASK] = "ask",
        [CONSENT_ASK_PIN_CHANGED] = "ask_pin_changed",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(consent_decision, ConsentDecision)

/* Printable ASCII without space, and no upper case: we write hosts in
 * lower case only, so a file with upper case was not written by us. */
static bool relay_is_valid(const char *s, size_t len) {
        if (len == 0 || len > LP_INVITE_HOST_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] <= ' ' || s[i] > '~' || (s[i] >= 'A' && s[i] <= 'Z'))
                        return false;
        return true;
}

int consent_key_make(const char *room, const char *relay, bool has_pin, const uint8_t *pin, ConsentKey *ret) {
        ConsentKey k;
        size_t room_len, relay_len;

        if (!room || !relay || !ret || (has_pin && !pin))
                return -EINVAL;
        room_len = strnlen(room, LP_ROOM_NAME_MAX + 1);
        relay_len = strnlen(relay, LP_INVITE_HOST_MAX + 1);
        if (!room_name_is_valid(room, room_len) || relay_len == 0 || relay_len > LP_INVITE_HOST_MAX)
                return -EINVAL;
        memset(&k, 0, sizeof(k));
        memcpy(k.room, room, room_len);
        for (size_t i = 0; i < relay_len; i++)
                k.relay[i] = relay[i] >= 'A' && relay[i] <= 'Z' ? (char) (relay[i] - 'A' + 'a') : relay[i];
        if (!relay_is_valid(k.relay, relay_len))
                return -EINVAL;
        k.has_pin = has_pin;
        if (has_pin)
                memcpy(k.pin, pin, LP_SPKI_PIN_SIZE);
        *ret = k;
        return 0;
}

void consent_store_init(ConsentStore *s) {
        if (s)
                memset(s, 0, sizeof(*s));
}

static bool same_place(const ConsentKey *a, const ConsentKey *b) {
        return strcmp(a->room, b->room) == 0 && strcmp(a->relay, b->relay) == 0;
}

static bool same_pin(const ConsentKey *a, const ConsentKey *b) {
        return a->has_pin == b->has_pin && (!a->has_pin || memcmp(a->pin, b->pin, LP_SPKI_PIN_SIZE) == 0);
}

/* ---- parsing ---------------------------------------------------------------------- */

/* The next space-separated field of line[*pos..len): non-empty, followed
 * by one space (or the end, when `last`). */
static bool take_field(const char *line, size_t len, size_t *pos, bool last, const char **ret, size_t *ret_len) {
        const char *start = line + *pos;
        const char *space = memchr(start, ' ', len - *pos);
        size_t n = space ? (size_t) (space - start) : len - *pos;

        if (n == 0 || (last != !space))
                return false;
        *ret = start;
        *ret_len = n;
        *pos += n + (space ? 1 : 0);
        return true;
}

static bool parse_pin(const char *s, size_t len, ConsentKey *k) {
        uint8_t pin[LP_SPKI_PIN_SIZE + 3];
        size_t n = 0;

        if (len == 1 && s[0] == NO_PIN[0]) {
                k->has_pin = false;
                return true;
        }
        if (len != PIN_TEXT_LEN || b64url_decode(s, len, pin, sizeof(pin), &n) < 0 || n != LP_SPKI_PIN_SIZE)
                return false;
        k->has_pin = true;
        memcpy(k->pin, pin, LP_SPKI_PIN_SIZE);
        return true;
}

static bool parse_entry(const char *line, size_t len, ConsentKey *ret) {
        const char *room, *relay, *pin;
        size_t room_len, relay_len, pin_len, pos = strlen(ENTRY_PREFIX);
        ConsentKey k;

        if (len < pos || memcmp(line, ENTRY_PREFIX, pos) != 0)
                return false;
        if (!take_field(line, len, &pos, false, &room, &room_len) ||
            !take_field(line, len, &pos, false, &relay, &relay_len) ||
            !take_field(line, len, &pos, true, &pin, &pin_len))
                return false;
        if (!room_name_is_valid(room, room_len) || !relay_is_valid(relay, relay_len))
                return false;
        memset(&k, 0, sizeof(k));
        memcpy(k.room, room, room_len);
        memcpy(k.relay, relay, relay_len);
        if (!parse_pin(pin, pin_len, &k))
                return false;
        *ret = k;
        return true;
}

/* 0, -EBADMSG, or -EPROTONOSUPPORT for our magic with another version
 * (1..65535 without leading zeros; anything else is not ours). */
static int parse_header(const char *line, size_t len) {
        size_t magic = strlen(CONSENT_FILE_MAGIC), digits;
        unsigned long version = 0;

        if (len < magic + 2 || memcmp(line, CONSENT_FILE_MAGIC, magic) != 0 || line[magic] != ' ')
                return -EBADMSG;
        digits = len - magic - 1;
        if (digits > 5 || line[magic + 1] == '0')
                return -EBADMSG;
        for (size_t i = magic + 1; i < len; i++) {
                if (line[i] < '0' || line[i] > '9')
                        return -EBADMSG;
                version = version * 10 + (unsigned long) (line[i] - '0');
        }
        if (version > UINT16_MAX)
                return -EBADMSG;
        return version == CONSENT_FILE_VERSION ? 0 : -EPROTONOSUPPORT;
}

static int parse_fail(ConsentStore *ret, unsigned line, int r, unsigned *ret_line) {
        consent_store_init(ret);
        if (ret_line)
                *ret_line = line;
        return r;
}

int consent_store_parse(const char *text, size_t len, ConsentStore *ret, unsigned *ret_line) {
        size_t pos = 0;
        unsigned line = 0;
        int r;

        if (!ret || (!text && len > 0))
                return -EINVAL;
        consent_store_init(ret);
        if (ret_line)
                *ret_line = 0;
        if (len > CONSENT_FILE_MAX || (len > 0 && memchr(text, '\0', len)))
                return parse_fail(ret, 0, -EBADMSG, ret_line);

        while (pos < len || line == 0) {
                const char *start = text + pos;
                const char *nl = pos < len ? memchr(start, '\n', len - pos) : NULL;
                size_t n;
                ConsentKey k;

                line++;
                if (!nl) /* a last line without its newline, or no header */
                        return parse_fail(ret, line, -EBADMSG, ret_line);
                n = (size_t) (nl - start);
                pos += n + 1;
                if (line == 1) {
                        r = parse_header(start, n);
                        if (r < 0)
                                return parse_fail(ret, line, r, ret_line);
                        continue;
                }
                if (ret->n_entries >= CONSENT_ENTRIES_MAX || !parse_entry(start, n, &k))
                        return parse_fail(ret, line, -EBADMSG, ret_line);
                for (size_t i = 0; i < ret->n_entries; i++)
                        if (same_place(&ret->entries[i], &k))
                                return parse_fail(ret, line, -EBADMSG, ret_line);
                ret->entries[ret->n_entries++] = k;
        }
        return 0;
}

/* ---- writing ---------------------------------------------------------------------- */

static bool key_is_valid(const ConsentKey *k) {
        size_t room_len = strnlen(k->room, sizeof(k->room)), relay_len = strnlen(k->relay, sizeof(k->relay));

        return room_len < sizeof(k->room) && room_name_is_valid(k->room, room_len) && relay_len < sizeof(k->relay) &&
               relay_is_valid(k->relay, relay_len);
}

static int pin_text(const ConsentKey *k, char buf[static PIN_TEXT_LEN + 1]) {
        if (!k->has_pin) {
                memcpy(buf, NO_PIN, sizeof(NO_PIN));
                return 0;
        }
        return b64url_encode(k->pin, LP_SPKI_PIN_SIZE, buf, PIN_TEXT_LEN + 1);
}

int consent_store_format(const ConsentStore *s, char *buf, size_t size) {
        size_t len = 0;
        int n;

        if (!s || !buf || s->n_entries > CONSENT_ENTRIES_MAX)
                return -EINVAL;
        n = snprintf(buf, size, "%s %d\n", CONSENT_FILE_MAGIC, CONSENT_FILE_VERSION);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        len = (size_t) n;
        for (size_t i = 0; i < s->n_entries; i++) {
                const ConsentKey *k = &s->entries[i];
                char pin[PIN_TEXT_LEN + 1];

                if (!key_is_valid(k) || pin_text(k, pin) < 0)
                        return -EINVAL;
                n = snprintf(buf + len, size - len, ENTRY_PREFIX "%s %s %s\n", k->room, k->relay, pin);
                if (n < 0 || (size_t) n >= size - len)
                        return -ENOBUFS;
                len += (size_t) n;
        }
        return (int) len;
}

/* ---- deciding --------------------------------------------------------------------- */

ConsentDecision consent_store_decide(const ConsentStore *s, const ConsentKey *key) {
        if (!s || !key)
                return _CONSENT_DECISION_INVALID;
        for (size_t i = 0; i < s->n_entries && i < CONSENT_ENTRIES_MAX; i++)
                if (same_place(&s->entries[i], key))
                        return same_pin(&s->entries[i], key) ? CONSENT_ALLOWED : CONSENT_ASK_PIN_CHANGED;
        return CONSENT_ASK;
}

int consent_store_remember(ConsentStore *s, const ConsentKey *key) {
        if (!s || !key || !key_is_valid(key) || s->n_entries > CONSENT_ENTRIES_MAX)
                return -EINVAL;
        for (size_t i = 0; i < s->n_entries; i++)
                if (same_place(&s->entries[i], key)) {
                        s->entries[i] = *key;
                        return 0;
                }
        if (s->n_entries == CONSENT_ENTRIES_MAX) {
                memmove(&s->entries[0], &s->entries[1], (CONSENT_ENTRIES_MAX - 1) * sizeof(s->entries[0]));
                s->n_entries--;
        }
        s->entries[s->n_entries++] = *key;
        return 0;
}

int consent_dialog_text(const ConsentKey *key, ConsentDecision d, char *buf, size_t size) {
        char pin[PIN_TEXT_LEN + 1];
        int n;

        if (!key || !buf || !key_is_valid(key) || (d != CONSENT_ASK && d != CONSENT_ASK_PIN_CHANGED) ||
            pin_text(key, pin) < 0)
                return -EINVAL;
        n = snprintf(buf, size,
                     "Join room \"%s\" on relay %s?\n\n"
                     "%s%s%s%s%s\n\n"
                     "Everybody in the room shares a network with this PC. Join only rooms of people you know.",
                     key->room, key->relay, key->has_pin ? "The relay's pin (from the invite link): " : "",
                     key->has_pin ? pin : "The invite link has no pin: the relay is trusted by its certificate for ",
                     key->has_pin ? "" : key->relay, key->has_pin ? "" : ".",
                     d == CONSENT_ASK_PIN_CHANGED ?
                             "\n\nThis room on this relay was allowed before with another pin. If whoever invited "
                             "you did not say the relay changed, do not join: the link may lead elsewhere." :
                             "");
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        return n;
}
