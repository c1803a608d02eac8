#!/usr/bin/python3
"""Golden test vectors for region pooling (RoIPool, RoIAlign).

Writes java/src/test/resources/golden/roi.txt from two independent references:

  * torchvision's CPU kernels (torchvision/csrc/ops/cpu/roi_align_kernel.cpp and roi_pool_kernel.cpp,
    forward and backward), ported here operation for operation in float32 with numpy scalars, as
    torchvision computes for float32 tensors (every product, sum and quotient rounded to float32 in
    the kernel's order; an outside sample adds 0 * input[0], as its pre-computed weights do). The
    same port with ONNX Runtime's max (the max of the four weighted corner terms, std::max order)
    gives the `max_onnxruntime` cases, and with the max of the bilinear sample values (NaN wins,
    outside samples are values of 0) the `max` cases. Input gradients of a random output gradient
    come from the ported backward kernels (avg and RoIPool).
  * ONNX's own RoiAlign node tests (onnx/backend/test/case/node/roialign.py, given with --onnx-node),
    their inputs and expected outputs read by running the file with a stub of the onnx package. The
    port is checked against them here (|diff| <= 1e-4: their avg outputs are printed to 4 decimals).

Run from the repository root with Debian's interpreter (numpy; torch only for its random generator):

    /usr/bin/python3 java/src/test/golden/generate_roi.py --onnx-node PATH/roialign.py [--out PATH]

File format: as generate.py's; values in NCHW order; floats as the shortest string that reads back as
the float32 value (numpy's str).

    case <name>
    source torchvision|onnx_node
    op roi_pool|roi_align
    mode avg|max|max_onnxruntime        (roi_align)
    input_shape N C H W
    boxes b x1 y1 x2 y2 ...              (K x 5; the image index first)
    output_size h w
    spatial_scale s
    sampling_ratio r                     (roi_align; <= 0 adaptive)
    aligned 0|1                          (roi_align)
    tolerance t                          (absolute; 0 = bit for bit)
    input / output / argmax (roi_pool: h*W + w, -1 empty) / grad_output / grad_input
    end
"""
import argparse
import math
import sys
import types

import numpy as np
import torch

f = np.float32
FLT_MAX = f(np.finfo(np.float32).max)


def bilinear(X, b, c, H, W, y, x):
    """torchvision's pre-calculated bilinear: (positions, weights), zero weights at position 0 outside."""
    if y < -1.0 or y > H or x < -1.0 or x > W:
        return ((0, 0),) * 4, (f(0), f(0), f(0), f(0)), False
    if y <= 0:
        y = f(0)
    if x <= 0:
        x = f(0)
    y_low, x_low = int(y), int(x)
    if y_low >= H - 1:
        y_high = y_low = H - 1
        y = f(y_low)
    else:
        y_high = y_low + 1
    if x_low >= W - 1:
        x_high = x_low = W - 1
        x = f(x_low)
    else:
        x_high = x_low + 1
    ly, lx = f(y - f(y_low)), f(x - f(x_low))
    hy, hx = f(f(1) - ly), f(f(1) - lx)
    return ((y_low, x_low), (y_low, x_high), (y_high, x_low), (y_high, x_high)), (f(hy * hx), f(hy * lx), f(ly * hx), f(ly * lx)), True


def align_geometry(r, scale, out_h, out_w, sampling_ratio, aligned):
    offset = f(0.5) if aligned else f(0)
    sw, sh = f(f(r[1] * scale) - offset), f(f(r[2] * scale) - offset)
    ew, eh = f(f(r[3] * scale) - offset), f(f(r[4] * scale) - offset)
    rw, rh = f(ew - sw), f(eh - sh)
    if not aligned:
        rw, rh = max(rw, f(1)), max(rh, f(1))
    bin_h, bin_w = f(rh / f(out_h)), f(rw / f(out_w))
    gh = sampling_ratio if sampling_ratio > 0 else int(np.ceil(f(rh / f(out_h))))
    gw = sampling_ratio if sampling_ratio > 0 else int(np.ceil(f(rw / f(out_w))))
    return sh, sw, bin_h, bin_w, gh, gw, f(max(gh * gw, 1))


def sample(start, p, bin_size, i, grid):
    return f(f(start + f(f(p) * bin_size)) + f(f(f(f(i) + f(0.5)) * bin_size) / f(grid)))


def roi_align(X, rois, scale, out_h, out_w, sampling_ratio, aligned, mode):
    N, C, H, W = X.shape
    scale = f(scale)
    Y = np.zeros((len(rois), C, out_h, out_w), np.float32)
    for n, r in enumerate(rois):
        b = int(r[0])
        sh, sw, bin_h, bin_w, gh, gw, count = align_geometry(r, scale, out_h, out_w, sampling_ratio, aligned)
        for ph in range(out_h):
            for pw in range(out_w):
                pre = []
                for iy in range(gh):
                    y = sample(sh, ph, bin_h, iy, gh)
                    for ix in range(gw):
                        pre.append(bilinear(X, b, 0, H, W, y, sample(sw, pw, bin_w, ix, gw)))
                for c in range(C):
                    plane = X[b, c]
                    acc, first = f(0), True
                    for pos, w, inside in pre:
                        v = [plane[p] for p in pos]
                        if mode == "avg":
                            acc = f(acc + f(f(f(f(w[0] * v[0]) + f(w[1] * v[1])) + f(w[2] * v[2])) + f(w[3] * v[3])))
                        elif mode == "max_onnxruntime":  # std::max(a, b) = a < b ? b : a
                            t = f(w[0] * v[0])
                            for k in range(1, 4):
                                u = f(w[k] * v[k])
                                t = u if t < u else t
                            acc = t if first else (t if acc < t else acc)
                        else:  # max of bilinear values; outside samples are 0; NaN wins
                            value = f(f(f(f(w[0] * v[0]) + f(w[1] * v[1])) + f(w[2] * v[2])) + f(w[3] * v[3])) if inside else f(0)
                            acc = value if (first or value > acc or value != value) else acc
                        first = False
                    Y[n, c, ph, pw] = f(acc / count) if mode == "avg" else acc
    return Y


def roi_align_backward(G, shape, rois, scale, out_h, out_w, sampling_ratio, aligned):
    N, C, H, W = shape
    scale = f(scale)
    GI = np.zeros(shape, np.float32)
    for n, r in enumerate(rois):
        b = int(r[0])
        sh, sw, bin_h, bin_w, gh, gw, count = align_geometry(r, scale, out_h, out_w, sampling_ratio, aligned)
        for c in range(C):
            for ph in range(out_h):
                for pw in range(out_w):
                    g = G[n, c, ph, pw]
                    for iy in range(gh):
                        y = sample(sh, ph, bin_h, iy, gh)
                        for ix in range(gw):
                            pos, w, inside = bilinear(None, b, c, H, W, y, sample(sw, pw, bin_w, ix, gw))
                            if not inside:
                                continue
                            for k in range(4):
                                GI[b, c][pos[k]] = f(GI[b, c][pos[k]] + f(f(g * w[k]) / count))
    return GI


def round_away(v):
    r = math.floor(abs(float(v)) + 0.5)
    return -r if v < 0 else r


def roi_pool(X, rois, scale, out_h, out_w):
    N, C, H, W = X.shape
    scale = f(scale)
    Y = np.zeros((len(rois), C, out_h, out_w), np.float32)
    A = np.zeros((len(rois), C, out_h, out_w), np.int64)
    for n, r in enumerate(rois):
        b = int(r[0])
        sw, sh = round_away(f(r[1] * scale)), round_away(f(r[2] * scale))
        ew, eh = round_away(f(r[3] * scale)), round_away(f(r[4] * scale))
        rw, rh = max(ew - sw + 1, 1), max(eh - sh + 1, 1)
        bin_h, bin_w = f(f(rh) / f(out_h)), f(f(rw) / f(out_w))
        for ph in range(out_h):
            for pw in range(out_w):
                hs = min(max(int(np.floor(f(f(ph) * bin_h))) + sh, 0), H)
                he = min(max(int(np.ceil(f(f(ph + 1) * bin_h))) + sh, 0), H)
                ws = min(max(int(np.floor(f(f(pw) * bin_w))) + sw, 0), W)
                we = min(max(int(np.ceil(f(f(pw + 1) * bin_w))) + sw, 0), W)
                empty = he <= hs or we <= ws
                for c in range(C):
                    best, at = (f(0) if empty else -FLT_MAX), -1
                    for h in range(hs, he):
                        for w in range(ws, we):
                            if X[b, c, h, w] > best:
                                best, at = X[b, c, h, w], h * W + w
                    Y[n, c, ph, pw], A[n, c, ph, pw] = best, at
    return Y, A


def roi_pool_backward(G, A, shape, rois):
    GI = np.zeros(shape, np.float32)
    W = shape[3]
    for n, r in enumerate(rois):
        b = int(r[0])
        for c in range(shape[1]):
            for ph in range(G.shape[2]):
                for pw in range(G.shape[3]):
                    a = A[n, c, ph, pw]
                    if a != -1:
                        GI[b, c, a // W, a % W] = f(GI[b, c, a // W, a % W] + G[n, c, ph, pw])
    return GI


def onnx_node_cases(path):
    """The cases of ONNX's roialign.py, run against a stub of the onnx package that records them."""
    recorded = []
    onnx = types.ModuleType("onnx")
    onnx.helper = types.SimpleNamespace(make_node=lambda op, inputs, outputs, **attrs: dict(op=op, attrs=attrs))
    base = types.ModuleType("onnx.backend.test.case.base")

    class Base:
        pass

    base.Base = Base
    node = types.ModuleType("onnx.backend.test.case.node")
    node.expect = lambda n, inputs, outputs, name: recorded.append((name, n["attrs"], inputs, outputs))
    for name, module in {"onnx": onnx, "onnx.backend": types.ModuleType("onnx.backend"),
                         "onnx.backend.test": types.ModuleType("onnx.backend.test"),
                         "onnx.backend.test.case": types.ModuleType("onnx.backend.test.case"),
                         "onnx.backend.test.case.base": base, "onnx.backend.test.case.node": node}.items():
        sys.modules[name] = module
    scope = {"__name__": "roialign"}
    exec(compile(open(path).read(), path, "exec"), scope)
    for attr in dir(scope["RoiAlign"]):
        if attr.startswith("export"):
            getattr(scope["RoiAlign"], attr)()
    return recorded


def fmt(values):
    out = []
    for v in np.asarray(values, dtype=np.float32).ravel():
        d = float(v)  # the shortest string that reads back as this float32
        out.append("NaN" if d != d else "Infinity" if d == math.inf else "-Infinity" if d == -math.inf else str(v))
    return " ".join(out)


def write_case(lines, name, source, op, X, rois, out_size, scale, Y, mode=None, sampling_ratio=None, aligned=None,
               tolerance=0.0, argmax=None, G=None, GI=None):
    lines += [f"case {name}", f"source {source}", f"op {op}"]
    if mode:
        lines.append(f"mode {mode}")
    lines += [f"input_shape {' '.join(map(str, X.shape))}", f"boxes {fmt(rois)}", f"output_size {out_size[0]} {out_size[1]}",
              f"spatial_scale {repr(float(f(scale)))}"]
    if op == "roi_align":
        lines += [f"sampling_ratio {sampling_ratio}", f"aligned {int(aligned)}"]
    lines += [f"tolerance {tolerance}", f"input {fmt(X)}", f"output {fmt(Y)}"]
    if argmax is not None:
        lines.append(f"argmax {' '.join(map(str, np.asarray(argmax).ravel()))}")
    if G is not None:
        lines += [f"grad_output {fmt(G)}", f"grad_input {fmt(GI)}"]
    lines += ["end", ""]


def random_boxes(gen, K, N, H, W, scale, wild):
    rois = np.zeros((K, 5), np.float32)
    for k in range(K):
        rois[k, 0] = int(torch.randint(0, N, (1,), generator=gen))
        u = torch.rand(4, generator=gen).numpy()
        span_w, span_h = W / scale, H / scale
        if wild and k % 3 == 0:  # partly or wholly outside the map, or reversed
            x1, x2 = (u[0] * 2 - 0.7) * span_w, (u[1] * 2 - 0.7) * span_w
            y1, y2 = (u[2] * 2 - 0.7) * span_h, (u[3] * 2 - 0.7) * span_h
        else:
            x1, y1 = u[0] * span_w * 0.7, u[2] * span_h * 0.7
            x2, y2 = x1 + u[1] * span_w * 0.6, y1 + u[3] * span_h * 0.6
        rois[k, 1:] = np.round(np.array([x1, y1, x2, y2]) * 8) / 8 if k % 2 == 0 else [x1, y1, x2, y2]
    return rois


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--onnx-node", required=True, help="onnx/backend/test/case/node/roialign.py of an ONNX checkout")
    parser.add_argument("--out", default="java/src/test/resources/golden/roi.txt")
    args = parser.parse_args()
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(20261204)
    lines = ["# Golden vectors for region pooling: torchvision's CPU kernels ported in float32 (forward, backward),",
             "# ONNX Runtime's and the bilinear max, and ONNX's own RoiAlign node tests.",
             "# Generated by java/src/test/golden/generate_roi.py; do not edit by hand.",
             f"# numpy {np.__version__}, torch {torch.__version__} (random numbers only).", ""]
    counts = {}

    # ONNX's node tests, and the port checked against them
    for name, attrs, inputs, outputs in onnx_node_cases(args.onnx_node):
        X, rois4, batch = inputs
        rois = np.concatenate([batch.astype(np.float32)[:, None], rois4], axis=1)
        aligned = attrs.get("coordinate_transformation_mode", "half_pixel") == "half_pixel"
        mode = "max_onnxruntime" if attrs.get("mode", "avg") == "max" else "avg"
        out_size = (attrs.get("output_height", 1), attrs.get("output_width", 1))
        ported = roi_align(X, rois, attrs.get("spatial_scale", 1.0), *out_size, attrs.get("sampling_ratio", 0), aligned, mode)
        worst = float(np.max(np.abs(ported - outputs[0])))
        assert worst <= 1e-4, f"{name}: the torchvision port differs from ONNX's expected output by {worst}"
        write_case(lines, name, "onnx_node", "roi_align", X, rois, out_size, attrs.get("spatial_scale", 1.0), outputs[0], mode=mode,
                   sampling_ratio=attrs.get("sampling_ratio", 0), aligned=aligned, tolerance=1e-4)
        counts["onnx_node"] = counts.get("onnx_node", 0) + 1

    shapes = [(1, 1, 6, 7), (2, 3, 9, 8), (1, 5, 12, 10), (2, 19, 7, 5), (1, 4, 1, 1), (1, 2, 3, 20)]
    case = 0
    for si, (N, C, H, W) in enumerate(shapes):
        for scale in ((1.0, 0.5) if si % 2 == 0 else (0.25, 1.0)):
            for wild in (False, True):
                case += 1
                K = 1 + case % 4
                X = (torch.rand((N, C, H, W), generator=gen).numpy() * 8 - 4).astype(np.float32)
                if case % 5 == 0:
                    X = np.round(X)  # ties
                rois = random_boxes(gen, K, N, H, W, scale, wild)
                out_size = (1 + case % 3, 1 + (case * 2) % 5)
                G = (torch.rand((K, C) + out_size, generator=gen).numpy() * 2 - 1).astype(np.float32)
                Y, A = roi_pool(X, rois, scale, *out_size)
                write_case(lines, f"roi_pool_{case}", "torchvision", "roi_pool", X, rois, out_size, scale, Y, argmax=A, G=G,
                           GI=roi_pool_backward(G, A, X.shape, rois))
                counts["roi_pool"] = counts.get("roi_pool", 0) + 1
                for aligned in (False, True):
                    for sampling_ratio in ((-1, 2) if case % 2 else (0, 3)):
                        for mode in ("avg", "max", "max_onnxruntime"):
                            if mode != "avg" and (sampling_ratio in (2, 3) or case % 3 == 0):
                                continue
                            Y = roi_align(X, rois, scale, *out_size, sampling_ratio, aligned, mode)
                            grads = {}
                            if mode == "avg":
                                grads = dict(G=G, GI=roi_align_backward(G, X.shape, rois, scale, *out_size, sampling_ratio, aligned))
                            write_case(lines, f"roi_align_{case}_{mode}_{'aligned' if aligned else 'unaligned'}_sr{sampling_ratio}",
                                       "torchvision", "roi_align", X, rois, out_size, scale, Y, mode=mode,
                                       sampling_ratio=sampling_ratio, aligned=aligned, **grads)
                            counts[mode] = counts.get(mode, 0) + 1
    # RoIPool over NaN and -inf: NaN is never chosen, a bin of them gives -FLT_MAX and -1
    X = np.array([[[[np.nan, 1, -np.inf], [np.nan, np.nan, 2], [-np.inf, -np.inf, 0.5]]]], np.float32)
    rois = np.array([[0, 0, 0, 0, 1], [0, 0, 0, 2, 2], [0, 2, 0, 2, 1], [0, 5, 5, 7, 7]], np.float32)
    Y, A = roi_pool(X, rois, 1.0, 2, 2)
    G = np.arange(1, 17, dtype=np.float32).reshape(4, 1, 2, 2)
    write_case(lines, "roi_pool_nan_inf", "torchvision", "roi_pool", X, rois, (2, 2), 1.0, Y, argmax=A, G=G,
               GI=roi_pool_backward(G, A, X.shape, rois))
    lines.insert(4, "# " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + " cases.")
    with open(args.out, "w") as out:
        out.write("\n".join(lines))
    print(f"wrote {args.out}: {counts}")


if __name__ == "__main__":
    main()
