#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise scripts/bench.sh's raw records (raw.jsonl) into results.json,
results.md and, when matplotlib is installed, results.png.

Usage: bench-report.py RAW.jsonl OUTDIR
"""
import json
import os
import statistics
import sys

CONFIGS = [
    ("none", "no tracer"),
    ("module", "tcpstates loaded, no reader"),
    ("listen", "tcpstates + live listener that prints nothing (`watch -L 1 -j`: root reads the mapped ring)"),
    ("watch", "tcpstates + `tcpstates watch -j` (root reads the mapped ring; JSON lines)"),
    ("listen-nl", "the same listener over netlink (`watch --no-map -L 1 -j`)"),
    ("watch-nl", "`tcpstates watch --no-map -j` (live netlink listener, JSON lines)"),
    ("bpftrace-tp", "bpftrace, tracepoint:sock:inet_sock_set_state"),
    ("bpftrace-kprobe", "bpftrace, kprobe:tcp_set_state"),
    ("bcc", "bcc tcpstates (tcpstates-bpfcc)"),
    ("exporter", "tcpstates + `tcpstates-exporter` scraped every second (one kept connection, as Prometheus)"),
]
DESC = dict(CONFIGS)
ORDER = [c for c, _ in CONFIGS]
TARGET_RATIO = 0.98            # the exporter against the module alone (issue 18)
# Issue 20's targets, ratios to untraced: the module alone, with a silent
# listener, with `watch -j`; and watch's overhead against bpftrace's
TARGETS = {"module": 0.95, "listen": 0.90, "watch": 0.85}
TARGET_OF_BPFTRACE = 0.25
STARVED = 0.85                 # a run whose qemu got < 85 % of the median host CPU share
SENDER_BUF_EVENTS = 256        # module/netlink.c: TCPSTATES_TX_BUF
HZ_GUEST = 250                 # Debian's kernels: CONFIG_HZ_250

# Where perf samples fell (tools/testing/bench-vm.sh, profile_summary),
# in the order of the table, with what each means
PROFILE_CATS = [
    ("churn: kernel", "the churn's own kernel work (TCP, loopback, syscalls)"),
    ("churn: user", "the churn program"),
    ("softirq thread: kernel", "TCP receive processing deferred to ksoftirqd"),
    ("churn: kprobes machinery", "kprobes/ftrace entry and exit around the module's handlers"),
    ("softirq thread: kprobes machinery", None),
    ("churn: module probes", "the module's probe handlers (connection table, ring)"),
    ("softirq thread: module probes", None),
    ("idle task: module probes", None),
    ("other: module probes", None),
    ("sender: module", "the multicast sender (a kworker): the module's code, building messages"),
    ("kworker: kernel", "kworkers in the kernel: the sender's allocation and multicast, other work"),
    ("reader: kernel", "the reader's system calls (recv, poll, write)"),
    ("reader: user", "the reader in user space (parse, filter, format)"),
    ("idle", "idle vCPU"),
    ("perf", "perf itself"),
    ("other", "everything else"),
]
PROBE_CATS = [c for c, _ in PROFILE_CATS if "probes" in c or "machinery" in c]


def load(path):
    recs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                recs.append(json.loads(line))
    return recs


def one(recs, kind):
    for r in recs:
        if r.get("kind") == kind:
            return r
    return {}


def spread(vals):
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def pct(x, digits=1):
    return "-" if x is None else f"{100 * x:.{digits}f} %"


def num(x):
    return "-" if x is None else f"{x:,}"


def roundup_pow2(n):
    p = 1
    while p < n:
        p <<= 1
    return p


PAGE = 4096
KMALLOC_MAX = 4 << 20          # x86-64 SLUB: order-10 pages
HUGE = 2 << 20                 # kvmalloc allows huge vmalloc mappings (5.18+)


def kvmalloc_bytes(size):
    """What kvcalloc(size) takes on x86-64 6.1, for a fresh machine: slab
    size classes up to 8 KiB, then a power of two of pages from the page
    allocator up to 4 MiB, then vmalloc (rounded to 2 MiB huge pages from
    2 MiB on, plus its array of page pointers)."""
    if size <= 8192:
        return max(8, roundup_pow2(size))
    if size <= KMALLOC_MAX:
        return roundup_pow2((size + PAGE - 1) // PAGE) * PAGE
    area = (size + HUGE - 1) // HUGE * HUGE
    array = (area // PAGE) * 8
    return area + kvmalloc_bytes(array)


def host_shares(recs, runs):
    """The share of a host CPU the VM's qemu process had during each run
    (its CPU time over the run's wall time), from the host's samples of
    qemu's CPU time and the guest's clock set against the host's; None
    when not recorded."""
    seen = [r for r in recs if r.get("kind") == "clock_seen"]
    q = one(recs, "qemu_cpu")
    if not seen or not q or len(q.get("samples", [])) < 2:
        return None
    # a line arrives after it was printed: the smallest gap is the offset
    off = min(r["host_t"] - r["guest_t"] for r in seen)
    smp = q["samples"]

    def ticks(t):
        for (ta, ca), (tb, cb) in zip(smp, smp[1:]):
            if ta <= t <= tb:
                return ca + (cb - ca) * (t - ta) / (tb - ta) if tb > ta else ca
        return None
    for r in runs:
        if "t0" not in r or "t1" not in r or r["t1"] <= r["t0"]:
            continue
        a, b = ticks(r["t0"] + off), ticks(r["t1"] + off)
        if a is not None and b is not None:
            r["host_share"] = round((b - a) / q["hz"] / (r["t1"] - r["t0"]), 3)
    vals = [r["host_share"] for r in runs if "host_share" in r]
    if not vals:
        return None
    med = statistics.median(vals)
    for r in runs:
        r["starved"] = "host_share" in r and r["host_share"] < STARVED * med
    return {"clock_offset_s": round(off, 3), "median_share": med,
            "starved": [{"config": r["config"], "round": r["round"], "host_share": r["host_share"],
                         "conn_per_sec": r["conn_per_sec"]} for r in runs if r.get("starved")]}


def summarise(recs):
    host = one(recs, "host")
    meta = one(recs, "meta")
    calib = [r for r in recs if r.get("kind") == "calib"]
    runs = [r for r in recs if r.get("kind") == "run"]
    shares = host_shares(recs, runs)
    skips = [r for r in recs if r.get("kind") == "skip"]
    mems = {r["label"]: r for r in recs if r.get("kind") == "mem"}

    mod_cal = next((c for c in calib if c.get("tracer") == "module"), None)
    k_module = None
    if mod_cal and mod_cal["connections"]:
        k_module = mod_cal["events"] / mod_cal["connections"]

    # rates: from the runs the host did not starve, paired with an
    # unstarved untraced run of the same round
    base = {r["round"]: r["conn_per_sec"] for r in runs if r["config"] == "none" and not r.get("starved")}
    base_share = {r["round"]: r["host_share"] for r in runs
                  if r["config"] == "none" and not r.get("starved") and r.get("host_share")}
    by_cfg = {}
    for r in runs:
        by_cfg.setdefault(r["config"], []).append(r)

    configs = {}
    for cfg in ORDER:
        rs = sorted(by_cfg.get(cfg, []), key=lambda r: r["round"])
        if not rs:
            continue
        ok = [r for r in rs if not r.get("starved") and base.get(r["round"])]
        ratios = [r["conn_per_sec"] / base[r["round"]] for r in ok]
        # the same per second of host CPU the VM had (qemu is one thread)
        cpu_ratios = [r["conn_per_sec"] / r["host_share"] / (base[r["round"]] / base_share[r["round"]])
                      for r in ok if r.get("host_share") and base_share.get(r["round"])]
        c = {
            "description": DESC[cfg],
            "rounds": len(rs),
            "rounds_rated": len(ok),
            "conn_per_sec": spread([r["conn_per_sec"] for r in ok]),
            "ratio": spread(ratios),
            "ratios": [round(x, 4) for x in ratios],
            "ratio_per_host_cpu": spread(cpu_ratios),
            "cpu_busy_pct": spread([r["cpu_busy_pct"] for r in ok]),
            "connections": sum(r["connections"] for r in rs),
        }
        if c["ratio"]:
            c["overhead"] = 1 - c["ratio"]["median"]
        # VM time this configuration adds to each connection (paired with
        # the same round's untraced run), in microseconds
        added = [1e6 * (1 / r["conn_per_sec"] - 1 / base[r["round"]]) for r in ok]
        c["added_us_per_connection"] = spread(added)
        c["ctxt_per_connection"] = spread([r["ctxt"] / r["connections"] for r in ok
                                           if "ctxt" in r and r["connections"]])
        # delivery accounting
        if cfg == "module":
            ev = sum(r["events_happened"] for r in rs)
            c["events_happened"] = ev
            c["events_per_connection"] = ev / c["connections"] if c["connections"] else None
        kind = cfg[:-3] if cfg.endswith("-nl") else cfg     # watch-nl: a watch
        if kind in ("watch", "listen"):
            happened = sum(r["events_happened"] for r in rs)
            c["events_happened"] = happened
            c["tracer_cpu_s"] = sum(r["tracer_cpu_s"] for r in rs)
            c["mcast_failed"] = sum(r["mcast_failed"] for r in rs)
            c["mcast_overrun"] = sum(r["mcast_overrun"] for r in rs)
            c["mcast_nomem"] = sum(r["mcast_nomem"] for r in rs)
            c["kprobe_missed"] = sum(r["kprobe_missed"] for r in rs)
            c["recovered"] = sum(r["recovered"] for r in rs)
            c["lost_reported"] = sum(r["lost_reported"] for r in rs)
            c["cpu_us_per_event"] = 1e6 * c["tracer_cpu_s"] / happened if happened else None
        if kind == "watch":
            delivered = sum(r["delivered"] for r in rs)
            conn_events = sum(r["conn_events"] for r in rs)
            expected = round(k_module * c["connections"]) if k_module else None
            c.update({
                "delivered": delivered,
                "lost": happened - delivered,
                "loss": (happened - delivered) / happened if happened else None,
                "duplicates": sum(r["duplicates"] for r in rs),
                "seq_breaks": sum(r["seq_breaks"] for r in rs),
                "conn_events": conn_events,
                "conn_events_expected": expected,
                "conn_events_lost": expected - conn_events if expected is not None else None,
                "syn_sent": sum(r["syn_sent"] for r in rs),
                # the generator's count against the module's, in the runs
                # where the listener got every event
                "syn_check_runs": sum(1 for r in rs if r["events_happened"] == r["delivered"]),
                "syn_check_connections": sum(r["connections"] for r in rs if r["events_happened"] == r["delivered"]),
                "syn_check_syn_sent": sum(r["syn_sent"] for r in rs if r["events_happened"] == r["delivered"]),
                "syn_sent_equals_connections": all(r["syn_sent"] == r["connections"] for r in rs
                                                   if r["events_happened"] == r["delivered"]),
                "lossy_runs": [{"round": r["round"], "conn_per_sec": r["conn_per_sec"],
                                "happened": r["events_happened"], "delivered": r["delivered"],
                                "lost": r["events_happened"] - r["delivered"],
                                "mcast_failed": r["mcast_failed"], "mcast_overrun": r["mcast_overrun"],
                                "recovered": r["recovered"], "lost_reported": r["lost_reported"],
                                "silent": r["events_happened"] - r["delivered"] - r["lost_reported"],
                                "seq_breaks": r["seq_breaks"]}
                               for r in rs if r["events_happened"] != r["delivered"]],
                "tw_end_events": sum(r["tw_end_events"] for r in rs),
                "listener_events": sum(r["listener_events"] for r in rs),
                "other_events": sum(r["other_events"] for r in rs),
                "max_conn_per_sec": max(r["conn_per_sec"] for r in rs),
                "lost_at_max": next(r["events_happened"] - r["delivered"] for r in rs
                                    if r["conn_per_sec"] == max(x["conn_per_sec"] for x in rs)),
            })
            c["cpu_us_per_event"] = 1e6 * c["tracer_cpu_s"] / delivered if delivered else None
        if cfg == "exporter":
            # against the module alone in the same round (both rated)
            mod = {r["round"]: r["conn_per_sec"] for r in runs
                   if r["config"] == "module" and not r.get("starved")}
            vs = [r["conn_per_sec"] / mod[r["round"]] for r in rs
                  if not r.get("starved") and mod.get(r["round"])]
            c["ratio_to_module"] = spread(vs)
            c["ratios_to_module"] = [round(x, 4) for x in vs]
            c["scrapes"] = sum(r.get("scrapes", 0) for r in rs)
            c["scrapes_up"] = sum(r.get("scrapes_up", 0) for r in rs)
            c["scrape_s_median"] = spread([r["scrape_s_median"] for r in rs if r.get("scrapes")])
            c["scrape_s_max"] = max((r["scrape_s_max"] for r in rs if r.get("scrapes")), default=None)
            c["exporter_rss_kb"] = spread([r["exporter_rss_kb"] for r in rs if "exporter_rss_kb" in r])
            c["exporter_hwm_kb"] = max((r["exporter_hwm_kb"] for r in rs if "exporter_hwm_kb" in r), default=None)
            c["tracer_cpu_s"] = sum(r.get("tracer_cpu_s", 0) for r in rs)
            c["scrape_bytes"] = max((r.get("scrape_bytes", 0) for r in rs), default=None)
        if cfg in ("bpftrace-tp", "bpftrace-kprobe", "bcc"):
            ks = [r["cal_conn_events"] / r["cal_connections"] for r in rs
                  if r["cal_connections"] and r["cal_lost"] == 0]
            k = round(statistics.median(ks)) if ks else None
            delivered = sum(r["conn_events"] for r in rs)
            expected = k * c["connections"] if k is not None else None
            c.update({
                "events_per_connection": k,
                "calibration": [{"connections": r["cal_connections"], "events": r["cal_conn_events"],
                                 "lost": r["cal_lost"]} for r in rs],
                "delivered": delivered,
                "events_happened": expected,
                "lost": expected - delivered if expected is not None else None,
                "loss": (expected - delivered) / expected if expected else None,
                "lost_reported": sum(r["lost_reported"] for r in rs),
                "tracer_cpu_s": sum(r["tracer_cpu_s"] for r in rs),
                "per_round_loss": [round((k * r["connections"] - r["conn_events"]) / (k * r["connections"]), 4)
                                   if k and r["connections"] else None for r in rs],
            })
            c["cpu_us_per_event"] = 1e6 * c["tracer_cpu_s"] / delivered if delivered else None
        per_conn = None
        if kind == "watch":
            per_conn = c["conn_events"] / c["connections"]
        elif kind == "listen":
            # netlink's losses by the module's counters; the map's, the reader's own count
            per_conn = (c["events_happened"] - c["mcast_failed"] - c["mcast_overrun"] - c["mcast_nomem"]
                        - (c["lost_reported"] if cfg == "listen" else 0)) / c["connections"]
        elif cfg in ("bpftrace-tp", "bpftrace-kprobe", "bcc"):
            per_conn = c["delivered"] / c["connections"]
        if per_conn and c.get("added_us_per_connection"):
            c["delivered_per_connection"] = per_conn
            c["added_us_per_delivered_event"] = c["added_us_per_connection"]["median"] / per_conn
        if "tracer_cpu_s" in c:
            got = c.get("delivered") or c.get("events_happened")
            if got:
                c["cpu_us_per_event"] = 1e6 * c["tracer_cpu_s"] / got
                c["wakeups_per_event"] = sum(r.get("tracer_wakeups", 0) for r in rs) / got
                c["writes_per_event"] = sum(r.get("tracer_writes", 0) for r in rs) / got
        configs[cfg] = c

    # memory
    mem = {}
    es, cs, hb = host.get("event_size"), host.get("conn_size"), host.get("hash_bucket_size", 8)
    for label, m in mems.items():
        st = m["stats"]
        ring, cmax = st["ring_size"], st["conn_max"]
        e = {
            "params": m["params"] or "defaults",
            "ring_size": ring,
            "conn_max": cmax,
            "churn_connections": m["churn_connections"],
            "load_kb": m["load_kb"],
            "freed_kb": m["freed_kb"],
            "module_core_bytes": m["module_core_bytes"],
            "conn_used": st["conn_used"],
            "conn_added": st["conn_added"],
            "conn_evicted": st["drops_conn_evicted"],
            "ring_used": st["ring_used"],
            "events": st["events"],
            "vmalloc": m["vmalloc"],
        }
        if es and cs:
            e["payload_bytes"] = ring * es + cmax * cs + roundup_pow2(cmax) * hb
            # the ring, the table's pool and hash, the sender's buffer,
            # and the module's own text and data
            e["model_bytes"] = (kvmalloc_bytes(ring * es) + kvmalloc_bytes(cmax * cs)
                                + kvmalloc_bytes(roundup_pow2(cmax) * hb)
                                + kvmalloc_bytes(SENDER_BUF_EVENTS * es)
                                + m["module_core_bytes"])
        vm = {}
        for a in m["vmalloc"]:
            vm[a["caller"]] = max(vm.get(a["caller"], 0), a["pages"] * 4096)
        if "tcpstates_ring_init" in vm:
            e["ring_alloc_bytes_per_event"] = vm["tcpstates_ring_init"] / ring
        if "tcpstates_conn_init" in vm:
            e["pool_alloc_bytes_per_conn"] = vm["tcpstates_conn_init"] / cmax
        mem[label] = e
    bounded = None
    if "small" in mem and "large" in mem:
        s, l = mem["small"], mem["large"]
        bounded = {
            "small_freed_kb": s["freed_kb"], "large_freed_kb": l["freed_kb"],
            "difference_kb": l["freed_kb"] - s["freed_kb"],
            "large_connections": l["churn_connections"],
            "conn_max": l["conn_max"],
            "conn_used_le_max": l["conn_used"] <= l["conn_max"],
            "evicted": l["conn_evicted"],
        }

    scale = one(recs, "exporter_scale") or None

    # targets
    t = {}
    ex = configs.get("exporter")
    if ex and ex.get("ratio_to_module"):
        t["exporter_keeps_98pct_of_module"] = {"value": ex["ratio_to_module"]["median"],
                                               "target": TARGET_RATIO,
                                               "met": ex["ratio_to_module"]["median"] >= TARGET_RATIO}
    w, tp, kp, md, ls = (configs.get(x) for x in ("watch", "bpftrace-tp", "bpftrace-kprobe", "module", "listen"))
    for cfg, c in (("module", md), ("listen", ls), ("watch", w)):
        if c and c.get("ratio"):
            t[f"{cfg}_ratio"] = {"value": c["ratio"]["median"], "target": TARGETS[cfg],
                                 "met": c["ratio"]["median"] >= TARGETS[cfg]}
    if w and w.get("ratio"):
        for name, bt in (("bpftrace-tp", tp), ("bpftrace-kprobe", kp)):
            if bt and bt.get("ratio"):
                ow, ob = w["overhead"], bt["overhead"]
                t[f"watch_overhead_vs_{name}"] = {
                    "watch_overhead": ow, "bpftrace_overhead": ob,
                    "fraction": ow / ob if ob > 0 else None, "target": TARGET_OF_BPFTRACE,
                    "met": ob > 0 and ow <= ob * TARGET_OF_BPFTRACE}
        t["no_loss_to_one_listener"] = {"lost": w["lost"], "lost_at_max": w["lost_at_max"],
                                        "listen_lost": (ls["mcast_failed"] + ls["mcast_overrun"] + ls["mcast_nomem"]
                                                        + ls["lost_reported"]) if ls else None,
                                        "listen_recovered": ls["recovered"] if ls else None,
                                        "max_conn_per_sec": w["max_conn_per_sec"],
                                        "met": w["lost"] == 0}
    if bounded:
        t["memory_bounded"] = {"met": abs(bounded["difference_kb"]) <= max(64, 0.02 * bounded["small_freed_kb"])
                               and bounded["conn_used_le_max"], **bounded}
    # where the time goes: overhead steps
    steps = {}

    def added(c):
        return c["added_us_per_connection"]["median"] if c and c.get("added_us_per_connection") else None
    kk = k_module or 10
    if added(md) is not None:
        steps["probes and ring (none -> module)"] = added(md)
    lsn, wn = configs.get("listen-nl"), configs.get("watch-nl")
    if added(md) is not None and added(ls) is not None:
        steps["mapped-ring delivery and reading (module -> listen)"] = added(ls) - added(md)
    if added(ls) is not None and added(w) is not None:
        steps["CLI formatting and writing JSON (listen -> watch)"] = added(w) - added(ls)
    if added(md) is not None and added(lsn) is not None:
        steps["netlink: kernel delivery and receive (module -> listen-nl)"] = added(lsn) - added(md)
    if added(lsn) is not None and added(wn) is not None:
        steps["netlink: CLI formatting and writing JSON (listen-nl -> watch-nl)"] = added(wn) - added(lsn)
    steps = {k2: {"us_per_connection": v, "us_per_event": v / kk} for k2, v in steps.items()}

    # perf profiles: VM time per connection by where the samples fell
    profiles = {}
    for r in recs:
        if r.get("kind") != "profile" or not r.get("connections") or not r.get("samples"):
            continue
        per = 1e6 / r["hz"] / r["connections"]       # µs of one vCPU per sample, per connection
        by = {k2: v * per for k2, v in r["by"].items()}
        profiles[r["config"]] = {
            "conn_per_sec": r["conn_per_sec"], "connections": r["connections"], "samples": r["samples"],
            "us_per_connection": by,
            "share": {k2: v / r["samples"] for k2, v in r["by"].items()},
            "total_us_per_connection": r["samples"] * per,
            "probes_us_per_connection": sum(by.get(c, 0) for c in PROBE_CATS),
            "sender_us_per_connection": by.get("sender: module", 0) + by.get("kworker: kernel", 0),
            "reader_us_per_connection": by.get("reader: kernel", 0) + by.get("reader: user", 0),
            "top": r["top"],
        }

    return {
        "note": "Measured in a qemu TCG-emulated VM (no KVM): absolute rates are meaningless, only ratios within one run are.",
        "host": host, "meta": meta, "module_calibration": mod_cal,
        "module_events_per_connection": k_module,
        "configs": configs, "skipped": skips, "memory": mem, "memory_bounded": bounded,
        "exporter_scale": scale,
        "targets": t, "overhead_steps": steps, "profiles": profiles, "host_cpu": shares,
        "runs": runs,
    }


def markdown(s):
    h, m, cf = s["host"], s["meta"], s["configs"]
    out = []
    p = out.append
    p("# tcpstates benchmark: overhead and loss, side by side with bpftrace\n")
    p("> **The VM is emulated** (qemu %s, guest CPU model %s, no KVM, on a %d-CPU host): "
      "absolute connection rates are meaningless and only **ratios** between configurations "
      "of the same run count. Nothing here is asserted.\n"
      % (h.get("accel", "?"), h.get("guest_cpu", "max"), h.get("host_cpus", 0)))
    p("Run: `%s`, %s mode, %s, kernel %s in the guest (%d vCPUs), %s; "
      "churn: %d threads, %s loopback, %d bytes per connection, %s s per run, %d rounds "
      "(configuration order rotated each round); %s s of wall time in all.\n" % (
          h.get("command", "scripts/bench.sh"), h.get("mode"), h.get("date"), m.get("kernel"),
          m.get("cpus", 0), m.get("bpftrace", "no bpftrace"), m.get("threads", 0), m.get("family"),
          m.get("bytes", 0), m.get("duration"), m.get("rounds", 0), h.get("wall_s", "?")))

    p("## Summary\n")
    t = s["targets"]
    w, md, ls = cf.get("watch"), cf.get("module"), cf.get("listen")
    if w and w.get("ratio"):
        p("- Throughput under tcpstates + a live `tcpstates watch -j`: **%s** of untraced (target >= %s: %s); "
          "module alone %s (target >= %s), with a listener that prints nothing %s (target >= %s)." % (
              pct(w["ratio"]["median"]), pct(TARGETS["watch"], 0),
              "met" if w["ratio"]["median"] >= TARGETS["watch"] else "**missed**",
              pct(md["ratio"]["median"]) if md else "-", pct(TARGETS["module"], 0),
              pct(ls["ratio"]["median"]) if ls else "-", pct(TARGETS["listen"], 0)))
    for name in ("bpftrace-tp", "bpftrace-kprobe", "bcc"):
        c = cf.get(name)
        if c and c.get("ratio"):
            p("- %s: %s of untraced, and it lost %s of the events." % (name, pct(c["ratio"]["median"]), pct(c.get("loss"))))
    if w:
        if not w["lossy_runs"]:
            p("- Events lost to one listener: **0** of %s (every sequence number arrived, in order), at the "
              "VM's maximum churn (up to %s connections/s under tracing)." % (
                  num(w["events_happened"]), f'{w["max_conn_per_sec"]:,.0f}'))
        else:
            lr = w["lossy_runs"]
            p("- Events lost to one `watch -j`: **%s** of %s, in %d of %d rounds (the fastest: %s); there the "
              "kernel failed to deliver %s (the listener's socket was full), the CLI reported %s lost on its "
              "stderr, %s went missing without a message. The listener that prints nothing lost none "
              "(by the module's counters). "
              "See *Loss in watch*." % (
                  num(w["lost"]), num(w["events_happened"]), len(lr), w["rounds"],
                  ", ".join("round %d at %s conn/s" % (x["round"], f'{x["conn_per_sec"]:,.0f}') for x in lr),
                  num(sum(x["mcast_failed"] for x in lr)), num(sum(x["lost_reported"] for x in lr)),
                  num(sum(x["silent"] for x in lr))))
    b = s.get("memory_bounded")
    if b:
        sm = s["memory"]["small"]
        p("- Memory: fixed at load by the parameters (%s KiB with ring_size %s and conn_max %s%s), "
          "the same after %s connections as after 1,000." % (
              num(sm["load_kb"]), num(sm["ring_size"]), num(sm["conn_max"]),
              ", the defaults" if sm["params"] == "defaults" else "", num(b["large_connections"])))
    ex = cf.get("exporter")
    if ex and ex.get("ratio_to_module"):
        r = ex["ratio_to_module"]
        p("- Module + exporter scraped every second: **%s** of the module alone in the same rounds "
          "(median; %s – %s; target >= 98 %%: %s). See *The exporter*." % (
              pct(r["median"]), pct(r["min"]), pct(r["max"]),
              "met" if r["median"] >= TARGET_RATIO else "**missed**"))
    p("- Where the time goes, measured with perf in the guest: see *Where the time goes*.\n")

    p("## Throughput relative to no tracer\n")
    p("Ratio = connections per second under the configuration / without a tracer, "
      "in the same round; median and range over the rounds. Readers write into a file in the "
      "guest's tmpfs rather than /dev/null, so that what they delivered can be counted afterwards; "
      "its pages are written once before the runs and overwritten in place, so that writing costs a "
      "copy, as into a pipe, and not the allocation and zeroing of a fresh page every 4 KiB (under "
      "TCG that cost more than the reader itself, and charged watch's ~500-byte JSON lines far more "
      "than bpftrace's ~60-byte ones).\n")
    p("| configuration | rounds rated | conn/s (median) | ratio (median) | ratio min–max | ratio per host CPU second (median) | overhead | added VM time per connection | events delivered per connection | added VM time per delivered event | context switches per connection |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for cfg in ORDER:
        c = cf.get(cfg)
        if not c:
            continue
        r = c["ratio"]
        a = c.get("added_us_per_connection")
        x = c.get("ctxt_per_connection")
        hr = c.get("ratio_per_host_cpu")
        p("| **%s**: %s | %d of %d | %s | %s | %s – %s | %s | %s | %s | %s | %s | %s |" % (
            cfg, c["description"], c["rounds_rated"], c["rounds"],
            f'{c["conn_per_sec"]["median"]:,.0f}' if c["conn_per_sec"] else "-",
            f'{r["median"]:.3f}' if r else "-", f'{r["min"]:.3f}' if r else "-",
            f'{r["max"]:.3f}' if r else "-", f'{hr["median"]:.3f}' if hr else "-",
            pct(c.get("overhead")) if cfg != "none" else "-",
            f'{a["median"]:.0f} µs' if a and cfg != "none" else "-",
            f'{c["delivered_per_connection"]:.2f}' if c.get("delivered_per_connection") else "-",
            f'{c["added_us_per_delivered_event"]:.1f} µs' if c.get("added_us_per_delivered_event") else "-",
            f'{x["median"]:.1f}' if x else "-"))
    for sk in s["skipped"]:
        p("| **%s**: %s | skipped: %s | | | | | | | | | |" % (sk["config"], DESC.get(sk["config"], ""), sk["why"]))
    p("")
    hc = s.get("host_cpu")
    if hc:
        p("Runs the host starved are not rated: the host samples the CPU time of the VM's qemu process "
          "every 0.5 s, and a run during which qemu had less than %d %% of its median share of a host "
          "CPU (%.2f) ran on a machine busy with something else (other VMs, a build), at a rate that "
          "says nothing about the configuration; nor are the runs of a round whose untraced run was "
          "starved. Their events are still counted below. %s\n" % (
              round(100 * STARVED), hc["median_share"],
              "The ratio per host CPU second divides each rate by the share of a host CPU qemu had "
              "during the run (TCG runs the whole guest on one host thread): it removes the host's "
              "lesser disturbances too, but also hides any time the guest spent idle. " +
              ("Starved: " + ", ".join("%s in round %d (%.2f, %s conn/s)" % (
                  x["config"], x["round"], x["host_share"], f'{x["conn_per_sec"]:,.0f}')
                  for x in hc["starved"]) + "." if hc["starved"] else "No run was starved.")))
    else:
        p("(The host's CPU time for the VM was not recorded: no run is known to be starved.)\n")
    p("Added VM time per connection: 1/rate − 1/(untraced rate of the same round), median over the rounds "
      "(wall time of the whole 2-vCPU VM). Per delivered event: that, divided by the events the reader "
      "got per connection; a tracer that drops events looks cheaper per connection than it is per event.\n")

    p("## Events delivered vs events that happened\n")
    mc = s.get("module_calibration") or {}
    k = s.get("module_events_per_connection")
    if k:
        p("Events per churn connection, measured with the module (%d connections, one thread): "
          "**%g** (client: CLOSE→SYN_SENT→ESTABLISHED→FIN_WAIT1→FIN_WAIT2→TIME_WAIT, or →CLOSE "
          "when the kernel's TIME_WAIT table is full; server child: NEW_SYN_RECV→SYN_RECV→ESTABLISHED"
          "→CLOSE_WAIT→LAST_ACK→CLOSE), plus one when each client TIME_WAIT socket ends, later; "
          "and 2 per listener.\n" % (mc.get("connections", 0), k))
    p("| configuration | happened | delivered | lost | loss | how counted |")
    p("|---|---:|---:|---:|---:|---|")
    w = cf.get("watch")
    if w:
        p("| watch (by sequence number) | %s | %s | %s | %s | module `events` counter delta vs unique `seq` in the JSON lines; "
          "%d duplicates, %d breaks in consecutive order, %s recovered from the ring after a gap, "
          "mcast_failed %d, mcast_overrun %d; kprobe_missed %d (probe hits the kprobes core skipped, "
          "never numbered) |" % (
              num(w["events_happened"]), num(w["delivered"]), num(w["lost"]), pct(w["loss"], 3),
              w["duplicates"], w["seq_breaks"], num(w["recovered"]), w["mcast_failed"],
              w["mcast_overrun"], w["kprobe_missed"]))
        p("| watch (by churn's count) | %s | %s | %s | %s | connections x %g vs this run's connection events "
          "(TIME_WAIT ends, %s, and listeners, %s, apart) |" % (
              num(w["conn_events_expected"]), num(w["conn_events"]), num(w["conn_events_lost"]),
              pct(w["conn_events_lost"] / w["conn_events_expected"] if w["conn_events_expected"] else None, 3),
              k or 0, num(w["tw_end_events"]), num(w["listener_events"])))
    wn = cf.get("watch-nl")
    if wn:
        p("| watch-nl (by sequence number) | %s | %s | %s | %s | the same count for `watch --no-map -j`; %s in the gaps it saw, fetched back from the ring where still there "
          "after a gap, mcast_failed %d, mcast_overrun %d; the CLI reported %s lost |" % (
              num(wn["events_happened"]), num(wn["delivered"]), num(wn["lost"]), pct(wn["loss"], 3),
              num(wn["recovered"]), wn["mcast_failed"], wn["mcast_overrun"], num(wn["lost_reported"])))
    ls = cf.get("listen")
    if ls:
        p("| listen (the reader's count) | %s | - | %s | %s | the mapped ring's reader counts every jump in sequence "
          "numbers as lost (an event the ring overwrote before the reader's copying thread got to it) and says so |" % (
            num(ls["events_happened"]), num(ls["lost_reported"]),
            pct(ls["lost_reported"] / ls["events_happened"] if ls["events_happened"] else None, 3)))
    ln = cf.get("listen-nl")
    if ln:
        p("| listen-nl (module counters) | %s | - | %s | %s | mcast_failed %d + mcast_overrun %d + mcast_nomem %d, "
          "missed by the multicast; the listener saw the gaps and fetched %s of them back from the ring |" % (
            num(ln["events_happened"]), num(ln["mcast_failed"] + ln["mcast_overrun"] + ln["mcast_nomem"]),
            pct((ln["mcast_failed"] + ln["mcast_overrun"] + ln["mcast_nomem"]) / ln["events_happened"]
                if ln["events_happened"] else None, 3),
            ln["mcast_failed"], ln["mcast_overrun"], ln["mcast_nomem"], num(ln["recovered"])))
    for cfg in ("bpftrace-tp", "bpftrace-kprobe", "bcc"):
        c = cf.get(cfg)
        if not c:
            continue
        p("| %s (by churn's count) | %s | %s | %s | %s | connections x %s (calibrated: %s) vs its output lines for this run's ports; "
          "it printed \"Lost N events\" for %s, the other %s vanished without a word |" % (
              cfg, num(c["events_happened"]), num(c["delivered"]), num(c["lost"]), pct(c["loss"], 2),
              c["events_per_connection"],
              ", ".join("%d/%d" % (x["events"], x["connections"]) for x in c["calibration"]),
              num(c["lost_reported"]), num(c["lost"] - c["lost_reported"]) if c["lost"] is not None else "-"))
    p("")
    if w:
        p("Generator check: in the %d `watch` runs where the listener got every event, the number of "
          "CLOSE→SYN_SENT events of the run's connections equals churn's own count of connections: "
          "**%s** (%s events, %s connections; also %s = %s in the calibration).\n" % (
              w["syn_check_runs"], "yes" if w["syn_sent_equals_connections"] else "NO",
              num(w["syn_check_syn_sent"]), num(w["syn_check_connections"]),
              num(mc.get("syn_sent", 0)), num(mc.get("connections", 0))))
        if w["lossy_runs"]:
            p("### Loss in watch\n")
            p("| round | conn/s | happened | delivered | lost | kernel: mcast_failed | CLI: fetched back | CLI: reported lost | lost without a message | breaks in seq order |")
            p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for x in w["lossy_runs"]:
                p("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
                    x["round"], f'{x["conn_per_sec"]:,.0f}', num(x["happened"]), num(x["delivered"]),
                    num(x["lost"]), num(x["mcast_failed"]), num(x["recovered"]), num(x["lost_reported"]),
                    num(x["silent"]), x["seq_breaks"]))
            p("")
            p("The reader could not keep up: `watch -j` spent about %.0f µs of guest CPU per event (%.2f write(2) "
              "calls per event), the listener that prints nothing %.0f µs, and the churn made events faster "
              "than that. Its socket buffer filled and the kernel dropped %s events (mcast_failed, counted; "
              "the ring then still held them, for as long as the %s-event ring kept them); `watch` fetched "
              "back what the ring still held and reported the rest as lost on its stderr.\n" % (
                  w.get("cpu_us_per_event") or 0, w.get("writes_per_event") or 0,
                  (cf.get("listen") or {}).get("cpu_us_per_event") or 0,
                  num(sum(x["mcast_failed"] for x in w["lossy_runs"])),
                  num((s["memory"].get("small") or {}).get("ring_size", 4096))))

    p("## Memory\n")
    mem = s["memory"]
    es, cs = h.get("event_size"), h.get("conn_size")
    p("Struct sizes from the module's debug information (pahole): event %s bytes, connection %s bytes, "
      "plus one 8-byte hash bucket per connection slot (rounded up to a power of two). "
      "Everything is allocated at load (kvcalloc); the probes never allocate. "
      "`Loaded` and `freed` are the change of SUnreclaim + VmallocUsed in /proc/meminfo at insmod and at rmmod "
      "(module text included); `freed` is measured after the churn. `Expected allocation` is what kvcalloc takes "
      "for those sizes (up to 4 MiB a power of two of pages, above that vmalloc rounded to 2 MiB), plus the "
      "sender's %d-event buffer and the module's text and data (/proc/modules).\n" % (es, cs, SENDER_BUF_EVENTS))
    p("| load | ring_size, conn_max | ring x event + conn_max x (conn + bucket) | expected allocation | loaded | freed after churn | churn connections | conn_used / conn_max | evicted |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for label in ("small", "large", "vmalloc"):
        e = mem.get(label)
        if not e:
            continue
        p("| %s | %s, %s%s | %s KiB | %s KiB | %s KiB | %s KiB | %s | %s / %s | %s |" % (
            label, num(e["ring_size"]), num(e["conn_max"]), " (defaults)" if e["params"] == "defaults" else "",
            num(e["payload_bytes"] // 1024) if e.get("payload_bytes") else "-",
            num(e["model_bytes"] // 1024) if e.get("model_bytes") else "-",
            num(e["load_kb"]), num(e["freed_kb"]), num(e["churn_connections"]),
            num(e["conn_used"]), num(e["conn_max"]), num(e["conn_evicted"])))
    v = mem.get("vmalloc")
    if v and v.get("ring_alloc_bytes_per_event"):
        p("\nWith large parameters the allocations come from vmalloc and /proc/vmallocinfo attributes them to the "
          "module: %.1f bytes per event slot (struct: %s) and %.1f bytes per connection slot (struct: %s); "
          "the excess is vmalloc's rounding to 2 MiB huge pages. Below 4 MiB kvcalloc gets physically "
          "contiguous pages instead (rounded up to a power of two pages).\n" % (
              v["ring_alloc_bytes_per_event"], es, v.get("pool_alloc_bytes_per_conn", 0), cs))
    b = s.get("memory_bounded")
    if b:
        p("Bounded: after %s connections (%s x conn_max, most of them alive in TIME_WAIT at once, so the table "
          "evicted %s) the module held %s KiB, after 1,000 it held %s KiB: difference %+d KiB.\n" % (
              num(b["large_connections"]), round(b["large_connections"] / b["conn_max"], 1), num(b["evicted"]),
              num(b["large_freed_kb"]), num(b["small_freed_kb"]), b["difference_kb"]))

    ex = cf.get("exporter")
    sc = s.get("exporter_scale")
    if ex or sc:
        p("## The exporter\n")
    if ex and ex.get("ratio_to_module"):
        r = ex["ratio_to_module"]
        p("Module + `tcpstates-exporter` (defaults: every namespace, `--top 5`) scraped every second by a "
          "client that keeps its connection, as Prometheus does, against the module alone, paired by round: "
          "ratio **%s** (median of %d rounds; %s). Scrapes during the timed runs: %d, the module answered %d; "
          "scrape time median %s, max %s; %s bytes per scrape; the exporter's CPU %s s in all; "
          "its resident memory %s KiB (peak %s KiB).\n" % (
              f'{r["median"]:.3f}', r["n"], ", ".join(f"{x:.3f}" for x in ex["ratios_to_module"]),
              ex["scrapes"], ex["scrapes_up"],
              f'{1e3 * ex["scrape_s_median"]["median"]:.1f} ms' if ex.get("scrape_s_median") else "-",
              f'{1e3 * ex["scrape_s_max"]:.1f} ms' if ex.get("scrape_s_max") is not None else "-",
              num(ex.get("scrape_bytes")), f'{ex["tracer_cpu_s"]:.2f}',
              num(ex["exporter_rss_kb"]["median"]) if ex.get("exporter_rss_kb") else "-",
              num(ex.get("exporter_hwm_kb"))))
    if sc:
        lv, idle, dp = sc["live"], sc["idle"], sc.get("live_dump") or {}

        def ms(x):
            return f"{1e3 * x:.1f} ms" if x is not None else "-"
        p("With %s live connections (TIME_WAIT sockets of a %s-connection churn; the module's table held "
          "%s), scraped every second on one kept connection:\n" % (
              num(sc["live_connections"]), num(sc["churn_connections"]), num(sc["conn_used"])))
        p("| exporter | scrapes | scrape time median | 90th percentile | max | bytes | resident memory (peak) |")
        p("|---|---:|---:|---:|---:|---:|---:|")
        p("| defaults, before the churn (idle) | %d | %s | %s | %s | %s | |" % (
            idle["scrapes"], ms(idle.get("scrape_s_median")), ms(idle.get("scrape_s_p90")),
            ms(idle.get("scrape_s_max")), num(idle.get("scrape_bytes"))))
        p("| defaults (`--top 5`, the table dumped at most every 15 s) | %d | %s | %s | %s | %s | %s KiB (%s KiB) |" % (
            lv["scrapes"], ms(lv.get("scrape_s_median")), ms(lv.get("scrape_s_p90")),
            ms(lv.get("scrape_s_max")), num(lv.get("scrape_bytes")),
            num(sc["exporter_rss_kb"]), num(sc["exporter_hwm_kb"])))
        if dp:
            p("| `--table-interval 0`: the table's CLOSE_WAIT and TIME_WAIT entries dumped at every scrape | %d | %s | %s | %s | %s | %s KiB (%s KiB) |" % (
                dp["scrapes"], ms(dp.get("scrape_s_median")), ms(dp.get("scrape_s_p90")),
                ms(dp.get("scrape_s_max")), num(dp.get("scrape_bytes")),
                num(dp.get("exporter_rss_kb")), num(dp.get("exporter_hwm_kb"))))
        p("\nThe aggregates are a few KiB from the kernel whatever the number of connections; a dump of "
          "the table costs in proportion to the entries it returns (TCG is about 10 times slower than "
          "hardware).\n")

    p("## Targets (reported, not asserted)\n")
    t = s["targets"]
    p("| target | result | met |")
    p("|---|---|---|")
    for cfg, what in (("module", "the module alone"), ("listen", "module + a listener that prints nothing"),
                      ("watch", "module + `watch -j`")):
        x = t.get(f"{cfg}_ratio")
        if x:
            p("| %s keeps >= %s of untraced throughput | %s | %s |" % (
                what, pct(x["target"], 0), pct(x["value"]), "yes" if x["met"] else "**no**"))
    for name in ("bpftrace-tp", "bpftrace-kprobe"):
        x = t.get(f"watch_overhead_vs_{name}")
        if x:
            p("| `watch -j`'s overhead <= 1/4 of %s's | %s vs %s (%s of it) | %s |" % (
                name, pct(x["watch_overhead"]), pct(x["bpftrace_overhead"]),
                pct(x["fraction"], 0) if x["fraction"] is not None else "-", "yes" if x["met"] else "**no**"))
    if "no_loss_to_one_listener" in t:
        x = t["no_loss_to_one_listener"]
        p("| 0 events lost to one listener at the VM's maximum churn | `watch -j`: %s lost in all rounds, %s in the fastest (%s conn/s); the listener that prints nothing: %s missed by the multicast, %s of them fetched back from the ring | %s |" % (
            num(x["lost"]), num(x["lost_at_max"]), f'{x["max_conn_per_sec"]:,.0f}',
            num(x.get("listen_lost")) if x.get("listen_lost") is not None else "-",
            num(x.get("listen_recovered")) if x.get("listen_recovered") is not None else "-",
            "yes" if x["met"] else "**no**"))
    if "exporter_keeps_98pct_of_module" in t:
        x = t["exporter_keeps_98pct_of_module"]
        p("| module + exporter scraped every second keeps >= 98 %% of the module alone | %s | %s |" % (
            pct(x["value"]), "yes" if x["met"] else "**no**"))
    if "memory_bounded" in t:
        x = t["memory_bounded"]
        p("| memory bounded by the parameters | %s KiB after 1,000 connections, %s KiB after %s | %s |" % (
            num(x["small_freed_kb"]), num(x["large_freed_kb"]), num(x["large_connections"]),
            "yes" if x["met"] else "**no**"))
    p("")

    p("## Where the time goes\n")
    p("Two measures: the difference of the added time per connection between configurations of the "
      "timed rounds, and one more run of each tcpstates configuration under `perf record -a` "
      "(cpu-clock samples on both vCPUs; perf slows the run, so compare its shares, not its rates).\n")
    if s["overhead_steps"]:
        p("VM time added by each step (differences of the medians of the added time per connection; "
          "rounds are noisy, so small or negative steps are within the noise):\n")
        for k2, val in s["overhead_steps"].items():
            p("- %s: %.0f µs per connection, %.1f µs per event" % (k2, val["us_per_connection"], val["us_per_event"]))
        p("")
    pf = s.get("profiles") or {}
    pcs = [c for c in ("none", "module", "listen", "watch") if c in pf]
    kk = s.get("module_events_per_connection") or 10
    if pcs:
        p("perf: VM time per connection (µs of one vCPU; sample count x sampling period / connections) by "
          "where the samples fell, and its share of the run:\n")
        p("| where | what | " + " | ".join(pcs) + " |")
        p("|---|---|" + "---:|" * len(pcs))
        for cat, what in PROFILE_CATS:
            if not any(pf[c]["us_per_connection"].get(cat) for c in pcs):
                continue
            p("| %s | %s | %s |" % (cat, what or "", " | ".join(
                "%.0f (%.1f %%)" % (pf[c]["us_per_connection"].get(cat, 0), 100 * pf[c]["share"].get(cat, 0))
                for c in pcs)))
        p("| **all** | | %s |" % " | ".join("%.0f" % pf[c]["total_us_per_connection"] for c in pcs))
        p("| conn/s under perf | | %s |" % " | ".join(f'{pf[c]["conn_per_sec"]:,.0f}' for c in pcs))
        p("")
        tops = []
        for c in ("listen", "watch"):
            if c not in pf:
                continue
            tot = pf[c]["samples"]
            for who, test in (("sender", lambda x: x["comm"].startswith("kworker")),
                              ("reader", lambda x: x["comm"] == "tcpstates")):
                syms = [x for x in pf[c]["top"] if test(x)][:6]
                if syms:
                    tops.append("%s, %s: %s" % (c, who, ", ".join(
                        "%s %.1f %%" % (x["sym"], 100 * x["samples"] / tot) for x in syms)))
        if tops:
            p("Hottest symbols of the sender and the reader (among the 25 hottest of the run):\n")
            for x in tops:
                p("- " + x)
            p("")
    rows = [(cfg, cf[cfg]) for cfg in ("listen", "watch", "bpftrace-tp", "bpftrace-kprobe", "bcc")
            if cfg in cf and cf[cfg].get("cpu_us_per_event")]
    if rows:
        p("The reader process, per event it received (CPU: user + system time the guest accounted to it; "
          "wakeups: its voluntary context switches, each a wait for more data; writes: its write(2) "
          "calls; from the start of the run until it caught up):\n")
        p("| reader | CPU per event (guest-accounted) | wakeups per event | writes per event |")
        p("|---|---:|---:|---:|")
        for cfg, c in rows:
            p("| %s | %.1f µs | %.3f | %.3f |" % (
                cfg, c["cpu_us_per_event"], c.get("wakeups_per_event") or 0, c.get("writes_per_event") or 0))
        p("")
    md, ls, w = cf.get("module"), cf.get("listen"), cf.get("watch")

    def cx(c):
        return c["ctxt_per_connection"]["median"] if c and c.get("ctxt_per_connection") else None

    def per_ev(c, key):
        return pf[c][key] / kk if c in pf else None
    notes = []
    if md and cx(md) is not None and cx(cf.get("none")) is not None:
        x = "**Probes**: loading the module costs %.1f µs of VM time per event by difference (%s of the " \
            "untraced rate at this churn), without any reader; context switches stay at %.1f per " \
            "connection (untraced: %.1f)." % (
                s["overhead_steps"].get("probes and ring (none -> module)", {}).get("us_per_event", 0),
                pct(md.get("overhead")), cx(md), cx(cf["none"]))
        if "module" in pf:
            m2 = pf["module"]["us_per_connection"]
            x += " perf puts %.1f µs per event in the module's handlers and %.1f µs in the hooking " \
                 "machinery around them (ftrace trampolines, and kretprobes for the functions whose " \
                 "return value the module needs); this is the floor under any reader." % (
                     sum(m2.get(c, 0) for c in PROBE_CATS if "module" in c) / kk,
                     sum(m2.get(c, 0) for c in PROBE_CATS if "machinery" in c) / kk)

            def sym_us(cfg, sym):
                r = pf.get(cfg)
                n = sum(t["samples"] for t in r["top"] if t["sym"] == sym and t["comm"] == "churn") if r else 0
                return n * r["total_us_per_connection"] / r["samples"] if r and r["samples"] else 0
            h0, h1 = sym_us("none", "read_hpet"), sym_us("module", "read_hpet")
            if h1 > h0 > 0:
                x += " The handlers' calls into the kernel count as kernel time: reading the clock for " \
                     "each event (ktime_get_ns(); the guest's clocksource is the emulated HPET, a trap " \
                     "into qemu per read) grows read_hpet from %.0f to %.0f µs per connection, %.1f µs " \
                     "per event (the handlers and the hooking machinery: %.1f); on hardware with a TSC " \
                     "a read takes some 20 ns." % (h0, h1, (h1 - h0) / kk,
                                                   sum(m2.get(c, 0) for c in PROBE_CATS) / kk)
        notes.append(x)
    if ls and cx(ls) is not None and cx(md) is not None:
        x = "**Delivery**: `listen` reads the mapped ring: the probes also write each event's mapped " \
            "record and arm a delayed work item that wakes the reader's copying thread one tick (%d ms " \
            "at HZ=%d) after the first event that found it idle; over netlink (`listen-nl`) the same " \
            "kind of work item is the sender, which multicasts every event since, several per " \
            "datagram. Context switches per connection: %.1f with a " \
            "listener, %.1f with the module alone (before the batching: 3.9); the listener waits for " \
            "data %.3f times per event." % (
                1000 // HZ_GUEST, HZ_GUEST, cx(ls), cx(md), ls.get("wakeups_per_event") or 0)
        if "listen" in pf and "module" in pf:
            x += " perf: the work item (kworker) %.1f µs per event (%.1f with the module alone, other " \
                 "kernel work), the listener %.1f µs per event in the kernel (system calls) and %.1f in user " \
                 "space (copying, parsing)." % (
                     per_ev("listen", "sender_us_per_connection"), per_ev("module", "sender_us_per_connection"),
                     pf["listen"]["us_per_connection"].get("reader: kernel", 0) / kk,
                     pf["listen"]["us_per_connection"].get("reader: user", 0) / kk)
        if "listen" in pf and "module" in pf and md.get("ratio") and ls.get("ratio"):
            L, M = pf["listen"], pf["module"]
            ck = "churn: kernel"
            sh = L["share"]
            direct = (L["sender_us_per_connection"] + L["reader_us_per_connection"]
                      + L["probes_us_per_connection"] - M["probes_us_per_connection"])
            x += " In the listen profile run the sender takes %.1f %% of the VM's time, the listener " \
                 "%.1f %% and the probes %.1f %% (module alone: %.1f %%): %.0f µs per connection in all, " \
                 "where the run added %.0f µs per connection to the module-alone run. The rest shows as " \
                 "the churn's own kernel work taking longer per connection (%.0f µs with the module alone, " \
                 "%.0f with the listener), spread over the whole TCP path rather than in any function of " \
                 "ours. qemu's single-threaded TCG runs the two vCPUs in turn on one host thread, so " \
                 "whatever runs on the other vCPU (the sender, the listener) takes the host thread from " \
                 "the churn, and the guest's clock, by which perf samples, runs on meanwhile; a run " \
                 "with one churn thread (the other vCPU free for the reader) loses as much. The profiles " \
                 "are single 5-s runs, so this is an indication, not a measurement." % (
                     100 * (sh.get("sender: module", 0) + sh.get("kworker: kernel", 0)),
                     100 * (sh.get("reader: kernel", 0) + sh.get("reader: user", 0)),
                     100 * L["probes_us_per_connection"] / L["total_us_per_connection"],
                     100 * M["probes_us_per_connection"] / M["total_us_per_connection"],
                     direct, L["total_us_per_connection"] - M["total_us_per_connection"],
                     M["us_per_connection"].get(ck, 0), L["us_per_connection"].get(ck, 0))
        notes.append(x)
    if w and w.get("writes_per_event") is not None:
        x = "**The CLI** (`watch -j`) makes %.3f write(2) calls per event: stdout is fully buffered into " \
            "a file or a pipe and flushed whenever the socket has nothing queued." % w["writes_per_event"]
        if "watch" in pf:
            u = pf["watch"]["us_per_connection"]
            x += " perf: %.1f µs per event in user space (parse, filter, JSON) and %.1f in the kernel " \
                 "(recv, poll, and copying the JSON, 600 to 750 bytes per event, into the sink)." % (
                     u.get("reader: user", 0) / kk, u.get("reader: kernel", 0) / kk)
        notes.append(x)
    tp = cf.get("bpftrace-tp")
    if w and tp and w.get("added_us_per_delivered_event") and tp.get("added_us_per_delivered_event"):
        kp = cf.get("bpftrace-kprobe", {})
        if kp.get("added_us_per_delivered_event"):
            tps = ("delivered %.1f of 10 events per connection (tracepoint) and %.1f of 9 (kprobe); "
                   "per event delivered it adds %.0f µs (tracepoint) and %.0f µs (kprobe)" % (
                       tp["delivered_per_connection"], kp["delivered_per_connection"],
                       tp["added_us_per_delivered_event"], kp["added_us_per_delivered_event"]))
        else:   # the kprobe configuration was not run
            tps = ("delivered %.1f of 10 events per connection (tracepoint); per event delivered "
                   "it adds %.0f µs" % (tp["delivered_per_connection"],
                                        tp["added_us_per_delivered_event"]))
        notes.append("**Per event delivered**: bpftrace %s, tcpstates + watch %.0f µs, %s." % (
                         tps, w["added_us_per_delivered_event"],
                         "with none lost" if not w.get("lossy_runs") else
                         "losing %s overall (see above)" % pct(w.get("loss"))))
    notes.append("**Emulation**: TCG runs both vCPUs on one host thread, so a reader's CPU time is "
                 "taken from the churn directly, as on a saturated host, and guest-accounted CPU time "
                 "runs on while a vCPU waits for its turn (compare it between readers only). System "
                 "calls, context switches, interrupts-off sections and `rep movs`/`rep stos` copies are "
                 "far dearer under TCG than on hardware. On real hardware a reader on an idle core costs "
                 "the traced workload only the probes and the kernel's sending work; here every µs any "
                 "reader spends is taken from the churn.")
    for n in notes:
        p("- " + n)
    p("")
    return "\n".join(out) + "\n"


def chart(s, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    cf = s["configs"]
    names = [c for c in ORDER if c in cf and cf[c].get("ratio")]
    med = [cf[c]["ratio"]["median"] for c in names]
    lo = [cf[c]["ratio"]["median"] - cf[c]["ratio"]["min"] for c in names]
    hi = [cf[c]["ratio"]["max"] - cf[c]["ratio"]["median"] for c in names]
    colors = {"none": "#888888", "module": "#4c72b0", "listen": "#4c72b0", "watch": "#4c72b0",
              "bpftrace-tp": "#dd8452", "bpftrace-kprobe": "#dd8452", "bcc": "#55a868"}
    loss = []
    for c in names:
        x = cf[c].get("loss")
        loss.append(x)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 2]})
    bars = ax.bar(names, med, yerr=[lo, hi], capsize=5, color=[colors.get(c, "#999") for c in names])
    ax.axhline(TARGETS["watch"], color="red", linestyle="--", linewidth=1, label="target for watch: %.2f" % TARGETS["watch"])
    ax.set_ylabel("throughput / no tracer (median, min-max over rounds)")
    ax.set_ylim(0, max(1.1, max(m + h for m, h in zip(med, hi)) + 0.05))
    for b, m, l in zip(bars, med, loss):
        txt = f"{m:.2f}"
        if l is not None:
            txt += f"\nloss {100 * l:.1f}%"
        ax.text(b.get_x() + b.get_width() / 2, 0.03, txt, ha="center", va="bottom", fontsize=8, color="white",
                fontweight="bold")
    m = s["meta"]
    ax.set_title("Connection churn throughput relative to no tracer", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)
    ev = [c for c in names if cf[c].get("added_us_per_delivered_event")]
    vals = [cf[c]["added_us_per_delivered_event"] for c in ev]
    b2 = ax2.bar(ev, vals, color=[colors.get(c, "#999") for c in ev])
    for b, v in zip(b2, vals):
        ax2.text(b.get_x() + b.get_width() / 2, v, f"{v:.0f}", ha="center", va="bottom", fontsize=8)
    ax2.set_ylabel("added VM time per delivered event (µs, median)")
    ax2.set_title("Cost per event actually delivered", fontsize=10)
    ax2.tick_params(axis="x", labelrotation=20, labelsize=8)
    fig.suptitle("tcpstates vs bpftrace, loopback churn, kernel %s, %d rounds. qemu TCG-emulated VM (no KVM): "
                 "only ratios are meaningful" % (m.get("kernel", "?"), m.get("rounds", 0)), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench-report.py RAW.jsonl OUTDIR")
    recs = load(sys.argv[1])
    s = summarise(recs)
    outdir = sys.argv[2]
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(s, f, indent=1, sort_keys=False)
        f.write("\n")
    md = markdown(s)
    png = os.path.join(outdir, "results.png")
    if chart(s, png):
        md += "\n![throughput ratios](results.png)\n"
    else:
        if os.path.exists(png):
            os.remove(png)
        md += "\n(no chart: python3-matplotlib is not installed)\n"
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(md)


if __name__ == "__main__":
    main()
