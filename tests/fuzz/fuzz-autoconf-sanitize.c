/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf-sanitize.h"
#include "macro.h"
#include "../test-inet-sum.h"
#include "../test-util.h"

/* Input: byte 0 picks the mode, the rest is a whole frame or, in template
 * mode, the options (and a few header fields) of a DHCPv4 reply, a router
 * advertisement or a DHCPv6 reply behind valid Ethernet, IP and UDP/ICMPv6
 * headers, so the fuzzer reaches the option walks without guessing
 * lengths and checksums first. Unless the mode says otherwise, lengths and
 * checksums are made right.
 *
 * Invariants, checked with this file's own parsing and checksum:
 *   - the input is never written; a verdict other than a sanitised one
 *     leaves *ret_len alone;
 *   - a sanitised frame is never longer, its checksum verifies when the
 *     input's did (a zero IPv4 UDP checksum stays zero), and a DHCPv4
 *     reply keeps its length and its IPv4 header;
 *   - its options are the input's in the same order, byte for byte, minus
 *     the removed codes, and none of those is left; an RA has router
 *     lifetime 0;
 *   - sanitising it again says "clean" (it re-parses, and it is
 *     idempotent); rewriting in place gives the same bytes. */

#define FRAME_MAX 2048
#define OPTS_MAX FRAME_MAX /* every option has a byte at least */

enum {
        MODE_TEMPLATE = 1 << 0,
        MODE_KIND_SHIFT = 1, /* bits 1-2: 0 DHCPv4, 1 RA, 2 DHCPv6 */
        MODE_KEEP_CHECKSUM = 1 << 3,
        MODE_ZERO_UDP_CHECKSUM = 1 << 4,
        MODE_OVERLOAD_AREAS = 1 << 5, /* DHCPv4: the first 192 bytes fill sname and file */
};

static const uint16_t dhcpv4_removed[] = {AUTOCONF_DHCPV4_REMOVED};
static const uint16_t ra_removed[] = {AUTOCONF_RA_REMOVED};
static const uint16_t dhcpv6_removed[] = {AUTOCONF_DHCPV6_REMOVED};

static bool in_list(unsigned code, const uint16_t *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (list[i] == code)
                        return true;
        return false;
}

/* ---- this file's own layout knowledge (the checksum: test-inet-sum.h) ------------ */

typedef struct Layout {
        bool ipv6;
        size_t l4, l4_len; /* offset, and the UDP length or ICMPv6 length */
        uint8_t proto;
} Layout;

/* Only what the module may sanitise: no IPv6 extension headers. */
static bool layout_find(const uint8_t *f, size_t len, Layout *ret) {
        const uint8_t *ip = f + 14;

        if (len < 14 + 40)
                return false;
        if (be16_load(f + 12) == 0x0800 && ip[0] >> 4 == 4) {
                size_t hl = (size_t) (ip[0] & 15) * 4, total = be16_load(ip + 2);
                if (hl < 20 || total < hl + 8 || total > len - 14 || ip[9] != 17)
                        return false;
                *ret = (Layout) {.l4 = 14 + hl, .l4_len = be16_load(f + 14 + hl + 4), .proto = 17};
                return ret->l4_len >= 8 && ret->l4_len <= total - hl;
        }
        if (be16_load(f + 12) == 0x86dd && ip[0] >> 4 == 6) {
                size_t plen = be16_load(ip + 4);
                if (plen > len - 54 || (ip[6] != 17 && ip[6] != 58))
                        return false;
                *ret = (Layout) {.ipv6 = true, .l4 = 54, .proto = ip[6]};
                ret->l4_len = ip[6] == 17 && plen >= 8 ? be16_load(f + 54 + 4) : plen;
                return ret->l4_len <= plen && (ip[6] == 58 || ret->l4_len >= 8);
        }
        return false;
}

static size_t checksum_field(const Layout *l) {
        return l->l4 + (l->proto == 17 ? 6 : 2);
}

static bool checksum_ok(const uint8_t *f, const Layout *l) {
        uint32_t sum;

        if (l->ipv6)
                sum = test_sum16(0, f + 14 + 8, 32);
        else
                sum = test_sum16(0, f + 14 + 12, 8);
        sum += l->proto + (uint32_t) l->l4_len;
        return test_fold(test_sum16(sum, f + l->l4, l->l4_len)) == 0xffff;
}

static void checksum_fix(uint8_t *f, const Layout *l) {
        uint32_t sum;
        uint16_t c;

        be16_store(f + checksum_field(l), 0);
        if (l->ipv6)
                sum = test_sum16(0, f + 14 + 8, 32);
        else
                sum = test_sum16(0, f + 14 + 12, 8);
        sum += l->proto + (uint32_t) l->l4_len;
        c = (uint16_t) ~test_fold(test_sum16(sum, f + l->l4, l->l4_len));
        be16_store(f + checksum_field(l), l->proto == 17 && c == 0 ? 0xffff : c);
}

/* ---- the options, as this file reads them ----------------------------------------- */

typedef struct Opts {
        size_t n;
        const uint8_t *p[OPTS_MAX];
        size_t len[OPTS_MAX];
        unsigned code[OPTS_MAX];
} Opts;

static void opts_add(Opts *o, const uint8_t *p, size_t len, unsigned code) {
        CHECK(o->n < OPTS_MAX);
        o->p[o->n] = p;
        o->len[o->n] = len;
        o->code[o->n] = code;
        o->n++;
}

/* Returns the overload value seen, or -1 when the area does not parse.
 * PAD bytes count as options: they must stay too. */
static int dhcpv4_area_read(const uint8_t *p, size_t len, Opts *o) {
        int overload = 0;

        for (size_t i = 0; i < len && p[i] != 255;) {
                size_t n;

                if (p[i] == 0) {
                        opts_add(o, p + i, 1, 0);
                        i++;
                        continue;
                }
                if (i + 2 > len || i + 2 + p[i + 1] > len)
                        return -1;
                n = 2 + (size_t) p[i + 1];
                if (p[i] == 52 && n == 3)
                        overload = p[i + 2];
                opts_add(o, p + i, n, p[i]);
                i += n;
        }
        return overload;
}

static bool ra_area_read(const uint8_t *p, size_t len, Opts *o) {
        for (size_t i = 0; i < len;) {
                size_t n;

                if (i + 2 > len || p[i + 1] == 0 || i + (size_t) p[i + 1] * 8 > len)
                        return false;
                n = (size_t) p[i + 1] * 8;
                opts_add(o, p + i, n, p[i]);
                i += n;
        }
        return true;
}

static bool dhcpv6_area_read(const uint8_t *p, size_t len, Opts *o) {
        for (size_t i = 0; i < len;) {
                size_t n;

                if (i + 4 > len || i + 4 + be16_load(p + i + 2) > len)
                        return false;
                n = 4 + (size_t) be16_load(p + i + 2);
                opts_add(o, p + i, n, be16_load(p + i));
                i += n;
        }
        return true;
}

/* The option areas of a message: DHCPv4's options field, then file and
 * sname when option 52 says so (RFC 2131 4.1); the RA's options; the
 * DHCPv6 message's. */
typedef struct Areas {
        size_t n;
        const uint8_t *p[3];
        size_t len[3];
} Areas;

static bool areas_find(const uint8_t *f, const Layout *l, AutoconfVerdict kind, Areas *a) {
        const uint8_t *m = f + l->l4;
        static Opts scratch;
        int overload;

        a->n = 0;
        if (kind == AUTOCONF_SANITIZED_RA) {
                if (l->l4_len < 16)
                        return false;
                *a = (Areas) {.n = 1, .p = {m + 16}, .len = {l->l4_len - 16}};
                return true;
        }
        if (kind == AUTOCONF_SANITIZED_DHCPV6) {
                if (l->l4_len < 8 + 4)
                        return false;
                *a = (Areas) {.n = 1, .p = {m + 8 + 4}, .len = {l->l4_len - 8 - 4}};
                return true;
        }
        m += 8;
        if (l->l4_len < 8 + 240)
                return false;
        *a = (Areas) {.n = 1, .p = {m + 240}, .len = {l->l4_len - 8 - 240}};
        scratch.n = 0;
        overload = dhcpv4_area_read(a->p[0], a->len[0], &scratch);
        if (overload < 0)
                return false;
        if (overload & 1) {
                a->p[a->n] = m + 108;
                a->len[a->n++] = 128;
        }
        if (overload & 2) {
                a->p[a->n] = m + 44;
                a->len[a->n++] = 64;
        }
        return true;
}

static bool area_read(AutoconfVerdict kind, const uint8_t *p, size_t len, Opts *o) {
        o->n = 0;
        if (kind == AUTOCONF_SANITIZED_DHCPV4)
                return dhcpv4_area_read(p, len, o) >= 0;
        if (kind == AUTOCONF_SANITIZED_RA)
                return ra_area_read(p, len, o);
        return dhcpv6_area_read(p, len, o);
}

static void check_options(const uint8_t *in, const Layout *lin, const uint8_t *out, const Layout *lout,
                          AutoconfVerdict kind) {
        static Opts before, after;
        const uint16_t *removed = kind == AUTOCONF_SANITIZED_DHCPV4 ? dhcpv4_removed
                                  : kind == AUTOCONF_SANITIZED_RA   ? ra_removed
                                                                    : dhcpv6_removed;
        size_t n_removed = kind == AUTOCONF_SANITIZED_DHCPV4 ? ELEMENTSOF(dhcpv4_removed)
                           : kind == AUTOCONF_SANITIZED_RA   ? ELEMENTSOF(ra_removed)
                                                             : ELEMENTSOF(dhcpv6_removed);
        Areas ain, aout;

        CHECK(areas_find(in, lin, kind, &ain));
        CHECK(areas_find(out, lout, kind, &aout));
        CHECK(ain.n == aout.n);
        for (size_t k = 0; k < ain.n; k++) {
                size_t j = 0;

                CHECK(area_read(kind, ain.p[k], ain.len[k], &before));
                CHECK(area_read(kind, aout.p[k], aout.len[k], &after));
                for (size_t i = 0; i < before.n; i++) {
                        if (in_list(before.code[i], removed, n_removed))
                                continue;
                        CHECK(j < after.n);
                        CHECK(after.len[j] == before.len[i]);
                        CHECK(memcmp(after.p[j], before.p[i], before.len[i]) == 0);
                        j++;
                }
                /* A DHCPv4 area without END ends in the PAD bytes the
                 * removed options left. */
                for (; j < after.n; j++)
                        CHECK(kind == AUTOCONF_SANITIZED_DHCPV4 && after.code[j] == 0);
                for (size_t i = 0; i < after.n; i++)
                        CHECK(!in_list(after.code[i], removed, n_removed));
        }
}

/* ---- building templates ------------------------------------------------------------- */

/* Puts as much of `data` after the template's first `head` bytes as a
 * frame holds; returns the frame's length. */
static size_t template_fill(uint8_t *f, size_t head, const uint8_t *data, size_t size) {
        size_t len = head + MIN(size, (size_t) (FRAME_MAX - head));

        memcpy(f + head, data, len - head);
        return len;
}

/* A DHCPv4 reply from 192.0.2.1 to everyone; with MODE_OVERLOAD_AREAS
 * the first 192 bytes of data fill sname and file. */
static size_t template_dhcpv4(uint8_t *f, uint8_t mode, const uint8_t *data, size_t size) {
        size_t len;

        be16_store(f + 12, 0x0800);
        f[14] = 0x45;
        f[14 + 8] = 64;
        f[14 + 9] = 17;
        be32_store(f + 14 + 12, 0xc0000201);
        be32_store(f + 14 + 16, 0xffffffff);
        be16_store(f + 34, 67);
        be16_store(f + 36, 68);
        f[42] = 2;
        f[43] = 1;
        f[44] = 6;
        memcpy(f + 42 + 236, (const uint8_t[]) {99, 130, 83, 99}, 4);
        if (mode & MODE_OVERLOAD_AREAS) {
                size_t n = MIN(size, (size_t) 192);
                memcpy(f + 42 + 44, data, n);
                data += n;
                size -= n;
        }
        len = template_fill(f, 14 + 20 + 8 + 240, data, size);
        be16_store(f + 14 + 2, (uint16_t) (len - 14));
        be16_store(f + 34 + 4, (uint16_t) (len - 34));
        return len;
}

/* An IPv6 header from the router's fe80::1 to <dst_prefix>::<dst_last>. */
static void template_ipv6_header(uint8_t *f, uint8_t next_header, uint16_t dst_prefix, uint8_t dst_last) {
        be16_store(f + 12, 0x86dd);
        f[14] = 0x60;
        f[14 + 6] = next_header;
        f[14 + 7] = 255;
        f[14 + 8] = 0xfe;
        f[14 + 9] = 0x80;
        f[14 + 23] = 1;
        be16_store(f + 14 + 24, dst_prefix);
        f[14 + 39] = dst_last;
}

/* A router advertisement to ff02::1; the first 3 bytes of data are its
 * flags and router lifetime, the rest its options. */
static size_t template_ra(uint8_t *f, const uint8_t *data, size_t size) {
        size_t len;

        template_ipv6_header(f, 58, 0xff02, 1);
        f[54] = 134;
        f[54 + 4] = 64;
        if (size >= 3) {
                f[54 + 5] = data[0];
                f[54 + 6] = data[1];
                f[54 + 7] = data[2];
                data += 3;
                size -= 3;
        }
        len = template_fill(f, 14 + 40 + 16, data, size);
        be16_store(f + 18, (uint16_t) (len - 54));
        return len;
}

/* A DHCPv6 message from the router to fe80::2. */
static size_t template_dhcpv6(uint8_t *f, const uint8_t *data, size_t size) {
        size_t len;

        template_ipv6_header(f, 17, 0xfe80, 2);
        be16_store(f + 54, 547);
        be16_store(f + 56, 546);
        len = template_fill(f, 14 + 40 + 8, data, size);
        be16_store(f + 18, (uint16_t) (len - 54));
        be16_store(f + 54 + 4, (uint16_t) (len - 54));
        return len;
}

static size_t build_template(uint8_t *f, uint8_t mode, const uint8_t *data, size_t size) {
        unsigned kind = (mode >> MODE_KIND_SHIFT) & 3;
        size_t len;
        Layout l;

        memset(f, 0, 14 + 40 + 8 + 240);
        memcpy(f, (const uint8_t[]) {0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc}, 12);
        if (kind == 0)
                len = template_dhcpv4(f, mode, data, size);
        else if (kind == 1)
                len = template_ra(f, data, size);
        else
                len = template_dhcpv6(f, data, size);

        if (!(mode & MODE_KEEP_CHECKSUM) && layout_find(f, len, &l)) {
                checksum_fix(f, &l);
                if (kind == 0 && (mode & MODE_ZERO_UDP_CHECKSUM))
                        be16_store(f + checksum_field(&l), 0);
        }
        return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static uint8_t before[FRAME_MAX], out[FRAME_MAX], again[FRAME_MAX];
        Layout lin = {}, lout = {};
        size_t len, out_len = SIZE_MAX, again_len = SIZE_MAX;
        bool checksum_was_ok = false, found;
        AutoconfVerdict v;
        uint8_t *frame, mode;

        if (size < 1)
                return 0;
        mode = data[0];
        data++;
        size--;
        if (mode & MODE_TEMPLATE)
                len = build_template(before, mode, data, size);
        else {
                len = MIN(size, (size_t) FRAME_MAX);
                memcpy(before, data, len);
        }
        found = layout_find(before, len, &lin);
        if (found)
                checksum_was_ok = checksum_ok(before, &lin);

        /* An exact-size heap copy, so ASan sees any read past the end. */
        frame = malloc(len > 0 ? len : 1);
        if (!frame)
                abort();
        memcpy(frame, before, len);

        v = autoconf_sanitize_frame(frame, len, out, sizeof(out), &out_len);
        CHECK(v >= 0 && v < _AUTOCONF_VERDICT_MAX);
        CHECK(autoconf_verdict_to_string(v));
        CHECK(memcmp(frame, before, len) == 0);

        if (!autoconf_verdict_is_sanitized(v)) {
                CHECK(out_len == SIZE_MAX);
                free(frame);
                return 0;
        }

        CHECK(found);
        CHECK(out_len <= len);
        CHECK(layout_find(out, out_len, &lout));
        if (be16_load(before + checksum_field(&lin)) != 0 || lin.ipv6)
                CHECK(checksum_was_ok && checksum_ok(out, &lout));
        else
                CHECK(be16_load(out + checksum_field(&lout)) == 0);
        if (v == AUTOCONF_SANITIZED_DHCPV4) {
                CHECK(!lin.ipv6 && out_len == len);
                CHECK(memcmp(out, before, lin.l4 + 6) == 0);
        } else {
                CHECK(lin.ipv6);
                CHECK((size_t) (be16_load(before + 18) - be16_load(out + 18)) == len - out_len);
                CHECK(memcmp(out, before, 18) == 0);
        }
        if (v == AUTOCONF_SANITIZED_RA)
                CHECK(be16_load(out + 54 + 6) == 0);
        check_options(before, &lin, out, &lout, v);

        /* Idempotent, and the result parses. */
        CHECK(autoconf_sanitize_frame(out, out_len, again, sizeof(again), &again_len) == AUTOCONF_CLEAN);
        CHECK(again_len == SIZE_MAX);

        /* In place: the same bytes. */
        CHECK(autoconf_sanitize_frame(frame, len, frame, len, &again_len) == v);
        CHECK(again_len == out_len && memcmp(frame, out, out_len) == 0);

        free(frame);
        return 0;
}
