#!/usr/bin/python3
"""Peer for `mxgo bench overhead`: microseconds per eager add of two
10-element float32 tensors in PyTorch (plain and with autograd recording)
and in NumPy. Prints JSON lines like mxgo: {"name", "value", "unit"}.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/overhead_torch.py
"""
import json
import statistics
import time

import numpy as np
import torch

torch.set_num_threads(1)
INNER = 20000


def median_us(fn):
    fn()
    ts = []
    for _ in range(15):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) / INNER * 1e6)
    return statistics.median(ts)


a = torch.arange(10, dtype=torch.float32)
b = torch.arange(10, dtype=torch.float32)
ar = a.clone().requires_grad_(True)
na = np.arange(10, dtype=np.float32)
nb = np.arange(10, dtype=np.float32)


def add_plain():
    for _ in range(INNER):
        torch.add(a, b)


def add_record():
    for _ in range(INNER):
        torch.add(ar, b)


def add_numpy():
    for _ in range(INNER):
        np.add(na, nb)


with torch.no_grad():
    plain = median_us(add_plain)
rec = median_us(add_record)
for name, v in [("torch_add10", plain), ("torch_add10_record", rec), ("numpy_add10", median_us(add_numpy))]:
    print(json.dumps({"name": name, "value": round(v, 4), "unit": "us"}))
