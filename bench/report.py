#!/usr/bin/env python3
"""Side-by-side report of poolkit against oneDNN, XNNPACK, ONNX Runtime and the bandwidth floor.

Reads the JMH JSON written by `mvn -Pbench` (poolkit native and Java per shape and layout, ONNX Runtime's
OrtPoolBench in NCHW) and, when given, the JSON lines of bench/native's poolkit_peers (oneDNN, XNNPACK,
bandwidth floor, oneDNN's channel-blocked layout), then prints Markdown tables and writes an SVG chart.
Standard library only.

    python3 bench/report.py bench/target/jmh-result.json [--peers peers.jsonl] [--svg bench/results.svg]

FamilyBench's runs (global and adaptive ops), when the JSON holds them, get a table of their own.
"""
import argparse
import json
import math
import statistics
import sys

LAYOUTS = ("NCHW", "NHWC")


def load_jmh(path):
    """{(shape, layout, backend): (median µs, iterations)} from JMH's JSON (average-time mode, µs/op);
    ParallelBench's runs are the backends "native-2t-parked" and "native-2t-awake" (its executors), OrtPoolBench's "onnxruntime" (NCHW; its runs on the
    minimal input "onnxruntime-minimal")."""
    results = {}
    with open(path) as f:
        for r in json.load(f):
            p = dict(r["params"])
            if not r["benchmark"].endswith(("PoolBench.run", "ParallelBench.twoThreads")):
                continue
            if r["benchmark"].endswith("ParallelBench.twoThreads"):
                p["backend"] = "native-2t-" + p.get("executor", "parked")
            if r["benchmark"].endswith("OrtPoolBench.run"):
                p["layout"] = "NCHW"
                p["backend"] = "onnxruntime" if p.get("input", "standard") == "standard" else "onnxruntime-minimal"
            values = [v for fork in r["primaryMetric"]["rawData"] for v in fork]
            unit = r["primaryMetric"]["scoreUnit"]
            scale = {"us/op": 1.0, "ns/op": 1e-3, "ms/op": 1e3}[unit]
            results[(p["shape"], p["layout"], p["backend"])] = (statistics.median(values) * scale, len(values))
    return results


def median_us(r):
    values = [v for fork in r["primaryMetric"]["rawData"] for v in fork]
    return statistics.median(values) * {"us/op": 1.0, "ns/op": 1e-3, "ms/op": 1e3}[r["primaryMetric"]["scoreUnit"]]


def family_markdown(path):
    """FamilyBench: per op, shape and layout, native and Java medians and their ratio; None without such runs."""
    with open(path) as f:
        runs = {(r["params"]["op"], r["params"]["shape"], r["params"]["layout"], r["params"]["backend"]): median_us(r)
                for r in json.load(f) if r["benchmark"].endswith("FamilyBench.run")}
    if not runs:
        return None
    out = ["| op | shape | layout | native µs | Java µs | Java / native |", "|---|---|---|---:|---:|---:|"]
    for op, shape, layout in sorted({k[:3] for k in runs}):
        n, j = runs.get((op, shape, layout, "native")), runs.get((op, shape, layout, "java"))
        out.append(f"| {op} | {shape} | {layout} | {fmt(n)} | {fmt(j)} | {f'{j / n:.1f}×' if n and j else '–'} |")
    return "\n".join(out)


def load_peers(path):
    """{(shape, layout, impl): record} from poolkit_peers' JSON lines."""
    peers = {}
    if not path:
        return peers
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                peers[(r["shape"], r["layout"], r["impl"])] = r
    return peers


def fmt(x, digits=1):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if x >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}" if x >= 1 else f"{x:.3f}"


def rows(jmh, peers):
    shapes = sorted({k[0] for k in jmh})
    for shape in shapes:
        for layout in LAYOUTS:
            native = jmh.get((shape, layout, "native"), (None, 0))[0]
            java = jmh.get((shape, layout, "java"), (None, 0))[0]
            onednn = peers.get((shape, layout, "onednn"), {}).get("us_median")
            xnnpack = peers.get((shape, layout, "xnnpack"), {}).get("us_median")
            ort = jmh.get((shape, layout, "onnxruntime"), (None, 0))[0]
            ort_minimal = jmh.get((shape, layout, "onnxruntime-minimal"), (None, 0))[0]
            floor = peers.get((shape, layout, "floor"), {})
            best = min([t for t in (onednn, xnnpack, ort) if t], default=None)
            yield {
                "shape": shape, "layout": layout, "native": native, "java": java, "onednn": onednn,
                "onednn_impl": peers.get((shape, layout, "onednn"), {}).get("impl_detail", ""),
                "xnnpack": xnnpack, "ort": ort, "ort_minimal": ort_minimal, "best": best,
                "floor": floor.get("us_median"), "bytes": floor.get("bytes"),
            }


def share(floor, native):
    return f"{100 * floor / native:.0f}%" if floor and native else "–"


def markdown(table):
    out = ["| shape | layout | poolkit native µs | poolkit Java µs | Java / native | oneDNN µs | XNNPACK µs "
           "| ORT µs | ORT fixed µs | best peer / native | floor µs | floor / native | native GB/s |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in table:
        n = r["native"]
        ratio = lambda a, b: f"{a / b:.2f}×" if a and b else "–"
        gbps = f"{r['bytes'] / (n * 1e3):.1f}" if r["bytes"] and n else "–"
        onednn = fmt(r["onednn"]) + (f" ({r['onednn_impl'].split(' ')[0]})" if r["onednn_impl"] and not r["onednn_impl"].startswith("jit") else "")
        out.append(f"| {r['shape']} | {r['layout']} | {fmt(n)} | {fmt(r['java'])} | {ratio(r['java'], n)} | {onednn} "
                   f"| {fmt(r['xnnpack'])} | {fmt(r['ort'])} | {fmt(r['ort_minimal'])} | {ratio(r['best'], n)} "
                   f"| {fmt(r['floor'])} | "
                   f"{share(r['floor'], n)} | {gbps} |")
    return "\n".join(out)


def two_threads_markdown(jmh):
    """ParallelBench beside PoolBench: one run shared by the calling thread and one task on the caller's
    executor, whose thread parks between runs or polls for work; None without such runs."""
    keys = sorted({k[:2] for k in jmh if k[2].startswith("native-2t")})
    if not keys:
        return None
    out = ["| shape | layout | one thread µs | parked executor µs | speed-up | awake executor µs | speed-up |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for shape, layout in keys:
        one = jmh.get((shape, layout, "native"), (None, 0))[0]
        parked, awake = (jmh.get((shape, layout, "native-2t-" + e), (None, 0))[0] for e in ("parked", "awake"))
        ratio = lambda t: f"{one / t:.2f}×" if one and t else "–"
        out.append(f"| {shape} | {layout} | {fmt(one)} | {fmt(parked)} | {ratio(parked)} | {fmt(awake)} "
                   f"| {ratio(awake)} |")
    return "\n".join(out)


def svg(table, path):
    """Horizontal bars on a log axis: per shape and layout, poolkit native, oneDNN, XNNPACK, ONNX Runtime, poolkit Java."""
    series = [("native", "poolkit native", "#1b7837"), ("onednn", "oneDNN", "#2166ac"),
              ("xnnpack", "XNNPACK", "#b2182b"), ("ort", "ONNX Runtime", "#e08214"), ("java", "poolkit Java", "#999999")]
    values = [r[k] for r in table for k, _, _ in series if r[k]]
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    left, width, bar, gap = 190, 640, 7, 10
    group = bar * len(series) + gap
    height = 60 + group * len(table) + 40
    x = lambda v: left + (math.log10(v) - lo) / (hi - lo) * width
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 30}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<text x="{left}" y="18" font-size="13">Time per call, µs (log scale, lower is better), one thread</text>']
    for i, (key, label, colour) in enumerate(series):
        parts.append(f'<rect x="{left + i * 125}" y="28" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + i * 125 + 14}" y="37">{label}</text>')
    top = 50
    for e in range(lo, hi + 1):
        parts.append(f'<line x1="{x(10 ** e):.1f}" y1="{top}" x2="{x(10 ** e):.1f}" y2="{height - 30}" stroke="#ddd"/>'
                     f'<text x="{x(10 ** e):.1f}" y="{height - 16}" text-anchor="middle">{10 ** e:g}</text>')
    for j, r in enumerate(table):
        y0 = top + j * group
        parts.append(f'<text x="{left - 6}" y="{y0 + group / 2:.1f}" text-anchor="end">{r["shape"]} {r["layout"]}</text>')
        for i, (key, _, colour) in enumerate(series):
            if r[key]:
                parts.append(f'<rect x="{left}" y="{y0 + i * bar}" width="{x(r[key]) - left:.1f}" height="{bar - 1}" '
                             f'fill="{colour}"/>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def blocked_markdown(jmh, peers):
    """oneDNN in its channel-blocked layout (nChw16c, nCdhw16c; 8c below AVX-512) beside its plain layouts and poolkit's; None
    without such rows. Not a "best peer": a caller with NCHW or NHWC data pays reorders that are not timed."""
    shapes = sorted({k[0] for k in peers if k[2] == "onednn" and k[1] not in LAYOUTS})
    if not shapes:
        return None
    out = ["| shape | layout | oneDNN blocked µs | oneDNN NCHW µs | oneDNN NHWC µs | poolkit native NCHW µs "
           "| poolkit native NHWC µs | blocked / poolkit's faster layout |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for shape in shapes:
        layout = next(k[1] for k in peers if k[0] == shape and k[2] == "onednn" and k[1] not in LAYOUTS)
        blocked = peers[(shape, layout, "onednn")].get("us_median")
        plain = [peers.get((shape, l, "onednn"), {}).get("us_median") for l in LAYOUTS]
        ours = [jmh.get((shape, l, "native"), (None, 0))[0] for l in LAYOUTS]
        fastest = min([t for t in ours if t], default=None)
        ratio = f"{blocked / fastest:.2f}×" if blocked and fastest else "–"
        out.append(f"| {shape} | {layout} | {fmt(blocked)} | {fmt(plain[0])} | {fmt(plain[1])} | {fmt(ours[0])} "
                   f"| {fmt(ours[1])} | {ratio} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("jmh")
    ap.add_argument("--peers")
    ap.add_argument("--svg")
    a = ap.parse_args()
    jmh, peers = load_jmh(a.jmh), load_peers(a.peers)
    table = list(rows(jmh, peers))
    family = family_markdown(a.jmh)
    if not table and not family:
        sys.exit("no results in " + a.jmh)
    if table:
        print(markdown(table))
        blocked = blocked_markdown(jmh, peers)
        if blocked:
            print("\noneDNN's channel-blocked layout (input already blocked; reorders not timed):\n\n" + blocked)
        two = two_threads_markdown(jmh)
        if two:
            print("\nTwo threads over the caller's executor (ParallelBench):\n\n" + two)
        if a.svg:
            svg(table, a.svg)
    if family:
        print(("\n" if table else "") + family)


if __name__ == "__main__":
    main()
