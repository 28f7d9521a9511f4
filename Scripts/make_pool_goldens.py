#!/usr/bin/env python3
"""Pooling goldens for ConvKitPresetsTests (PyTorch max_pool2d / avg_pool2d).

Each case writes Tests/ConvKitPresetsTests/PoolGoldens/<name>-input.npy (C,H,W
float32) and <name>-expected.npy. Expectations are computed with a plain NumPy
loop (max pads with -inf, avg pads with zeros and divides by kh*kw, i.e.
count_include_pad=True) and, when torch is installed, checked against
torch.nn.functional.max_pool2d / avg_pool2d.

    Scripts/make_pool_goldens.py
"""
import pathlib

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "ConvKitPresetsTests" / "PoolGoldens"

# name, kind, (C, H, W), kernel (kh, kw), stride (sh, sw), padding (ph, pw), dilation (dh, dw)
CASES = [
    ("max-k2-s2", "max", (2, 8, 9), (2, 2), (2, 2), (0, 0), (1, 1)),
    ("max-k3-s2-p1", "max", (3, 7, 7), (3, 3), (2, 2), (1, 1), (1, 1)),
    ("max-k3x2-s1-p1x0", "max", (1, 6, 5), (3, 2), (1, 1), (1, 0), (1, 1)),
    ("max-k3-s1-d2-p1", "max", (2, 9, 8), (3, 3), (1, 1), (1, 1), (2, 2)),
    ("max-negative-p1", "max", (1, 5, 5), (2, 2), (2, 2), (1, 1), (1, 1)),
    ("avg-k2-s2", "avg", (2, 8, 9), (2, 2), (2, 2), (0, 0), (1, 1)),
    ("avg-k3-s2-p1", "avg", (3, 7, 7), (3, 3), (2, 2), (1, 1), (1, 1)),
    ("avg-k5x3-s2x1-p2x1", "avg", (1, 10, 6), (5, 3), (2, 1), (2, 1), (1, 1)),
]


def pool(x, kind, k, s, p, d):
    c, h, w = x.shape
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x.astype(np.float64), ((0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=fill)
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((c, oh, ow))
    for y in range(oh):
        for x_ in range(ow):
            win = xp[:, y * s[0]: y * s[0] + d[0] * (k[0] - 1) + 1: d[0], x_ * s[1]: x_ * s[1] + d[1] * (k[1] - 1) + 1: d[1]]
            out[:, y, x_] = win.max(axis=(1, 2)) if kind == "max" else win.sum(axis=(1, 2)) / (k[0] * k[1])
    return out.astype(np.float32)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        torch = None
    for name, kind, shape, k, s, p, d in CASES:
        x = rng.standard_normal(shape).astype(np.float32)
        if "negative" in name:
            x = -np.abs(x) - 1  # every value negative: a zero pad would win, -inf must not
        y = pool(x, kind, k, s, p, d)
        if torch is not None:
            t = torch.from_numpy(x)[None]
            if kind == "max":
                ref = F.max_pool2d(t, k, s, p, d)[0].numpy()
            else:
                ref = F.avg_pool2d(t, k, s, p, count_include_pad=True)[0].numpy()
            assert np.allclose(ref, y, rtol=1e-6, atol=1e-6), name
        np.save(OUT / f"{name}-input.npy", x)
        np.save(OUT / f"{name}-expected.npy", y)
        print(name, x.shape, "->", y.shape, "(checked against torch)" if torch is not None else "")


if __name__ == "__main__":
    main()
