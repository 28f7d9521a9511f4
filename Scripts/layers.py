#!/usr/bin/env python3
"""Layer suite: convkit against PyTorch conv2d on real network layers at batch 1.

Each layer is timed by `convkit bench --shape C,H,W --weights-shape COUT,CIN/G,KH,KW ... --json` (median of warm
runs, weights prepared; `firstMilliseconds` is its cold call, preparing the weights included) and by
torch.nn.functional.conv2d on the same shape in this process (torch.set_num_threads(N), 3 warm-up calls, median of
the same number of runs, before and after convkit, the lower median kept), layer by layer so both see the same
machine. `--cold` also times PyTorch's
first call in a fresh process (import, tensors, then one conv2d) against convkit's cold call.
`--paths all` times every convkit path on each layer and flags a pick that another path beats by >= 1.3x.

    Scripts/layers.py --convkit .build/release/convkit --threads 2 [--cold] [--paths all] [--only resnet] [--json out.json]

Ratio = PyTorch ms / convkit ms (above 1: convkit faster). The geometric mean is over the layers shown.
"""
import argparse, json, math, os, platform, statistics, subprocess, sys, time

# name, input (C, H, W), weights (Cout, Cin/groups, kh, kw), stride, padding, dilation, groups
LAYERS = [
    ("resnet18.conv1 7x7 s2 stem", (3, 224, 224), (64, 3, 7, 7), 2, 3, 1, 1),
    ("resnet18.layer1 3x3", (64, 56, 56), (64, 64, 3, 3), 1, 1, 1, 1),
    ("resnet18.layer2 3x3 s2", (64, 56, 56), (128, 64, 3, 3), 2, 1, 1, 1),
    ("resnet18.layer2 1x1 s2 proj", (64, 56, 56), (128, 64, 1, 1), 2, 0, 1, 1),
    ("resnet18.layer2 3x3", (128, 28, 28), (128, 128, 3, 3), 1, 1, 1, 1),
    ("resnet18.layer3 3x3 s2", (128, 28, 28), (256, 128, 3, 3), 2, 1, 1, 1),
    ("resnet18.layer3 3x3", (256, 14, 14), (256, 256, 3, 3), 1, 1, 1, 1),
    ("resnet18.layer4 3x3 s2", (256, 14, 14), (512, 256, 3, 3), 2, 1, 1, 1),
    ("resnet18.layer4 3x3", (512, 7, 7), (512, 512, 3, 3), 1, 1, 1, 1),
    ("resnet50.layer1 1x1 256->64", (256, 56, 56), (64, 256, 1, 1), 1, 0, 1, 1),
    ("resnet50.layer1 1x1 64->256", (64, 56, 56), (256, 64, 1, 1), 1, 0, 1, 1),
    ("resnet50.layer4 1x1 s2 proj", (1024, 14, 14), (2048, 1024, 1, 1), 2, 0, 1, 1),
    ("resnet50.layer4 1x1 2048->512", (2048, 7, 7), (512, 2048, 1, 1), 1, 0, 1, 1),
    ("resnet50.layer4 1x1 512->2048", (512, 7, 7), (2048, 512, 1, 1), 1, 0, 1, 1),
    ("mobilenetv2 stem 3x3 s2", (3, 224, 224), (32, 3, 3, 3), 2, 1, 1, 1),
    ("mobilenetv2 1x1 24->144", (24, 56, 56), (144, 24, 1, 1), 1, 0, 1, 1),
    ("mobilenetv2 dw 3x3 s1", (144, 56, 56), (144, 1, 3, 3), 1, 1, 1, 144),
    ("mobilenetv2 dw 3x3 s2", (144, 56, 56), (144, 1, 3, 3), 2, 1, 1, 144),
    ("mobilenetv2 1x1 144->24", (144, 56, 56), (24, 144, 1, 1), 1, 0, 1, 1),
    ("mobilenetv2 dw 3x3 384ch 14x14", (384, 14, 14), (384, 1, 3, 3), 1, 1, 1, 384),
    ("mobilenetv2 1x1 320->1280 7x7", (320, 7, 7), (1280, 320, 1, 1), 1, 0, 1, 1),
    ("efficientnet dw 5x5 s1", (240, 28, 28), (240, 1, 5, 5), 1, 2, 1, 240),
    ("efficientnet dw 5x5 s2", (144, 56, 56), (144, 1, 5, 5), 2, 2, 1, 144),
    ("convnext dw 7x7 56x56", (96, 56, 56), (96, 1, 7, 7), 1, 3, 1, 96),
    ("convnext dw 7x7 14x14", (384, 14, 14), (384, 1, 7, 7), 1, 3, 1, 384),
    ("vgg16.conv1_2 3x3 224x224", (64, 224, 224), (64, 64, 3, 3), 1, 1, 1, 1),
    ("vgg16.conv3 3x3 256ch 56x56", (256, 56, 56), (256, 256, 3, 3), 1, 1, 1, 1),
    ("vgg16.conv5 3x3 512ch 14x14", (512, 14, 14), (512, 512, 3, 3), 1, 1, 1, 1),
    ("unet enc1 3x3 1->64", (1, 256, 256), (64, 1, 3, 3), 1, 1, 1, 1),
    ("unet 3x3 128ch 128x128", (128, 128, 128), (128, 128, 3, 3), 1, 1, 1, 1),
    ("deeplab 3x3 d2 256ch 33x33", (256, 33, 33), (256, 256, 3, 3), 1, 2, 2, 1),
    ("yolov5 stem 6x6 s2 640", (3, 640, 640), (32, 3, 6, 6), 2, 2, 1, 1),
]


def shape_args(layer):
    _, x, w, s, p, d, g = layer
    return ["--shape", ",".join(map(str, x)), "--weights-shape", ",".join(map(str, w)),
            "--stride", str(s), "--padding", str(p), "--dilation", str(d), "--groups", str(g)]


def convkit(binary, layer, threads, paths):
    cmd = [binary, "bench", *shape_args(layer), "--threads", str(threads), "--json", "--paths", paths]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def torch_warm(layer, threads, runs):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    _, x, w, s, p, d, g = layer
    gen = torch.Generator().manual_seed(0)
    xt = torch.rand((1, *x), generator=gen)
    wt = torch.randn(w, generator=gen)
    with torch.no_grad():
        for _ in range(3):
            F.conv2d(xt, wt, stride=s, padding=p, dilation=d, groups=g)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            F.conv2d(xt, wt, stride=s, padding=p, dilation=d, groups=g)
            times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


COLD = """
import sys, time, torch, torch.nn.functional as F
torch.set_num_threads({threads})
x = torch.rand((1, {x})); w = torch.randn(({w}))
with torch.no_grad():
    t = time.perf_counter(); F.conv2d(x, w, stride={s}, padding={p}, dilation={d}, groups={g})
print((time.perf_counter() - t) * 1e3)
"""


def torch_cold(layer, threads):
    _, x, w, s, p, d, g = layer
    code = COLD.format(threads=threads, x=",".join(map(str, x)), w=",".join(map(str, w)), s=s, p=p, d=d, g=g)
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def describe(layer):
    _, x, w, s, p, d, g = layer
    text = f"{x[0]}x{x[1]}x{x[2]} w{w[0]}x{w[1]}x{w[2]}x{w[3]}"
    if s != 1: text += f" s{s}"
    if p: text += f" p{p}"
    if d != 1: text += f" d{d}"
    if g != 1: text += f" g{g}"
    return text


def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def machine():
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch
    load = " ".join(open("/proc/loadavg").read().split()[:3]) if os.path.exists("/proc/loadavg") else "?"
    return f"{platform.node()}: {os.cpu_count()} CPUs, {model}; torch {torch.__version__}; " \
           f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {load}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--convkit", required=True, help="the convkit binary (a release build)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cold", action="store_true", help="also PyTorch's first call in a fresh process vs convkit's cold call")
    ap.add_argument("--paths", default="chosen", choices=["chosen", "all"], help="all: time every convkit path")
    ap.add_argument("--only", help="only layers whose name contains this")
    ap.add_argument("--json", help="write every measurement to this file")
    args = ap.parse_args()

    layers = [l for l in LAYERS if not args.only or args.only in l[0]]
    print(machine())
    print(f"threads {args.threads}; convkit {args.convkit}")
    head = f"{'layer':32} {'shape':34} {'convkit ms':>10} {'path':10} {'torch ms':>9} {'ratio':>6}"
    if args.cold: head += f" {'ck first':>9} {'pt first':>9} {'cold ratio':>10}"
    if args.paths == "all": head += "  other paths (ms)"
    print(head)
    rows, ratios, cold_ratios, bad = [], [], [], []
    for layer in layers:
        # PyTorch before and after convkit, the lower median kept: on a shared machine its
        # thread pool sometimes waits a scheduler quantum per call (medians near 16 or 32 ms).
        pt_before = torch_warm(layer, args.threads, 7)
        results = convkit(args.convkit, layer, args.threads, args.paths)
        chosen = next(r for r in results if r["chosen"])
        runs = max(3, min(11, chosen["runs"]))
        pt = min(pt_before, torch_warm(layer, args.threads, runs))
        ratio = pt / chosen["milliseconds"]
        ratios.append(ratio)
        line = f"{layer[0]:32} {describe(layer):34} {chosen['milliseconds']:10.3f} {chosen['path']:10} {pt:9.3f} {ratio:6.2f}"
        row = {"layer": layer[0], "shape": describe(layer), "convkit": results, "torch_ms": pt, "ratio": ratio}
        if args.cold:
            ptc = torch_cold(layer, args.threads)
            cr = ptc / chosen["firstMilliseconds"]
            cold_ratios.append(cr)
            row.update(torch_first_ms=ptc, cold_ratio=cr)
            line += f" {chosen['firstMilliseconds']:9.3f} {ptc:9.3f} {cr:10.2f}"
        if args.paths == "all":
            others = [r for r in results if not r["chosen"] and r["path"] != "direct"]
            line += "  " + " ".join(f"{r['path']} {r['milliseconds']:.3f}" for r in others)
            best = min([chosen] + others, key=lambda r: r["milliseconds"])
            if best is not chosen and chosen["milliseconds"] >= 1.3 * best["milliseconds"]:
                line += f"  <- {best['path']} {chosen['milliseconds'] / best['milliseconds']:.2f}x faster"
                bad.append(layer[0])
        print(line, flush=True)
        rows.append(row)
    summary = f"geometric mean ratio {geomean(ratios):.2f} over {len(ratios)} layers; lowest {min(ratios):.2f}"
    if cold_ratios: summary += f"; cold geometric mean {geomean(cold_ratios):.2f}, lowest {min(cold_ratios):.2f}"
    if args.paths == "all": summary += f"; picks beaten by >= 1.3x: {len(bad)}" + (f" ({', '.join(bad)})" if bad else "")
    print(summary)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "threads": args.threads, "layers": rows}, f, indent=1)


if __name__ == "__main__":
    main()
