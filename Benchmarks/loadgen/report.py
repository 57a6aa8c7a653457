#!/usr/bin/env python3
"""Turns the load generator's JSON lines into the side-by-side markdown table.

    report.py RESULTS.jsonl

Each line is one loadgen run ({"target", "scenario", ...}). With several runs of the same
(target, scenario), the median of each figure is shown. Ratios are wok-router / peer; the
"better" column says which direction is good for that row.
"""
import json
import statistics
import sys

TARGETS = ["wok-router", "nchan", "tornado", "wok-router-nagle"]


def load(path):
    runs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                d = json.loads(line)
                runs.setdefault((d["target"], d["scenario"]), []).append(d)
    return runs


def median(runs, target, scenario, fn):
    values = []
    for d in runs.get((target, scenario), []):
        try:
            v = fn(d)
        except (KeyError, ZeroDivisionError, TypeError):
            v = None
        if v is not None:
            values.append(v)
    return statistics.median(values) if values else None


def fmt(v, digits):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if abs(v) >= 100000:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or isinstance(a, str) or isinstance(b, str) or b == 0:
        return "n/a"
    return f"{a / b:.2f}×"


def per_delivery_us(d):
    return d["server_cpu_s"] / d["deliveries"] * 1e6 if d["deliveries"] else None


def checks(d):
    return "ok" if d["ok"] else "FAIL"


# (scenario, row label, better, digits, function of one run)
ROWS = [
    ("idle10k", "Idle memory per subscribed socket at 10,000 (KiB, PSS delta)", "lower", 1,
     lambda d: d["idle_kib_per_socket"]),
    ("idle10k", "Connection storm: 10,000 connect+subscribe, time until all subscribed (s)", "lower", 2,
     lambda d: d["connect_s"] if d["ready"] == d["subs"] else None),
    ("idle10k", "Connection storm: server CPU per connection (µs)", "lower", 0,
     lambda d: d["server_cpu_connect_s"] / d["ready"] * 1e6),
    ("fanout2k", "Fan-out to 2,000 (100 notif/s offered): deliveries/s", "higher", 0,
     lambda d: d["deliveries_per_s"]),
    ("fanout2k", "Fan-out to 2,000: latency p50 (ms)", "lower", 1, lambda d: d["lat_p50_ms"]),
    ("fanout2k", "Fan-out to 2,000: latency p99 (ms)", "lower", 1, lambda d: d["lat_p99_ms"]),
    ("fanout2k", "Fan-out to 2,000: server CPU per delivery (µs)", "lower", 2, per_delivery_us),
    ("fanout2k", "Fan-out to 2,000: server CPU / load generator CPU (% of a core) / whole machine busy (%)", "", 0,
     lambda d: f"{d['server_cpu_pct']:.0f} / {d['loadgen_cpu_pct']:.0f} / {d.get('machine_busy_pct', 0):.0f}"),
    ("fanout10k", "Fan-out to 10,000 (20 notif/s offered): deliveries/s", "higher", 0,
     lambda d: d["deliveries_per_s"]),
    ("fanout10k", "Fan-out to 10,000: latency p50 (ms)", "lower", 1, lambda d: d["lat_p50_ms"]),
    ("fanout10k", "Fan-out to 10,000: latency p99 (ms)", "lower", 1, lambda d: d["lat_p99_ms"]),
    ("fanout10k", "Fan-out to 10,000: server CPU per delivery (µs)", "lower", 2, per_delivery_us),
    ("fanout10k", "Fan-out to 10,000: server CPU / load generator CPU (% of a core) / whole machine busy (%)", "", 0,
     lambda d: f"{d['server_cpu_pct']:.0f} / {d['loadgen_cpu_pct']:.0f} / {d.get('machine_busy_pct', 0):.0f}"),
    ("latency", "Modest load (100 subscribers, 200 notif/s): latency p50 (ms)", "lower", 2,
     lambda d: d["lat_p50_ms"]),
    ("latency", "Modest load: latency p99 (ms)", "lower", 2, lambda d: d["lat_p99_ms"]),
    ("latency", "Modest load: server CPU (% of a core)", "lower", 1, lambda d: d["server_cpu_pct"]),
    ("publish", "Publish throughput, single POSTs, 4 connections (notif/s)", "higher", 0,
     lambda d: d["publish_per_s"]),
    # What the subscriber received: a server that drops notifications it accepted (nchan does when
    # publishers outrun its buffer) delivers fewer than it accepts.
    ("publish", "Publish, single: delivered to the subscriber (notif/s)", "higher", 0,
     lambda d: d["deliveries_per_s"]),
    ("publish", "Publish, single: POST round trip p99 (ms)", "lower", 2, lambda d: d["pub_rtt_p99_ms"]),
    ("publish", "Publish, single: server CPU per notification (µs)", "lower", 1,
     lambda d: d["server_cpu_s"] / (d["publish_per_s"] * d["duration_s"]) * 1e6),
    ("publish-nosub", "Publish, single POSTs, nobody subscribed (notif/s)", "higher", 0,
     lambda d: d["publish_per_s"]),
    ("publish-nosub", "Publish, nobody subscribed: server CPU per notification (µs)", "lower", 1,
     lambda d: d["server_cpu_s"] / (d["publish_per_s"] * d["duration_s"]) * 1e6),
    ("publish-batch", "Publish throughput, batches of 100, 4 connections (notif/s)", "higher", 0,
     lambda d: d["publish_per_s"]),
    ("publish-batch", "Publish, batch: server CPU per notification (µs)", "lower", 1,
     lambda d: d["server_cpu_s"] / (d["publish_per_s"] * d["duration_s"]) * 1e6),
    ("slow-base", "Slow consumers: healthy p99 without slow ones (ms)", "lower", 2, lambda d: d["lat_p99_ms"]),
    ("slow", "Slow consumers: healthy p99 with 1% slow (ms)", "lower", 2, lambda d: d["lat_p99_ms"]),
    ("slow", "Slow consumers: slow sockets closed by the server / of which 1013 close frame, reset / still open",
     "", 0, lambda d: f"{d['slow_closed']} / {d['slow_closed_1013']}, {d.get('slow_closed_reset', 0)} / "
                      f"{d['slow_still_open']}"),
]

CHECK_SCENARIOS = ["idle10k", "fanout2k", "fanout10k", "latency", "publish", "publish-batch", "slow-base", "slow"]


def main():
    runs = load(sys.argv[1])
    # The tcp_nodelay=false columns only when that variant ran (WOK_BENCH_TARGETS=... wok-router-nagle).
    nagle = any(target == "wok-router-nagle" for target, _ in runs)
    out = []
    out.append("| scenario | better | wok-router | nchan | tornado | wok-router/nchan | wok-router/tornado |"
               + (" wok-router, tcp_nodelay=false | its ratio to nchan |" if nagle else ""))
    out.append("|---|---|---|---|---|---|---|" + ("---|---|" if nagle else ""))
    for scenario, label, better, digits, fn in ROWS:
        vals = {t: median(runs, t, scenario, fn) if not isinstance(first(runs, t, scenario, fn), str)
                else first(runs, t, scenario, fn) for t in TARGETS}
        w = vals["wok-router"]
        ratio_n = ratio(w, vals["nchan"]) if better else ""
        ratio_t = ratio(w, vals["tornado"]) if better else ""
        g = vals["wok-router-nagle"]
        ratio_g = ratio(g, vals["nchan"]) if better and g is not None else ""
        out.append(f"| {label} | {better} | {fmt(w, digits)} | {fmt(vals['nchan'], digits)} | "
                   f"{fmt(vals['tornado'], digits)} | {ratio_n} | {ratio_t} |"
                   + (f" {'' if g is None else fmt(g, digits)} | {ratio_g} |" if nagle else ""))
    # Correctness: every healthy subscriber got every notification, in order, once.
    cells = []
    for t in TARGETS:
        bad, notes, announced = [], [], False
        seen = 0
        for s in CHECK_SCENARIOS:
            for d in runs.get((t, s), []):
                seen += 1
                if d.get("resumes"):
                    # Closed with 1013 by the server's queue bound, then resumed as real clients do:
                    # what a resume could not replay was announced ("recovered": false), not skipped.
                    notes.append(f"{s}: closed 1013 {d['resumes']:.0f}× (outbound queue bound), resumed; "
                                 + (f"{d['resumes_unrecovered']:.0f} of them answered recovered: false, "
                                    f"{d['announced_gaps']:.0f} notifications announced lost"
                                    if d.get("resumes_unrecovered") else "nothing lost"))
                    if d["ok"]:
                        continue
                    if (d.get("resumes_unrecovered") and not d.get("gaps") and not d.get("missing")
                            and not d.get("duplicates") and not d.get("stuck_resuming")
                            and not d.get("first_error") and not d.get("healthy_closed")):
                        announced = True
                        continue
                if not d["ok"]:
                    bad.append(f"{s}: " + (d.get("first_error") or
                               f"{d.get('gaps', 0):.0f} skipped, {d.get('missing', 0):.0f} missing, "
                               f"{d.get('duplicates', 0):.0f} duplicated of {d.get('published', 0):.0f} "
                               f"× {d.get('healthy_subscribers', 0):.0f} subscribers"))
        cell = ("n/a" if not seen else "FAIL " + "; ".join(bad) if bad
                else "none skipped silently, but not all delivered" if announced else "all ok")
        cells.append(cell + ("" if not notes else " (" + "; ".join(notes) + ")"))
    out.append(f"| Every notification to every healthy subscriber, in order, once (all runs) | | "
               f"{cells[0]} | {cells[1]} | {cells[2]} | | |" + (f" {cells[3]} | |" if nagle else ""))
    print("\n".join(out))


def first(runs, target, scenario, fn):
    for d in runs.get((target, scenario), []):
        try:
            return fn(d)
        except (KeyError, ZeroDivisionError, TypeError):
            return None
    return None


if __name__ == "__main__":
    main()
