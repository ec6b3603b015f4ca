/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ether.h"
#include "hex.h"
#include "macro.h"

int ether_header_parse(const uint8_t *frame, size_t len, EtherHeader *ret) {
        if (!frame || !ret)
                return -EINVAL;
        if (len < LP_ETHER_HEADER_LEN)
                return -EBADMSG;

        EtherHeader h = {
                .ethertype = be16_load(frame + 2 * LP_MAC_LEN),
        };
        memcpy(h.dst.bytes, frame, LP_MAC_LEN);
        memcpy(h.src.bytes, frame + LP_MAC_LEN, LP_MAC_LEN);

        /* The type field sits in the last two bytes of every tag, so after
         * skipping one tag the next type is read from the same place. */
        size_t offset = LP_ETHER_HEADER_LEN;
        uint16_t type = h.ethertype;
        while (ether_type_is_vlan(type)) {
                if (len - offset < LP_ETHER_TAG_LEN)
                        return -EBADMSG;
                offset += LP_ETHER_TAG_LEN;
                type = be16_load(frame + offset - 2);
                h.n_tags++;
        }

        h.tagged = h.n_tags > 0;
        h.inner_ethertype = type;
        h.payload_offset = offset;
        h.payload_len = len - offset;
        *ret = h;
        return 0;
}

int mac_from_string(const char *s, MacAddr *ret) {
        if (!s || !ret)
                return -EINVAL;

        /* Positions are checked strictly in order and a NUL is never a
         * valid digit or separator, so a short string stops at its end and
         * is never read past. */
        MacAddr mac;
        char sep = 0;
        for (size_t i = 0; i < LP_MAC_LEN; i++) {
                const char *p = s + 3 * i;
                int hi = unhexchar(p[0]);
                if (hi < 0)
                        return -EINVAL;
                int lo = unhexchar(p[1]);
                if (lo < 0)
                        return -EINVAL;
                if (i + 1 == LP_MAC_LEN) {
                        if (p[2] != '\0')
                                return -EINVAL;
                } else {
                        if (i == 0)
                                sep = p[2];
                        if ((sep != ':' && sep != '-') || p[2] != sep)
                                return -EINVAL;
                }
                mac.bytes[i] = (uint8_t) (hi << 4 | lo);
        }

        *ret = mac;
        return 0;
}

const char *mac_to_string(const MacAddr *mac, char buf[static LP_MAC_STR_MAX]) {
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < LP_MAC_LEN; i++) {
                buf[3 * i] = hex[mac->bytes[i] >> 4];
                buf[3 * i + 1] = hex[mac->bytes[i] & 0x0f];
                buf[3 * i + 2] = i + 1 < LP_MAC_LEN ? ':' : '\0';
        }
        return buf;
}

int mac_generate_virtual(MacAddr *ret) {
        MacAddr mac;

        if (!ret)
                return -EINVAL;
        if (gnutls_rnd(GNUTLS_RND_RANDOM, mac.bytes, sizeof(mac.bytes)) < 0)
                return -EIO;

        /* Setting the U/L bit also keeps the address from being all-zero. */
        mac.bytes[0] = (uint8_t) ((mac.bytes[0] & ~0x01) | 0x02);
        *ret = mac;
        return 0;
}
