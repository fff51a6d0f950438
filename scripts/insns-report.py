#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report of scripts/bench-insns.sh: instructions by configuration and by
function, from the plugin's snapshots (DIR/tb.RUN-CFG-0, DIR/tb.RUN-CFG-1), the
guest's text symbols (DIR/kallsyms) and its INSNS lines (DIR/insns-K.log).

Usage: insns-report.py DIR KERNEL
"""
import bisect
import json
import os
import re
import sys

USER_TOP = 0x800000000000
TOP = 50
GROUPS = [
    ("this module", lambda s: s.endswith("[tcpstates]")),
    ("hooking machinery (ftrace, kprobes)", lambda s: re.search(
        r"kprobe|kretprobe|rethook|ftrace|trampoline|fprobe|arch_rethook", s) is not None),
    ("clock", lambda s: re.match(
        r"(ktime_get|read_hpet|read_tsc|hpet_|clocksource|native_sched_clock|sched_clock|local_clock)", s) is not None),
    ("user space", lambda s: s == "[user]"),
]


def load_syms(path):
    addrs, names = [], []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 2:
                continue
            a = int(p[0], 16)
            if a == 0:
                continue
            addrs.append(a)
            names.append(p[1] + (" " + p[2] if len(p) > 2 else ""))
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def load_snap(path):
    d = {}
    with open(path) as f:
        for line in f:
            a, n, c = line.split()
            d[int(a, 16), int(n)] = int(c)
    return d


def by_symbol(s0, s1, addrs, names):
    """{symbol: (instructions, blocks executed)}"""
    out = {}
    for key, c1 in s1.items():
        dc = c1 - s0.get(key, 0)
        if dc <= 0:
            continue
        a, n = key
        if a < USER_TOP:
            sym = "[user]"
        else:
            i = bisect.bisect_right(addrs, a) - 1
            sym = names[i] if i >= 0 and a - addrs[i] < 0x10000 else "[unknown]"
        ins, blk = out.get(sym, (0, 0))
        out[sym] = (ins + n * dc, blk + dc)
    return out


def group_of(sym):
    for g, f in GROUPS:
        if f(sym):
            return g
    return "rest of the kernel"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    d, kernel = sys.argv[1], sys.argv[2]
    try:
        addrs, names = load_syms(os.path.join(d, "kallsyms"))
        log = open(os.path.join(d, "insns-%s.log" % kernel))
    except OSError as e:
        sys.exit("insns-report: %s (a directory of scripts/bench-insns.sh?)" % e)
    runs = []
    with log as f:
        for line in f:
            if line.startswith("INSNS "):
                runs.append(json.loads(line[6:]))
    if not runs:
        sys.exit("insns-report: no results")
    runs_syms = []
    for r in runs:
        name = "%d-%s" % (r["run"], r["config"])
        try:
            s0 = load_snap(os.path.join(d, "tb.%s-0" % name))
            s1 = load_snap(os.path.join(d, "tb.%s-1" % name))
        except OSError as e:
            print("insns-report: run %s: no snapshot (%s)" % (name, e), file=sys.stderr)
            continue
        n = r["connections"]
        runs_syms.append((r, {k: (i / n, b / n) for k, (i, b) in by_symbol(s0, s1, addrs, names).items()}))
    # per configuration: the mean over its runs, per connection
    per = {}
    for r, syms in runs_syms:
        per.setdefault(r["config"], []).append((r, syms))
    mean = {}
    for c, lst in per.items():
        m = {}
        for _, syms in lst:
            for k, (i, b) in syms.items():
                mi, mb = m.get(k, (0, 0))
                m[k] = (mi + i / len(lst), mb + b / len(lst))
        mean[c] = m
    ev_conn = None
    for c in ("module", "listen", "watch"):
        for r, _ in per.get(c, []):
            if r["events"]:
                ev_conn = r["events"] / r["connections"]
                break
        if ev_conn:
            break
    kern = runs[0].get("kernel", kernel)
    print("# Instructions by configuration, kernel %s\n" % kern)
    print("Counted by the qemu plugin scripts/tbcount.c (single-threaded TCG, guest CPU model %s), "
          "one churn thread, "
          "%d connections per run; events per connection: %s. Runs in the order they ran; "
          "a configuration run twice shows the drift of the whole (TIME_WAIT sockets and "
          "slabs accumulate through the boot).\n"
          % (os.environ.get("TCPSTATES_VM_CPU") or "max", runs[0]["connections"],
             "%.2f" % ev_conn if ev_conn else "unknown"))
    basek = mean.get("none")
    base_i = sum(i for i, _ in basek.values()) if basek else None
    base_b = sum(b for _, b in basek.values()) if basek else None
    print("Blocks are the translated blocks executed: under TCG each costs a dispatch, "
          "and each iteration of a `rep` string instruction is a block of its own.\n")
    print("Lines: what the reader printed per connection (`listen` prints nothing; bpftrace a line per "
          "transition of any TCP socket); lost: what it said it lost.\n")
    print("| run | configuration | instructions per connection | of which user | blocks per connection | instructions added per event | blocks added per event | reader's lines per connection | lost |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r, syms in runs_syms:
        tot = sum(i for i, _ in syms.values())
        blk = sum(b for _, b in syms.values())
        user = syms.get("[user]", (0, 0))[0]
        if base_i is not None and ev_conn:
            ai, ab = "%+.0f" % ((tot - base_i) / ev_conn), "%+.0f" % ((blk - base_b) / ev_conn)
        else:
            ai = ab = "-"
        rl = r.get("reader_lines")
        print("| %d | %s | %.0f | %.0f | %.0f | %s | %s | %s | %s |" % (
            r["run"], r["config"], tot, user, blk, ai, ab,
            "%.2f" % (rl / r["connections"]) if rl is not None else "-",
            r.get("reader_lost", "-")))
    if not basek or not ev_conn:
        return
    for c, syms in mean.items():
        if c == "none":
            continue
        diff = {}
        for s in set(syms) | set(basek):
            i1, b1 = syms.get(s, (0, 0))
            i0, b0 = basek.get(s, (0, 0))
            if i1 != i0 or b1 != b0:
                diff[s] = ((i1 - i0) / ev_conn, (b1 - b0) / ev_conn)
        groups = {}
        for s, (i, b) in diff.items():
            g = group_of(s)
            gi, gb = groups.get(g, (0, 0))
            groups[g] = (gi + i, gb + b)
        print("\n## %s: added per event, over untraced\n" % c)
        print("| where | instructions | blocks |")
        print("|---|---:|---:|")
        for g, _ in GROUPS + [("rest of the kernel", None)]:
            if g in groups:
                print("| %s | %+.0f | %+.0f |" % (g, groups[g][0], groups[g][1]))
        print("| total | %+.0f | %+.0f |" % (sum(i for i, _ in diff.values()), sum(b for _, b in diff.values())))
        top = sorted(diff.items(), key=lambda kv: -abs(kv[1][0]))[:TOP]
        print("\n| function | instructions | blocks |")
        print("|---|---:|---:|")
        for s, (i, b) in top:
            print("| `%s` | %+.1f | %+.1f |" % (s, i, b))

if __name__ == "__main__":
    main()
