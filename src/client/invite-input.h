/* SPDX-License-Identifier: MIT */
#pragma once

/* Where lanparty-client takes its invite link from. The link carries the
 * room key, and a program's command line is public on Linux: every local
 * user reads it in /proc/PID/cmdline (and `ps`). So besides the argument
 * the link comes from a file only its owner may read, from stdin, or from
 * $LANPARTY_INVITE, which is wiped once read. The file's text is read as
 * client.exe reads a .lanparty file (invite_from_file_data()). */

#include <stddef.h>

#include "client-win-args.h"

#define INVITE_INPUT_ENV "LANPARTY_INVITE"
/* Longest link text taken from any source, NUL included. */
#define INVITE_INPUT_LINK_MAX (CLIENT_WIN_INVITE_FILE_MAX + 1)

/* Reads the link from the file at `path`, or from stdin for "-". A file
 * that the group or others may access is refused (-EPERM): the room key in
 * it would not be secret. Stdin is read up to the end of the first line
 * that is not blank or a # comment, so a pasted link needs no Ctrl-D.
 * Returns 0 with the link in `link`, or a negative errno with a one-line
 * reason (naming the file) in `error`. */
int invite_input_read_file(const char *path, char *link, size_t size, char *error, size_t error_size);

/* Like invite_input_read_file("-"), from any file descriptor. */
int invite_input_read_fd(int fd, const char *what, char *link, size_t size, char *error, size_t error_size);

/* Takes the link from the environment variable `name`: copies it to
 * `link`, overwrites the value where it lives (the bytes
 * /proc/PID/environ shows) and unsets it. Returns 1 when taken, 0 when
 * the variable is not set, -ENOBUFS (variable still wiped) when it does
 * not fit. */
int invite_input_take_env(const char *name, char *link, size_t size);

/* Overwrites a command line argument in place, so /proc/PID/cmdline no
 * longer shows it. Only from then on: it was public until this runs. */
void invite_input_wipe_argument(char *arg);
