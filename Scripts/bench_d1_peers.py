#!/usr/bin/env python3
"""Peers for `convkit bench --workload D1` (a 5x5 sharpen of a 3x2160x3840 image, replicate
borders): OpenCV filter2D per channel and PyTorch depthwise conv2d, medians in ms. peers.py has
no full-rank depthwise workload; run this beside `convkit bench --workload D1`."""
import time, numpy as np, cv2, torch
cv2.setNumThreads(2); torch.set_num_threads(2)
x = np.random.rand(3,2160,3840).astype(np.float32)
k = np.full((5,5), -1/25, np.float32); k[2,2] += 2
def med(f, n=11):
    f(); ts=[]
    for _ in range(n):
        t=time.perf_counter(); f(); ts.append((time.perf_counter()-t)*1e3)
    return sorted(ts)[n//2]
print("opencv filter2D per channel: %.1f ms" % med(lambda: [cv2.filter2D(x[c], -1, k, borderType=cv2.BORDER_REPLICATE) for c in range(3)]))
xt = torch.from_numpy(x)[None]; w = torch.from_numpy(np.stack([k]*3))[:,None]
import torch.nn.functional as F
print("torch depthwise conv2d (replicate pad): %.1f ms" % med(lambda: F.conv2d(F.pad(xt,(2,2,2,2),mode='replicate'), w, groups=3), 5))
