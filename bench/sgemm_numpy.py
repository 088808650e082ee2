"""NumPy float32 matmul throughput, the peer for kernels.BenchmarkSgemm.

Run as: unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; /usr/bin/python3 bench/sgemm_numpy.py [sizes...]
Prints one JSON line per size: {"name": "sgemm_N", "value": GFLOP/s, "unit": "GFLOP/s"},
the median over several timed repetitions after a warm-up.
"""
import json
import statistics
import sys
import time

import numpy as np


def gflops(n, reps):
    rng = np.random.default_rng(1)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up: thread pool, page faults
    inner = max(1, int(2e9 // (2 * n**3)))  # about 2 GFLOP per sample
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            np.matmul(a, b, out=c)
        dt = time.perf_counter() - t0
        rates.append(2 * n**3 * inner / dt / 1e9)
    return statistics.median(rates)


def main():
    sizes = [int(s) for s in sys.argv[1:]] or [256, 1024, 2048]
    for n in sizes:
        print(json.dumps({"name": f"sgemm_{n}", "value": round(gflops(n, 7), 1), "unit": "GFLOP/s"}), flush=True)


if __name__ == "__main__":
    main()
