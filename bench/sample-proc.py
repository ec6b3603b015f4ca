#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Samples CPU time and RSS of some processes, and the machine's busy time,
until SIGTERM/SIGINT; then writes one JSON file.

Usage: sample-proc.py OUT.json INTERVAL NAME=PID...

CPU time comes from /proc/PID/stat (utime + stime, clock ticks), RSS from
VmRSS in /proc/PID/status, the machine's busy time from the first line of
/proc/stat. The harness turns first and last sample into CPU% (100% = one
core busy for the whole window)."""

import json
import os
import signal
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    # The command name may contain spaces and parentheses: fields start after the last ')'.
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def proc_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def machine_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle + iowait
    return sum(v[:8]) - idle, sum(v[:8])


def main():
    out, interval = sys.argv[1], float(sys.argv[2])
    procs = {}
    for arg in sys.argv[3:]:
        name, pid = arg.split("=", 1)
        procs[name] = int(pid)

    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    samples = []
    while True:
        s = {"t": time.monotonic(), "machine_busy_ticks": None, "procs": {}}
        s["machine_busy_ticks"], s["machine_total_ticks"] = machine_ticks()
        for name, pid in procs.items():
            try:
                s["procs"][name] = {"cpu_ticks": proc_cpu_ticks(pid), "rss_kib": proc_rss_kib(pid)}
            except (OSError, ValueError):
                s["procs"][name] = None  # gone: the report says so instead of guessing
        samples.append(s)
        if stop:
            break
        # Sleep in small steps so a stop request still gets a final sample promptly.
        deadline = time.monotonic() + interval
        while not stop and time.monotonic() < deadline:
            time.sleep(min(0.05, interval))

    with open(out, "w") as f:
        json.dump({"clk_tck": CLK_TCK, "ncpu": os.cpu_count(), "pids": procs, "samples": samples}, f)


if __name__ == "__main__":
    main()
