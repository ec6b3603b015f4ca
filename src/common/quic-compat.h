/* SPDX-License-Identifier: MIT */
#pragma once

/* The few ngtcp2 calls and types that differ between 0.12 (Debian 12, and
 * the Windows build, tools/build-windows-deps.sh) and the stable 1.x API
 * (Debian 13 ships 1.11), behind our own names. meson picks the side from
 * the version pkg-config reports (LANPARTY_NGTCP2_1X in config.h); this is
 * the only place that looks at it. Everything else quic.c, quic-server.c
 * and the tests use is spelled the same in both.
 *
 *   what                            0.12                                1.x
 *   close error                     ngtcp2_connection_close_error       ngtcp2_ccerr
 *   its setters                     ngtcp2_connection_close_error_*()   ngtcp2_ccerr_*()
 *   the peer's close error          ngtcp2_conn_get_connection_close_error() fills a copy
 *                                                                       ngtcp2_conn_get_ccerr() returns a pointer
 *   crypto level of CRYPTO data     ngtcp2_crypto_level                 ngtcp2_encryption_level
 *   RTT figures                     ngtcp2_conn_get_conn_stat()         ngtcp2_conn_get_conn_info()
 *   number of our CIDs              ngtcp2_conn_get_num_scid()          ngtcp2_conn_get_scid(conn, NULL)
 *   server's original_dcid param    implied                             original_dcid_present = 1 (asserted)
 *   an Initial's token              ngtcp2_pkt_hd.token (ngtcp2_vec)    .token, .tokenlen
 *   a validated token in settings   ngtcp2_settings.token (ngtcp2_vec)  .token, .tokenlen, .token_type
 *
 * The callback table, settings and transport parameters are versioned
 * structs in both (ngtcp2_conn_client_new() and ngtcp2_settings_default()
 * are macros passing the header's struct versions), and the write, read
 * and expiry calls kept their signatures. Two behaviours changed with no
 * API change, and quic.c works with either: 1.x asserts that time never
 * goes back (conn_enter() keeps it monotonic), and paces packets to the
 * instant where 0.12 sent them up to 1 ms early. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ngtcp2/ngtcp2.h>

#if LANPARTY_NGTCP2_1X
_Static_assert(NGTCP2_VERSION_NUM >= 0x010000 && NGTCP2_VERSION_NUM < 0x020000,
               "meson found ngtcp2 1.x, but the compiler sees other headers");

typedef ngtcp2_ccerr QuicCcerr;
#define QUIC_CCERR_TYPE_APPLICATION NGTCP2_CCERR_TYPE_APPLICATION
#define quic_ccerr_default ngtcp2_ccerr_default
#define quic_ccerr_set_application_error ngtcp2_ccerr_set_application_error
#define quic_ccerr_set_transport_error ngtcp2_ccerr_set_transport_error
#define quic_ccerr_set_tls_alert ngtcp2_ccerr_set_tls_alert
#define quic_ccerr_set_liberr ngtcp2_ccerr_set_liberr

typedef ngtcp2_encryption_level QuicCryptoLevel;
#define QUIC_CRYPTO_LEVEL_1RTT NGTCP2_ENCRYPTION_LEVEL_1RTT

typedef ngtcp2_conn_info QuicConnInfo;
#define quic_compat_get_conn_info ngtcp2_conn_get_conn_info

#define QUIC_COMPAT_CC_ALGO_BBR NGTCP2_CC_ALGO_BBR /* "BBR v2" in 1.x's header */

#else
_Static_assert(NGTCP2_VERSION_NUM >= 0x000c00 && NGTCP2_VERSION_NUM < 0x000d00,
               "meson found ngtcp2 0.12, but the compiler sees other headers");

typedef ngtcp2_connection_close_error QuicCcerr;
#define QUIC_CCERR_TYPE_APPLICATION NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION
#define quic_ccerr_default ngtcp2_connection_close_error_default
#define quic_ccerr_set_application_error ngtcp2_connection_close_error_set_application_error
#define quic_ccerr_set_transport_error ngtcp2_connection_close_error_set_transport_error
#define quic_ccerr_set_tls_alert ngtcp2_connection_close_error_set_transport_error_tls_alert
#define quic_ccerr_set_liberr ngtcp2_connection_close_error_set_transport_error_liberr

typedef ngtcp2_crypto_level QuicCryptoLevel;
#define QUIC_CRYPTO_LEVEL_1RTT NGTCP2_CRYPTO_LEVEL_APPLICATION

/* Same members as 1.x's ngtcp2_conn_info (RTTs, cwnd, ssthresh, bytes in
 * flight), and more. */
typedef ngtcp2_conn_stat QuicConnInfo;
#define quic_compat_get_conn_info ngtcp2_conn_get_conn_stat

/* 0.12's NGTCP2_CC_ALGO_BBR is BBR v1; 1.x kept only v2, under that name. */
#define QUIC_COMPAT_CC_ALGO_BBR NGTCP2_CC_ALGO_BBR2
#endif

/* What the peer's CONNECTION_CLOSE said (reason points into conn). */
static inline void quic_compat_get_peer_ccerr(ngtcp2_conn *conn, QuicCcerr *ret) {
#if LANPARTY_NGTCP2_1X
        *ret = *ngtcp2_conn_get_ccerr(conn);
#else
        ngtcp2_conn_get_connection_close_error(conn, ret);
#endif
}

/* How many CIDs ngtcp2_conn_get_scid() would write. */
static inline size_t quic_compat_get_num_scid(ngtcp2_conn *conn) {
#if LANPARTY_NGTCP2_1X
        return ngtcp2_conn_get_scid(conn, NULL);
#else
        return ngtcp2_conn_get_num_scid(conn);
#endif
}

/* A server's transport parameters name the client's first DCID. */
static inline void quic_compat_set_original_dcid(ngtcp2_transport_params *p, const ngtcp2_cid *dcid) {
        p->original_dcid = *dcid;
#if LANPARTY_NGTCP2_1X
        p->original_dcid_present = 1;
#endif
}

/* The token an Initial carried (length 0: none). */
static inline void quic_compat_pkt_hd_token(const ngtcp2_pkt_hd *hd, const uint8_t **ret, size_t *ret_len) {
#if LANPARTY_NGTCP2_1X
        *ret = hd->token;
        *ret_len = hd->tokenlen;
#else
        *ret = hd->token.base;
        *ret_len = hd->token.len;
#endif
}

/* A server tells ngtcp2 the client's Retry token verified: its address is
 * validated. ngtcp2 copies the token. */
static inline void quic_compat_settings_set_retry_token(ngtcp2_settings *s, const uint8_t *token, size_t len) {
#if LANPARTY_NGTCP2_1X
        s->token = token;
        s->tokenlen = len;
        s->token_type = NGTCP2_TOKEN_TYPE_RETRY;
#else
        s->token = (ngtcp2_vec) { .base = (uint8_t *) (uintptr_t) token, .len = len };
#endif
}
