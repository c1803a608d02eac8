"""PyTorch (CPU, one thread) timings of the composites MethodsBench compares poolkit's methods with, on the same
problem: 3x3 windows, stride 2, padding 1 over 1x64x112x112 f32, inputs k/8 for integers k in [-1000, 1000).
  soft:  avg_pool2d(x * exp(x)) / avg_pool2d(exp(x))      (the SoftPool paper's code)
  gem:   avg_pool2d(clamp(x, eps)^3)^(1/3)
  mixed: 0.4 max_pool2d(x) + 0.6 avg_pool2d(x)
Averages exclude the padding (count_include_pad=False), as MethodsBench's. NCHW is PyTorch's contiguous format,
NHWC its channels_last one. Prints the median of 31 timed runs (after 5 warm-up runs) per case, in microseconds.
Run: /usr/bin/python3 bench/methods_torch.py"""
import statistics
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
SHAPE = (1, 64, 112, 112)
AVG = dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)


def soft(x):
    e = torch.exp(x)
    return F.avg_pool2d(x * e, **AVG) / F.avg_pool2d(e, **AVG)


def gem(x):
    return F.avg_pool2d(x.clamp(min=1e-6).pow(3), **AVG).pow(1.0 / 3)


def mixed(x):
    return 0.4 * F.max_pool2d(x, 3, 2, 1) + 0.6 * F.avg_pool2d(x, **AVG)


def median_us(fn, x, runs=31, warmup=5):
    for _ in range(warmup):
        fn(x)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(x)
        times.append((time.perf_counter() - start) * 1e6)
    return statistics.median(times)


def main():
    g = torch.Generator().manual_seed(42)
    base = torch.randint(-1000, 1000, SHAPE, generator=g).float() / 8
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for layout, x in (("NCHW", base.contiguous()), ("NHWC", base.contiguous(memory_format=torch.channels_last))):
        for name, fn in (("soft_composite", soft), ("gem_composite", gem), ("mixed_composite", mixed)):
            with torch.no_grad():
                print(f"{name:16s} {layout}  {median_us(fn, x):10.1f} us")


if __name__ == "__main__":
    main()
