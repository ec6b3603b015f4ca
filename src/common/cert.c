/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifdef _WIN32
#  include <direct.h>
#  include <io.h>
#  include <ws2tcpip.h>
#else
#  include <arpa/inet.h>
#  include <unistd.h>
#endif

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "auth.h"
#include "cert.h"
#include "log.h"
#include "macro.h"
#include "file-util.h"

/* A PEM chain or key larger than this is not something we wrote or want. */
#define PEM_FILE_MAX (256U * 1024U)
#define DER_CERT_MAX (16U * 1024U)
#define PATH_MAX_LEN 4096
/* Long enough for a development relay to never need a renewal, short enough
 * to stay inside what every X.509 stack parses (UTCTime ends in 2049). */
#define CERT_LIFETIME_DAYS (10 * 365)

_Static_assert(CERT_PIN_SIZE == LP_SPKI_PIN_SIZE, "pin sizes differ");

DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_x509_crt_t, gnutls_x509_crt_deinit);
DEFINE_TRIVIAL_CLEANUP_FUNC(gnutls_x509_privkey_t, gnutls_x509_privkey_deinit);

static int errno_from_gnutls(int r) {
        return r == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EBADMSG;
}

static bool file_exists(const char *path) {
        struct stat st;

        return stat(path, &st) == 0;
}

static int make_dir(const char *dir) {
#ifdef _WIN32
        if (_mkdir(dir) < 0 && errno != EEXIST)
                return -errno;
#else
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
#endif
        return 0;
}

static int pin_from_crt(gnutls_x509_crt_t crt, uint8_t pin[static CERT_PIN_SIZE]) {
        _cleanup_free_ uint8_t *der = malloc(DER_CERT_MAX);
        size_t der_len = DER_CERT_MAX;
        int r;

        if (!der)
                return -ENOMEM;
        r = gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_DER, der, &der_len);
        if (r < 0)
                return errno_from_gnutls(r);
        return auth_spki_pin_from_der_cert(der, der_len, pin);
}

int cert_pin_from_pem_file(const char *path, uint8_t pin[static CERT_PIN_SIZE]) {
        _cleanup_(gnutls_x509_crt_deinitp) gnutls_x509_crt_t crt = NULL;
        _cleanup_free_ char *pem = NULL;
        size_t pem_len = 0;
        int r;

        if (!path)
                return -EINVAL;

        r = read_file_bounded(path, PEM_FILE_MAX, &pem, &pem_len);
        if (r < 0)
                return r;

        r = gnutls_x509_crt_init(&crt);
        if (r < 0)
                return errno_from_gnutls(r);
        /* gnutls_x509_crt_import takes the first PEM certificate of a chain. */
        gnutls_datum_t d = {.data = (uint8_t *) pem, .size = (unsigned) pem_len};
        r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
        if (r < 0)
                return errno_from_gnutls(r);

        return pin_from_crt(crt, pin);
}

static int load_key(const char *path, gnutls_x509_privkey_t *ret) {
        _cleanup_(gnutls_x509_privkey_deinitp) gnutls_x509_privkey_t key = NULL;
        _cleanup_free_ char *pem = NULL;
        size_t pem_len = 0;
        int r;

        r = read_file_bounded(path, PEM_FILE_MAX, &pem, &pem_len);
        if (r < 0)
                return r;

        r = gnutls_x509_privkey_init(&key);
        if (r < 0)
                return errno_from_gnutls(r);
        gnutls_datum_t d = {.data = (uint8_t *) pem, .size = (unsigned) pem_len};
        r = gnutls_x509_privkey_import(key, &d, GNUTLS_X509_FMT_PEM);
        /* Scrub the key material we read before the buffer is freed. */
        gnutls_memset(pem, 0, pem_len);
        if (r < 0)
                return errno_from_gnutls(r);

        *ret = TAKE_PTR(key);
        return 0;
}

static int generate_key(const char *path, gnutls_x509_privkey_t *ret) {
        _cleanup_(gnutls_x509_privkey_deinitp) gnutls_x509_privkey_t key = NULL;
        uint8_t pem[4096];
        size_t pem_len = sizeof pem;
        int r;

        r = gnutls_x509_privkey_init(&key);
        if (r < 0)
                return errno_from_gnutls(r);
        r = gnutls_x509_privkey_generate2(key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0);
        if (r < 0)
                return errno_from_gnutls(r);

        r = gnutls_x509_privkey_export_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, pem, &pem_len);
        if (r < 0)
                return errno_from_gnutls(r);

        r = write_file_atomic(path, pem, pem_len, 0600);
        gnutls_memset(pem, 0, sizeof pem);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);

        *ret = TAKE_PTR(key);
        return 0;
}

static int crt_set_san(gnutls_x509_crt_t crt, const char *hostname) {
        uint8_t ip[16];
        int r;

        if (inet_pton(AF_INET, hostname, ip) == 1)
                r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND);
        else if (inet_pton(AF_INET6, hostname, ip) == 1)
                r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16, GNUTLS_FSAN_APPEND);
        else
                r = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, hostname,
                                                         (unsigned) strlen(hostname), GNUTLS_FSAN_APPEND);
        return r < 0 ? errno_from_gnutls(r) : 0;
}

static int generate_cert(const char *path, const char *hostname, gnutls_x509_privkey_t key,
                         uint8_t pin[static CERT_PIN_SIZE]) {
        _cleanup_(gnutls_x509_crt_deinitp) gnutls_x509_crt_t crt = NULL;
        _cleanup_free_ uint8_t *pem = NULL;
        size_t pem_len = PEM_FILE_MAX;
        uint8_t serial[16], key_id[64];
        size_t key_id_len = sizeof key_id;
        time_t now = time(NULL);
        int r;

        r = gnutls_x509_crt_init(&crt);
        if (r < 0)
                return errno_from_gnutls(r);

        r = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
        if (r < 0)
                return -EIO;
        serial[0] = (uint8_t) ((serial[0] & 0x7f) | 0x40); /* positive, full length */

        if ((r = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
            (r = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
            /* An hour of slack for relays whose clock runs behind the client's. */
            (r = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
            (r = gnutls_x509_crt_set_expiration_time(crt, now + (time_t) CERT_LIFETIME_DAYS * 86400)) < 0 ||
            (r = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, hostname,
                                               (unsigned) strlen(hostname))) < 0 ||
            (r = gnutls_x509_crt_set_key(crt, key)) < 0 ||
            (r = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
            (r = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
            (r = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
            (r = gnutls_x509_crt_get_key_id(crt, 0, key_id, &key_id_len)) < 0 ||
            (r = gnutls_x509_crt_set_subject_key_id(crt, key_id, key_id_len)) < 0)
                return errno_from_gnutls(r);

        r = crt_set_san(crt, hostname);
        if (r < 0)
                return r;

        r = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
        if (r < 0)
                return errno_from_gnutls(r);

        pem = malloc(pem_len);
        if (!pem)
                return -ENOMEM;
        r = gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_PEM, pem, &pem_len);
        if (r < 0)
                return errno_from_gnutls(r);

        r = write_file_atomic(path, pem, pem_len, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);

        return pin_from_crt(crt, pin);
}

int cert_ensure_self_signed(const char *dir, const char *hostname, uint8_t pin[static CERT_PIN_SIZE]) {
        _cleanup_(gnutls_x509_privkey_deinitp) gnutls_x509_privkey_t key = NULL;
        char cert_path[PATH_MAX_LEN], key_path[PATH_MAX_LEN];
        bool generated = false;
        int r;

        if (!dir || !*dir || !hostname || !*hostname)
                return -EINVAL;

        if ((size_t) snprintf(cert_path, sizeof cert_path, "%s/" CERT_FILE_NAME, dir) >= sizeof cert_path ||
            (size_t) snprintf(key_path, sizeof key_path, "%s/" KEY_FILE_NAME, dir) >= sizeof key_path)
                return -ENAMETOOLONG;

        r = make_dir(dir);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);

        /* Who may read the key is the caller's to check (the relay does,
         * with src/shared's file_check_private()). */
        if (file_exists(key_path) && file_exists(cert_path)) {
                r = cert_pin_from_pem_file(cert_path, pin);
                if (r < 0)
                        return log_error_errno(r, "Failed to read certificate %s: %m", cert_path);
                return 0;
        }

        if (file_exists(key_path)) {
                r = load_key(key_path, &key);
                if (r < 0)
                        return log_error_errno(r, "Failed to read key %s: %m", key_path);
        } else {
                r = generate_key(key_path, &key);
                if (r < 0)
                        return r;
                generated = true;
        }

        r = generate_cert(cert_path, hostname, key, pin);
        if (r < 0)
                return log_error_errno(r, "Failed to create a self-signed certificate for %s: %m", hostname);

        log_info("Generated %s self-signed certificate %s for %s.", generated ? "a new key and" : "a",
                 cert_path, hostname);
        return 1;
}
