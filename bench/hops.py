#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Per-hop latency of pings through one benchmark path, from tcpdump -tt
captures taken at every interface along it (bench/run.sh --hops).

Usage: hops.py DIR LABEL...

DIR holds point-0.txt .. point-N.txt, one capture per capture point in
the order a ping request passes them (the client's side first, the LAN
last); LABEL names each point. The first and last points see the ICMP
packets themselves, the others whatever carries them (a tunnel's UDP).
Pings must be spaced out (ms apart) so that packets of different pings do
not interleave: each request is followed from point to point by taking
the first packet at the next point after it, within 5 ms; replies the
same way backwards. Prints a markdown table of the median, mean and p90
per hop in microseconds, and writes DIR/hops.json.
"""
import json
import os
import statistics
import sys

MATCH_WINDOW = 0.005  # s: a packet further away belongs to another ping


def load(path, want=None):
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            parts = line.split(None, 1)
            if not parts:
                continue
            try:
                t = float(parts[0])
            except ValueError:
                continue
            if want is None or want in line:
                out.append(t)
    out.sort()
    return out


def first_after(times, t0):
    lo, hi = 0, len(times)
    while lo < hi:
        mid = (lo + hi) // 2
        if times[mid] < t0:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(times) and times[lo] - t0 < MATCH_WINDOW:
        return times[lo]
    return None


def chains(starts, stages):
    result = []
    for t in starts:
        ts = [t]
        for stage in stages:
            nxt = first_after(stage, ts[-1])
            if nxt is None:
                break
            ts.append(nxt)
        else:
            result.append(ts)
    return result


def summarize(chain_list, names):
    rows = []
    for i, name in enumerate(names):
        d = sorted((c[i + 1] - c[i]) * 1e6 for c in chain_list)
        if not d:
            rows.append({"hop": name, "n": 0})
            continue
        rows.append({
            "hop": name,
            "n": len(d),
            "median_us": round(statistics.median(d), 1),
            "mean_us": round(statistics.mean(d), 1),
            "p90_us": round(d[min(len(d) - 1, int(len(d) * 0.9))], 1),
        })
    return rows


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    d, labels = sys.argv[1], sys.argv[2:]
    n = len(labels)
    paths = [os.path.join(d, "point-%d.txt" % i) for i in range(n)]
    for p in paths:
        if not os.path.exists(p):
            print("hops.py: missing %s" % p, file=sys.stderr)
            return 1
    last = n - 1
    fwd_stages = [load(paths[i], "echo request" if i == last else None) for i in range(1, n)]
    fwd = chains(load(paths[0], "echo request"), fwd_stages)
    back_stages = [load(paths[i], "echo reply" if i == 0 else None) for i in range(last - 1, -1, -1)]
    back = chains(load(paths[last], "echo reply"), back_stages)

    fwd_names = ["%s → %s" % (labels[i], labels[i + 1]) for i in range(last)]
    back_names = ["%s → %s" % (labels[i + 1], labels[i]) for i in range(last - 1, -1, -1)]
    res = {
        "labels": labels,
        "request": {"matched": len(fwd), "hops": summarize(fwd, fwd_names)},
        "reply": {"matched": len(back), "hops": summarize(back, back_names)},
    }
    with open(os.path.join(d, "hops.json"), "w") as f:
        json.dump(res, f, indent=1)

    print("| hop | request: median / mean / p90 µs | hop | reply: median / mean / p90 µs |")
    print("|---|---|---|---|")
    back_rows = list(reversed(res["reply"]["hops"]))
    for a, b in zip(res["request"]["hops"], back_rows):
        def cell(r):
            return "%.0f / %.0f / %.0f" % (r["median_us"], r["mean_us"], r["p90_us"]) if r["n"] else "-"
        print("| %s | %s | %s | %s |" % (a["hop"], cell(a), b["hop"], cell(b)))
    print("\n(%d requests and %d replies followed end to end)" % (len(fwd), len(back)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
