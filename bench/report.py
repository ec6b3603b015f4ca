#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns the raw files bench/run.sh leaves in OUT/raw/PATH/ into numbers.

  report.py one tcp|udp|ping|game FILE [PROC.json]  one progress line for one sample
  report.py best-small-pps OUT                 best competitor's 64-byte packet rate
  report.py report OUT                         OUT/results.json, results.md, rtt.png

Every figure is computed from the raw files, so `report OUT` can be re-run on
an old result directory. Repetitions are summarised as min and median."""

import json
import math
import os
import re
import statistics
import sys

PATHS = ["wire", "lanparty", "n2n", "openvpn", "openvpn-relay", "tinc"]
COMPETITORS = ["n2n", "openvpn", "openvpn-relay", "tinc"]
TESTS = ["tcp_up", "tcp_down", "udp", "small", "small_at_best"]
# The game stream and the ping beside it, idle and during a bulk TCP
# transfer each way (bench/run.sh measure_game).
GAME_PHASES = ["idle", "down", "up"]
GAME_DIRS = ["up", "down"]

# Targets of issue #6, relative to the wire and to the best competitor.
TARGET_TCP_RATIO = 2.0
TARGET_RTT_AVG_ADDED_MS = 0.15
TARGET_RTT_P99_ADDED_MS = 0.5
TARGET_SMALL_RATIO = 2.0
TARGET_SMALL_LOSS_PCT = 1.0
# Targets of issue #16: a game's packets during a bulk transfer.
TARGET_GAME_LOSS_PCT = 0.1
TARGET_GAME_ADDED_MS = 2.0
TARGET_TCP_BARE_RATIO = 0.95


# ---- one raw file -> one sample --------------------------------------------

def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def parse_tcp(path):
    d = load_json(path)
    if not d or "error" in d or "end" not in d:
        return {"error": (d or {}).get("error", "no iperf3 output")}
    end = d["end"]
    return {
        "bps": end["sum_received"]["bits_per_second"],
        "sender_bps": end["sum_sent"]["bits_per_second"],
        "retransmits": end["sum_sent"].get("retransmits"),
        "seconds": end["sum_received"]["seconds"],
        "intervals_bps": [i["sum"]["bits_per_second"] for i in d.get("intervals", [])],
    }


def parse_udp(path):
    """Goodput as the receiver saw it, over the time the sender offered traffic
    (the receiver's own clock also counts the wait for the last packets)."""
    d = load_json(path)
    if not d or "error" in d or "end" not in d:
        return {"error": (d or {}).get("error", "no iperf3 output")}
    end = d["end"]
    payload = d["start"]["test_start"]["blksize"]
    sent = end.get("sum_sent", end["sum"])
    rcvd = end.get("sum_received", end["sum"])
    seconds = sent["seconds"]
    packets = sent["packets"]
    lost = max(0, rcvd["lost_packets"])
    received = rcvd["bytes"] // payload if "sum_received" in end else max(0, packets - lost)
    return {
        "payload": payload,
        "seconds": seconds,
        "sent_packets": packets,
        "received_packets": received,
        "lost_packets": lost,
        "loss_pct": rcvd["lost_percent"],
        "rx_pps": received / seconds if seconds else 0.0,
        "tx_pps": packets / seconds if seconds else 0.0,
        "goodput_bps": received * payload * 8 / seconds if seconds else 0.0,
        "offered_bps": sent["bits_per_second"],
        "jitter_ms": rcvd.get("jitter_ms"),
        "intervals_tx_bps": [i["sum"]["bits_per_second"] for i in d.get("intervals", [])],
    }


PING_RE = re.compile(r"icmp_seq=(\d+) .*time=([0-9.]+) ms")
PING_SUM_RE = re.compile(r"(\d+) packets transmitted, (\d+) received")


def parse_ping(path):
    rtts = []
    sent = received = 0
    try:
        with open(path) as f:
            for line in f:
                m = PING_RE.search(line)
                if m:
                    rtts.append(float(m.group(2)))
                    continue
                m = PING_SUM_RE.search(line)
                if m:
                    sent, received = int(m.group(1)), int(m.group(2))
    except OSError:
        return {"error": "no ping output"}
    if not rtts:
        return {"error": "no replies"}
    s = sorted(rtts)
    return {
        "sent": sent,
        "received": received,
        "loss_pct": 100.0 * (sent - received) / sent if sent else 100.0,
        "min_ms": s[0],
        "avg_ms": sum(s) / len(s),
        "p50_ms": percentile(s, 50),
        "p99_ms": percentile(s, 99),
        "max_ms": s[-1],
        "jitter_ms": mean_abs_diff(rtts),
        "rtts_ms": rtts,
    }


def parse_game(path):
    """bench/game-stream's record of one run: per direction the packets lost
    and the one-way delays (median, p99, jitter as the mean difference
    between consecutive packets' delays, RFC 3393's IPDV).

    The echo's count of packets received tells which way a packet was lost:
    of the packets up to the last one echoed, the LAN host received
    echo_count; the others were lost on the way up, and of those it
    received, the ones whose echo did not come were lost on the way down.
    Packets after the last echoed one cannot be placed and count for both."""
    sent = None
    rows = []
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("#"):
                    m = re.search(r"\bsent=(\d+)", line)
                    if m:
                        sent = int(m.group(1))
                    continue
                parts = line.split()
                if len(parts) != 5:
                    continue
                seq = int(parts[0])
                if parts[2] == "-":
                    rows.append((seq, None, None, None))
                else:
                    rows.append((seq, int(parts[2]), float(parts[3]), float(parts[4])))
    except (OSError, ValueError):
        return {"error": "no game-stream output"}
    if sent is None:
        sent = len(rows)
    if not sent:
        return {"error": "nothing sent"}
    echoed = [r for r in rows if r[1] is not None]
    out = {"sent": sent, "echoed": len(echoed),
           "loss_pct": 100.0 * (sent - len(echoed)) / sent}
    last = max((r[0] for r in echoed), default=-1)
    reached = max((r[1] for r in echoed), default=0)
    tail = sent - (last + 1)
    lost = {"up": max(0, last + 1 - reached) + tail, "down": max(0, reached - len(echoed)) + tail}
    out["unplaced"] = tail
    for i, d in enumerate(GAME_DIRS):
        delays = [r[2 + i] for r in sorted(echoed)]
        s = sorted(delays)
        out[d] = {
            "lost": lost[d],
            "loss_pct": 100.0 * lost[d] / sent,
            "p50_ms": percentile(s, 50),
            "p99_ms": percentile(s, 99),
            "max_ms": s[-1] if s else None,
            "jitter_ms": mean_abs_diff(delays),
        }
    return out


def mean_abs_diff(values):
    """The mean change between consecutive values (jitter of a series of delays)."""
    if len(values) < 2:
        return None
    return sum(abs(b - a) for a, b in zip(values, values[1:])) / (len(values) - 1)


def percentile(sorted_values, pct):
    """Nearest-rank percentile: a value that was actually measured."""
    if not sorted_values:
        return None
    k = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return sorted_values[k - 1]


def parse_proc(path):
    """CPU% (100 = one core) and peak RSS per daemon over the sampling window."""
    d = load_json(path)
    if not d or len(d.get("samples", [])) < 2:
        return None
    first, last = d["samples"][0], d["samples"][-1]
    dt = last["t"] - first["t"]
    if dt <= 0:
        return None
    tck = d["clk_tck"]
    daemons = {}
    for name in d["pids"]:
        a, b = first["procs"].get(name), last["procs"].get(name)
        rss = [s["procs"][name]["rss_kib"] for s in d["samples"] if s["procs"].get(name)]
        if a is None or b is None:
            daemons[name] = {"cpu_pct": None, "rss_max_kib": max(rss) if rss else None, "note": "exited"}
            continue
        daemons[name] = {"cpu_pct": 100.0 * (b["cpu_ticks"] - a["cpu_ticks"]) / tck / dt, "rss_max_kib": max(rss)}
    busy = last["machine_busy_ticks"] - first["machine_busy_ticks"]
    total = last["machine_total_ticks"] - first["machine_total_ticks"]
    machine = 100.0 * d["ncpu"] * busy / total if total else None
    return {"seconds": dt, "daemons": daemons, "machine_busy_pct": machine, "ncpu": d["ncpu"]}


# ---- formatting -------------------------------------------------------------

def mbit(bps):
    return "–" if bps is None else f"{bps / 1e6:.0f}" if bps >= 1e8 else f"{bps / 1e6:.1f}"


def fnum(v, fmt="{:.2f}"):
    return "–" if v is None else fmt.format(v)


def minmed(values, f):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    return f"{f(min(values))} / {f(statistics.median(values))}"


def cmd_one(kind, path, proc=None):
    if kind == "tcp":
        s = parse_tcp(path)
        if "error" in s:
            return f"error: {s['error']}"
        line = f"{s['bps'] / 1e6:.1f} Mbit/s, {s['retransmits']} retransmits"
    elif kind == "udp":
        s = parse_udp(path)
        if "error" in s:
            return f"error: {s['error']}"
        line = (f"sent {s['tx_pps']:.0f} pkt/s, received {s['rx_pps']:.0f} pkt/s "
                f"({s['goodput_bps'] / 1e6:.1f} Mbit/s), loss {s['loss_pct']:.2f}%")
    elif kind == "game":
        s = parse_game(path)
        if "error" in s:
            return f"error: {s['error']}"
        line = ", ".join(f"{d} p50/p99 {fnum(s[d]['p50_ms'], '{:.3f}')}/{fnum(s[d]['p99_ms'], '{:.3f}')} ms "
                         f"jitter {fnum(s[d]['jitter_ms'], '{:.3f}')} ms loss {s[d]['loss_pct']:.2f}%"
                         for d in GAME_DIRS) + f" ({s['sent']} sent)"
    elif kind == "ping":
        s = parse_ping(path)
        if "error" in s:
            return f"error: {s['error']}"
        line = (f"min/avg/p99 {s['min_ms']:.3f}/{s['avg_ms']:.3f}/{s['p99_ms']:.3f} ms, "
                f"loss {s['loss_pct']:.1f}%")
    else:
        raise SystemExit(f"unknown kind {kind}")
    if proc:
        p = parse_proc(proc)
        if p:
            parts = [f"{n} {fnum(v['cpu_pct'], '{:.0f}')}%" for n, v in p["daemons"].items()]
            parts.append(f"machine {fnum(p['machine_busy_pct'], '{:.0f}')}%/{p['ncpu'] * 100}%")
            line += "; CPU " + ", ".join(parts)
    return line


# ---- the whole run ------------------------------------------------------------

def read_kv(path):
    d = {}
    try:
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    d[k] = v
    except OSError:
        pass
    return d


def collect(out):
    run = read_kv(os.path.join(out, "run.txt"))
    reps = int(run.get("reps", "3"))
    result = {"run": run, "paths": {}}
    for p in PATHS:
        d = os.path.join(out, "raw", p)
        if not os.path.isdir(d):
            continue
        entry = {"meta": read_kv(os.path.join(d, "meta.txt")), "samples": {}, "proc": {}}
        for t in TESTS:
            parse = parse_tcp if t.startswith("tcp") else parse_udp
            files = [os.path.join(d, f"{t}-{r}.json") for r in range(1, reps + 1)]
            if any(os.path.exists(f) for f in files):
                entry["samples"][t] = [parse(f) for f in files]
        pings = [os.path.join(d, f"ping-{r}.txt") for r in range(1, reps + 1)]
        if any(os.path.exists(f) for f in pings):
            entry["samples"]["ping"] = [parse_ping(f) for f in pings]
        for t in ("tcp_up", "tcp_down", "small"):
            files = [os.path.join(d, f"proc-{t}-{r}.json") for r in range(1, reps + 1)]
            if any(os.path.exists(f) for f in files):
                entry["proc"][t] = [parse_proc(f) for f in files]
                entry["proc_raw_" + t] = [load_json(f) for f in files]
        collect_game(entry, d, reps)
        try:
            with open(os.path.join(d, "small_at_best.pps")) as f:
                entry["small_at_best_pps"] = int(f.read().strip())
        except (OSError, ValueError):
            pass
        entry["summary"] = summarize(entry)
        result["paths"][p] = entry
    result["comparison"] = compare(result["paths"], run.get("wan", "lan"))
    return result


def collect_game(entry, d, reps):
    """The game stream, its ping and the bulk transfer beside them, per phase."""
    for kind, name, parse in (("game", "game", parse_game), ("gping", "gping", parse_ping),
                              ("bulk", "bulk", parse_tcp)):
        ext = "json" if kind == "bulk" else "txt"
        for ph in GAME_PHASES:
            files = [os.path.join(d, f"{name}-{ph}-{r}.{ext}") for r in range(1, reps + 1)]
            if any(os.path.exists(f) for f in files):
                entry["samples"].setdefault(kind, {})[ph] = [parse(f) for f in files]


def values_stat(v):
    v = [x for x in v if x is not None]
    if not v:
        return None
    return {"min": min(v), "median": statistics.median(v), "max": max(v), "n": len(v)}


def game_summary(samples):
    """Per phase, medians over the repetitions of: the game stream's loss
    and one-way delays per direction, and its delay added over the idle
    phase of the same repetition (the worse direction); the same for the
    ping beside it (RTT); the bulk transfer's goodput."""
    game, gping, bulk = samples.get("game", {}), samples.get("gping", {}), samples.get("bulk", {})
    out = {}
    for ph in GAME_PHASES:
        vals = {}

        def add(key, v):
            vals.setdefault(key, []).append(v)

        def no_bulk(i):
            """A repetition whose bulk transfer failed measured an idle
            path: it does not count for its phase."""
            b = bulk.get(ph, [])
            return ph != "idle" and (i >= len(b) or not b[i] or "error" in b[i])
        idle_g, idle_p = game.get("idle", []), gping.get("idle", [])
        for i, g in enumerate(game.get(ph, [])):
            if not g or "error" in g or no_bulk(i):
                continue
            add("game_sent", g["sent"])
            add("game_loss_pct", max(g[dr]["loss_pct"] for dr in GAME_DIRS))
            for dr in GAME_DIRS:
                for k in ("loss_pct", "p50_ms", "p99_ms", "jitter_ms"):
                    add(f"game_{dr}_{k}", g[dr][k])
            base = idle_g[i] if i < len(idle_g) else None
            if ph != "idle" and base and "error" not in base:
                for k in ("p50_ms", "p99_ms"):
                    d = [g[dr][k] - base[dr][k] for dr in GAME_DIRS
                         if g[dr][k] is not None and base[dr][k] is not None]
                    add(f"game_added_{k}", max(d) if d else None)
        for i, p in enumerate(gping.get(ph, [])):
            if not p or "error" in p or no_bulk(i):
                continue
            for k in ("loss_pct", "p50_ms", "p99_ms", "jitter_ms"):
                add(f"ping_{k}", p[k])
            base = idle_p[i] if i < len(idle_p) else None
            if ph != "idle" and base and "error" not in base:
                for k in ("p50_ms", "p99_ms"):
                    add(f"ping_added_{k}", p[k] - base[k])
        add("bulk_bps", None)
        for b in ok(bulk.get(ph)):
            add("bulk_bps", b["bps"])
        if any(v for k, v in vals.items() if k != "bulk_bps") or ph in bulk:
            out[ph] = {k: values_stat(v) for k, v in vals.items()}
    return out


def ok(samples):
    return [s for s in samples or [] if s and "error" not in s]


def stat(samples, key):
    v = [s[key] for s in ok(samples) if s.get(key) is not None]
    if not v:
        return None
    return {"min": min(v), "median": statistics.median(v), "max": max(v), "n": len(v)}


def summarize(entry):
    s = entry["samples"]
    out = {
        "tcp_up_bps": stat(s.get("tcp_up"), "bps"),
        "tcp_down_bps": stat(s.get("tcp_down"), "bps"),
        "udp_goodput_bps": stat(s.get("udp"), "goodput_bps"),
        "udp_loss_pct": stat(s.get("udp"), "loss_pct"),
        "small_rx_pps": stat(s.get("small"), "rx_pps"),
        "small_loss_pct": stat(s.get("small"), "loss_pct"),
        "small_at_best_loss_pct": stat(s.get("small_at_best"), "loss_pct"),
        "small_at_best_rx_pps": stat(s.get("small_at_best"), "rx_pps"),
        "rtt_min_ms": stat(s.get("ping"), "min_ms"),
        "rtt_avg_ms": stat(s.get("ping"), "avg_ms"),
        "rtt_p99_ms": stat(s.get("ping"), "p99_ms"),
        "ping_loss_pct": stat(s.get("ping"), "loss_pct"),
        "failed_samples": sum(len(v) - len(ok(v)) for k, v in s.items() if isinstance(v, list))
        + sum(len(v) - len(ok(v)) for k in ("game", "gping", "bulk") for v in s.get(k, {}).values()),
        "game": game_summary(s),
    }
    for t, procs in entry["proc"].items():
        procs = [p for p in procs if p]
        daemons = {}
        for name in (procs[0]["daemons"] if procs else {}):
            cpu = [p["daemons"][name]["cpu_pct"] for p in procs if p["daemons"].get(name, {}).get("cpu_pct") is not None]
            rss = [p["daemons"][name]["rss_max_kib"] for p in procs if p["daemons"].get(name, {}).get("rss_max_kib")]
            daemons[name] = {
                "cpu_pct_median": statistics.median(cpu) if cpu else None,
                "cpu_pct_max": max(cpu) if cpu else None,
                "rss_max_kib": max(rss) if rss else None,
            }
        busy = [p["machine_busy_pct"] for p in procs if p["machine_busy_pct"] is not None]
        out["proc_" + t] = {"daemons": daemons, "machine_busy_pct_median": statistics.median(busy) if busy else None}
    return out


def med(summary, key):
    v = summary.get(key)
    return v["median"] if v else None


def ratio(a, b):
    return a / b if a is not None and b else None


def compare(paths, wan="lan"):
    c = {"vs_wire": {}, "best_competitor": {}, "targets": []}
    wire = paths.get("wire", {}).get("summary")
    for p, e in paths.items():
        s = e["summary"]
        r = {}
        for key in ("tcp_up_bps", "tcp_down_bps", "udp_goodput_bps", "small_rx_pps"):
            r[key] = ratio(med(s, key), med(wire, key)) if wire else None
        for key in ("rtt_avg_ms", "rtt_p99_ms", "rtt_min_ms"):
            r[key + "_added"] = (med(s, key) - med(wire, key)) if wire and med(s, key) is not None and med(wire, key) is not None else None
        c["vs_wire"][p] = r
    for key in ("tcp_up_bps", "tcp_down_bps", "small_rx_pps"):
        best = None
        for p in COMPETITORS:
            if p in paths:
                v = med(paths[p]["summary"], key)
                if v is not None and (best is None or v > best[1]):
                    best = (p, v)
        if best:
            c["best_competitor"][key] = {"path": best[0], "value": best[1]}

    lp = paths.get("lanparty", {}).get("summary")

    def target(name, measured, goal, passed, detail):
        c["targets"].append({"target": name, "measured": measured, "goal": goal,
                             "result": "n/a" if passed is None else "PASS" if passed else "MISS",
                             "detail": detail})

    for key, label in (("tcp_up_bps", "TCP client->LAN"), ("tcp_down_bps", "TCP LAN->client")):
        b = c["best_competitor"].get(key)
        r = ratio(med(lp, key), b["value"]) if lp and b else None
        target(f"{label} throughput >= {TARGET_TCP_RATIO:g}x the best other tunnel", r, TARGET_TCP_RATIO,
               None if r is None else r >= TARGET_TCP_RATIO,
               f"{r:.2f}x {b['path']} ({mbit(med(lp, key))} vs {mbit(b['value'])} Mbit/s)" if r is not None
               else "needs lanparty and a competitor in the run")
    added = c["vs_wire"].get("lanparty", {})
    for key, goal, label in (("rtt_avg_ms_added", TARGET_RTT_AVG_ADDED_MS, "average"),
                             ("rtt_p99_ms_added", TARGET_RTT_P99_ADDED_MS, "p99")):
        v = added.get(key)
        target(f"RTT added over the wire, {label} <= {goal:g} ms", v, goal,
               None if v is None else v <= goal,
               f"+{v:.3f} ms ({v / goal * 100:.0f}% of the budget)" if v is not None
               else "needs lanparty and the wire in the run")
    b = c["best_competitor"].get("small_rx_pps")
    r = ratio(med(lp, "small_rx_pps"), b["value"]) if lp and b else None
    target(f"64-byte packets delivered >= {TARGET_SMALL_RATIO:g}x the best other tunnel", r, TARGET_SMALL_RATIO,
           None if r is None else r >= TARGET_SMALL_RATIO,
           f"{r:.2f}x {b['path']} ({med(lp, 'small_rx_pps'):.0f} vs {b['value']:.0f} pkt/s)" if r is not None
           else "needs lanparty and a competitor in the run")
    v = med(lp, "small_at_best_loss_pct") if lp else None
    target(f"64-byte loss at the best other tunnel's packet rate <= {TARGET_SMALL_LOSS_PCT:g}%", v,
           TARGET_SMALL_LOSS_PCT, None if v is None else v <= TARGET_SMALL_LOSS_PCT,
           f"{v:.2f}% at {paths['lanparty'].get('small_at_best_pps', 0)} pkt/s offered" if v is not None
           else "needs lanparty and a competitor in the run")
    path_targets(paths, c, wan, target)
    game_targets(paths, target)
    return c


def best_other(paths, key, among=COMPETITORS, lowest=False):
    v = [(p, med(paths[p]["summary"], key)) for p in among if p in paths]
    v = [(p, x) for p, x in v if x is not None]
    if not v:
        return None
    return (min if lowest else max)(v, key=lambda pv: pv[1])


def path_targets(paths, c, wan, target):
    """Issue #16's targets for TCP, UDP and idle RTT, per profile."""
    lp = paths.get("lanparty", {}).get("summary")
    wire = paths.get("wire", {}).get("summary")
    if wan != "lan":
        for key, label in (("tcp_up_bps", "TCP client->LAN"), ("tcp_down_bps", "TCP LAN->client")):
            mine, bare = med(lp, key) if lp else None, med(wire, key) if wire else None
            r = ratio(mine, bare)
            target(f"{label} goodput >= {TARGET_TCP_BARE_RATIO:.0%} of the bare path ({wan})", r,
                   TARGET_TCP_BARE_RATIO, None if r is None else r >= TARGET_TCP_BARE_RATIO,
                   f"{r:.2f}x ({mbit(mine)} vs {mbit(bare)} Mbit/s)" if r is not None
                   else "needs lanparty and the wire in the run")
            b = best_other(paths, key)
            r = ratio(mine, b[1]) if b else None
            target(f"{label} goodput >= the best other tunnel ({wan})", r, 1.0, None if r is None else r >= 1.0,
                   f"{r:.2f}x {b[0]} ({mbit(mine)} vs {mbit(b[1])} Mbit/s)" if r is not None
                   else "needs lanparty and a competitor in the run")
        return
    mine = med(lp, "udp_loss_pct") if lp else None
    b = best_other(paths, "udp_loss_pct", lowest=True)
    target("UDP 1200 B loss <= the best other tunnel's (LAN)", mine, b[1] if b else None,
           None if mine is None or not b else mine <= b[1],
           f"{mine:.2f}% vs {b[0]} {b[1]:.2f}%" if mine is not None and b else "needs lanparty and a competitor in the run")
    added = c["vs_wire"]
    mine = added.get("lanparty", {}).get("rtt_avg_ms_added")
    others = [(p, added[p].get("rtt_avg_ms_added")) for p in RELAYED if p != "lanparty" and p in added]
    others = [(p, v) for p, v in others if v is not None]
    b = min(others, key=lambda pv: pv[1]) if others else None
    target("idle RTT added (average) <= the best other tunnel with the same hops (LAN)", mine, b[1] if b else None,
           None if mine is None or not b else mine <= b[1],
           f"+{mine:.3f} ms vs {b[0]} +{b[1]:.3f} ms" if mine is not None and b
           else "needs lanparty, the wire and a relayed competitor (n2n, openvpn-relay, tinc) in the run")


def game_med(paths, p, ph, key):
    v = paths.get(p, {}).get("summary", {}).get("game", {}).get(ph, {}).get(key)
    return v["median"] if v else None


def game_targets(paths, target):
    """Issue #16: during a bulk transfer each way the game stream loses at
    most 0.1% and is delayed at most 2 ms more than idle (p99, the worse
    direction), and does better than every other tunnel in the same run."""
    for ph, label in (("down", "a download (LAN->client)"), ("up", "an upload (client->LAN)")):
        if not any(game_med(paths, p, ph, "game_loss_pct") is not None for p in paths):
            continue
        loss = game_med(paths, "lanparty", ph, "game_loss_pct")
        added = game_med(paths, "lanparty", ph, "game_added_p99_ms")
        n = game_med(paths, "lanparty", ph, "game_sent")
        # On a lossy profile the path itself loses packets: the bare
        # path's figure in the same phase says how much.
        wire = game_med(paths, "wire", ph, "game_loss_pct")
        target(f"game-stream loss during {label} <= {TARGET_GAME_LOSS_PCT:g}%", loss, TARGET_GAME_LOSS_PCT,
               None if loss is None else loss <= TARGET_GAME_LOSS_PCT,
               f"{loss:.2f}% of {n:.0f} packets (worse direction), {loss / TARGET_GAME_LOSS_PCT:.2f}x the limit"
               + (f"; the bare path {wire:.2f}%" if wire is not None else "")
               if loss is not None else "needs lanparty in the run")
        target(f"game-stream delay added during {label}, p99 <= {TARGET_GAME_ADDED_MS:g} ms", added,
               TARGET_GAME_ADDED_MS, None if added is None else added <= TARGET_GAME_ADDED_MS,
               f"{added:+.3f} ms over idle (median {fnum(game_med(paths, 'lanparty', ph, 'game_added_p50_ms'), '{:+.3f}')}), "
               f"{added / TARGET_GAME_ADDED_MS:.2f}x the limit" if added is not None else "needs lanparty in the run")
        for key, what, unit in (("game_loss_pct", "loss", "%"), ("game_added_p99_ms", "added delay (p99)", " ms")):
            mine = game_med(paths, "lanparty", ph, key)
            others = [(p, game_med(paths, p, ph, key)) for p in COMPETITORS if p in paths]
            others = [(p, v) for p, v in others if v is not None]
            if mine is None or not others:
                target(f"game-stream {what} during {label} below every other tunnel's", None, None, None,
                       "needs lanparty and a competitor in the run")
                continue
            best = min(others, key=lambda pv: pv[1])
            r = f"{mine / best[1]:.2f}x" if best[1] > 0 else ("1x (both 0)" if mine == 0 else "inf x")
            target(f"game-stream {what} during {label} below every other tunnel's", r, best[1],
                   mine < best[1] or (mine == 0 and best[1] == 0),
                   f"{r} {best[0]} ({mine:.3f}{unit} vs {best[1]:.3f}{unit}; "
                   + ", ".join(f"{p} {v:.3f}" for p, v in others) + ")")


def best_small_pps(out):
    best = 0
    for p in COMPETITORS:
        d = os.path.join(out, "raw", p)
        reps = int(read_kv(os.path.join(out, "run.txt")).get("reps", "3"))
        v = [s["rx_pps"] for s in ok([parse_udp(os.path.join(d, f"small-{r}.json")) for r in range(1, reps + 1)])]
        if v:
            best = max(best, statistics.median(v))
    return int(best)


def markdown(res):
    run, paths, cmp = res["run"], res["paths"], res["comparison"]
    L = []
    L.append(f"# lanparty benchmark, {run.get('date', '?')}")
    L.append("")
    L.append(f"Machine: {run.get('cpu', '?')}, {run.get('ncpu', '?')} CPUs, Linux {run.get('kernel', '?')}; "
             f"git {run.get('git', '?')}; {run.get('reps')} repetitions of {run.get('duration')} s iperf3 runs "
             f"and {run.get('pings')} pings at 10 ms{' (--quick)' if run.get('quick') == '1' else ''}. "
             f"Cells are min / median over the repetitions.")
    if run.get("wan", "lan") != "lan":
        L.append("")
        L.append(f"WAN profile **{run['wan']}** between the client and the relay (bench/wan-emu "
                 f"{run.get('wan_args', '?')}; A/B = client→relay / relay→client); the wire path is the "
                 f"bare emulated path.")
    L.append("")
    small_rate = "max" if run.get("small_rate") in ("0", None) else run.get("small_rate")
    L.append(f"| path | TCP client→LAN Mbit/s | TCP LAN→client Mbit/s | UDP 1200 B @{run.get('udp_rate')}: goodput Mbit/s | loss % "
             f"| UDP 64 B @{small_rate}: received kpkt/s | loss % | RTT min ms | RTT avg ms | RTT p99 ms | client MTU |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for p in PATHS:
        if p not in paths:
            continue
        s = paths[p]["summary"]

        def mm(key, f):
            v = s.get(key)
            return "–" if not v else f"{f(v['min'])} / {f(v['median'])}"
        L.append(f"| {p} | {mm('tcp_up_bps', mbit)} | {mm('tcp_down_bps', mbit)} | {mm('udp_goodput_bps', mbit)} "
                 f"| {mm('udp_loss_pct', lambda x: f'{x:.2f}')} | {mm('small_rx_pps', lambda x: f'{x / 1e3:.0f}')} "
                 f"| {mm('small_loss_pct', lambda x: f'{x:.1f}')} | {mm('rtt_min_ms', lambda x: f'{x:.3f}')} "
                 f"| {mm('rtt_avg_ms', lambda x: f'{x:.3f}')} | {mm('rtt_p99_ms', lambda x: f'{x:.3f}')} "
                 f"| {paths[p]['meta'].get('client_mtu', '?')} |")
    hops_markdown(paths, L)
    L.append("")
    L.append("Relative to the wire (medians; RTT as milliseconds added):")
    L.append("")
    L.append("| path | TCP client→LAN | TCP LAN→client | UDP 1200 B goodput | 64 B packets | RTT avg added | RTT p99 added |")
    L.append("|---|---|---|---|---|---|---|")
    for p in PATHS:
        if p not in paths or p == "wire":
            continue
        r = cmp["vs_wire"][p]

        def x(v):
            return "–" if v is None else f"{v:.2f}×"

        def ms(v):
            return "–" if v is None else f"{v:+.3f}"
        L.append(f"| {p} | {x(r['tcp_up_bps'])} | {x(r['tcp_down_bps'])} | {x(r['udp_goodput_bps'])} "
                 f"| {x(r['small_rx_pps'])} | {ms(r['rtt_avg_ms_added'])} | {ms(r['rtt_p99_ms_added'])} |")
    L.append("")
    L.append("CPU (% of one core; median of the repetitions) and peak RSS of each path's daemons, "
             f"with the whole machine's busy time (of {run.get('ncpu', '?')}00%):")
    L.append("")
    L.append("| path | daemon | CPU % in TCP client→LAN | CPU % in TCP LAN→client | CPU % in 64 B UDP | peak RSS MiB |")
    L.append("|---|---|---|---|---|---|")
    for p in PATHS:
        if p not in paths:
            continue
        s = paths[p]["summary"]
        names = list(s.get("proc_tcp_up", {}).get("daemons", {}))
        for name in names:
            def cpu(t):
                return fnum(s.get("proc_" + t, {}).get("daemons", {}).get(name, {}).get("cpu_pct_median"), "{:.0f}")
            rss = [s.get("proc_" + t, {}).get("daemons", {}).get(name, {}).get("rss_max_kib") for t in ("tcp_up", "tcp_down", "small")]
            rss = [v for v in rss if v]
            L.append(f"| {p} | {name} | {cpu('tcp_up')} | {cpu('tcp_down')} | {cpu('small')} "
                     f"| {fnum(max(rss) / 1024 if rss else None, '{:.1f}')} |")

        def busy(t):
            return fnum(s.get("proc_" + t, {}).get("machine_busy_pct_median"), "{:.0f}")
        L.append(f"| {p} | *whole machine* | {busy('tcp_up')} | {busy('tcp_down')} | {busy('small')} | |")
        idle = paths[p]["meta"].get("background_busy_pct")
        if idle is not None:
            L.append(f"| {p} | *machine before the tests (idle path)* | {idle} | | | |")
    L.append("")
    if "lanparty" in paths and cmp["best_competitor"]:
        L.append("lanparty against the best other tunnel (medians):")
        L.append("")
        lp = paths["lanparty"]["summary"]
        for key, label, f in (("tcp_up_bps", "TCP client→LAN", lambda v: f"{v / 1e6:.0f} Mbit/s"),
                              ("tcp_down_bps", "TCP LAN→client", lambda v: f"{v / 1e6:.0f} Mbit/s"),
                              ("small_rx_pps", "64-byte packets", lambda v: f"{v:.0f} pkt/s")):
            b = cmp["best_competitor"].get(key)
            if b and med(lp, key) is not None:
                L.append(f"- {label}: lanparty {f(med(lp, key))}, best other {b['path']} {f(b['value'])}: "
                         f"**{med(lp, key) / b['value']:.2f}×**")
        L.append("")
    game_markdown(res, L)
    L.append("Targets (issues #6 and #16):")
    L.append("")
    for t in cmp["targets"]:
        L.append(f"- **{t['result']}** {t['target']}: {t['detail']}")
    busy = {p: int(e["meta"].get("background_busy_pct", "0")) for p, e in paths.items()}
    busy = {p: v for p, v in busy.items() if v > 20}
    if busy:
        L.append("")
        L.append("**Warning:** other work kept the machine busy before some paths were measured ("
                 + ", ".join(f"{p} {v}%" for p, v in busy.items()) + "); their figures are noisy.")
    failed = {p: e["summary"]["failed_samples"] for p, e in paths.items() if e["summary"]["failed_samples"]}
    if failed:
        L.append("")
        L.append("Failed samples (left out of the figures): " + ", ".join(f"{p} {n}" for p, n in failed.items()))
    return "\n".join(L) + "\n"


# The paths whose traffic must cross a process in the relay namespace (the
# same number of hops as lanparty); the wire and OpenVPN peer to peer do not.
RELAYED = ["lanparty", "n2n", "openvpn-relay", "tinc"]


def hops_markdown(paths, L):
    """bench/run.sh relay_hop_check: the relay namespace's UDP datagrams
    received per ping, 2 when a process there carries the ping both ways."""
    rows = [(p, paths[p]["meta"].get("relay_udp_per_ping")) for p in PATHS if p in paths]
    rows = [(p, v) for p, v in rows if v]
    if not rows:
        return
    L.append("")
    L.append("Through the relay namespace (UDP datagrams its stack received per ping; 2 = a process there "
             "carries every ping both ways, below 1.5 is flagged): " + "; ".join(
                 f"{p} {float(v):.2f}" + (" (**not through the relay**)" if p in RELAYED and float(v) < 1.5 else "")
                 for p, v in rows))


def game_markdown(res, L):
    run, paths = res["run"], res["paths"]
    if not any(e["summary"].get("game") for e in paths.values()):
        return
    L.append(f"Game stream ({run.get('game_rate', '60')} Hz, {run.get('game_size', '64')}-byte UDP, echoed by the "
             f"LAN host; one-way delays up = client→LAN, down = LAN→client) and a ping every "
             f"{run.get('game_ping_interval', '0.05')} s beside it, for {run.get('game_seconds', '?')} s idle, "
             "during a bulk TCP download (LAN→client) and during a bulk upload; medians over the repetitions. "
             "Loss is the worse direction's; \"added\" is the phase's figure minus the idle phase's of the same "
             "repetition (the worse direction); jitter is the mean change between consecutive packets' delays.")
    L.append("")
    L.append("| path | phase | bulk Mbit/s | game loss % | game up p50 / p99 ms | game down p50 / p99 ms "
             "| game added p50 / p99 ms | game jitter up / down ms | ping loss % | ping p50 / p99 ms "
             "| ping added p50 / p99 ms | ping jitter ms |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for p in PATHS:
        g = paths.get(p, {}).get("summary", {}).get("game")
        if not g:
            continue
        for ph in GAME_PHASES:
            r = g.get(ph)
            if not r:
                continue

            def m(key, fmt="{:.3f}"):
                v = r.get(key)
                return fnum(v["median"] if v else None, fmt)

            def pair(a, b, fmt="{:.3f}"):
                return f"{m(a, fmt)} / {m(b, fmt)}"
            bulk = r.get("bulk_bps")
            L.append(f"| {p} | {ph} | {mbit(bulk['median']) if bulk else '–'} | {m('game_loss_pct', '{:.2f}')} "
                     f"| {pair('game_up_p50_ms', 'game_up_p99_ms')} | {pair('game_down_p50_ms', 'game_down_p99_ms')} "
                     f"| {pair('game_added_p50_ms', 'game_added_p99_ms', '{:+.3f}')} "
                     f"| {pair('game_up_jitter_ms', 'game_down_jitter_ms')} | {m('ping_loss_pct', '{:.1f}')} "
                     f"| {pair('ping_p50_ms', 'ping_p99_ms')} | {pair('ping_added_p50_ms', 'ping_added_p99_ms', '{:+.3f}')} "
                     f"| {m('ping_jitter_ms')} |")
    L.append("")


def plot(res, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "note: python3-matplotlib is not installed, no RTT plot"
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    names, data = [], []
    for p in PATHS:
        e = res["paths"].get(p)
        if not e:
            continue
        rtts = [r for s in ok(e["samples"].get("ping")) for r in s["rtts_ms"]]
        if not rtts:
            continue
        names.append(p)
        data.append(rtts)
        s = sorted(rtts)
        ax1.plot(s, [(i + 1) / len(s) for i in range(len(s))], label=p, drawstyle="steps-post")
    if not data:
        plt.close(fig)
        return "note: no ping samples, no RTT plot"
    ax1.set_xscale("log")
    ax1.set_xlabel("RTT, ms (log)")
    ax1.set_ylabel("fraction of pings")
    ax1.set_title("RTT distribution (CDF), all repetitions")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend()
    ax2.boxplot(data, labels=names, whis=(1, 99), showfliers=True, flierprops={"markersize": 2})
    ax2.set_yscale("log")
    ax2.set_ylabel("RTT, ms (log); whiskers p1-p99")
    ax2.set_title("RTT per path")
    ax2.grid(True, axis="y", which="both", alpha=0.3)
    fig.suptitle(f"ping client → LAN host, 10 ms interval ({res['run'].get('date', '')})")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "rtt.png"), dpi=110)
    plt.close(fig)
    return None


def cmd_report(out):
    res = collect(out)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    md = markdown(res)
    note = plot(res, out)
    if note:
        md += "\n" + note + "\n"
    else:
        md += "\nRTT distributions: rtt.png\n"
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    sys.stdout.write("\n" + md)


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "one":
        print(cmd_one(a[1], a[2], a[3] if len(a) > 3 else None))
    elif len(a) == 2 and a[0] == "best-small-pps":
        print(best_small_pps(a[1]))
    elif len(a) == 2 and a[0] == "report":
        cmd_report(a[1])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
