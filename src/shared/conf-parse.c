/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "conf-parse.h"

#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

int conf_error(char **ret_error, const char *format, ...) {
        va_list ap;
        char *s;
        int r;

        if (!ret_error)
                return -EINVAL;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        for (char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = '?';
        free(*ret_error);
        *ret_error = s;
        return -EINVAL;
}

const char *conf_value_shown(const char *value, char buf[static CONF_VALUE_SHOWN_SIZE]) {
        size_t o = 0, i;

        for (i = 0; value[i] && i < CONF_VALUE_SHOWN_MAX; i++) {
                unsigned char ch = (unsigned char) value[i];

                if (ch < 0x20 || ch == 0x7f || ch == '\\') {
                        snprintf(buf + o, 5, "\\x%02x", ch);
                        o += 4;
                } else
                        buf[o++] = (char) ch;
        }
        if (value[i]) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = '\0';
        return buf;
}

bool string_has_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

int free_and_strdup(char **dst, const char *src) {
        char *s = NULL;

        if (src) {
                s = strdup(src);
                if (!s)
                        return -ENOMEM;
        }
        free(*dst);
        *dst = s;
        return 0;
}

int conf_parse_path(const char *value, bool in_file, char **dst, char *reason, size_t reason_size) {
        if (!*value || string_has_control(value) || strlen(value) >= PATH_MAX) {
                snprintf(reason, reason_size, "expected a file system path");
                return -EINVAL;
        }
        if (in_file && value[0] != '/') {
                snprintf(reason, reason_size, "expected an absolute path");
                return -EINVAL;
        }
        return free_and_strdup(dst, value);
}

int conf_parse_bus_address(const char *value, char **dst, char *reason, size_t reason_size) {
        if (!*value || string_has_control(value) || strlen(value) >= CONF_BUS_ADDRESS_MAX) {
                snprintf(reason, reason_size, "expected a D-Bus address such as unix:path=/run/dbus/system_bus_socket");
                return -EINVAL;
        }
        return free_and_strdup(dst, value);
}

const char *conf_option_flag(const ConfParser *p, int option) {
        if (!p || option < 0 || (unsigned) option >= p->n_options)
                return NULL;
        return p->options[option].flag;
}

const char *conf_option_key(const ConfParser *p, int option) {
        if (!p || option < 0 || (unsigned) option >= p->n_options)
                return NULL;
        return p->options[option].key;
}

static int option_from_flag(const ConfParser *p, const char *arg, size_t len) {
        for (unsigned o = 0; o < p->n_options; o++)
                if (strlen(p->options[o].flag) == len && strncmp(p->options[o].flag, arg, len) == 0)
                        return (int) o;
        return -EINVAL;
}

static int option_from_key(const ConfParser *p, const char *key) {
        for (unsigned o = 0; o < p->n_options; o++)
                if (p->options[o].key && strcmp(p->options[o].key, key) == 0)
                        return (int) o;
        return -EINVAL;
}

int conf_parse_argv(const ConfParser *p, int argc, char *const *argv, unsigned *set, void *userdata,
                    char **ret_error) {
        char reason[CONF_REASON_MAX], shown[CONF_VALUE_SHOWN_SIZE];
        int r;

        if (!p || !set || argc < 0 || (argc > 0 && !argv))
                return -EINVAL;

        for (int i = 1; i < argc && argv[i]; i++) {
                const char *arg = argv[i], *eq, *value;
                const ConfOption *info;
                size_t len;
                int o;

                if (strcmp(arg, "--") == 0) {
                        if (i + 1 < argc && argv[i + 1])
                                return conf_error(ret_error, "unexpected argument '%s'",
                                                  conf_value_shown(argv[i + 1], shown));
                        break;
                }
                if (strcmp(arg, "-h") == 0)
                        arg = "--help";
                if (arg[0] != '-')
                        return conf_error(ret_error, "unexpected argument '%s' (settings are given as --flags)",
                                          conf_value_shown(arg, shown));
                if (arg[1] != '-')
                        return conf_error(ret_error, "unknown option '%s' (see --help)", conf_value_shown(arg, shown));

                eq = strchr(arg, '=');
                len = eq ? (size_t) (eq - arg) : strlen(arg);
                o = option_from_flag(p, arg, len);
                if (o < 0) {
                        char name[CONF_VALUE_SHOWN_MAX + 1];

                        snprintf(name, sizeof(name), "%.*s", (int) MIN(len, (size_t) CONF_VALUE_SHOWN_MAX), arg);
                        return conf_error(ret_error, "unknown option '%s' (see --help)",
                                          conf_value_shown(name, shown));
                }
                info = &p->options[o];

                if (info->kind == CONF_KIND_FLAG) {
                        if (eq)
                                return conf_error(ret_error, "%s takes no value", info->flag);
                        /* --help and --version stop at their first
                         * appearance, so they never meet this check. */
                        if (*set & CONF_OPTION_BIT(o))
                                return conf_error(ret_error, "%s: given more than once", info->flag);
                        r = p->set(userdata, (unsigned) o, NULL, false, reason, sizeof(reason));
                        if (r != 0)
                                return r;
                        *set |= CONF_OPTION_BIT(o);
                        continue;
                }

                if (eq)
                        value = eq + 1;
                else if (i + 1 < argc && argv[i + 1])
                        value = argv[++i];
                else
                        return conf_error(ret_error, "%s: missing value", info->flag);

                if (*set & CONF_OPTION_BIT(o))
                        return conf_error(ret_error, "%s: given more than once", info->flag);

                r = p->set(userdata, (unsigned) o, value, false, reason, sizeof(reason));
                if (r == -EINVAL)
                        return conf_error(ret_error, "%s: %s, got '%s'", info->flag, reason,
                                          conf_value_shown(value, shown));
                if (r < 0)
                        return r;
                *set |= CONF_OPTION_BIT(o);
        }
        return 0;
}

static void g_key_file_freep(GKeyFile **kf) {
        if (*kf)
                g_key_file_free(*kf);
}

static void g_error_freep(GError **e) {
        if (*e)
                g_error_free(*e);
}

static void g_strfreevp(char ***v) {
        g_strfreev(*v);
}

static void g_freep(char **p) {
        g_free(*p);
}

int conf_parse_file(const ConfParser *p, const char *filename, const char *data, size_t size, size_t max_size,
                    unsigned *set, void *userdata, char **ret_error) {
        _cleanup_(g_key_file_freep) GKeyFile *kf = NULL;
        _cleanup_(g_error_freep) GError *gerr = NULL;
        _cleanup_(g_strfreevp) char **groups = NULL, **keys = NULL;
        char reason[CONF_REASON_MAX], shown[CONF_VALUE_SHOWN_SIZE];
        int r;

        if (!p || !filename || (!data && size > 0) || !set)
                return -EINVAL;

        if (size > max_size)
                return conf_error(ret_error, "%s: file too large (more than %zu bytes)", filename, max_size);
        /* GKeyFile would stop at a NUL and silently ignore the rest. */
        if (size > 0 && memchr(data, '\0', size))
                return conf_error(ret_error, "%s: contains a NUL byte", filename);

        kf = g_key_file_new();
        /* KEEP_TRANSLATIONS: otherwise "Key[de]=" would vanish silently
         * instead of being reported as an unknown key. */
        if (size > 0 && !g_key_file_load_from_data(kf, data, size, G_KEY_FILE_KEEP_TRANSLATIONS, &gerr))
                return conf_error(ret_error, "%s: %s", filename, gerr->message);

        groups = g_key_file_get_groups(kf, NULL);
        for (size_t i = 0; groups && groups[i]; i++)
                if (strcmp(groups[i], p->group) != 0)
                        return conf_error(ret_error, "%s: unknown section [%s] (expected [%s])", filename,
                                          conf_value_shown(groups[i], shown), p->group);

        if (g_key_file_has_group(kf, p->group)) {
                keys = g_key_file_get_keys(kf, p->group, NULL, &gerr);
                if (!keys)
                        return conf_error(ret_error, "%s: %s", filename, gerr ? gerr->message : "cannot read keys");
        }

        for (size_t i = 0; keys && keys[i]; i++) {
                _cleanup_(g_freep) char *value = NULL;
                int o = option_from_key(p, keys[i]);
                const char *key;

                if (o < 0) {
                        const char *hint = p->unknown_key_hint ? p->unknown_key_hint(keys[i]) : NULL;

                        if (hint)
                                return conf_error(ret_error, "%s: %s", filename, hint);
                        return conf_error(ret_error, "%s: unknown key '%s' in [%s]", filename,
                                          conf_value_shown(keys[i], shown), p->group);
                }
                key = p->options[o].key;
                if (*set & CONF_OPTION_BIT(o))
                        return conf_error(ret_error, "%s: key %s= given more than once", filename, key);

                value = g_key_file_get_string(kf, p->group, keys[i], &gerr);
                /* For a bad escape ("\q", a '\' ending the line) GKeyFile
                 * sets the error but still returns its guess at the value. */
                if (!value || gerr)
                        return conf_error(ret_error, "%s: %s=: %s", filename, key,
                                          gerr ? gerr->message : "cannot read value");

                r = p->set(userdata, (unsigned) o, value, true, reason, sizeof(reason));
                if (r == -EINVAL)
                        return conf_error(ret_error, "%s: %s=: %s, got '%s'", filename, key, reason,
                                          conf_value_shown(value, shown));
                if (r < 0)
                        return r;
                *set |= CONF_OPTION_BIT(o);
        }
        return 0;
}

/* Returns 1 when read, 0 for a missing file that is `optional`. */
static int read_file_or_error(const char *path, size_t max_size, const char *what, bool optional, char **ret,
                              size_t *ret_size, char **ret_error) {
        int r;

        if (!path || !ret || !ret_size)
                return -EINVAL;

        r = read_file_bounded(path, max_size, ret, ret_size);
        if (r == -ENOENT && optional) {
                *ret = NULL;
                *ret_size = 0;
                return 0;
        }
        if (r == -EFBIG)
                return conf_error(ret_error, "%s: file too large (more than %zu bytes)", path, max_size);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return conf_error(ret_error, "%s: cannot read %s: %s", path, what, strerror(-r));
        return 1;
}

int conf_read_file(const char *given, const char *default_path, size_t max_size, const char **ret_path,
                   char **ret, size_t *ret_size, char **ret_error) {
        const char *path = given ? given : default_path;
        int r;

        if (!ret_path || !ret || !ret_size)
                return -EINVAL;

        *ret_path = NULL;
        *ret = NULL;
        *ret_size = 0;
        if (!path)
                return 0;

        /* A file asked for by name must be there; the default one is only
         * read when somebody put it there. */
        r = read_file_or_error(path, max_size, "config file", !given, ret, ret_size, ret_error);
        if (r > 0)
                *ret_path = path;
        return r;
}

int conf_state_directory(const char *state_directory, char **ret, char **ret_error) {
        char shown[CONF_VALUE_SHOWN_SIZE];
        size_t n;

        if (!ret)
                return -EINVAL;
        if (!state_directory || !*state_directory) {
                *ret = NULL;
                return 0;
        }

        n = strcspn(state_directory, ":");
        if (state_directory[0] != '/' || n >= PATH_MAX)
                return conf_error(ret_error, "$STATE_DIRECTORY: expected an absolute path, got '%s'",
                                  conf_value_shown(state_directory, shown));
        *ret = strndup(state_directory, n);
        if (!*ret)
                return -ENOMEM;
        return 1;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

int token_file_next(const char *data, size_t size, size_t *pos, size_t *line_no, const char **ret,
                    size_t *ret_len) {
        if ((!data && size > 0) || !pos || !line_no || !ret || !ret_len)
                return -EINVAL;

        while (*pos < size) {
                const char *line = data + *pos, *nl = memchr(line, '\n', size - *pos);
                size_t len = nl ? (size_t) (nl - line) : size - *pos;

                *pos += len + (nl ? 1 : 0);
                (*line_no)++;

                while (len > 0 && is_blank(line[0])) {
                        line++;
                        len--;
                }
                while (len > 0 && is_blank(line[len - 1]))
                        len--;
                if (len == 0 || line[0] == '#')
                        continue;

                *ret = line;
                *ret_len = len;
                return 1;
        }
        return 0;
}

size_t token_file_split(const char *line, size_t len, const char **ret_rest, size_t *ret_rest_len) {
        size_t n = 0, i;

        while (n < len && line[n] != ' ' && line[n] != '\t')
                n++;
        for (i = n; i < len && (line[i] == ' ' || line[i] == '\t');)
                i++;
        if (ret_rest)
                *ret_rest = line + i;
        if (ret_rest_len)
                *ret_rest_len = len - i;
        return n;
}

int token_file_check(const char *filename, size_t line_no, const char *token, size_t len, char **ret_error) {
        for (size_t i = 0; i < len; i++)
                if (token[i] < 0x21 || token[i] > 0x7e)
                        return conf_error(ret_error,
                                          "%s: line %zu: token contains a space or a character that is not "
                                          "printable ASCII",
                                          filename, line_no);
        return 0;
}

int token_file_read(const char *path, size_t max_size, char **ret, size_t *ret_size, char **ret_error) {
        char reason[FILE_PRIVATE_REASON_MAX];
        int r;

        if (!path || !ret || !ret_size)
                return -EINVAL;
        r = read_private_file(path, max_size, PRIVATE_GROUP_READ, ret, ret_size, reason, sizeof(reason));
        if (r == -EPERM)
                return conf_error(ret_error,
                                  "%s: %s; refusing to use it. Run 'chmod 600' on it, or give it to the service's "
                                  "group ('chgrp lanparty-relayd' or 'chgrp lanparty-gatewayd') with 'chmod 640'; "
                                  "replace the tokens if others may have read them",
                                  path, reason);
        if (r == -EFBIG)
                return conf_error(ret_error, "%s: file too large (more than %zu bytes)", path, max_size);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return conf_error(ret_error, "%s: cannot read gateway token file: %s", path, strerror(-r));
        return 0;
}

int conf_error_required(const ConfParser *p, int option, const char *metavar, const char *config_file,
                        const char *why, char **ret_error) {
        const char *flag = conf_option_flag(p, option), *key = conf_option_key(p, option);

        if (!flag || !metavar)
                return -EINVAL;
        if (config_file && key)
                return conf_error(ret_error, "%s %s is required (or %s= in %s)%s%s", flag, metavar, key, config_file,
                                  why ? ": " : "", why ? why : "");
        return conf_error(ret_error, "%s %s is required%s%s", flag, metavar, why ? ": " : "", why ? why : "");
}

int conf_parse_named_file(const ConfParser *p, const char *filename, const char *data, size_t size,
                          size_t max_size, char **config_file, unsigned *set, void *userdata, char **ret_error) {
        int r;

        if (!filename || !config_file)
                return -EINVAL;
        r = free_and_strdup(config_file, filename);
        if (r < 0)
                return r;
        return conf_parse_file(p, filename, data, size, max_size, set, userdata, ret_error);
}
