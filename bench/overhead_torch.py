#!/usr/bin/python3
"""Peer for `mxgo bench overhead`: microseconds per eager add of two
10-element float32 tensors in PyTorch (plain and with autograd recording)
and in NumPy. Prints JSON lines like mxgo: {"name", "value", "unit"}.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/overhead_torch.py [--cpu]

With --cpu, each result is followed by NAME_cpu: the process's CPU time per
op (time.process_time), which a busy machine inflates less than wall time.
"""
import json
import statistics
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
INNER = 20000


def median_us(fn):
    """Median wall and CPU microseconds per op over 15 rounds."""
    fn()
    ts, cs = [], []
    for _ in range(15):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) / INNER * 1e6)
        cs.append((time.process_time() - c0) / INNER * 1e6)
    return statistics.median(ts), statistics.median(cs)


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


with_cpu = "--cpu" in sys.argv[1:]
with torch.no_grad():
    plain = median_us(add_plain)
rec = median_us(add_record)
for name, (wall, cpu) in [("torch_add10", plain), ("torch_add10_record", rec), ("numpy_add10", median_us(add_numpy))]:
    print(json.dumps({"name": name, "value": round(wall, 4), "unit": "us"}))
    if with_cpu:
        print(json.dumps({"name": name + "_cpu", "value": round(cpu, 4), "unit": "us"}))
