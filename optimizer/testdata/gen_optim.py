#!/usr/bin/python3
"""Generate golden_optim.json: step-by-step reference updates for package
optimizer, written from MXNet's update formulas in NumPy (float64), and
cross-checked against PyTorch's optimizers where the two define the same
update (SGD, SGD momentum, NAG, AdaDelta).

Run from this directory: /usr/bin/python3 gen_optim.py
"""
import json
import math

import numpy as np
import torch

STEPS = 5
SHAPE = (2, 3)
rng = np.random.default_rng(7)


def clip(g, c):
    return np.clip(g, -c, c) if c else g


def pre(g, o):
    return clip(g * o.get("rescale_grad", 1.0), o.get("clip_gradient"))


def sgd(w, g, s, t, o):
    lr, wd, m = o["learning_rate"], o.get("wd", 0.0), o.get("momentum", 0.0)
    gp = pre(g, o)
    if m == 0:
        return w - lr * (gp + wd * w)
    s.setdefault("mom", np.zeros_like(w))
    s["mom"] = m * s["mom"] - lr * wd * w - lr * gp
    return w + s["mom"]


def nag(w, g, s, t, o):
    lr, wd, m = o["learning_rate"], o.get("wd", 0.0), o.get("momentum", 0.0)
    gp = pre(g, o) + wd * w
    if m == 0:
        return w - lr * gp
    s.setdefault("mom", np.zeros_like(w))
    s["mom"] = m * s["mom"] + gp
    return w - lr * (gp + m * s["mom"])


def signum(w, g, s, t, o):
    lr, wd, m, wdlh = o["learning_rate"], o.get("wd", 0.0), o.get("momentum", 0.9), o.get("wd_lh", 0.0)
    gp = pre(g, o)
    if m == 0:
        return (1 - lr * wd) * w - lr * np.sign(gp)
    s.setdefault("mom", np.zeros_like(w))
    s["mom"] = m * s["mom"] - (1 - m) * (wd * w + gp)
    return (1 - lr * wdlh) * w + lr * np.sign(s["mom"])


def lars(w, g, s, t, o):
    lr, wd, eta, eps = o["learning_rate"], o.get("wd", 0.0), o.get("eta", 0.001), o.get("epsilon", 0.0)
    wn = np.linalg.norm(w)
    gn = np.linalg.norm(g * o.get("rescale_grad", 1.0))
    if wn > 0 and gn > 0:
        lr = lr * eta * wn / (gn + wd * wn + eps)
    return sgd(w, g, s, t, dict(o, learning_rate=lr))


def adam_like_pre(g, w, o):
    return clip(g * o.get("rescale_grad", 1.0) + o.get("wd", 0.0) * w, o.get("clip_gradient"))


def adam(w, g, s, t, o):
    b1, b2, eps = o.get("beta1", 0.9), o.get("beta2", 0.999), o.get("epsilon", 1e-8)
    lr = o["learning_rate"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    gp = adam_like_pre(g, w, o)
    s.setdefault("m", np.zeros_like(w)); s.setdefault("v", np.zeros_like(w))
    s["m"] = b1 * s["m"] + (1 - b1) * gp
    s["v"] = b2 * s["v"] + (1 - b2) * gp * gp
    return w - lr * s["m"] / (np.sqrt(s["v"]) + eps)


def adamw(w, g, s, t, o):
    b1, b2, eps, wd = o.get("beta1", 0.9), o.get("beta2", 0.999), o.get("epsilon", 1e-6), o.get("wd", 0.0)
    eta = o["learning_rate"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    gp = pre(g, o)
    s.setdefault("m", np.zeros_like(w)); s.setdefault("v", np.zeros_like(w))
    s["m"] = b1 * s["m"] + (1 - b1) * gp
    s["v"] = b2 * s["v"] + (1 - b2) * gp * gp
    return w - eta * (s["m"] / (np.sqrt(s["v"]) + eps) + wd * w)


def adamax(w, g, s, t, o):
    b1, b2 = o.get("beta1", 0.9), o.get("beta2", 0.999)
    lr = o["learning_rate"] / (1 - b1 ** t)
    gp = adam_like_pre(g, w, o)
    s.setdefault("m", np.zeros_like(w)); s.setdefault("u", np.zeros_like(w))
    s["m"] = b1 * s["m"] + (1 - b1) * gp
    s["u"] = np.maximum(b2 * s["u"], np.abs(gp))
    return w - lr * s["m"] / s["u"]


def nadam(w, g, s, t, o):
    b1, b2, eps, sd = o.get("beta1", 0.9), o.get("beta2", 0.999), o.get("epsilon", 1e-8), o.get("schedule_decay", 0.004)
    gp = adam_like_pre(g, w, o)
    mt = b1 * (1 - 0.5 * 0.96 ** (t * sd))
    mt1 = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * sd))
    s["sched"] = s.get("sched", 1.0) * mt
    nxt = s["sched"] * mt1
    s.setdefault("m", np.zeros_like(w)); s.setdefault("v", np.zeros_like(w))
    s["m"] = b1 * s["m"] + (1 - b1) * gp
    s["v"] = b2 * s["v"] + (1 - b2) * gp * gp
    mbar = (1 - mt) * gp / (1 - s["sched"]) + mt1 * s["m"] / (1 - nxt)
    return w - o["learning_rate"] * mbar / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)


def ftml(w, g, s, t, o):
    b1, b2, eps, lr = o.get("beta1", 0.6), o.get("beta2", 0.999), o.get("epsilon", 1e-8), o["learning_rate"]
    gp = adam_like_pre(g, w, o)
    for k in ("d", "v", "z"):
        s.setdefault(k, np.zeros_like(w))
    s["v"] = b2 * s["v"] + (1 - b2) * gp * gp
    dt = (1 - b1 ** t) / lr * (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)
    s["z"] = b1 * s["z"] + (1 - b1) * gp - (dt - b1 * s["d"]) * w
    s["d"] = dt
    return -s["z"] / dt


def lamb(w, g, s, t, o):
    b1, b2, eps, wd = o.get("beta1", 0.9), o.get("beta2", 0.999), o.get("epsilon", 1e-6), o.get("wd", 0.0)
    gp = pre(g, o)
    s.setdefault("m", np.zeros_like(w)); s.setdefault("v", np.zeros_like(w))
    s["m"] = b1 * s["m"] + (1 - b1) * gp
    s["v"] = b2 * s["v"] + (1 - b2) * gp * gp
    mh, vh = s["m"] / (1 - b1 ** t), s["v"] / (1 - b2 ** t)
    d = mh / (np.sqrt(vh) + eps) + wd * w
    r1 = np.linalg.norm(w)
    if o.get("lower_bound"):
        r1 = max(r1, o["lower_bound"])
    if o.get("upper_bound"):
        r1 = min(r1, o["upper_bound"])
    r2 = np.linalg.norm(d)
    ratio = r1 / r2 if r1 != 0 and r2 != 0 else 1.0
    return w - o["learning_rate"] * ratio * d


def rmsprop(w, g, s, t, o):
    g1, g2, eps, lr = o.get("gamma1", 0.9), o.get("gamma2", 0.9), o.get("epsilon", 1e-8), o["learning_rate"]
    gp = adam_like_pre(g, w, o)
    s.setdefault("n", np.zeros_like(w))
    s["n"] = (1 - g1) * gp * gp + g1 * s["n"]
    if o.get("centered"):
        s.setdefault("g", np.zeros_like(w)); s.setdefault("d", np.zeros_like(w))
        s["g"] = (1 - g1) * gp + g1 * s["g"]
        s["d"] = g2 * s["d"] - lr * gp / np.sqrt(s["n"] - s["g"] ** 2 + eps)
        w = w + s["d"]
    else:
        w = w - lr * gp / np.sqrt(s["n"] + eps)
    if o.get("clip_weights"):
        w = np.clip(w, -o["clip_weights"], o["clip_weights"])
    return w


def adagrad(w, g, s, t, o):
    eps, lr, wd = o.get("epsilon", 1e-7), o["learning_rate"], o.get("wd", 0.0)
    gp = pre(g, o)
    s.setdefault("h", np.zeros_like(w))
    s["h"] = s["h"] + gp * gp
    return w - lr * (gp / np.sqrt(s["h"] + eps) + wd * w)


def adadelta(w, g, s, t, o):
    rho, eps, lr, wd = o.get("rho", 0.9), o.get("epsilon", 1e-5), o.get("learning_rate", 1.0), o.get("wd", 0.0)
    gp = pre(g, o)
    s.setdefault("ag", np.zeros_like(w)); s.setdefault("ad", np.zeros_like(w))
    s["ag"] = rho * s["ag"] + (1 - rho) * gp * gp
    d = np.sqrt(s["ad"] + eps) / np.sqrt(s["ag"] + eps) * gp
    s["ad"] = rho * s["ad"] + (1 - rho) * d * d
    return w - lr * (d + wd * w)


def ftrl(w, g, s, t, o):
    lr, l1, beta, wd = o["learning_rate"], o.get("lamda1", 0.01), o.get("beta", 1.0), o.get("wd", 0.0)
    gp = pre(g, o)
    s.setdefault("z", np.zeros_like(w)); s.setdefault("n", np.zeros_like(w))
    s["z"] = s["z"] + gp - (np.sqrt(s["n"] + gp * gp) - np.sqrt(s["n"])) * w / lr
    s["n"] = s["n"] + gp * gp
    return (np.sign(s["z"]) * l1 - s["z"]) / ((beta + np.sqrt(s["n"])) / lr + wd) * (np.abs(s["z"]) > l1)


RULES = dict(sgd=sgd, nag=nag, signum=signum, lars=lars, adam=adam, adamw=adamw, adamax=adamax,
             nadam=nadam, ftml=ftml, lamb=lamb, rmsprop=rmsprop, adagrad=adagrad,
             adadelta=adadelta, ftrl=ftrl)

CASES = [
    ("sgd", "sgd", dict(learning_rate=0.1)),
    ("sgd_wd_clip", "sgd", dict(learning_rate=0.1, wd=0.01, rescale_grad=0.5, clip_gradient=0.3)),
    ("sgd_mom", "sgd", dict(learning_rate=0.1, momentum=0.9, wd=0.01)),
    ("sgd_mom_clip", "sgd", dict(learning_rate=0.05, momentum=0.8, rescale_grad=2.0, clip_gradient=0.5)),
    ("nag", "nag", dict(learning_rate=0.1, momentum=0.9, wd=0.01)),
    ("nag_nomom", "nag", dict(learning_rate=0.1, wd=0.01)),
    ("signum", "signum", dict(learning_rate=0.01, momentum=0.9, wd=0.01, wd_lh=0.1)),
    ("signsgd", "signum", dict(learning_rate=0.01, momentum=0.0, wd=0.01)),
    ("lars", "lars", dict(learning_rate=0.1, momentum=0.9, wd=0.01, eta=0.01, epsilon=1e-8)),
    ("adam", "adam", dict(learning_rate=0.01)),
    ("adam_wd_clip", "adam", dict(learning_rate=0.01, wd=0.1, rescale_grad=0.5, clip_gradient=0.4, beta1=0.8, beta2=0.99)),
    ("adamw", "adamw", dict(learning_rate=0.01, wd=0.1)),
    ("adamax", "adamax", dict(learning_rate=0.002, wd=0.01)),
    ("nadam", "nadam", dict(learning_rate=0.01, wd=0.01)),
    ("ftml", "ftml", dict(learning_rate=0.0025, wd=0.01)),
    ("lamb", "lamb", dict(learning_rate=0.01, wd=0.01)),
    ("lamb_bounds", "lamb", dict(learning_rate=0.01, lower_bound=2.0, upper_bound=3.0)),
    ("rmsprop", "rmsprop", dict(learning_rate=0.01, wd=0.01)),
    ("rmsprop_centered", "rmsprop", dict(learning_rate=0.01, centered=True, clip_weights=1.5)),
    ("adagrad", "adagrad", dict(learning_rate=0.1, wd=0.01)),
    ("adadelta", "adadelta", dict(learning_rate=1.0, wd=0.01)),
    ("ftrl", "ftrl", dict(learning_rate=0.1, lamda1=0.01, wd=0.01)),
]


def run(rule, opts, w0, grads):
    w, s, out = w0.copy(), {}, []
    for t, g in enumerate(grads, 1):
        w = RULES[rule](w, g, s, t, opts)
        out.append(w.copy())
    return out


def torch_run(make, w0, grads):
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = make([p])
    out = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def check_torch(name, ours, theirs):
    err = max(np.max(np.abs(a - b)) for a, b in zip(ours, theirs))
    assert err < 1e-10, f"{name}: MXNet formula and PyTorch differ by {err}"


def main():
    w0 = rng.normal(size=SHAPE)
    grads = [rng.normal(size=SHAPE) for _ in range(STEPS)]
    o = dict(learning_rate=0.1, momentum=0.9, wd=0.01)
    check_torch("sgd", run("sgd", dict(learning_rate=0.1), w0, grads),
                torch_run(lambda p: torch.optim.SGD(p, lr=0.1), w0, grads))
    check_torch("sgd_mom", run("sgd", o, w0, grads),
                torch_run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01), w0, grads))
    check_torch("nag", run("nag", o, w0, grads),
                torch_run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True), w0, grads))
    # Nadam is the same rule as PyTorch's NAdam, but torch 1.13 (Debian's)
    # multiplies mu into mu_product_next twice, so it is not compared here.
    check_torch("adadelta", run("adadelta", dict(learning_rate=1.0, rho=0.9, epsilon=1e-5), w0, grads),
                torch_run(lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-5), w0, grads))
    cases = []
    for name, rule, opts in CASES:
        cases.append(dict(name=name, optimizer=rule, opts=opts, shape=list(SHAPE),
                          weight=w0.ravel().tolist(), grads=[g.ravel().tolist() for g in grads],
                          weights=[w.ravel().tolist() for w in run(rule, opts, w0, grads)]))
    with open("golden_optim.json", "w") as f:
        json.dump(cases, f, indent=None)
        f.write("\n")


if __name__ == "__main__":
    main()
