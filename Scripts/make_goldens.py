#!/usr/bin/env python3
"""Writes the golden convolution cases of Tests/ConvKitTests/Goldens.

Each case NNN-name/ holds input.npy (C,H,W), weights.npy ((Cout,Cin/g,kh,kw),
or (K,kh,kw) for a per-channel kernel bank), bias.npy when there is a bias, and
expected.npy, all <f4. cases.json lists every case with its parameters.

The expected output is computed without convkit: numpy.pad with the pad mode's
NumPy equivalent, then a plain float64 NumPy cross-correlation. When PyTorch
imports, torch.nn.functional.conv2d on the same padded input must agree with
the NumPy result to 1e-5, and the case records "torch" as its backend.

Run from the package root:  python3 Scripts/make_goldens.py
Deterministic: every case draws from its own fixed seed.
"""

import json
import math
import shutil
import sys
from pathlib import Path

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except Exception:  # noqa: BLE001 - any import failure means "no torch"
    torch = None

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "ConvKitTests" / "Goldens"

NUMPY_MODE = {
    "zeros": "constant",
    "reflect": "reflect",
    "symmetric": "symmetric",
    "replicate": "edge",
    "circular": "wrap",
}


def pair(spec):
    """'2' -> (2, 2); '2,1' -> (2, 1)."""
    v = [int(p) for p in str(spec).split(",")]
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


def axis_pads(rule, n, k, s, d):
    """(before, after) for one axis, by the rules of SPEC section 3."""
    extent = d * (k - 1) + 1
    if rule == "valid":
        return 0, 0
    if rule == "full":
        return extent - 1, extent - 1
    if rule == "same":  # TensorFlow/Keras, any stride
        out = -(-n // s)
        total = max((out - 1) * s + extent - n, 0)
        return total // 2, total - total // 2
    raise ValueError(rule)


def resolve_pads(padding, h, w, kh, kw, sh, sw, dh, dw):
    """(top, bottom, left, right)."""
    if padding in ("valid", "same", "full"):
        t, b = axis_pads(padding, h, kh, sh, dh)
        l, r = axis_pads(padding, w, kw, sw, dw)
        return t, b, l, r
    v = [int(p) for p in padding.split(",")]
    if len(v) == 1:
        return v[0], v[0], v[0], v[0]
    if len(v) == 2:
        return v[0], v[0], v[1], v[1]
    if len(v) == 4:
        return tuple(v)
    raise ValueError(padding)


def correlate(xp, w, groups, stride, dilation):
    """Plain cross-correlation of padded xp (C,Hp,Wp) with w (Cout,Cin/g,kh,kw), float64."""
    c, hp, wp = xp.shape
    cout, cpg, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    ho = (hp - dh * (kh - 1) - 1) // sh + 1
    wo = (wp - dw * (kw - 1) - 1) // sw + 1
    assert ho >= 1 and wo >= 1, "a golden case must have an output"
    opg = cout // groups
    out = np.zeros((cout, ho, wo), dtype=np.float64)
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dh, kx * dw
            win = xp[:, y0:y0 + (ho - 1) * sh + 1:sh, x0:x0 + (wo - 1) * sw + 1:sw]
            for o in range(cout):
                g = o // opg
                taps = win[g * cpg:(g + 1) * cpg]
                out[o] += np.tensordot(w[o, :, ky, kx], taps, axes=(0, 0))
    return out


def activate(y, activation):
    if activation == "relu":
        return np.maximum(y, 0)
    if activation == "abs":
        return np.abs(y)
    return y


def bank_as_weights(bank, c):
    """A bank of K 2-D kernels on C channels as grouped weights (groups=C),
    and the permutation from grouped order (c*K+k) to kernel-major (k*C+c)."""
    k = bank.shape[0]
    w = np.zeros((c * k, 1) + bank.shape[1:], dtype=bank.dtype)
    dest = np.zeros(c * k, dtype=np.int64)
    for ci in range(c):
        for ki in range(k):
            w[ci * k + ki, 0] = bank[ki]
            dest[ci * k + ki] = ki * c + ci
    return w, dest


class Builder:
    def __init__(self):
        self.cases = []
        self.torch_checked = 0

    def add(self, name, shape, *, kernel=(3, 3), cout=None, groups=1, bank=None,
            stride="1", dilation="1", padding="valid", pad_mode="zeros", pad_value=0.0,
            flip=False, bias=False, activation="none", weights=None):
        """bank=K selects the per-channel mode with K kernels; otherwise weights
        mode with `cout` outputs (default C) and `groups`."""
        idx = len(self.cases) + 1
        case_id = f"{idx:03d}-{name}"
        rng = np.random.default_rng(1000 + idx)
        c, h, w_ = shape
        kh, kw = kernel
        x = rng.uniform(-1, 1, size=shape).astype(np.float32)
        if bank is not None:
            mode = "kernels"
            wt = rng.normal(0, 0.5, size=(bank, kh, kw)).astype(np.float32)
            gw, dest = bank_as_weights(wt.astype(np.float64), c)
            g, nout = c, bank * c
        else:
            mode = "weights"
            cout = c if cout is None else cout
            assert c % groups == 0 and cout % groups == 0
            if weights is not None:
                wt = np.asarray(weights, dtype=np.float32).reshape(cout, c // groups, kh, kw)
            else:
                wt = rng.normal(0, 0.5, size=(cout, c // groups, kh, kw)).astype(np.float32)
            gw, dest, g, nout = wt.astype(np.float64), np.arange(cout), groups, cout
        b = rng.uniform(-0.5, 0.5, size=nout).astype(np.float32) if bias else None

        sh_sw, dh_dw = pair(stride), pair(dilation)
        pads = resolve_pads(padding, h, w_, kh, kw, *sh_sw, *dh_dw)
        t, bo, l, r = pads
        npad = ((0, 0), (t, bo), (l, r))
        x64 = x.astype(np.float64)
        if pad_mode == "zeros":
            xp = np.pad(x64, npad, mode="constant", constant_values=float(np.float32(pad_value)))
        else:
            xp = np.pad(x64, npad, mode=NUMPY_MODE[pad_mode])
        if flip:
            gw = gw[:, :, ::-1, ::-1].copy()

        grouped = correlate(xp, gw, g, sh_sw, dh_dw)
        ref = np.empty_like(grouped)
        ref[dest] = grouped  # grouped order -> result order
        if b is not None:
            ref += b.astype(np.float64)[:, None, None]
        ref = activate(ref, activation)

        backend = "numpy"
        if torch is not None:
            tg = F.conv2d(torch.from_numpy(xp)[None], torch.from_numpy(gw), None,
                          stride=sh_sw, dilation=dh_dw, groups=g)[0].numpy()
            tout = np.empty_like(tg)
            tout[dest] = tg
            if b is not None:
                tout += b.astype(np.float64)[:, None, None]
            tout = activate(tout, activation)
            assert tout.shape == ref.shape, (case_id, tout.shape, ref.shape)
            err = np.max(np.abs(tout - ref))
            assert err <= 1e-5, f"{case_id}: torch and numpy differ by {err}"
            backend = "torch"
            self.torch_checked += 1

        d = OUT / case_id
        d.mkdir(parents=True)
        np.save(d / "input.npy", x.astype("<f4"))
        np.save(d / "weights.npy", wt.astype("<f4"))
        if b is not None:
            np.save(d / "bias.npy", b.astype("<f4"))
        np.save(d / "expected.npy", ref.astype("<f4"))
        # Reduction length: taps summed into one output (before the bias).
        reduction = (1 if mode == "kernels" else gw.shape[1]) * kh * kw
        self.cases.append({
            "id": case_id,
            "mode": mode,
            "input_shape": list(shape),
            "weights_shape": list(wt.shape),
            "groups": g if mode == "weights" else None,
            "stride": str(stride),
            "dilation": str(dilation),
            "padding": padding,
            "pads": list(pads),
            "pad_mode": pad_mode,
            "pad_value": float(pad_value),
            "flip": flip,
            "bias": b is not None,
            "activation": activation,
            "expected_shape": list(ref.shape),
            "reduction": reduction,
            "backend": backend,
        })


def build(bld):
    add = bld.add
    kernels = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (1, 7), (7, 1), (3, 5)]
    # Every kernel size under every named padding.
    for kh, kw in kernels:
        for padding in ("valid", "same", "full"):
            add(f"k{kh}x{kw}-{padding}", (2, 9, 10), kernel=(kh, kw), cout=3, padding=padding)

    # Stride, with odd and even inputs; `same` with stride > 1 pads asymmetrically.
    for stride in ("2", "3", "2,1", "1,2"):
        for padding in ("valid", "same"):
            add(f"k3-s{stride.replace(',', 'x')}-{padding}", (2, 11, 10), kernel=(3, 3), cout=2,
                stride=stride, padding=padding)
    add("k4-s2-same-even", (1, 8, 8), kernel=(4, 4), stride="2", padding="same")
    add("k2-s2-same-odd", (1, 9, 7), kernel=(2, 2), stride="2", padding="same")
    add("k5-s3-same-reflect", (2, 10, 11), kernel=(5, 5), stride="3", padding="same", pad_mode="reflect")
    add("k1-s2-same-even", (2, 8, 10), kernel=(1, 1), cout=3, stride="2", padding="same")
    add("k3-s2-full-circular", (1, 7, 8), kernel=(3, 3), stride="2", padding="full", pad_mode="circular")

    # Dilation.
    for dilation in ("2", "1,3"):
        for padding in ("valid", "same", "full"):
            add(f"k3-d{dilation.replace(',', 'x')}-{padding}", (2, 12, 13), kernel=(3, 3), cout=2,
                dilation=dilation, padding=padding)
    add("k2-d2-same", (1, 9, 9), kernel=(2, 2), dilation="2", padding="same")
    add("k3-d2-s2-same-symmetric", (2, 12, 11), kernel=(3, 3), dilation="2", stride="2", padding="same",
        pad_mode="symmetric")
    add("k3x5-d2x1-s1x2-reflect", (1, 10, 14), kernel=(3, 5), dilation="2,1", stride="1,2",
        padding="2,1", pad_mode="reflect")

    # Groups.
    add("g2-c4-o4-valid", (4, 8, 9), kernel=(3, 3), cout=4, groups=2)
    add("g2-c4-o6-same-bias", (4, 8, 9), kernel=(3, 3), cout=6, groups=2, padding="same", bias=True)
    add("g2-c2-o4-k2-full", (2, 7, 7), kernel=(2, 2), cout=4, groups=2, padding="full")
    add("depthwise-c3-k3-same-replicate", (3, 9, 9), kernel=(3, 3), cout=3, groups=3, padding="same",
        pad_mode="replicate")
    add("depthwise-c4-k5-s2-reflect", (4, 11, 10), kernel=(5, 5), cout=4, groups=4, stride="2",
        padding="same", pad_mode="reflect")
    add("depthwise-mult2-c3-o6-valid", (3, 8, 8), kernel=(3, 3), cout=6, groups=3)
    add("depthwise-mult2-c2-o4-d2-bias", (2, 10, 10), kernel=(3, 3), cout=4, groups=2, dilation="2",
        padding="same", bias=True)
    add("g1-c3-o1-k1", (3, 6, 7), kernel=(1, 1), cout=1)

    # Every pad mode with every way to say the padding; zeros holds -0.5.
    for mode in ("zeros", "reflect", "symmetric", "replicate", "circular"):
        value = -0.5 if mode == "zeros" else 0.0
        for padding in ("valid", "same", "full", "2", "1,2", "1,2,0,3"):
            tag = padding.replace(",", "-")
            add(f"{mode}-pad{tag}-k3", (2, 7, 8), kernel=(3, 3), cout=2, padding=padding,
                pad_mode=mode, pad_value=value)
        add(f"{mode}-same-k4x2", (1, 6, 5), kernel=(4, 2), padding="same", pad_mode=mode, pad_value=value)

    # Pads wider than the input repeat the rule as numpy.pad does.
    for mode in ("zeros", "reflect", "symmetric", "replicate", "circular"):
        value = -0.5 if mode == "zeros" else 0.0
        add(f"wide-1x5-pad7-{mode}", (1, 1, 5), kernel=(3, 3), padding="7", pad_mode=mode, pad_value=value)
        add(f"wide-2x3-pad5-9-8-4-{mode}", (1, 2, 3), kernel=(2, 3), padding="5,9,8,4", pad_mode=mode,
            pad_value=value)
    for mode in ("reflect", "symmetric", "circular"):
        add(f"wide-1x1-pad3-{mode}", (1, 1, 1), kernel=(3, 3), padding="3", pad_mode=mode)
    add("wide-2x2-full-k7-d2-reflect", (2, 2, 2), kernel=(7, 7), dilation="2", padding="full",
        pad_mode="reflect", cout=1)

    # 1xN and Nx1 inputs.
    add("row-1x12-k1x3-valid", (1, 1, 12), kernel=(1, 3))
    add("row-1x12-k3-same-reflect", (2, 1, 12), kernel=(3, 3), cout=1, padding="same", pad_mode="reflect")
    add("row-1x13-k1x7-s2-same-symmetric", (1, 1, 13), kernel=(1, 7), stride="2", padding="same",
        pad_mode="symmetric")
    add("col-12x1-k7x1-same-replicate", (1, 12, 1), kernel=(7, 1), padding="same", pad_mode="replicate")
    add("col-12x1-k3-full-circular", (2, 12, 1), kernel=(3, 3), cout=2, padding="full", pad_mode="circular")
    add("col-9x1-k3x1-s3-valid", (1, 9, 1), kernel=(3, 1), stride="3")

    # Flip: true convolution with asymmetric kernels.
    add("flip-k3x5-valid", (1, 8, 9), kernel=(3, 5), flip=True)
    add("flip-k2-same-zeros", (2, 6, 6), kernel=(2, 2), cout=2, padding="same", flip=True, pad_value=-0.5)
    add("flip-ramp-k3", (1, 5, 5), kernel=(3, 3), flip=True, padding="1",
        weights=[1, 2, 3, 4, 5, 6, 7, 8, 9])
    add("noflip-ramp-k3", (1, 5, 5), kernel=(3, 3), padding="1", weights=[1, 2, 3, 4, 5, 6, 7, 8, 9])
    add("flip-g2-k1x3-reflect", (2, 5, 6), kernel=(1, 3), cout=2, groups=2, flip=True, padding="same",
        pad_mode="reflect")

    # Bias and activation.
    add("bias-k3-valid", (2, 7, 7), kernel=(3, 3), cout=3, bias=True)
    add("relu-k3-same", (2, 7, 7), kernel=(3, 3), cout=3, padding="same", activation="relu")
    add("abs-k3-same", (2, 7, 7), kernel=(3, 3), cout=3, padding="same", activation="abs")
    add("bias-relu-k2-full", (1, 6, 6), kernel=(2, 2), cout=2, padding="full", bias=True, activation="relu")
    add("bias-abs-k3-s2-reflect", (3, 9, 8), kernel=(3, 3), cout=2, stride="2", padding="same",
        pad_mode="reflect", bias=True, activation="abs")

    # Per-channel kernel banks: K kernels on C channels give K*C maps, kernel-major.
    add("bank2-c3-k3-valid", (3, 7, 8), kernel=(3, 3), bank=2)
    add("bank2-c3-k3-same-reflect-bias", (3, 7, 8), kernel=(3, 3), bank=2, padding="same",
        pad_mode="reflect", bias=True)
    add("bank2-c3-k3x5-s2-flip", (3, 9, 10), kernel=(3, 5), bank=2, stride="2", padding="same", flip=True)
    add("bank1-c3-k5-symmetric", (3, 8, 8), kernel=(5, 5), bank=1, padding="same", pad_mode="symmetric")
    add("bank3-c2-k2-d2-circular-relu", (2, 7, 7), kernel=(2, 2), bank=3, dilation="2", padding="full",
        pad_mode="circular", activation="relu")
    add("bank2-c1-k1x7-replicate-abs", (1, 5, 9), kernel=(1, 7), bank=2, padding="same",
        pad_mode="replicate", activation="abs", bias=True)

    # Combinations drawn from a fixed seed.
    rng = np.random.default_rng(7)
    modes = list(NUMPY_MODE)
    for i in range(14):
        while True:
            kh, kw = kernels[rng.integers(len(kernels))]
            c = int(rng.integers(1, 5))
            h, w = int(rng.integers(1, 17)), int(rng.integers(1, 17))
            stride = str(rng.choice(["1", "2", "3", "2,1", "1,2"]))
            dilation = str(rng.choice(["1", "1", "2", "1,3"]))
            padding = str(rng.choice(["valid", "same", "full", "1", "2,1", "1,0,2,3", "4"]))
            mode = modes[rng.integers(len(modes))]
            sh, sw = pair(stride)
            dh, dw = pair(dilation)
            t, b, l, r = resolve_pads(padding, h, w, kh, kw, sh, sw, dh, dw)
            if h + t + b >= dh * (kh - 1) + 1 and w + l + r >= dw * (kw - 1) + 1:
                break
        kwargs = dict(kernel=(kh, kw), stride=stride, dilation=dilation, padding=padding, pad_mode=mode,
                      pad_value=-0.5 if mode == "zeros" else 0.0, flip=bool(rng.integers(2)),
                      bias=bool(rng.integers(2)), activation=str(rng.choice(["none", "relu", "abs"])))
        if rng.integers(3) == 0:
            kwargs["bank"] = int(rng.integers(1, 3))
        else:
            g = int(rng.choice([d for d in (1, 2, c) if c % d == 0]))
            kwargs["groups"] = g
            kwargs["cout"] = g * int(rng.integers(1, 3))
        add(f"combo{i:02d}-c{c}-{h}x{w}-k{kh}x{kw}", (c, h, w), **kwargs)


def main():
    if OUT.exists():
        for p in OUT.iterdir():
            if p.is_dir():
                shutil.rmtree(p)
            elif p.name != ".keep":
                p.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    bld = Builder()
    build(bld)
    with open(OUT / "cases.json", "w") as f:
        json.dump({"count": len(bld.cases), "torch_checked": bld.torch_checked, "cases": bld.cases}, f, indent=1)
        f.write("\n")
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"{len(bld.cases)} cases ({bld.torch_checked} checked against torch), {size / 1e6:.2f} MB in {OUT}")
    if size >= 3_000_000:
        sys.exit("goldens exceed 3 MB")


if __name__ == "__main__":
    main()
