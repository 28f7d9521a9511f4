#!/usr/bin/env python3
"""Goldens for the denser stages: transposed convolution and upsampling.

Writes Tests/ConvKitTests/DenserGoldens/<id>/{input,weights,bias,expected}.npy
(float32, C x H x W; weights (Cin, Cout/groups, kh, kw)) and cases.json.

Transposed cases are random configurations (seeded) that together cover every
option: stride 1-3 per axis, odd and even kernels, padding, output_padding,
dilation, groups, bias and activation. The expectation is a float64 NumPy
scatter of the definition (every input sample adds its scaled kernel at
stride times its position, then the padding is cropped), checked against
torch.nn.functional.conv_transpose2d when torch is installed. Upsample cases
are torch.nn.functional.interpolate (nearest, bilinear, align_corners=False)
by integer factors and to sizes; without torch they are skipped.

    Scripts/make_transpose_goldens.py
"""
import json
import pathlib
import shutil

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "ConvKitTests" / "DenserGoldens"


def conv_transpose(x, w, bias, stride, padding, output_padding, dilation, groups):
    cin, h, wd = x.shape
    _, cout_g, kh, kw = w.shape
    (sh, sw), (ph, pw), (oph, opw), (dh, dw) = stride, padding, output_padding, dilation
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    full_w = (wd - 1) * sw + dw * (kw - 1) + 1 + opw
    full = np.zeros((cout_g * groups, full_h + ph, full_w + pw))
    cin_g = cin // groups
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    for ci in range(cin):
        g = ci // cin_g
        for co in range(cout_g):
            o = g * cout_g + co
            for ty in range(kh):
                for tx in range(kw):
                    full[o, ty * dh: ty * dh + (h - 1) * sh + 1: sh, tx * dw: tx * dw + (wd - 1) * sw + 1: sw] += x64[ci] * w64[ci, co, ty, tx]
    out_h = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    out_w = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    out = full[:, ph: ph + out_h, pw: pw + out_w]
    if bias is not None:
        out = out + bias.astype(np.float64)[:, None, None]
    return out


def random_case(rng, i):
    stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
    dilation = tuple(int(v) for v in rng.choice([1, 1, 2, 3], size=2))
    kernel = tuple(int(v) for v in rng.integers(1, 6, size=2))
    groups = int(rng.choice([1, 1, 2, 3]))
    cin = groups * int(rng.integers(1, 4))
    cout = groups * int(rng.integers(1, 7))
    h, w = (int(v) for v in rng.integers(1, 10, size=2))
    padding = tuple(int(rng.integers(0, (d * (k - 1)) // 2 + 2)) for d, k in zip(dilation, kernel))
    output_padding = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
    return dict(stride=stride, dilation=dilation, kernel=kernel, groups=groups, cin=cin, cout=cout,
                size=(h, w), padding=padding, output_padding=output_padding,
                bias=bool(rng.integers(0, 2)), activation=str(rng.choice(["none", "none", "relu", "abs"])))


# Fixed cases first: the checkerboard pair, output padding, a wide one (several vectors per phase).
FIXED = [
    dict(stride=(2, 2), dilation=(1, 1), kernel=(3, 3), groups=1, cin=2, cout=3, size=(7, 7), padding=(1, 1),
         output_padding=(1, 1), bias=True, activation="none"),
    dict(stride=(2, 2), dilation=(1, 1), kernel=(4, 4), groups=1, cin=2, cout=3, size=(7, 7), padding=(1, 1),
         output_padding=(0, 0), bias=False, activation="none"),
    dict(stride=(3, 2), dilation=(2, 1), kernel=(2, 5), groups=2, cin=4, cout=10, size=(5, 41), padding=(0, 2),
         output_padding=(1, 0), bias=True, activation="relu"),
    dict(stride=(1, 1), dilation=(1, 1), kernel=(3, 3), groups=1, cin=3, cout=5, size=(6, 33), padding=(1, 1),
         output_padding=(0, 0), bias=True, activation="abs"),
]


def upsample_cases():
    return [
        ("up-nearest-f2", "nearest", (2, 5, 7), dict(factor=(2, 2))),
        ("up-nearest-f3x2", "nearest", (1, 4, 6), dict(factor=(3, 2))),
        ("up-nearest-size", "nearest", (2, 5, 7), dict(size=(12, 9))),
        ("up-bilinear-f2", "bilinear", (2, 5, 7), dict(factor=(2, 2))),
        ("up-bilinear-f3", "bilinear", (1, 6, 4), dict(factor=(3, 3))),
        ("up-bilinear-size", "bilinear", (3, 5, 7), dict(size=(11, 16))),
        ("up-bilinear-down", "bilinear", (1, 9, 8), dict(size=(4, 5))),
    ]


def main():
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        torch = None
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    rng = np.random.default_rng(18)
    cases = []
    configs = FIXED + [random_case(rng, i) for i in range(40)]
    for n, c in enumerate(configs):
        cid = f"t{n:02d}"
        x = rng.standard_normal((c["cin"],) + c["size"]).astype(np.float32)
        w = rng.standard_normal((c["cin"], c["cout"] // c["groups"]) + c["kernel"]).astype(np.float32)
        b = rng.standard_normal(c["cout"]).astype(np.float32) if c["bias"] else None
        try:
            y = conv_transpose(x, w, b, c["stride"], c["padding"], c["output_padding"], c["dilation"], c["groups"])
        except ValueError:
            continue
        if min(y.shape[1:]) < 1:
            continue
        if c["activation"] == "relu":
            y = np.maximum(y, 0)
        elif c["activation"] == "abs":
            y = np.abs(y)
        backend = "numpy"
        if torch is not None:
            t = F.conv_transpose2d(torch.from_numpy(x)[None].double(), torch.from_numpy(w).double(),
                                   None if b is None else torch.from_numpy(b).double(), c["stride"], c["padding"],
                                   c["output_padding"], c["groups"], c["dilation"])[0]
            if c["activation"] == "relu":
                t = torch.relu(t)
            elif c["activation"] == "abs":
                t = t.abs()
            assert t.shape == y.shape and np.allclose(t.numpy(), y, rtol=1e-10, atol=1e-10), cid
            backend = "torch"
        d = OUT / cid
        d.mkdir()
        np.save(d / "input.npy", x)
        np.save(d / "weights.npy", w)
        if b is not None:
            np.save(d / "bias.npy", b)
        np.save(d / "expected.npy", y.astype(np.float32))
        cases.append(dict(id=cid, kind="transposed", stride=list(c["stride"]), padding=list(c["padding"]),
                          output_padding=list(c["output_padding"]), dilation=list(c["dilation"]),
                          groups=c["groups"], bias=c["bias"], activation=c["activation"],
                          input_shape=list(x.shape), expected_shape=list(y.shape), backend=backend))
    if torch is not None:
        for cid, mode, shape, how in upsample_cases():
            x = rng.standard_normal(shape).astype(np.float32)
            kw = dict(mode=mode) | (dict(align_corners=False) if mode == "bilinear" else {})
            if "factor" in how:
                kw["scale_factor"] = tuple(float(f) for f in how["factor"])
            else:
                kw["size"] = how["size"]
            y = F.interpolate(torch.from_numpy(x)[None], **kw)[0].numpy()
            d = OUT / cid
            d.mkdir()
            np.save(d / "input.npy", x)
            np.save(d / "expected.npy", y)
            cases.append(dict(id=cid, kind="upsample", mode=mode, factor=list(how.get("factor", [])),
                              size=list(how.get("size", [])), input_shape=list(x.shape),
                              expected_shape=list(y.shape), backend="torch"))
    (OUT / "cases.json").write_text(json.dumps(dict(count=len(cases), cases=cases), indent=1) + "\n")
    print(len(cases), "cases;", sum(c["backend"] == "torch" for c in cases), "checked against torch")


if __name__ == "__main__":
    main()
