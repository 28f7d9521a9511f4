#!/usr/bin/env python3
"""Peers for `convkit bench --workload T1` and `T3`: PyTorch conv_transpose2d on the same layers
(64x128x128 input, ConvTranspose2d(64, 32, k, stride 2), T1: k 4 padding 1, T3: k 3 padding 1
output_padding 1), medians in ms over 11 runs after a warm-up, on 2 threads (convkit bench
uses every core; pass --threads to match). Run it beside `convkit bench --workload T1`."""
import sys, time
import numpy as np, torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
x = torch.from_numpy(np.random.rand(1, 64, 128, 128).astype(np.float32))


def med(f, n=11):
    f()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append((time.perf_counter() - t) * 1e3)
    return sorted(ts)[n // 2]


for name, k, p, op in [("T1", 4, 1, 0), ("T3", 3, 1, 1)]:
    w = torch.randn(64, 32, k, k)
    ms = med(lambda: F.conv_transpose2d(x, w, None, 2, p, op))
    flops = 2 * 64 * 128 * 128 * 32 * k * k
    print(f"{name} torch conv_transpose2d k{k} s2 p{p} op{op}, {threads} threads: {ms:.2f} ms, {flops / ms / 1e6:.1f} GFLOP/s")
