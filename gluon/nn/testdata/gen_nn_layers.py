#!/usr/bin/python3
"""Generate golden_nn_layers.json: forward outputs and gradients of the
gluon/nn layers computed with PyTorch (float64 from float32 inputs).

Each case: inputs = [x, param...] (param names in attrs["params"], as Gluon
structural names), outputs = [y, extra...], grads[i] = d sum(y*w)/d inputs[i]
with w[k] = 0.5 + ((k*7919) % 13)/13 (null when not differentiable).

Run: /usr/bin/python3 gluon/nn/testdata/gen_nn_layers.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(7)
cases = []


def rnd(*shape, lo=-1.0, hi=1.0):
    x = torch.rand(*shape, dtype=torch.float32) * (hi - lo) + lo
    return x.to(torch.float64)


def head(y):
    k = torch.arange(y.numel(), dtype=torch.float64)
    return (0.5 + ((k * 7919) % 13) / 13).reshape(y.shape)


def arr(t):
    if t is None:
        return {"shape": None, "dtype": "float64", "values": None}
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "dtype": "float64", "values": [float(f"{v:.8g}") for v in t.reshape(-1).tolist()]}


def case(name, fn, x, params=(), names=(), diff_x=True, extra=None, attrs=None):
    ins = [x] + list(params)
    for i, t in enumerate(ins):
        if i > 0 or diff_x:
            t.requires_grad_(True)
    y = fn(x, *params)
    (y * head(y)).sum().backward()
    grads = [t.grad if t.requires_grad else None for t in ins]
    a = {"params": list(names)}
    a.update(attrs or {})
    outs = [y] + list(extra or [])
    cases.append({"name": name, "attrs": a, "inputs": [arr(t) for t in ins],
                  "outputs": [arr(t) for t in outs], "grads": [arr(g) for g in grads]})


# Dense
case("dense_relu", lambda x, w, b: F.relu(F.linear(x.flatten(1), w, b)),
     rnd(2, 3, 2), [rnd(4, 6), rnd(4)], ["weight", "bias"])
case("dense_noflatten_nobias", lambda x, w: F.linear(x, w),
     rnd(2, 2, 5), [rnd(3, 5)], ["weight"])

# Convolutions
case("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
     rnd(2, 3, 9), [rnd(4, 3, 3), rnd(4)], ["weight", "bias"])
case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
     rnd(2, 4, 7, 6), [rnd(4, 2, 3, 2), rnd(4)], ["weight", "bias"])
case("conv2d_relu", lambda x, w, b: F.relu(F.conv2d(x, w, b)),
     rnd(1, 2, 5, 5), [rnd(3, 2, 3, 3), rnd(3)], ["weight", "bias"])
case("conv3d", lambda x, w, b: F.conv3d(x, w, b, padding=1),
     rnd(1, 2, 3, 4, 3), [rnd(2, 2, 2, 2, 2), rnd(2)], ["weight", "bias"])
case("conv1d_transpose", lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
     rnd(2, 2, 5), [rnd(2, 3, 3), rnd(3)], ["weight", "bias"])
case("conv2d_transpose", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2),
     rnd(1, 4, 3, 4), [rnd(4, 2, 3, 3), rnd(4)], ["weight", "bias"])
case("conv3d_transpose", lambda x, w: F.conv_transpose3d(x, w, stride=2),
     rnd(1, 2, 2, 3, 2), [rnd(2, 2, 2, 2, 2)], ["weight"])

# Pooling
case("maxpool1d", lambda x: F.max_pool1d(x, 3, 2, 1), rnd(2, 3, 9))
case("maxpool2d", lambda x: F.max_pool2d(x, 2), rnd(2, 2, 5, 6))
case("maxpool2d_ceil", lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True), rnd(1, 2, 6, 7))
case("maxpool3d", lambda x: F.max_pool3d(x, 2), rnd(1, 2, 4, 4, 4))
case("avgpool1d", lambda x: F.avg_pool1d(x, 3, 1, 1), rnd(2, 2, 6))
case("avgpool2d_nocount", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), rnd(1, 2, 5, 5))
case("avgpool2d_ceil", lambda x: F.avg_pool2d(x, 2, 2, ceil_mode=True), rnd(1, 1, 5, 5))
case("avgpool3d", lambda x: F.avg_pool3d(x, 2), rnd(1, 1, 4, 4, 4))
for d, shape in [(1, (2, 3, 5)), (2, (2, 3, 4, 3)), (3, (1, 2, 3, 2, 3))]:
    dims = tuple(range(2, 2 + d))
    case(f"globalmaxpool{d}d", lambda x, dims=dims: x.amax(dim=dims, keepdim=True), rnd(*shape))
    case(f"globalavgpool{d}d", lambda x, dims=dims: x.mean(dim=dims, keepdim=True), rnd(*shape))


# Normalization. MXNet's running variance uses the biased batch variance
# and momentum m weights the old value: running = m*running + (1-m)*batch.
def bn_case(name, x, train, axis=1):
    c = x.shape[axis]
    gamma, beta = rnd(c, lo=0.5, hi=1.5), rnd(c)
    rm, rv = rnd(c), rnd(c, lo=0.5, hi=2.0)
    red = [d for d in range(x.dim()) if d != axis]
    mean = x.mean(dim=red)
    var = x.var(dim=red, unbiased=False)
    if train:
        new_rm, new_rv = 0.9 * rm + 0.1 * mean, 0.9 * rv + 0.1 * var
    else:
        new_rm, new_rv = rm, rv
    shape = [1] * x.dim()
    shape[axis] = c

    def fn(x, g, b, m, v):
        if train:
            mu = x.mean(dim=red, keepdim=True)
            s2 = ((x - mu) ** 2).mean(dim=red, keepdim=True)
        else:
            mu, s2 = m.reshape(shape), v.reshape(shape)
        return (x - mu) / torch.sqrt(s2 + 1e-5) * g.reshape(shape) + b.reshape(shape)

    params = [gamma, beta, rm.clone(), rv.clone()]
    ins = [x] + params
    for t in ins[:3]:
        t.requires_grad_(True)
    y = fn(*ins)
    (y * head(y)).sum().backward()
    grads = [x.grad, gamma.grad, beta.grad, None, None]
    cases.append({"name": name, "attrs": {"params": ["gamma", "beta", "running_mean", "running_var"], "train": train},
                  "inputs": [arr(t) for t in ins], "outputs": [arr(y), arr(new_rm), arr(new_rv)],
                  "grads": [arr(g) for g in grads]})


bn_case("batchnorm_train", rnd(4, 3, 2, 2), True)
bn_case("batchnorm_predict", rnd(4, 3, 2, 2), False)
bn_case("batchnorm_2d_train", rnd(5, 4), True)
bn_case("batchnorm_axis_last_train", rnd(3, 2, 4), True, axis=2)
case("layernorm", lambda x, g, b: F.layer_norm(x, (4,), g, b, 1e-5),
     rnd(2, 3, 4), [rnd(4, lo=0.5, hi=1.5), rnd(4)], ["gamma", "beta"])


def layernorm_axis1(x, g, b):
    mu = x.mean(dim=1, keepdim=True)
    s2 = ((x - mu) ** 2).mean(dim=1, keepdim=True)
    return (x - mu) / torch.sqrt(s2 + 1e-5) * g.reshape(1, 3, 1) + b.reshape(1, 3, 1)


case("layernorm_axis1", layernorm_axis1, rnd(2, 3, 4), [rnd(3, lo=0.5, hi=1.5), rnd(3)], ["gamma", "beta"])
case("groupnorm", lambda x, g, b: F.group_norm(x, 3, g, b, 1e-5),
     rnd(2, 6, 3, 2), [rnd(6, lo=0.5, hi=1.5), rnd(6)], ["gamma", "beta"])
case("instancenorm", lambda x, g, b: F.instance_norm(x, weight=g, bias=b, eps=1e-5),
     rnd(2, 3, 4, 3), [rnd(3, lo=0.5, hi=1.5), rnd(3)], ["gamma", "beta"])
case("instancenorm_axis2", lambda x, g, b: F.instance_norm(x.transpose(1, 2), weight=g, bias=b, eps=1e-5).transpose(1, 2),
     rnd(2, 4, 3, 5), [rnd(3, lo=0.5, hi=1.5), rnd(3)], ["gamma", "beta"])

# Embedding: indices as floats, not differentiable.
idx = torch.tensor([[0, 4, 2], [2, 1, 3]], dtype=torch.float64)
case("embedding", lambda x, w: F.embedding(x.long(), w), idx, [rnd(5, 4)], ["weight"], diff_x=False)

# Activations on values away from the kinks at 0.
act_x = rnd(2, 3, 4, lo=-2, hi=2)
act_x = torch.where(act_x.abs() < 0.05, act_x + 0.1, act_x)
acts = {
    "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softrelu": F.softplus,
    "softsign": F.softsign, "leakyrelu": lambda x: F.leaky_relu(x, 0.1),
    "elu": F.elu, "elu_alpha": lambda x: F.elu(x, 0.7), "selu": F.selu,
    "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "swish": lambda x: x * torch.sigmoid(1.5 * x), "silu": F.silu,
}
for name, fn in acts.items():
    case("act_" + name, fn, act_x.clone())
case("act_prelu", lambda x, a: F.prelu(x, a), act_x.clone(), [rnd(3, lo=0.1, hi=0.4)], ["alpha"])
case("act_prelu_shared", lambda x, a: F.prelu(x, a), act_x.clone(), [torch.tensor([0.25], dtype=torch.float64)], ["alpha"])

case("flatten", lambda x: x.flatten(1), rnd(2, 3, 2, 2))
case("reflectionpad2d", lambda x: F.pad(x, (2, 2, 2, 2), mode="reflect"), rnd(1, 2, 4, 5))
case("reflectionpad2d_width", lambda x: F.pad(x, (0, 3, 1, 2), mode="reflect"), rnd(1, 2, 4, 5))
case("pixelshuffle2d", lambda x: F.pixel_shuffle(x, 2), rnd(1, 8, 2, 3))
case("pixelshuffle2d_23", lambda x: x.reshape(1, 2, 2, 3, 2, 3).permute(0, 1, 4, 2, 5, 3).reshape(1, 2, 4, 9),
     rnd(1, 12, 2, 3))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_nn_layers.json")
with open(out + ".tmp", "w") as f:
    json.dump(cases, f, separators=(",", ":"))
os.replace(out + ".tmp", out)
print(f"wrote {len(cases)} cases to {out}")
