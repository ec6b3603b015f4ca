/* SPDX-License-Identifier: MIT */
#include "event-timer.h"

#include <errno.h>

int event_timer_arm_exactly(EventTimer *t, uint64_t usec) {
        int r;

        if (!t || !t->source)
                return -EINVAL;
        if (usec == UINT64_MAX) {
                t->armed_usec = UINT64_MAX;
                return sd_event_source_set_enabled(t->source, SD_EVENT_OFF);
        }
        r = sd_event_source_set_time(t->source, usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(t->source, SD_EVENT_ONESHOT);
        t->armed_usec = r >= 0 ? usec : UINT64_MAX;
        return r;
}

int event_timer_arm_by(EventTimer *t, uint64_t usec) {
        if (!t || !t->source)
                return -EINVAL;
        if (usec == UINT64_MAX || (t->armed_usec != UINT64_MAX && t->armed_usec <= usec))
                return 0;
        return event_timer_arm_exactly(t, usec);
}

void event_timer_fired(EventTimer *t) {
        if (t)
                t->armed_usec = UINT64_MAX;
}
