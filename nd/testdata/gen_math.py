#!/usr/bin/python3
"""Generate golden_math.json: unary math, reductions, sorting and softmax.

Run from nd/testdata: /usr/bin/python3 gen_math.py
Needs PyTorch and NumPy (Debian's python3-torch, python3-numpy).

Each case is {name, attrs, inputs, outputs, grads}. name is "<op>/<case>"
where <op> is the MXNet operator name; attrs use MXNet's spellings.
grads are d sum(out * w)/d input with the fixed head w_k = 0.5 + (k*7919 %
13)/13 over the flattened output (the weights ndtest.CheckGrad uses).
Values must be finite: JSON has no NaN, so NaN cases are tested in Go.
"""
import json
import math

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
cases = []


def head(shape):
    n = int(np.prod(shape)) if len(shape) else 1
    return torch.tensor([0.5 + ((k * 7919) % 13) / 13 for k in range(n)]).reshape(shape)


def arr(t, dtype):
    a = np.asarray(t.detach().numpy() if isinstance(t, torch.Tensor) else t)
    # 12 significant digits keep the file small and float64 cases exact to 1e-11.
    return {"shape": list(a.shape), "dtype": dtype, "values": [float("%.12g" % v) for v in a.reshape(-1)]}


def add(name, attrs, xs, dtype, fn, grad=True, out_dtypes=None):
    """fn maps float64 torch tensors to one tensor or a tuple of tensors."""
    ts = [torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=grad) for x in xs]
    outs = fn(*ts)
    if not isinstance(outs, tuple):
        outs = (outs,)
    out_dtypes = out_dtypes or [dtype] * len(outs)
    case = {
        "name": name,
        "attrs": attrs,
        "inputs": [arr(x, dtype) for x in xs],
        "outputs": [arr(o, t) for o, t in zip(outs, out_dtypes)],
    }
    if grad:
        o = outs[0]
        gs = torch.autograd.grad((o * head(tuple(o.shape))).sum(), ts, allow_unused=True)
        case["grads"] = [arr(g if g is not None else torch.zeros_like(t), dtype) for g, t in zip(gs, ts)]
    cases.append(case)


# Unary ops.
general = np.array([[-2.7, -1.3, -0.4, 0.2, 0.9, 1.6], [2.3, -0.05, 0.6, -3.1, 3.4, 1.1]])
positive = np.array([[0.05, 0.3, 0.9, 1.7, 2.6, 4.2], [7.5, 0.6, 1.1, 3.3, 12.0, 0.01]])
halves = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.2, 1.7])
unary = {
    "exp": (general, torch.exp),
    "log": (positive, torch.log),
    "log1p": (np.array([-0.5, -0.1, 1e-4, 0.3, 2.0, 9.0]), torch.log1p),
    "expm1": (np.array([-3.0, -1e-4, 1e-5, 0.4, 1.2, 2.5]), torch.expm1),
    "sqrt": (positive, torch.sqrt),
    "rsqrt": (positive, torch.rsqrt),
    "square": (general, torch.square),
    "abs": (general, torch.abs),
    "sign": (general, torch.sign),
    "negative": (general, torch.neg),
    "reciprocal": (np.array([-2.5, -0.4, 0.3, 1.0, 4.0, 0.7]), torch.reciprocal),
    "sin": (general, torch.sin),
    "cos": (general, torch.cos),
    "tan": (np.array([-1.2, -0.5, 0.0, 0.3, 0.9, 1.3]), torch.tan),
    "tanh": (general, torch.tanh),
    "sigmoid": (general, torch.sigmoid),
    "relu": (general, torch.relu),
    "softrelu": (np.array([-40.0, -3.0, -0.5, 0.0, 0.7, 5.0, 50.0]), torch.nn.functional.softplus),
    "erf": (general, torch.erf),
    "gelu": (general, lambda x: torch.nn.functional.gelu(x)),
    "floor": (general, torch.floor),
    "ceil": (general, torch.ceil),
    # MXNet rounds halves away from zero (NumPy and PyTorch round to even).
    "round": (halves, lambda x: torch.sign(x) * torch.floor(torch.abs(x) + 0.5)),
}
for name, (x, fn) in unary.items():
    for dtype in ("float32", "float64"):
        add(f"{name}/{dtype}", {}, [x], dtype, fn)
add("clip/basic", {"a_min": -1.0, "a_max": 2.0}, [np.array([-2.0, -1.0, -0.3, 0.5, 2.0, 3.5])], "float32",
    lambda x: torch.clamp(x, -1.0, 2.0))
add("relu/scalar", {}, [np.array(-1.5)], "float32", torch.relu)
add("exp/empty", {}, [np.zeros((0, 3))], "float32", torch.exp)

# Reductions. x has distinct values; xt has ties for max/min.
rng = np.random.default_rng(7)
x = np.round(rng.uniform(-2, 2, size=(2, 3, 4)), 3)
xp = np.round(rng.uniform(0.5, 1.5, size=(2, 3, 4)), 3)
xt = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.5, 2.0], [-4.0, 0.0, -4.0, 1.0]])


def dims(axis, ndim, exclude=False):
    if axis is None or len(axis) == 0:
        return list(range(ndim))
    a = [d % ndim for d in axis]
    if exclude:
        a = [d for d in range(ndim) if d not in a]
    return a


def torch_reduce(kind, axis, keepdims, exclude=False):
    def f(t):
        d = dims(axis, t.dim(), exclude)
        if kind == "sum":
            return t.sum(dim=d, keepdim=keepdims) if d else t.clone()
        if kind == "mean":
            return t.mean(dim=d, keepdim=keepdims)
        if kind == "prod":
            out = t
            for ax in sorted(d, reverse=True):
                out = out.prod(dim=ax, keepdim=keepdims)
            return out
        if kind == "max":
            return t.amax(dim=d, keepdim=keepdims)
        if kind == "min":
            return t.amin(dim=d, keepdim=keepdims)
        raise ValueError(kind)
    return f


reduce_cases = [
    ("all", [], False, False),
    ("axis1", [1], False, False),
    ("axes02", [0, 2], False, False),
    ("neg_keep", [-1], True, False),
    ("all_keep", [], True, False),
    ("exclude1", [1], False, True),
    ("axis0", [0], False, False),
]
for kind in ("sum", "mean", "prod", "max", "min"):
    data = xp if kind == "prod" else x
    for cname, axis, keep, excl in reduce_cases:
        attrs = {"axis": axis, "keepdims": keep}
        if excl:
            attrs["exclude"] = True
        add(f"{kind}/{cname}", attrs, [data], "float32", torch_reduce(kind, axis, keep, excl))
    add(f"{kind}/float64", {"axis": [1]}, [data], "float64", torch_reduce(kind, [1], False))
for kind in ("max", "min"):
    add(f"{kind}/ties", {"axis": [1]}, [xt], "float32", torch_reduce(kind, [1], False))
    add(f"{kind}/ties_all", {}, [xt], "float32", torch_reduce(kind, [], False))
add("sum/empty_axis", {"axis": [1]}, [np.zeros((2, 0, 3))], "float32", torch_reduce("sum", [1], False))
add("prod/empty_axis", {"axis": [1]}, [np.zeros((2, 0, 3))], "float32", torch_reduce("prod", [1], False), grad=False)
add("sum/scalar", {}, [np.array(2.5)], "float32", torch_reduce("sum", [], False))
add("sum/int32", {"axis": [0]}, [np.array([[1, -2, 3], [40, 50, -60]])], "int32", torch_reduce("sum", [0], False), grad=False)
add("max/int64", {"axis": [1]}, [np.array([[1, -2, 3], [40, 50, -60]])], "int64", torch_reduce("max", [1], False), grad=False)
add("mean/int32", {"axis": [1]}, [np.array([[1, 2, 4], [7, 9, 11]])], "int32",
    lambda t: torch.div(t.sum(dim=1), 3, rounding_mode="trunc"), grad=False)

for ordv in (1, 2):
    for cname, axis, keep in (("all", [], False), ("axis1", [1], False), ("axes_keep", [0, -1], True)):
        add(f"norm/ord{ordv}_{cname}", {"ord": ordv, "axis": axis, "keepdims": keep}, [x], "float32",
            lambda t, o=ordv, a=axis, k=keep: torch.linalg.vector_norm(t, ord=o, dim=dims(a, t.dim()), keepdim=k))

for kind, fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    add(f"{kind}/flat", {}, [x], "float32", lambda t, f=fn: torch.tensor(float(f(t.detach().numpy()))), grad=False)
    for ax in (0, 1, -1):
        add(f"{kind}/axis{ax}", {"axis": ax}, [x], "float32",
            lambda t, f=fn, a=ax: torch.tensor(f(t.detach().numpy(), axis=a).astype(np.float64)), grad=False)
    add(f"{kind}/keep", {"axis": 1, "keepdims": True}, [x], "float32",
        lambda t, f=fn: torch.tensor(np.expand_dims(f(t.detach().numpy(), axis=1), 1).astype(np.float64)), grad=False)
    add(f"{kind}/ties", {"axis": 1}, [xt], "float32",
        lambda t, f=fn: torch.tensor(f(t.detach().numpy(), axis=1).astype(np.float64)), grad=False)
    add(f"{kind}/int32", {"axis": 1}, [np.array([[3, 9, -1], [7, 7, 8]])], "int32",
        lambda t, f=fn: torch.tensor(f(t.detach().numpy(), axis=1).astype(np.float64)), grad=False)

# Sorting (distinct values: tie order is tested in Go).
s = np.round(rng.permutation(15).reshape(3, 5) * 0.7 - 4.0, 3)
for ax in (-1, 0):
    for asc in (True, False):
        tag = f"axis{ax}_{'asc' if asc else 'desc'}"
        add(f"sort/{tag}", {"axis": ax, "is_ascend": asc}, [s], "float32",
            lambda t, a=ax, d=not asc: torch.sort(t, dim=a, descending=d)[0])
        add(f"argsort/{tag}", {"axis": ax, "is_ascend": asc}, [s], "float32",
            lambda t, a=ax, d=not asc: torch.sort(t, dim=a, descending=d)[1].double(), grad=False)
for ax in (-1, 0):
    for asc in (False, True):
        tag = f"axis{ax}_{'asc' if asc else 'desc'}"
        attrs = {"axis": ax, "k": 2, "is_ascend": asc}
        add(f"topk/value_{tag}", dict(attrs, ret_typ="value"), [s], "float32",
            lambda t, a=ax, l=not asc: torch.topk(t, 2, dim=a, largest=l)[0])
        add(f"topk/indices_{tag}", dict(attrs, ret_typ="indices"), [s], "float32",
            lambda t, a=ax, l=not asc: torch.topk(t, 2, dim=a, largest=l)[1].double(), grad=False)
        add(f"topk/both_{tag}", dict(attrs, ret_typ="both"), [s], "float32",
            lambda t, a=ax, l=not asc: (lambda r: (r[0], r[1].double()))(torch.topk(t, 2, dim=a, largest=l)))


def topk_mask(t, k, ax, largest):
    idx = torch.topk(t, k, dim=ax, largest=largest)[1]
    return torch.zeros_like(t).scatter(ax, idx, 1.0)


add("topk/mask", {"axis": -1, "k": 3, "ret_typ": "mask"}, [s], "float32",
    lambda t: topk_mask(t.detach(), 3, -1, True), grad=False)
add("topk/default", {}, [s], "float32", lambda t: torch.topk(t, 1, dim=-1)[1].double(), grad=False)

# softmax and log_softmax.
z = np.round(rng.normal(size=(3, 5)) * 2, 3)
z3 = np.round(rng.normal(size=(2, 3, 4)), 3)
big = np.array([[1000.0, 1001.0, 999.0, -1000.0], [-50.0, 30.0, 0.0, 80.0]])
for name, fn in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
    add(f"{name}/last", {}, [z], "float32", lambda t, f=fn: f(t, dim=-1))
    add(f"{name}/axis0", {"axis": 0}, [z], "float32", lambda t, f=fn: f(t, dim=0))
    add(f"{name}/axis1_3d", {"axis": 1}, [z3], "float32", lambda t, f=fn: f(t, dim=1))
    add(f"{name}/temp2", {"axis": -1, "temperature": 2.0}, [z], "float32", lambda t, f=fn: f(t / 2.0, dim=-1))
    add(f"{name}/large", {}, [big], "float32", lambda t, f=fn: f(t, dim=-1))
    add(f"{name}/float64", {}, [z], "float64", lambda t, f=fn: f(t, dim=-1))

with open("golden_math.json", "w") as f:
    json.dump(cases, f, separators=(",", ":"))
print(len(cases), "cases")
