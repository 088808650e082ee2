#!/usr/bin/python3
"""Generate golden_loss.json for package loss: forward values of each loss
from PyTorch's functional losses (NumPy where PyTorch has no match), per
sample as Gluon defines them, and PyTorch's gradient for CTC.

Run from this directory: /usr/bin/python3 gen_loss.py
"""
import json

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(11)
cases = []


def arr(x, dtype="float64"):
    x = np.asarray(x, dtype=np.float64)
    return dict(shape=list(x.shape), dtype=dtype, values=x.ravel().tolist())


def add(name, inputs, out, attrs=None, grads=None):
    c = dict(name=name, attrs=attrs or {}, inputs=[arr(i) for i in inputs], outputs=[arr(out)])
    if grads is not None:
        c["grads"] = [arr(g) for g in grads]
    cases.append(c)


def t(x):
    return torch.tensor(np.asarray(x, dtype=np.float64))


def mean_batch(l, axis=0):
    axes = tuple(i for i in range(l.ndim) if i != axis)
    return l.mean(axis=axes) if axes else l


pred = rng.normal(size=(3, 4))
label = rng.normal(size=(3, 4))
sw = rng.uniform(0.5, 1.5, size=(3, 1))
add("l2", [pred, label], mean_batch(0.5 * F.mse_loss(t(pred), t(label), reduction="none").numpy()))
add("l2_weighted", [pred, label, sw], mean_batch(2 * 0.5 * F.mse_loss(t(pred), t(label), reduction="none").numpy() * sw), dict(weight=2))
add("l2_batch_axis1", [pred, label], mean_batch(0.5 * (pred - label) ** 2, axis=1), dict(batch_axis=1))
add("l1", [pred, label], mean_batch(F.l1_loss(t(pred), t(label), reduction="none").numpy()))
add("l1_weighted", [pred, label, sw], mean_batch(0.5 * np.abs(pred - label) * sw), dict(weight=0.5))
add("huber", [pred, label], mean_batch(F.smooth_l1_loss(t(pred), t(label), reduction="none", beta=0.5).numpy()), dict(rho=0.5))
add("huber_rho2", [pred, label], mean_batch(F.smooth_l1_loss(t(pred), t(label), reduction="none", beta=2.0).numpy()), dict(rho=2.0))
signs = np.sign(rng.normal(size=(3, 4)))
add("hinge", [pred, signs], mean_batch(np.maximum(0, 1 - pred * signs)))
add("squared_hinge", [pred, signs], mean_batch(np.maximum(0, 0.5 - pred * signs) ** 2), dict(margin=0.5))
add("logistic_signed", [pred, signs], mean_batch(F.soft_margin_loss(t(pred), t(signs), reduction="none").numpy()))
bin01 = (signs + 1) / 2
big = pred * 60  # stable for large logits
add("logistic_binary", [big, bin01], mean_batch(F.binary_cross_entropy_with_logits(t(big), t(bin01), reduction="none").numpy()), dict(label_format="binary"))

logits = rng.normal(size=(4, 5)) * 3
logits[0, 1] = 120.0  # stability: huge logits
logits[1, 2] = -150.0
sparse = np.array([1, 0, 4, 2], dtype=np.float64)
add("sce_sparse", [logits, sparse], F.cross_entropy(t(logits), torch.tensor(sparse.astype(np.int64)), reduction="none").numpy())
dense = rng.uniform(size=(4, 5))
dense /= dense.sum(axis=1, keepdims=True)
add("sce_dense", [logits, dense], -(dense * F.log_softmax(t(logits), dim=-1).numpy()).sum(axis=1), dict(sparse_label=False))
logp = F.log_softmax(t(logits), dim=-1).numpy()
sw4 = rng.uniform(0.5, 1.5, size=(4, 1))
add("sce_from_logits_weighted", [logp, sparse, sw4], -logp[np.arange(4), sparse.astype(int)] * sw4[:, 0], dict(from_logits=True))
x3 = rng.normal(size=(2, 3, 4))
lab3 = rng.integers(0, 3, size=(2, 4)).astype(np.float64)
add("sce_axis1", [x3, lab3], F.cross_entropy(t(x3), torch.tensor(lab3.astype(np.int64)), reduction="none").numpy().mean(axis=1), dict(axis=1))

z = rng.normal(size=(3, 4)) * 4
z[0, 0] = 80.0
z[1, 1] = -80.0
y = rng.integers(0, 2, size=(3, 4)).astype(np.float64)
posw = rng.uniform(0.5, 3, size=(4,))
add("sbce", [z, y], mean_batch(F.binary_cross_entropy_with_logits(t(z), t(y), reduction="none").numpy()))
add("sbce_pos_weight", [z, y, posw], mean_batch(F.binary_cross_entropy_with_logits(t(z), t(y), reduction="none", pos_weight=t(posw)).numpy()))
p = 1 / (1 + np.exp(-rng.normal(size=(3, 4))))
add("sbce_from_sigmoid", [p, y], mean_batch(F.binary_cross_entropy(t(p), t(y), reduction="none").numpy()), dict(from_sigmoid=True))
add("sbce_from_sigmoid_pos_weight", [p, y, posw], mean_batch(-(np.log(p + 1e-12) * y * posw + np.log(1 - p + 1e-12) * (1 - y))), dict(from_sigmoid=True))

q = rng.uniform(0.05, 1, size=(3, 4))
q /= q.sum(axis=1, keepdims=True)
add("kldiv", [F.log_softmax(t(pred), dim=-1).numpy(), q],
    mean_batch(F.kl_div(F.log_softmax(t(pred), dim=-1), t(q), reduction="none").numpy()))
add("kldiv_not_from_logits", [pred, q], mean_batch(F.kl_div(F.log_softmax(t(pred), dim=-1), t(q), reduction="none").numpy()), dict(from_logits=False))

target = np.array([[0, 1, 3, 5], [2, 0, 7, 1], [1, 4, 0, 2]], dtype=np.float64)
add("poisson", [pred, target], mean_batch(F.poisson_nll_loss(t(pred), t(target), log_input=True, reduction="none").numpy()))
add("poisson_full", [pred, target], mean_batch(F.poisson_nll_loss(t(pred), t(target), log_input=True, full=True, reduction="none").numpy()), dict(compute_full=True))
lam = np.exp(pred)
add("poisson_not_from_logits", [lam, target], mean_batch(F.poisson_nll_loss(t(lam), t(target), log_input=False, eps=1e-8, reduction="none").numpy()), dict(from_logits=False))

# CTC: pred (N, T, C) activations, blank = C-1, labels padded with -1.
N, T, C = 3, 6, 5
act = rng.normal(size=(N, T, C))
labels = np.array([[0, 1, 1], [2, 3, -1], [3, -1, -1]], dtype=np.float64)
lens = np.array([3, 2, 1])
a = t(act).requires_grad_()
lp = F.log_softmax(a, dim=-1).transpose(0, 1)  # (T, N, C)
tgt = torch.tensor(np.where(labels < 0, 0, labels).astype(np.int64))
loss = F.ctc_loss(lp, tgt, torch.full((N,), T, dtype=torch.long), torch.tensor(lens), blank=C - 1, reduction="none", zero_infinity=False)
loss.sum().backward()
add("ctc", [act, labels], loss.detach().numpy(), grads=[a.grad.numpy()])
a2 = t(act).requires_grad_()
in_lens = np.array([6, 4, 3])
lp2 = F.log_softmax(a2, dim=-1).transpose(0, 1)
loss2 = F.ctc_loss(lp2, tgt, torch.tensor(in_lens), torch.tensor(lens), blank=C - 1, reduction="none")
loss2.sum().backward()
add("ctc_lengths", [act, labels, in_lens, lens], loss2.detach().numpy(), grads=[a2.grad.numpy()])

anc, pos, neg = rng.normal(size=(3, 2, 3)), rng.normal(size=(3, 2, 3)), rng.normal(size=(3, 2, 3))
d = ((pos - anc) ** 2 - (neg - anc) ** 2).sum(axis=(1, 2))
add("triplet", [anc, pos, neg], np.maximum(0, d + 0.5), dict(margin=0.5))
x1, x2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
cl = np.array([1, -1, -1, 1], dtype=np.float64)
add("cosine", [x1, x2, cl], F.cosine_embedding_loss(t(x1), t(x2), t(cl), margin=0.2, reduction="none").numpy(), dict(margin=0.2))

with open("golden_loss.json", "w") as f:
    json.dump(cases, f)
    f.write("\n")
