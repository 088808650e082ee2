#!/usr/bin/python3
"""Generate golden_nn.json: reference values for the NN ops (op_conv.go,
op_pool.go, op_norm.go, op_nn.go), computed with PyTorch in float64.

Each case: name, attrs (MXNet spellings), inputs (float32-representable
values), outputs, and grads of sum(out[0] * head) with respect to the
inputs, where head is the LAST input listed (it is not an op input).

Run: /usr/bin/python3 nd/testdata/gen_nn.py > nd/testdata/golden_nn.json
"""
import json
import math

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(20240611)
cases = []


def arr(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32).astype(np.float64)


def enc(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "dtype": "float32", "values": [float("%.7g" % v) for v in a.ravel()]}


def add(name, attrs, inputs, fn, grad_inputs=None, extra_outputs=None):
    """inputs: list of numpy arrays; fn(*tensors) -> tensor or tuple.
    grad_inputs: indices of inputs that get gradients (default all)."""
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = fn(*ts)
    outs = list(out) if isinstance(out, tuple) else [out]
    head = arr(outs[0].shape)
    gi = list(range(len(inputs))) if grad_inputs is None else grad_inputs
    grads = []
    if gi:
        g = torch.autograd.grad((outs[0] * torch.tensor(head)).sum(), [ts[i] for i in gi], allow_unused=True)
        grads = [enc(np.zeros(inputs[i].shape) if x is None else x.detach().numpy()) for i, x in zip(gi, g)]
    c = {
        "name": name,
        "attrs": attrs,
        "inputs": [enc(x) for x in inputs] + [enc(head)],
        "outputs": [enc(o.detach().numpy()) for o in outs] + [enc(x) for x in (extra_outputs or [])],
    }
    if grads:
        c["grads"] = grads
    cases.append(c)


# ---- convolution ----
def conv_case(name, x, w, bias, stride, pad, dilate, groups):
    nd = x.ndim - 2
    f = [None, F.conv1d, F.conv2d, F.conv3d][nd]
    attrs = {"kernel": list(w.shape[2:]), "stride": stride, "pad": pad, "dilate": dilate,
             "num_filter": w.shape[0], "num_group": groups, "no_bias": not bias}
    ins = [x, w] + ([arr(w.shape[0])] if bias else [])
    add(name, attrs, ins, lambda *t: f(t[0], t[1], t[2] if bias else None, stride, pad, dilate, groups))


conv_case("conv1d", arr((2, 3, 9)), arr((4, 3, 3)), True, [2], [1], [2], 1)
conv_case("conv2d_group", arr((2, 4, 7, 6)), arr((6, 2, 3, 2)), True, [2, 1], [1, 0], [1, 2], 2)
conv_case("conv2d_1x1", arr((2, 5, 4, 3)), arr((7, 5, 1, 1)), False, [1, 1], [0, 0], [1, 1], 1)
conv_case("conv2d_depthwise", arr((2, 3, 6, 5)), arr((6, 1, 3, 3)), True, [2, 2], [1, 1], [1, 1], 3)
conv_case("conv2d_depthwise_dil", arr((1, 4, 7, 7)), arr((4, 1, 3, 2)), False, [1, 2], [2, 1], [2, 1], 4)
conv_case("conv2d_odd", arr((3, 2, 5, 8)), arr((5, 2, 2, 3)), True, [3, 2], [2, 1], [1, 1], 1)
conv_case("conv3d", arr((1, 2, 5, 4, 6)), arr((3, 2, 2, 3, 2)), True, [1, 2, 2], [1, 0, 1], [1, 1, 2], 1)


def deconv_case(name, x, w, bias, stride, pad, adj, dilate, groups, target=None):
    nd = x.ndim - 2
    f = [None, F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][nd]
    attrs = {"kernel": list(w.shape[2:]), "stride": stride, "pad": pad, "adj": adj, "dilate": dilate,
             "num_filter": w.shape[1] * groups, "num_group": groups, "no_bias": not bias}
    tpad, tadj = pad, adj
    if target is not None:
        attrs = dict(attrs, target_shape=target, pad=[0] * nd, adj=[0] * nd)
        tpad, tadj = [], []
        for i in range(nd):
            total = stride[i] * (x.shape[2 + i] - 1) + dilate[i] * (w.shape[2 + i] - 1) + 1 - target[i]
            tpad.append((total + 1) // 2)
            tadj.append(total % 2)
    ins = [x, w] + ([arr(w.shape[1] * groups)] if bias else [])
    add(name, attrs, ins, lambda *t: f(t[0], t[1], t[2] if bias else None, stride, tpad, tadj, groups, dilate))


deconv_case("deconv2d", arr((2, 4, 3, 4)), arr((4, 3, 3, 3)), True, [2, 2], [1, 1], [1, 0], [1, 1], 1)
deconv_case("deconv2d_group", arr((1, 4, 3, 3)), arr((4, 2, 2, 3)), False, [2, 3], [0, 1], [1, 2], [2, 1], 2)
deconv_case("deconv1d", arr((2, 3, 5)), arr((3, 2, 4)), True, [3], [2], [2], [1], 1)
deconv_case("deconv3d", arr((1, 2, 2, 3, 2)), arr((2, 2, 2, 2, 3)), True, [2, 1, 2], [0, 1, 1], [1, 0, 0], [1, 1, 1], 1)
deconv_case("deconv2d_target", arr((1, 2, 4, 4)), arr((2, 3, 3, 3)), False, [2, 2], None, None, [1, 1], 1, target=[8, 7])


# ---- pooling ----
def pool_case(name, x, ptype, kernel, stride, pad, full=False, include_pad=True, glob=False, p=2):
    nd = x.ndim - 2
    attrs = {"pool_type": ptype, "kernel": kernel, "stride": stride, "pad": pad,
             "pooling_convention": "full" if full else "valid", "count_include_pad": include_pad,
             "global_pool": glob, "p_value": p}
    if glob:
        kernel, stride, pad = list(x.shape[2:]), [1] * nd, [0] * nd

    def f(t):
        if ptype == "max":
            return [None, F.max_pool1d, F.max_pool2d, F.max_pool3d][nd](t, kernel, stride, pad, ceil_mode=full)
        if ptype in ("avg", "sum"):
            y = [None, F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][nd](t, kernel, stride, pad, ceil_mode=full,
                                                                     count_include_pad=include_pad)
            return y * float(np.prod(kernel)) if ptype == "sum" else y
        # lp: (sum |x|^p)^(1/p) over the window
        if nd == 1:
            return F.lp_pool1d(t, p, kernel[0], stride[0], ceil_mode=full)
        return F.lp_pool2d(t, p, kernel, stride, ceil_mode=full)
    add(name, attrs, [x], f)


pool_case("maxpool2d", arr((2, 3, 7, 6)), "max", [3, 2], [2, 2], [1, 0])
pool_case("maxpool2d_full", arr((1, 2, 6, 7)), "max", [3, 3], [2, 2], [0, 1], full=True)
pool_case("avgpool2d_incl", arr((2, 2, 5, 6)), "avg", [3, 3], [2, 2], [1, 1])
pool_case("avgpool2d_excl", arr((2, 2, 5, 6)), "avg", [3, 3], [2, 2], [1, 1], include_pad=False)
pool_case("avgpool2d_full_excl", arr((1, 2, 6, 7)), "avg", [2, 3], [2, 2], [1, 1], full=True, include_pad=False)
pool_case("sumpool2d", arr((1, 3, 4, 5)), "sum", [2, 2], [1, 2], [0, 0])
pool_case("maxpool1d", arr((2, 3, 9)), "max", [3], [2], [1])
pool_case("avgpool1d", arr((2, 2, 8)), "avg", [4], [3], [2])
pool_case("maxpool3d", arr((1, 2, 4, 5, 4)), "max", [2, 3, 2], [2, 1, 2], [0, 1, 1])
pool_case("avgpool3d", arr((1, 2, 4, 4, 5)), "avg", [2, 2, 3], [2, 2, 1], [1, 0, 1], include_pad=False)
pool_case("globalmax2d", arr((2, 3, 4, 5)), "max", [1, 1], [1, 1], [0, 0], glob=True)
pool_case("globalavg2d", arr((2, 3, 4, 5)), "avg", [1, 1], [1, 1], [0, 0], glob=True)
pool_case("lppool2d", arr((1, 2, 5, 6), 0.2, 1.0), "lp", [2, 3], [2, 2], [0, 0], p=2)
pool_case("lppool1d_p3", arr((2, 2, 7), 0.2, 1.0), "lp", [3], [2], [0], p=3)


# ---- normalization ----
def bn_train(name, x, eps, momentum, axis=1):
    C = x.shape[axis]
    gamma, beta = arr(C, 0.5, 1.5), arr(C)
    mm, mv = arr(C), arr(C, 0.5, 1.5)
    red = tuple(i for i in range(x.ndim) if i != axis)
    mean, var = x.mean(axis=red), x.var(axis=red)
    shape = [1] * x.ndim
    shape[axis] = C

    def f(t, g, b, m_, v_):
        mu = t.mean(dim=red, keepdim=True)
        va = ((t - mu) ** 2).mean(dim=red, keepdim=True)
        return (t - mu) / torch.sqrt(va + eps) * g.reshape(shape) + b.reshape(shape)
    add(name, {"eps": eps, "momentum": momentum, "fix_gamma": False, "axis": axis, "__is_train__": True},
        [x, gamma, beta, mm, mv], f, grad_inputs=[0, 1, 2],
        extra_outputs=[mean, var, mm * momentum + mean * (1 - momentum), mv * momentum + var * (1 - momentum)])


bn_train("batchnorm_train", arr((4, 3, 3, 2)), 1e-3, 0.9)
bn_train("batchnorm_train_axis-1", arr((5, 2, 4)), 1e-5, 0.8, axis=2)


def bn_infer(name, x, eps):
    C = x.shape[1]
    gamma, beta, mm, mv = arr(C, 0.5, 1.5), arr(C), arr(C), arr(C, 0.5, 1.5)
    add(name, {"eps": eps, "fix_gamma": False, "use_global_stats": True},
        [x, gamma, beta, mm, mv],
        lambda t, g, b, m_, v_: F.batch_norm(t, m_.detach(), v_.detach(), g, b, False, 0.0, eps), grad_inputs=[0, 1, 2])


bn_infer("batchnorm_global", arr((3, 4, 2, 3)), 1e-3)


def ln_case(name, x, eps):
    D = x.shape[-1]
    g, b = arr(D, 0.5, 1.5), arr(D)
    add(name, {"axis": -1, "eps": eps}, [x, g, b], lambda t, g_, b_: F.layer_norm(t, (D,), g_, b_, eps))


ln_case("layernorm", arr((3, 4, 5)), 1e-5)


def gn_case(name, x, groups, eps):
    C = x.shape[1]
    g, b = arr(C, 0.5, 1.5), arr(C)
    add(name, {"num_groups": groups, "eps": eps}, [x, g, b], lambda t, g_, b_: F.group_norm(t, groups, g_, b_, eps))


gn_case("groupnorm", arr((2, 6, 3, 2)), 3, 1e-5)


def in_case(name, x, eps):
    C = x.shape[1]
    g, b = arr(C, 0.5, 1.5), arr(C)
    add(name, {"eps": eps}, [x, g, b], lambda t, g_, b_: F.instance_norm(t, weight=g_, bias=b_, eps=eps))


in_case("instancenorm", arr((2, 3, 4, 3)), 1e-3)

# ---- activations ----
xa = arr((2, 3, 4), -3, 3)
add("act_relu", {"act_type": "relu"}, [xa], F.relu)
add("act_sigmoid", {"act_type": "sigmoid"}, [xa], torch.sigmoid)
add("act_tanh", {"act_type": "tanh"}, [xa], torch.tanh)
add("act_softrelu", {"act_type": "softrelu"}, [xa], F.softplus)
add("act_softsign", {"act_type": "softsign"}, [xa], F.softsign)
add("leaky_leaky", {"act_type": "leaky", "slope": 0.1}, [xa], lambda t: F.leaky_relu(t, 0.1))
add("leaky_elu", {"act_type": "elu", "slope": 0.7}, [xa], lambda t: F.elu(t, 0.7))
add("leaky_selu", {"act_type": "selu"}, [xa], F.selu)
add("leaky_gelu", {"act_type": "gelu"}, [xa], F.gelu)
xp = arr((2, 3, 2, 2), -2, 2)
add("leaky_prelu", {"act_type": "prelu"}, [xp, arr(3, 0.1, 0.5)], lambda t, g: F.prelu(t, g))
xs = arr((2, 3, 4), -2, 2)
add("softmax_act_instance", {"mode": "instance"}, [xs], lambda t: F.softmax(t.reshape(2, -1), dim=1).reshape(2, 3, 4))
add("softmax_act_channel", {"mode": "channel"}, [xs], lambda t: F.softmax(t, dim=1))

# ---- embedding, upsampling ----
idx = np.array([[1, 0, 3], [3, 2, 2]], dtype=np.float64)
wt = arr((4, 5))
add("embedding", {"input_dim": 4, "output_dim": 5}, [idx, wt],
    lambda i, w: F.embedding(i.detach().long(), w), grad_inputs=[1])
add("upsampling_nearest", {"scale": 2, "sample_type": "nearest"}, [arr((1, 2, 2, 3))],
    lambda t: F.interpolate(t, scale_factor=2, mode="nearest"))

print(json.dumps(cases, separators=(",", ":")))
