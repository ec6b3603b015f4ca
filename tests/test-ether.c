/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "ether.h"
#include "macro.h"
#include "test-util.h"

/* Exact-size heap copies, so ASan and valgrind catch a read past the end. */
static int parse_copy(const uint8_t *data, size_t len, EtherHeader *ret) {
        uint8_t *copy = malloc(len > 0 ? len : 1);
        CHECK(copy);
        if (len > 0)
                memcpy(copy, data, len);
        int r = ether_header_parse(copy, len, ret);
        free(copy);
        return r;
}

static int mac_from_copy(const char *s, size_t n, MacAddr *ret) {
        char *copy = malloc(n + 1);
        CHECK(copy);
        memcpy(copy, s, n);
        copy[n] = '\0';
        int r = mac_from_string(copy, ret);
        free(copy);
        return r;
}

/* ---- hostile inputs ---- */

static void test_header_hostile(void) {
        uint8_t frame[64] = {};
        EtherHeader h;

        CHECK_EQ_INT(ether_header_parse(NULL, 14, &h), -EINVAL);
        CHECK_EQ_INT(ether_header_parse(frame, 14, NULL), -EINVAL);
        for (size_t len = 0; len < LP_ETHER_HEADER_LEN; len++)
                CHECK_EQ_INT(parse_copy(frame, len, &h), -EBADMSG);

        /* A tag announced but cut short, for each tag kind. */
        static const uint16_t tpids[] = {LP_ETHERTYPE_VLAN, LP_ETHERTYPE_QINQ, LP_ETHERTYPE_QINQ_OLD};
        for (size_t i = 0; i < ELEMENTSOF(tpids); i++) {
                be16_store(frame + 12, tpids[i]);
                be16_store(frame + 16, LP_ETHERTYPE_IPV4);
                for (size_t len = 14; len < 18; len++)
                        CHECK_EQ_INT(parse_copy(frame, len, &h), -EBADMSG);
                CHECK_EQ_INT(parse_copy(frame, 18, &h), 0);
        }

        /* Second tag cut short. */
        be16_store(frame + 12, LP_ETHERTYPE_QINQ);
        be16_store(frame + 16, LP_ETHERTYPE_VLAN);
        be16_store(frame + 20, LP_ETHERTYPE_IPV6);
        for (size_t len = 18; len < 22; len++)
                CHECK_EQ_INT(parse_copy(frame, len, &h), -EBADMSG);

        /* A frame of nothing but tags never ends in a payload type. */
        uint8_t tags[14 + 4 * 100];
        memset(tags, 0, sizeof(tags));
        for (size_t off = 12; off + 2 <= sizeof(tags); off += 4)
                be16_store(tags + off, LP_ETHERTYPE_VLAN);
        CHECK_EQ_INT(parse_copy(tags, sizeof(tags), &h), -EBADMSG);
        /* ... unless the last one names one. */
        be16_store(tags + sizeof(tags) - 2, LP_ETHERTYPE_ARP);
        CHECK_EQ_INT(parse_copy(tags, sizeof(tags), &h), 0);
        CHECK_EQ_INT(h.n_tags, 100);
        CHECK_EQ_INT(h.inner_ethertype, LP_ETHERTYPE_ARP);
        CHECK_EQ_INT(h.payload_offset, sizeof(tags));
        CHECK_EQ_INT(h.payload_len, 0);
}

static void test_mac_from_string_hostile(void) {
        MacAddr mac = {{1, 2, 3, 4, 5, 6}};
        const MacAddr untouched = mac;

        static const char *const bad[] = {
                "",
                "a",
                "aa",
                "aa:",
                "aa:bb:cc:dd:ee:f",      /* 16 chars */
                "aa:bb:cc:dd:ee:ff:",    /* trailing separator */
                "aa:bb:cc:dd:ee:ff0",    /* trailing junk */
                "aa:bb:cc:dd:ee:ff ",
                "aa:bb:cc:dd:ee:ff\n",
                " aa:bb:cc:dd:ee:ff",
                "aa:bb:cc:dd:ee:ff:00",
                "aa:bb-cc:dd:ee:ff",     /* mixed separators */
                "aa-bb-cc-dd-ee:ff",
                "aa.bb.cc.dd.ee.ff",
                "aa bb cc dd ee ff",
                "aabb.ccdd.eeff",
                "aabbccddeeff",
                "aa::bb:cc:dd:ee",
                "a:bb:cc:dd:ee:fff",     /* digit count shifted */
                "aaa:bb:cc:dd:ee:f",
                "gg:bb:cc:dd:ee:ff",
                "aa:bb:cc:dd:ee:fg",
                "+a:bb:cc:dd:ee:ff",
                "-a:bb:cc:dd:ee:ff",
                "0x:bb:cc:dd:ee:ff",
                "::::::::::::::::",
                "-----------------",
                "aa:bb:cc:dd:ee:\xff\xff",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (mac_from_copy(bad[i], strlen(bad[i]), &mac) != -EINVAL) {
                        fprintf(stderr, "accepted \"%s\"\n", bad[i]);
                        abort();
                }
                CHECK_MEM(&mac, &untouched, sizeof(mac));
        }

        /* Every proper prefix of a valid address, in an exact-size buffer. */
        const char *good = "AA-bb-CC-dd-EE-ff";
        for (size_t n = 0; n < strlen(good); n++)
                CHECK_EQ_INT(mac_from_copy(good, n, &mac), -EINVAL);
        CHECK_MEM(&mac, &untouched, sizeof(mac));

        /* An embedded NUL ends the string early. */
        CHECK_EQ_INT(mac_from_string("aa:bb:cc\0dd:ee:ff", &mac), -EINVAL);

        CHECK_EQ_INT(mac_from_string(NULL, &mac), -EINVAL);
        CHECK_EQ_INT(mac_from_string("aa:bb:cc:dd:ee:ff", NULL), -EINVAL);
}

/* ---- normal use ---- */

static void test_header_parse(void) {
        uint8_t frame[64] = {};
        EtherHeader h;
        static const MacAddr dst = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
        static const MacAddr src = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

        memcpy(frame, dst.bytes, 6);
        memcpy(frame + 6, src.bytes, 6);

        /* Untagged IPv4; the header alone is a valid frame. */
        be16_store(frame + 12, LP_ETHERTYPE_IPV4);
        CHECK_EQ_INT(parse_copy(frame, 14, &h), 0);
        CHECK(mac_equal(&h.dst, &dst));
        CHECK(mac_equal(&h.src, &src));
        CHECK_EQ_INT(h.ethertype, LP_ETHERTYPE_IPV4);
        CHECK(!h.tagged);
        CHECK_EQ_INT(h.n_tags, 0);
        CHECK_EQ_INT(h.inner_ethertype, LP_ETHERTYPE_IPV4);
        CHECK_EQ_INT(h.payload_offset, 14);
        CHECK_EQ_INT(h.payload_len, 0);
        CHECK_EQ_INT(parse_copy(frame, 60, &h), 0);
        CHECK_EQ_INT(h.payload_len, 46);

        /* 802.1Q. */
        be16_store(frame + 12, LP_ETHERTYPE_VLAN);
        be16_store(frame + 14, 0x2005); /* PCP 1, VID 5 */
        be16_store(frame + 16, LP_ETHERTYPE_IPV6);
        CHECK_EQ_INT(parse_copy(frame, 60, &h), 0);
        CHECK_EQ_INT(h.ethertype, LP_ETHERTYPE_VLAN);
        CHECK(h.tagged);
        CHECK_EQ_INT(h.n_tags, 1);
        CHECK_EQ_INT(h.inner_ethertype, LP_ETHERTYPE_IPV6);
        CHECK_EQ_INT(h.payload_offset, 18);
        CHECK_EQ_INT(h.payload_len, 42);

        /* 802.1ad outer, 802.1Q inner. */
        be16_store(frame + 12, LP_ETHERTYPE_QINQ);
        be16_store(frame + 16, LP_ETHERTYPE_VLAN);
        be16_store(frame + 20, LP_ETHERTYPE_ARP);
        CHECK_EQ_INT(parse_copy(frame, 22, &h), 0);
        CHECK_EQ_INT(h.ethertype, LP_ETHERTYPE_QINQ);
        CHECK(h.tagged);
        CHECK_EQ_INT(h.n_tags, 2);
        CHECK_EQ_INT(h.inner_ethertype, LP_ETHERTYPE_ARP);
        CHECK_EQ_INT(h.payload_offset, 22);
        CHECK_EQ_INT(h.payload_len, 0);

        /* Old-style 0x9100. */
        be16_store(frame + 12, LP_ETHERTYPE_QINQ_OLD);
        be16_store(frame + 16, LP_ETHERTYPE_IPV4);
        CHECK_EQ_INT(parse_copy(frame, 30, &h), 0);
        CHECK_EQ_INT(h.ethertype, LP_ETHERTYPE_QINQ_OLD);
        CHECK(h.tagged);
        CHECK_EQ_INT(h.inner_ethertype, LP_ETHERTYPE_IPV4);
        CHECK_EQ_INT(h.payload_offset, 18);

        /* An 802.3 length field is reported as it is. */
        be16_store(frame + 12, 46);
        CHECK_EQ_INT(parse_copy(frame, 60, &h), 0);
        CHECK_EQ_INT(h.ethertype, 46);
        CHECK(h.ethertype < LP_ETHERTYPE_MIN);
        CHECK(!h.tagged);

        CHECK(ether_type_is_vlan(0x8100));
        CHECK(ether_type_is_vlan(0x88a8));
        CHECK(ether_type_is_vlan(0x9100));
        CHECK(!ether_type_is_vlan(0x0800));
        CHECK(!ether_type_is_vlan(0x9200));
        CHECK(!ether_type_is_vlan(0x86dd));
}

static void test_constants(void) {
        CHECK_EQ_INT(LP_ETHER_HEADER_LEN, 14);
        CHECK_EQ_INT(LP_ETHER_FRAME_MAX, 1518);
        CHECK_EQ_INT(LP_ETHERTYPE_IPV4, 0x0800);
        CHECK_EQ_INT(LP_ETHERTYPE_ARP, 0x0806);
        CHECK_EQ_INT(LP_ETHERTYPE_IPV6, 0x86dd);
        CHECK_EQ_INT(sizeof(MacAddr), LP_MAC_LEN);
}

static void test_mac_string(void) {
        MacAddr mac;
        char buf[LP_MAC_STR_MAX];

        CHECK_EQ_INT(mac_from_string("aa:bb:cc:dd:ee:ff", &mac), 0);
        CHECK_MEM(mac.bytes, ((const uint8_t[]) {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}), 6);
        CHECK_EQ_STR(mac_to_string(&mac, buf), "aa:bb:cc:dd:ee:ff");

        CHECK_EQ_INT(mac_from_string("AA-BB-CC-DD-EE-FF", &mac), 0);
        CHECK_EQ_STR(mac_to_string(&mac, buf), "aa:bb:cc:dd:ee:ff");

        CHECK_EQ_INT(mac_from_string("02:0a:F0:9B:00:01", &mac), 0);
        CHECK_MEM(mac.bytes, ((const uint8_t[]) {0x02, 0x0a, 0xf0, 0x9b, 0x00, 0x01}), 6);
        CHECK_EQ_STR(mac_to_string(&mac, buf), "02:0a:f0:9b:00:01");

        CHECK_EQ_INT(mac_from_string("00:00:00:00:00:00", &mac), 0);
        CHECK(mac_is_zero(&mac));
        CHECK_EQ_STR(mac_to_string(&mac, buf), "00:00:00:00:00:00");

        /* mac_to_string fills exactly LP_MAC_STR_MAX bytes. */
        char *exact = malloc(LP_MAC_STR_MAX);
        CHECK(exact);
        mac = (MacAddr) {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
        CHECK(mac_to_string(&mac, exact) == exact);
        CHECK_EQ_INT(strlen(exact), LP_MAC_STR_MAX - 1);
        free(exact);

        /* Round trip over byte values in every position. */
        for (unsigned v = 0; v < 256; v++) {
                MacAddr in, out;
                for (size_t i = 0; i < LP_MAC_LEN; i++)
                        in.bytes[i] = (uint8_t) (v + 37 * i);
                mac_to_string(&in, buf);
                CHECK_EQ_INT(mac_from_string(buf, &out), 0);
                CHECK(mac_equal(&in, &out));
        }
}

static void test_predicates(void) {
        static const struct {
                MacAddr mac;
                bool multicast, broadcast, zero, local, valid_source, valid_virtual, reserved;
        } cases[] = {
                {{{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}}, false, false, true, false, false, false, false},
                {{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}, true, true, false, true, false, false, false},
                {{{0x00, 0x1b, 0x21, 0x01, 0x02, 0x03}}, false, false, false, false, true, false, false},
                {{{0x02, 0x00, 0x00, 0x00, 0x00, 0x00}}, false, false, false, true, true, true, false},
                {{{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}}, false, false, false, true, true, true, false},
                {{{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff}}, false, false, false, true, true, true, false},
                {{{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}}, true, false, false, false, false, false, false},
                {{{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}}, true, false, false, true, false, false, false},
                {{{0x03, 0x00, 0x00, 0x00, 0x00, 0x00}}, true, false, false, true, false, false, false},
                {{{0x00, 0x00, 0x00, 0x00, 0x00, 0x01}}, false, false, false, false, true, false, false},
                {{{0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}}, true, false, false, true, false, false, false},
                {{{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}}, true, false, false, false, false, false, true},
                {{{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}}, true, false, false, false, false, false, true},
                {{{0x01, 0x80, 0xc2, 0x00, 0x00, 0x0f}}, true, false, false, false, false, false, true},
                {{{0x01, 0x80, 0xc2, 0x00, 0x00, 0x10}}, true, false, false, false, false, false, false},
                {{{0x01, 0x80, 0xc2, 0x00, 0x01, 0x00}}, true, false, false, false, false, false, false},
                {{{0x01, 0x80, 0xc3, 0x00, 0x00, 0x00}}, true, false, false, false, false, false, false},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const MacAddr *m = &cases[i].mac;
                char buf[LP_MAC_STR_MAX];
                fprintf(stderr, "   %s\n", mac_to_string(m, buf));
                CHECK_EQ_INT(mac_is_multicast(m), cases[i].multicast);
                CHECK_EQ_INT(mac_is_unicast(m), !cases[i].multicast);
                CHECK_EQ_INT(mac_is_broadcast(m), cases[i].broadcast);
                CHECK_EQ_INT(mac_is_zero(m), cases[i].zero);
                CHECK_EQ_INT(mac_is_locally_administered(m), cases[i].local);
                CHECK_EQ_INT(mac_is_valid_source(m), cases[i].valid_source);
                CHECK_EQ_INT(mac_is_valid_virtual(m), cases[i].valid_virtual);
                CHECK_EQ_INT(mac_is_ieee_reserved(m), cases[i].reserved);
                CHECK(mac_equal(m, m));
        }

        MacAddr a = {{1, 2, 3, 4, 5, 6}}, b = a;
        CHECK(mac_equal(&a, &b));
        b.bytes[5] ^= 1;
        CHECK(!mac_equal(&a, &b));
        b = a;
        b.bytes[0] ^= 0x80;
        CHECK(!mac_equal(&a, &b));
}

static void test_generate_virtual(void) {
        MacAddr first, mac;
        unsigned same = 0;
        uint8_t ored = 0, anded = 0xff;

        CHECK_EQ_INT(mac_generate_virtual(NULL), -EINVAL);
        CHECK_EQ_INT(mac_generate_virtual(&first), 0);
        CHECK(mac_is_valid_virtual(&first));

        for (int i = 0; i < 1000; i++) {
                CHECK_EQ_INT(mac_generate_virtual(&mac), 0);
                CHECK(mac_is_valid_virtual(&mac));
                CHECK(mac_is_unicast(&mac));
                CHECK(mac_is_locally_administered(&mac));
                if (mac_equal(&mac, &first))
                        same++;
                ored |= mac.bytes[5];
                anded &= mac.bytes[5];
        }
        /* 48-2 random bits: a repeat or a stuck byte means no randomness. */
        CHECK_EQ_INT(same, 0);
        CHECK_EQ_INT(ored, 0xff);
        CHECK_EQ_INT(anded, 0);
}

int main(void) {
        RUN(test_header_hostile);
        RUN(test_mac_from_string_hostile);
        RUN(test_header_parse);
        RUN(test_constants);
        RUN(test_mac_string);
        RUN(test_predicates);
        RUN(test_generate_virtual);
        return 0;
}
