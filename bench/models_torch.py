"""PyTorch peers of `mxgo bench mlp|lenet|resnet18|conv|hybridize|ops`: the
same networks, batch sizes and measurement (median of timed samples after
warm-up).

Run as: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 \
    bench/models_torch.py mlp|lenet|resnet18|conv|hybridize|ops [--batch 64,256] [--threads 1] [--cpu]
Prints one JSON line per result, named as ours with a "torch_" prefix:
{"name": "torch_mlp_b64", "value": ms, "unit": "ms"}; conv results are GFLOP/s.
ops prints torch_op_<name>_<rows>x<cols> in microseconds per call.
hybridize prints torch_{mlp,lenet}_train_b{B}_eager (nn.Module) and
..._hybrid: the same module compiled with TorchScript (torch.jit.trace), the
peer of a hybridized Block.
With --cpu it adds "<name>_cpu": process CPU time per step (time.process_time).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

LR = 0.01


def measure(step, rounds, warmup, sample_time):
    """Median wall and CPU seconds per step, as internal/bench.measure."""
    t0 = time.perf_counter()
    for _ in range(warmup):
        step()
    per = (time.perf_counter() - t0) / warmup
    inner = max(1, int(sample_time / per)) if per > 0 else 1
    walls, cpus = [], []
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(inner):
            step()
        walls.append((time.perf_counter() - w0) / inner)
        cpus.append((time.process_time() - c0) / inner)
    return statistics.median(walls), statistics.median(cpus)


def param(fan_in, *shape):
    """Uniform in ±sqrt(6/fan_in), as the Go bench's param."""
    bound = (6.0 / fan_in) ** 0.5
    return (torch.rand(*shape) * 2 - 1).mul_(bound).requires_grad_()


class Trainer:
    """SGD steps of a classifier on one fixed batch, as the Go trainer."""

    def __init__(self, params, forward, x, y):
        self.params, self.forward, self.x, self.y = params, forward, x, y

    def step(self):
        loss = F.cross_entropy(self.forward(self.x), self.y)
        for p in self.params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                p.add_(p.grad, alpha=-LR)
        return loss.item()


def mlp(batch):
    sizes = [784, 256, 128, 10]
    params = []
    for i in range(1, len(sizes)):
        params += [param(sizes[i - 1], sizes[i], sizes[i - 1]), torch.zeros(sizes[i], requires_grad=True)]

    def forward(h):
        for i in range(0, len(params), 2):
            h = F.linear(h, params[i], params[i + 1])
            if i + 2 < len(params):
                h = F.relu(h)
        return h

    return Trainer(params, forward, torch.rand(batch, 784) * 2 - 1, torch.randint(0, 10, (batch,)))


def lenet(batch):
    p = [param(25, 20, 1, 5, 5), torch.zeros(20, requires_grad=True),
         param(500, 50, 20, 5, 5), torch.zeros(50, requires_grad=True),
         param(800, 500, 800), torch.zeros(500, requires_grad=True),
         param(500, 10, 500), torch.zeros(10, requires_grad=True)]

    def forward(x):
        h = F.max_pool2d(F.relu(F.conv2d(x, p[0], p[1])), 2, 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, p[2], p[3])), 2, 2)
        h = F.relu(F.linear(h.flatten(1), p[4], p[5]))
        return F.linear(h, p[6], p[7])

    return Trainer(p, forward, torch.rand(batch, 1, 28, 28) * 2 - 1, torch.randint(0, 10, (batch,)))


class ConvBN(torch.nn.Module):
    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.conv = torch.nn.Conv2d(cin, cout, k, stride, k // 2, bias=False)
        self.bn = torch.nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.conv(x))


class BasicBlock(torch.nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a, self.b = ConvBN(cin, cout, 3, stride), ConvBN(cout, cout, 3, 1)
        self.down = ConvBN(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        h = self.b(F.relu(self.a(x)))
        return F.relu(h + (self.down(x) if self.down is not None else x))


class ResNet18(torch.nn.Module):
    """ResNet-18 v1, the layout of the Go bench (and torchvision's)."""

    def __init__(self):
        super().__init__()
        self.stem = ConvBN(3, 64, 7, 2)
        blocks, cin = [], 64
        for stage, cout in enumerate([64, 128, 256, 512]):
            for i in range(2):
                blocks.append(BasicBlock(cin, cout, 2 if stage > 0 and i == 0 else 1))
                cin = cout
        self.blocks = torch.nn.Sequential(*blocks)
        self.fc = torch.nn.Linear(512, 1000)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.stem(x)), 3, 2, 1)
        h = self.blocks(h)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


class MLPModule(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(784, 256), torch.nn.Linear(256, 128), torch.nn.Linear(128, 10)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class LeNetModule(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = torch.nn.Conv2d(1, 20, 5), torch.nn.Conv2d(20, 50, 5)
        self.f1, self.f2 = torch.nn.Linear(800, 500), torch.nn.Linear(500, 10)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.c1(x)), 2, 2)
        h = F.max_pool2d(F.relu(self.c2(h)), 2, 2)
        return self.f2(F.relu(self.f1(h.flatten(1))))


def module_trainer(net, x, y):
    """Trainer over a module's parameters (Xavier weights, zero biases, as
    the Go bench's gluon models)."""
    params = list(net.parameters())
    for p in params:
        if p.dim() > 1:
            torch.nn.init.xavier_uniform_(p)
        else:
            torch.nn.init.zeros_(p)
    return Trainer(params, net, x, y)


CONV_CASES = [  # name, N, C, H, W, F, K, P (internal/bench.ConvCases)
    ("conv_lenet1_b64", 64, 1, 28, 28, 20, 5, 0),
    ("conv_lenet2_b64", 64, 20, 12, 12, 50, 5, 0),
    ("conv_resnet3x3_b1", 1, 64, 56, 56, 64, 3, 1),
    ("conv_resnet3x3_b16", 16, 64, 56, 56, 64, 3, 1),
]


def results(args, name, wall, cpu, unit, flops=None):
    def value(sec):
        v = flops / sec / 1e9 if flops else sec * 1e3
        return float(f"{v:.4g}")
    out = [{"name": "torch_" + name, "value": value(wall), "unit": unit}]
    if args.cpu:
        out.append({"name": "torch_" + name + "_cpu", "value": value(cpu), "unit": unit})
    return out


def run(args):
    m = args.measure
    if args.workload in ("mlp", "lenet"):
        make = mlp if args.workload == "mlp" else lenet
        for b in args.batches or [64]:
            t = make(b)
            yield from results(args, f"{args.workload}_b{b}", *m(t.step), "ms")
    elif args.workload == "hybridize":
        for name, make, shape in (("mlp", MLPModule, (784,)), ("lenet", LeNetModule, (1, 28, 28))):
            for b in args.batches or [1, 32, 128]:
                x, y = torch.rand(b, *shape), torch.randint(0, 10, (b,))
                for mode in ("eager", "hybrid"):
                    net = make()
                    if mode == "hybrid":
                        net = torch.jit.trace(net, x)
                    t = module_trainer(net, x, y)
                    yield from results(args, f"{name}_train_b{b}_{mode}", *m(t.step), "ms")
    elif args.workload == "ops":
        for rows, cols in OP_SHAPES:
            x, y = torch.rand(rows, cols) * 2 - 1, torch.rand(rows, cols) * 2 - 1
            row, gamma, beta = (torch.rand(cols) * 2 - 1 for _ in range(3))
            logits = torch.rand(rows, 10) * 2 - 1
            for name, op in op_cases(x, y, x.abs() + 0.1, row, gamma, beta, logits):
                wall, cpu = m(op)
                yield from results(args, f"op_{name}_{rows}x{cols}", wall * 1e3, cpu * 1e3, "us")  # value() gives ms of its argument: µs
    elif args.workload == "resnet18":
        net = ResNet18().eval()
        for b in args.batches or [1]:
            x = torch.rand(b, 3, 224, 224) * 2 - 1
            with torch.no_grad():
                yield from results(args, f"resnet18_b{b}", *m(lambda: net(x)), "ms")
    else:
        for name, n, c, h, w, f, k, p in CONV_CASES:
            oh, ow = h + 2 * p - k + 1, w + 2 * p - k + 1
            flops = 2.0 * n * f * c * k * k * oh * ow
            x, wt = torch.rand(n, c, h, w) * 2 - 1, torch.rand(f, c, k, k) * 2 - 1
            with torch.no_grad():
                yield from results(args, name + "_fwd", *m(lambda: F.conv2d(x, wt, padding=p)), "GFLOP/s", flops)
            x.requires_grad_()
            wt.requires_grad_()

            def fwdbwd():
                x.grad = wt.grad = None
                F.conv2d(x, wt, padding=p).backward(torch.ones(n, f, oh, ow))
            yield from results(args, name + "_fwdbwd", *m(fwdbwd), "GFLOP/s", 3 * flops)


# The shapes and ops of `mxgo bench ops` (internal/bench/ops.go), in order.
OP_SHAPES = [(256, 1024), (1024, 4096)]


def op_cases(x, y, pos, row, gamma, beta, logits):
    cols = x.shape[1]
    return [
        ("add", lambda: x + y),
        ("mul", lambda: x * y),
        ("add_row", lambda: x + row),
        ("mul_scalar", lambda: x * 1.5),
        ("sum", lambda: x.sum()),
        ("sum_rows", lambda: x.sum(1)),
        ("sum_cols", lambda: x.sum(0)),
        ("relu", lambda: torch.relu(x)),
        ("exp", lambda: x.exp()),
        ("log", lambda: pos.log()),
        ("sqrt", lambda: pos.sqrt()),
        ("sigmoid", lambda: torch.sigmoid(x)),
        ("tanh", lambda: torch.tanh(x)),
        ("gelu", lambda: F.gelu(x)),
        ("softmax", lambda: torch.softmax(x, -1)),
        ("log_softmax", lambda: torch.log_softmax(x, -1)),
        ("log_softmax_10", lambda: torch.log_softmax(logits, -1)),  # (rows, 10): a classifier's logits
        ("transpose", lambda: x.t().contiguous()),
        ("layernorm", lambda: F.layer_norm(x, (cols,), gamma, beta, 1e-5)),
        ("max", lambda: x.max()),
        ("max_rows", lambda: x.amax(1)),
        ("argmax_rows", lambda: x.argmax(1)),
        ("greater", lambda: x > y),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=["mlp", "lenet", "resnet18", "conv", "hybridize", "ops"])
    ap.add_argument("--batch", default="", help="batch sizes, comma separated")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--sample", type=float, default=0.2, help="seconds per timed sample")
    ap.add_argument("--cpu", action="store_true", help="also print NAME_cpu (process CPU time per step)")
    args = ap.parse_args()
    args.batches = [int(b) for b in args.batch.split(",") if b]
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    args.measure = lambda step: measure(step, args.rounds, args.warmup, args.sample)
    for r in run(args):
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
