#!/usr/bin/python3
"""Random problems against PyTorch itself: the library's C entry points (through ctypes) against torch.nn.functional
on the same float32 values, bit for bit, at every instruction-set level the CPU has and in both layouts.

Covers forward max, min (as -max(-x)) and average pooling (every window option, values and indices, output rows
split over two calls), adaptive max and average pooling, global averages (against avg_pool over the whole plane:
PyTorch's adaptive average to an output of 1 takes torch.mean, whose order differs, see the README), the backward
pass of each, fractional max pooling, max unpooling, and strided views (nothing outside a view read into the result
or written). Values are N(0, 1), so that sums round and the order of the taps shows; some are rounded to halves
(ties), and max and min pooling get NaN and -inf.

Skipped by design: max and min windows with no tap inside the input (possible with dilation), whose PyTorch index lies
outside the input (the library's is valid; PyTorch's own backward pass then writes outside its gradient).

    /usr/bin/python3 native/test/torch_diff.py <libpoolkit.so> [cases per group] [seed]

Exits 0 when every comparison agrees, 1 on a difference, 77 (skipped) without PyTorch.
"""
import ctypes
import random
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    print("torch_diff: PyTorch not installed (Debian: python3-torch), skipped")
    sys.exit(77)

torch.set_num_threads(1)
lib = ctypes.CDLL(sys.argv[1])
CASES = int(sys.argv[2]) if len(sys.argv) > 2 else 400
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20261206)
torch.manual_seed(rng.randrange(1 << 30))

I64, VOID = ctypes.c_int64, ctypes.c_void_p
Triple = I64 * 3


class TensorDesc(ctypes.Structure):
    _fields_ = [("layout", I64), ("spatial_rank", I64), ("batch", I64), ("channels", I64),
                ("spatial", Triple), ("strides", I64 * 5)]


class PoolSpec(ctypes.Structure):
    _fields_ = [("op", I64), ("window", I64), ("spatial_rank", I64), ("kernel", Triple), ("stride", Triple),
                ("dilation", Triple), ("pad_begin", Triple), ("pad_end", Triple), ("ceil_mode", I64),
                ("divisor_mode", I64), ("divisor_override", I64), ("nan_mode", I64), ("lp_form", I64),
                ("lp_p", ctypes.c_double), ("index_format", I64), ("isa", I64), ("precision", I64)]


lib.pk_pool_rows.restype = I64
lib.pk_pool_rows.argtypes = [VOID, VOID]
lib.pk_cpu_isa.restype = ctypes.c_int32
lib.pk_pool_forward_f32.restype = ctypes.c_int32
lib.pk_pool_forward_f32.argtypes = [VOID, VOID, VOID, I64, VOID, VOID, I64, VOID, I64, VOID, I64, I64, I64]
lib.pk_pool_backward_f32.restype = ctypes.c_int32
lib.pk_pool_backward_f32.argtypes = [VOID, VOID, VOID, I64, VOID, VOID, I64, VOID, I64, VOID, I64, VOID, I64]
lib.pk_max_unpool_f32.restype = ctypes.c_int32
lib.pk_max_unpool_f32.argtypes = [VOID, VOID, VOID, I64, VOID, I64, VOID, VOID, I64]

MAX, AVG, MIN = 0, 1, 2
SLIDING, ADAPTIVE, FRACTIONAL = 0, 1, 2
LEVELS = range(lib.pk_cpu_isa() + 1)  # scalar, AVX2, AVX-512 as the CPU has them
MAXPOOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVGPOOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
ADAPTIVE_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
ADAPTIVE_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
UNPOOL = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}

failures, compared = [], {}


def triple(values, fill):
    return Triple(*(list(values) + [fill] * (3 - len(values))))


def spec(op, window, rank, level, kernel=(), stride=(), dilation=(), pad=(), ceil=False, include_pad=False,
         divisor=0):
    return PoolSpec(op, window, rank, triple(kernel, 1), triple(stride, 1), triple(dilation, 1), triple(pad, 0),
                    triple(pad, 0), int(ceil), int(include_pad), divisor or 0, 0, 0, 0.0, 0, level, 0)


def desc(layout, shape, strides=()):
    return TensorDesc(layout, len(shape) - 2, shape[0], shape[1], triple(shape[2:], 0),
                      (I64 * 5)(*(list(strides) + [0] * (5 - len(strides)))))


def physical(a, layout):
    """a (N, C, spatial...) stored in the layout: channels last moves C innermost."""
    a = np.asarray(a)
    return np.ascontiguousarray(np.moveaxis(a, 1, -1) if layout else a)


def logical(a, layout):
    return np.moveaxis(a, -1, 1) if layout else a


def same_bits(got, want):
    got, want = np.asarray(got, np.float32), np.asarray(want, np.float32)
    nan = np.isnan(want)
    return got.shape == want.shape and np.array_equal(np.isnan(got), nan) and np.array_equal(
        np.where(nan, 0, got).view(np.uint32), np.where(nan, 0, want).view(np.uint32))


def expect(group, ok, what):
    compared[group] = compared.get(group, 0) + 1
    if not ok:
        failures.append("%s: %s" % (group, what))


def values(shape, special=False):
    x = torch.randn(shape)
    if rng.random() < 0.3:
        x = torch.round(x * 2) / 2
    if special and rng.random() < 0.3:
        x[torch.rand(shape) < 0.05] = float("nan")
        x[torch.rand(shape) < 0.05] = float("-inf")
    return x


def forward(s, x, out_shape, layout, indices=False, samples=None):
    """Runs the forward pass with its output rows split over two calls; returns (status, output, indices)."""
    xin = physical(x.numpy(), layout)
    out = np.full(physical(np.zeros(out_shape), layout).shape, np.float32(1234.5), np.float32)
    idx = np.full(out.shape, -7, np.int64) if indices else None
    d_in, d_out = desc(layout, list(x.shape)), desc(layout, list(out_shape))
    rows = lib.pk_pool_rows(ctypes.byref(s), ctypes.byref(d_out))
    cut = rng.randint(0, rows)
    sm = None if samples is None else np.ascontiguousarray(samples.numpy())
    for begin, end in ((0, cut), (cut, rows)):
        if begin == end:
            continue
        status = lib.pk_pool_forward_f32(ctypes.byref(s), ctypes.byref(d_in), xin.ctypes.data, xin.size,
                                         ctypes.byref(d_out), out.ctypes.data, out.size,
                                         idx.ctypes.data if indices else None, idx.size if indices else 0,
                                         sm.ctypes.data if sm is not None else None, sm.size if sm is not None else 0,
                                         begin, end)
        if status:
            return status, None, None
    return 0, logical(out, layout), logical(idx, layout) if indices else None


def backward(s, x, y, grad, idx, layout):
    xin, yo, go = physical(x.detach().numpy(), layout), physical(y.detach().numpy(), layout), physical(grad, layout)
    ii = physical(idx.numpy(), layout).astype(np.int64) if idx is not None else None
    gi = np.full(xin.shape, np.float32(777.0), np.float32)
    status = lib.pk_pool_backward_f32(ctypes.byref(s), ctypes.byref(desc(layout, list(x.shape))), xin.ctypes.data,
                                      xin.size, ctypes.byref(desc(layout, list(y.shape))), yo.ctypes.data, yo.size,
                                      go.ctypes.data, go.size, ii.ctypes.data if ii is not None else None,
                                      ii.size if ii is not None else 0, gi.ctypes.data, gi.size)
    return status, logical(gi, layout)


def sliding_problem(op):
    rank = rng.choice([1, 2, 2, 3])
    sizes = [rng.randint(1, 100)] if rank == 1 else [rng.randint(1, 30 if rank == 2 else 9) for _ in range(rank)]
    kernel = [rng.randint(1, min(6, s + 2)) for s in sizes]
    stride = [rng.randint(1, 4) for _ in range(rank)]
    dilation = [rng.choice([1, 1, 2, 3]) if op == MAX else 1 for _ in range(rank)]
    pad = [rng.randint(0, k // 2) for k in kernel]
    ceil, include_pad = rng.random() < 0.3, rng.random() < 0.5
    divisor = rng.choice([0, 0, 0, rng.randint(1, 20)]) if op == AVG and rank > 1 else 0
    shape = [rng.choice([1, 2]), rng.choice([1, 3, 8, 16, 17, 33, 64] if rank < 3 else [1, 3, 16, 17])] + sizes
    return rank, shape, kernel, stride, dilation, pad, ceil, include_pad, divisor


def has_empty_window(sizes, kernel, stride, dilation, pad, out_sizes):
    return any(not any(0 <= o * s - p + j * d < n for j in range(k))
               for n, k, s, d, p, count in zip(sizes, kernel, stride, dilation, pad, out_sizes) for o in range(count))


def torch_sliding(op, x, rank, kernel, stride, dilation, pad, ceil, include_pad, divisor):
    if op == MAX:
        return MAXPOOL[rank](x, kernel, stride, pad, dilation, ceil_mode=ceil, return_indices=True)
    if op == MIN:  # min(x) = -max(-x), the library's definition
        y, idx = MAXPOOL[rank](-x, kernel, stride, pad, dilation, ceil_mode=ceil, return_indices=True)
        return -y, idx
    if rank == 1:
        return AVGPOOL[1](x, kernel, stride, pad, ceil_mode=ceil, count_include_pad=include_pad), None
    return AVGPOOL[rank](x, kernel, stride, pad, ceil_mode=ceil, count_include_pad=include_pad,
                         divisor_override=divisor or None), None


def sliding_cases():
    for _ in range(CASES):
        op = rng.choice([MAX, AVG, MIN])
        extremum = op != AVG
        problem = sliding_problem(MAX if extremum else AVG)
        rank, shape, kernel, stride, dilation, pad, ceil, include_pad, divisor = problem
        x = values(shape, special=extremum)
        try:
            y, idx = torch_sliding(op, x, rank, kernel, stride, dilation, pad, ceil, include_pad, divisor)
        except RuntimeError:  # an output too small for PyTorch
            continue
        if extremum and has_empty_window(shape[2:], kernel, stride, dilation, pad, y.shape[2:]):
            continue
        for level in LEVELS:
            for layout in (0, 1):
                s = spec(op, SLIDING, rank, level, kernel, stride, dilation, pad, ceil, include_pad, divisor)
                status, out, got_idx = forward(s, x, y.shape, layout, indices=extremum)
                what = "%s %s k%s s%s d%s p%s ceil %d include_pad %d divisor %d level %d layout %d" % (
                    ("max", "avg", "min")[op], shape, kernel, stride, dilation, pad, ceil, include_pad, divisor,
                    level, layout)
                expect("forward", status == 0 and same_bits(out, y.numpy())
                       and (idx is None or np.array_equal(got_idx, idx.numpy())), what)


def adaptive_cases():
    for _ in range(CASES):
        op, rank = rng.choice([MAX, AVG]), rng.choice([1, 2, 2, 3])
        shape = [rng.choice([1, 2]), rng.choice([1, 3, 16, 17, 33])] + [
            rng.randint(1, 30 if rank < 3 else 9) for _ in range(rank)]
        out = [rng.randint(1, n + 3) for n in shape[2:]]
        if op == AVG and all(o == 1 for o in out):
            out[0] += 1  # global averages are compared with avg_pool below
        x = values(shape, special=op == MAX)
        y, idx = (ADAPTIVE_MAX[rank](x, out, return_indices=True) if op == MAX
                  else (ADAPTIVE_AVG[rank](x, out), None))
        for level in LEVELS:
            for layout in (0, 1):
                status, got, got_idx = forward(spec(op, ADAPTIVE, rank, level), x, y.shape, layout, op == MAX)
                expect("adaptive", status == 0 and same_bits(got, y.numpy())
                       and (idx is None or np.array_equal(got_idx, idx.numpy())),
                       "%s %s to %s level %d layout %d" % ("max" if op == MAX else "avg", shape, out, level, layout))


def global_average_cases():
    for _ in range(CASES):
        rank = rng.choice([1, 2, 3])
        sizes = [rng.randint(1, 40 if rank == 1 else 14 if rank == 2 else 6) for _ in range(rank)]
        shape = [rng.choice([1, 2]), rng.choice([1, 3, 16, 17, 40, 64, 256])] + sizes
        x = values(shape)
        y = AVGPOOL[rank](x, sizes)
        for level in LEVELS:
            for layout in (0, 1):
                for s in (spec(AVG, ADAPTIVE, rank, level), spec(AVG, SLIDING, rank, level, sizes, sizes)):
                    status, got, _ = forward(s, x, y.shape, layout)
                    expect("global average", status == 0 and same_bits(got, y.numpy()),
                           "%s window rule %d level %d layout %d" % (shape, s.window, level, layout))


def backward_cases():
    for _ in range(CASES):
        op, adaptive = rng.choice([MAX, AVG]), rng.random() < 0.3
        rank, shape, kernel, stride, dilation, pad, ceil, include_pad, divisor = sliding_problem(op)
        x = values(shape).requires_grad_(True)
        out = [rng.randint(1, n + 2) for n in shape[2:]]
        try:
            if adaptive:
                y, idx = (ADAPTIVE_MAX[rank](x, out, return_indices=True) if op == MAX
                          else (ADAPTIVE_AVG[rank](x, out), None))
            else:
                y, idx = torch_sliding(op, x, rank, kernel, stride, dilation, pad, ceil, include_pad, divisor)
        except RuntimeError:
            continue
        if op == MAX and not adaptive and has_empty_window(shape[2:], kernel, stride, dilation, pad, y.shape[2:]):
            continue  # before PyTorch's backward pass, which would write outside its gradient
        grad = torch.randn(y.shape)
        y.backward(grad)
        for level in LEVELS:
            for layout in (0, 1):
                s = (spec(op, ADAPTIVE, rank, level) if adaptive else
                     spec(op, SLIDING, rank, level, kernel, stride, dilation, pad, ceil, include_pad, divisor))
                status, got = backward(s, x, y, grad.numpy(), idx, layout)
                expect("backward", status == 0 and same_bits(got, x.grad.numpy()),
                       "%s%s %s k%s s%s d%s p%s ceil %d include_pad %d divisor %d level %d layout %d" % (
                           "adaptive " if adaptive else "", "max" if op == MAX else "avg", shape, kernel, stride,
                           dilation, pad, ceil, include_pad, divisor, level, layout))


def fractional_cases():
    for _ in range(CASES):
        rank = rng.choice([2, 3])
        shape = [rng.choice([1, 2]), rng.choice([1, 3, 16, 17])] + [
            rng.randint(2, 30 if rank == 2 else 9) for _ in range(rank)]
        kernel = [rng.randint(1, n) for n in shape[2:]]
        out = [rng.randint(1, n - k + 1) for n, k in zip(shape[2:], kernel)]
        x, samples = values(shape, special=True), torch.rand(shape[0], shape[1], rank)
        pool = F.fractional_max_pool2d if rank == 2 else F.fractional_max_pool3d
        try:
            y, idx = pool(x, kernel, output_size=out, return_indices=True, _random_samples=samples)
        except RuntimeError:  # PyTorch's 3d check is stricter: output + kernel - 1 < input
            continue
        for level in LEVELS:
            for layout in (0, 1):
                s = spec(MAX, FRACTIONAL, rank, level, kernel)
                status, got, got_idx = forward(s, x, y.shape, layout, indices=True, samples=samples)
                expect("fractional", status == 0 and same_bits(got, y.numpy()) and np.array_equal(got_idx, idx.numpy()),
                       "%s k%s to %s level %d layout %d" % (shape, kernel, out, level, layout))


def unpool_cases():
    for _ in range(CASES):
        rank = rng.choice([1, 2, 3])
        shape = [rng.choice([1, 2]), rng.choice([1, 3, 16, 17])] + [
            rng.randint(2, 20 if rank < 3 else 7) for _ in range(rank)]
        kernel = [rng.randint(1, min(4, n)) for n in shape[2:]]
        stride = [rng.randint(1, 3) for _ in range(rank)]
        pad = [rng.randint(0, k // 2) for k in kernel]
        y, idx = MAXPOOL[rank](values(shape), kernel, stride, pad, return_indices=True)
        size = [(o - 1) * s - 2 * p + k + rng.randint(0, s - 1)  # PyTorch allows up to stride - 1 more
                for o, s, p, k in zip(y.shape[2:], stride, pad, kernel)]
        if int(idx.max()) >= np.prod(size):  # an output smaller than the pooled input: PyTorch refuses too
            continue
        want = UNPOOL[rank](y, idx, kernel, stride, pad, output_size=size)
        for level in LEVELS:
            for layout in (0, 1):
                s = spec(MAX, SLIDING, rank, level, kernel, stride, (), pad)
                yi, ii = physical(y.numpy(), layout), physical(idx.numpy(), layout)
                out = np.full(physical(want.numpy(), layout).shape, np.float32(5.5), np.float32)
                status = lib.pk_max_unpool_f32(ctypes.byref(s), ctypes.byref(desc(layout, list(y.shape))),
                                               yi.ctypes.data, yi.size, ii.ctypes.data, ii.size,
                                               ctypes.byref(desc(layout, list(want.shape))), out.ctypes.data, out.size)
                expect("unpool", status == 0 and same_bits(logical(out, layout), want.numpy()),
                       "%s k%s s%s p%s to %s level %d layout %d" % (shape, kernel, stride, pad, size, level, layout))


def view_of(shape, layout):
    """A view of shape (N, C, spatial...) inside a larger buffer: (buffer, view, element strides N, C, spatial...)."""
    order = [0] + list(range(2, len(shape))) + [1] if layout else list(range(len(shape)))
    stored = [shape[a] for a in order]
    buffer = np.full([n + rng.choice([0, 0, 1, 3]) for n in stored], np.float32(-99.5), np.float32)
    view = buffer[tuple(slice(o, o + n) for o, n in
                        ((rng.randint(0, b - n), n) for b, n in zip(buffer.shape, stored)))]
    strides = [0] * len(shape)
    for position, axis in enumerate(order):
        strides[axis] = view.strides[position] // 4
    return buffer, view, strides, order


def view_cases():
    for _ in range(CASES):
        op = rng.choice([MAX, AVG])
        rank, shape, kernel, stride, _, pad, ceil, include_pad, _ = sliding_problem(op)
        x = values(shape)
        try:
            y, _ = torch_sliding(op, x, rank, kernel, stride, [1] * rank, pad, ceil, include_pad, 0)
        except RuntimeError:
            continue
        for level in LEVELS:
            for layout in (0, 1):
                in_buffer, in_view, in_strides, order = view_of(shape, layout)
                in_view[...] = x.numpy().transpose(order)
                out_buffer, out_view, out_strides, _ = view_of(list(y.shape), layout)
                in_before, out_before = in_buffer.copy(), out_buffer.copy()
                out_view[...] = np.float32(1234.5)
                s = spec(op, SLIDING, rank, level, kernel, stride, (), pad, ceil, include_pad)
                d_out = desc(layout, list(y.shape), out_strides)
                in_at, out_at = in_view.__array_interface__["data"][0], out_view.__array_interface__["data"][0]
                status = lib.pk_pool_forward_f32(
                    ctypes.byref(s), ctypes.byref(desc(layout, shape, in_strides)), in_at,
                    (in_buffer.ctypes.data + in_buffer.nbytes - in_at) // 4, ctypes.byref(d_out), out_at,
                    (out_buffer.ctypes.data + out_buffer.nbytes - out_at) // 4, None, 0, None, 0, 0,
                    lib.pk_pool_rows(ctypes.byref(s), ctypes.byref(d_out)))
                got = np.ascontiguousarray(out_view.transpose(np.argsort(order)))
                outside = np.ones(out_buffer.shape, bool)
                corner = np.unravel_index((out_at - out_buffer.ctypes.data) // 4, out_buffer.shape)
                outside[tuple(slice(o, o + n) for o, n in zip(corner, out_view.shape))] = False
                expect("views", status == 0 and same_bits(got, y.numpy()) and np.array_equal(in_buffer, in_before)
                       and np.array_equal(out_buffer[outside], out_before[outside]),
                       "%s %s k%s s%s p%s ceil %d level %d layout %d strides %s -> %s" % (
                           "max" if op == MAX else "avg", shape, kernel, stride, pad, ceil, level, layout,
                           in_strides, out_strides))


for group in (sliding_cases, adaptive_cases, global_average_cases, backward_cases, fractional_cases, unpool_cases,
              view_cases):
    group()
print("torch_diff: PyTorch %s, levels %s; comparisons: %s" % (
    torch.__version__, list(LEVELS), ", ".join("%s %d" % kv for kv in compared.items())))
for f in failures[:20]:
    print("DIFFERS " + f)
if failures or len(compared) < 7:
    print("torch_diff: %d of %d comparisons differ" % (len(failures), sum(compared.values())))
    sys.exit(1)
