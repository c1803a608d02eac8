#!/usr/bin/python3
"""Golden test vectors for the pooling methods of the literature: SoftPool, GeM, mixed, stochastic, LIP.

Writes java/src/test/resources/golden/methods.txt, computed with PyTorch 1.13 (Debian bookworm's
python3-torch) in float64 straight from the papers' definitions, window by window, and rounded to
float32 once:

  * SoftPool (Stergiou et al. 2021): y = sum(softmax(x_R) * x_R) over the window's taps inside the
    input (torch.softmax shifts by the maximum);
  * GeM (Radenovic et al. 2018): y = mean(clamp(x_R, min=eps) ** p) ** (1 / p) over the taps inside
    the input, with one p or one p per channel;
  * mixed pooling (Yu et al. 2014; Lee et al. 2016): y = lambda * max(x_R) + (1 - lambda) * avg(x_R),
    the max at its first tap in window order, the average by PyTorch's divisor rules; lambda one, per
    channel, per output, or drawn per output as u < q; with the max's index and d/dlambda;
  * stochastic pooling (Zeiler and Fergus 2013): a = relu(x); training picks the first tap whose
    running sum of a exceeds u * sum(a) (0 and the first tap when the sum is 0), with its index;
    inference gives sum(a * a) / sum(a); a window holding NaN gives NaN (max(NaN, 0) is NaN; training
    chooses the first NaN tap), else one holding +inf gives +inf (the first +inf tap);
  * LIP (Gao et al. 2019): y = sum(softmax(l_R) * x_R) with logits shaped like the input or one
    channel broadcast, with d/dlogits;
  * S3Pool (Zhai et al. 2017): step 1 is PyTorch's max_pool{1,2,3}d(kernel s, stride 1) with
    return_indices over the input padded with -inf by s - 1 at each axis's end; step 2 takes the
    picked positions along each axis (given: per image and axis, g/s sorted distinct positions
    per grid of g, ceil(r/s) in a last grid of r), or positions 0, s, 2s, ... in inference;
    indices mapped back from the padded plane; gradients by autograd;
  * SPP (He et al. 2014): torch.cat of F.adaptive_{max,avg}_pool{1,2,3}d(x, n).flatten(1) over the
    levels, computed by PyTorch's own ops in float32 (with return_indices for max), gradients by
    autograd;

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
    lambda v | lambda_channels v ... | lambda_map v ... (output's shape) | probability q + uniforms u ...
                   (mixed; uniforms also for stochastic training)
    count_include_pad 0|1, divisor_override d      (mixed)
    mode train|infer                               (stochastic)
    logits v ..., logits_shape N C' S...           (lip: C' = C or 1)
    indices i ...  (mixed: the max's, stochastic training: the chosen tap's; plane index per (n, c))
    grad_lambda v ... / grad_logits v ...
    grid g ..., picks i ...                        (s3pool: per image, each axis's positions in turn)
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
    if op in ("mixed", "stochastic", "lip"):
        return compute_more(case, x, finite, wins)
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


def padded_count(case, a, o):
    """Taps of window o along axis a inside the padded input [-pb, L + pe) (PyTorch count_include_pad)."""
    L = case["input_shape"][2 + a]
    k, s, d = case["kernel"][a], case["stride"][a], case["dilation"][a]
    pb, pe = case["pad_begin"][a], case["pad_end"][a]
    return sum(1 for j in range(k) if -pb <= o * s - pb + j * d < L + pe)


def compute_more(case, x, finite, wins):
    shape = case["input_shape"]
    rank = len(shape) - 2
    N, C = shape[0], shape[1]
    op = case["op"]
    outs, indices = [], []
    lam = None
    if op == "mixed":
        if "lambda_channels" in case:
            lam = torch.tensor(case["lambda_channels"], dtype=torch.float64, requires_grad=True)
        elif "lambda_map" in case:
            lam = torch.tensor(case["lambda_map"], dtype=torch.float64, requires_grad=True)
        elif "lambda" in case:
            lam = torch.tensor([case["lambda"]], dtype=torch.float64, requires_grad=True)
    logits = None
    if op == "lip":
        logits = torch.tensor(case["logits"], dtype=torch.float64).reshape(case["logits_shape"]).requires_grad_(True)
    k = 0
    for n in range(N):
        for c in range(C):
            for opos in itertools.product(*[range(len(w)) for w in wins]):
                pos = [wins[a][opos[a]] for a in range(rank)]
                coords = list(itertools.product(*pos))
                plane = [sum(t[a] * math.prod(shape[2 + a + 1:]) for a in range(rank)) for t in coords]
                taps = torch.stack([x[(n, c) + t] for t in coords])
                if op == "mixed":
                    vals = [float(v) for v in taps]
                    best = max(range(len(vals)), key=lambda i: (vals[i], -i))  # first maximum
                    indices.append(plane[best])
                    if case.get("count_include_pad"):
                        div = math.prod(padded_count(case, a, opos[a]) for a in range(rank))
                    else:
                        div = len(coords)
                    if case.get("divisor_override"):
                        div = case["divisor_override"]
                    avg = taps.sum() / div
                    if "uniforms" in case:
                        lv = 1.0 if case["uniforms"][k] < case["probability"] else 0.0
                    elif "lambda_channels" in case:
                        lv = lam[c]
                    elif "lambda_map" in case:
                        lv = lam[k]
                    else:
                        lv = lam[0]
                    outs.append(lv * taps[best] + (1 - lv) * avg)
                elif op == "stochastic":
                    a = torch.relu(taps)  # the contract: no gradient at x = 0 (clamp would pass one)
                    vals = [float(v) for v in taps]
                    special = None if finite else rule_value(op, vals)
                    if special is not None:
                        # max(NaN, 0) is NaN, so S and y are NaN (the chosen tap: the first NaN); a +inf tap
                        # holds infinite mass (y = +inf, the first +inf tap chosen)
                        outs.append(torch.tensor(special, dtype=torch.float64))
                        if case["mode"] == "train":
                            bad = [i for i, v in enumerate(vals) if math.isnan(v)] or [i for i, v in enumerate(vals) if v == math.inf]
                            indices.append(plane[bad[0]])
                    elif case["mode"] == "infer":
                        S = a.sum()
                        outs.append((a * a).sum() / S if float(S) > 0 else torch.zeros((), dtype=torch.float64))
                    else:
                        av = [max(float(v), 0.0) for v in taps]
                        S = sum(av)
                        chosen = -1
                        if S > 0:
                            run = 0.0
                            for i, v in enumerate(av):
                                run += v
                                if run > case["uniforms"][k] * S:
                                    chosen = i
                                    break
                        indices.append(plane[chosen] if chosen >= 0 else plane[0])
                        outs.append(taps[chosen] if chosen >= 0 else torch.zeros((), dtype=torch.float64))
                else:
                    cl = c if case["logits_shape"][1] > 1 else 0
                    l = torch.stack([logits[(n, cl) + t] for t in coords])
                    outs.append((torch.softmax(l, 0) * taps).sum())
                k += 1
    y = torch.stack(outs)
    case["output"] = [f32(v) for v in y.detach().tolist()]
    if indices:
        case["indices"] = indices
    if not finite:
        return
    g = torch.tensor(case["grad_output"], dtype=torch.float64)
    y.backward(g)
    case["grad_input"] = [f32(v) for v in x.grad.reshape(-1).tolist()]
    if lam is not None:
        case["grad_lambda"] = [f32(v) for v in lam.grad.tolist()]
    if logits is not None:
        case["grad_logits"] = [f32(v) for v in logits.grad.reshape(-1).tolist()]


def spp_cases(rng):
    import torch.nn.functional as F
    cases = []
    for i in range(12):
        rank = 1 + i % 3
        op = "max" if i % 2 == 0 else "avg"
        spatial = [rng.randint(3, 9)] if rank == 1 else [rng.randint(3, 7) for _ in range(rank)]
        shape = [rng.randint(1, 2), rng.randint(1, 3)] + spatial
        levels = rng.choice([[4, 2, 1], [3, 1], [2], [6, 3, 2, 1]] if rank < 3 else [[2, 1], [3, 2, 1]])
        values = [f32(rng.randint(-6, 6) * 0.5) for _ in range(math.prod(shape))]  # ties
        x = torch.tensor(values, dtype=torch.float32).reshape(shape).requires_grad_(True)
        pool = {("max", 1): F.adaptive_max_pool1d, ("max", 2): F.adaptive_max_pool2d, ("max", 3): F.adaptive_max_pool3d,
                ("avg", 1): F.adaptive_avg_pool1d, ("avg", 2): F.adaptive_avg_pool2d, ("avg", 3): F.adaptive_avg_pool3d}[(op, rank)]
        outs, idx = [], []
        for n in levels:
            if op == "max":
                y, ind = pool(x, [n] * rank if rank > 1 else n, return_indices=True)
                idx.append(ind.flatten(1))
            else:
                y = pool(x, [n] * rank if rank > 1 else n)
            outs.append(y.flatten(1))
        y = torch.cat(outs, 1)
        g = torch.tensor([f32(rng.uniform(-1, 1)) for _ in range(y.numel())], dtype=torch.float32).reshape(y.shape)
        y.backward(g)
        case = {"name": f"spp{rank}d_{op}_{i}", "op": "spp", "window": "adaptive", "pool": op, "levels": levels,
                "input_shape": shape, "output_shape": list(y.shape), "input": values,
                "output": [float(v) for v in y.detach().reshape(-1).tolist()],
                "grad_output": [float(v) for v in g.reshape(-1).tolist()],
                "grad_input": [float(v) for v in x.grad.reshape(-1).tolist()]}
        if idx:
            case["indices"] = [int(v) for v in torch.cat(idx, 1).reshape(-1).tolist()]
        cases.append(case)
    return cases


def s3_cases(rng):
    import torch.nn.functional as F
    cases = []
    for i in range(15):
        rank = 1 + i % 3
        training = i % 5 != 4
        spatial = [rng.randint(2, 11)] if rank == 1 else [rng.randint(2, 8) for _ in range(rank)]
        shape = [rng.randint(1, 2), rng.randint(1, 3)] + spatial
        s = [rng.randint(1, 3) for _ in range(rank)]
        grid = [s[a] * rng.randint(1, 3) for a in range(rank)]
        values = [f32(rng.randint(-5, 5) * 0.5) for _ in range(math.prod(shape))]  # ties
        if i == 3:
            values[1] = math.nan
        x = torch.tensor(values, dtype=torch.float32).reshape(shape).requires_grad_(True)
        pad = []
        for a in reversed(range(rank)):
            pad += [0, s[a] - 1]
        xp = F.pad(x, pad, value=-math.inf)
        mp = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[rank]
        y1, ind = mp(xp, s, 1, return_indices=True)  # the input's size
        picks = []  # per image, per axis
        per_image = []
        for n in range(shape[0]):
            axes = []
            for a in range(rank):
                L = spatial[a]
                if training:
                    pos = []
                    for begin in range(0, L, grid[a]):
                        m = min(grid[a], L - begin)
                        pos += sorted(rng.sample(range(begin, begin + m), -(-m // s[a])))
                else:
                    pos = list(range(0, L, s[a]))
                axes.append(pos)
            per_image.append(axes)
            picks += [p for axis in axes for p in axis]
        outs, idx = [], []
        padded = [spatial[a] + s[a] - 1 for a in range(rank)]
        for n in range(shape[0]):
            sel = y1[n]
            isel = ind[n]
            for a in range(rank):
                t = torch.tensor(per_image[n][a])
                sel = sel.index_select(1 + a, t)
                isel = isel.index_select(1 + a, t)
            outs.append(sel)
            idx.append(isel)
        y = torch.stack(outs)
        ip = torch.stack(idx).reshape(-1).tolist()
        plain = []
        for v in ip:  # padded plane index -> input plane index
            coord = []
            for a in reversed(range(rank)):
                coord.append(v % padded[a])
                v //= padded[a]
            coord = coord[::-1]
            flat = 0
            for a in range(rank):
                flat = flat * spatial[a] + coord[a]
            plain.append(flat)
        g = torch.tensor([f32(rng.uniform(-1, 1)) for _ in range(y.numel())], dtype=torch.float32).reshape(y.shape)
        y.backward(g)
        case = {"name": f"s3pool{rank}d_{'train' if training else 'infer'}_{i}", "op": "s3pool", "window": "sliding",
                "input_shape": shape, "kernel": s, "grid": grid, "mode": "train" if training else "infer",
                "output_shape": list(y.shape), "input": values, "output": [float(v) for v in y.detach().reshape(-1).tolist()],
                "indices": plain, "grad_output": [float(v) for v in g.reshape(-1).tolist()],
                "grad_input": [float(v) for v in x.grad.reshape(-1).tolist()]}
        if training:
            case["picks"] = picks
        cases.append(case)
    return cases


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
    for op in ("mixed", "stochastic", "lip"):
        for i in range(30):
            rank = 1 + i % 3
            shape = [rng.randint(1, 2), rng.randint(1, 3)] + sizes[rank]()
            for _ in range(50):
                win = sliding(rank)
                outs = [out_size(shape[2 + a], win["kernel"][a], win["stride"][a], win["dilation"][a],
                                 win["pad_begin"][a], win["pad_end"][a], win["ceil_mode"]) for a in range(rank)]
                if all(o >= 1 for o in outs):
                    break
            out_count = shape[0] * shape[1] * math.prod(outs)
            extra = dict(win)
            values = None
            if op == "mixed":
                kind = i % 4
                if kind == 0:
                    extra["lambda"] = rng.choice([0.0, 1.0, 0.3, 0.75])
                elif kind == 1:
                    extra["lambda_channels"] = [f32(rng.random()) for _ in range(shape[1])]
                elif kind == 2:
                    extra["lambda_map"] = [f32(rng.random()) for _ in range(out_count)]
                else:
                    extra["probability"] = rng.choice([0.25, 0.5, 0.8])
                    extra["uniforms"] = [f32(rng.random()) for _ in range(out_count)]
                extra["count_include_pad"] = rng.randint(0, 1)
                extra["divisor_override"] = rng.choice([0, 0, 0, 2])
                # ties and repeated values, so that the first maximum matters
                values = [f32(rng.randint(-4, 4) * 0.5) for _ in range(math.prod(shape))]
            elif op == "stochastic":
                extra["mode"] = "train" if i % 2 == 0 else "infer"
                if extra["mode"] == "train":
                    extra["uniforms"] = [f32(rng.random()) for _ in range(out_count)]
                # post-ReLU-like activations: many zeros, so that empty sums occur
                values = [f32(max(rng.gauss(0, 2), 0) if rng.random() < 0.8 else rng.gauss(0, 2)) for _ in range(math.prod(shape))]
            else:
                broadcast = i % 2 == 1
                extra["logits_shape"] = [shape[0], 1 if broadcast else shape[1]] + shape[2:]
                extra["logits"] = [f32(rng.gauss(0, 2)) for _ in range(math.prod(extra["logits_shape"]))]
            add(f"{op}{rank}d_sliding_{i}", op, "sliding", shape, extra, values=values)
        # far beyond exp's float range: LIP's logits; stochastic's sums
        if op == "lip":
            shape = [1, 2, 6, 6]
            add("lip2d_huge_logits", op, "sliding", shape,
                {"kernel": [3, 3], "stride": [2, 2], "dilation": [1, 1], "pad_begin": [1, 1], "pad_end": [1, 1],
                 "ceil_mode": 0, "logits_shape": shape, "logits": [f32(rng.uniform(-1, 1) * 1e3) for _ in range(72)]})
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


def special_cases(rng):
    """Stochastic pooling over windows holding NaN, +inf and -inf (without gradients), in both modes; GeM at its clamp."""
    cases = []
    shape = [1, 2, 5, 6]
    win = {"kernel": [2, 3], "stride": [2, 2], "dilation": [1, 1], "pad_begin": [1, 1], "pad_end": [0, 1], "ceil_mode": 1}
    for mode in ("train", "infer"):
        vals = [f32(max(rng.gauss(0, 2), 0) if rng.random() < 0.8 else rng.gauss(0, 2)) for _ in range(60)]
        vals[0] = math.nan
        vals[8] = math.inf
        vals[14] = math.nan
        vals[16] = math.inf
        vals[30 + 7] = -math.inf
        vals[30 + 20] = -math.inf
        vals[30 + 27] = math.nan
        case = {"name": f"stochastic2d_special_{mode}", "op": "stochastic", "window": "sliding", "input_shape": shape,
                "mode": mode, "input": vals}
        case.update(win)
        probe = dict(case, input=[0.0] * 60)
        out_count = 2 * math.prod(len(axis_windows(probe, a)) for a in range(2))
        if mode == "train":
            case["uniforms"] = [f32(rng.random()) for _ in range(out_count)]
        case["grad_output"] = [f32(rng.uniform(-1, 1)) for _ in range(out_count)]
        compute(case)
        cases.append(case)
    # GeM with inputs equal to eps: torch.clamp passes the gradient at the kink (x >= min)
    shape = [1, 2, 4, 5]
    case = {"name": "gem2d_at_eps", "op": "gem", "window": "sliding", "input_shape": shape, "p": 2.5, "eps": 0.5,
            "input": [rng.choice([0.25, 0.5, 0.5, 0.75, 1.5, -1.0]) for _ in range(40)],
            "kernel": [2, 2], "stride": [1, 2], "dilation": [1, 1], "pad_begin": [0, 1], "pad_end": [1, 0], "ceil_mode": 1}
    probe = dict(case, input=[0.0] * 40)
    out_count = 2 * math.prod(len(axis_windows(probe, a)) for a in range(2))
    case["grad_output"] = [f32(rng.uniform(-1, 1)) for _ in range(out_count)]
    compute(case)
    cases.append(case)
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
    cases = make_cases(args.seed) + spp_cases(random.Random(args.seed + 1)) + s3_cases(random.Random(args.seed + 2))
    cases += special_cases(random.Random(args.seed + 3))
    keys = ["op", "window", "input_shape", "kernel", "stride", "pad_begin", "pad_end", "dilation", "ceil_mode", "p",
            "p_channels", "eps", "lambda", "lambda_channels", "lambda_map", "probability", "uniforms", "count_include_pad",
            "divisor_override", "mode", "pool", "levels", "grid", "picks", "logits_shape", "logits", "output_shape", "input", "output", "indices",
            "grad_output", "grad_input", "grad_p", "grad_lambda", "grad_logits"]
    with open(args.out, "w") as f:
        f.write("# Golden vectors for SoftPool, GeM, mixed, stochastic and LIP pooling, from the papers' definitions in float64 (torch "
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
