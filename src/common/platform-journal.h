/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* Linux only: logs to journald when stderr is connected to it (systemd sets
 * $JOURNAL_STREAM for services) or when $LANPARTY_LOG_TARGET=journal, and
 * reads $LANPARTY_LOG_LEVEL. Call once at start-up. */
void log_setup_linux(void);
