"""PyTorch peer of gluon/rnn's BenchmarkLSTM256: torch.nn.LSTM(256, 256)
over 35 steps of batch 32 (TNC), forward and backward of sum(output),
median of timed samples after warm-up.

Run as: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 \
    bench/lstm_torch.py [--threads 1] [--rounds 7] [--sample-time 0.2] [--cpu]
Prints one JSON line {"name": "torch_lstm_step", "value": ms, "unit": "ms"}
(the name of `mxgo bench lstm`'s result, with the peer's prefix), and with
--cpu a second, "torch_lstm_step_cpu": process CPU ms per step.
"""
import argparse
import json
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--sample-time", type=float, default=0.2)
    ap.add_argument("--seq", type=int, default=35)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--cpu", action="store_true", help="also print the CPU time per step")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(args.hidden, args.hidden)
    x = torch.rand(args.seq, args.batch, args.hidden) * 2 - 1

    def step():
        lstm.zero_grad(set_to_none=True)
        out, _ = lstm(x)
        out.sum().backward()

    t0 = time.perf_counter()
    for _ in range(args.warmup):
        step()
    per = (time.perf_counter() - t0) / args.warmup
    inner = max(1, int(args.sample_time / per))
    walls, cpus = [], []
    for _ in range(args.rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(inner):
            step()
        walls.append((time.perf_counter() - w0) / inner)
        cpus.append((time.process_time() - c0) / inner)
    print(json.dumps({"name": "torch_lstm_step", "value": statistics.median(walls) * 1e3, "unit": "ms"}))
    if args.cpu:
        print(json.dumps({"name": "torch_lstm_step_cpu", "value": statistics.median(cpus) * 1e3, "unit": "ms"}))


if __name__ == "__main__":
    main()
