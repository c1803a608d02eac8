#!/usr/bin/python3
"""Golden test vectors for the pooling methods of the literature: SoftPool and GeM.

Writes java/src/test/resources/golden/methods.txt, computed with PyTorch 1.13 (Debian bookworm's
python3-torch) in float64 straight from the papers' definitions, window by window, and rounded to
float32 once:

  * SoftPool (Stergiou et al. 2021): y = sum(softmax(x_R) * x_R) over the window's taps inside the
    input (torch.softmax shifts by the maximum);
  * GeM (Radenovic et al. 2018): y = mean(clamp(x_R, min=eps) ** p) ** (1 / p) over the taps inside
    the input, with one p or one p per channel;

over sliding windows (kernel, stride, asymmetric padding, dilation, ceil mode), adaptive bins
(PyTorch's [floor(o*L/O), ceil((o+1)*L/O))) and global windows, 1d/2d/3d; with the input gradient
of a random output gradient and, for GeM, the gradient with respect to p, both by autograd.
Inputs with NaN or infinities take the rules of the contract (NaN wins, then +inf; -inf taps
weigh 0 in SoftPool, a window of only -inf gives -inf), applied here without torch; those cases
carry no gradient.

Run from the repository root with Debian's interpreter:

    /usr/bin/python3 java/src/test/golden/generate_methods.py [--out PATH]

Format: as generate_family.py's (one block per case, NCHW order, floats as repr of float32).

    case <name>
    op soft|gem
    window sliding|adaptive|global
    input_shape N C S...
    kernel / stride / pad_begin / pad_end / dilation / ceil_mode     (sliding)
    p v            (gem, one p)        p_channels v ...   (gem, one p per channel)
    eps v          (gem)
    output_shape N C O...
    input / output / grad_output / grad_input v ...
    grad_p v ...   (gem: 1 value, or C)
    end
"""

import argparse
import itertools
import math
import random

import torch

torch.set_num_threads(1)


def out_size(L, k, s, d, pb, pe, ceil):
    ke = d * (k - 1) + 1
    num = L + pb + pe - ke + (s - 1 if ceil else 0)
    if num < 0:
        return 0
    o = num // s + 1
    if ceil and (o - 1) * s >= L + pb:
        o -= 1
    return o


def axis_windows(case, a):
    """Per output along spatial axis a: the input coordinates of the taps inside the input, in order."""
    L = case["input_shape"][2 + a]
    w = case["window"]
    if w == "global":
        return [list(range(L))]
    if w == "adaptive":
        O = case["output_shape"][2 + a]
        return [list(range((o * L) // O, -((-(o + 1) * L) // O))) for o in range(O)]
    k, s, d = case["kernel"][a], case["stride"][a], case["dilation"][a]
    pb, pe = case["pad_begin"][a], case["pad_end"][a]
    O = out_size(L, k, s, d, pb, pe, case["ceil_mode"])
    return [[o * s - pb + j * d for j in range(k) if 0 <= o * s - pb + j * d < L] for o in range(O)]


def f32(v):
    return float(torch.tensor(v, dtype=torch.float64).to(torch.float32))


def rule_value(op, taps):
    """The contract's value for a window holding NaN or an infinity, or None for a finite window."""
    if any(math.isnan(t) for t in taps):
        return math.nan
    if any(t == math.inf for t in taps):
        return math.inf
    if op == "soft" and taps and all(t == -math.inf for t in taps):
        return -math.inf
    return None


def compute(case):
    shape = case["input_shape"]
    rank = len(shape) - 2
    N, C = shape[0], shape[1]
    wins = [axis_windows(case, a) for a in range(rank)]
    case["output_shape"] = [N, C] + [len(w) for w in wins]
    x = torch.tensor(case["input"], dtype=torch.float64).reshape(shape)
    finite = all(math.isfinite(v) for v in case["input"])
    x.requires_grad_(finite)
    op = case["op"]
    if op == "gem":
        pc = case.get("p_channels")
        p = torch.tensor(pc if pc else [case["p"]], dtype=torch.float64, requires_grad=finite)
    outs = []
    for n in range(N):
        for c in range(C):
            for pos in itertools.product(*wins):
                coords = list(itertools.product(*pos))
                if not coords:
                    outs.append(torch.zeros((), dtype=torch.float64))
                    continue
                taps = torch.stack([x[(n, c) + t] for t in coords])
                special = None if finite else rule_value(op, [float(v) for v in taps])
                if special is not None:
                    outs.append(torch.tensor(special, dtype=torch.float64))
                elif op == "soft":
                    t = taps[taps != -math.inf] if not finite else taps
                    outs.append((torch.softmax(t, 0) * t).sum())
                else:
                    pp = p[c] if len(p) > 1 else p[0]
                    outs.append(torch.clamp(taps, min=case["eps"]).pow(pp).mean().pow(1.0 / pp))
    y = torch.stack(outs)
    case["output"] = [f32(v) for v in y.detach().tolist()]
    if finite:
        g = torch.tensor(case["grad_output"], dtype=torch.float64)
        y.backward(g)
        case["grad_input"] = [f32(v) for v in x.grad.reshape(-1).tolist()]
        if op == "gem":
            case["grad_p"] = [f32(v) for v in p.grad.tolist()]


def make_cases(seed):
    rng = random.Random(seed)
    cases = []

    def inputs(count, scale=3.0):
        return [f32(rng.gauss(0, scale)) for _ in range(count)]

    def add(name, op, window, shape, extra, values=None, **fields):
        count = math.prod(shape)
        case = {"name": name, "op": op, "window": window, "input_shape": shape}
        case.update(extra)
        case.update(fields)
        case["input"] = values if values is not None else inputs(count)
        if op == "gem" and values is None:
            case["input"] = [abs(v) if rng.random() < 0.7 else v for v in case["input"]]
        compute_shape = dict(case)
        cases.append(case)

    def sliding(rank):
        k = [rng.randint(1, 3) for _ in range(rank)]
        s = [rng.randint(1, 3) for _ in range(rank)]
        d = [rng.choice([1, 1, 2]) for _ in range(rank)]
        pb = [rng.randint(0, (d[a] * (k[a] - 1) + 1) // 2) for a in range(rank)]
        pe = [rng.randint(0, (d[a] * (k[a] - 1) + 1) // 2) for a in range(rank)]
        return {"kernel": k, "stride": s, "dilation": d, "pad_begin": pb, "pad_end": pe, "ceil_mode": rng.randint(0, 1)}

    sizes = {1: lambda: [rng.randint(3, 9)], 2: lambda: [rng.randint(3, 7), rng.randint(3, 7)],
             3: lambda: [rng.randint(2, 4), rng.randint(2, 5), rng.randint(2, 5)]}
    for op in ("soft", "gem"):
        def params(C):
            if op != "gem":
                return {}
            eps = rng.choice([1e-6, 1e-6, 0.1])
            if rng.random() < 0.5:
                return {"p": rng.choice([1.0, 2.0, 3.0, 4.5]), "eps": eps}
            return {"p_channels": [rng.choice([1.0, 2.5, 3.0, 6.0]) for _ in range(C)], "eps": eps}
        for i in range(36):
            rank = 1 + i % 3
            shape = [rng.randint(1, 2), rng.randint(1, 3)] + sizes[rank]()
            for _ in range(50):
                win = sliding(rank)
                if all(out_size(shape[2 + a], win["kernel"][a], win["stride"][a], win["dilation"][a],
                                win["pad_begin"][a], win["pad_end"][a], win["ceil_mode"]) >= 1 for a in range(rank)):
                    break
            add(f"{op}{rank}d_sliding_{i}", op, "sliding", shape, win, **params(shape[1]))
        for i in range(9):
            rank = 1 + i % 3
            shape = [rng.randint(1, 2), rng.randint(1, 3)] + sizes[rank]()
            out = [rng.randint(1, shape[2 + a] + 1) for a in range(rank)]
            add(f"{op}{rank}d_adaptive_{i}", op, "adaptive", shape, {"adaptive_out": out}, **params(shape[1]))
        for i in range(6):
            rank = 1 + i % 3
            shape = [rng.randint(1, 2), rng.randint(1, 3)] + sizes[rank]()
            add(f"{op}{rank}d_global_{i}", op, "global", shape, {}, **params(shape[1]))
        # far beyond exp's float range (SoftPool's reference code gives NaN here), and GeM powers beyond float
        shape = [1, 2, 6, 6]
        big = [f32(rng.uniform(-1, 1) * 1e30) for _ in range(72)]
        add(f"{op}2d_huge", op, "sliding", shape,
            {"kernel": [3, 3], "stride": [2, 2], "dilation": [1, 1], "pad_begin": [1, 1], "pad_end": [1, 1], "ceil_mode": 1},
            values=[abs(v) for v in big] if op == "gem" else big, **({"p": 8.0, "eps": 1e-6} if op == "gem" else {}))
        # NaN and infinities, each rule on its own window and mixed
        shape = [1, 1, 4, 6]
        vals = inputs(24)
        vals[0] = math.nan
        vals[3] = math.inf
        vals[4] = -math.inf
        vals[12] = vals[13] = vals[18] = vals[19] = -math.inf
        vals[20] = math.inf
        vals[21] = -math.inf
        add(f"{op}2d_special", op, "sliding", shape,
            {"kernel": [2, 2], "stride": [2, 2], "dilation": [1, 1], "pad_begin": [0, 0], "pad_end": [0, 0], "ceil_mode": 0},
            values=vals, **({"p": 3.0, "eps": 1e-6} if op == "gem" else {}))
    for case in cases:
        if case["window"] == "adaptive":
            case["output_shape"] = case["input_shape"][:2] + case.pop("adaptive_out")
        out_count = None
        # the output shape first, for the gradient's length
        rank = len(case["input_shape"]) - 2
        probe = dict(case, input=[0.0] * math.prod(case["input_shape"]))
        wins = [axis_windows(probe, a) for a in range(rank)]
        out_count = case["input_shape"][0] * case["input_shape"][1] * math.prod(len(w) for w in wins)
        case["grad_output"] = [f32(rng.uniform(-1, 1)) for _ in range(out_count)]
        compute(case)
    return cases


def fmt(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return repr(v)
    return str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="java/src/test/resources/golden/methods.txt")
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    cases = make_cases(args.seed)
    keys = ["op", "window", "input_shape", "kernel", "stride", "pad_begin", "pad_end", "dilation", "ceil_mode", "p",
            "p_channels", "eps", "output_shape", "input", "output", "grad_output", "grad_input", "grad_p"]
    with open(args.out, "w") as f:
        f.write("# Golden vectors for SoftPool and GeM, from the papers' definitions in float64 (torch "
                + torch.__version__ + "), rounded to float32.\n")
        f.write("# Generated by java/src/test/golden/generate_methods.py; do not edit by hand.\n")
        f.write(f"# {len(cases)} cases, {sum('grad_input' in c for c in cases)} with gradients.\n\n")
        for c in cases:
            f.write("case " + c["name"] + "\n")
            for k in keys:
                if k not in c:
                    continue
                v = c[k]
                f.write(k + " " + (" ".join(fmt(x) for x in v) if isinstance(v, list) else fmt(v)) + "\n")
            f.write("end\n\n")
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
