#!/usr/bin/python3
"""Peer of nd's BenchmarkNorm: float32 LayerNorm (last axis), BatchNorm
(training), GroupNorm and InstanceNorm in PyTorch, forward and forward +
backward (a random head gradient, the data gradient waited for), at 1 and
2 threads. Prints one JSON line per case and thread count:
{"name", "threads", "value" (mean ns per op), "min", "median" (the fastest
and the median single call), "unit"}, as BenchmarkNorm reports ns/op,
min-ns/op and med-ns/op.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/norm_torch.py [NAME-SUBSTRING]
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def cases():
    def ln(shape):
        d = shape[-1]
        g, b = torch.randn(d, requires_grad=True), torch.randn(d, requires_grad=True)
        return lambda x: F.layer_norm(x, (d,), g, b, 1e-5)

    def bn(shape):
        c = shape[1]
        g, b = torch.randn(c, requires_grad=True), torch.randn(c, requires_grad=True)
        rm, rv = torch.zeros(c), torch.ones(c)
        return lambda x: F.batch_norm(x, rm, rv, g, b, True, 0.1, 1e-3)

    def gn(groups):
        def mk(shape):
            c = shape[1]
            g, b = torch.randn(c, requires_grad=True), torch.randn(c, requires_grad=True)
            return lambda x: F.group_norm(x, groups, g, b, 1e-5)
        return mk

    def inorm(shape):
        c = shape[1]
        g, b = torch.randn(c, requires_grad=True), torch.randn(c, requires_grad=True)
        return lambda x: F.instance_norm(x, weight=g, bias=b, eps=1e-3)

    return [
        ("layer-256x1024", (256, 1024), ln),
        ("layer-1024x4096", (1024, 4096), ln),
        ("batch-32x64x28x28", (32, 64, 28, 28), bn),
        ("batch-256x512", (256, 512), bn),
        ("group32-32x64x28x28", (32, 64, 28, 28), gn(32)),
        ("instance-32x64x28x28", (32, 64, 28, 28), inorm),
    ]


def call_ns(fn, target=1.0):
    """Mean, fastest and median single call (ns) over about target seconds,
    after warming up. The fastest and the median are what a machine shared
    with other work disturbs least."""
    for _ in range(3):
        fn()
    ts = []
    end = time.perf_counter() + target
    while time.perf_counter() < end or len(ts) < 5:
        t0 = time.perf_counter_ns()
        fn()
        ts.append(time.perf_counter_ns() - t0)
    return statistics.mean(ts), min(ts), statistics.median(ts)


def main():
    want = sys.argv[1] if len(sys.argv) > 1 else ""
    for name, shape, mk in cases():
        if want not in name:
            continue
        f = mk(shape)
        x = torch.rand(shape) * 2 - 1
        xg = x.clone().requires_grad_(True)
        gy = torch.rand(shape) * 2 - 1

        def fwd():
            with torch.no_grad():
                f(x)

        def fwdbwd():
            y = f(xg)
            y.backward(gy)
            xg.grad = None

        for threads in (1, 2):
            torch.set_num_threads(threads)
            for kind, fn in (("fwd", fwd), ("fwd+bwd", fwdbwd)):
                mean, fastest, med = call_ns(fn)
                print(json.dumps({"name": f"{name}/{kind}", "threads": threads, "value": round(mean),
                                  "min": fastest, "median": round(med), "unit": "ns/op"}), flush=True)


if __name__ == "__main__":
    main()
