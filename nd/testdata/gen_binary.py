#!/usr/bin/python3
"""Generate golden_binary.json: broadcast binary ops, scalar ops, comparisons,
broadcast_to, _sum_to and Cast, with NumPy as the reference.

Run from nd/testdata: /usr/bin/python3 gen_binary.py

Each case is {name, attrs, inputs, outputs}: name is "<op>/<case>" with the
MXNet operator name; gradients are checked in Go against finite differences.
"""
import json

import numpy as np

rng = np.random.default_rng(7)
cases = []


def arr(a, dtype):
    a = np.asarray(a)
    return {"shape": list(a.shape), "dtype": dtype, "values": [float("%.12g" % v) for v in a.reshape(-1)]}


def add(name, attrs, xs, out, dtype="float64", out_dtype=None):
    cases.append({"name": name, "attrs": attrs, "inputs": [arr(x, dtype) for x in xs],
                  "outputs": [arr(out, out_dtype or dtype)]})


def pymod(a, b):
    return np.mod(a, b)  # NumPy's mod has the divisor's sign, like MXNet


shapes = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((2, 1, 3), (4, 1)), ((), (2, 2)), ((0, 3), (3,)), ((3,), ())]
binary = {
    "broadcast_add": np.add, "broadcast_sub": np.subtract, "broadcast_mul": np.multiply,
    "broadcast_div": np.divide, "broadcast_maximum": np.maximum, "broadcast_minimum": np.minimum,
    "broadcast_power": np.power, "broadcast_mod": pymod,
}
for op, f in binary.items():
    for i, (sa, sb) in enumerate(shapes):
        a = rng.uniform(0.5, 2.0, sa)
        b = rng.uniform(0.5, 2.0, sb)
        if op in ("broadcast_sub", "broadcast_add", "broadcast_mul", "broadcast_mod", "broadcast_maximum", "broadcast_minimum"):
            a = a * np.where(rng.uniform(size=sa) < 0.5, -1, 1)
        add("%s/%d" % (op, i), {}, [a, b], f(a, b))

cmp = {
    "broadcast_equal": np.equal, "broadcast_not_equal": np.not_equal, "broadcast_greater": np.greater,
    "broadcast_greater_equal": np.greater_equal, "broadcast_lesser": np.less, "broadcast_lesser_equal": np.less_equal,
    "broadcast_logical_and": np.logical_and, "broadcast_logical_or": np.logical_or, "broadcast_logical_xor": np.logical_xor,
}
for op, f in cmp.items():
    a = rng.integers(-1, 2, (3, 4)).astype(np.float64)
    b = rng.integers(-1, 2, (4,)).astype(np.float64)
    add(op + "/f32", {}, [a, b], f(a, b).astype(np.float64), "float32")
    add(op + "/i32", {}, [a, b], f(a, b).astype(np.float64), "int32")

scalar = {
    "_plus_scalar": lambda x, s: x + s, "_minus_scalar": lambda x, s: x - s, "_rminus_scalar": lambda x, s: s - x,
    "_mul_scalar": lambda x, s: x * s, "_div_scalar": lambda x, s: x / s, "_rdiv_scalar": lambda x, s: s / x,
    "_power_scalar": lambda x, s: np.power(x, s), "_rpower_scalar": lambda x, s: np.power(s, x),
    "_mod_scalar": lambda x, s: np.mod(x, s), "_rmod_scalar": lambda x, s: np.mod(s, x),
    "_maximum_scalar": np.maximum, "_minimum_scalar": np.minimum,
    "_equal_scalar": lambda x, s: (x == s).astype(np.float64), "_not_equal_scalar": lambda x, s: (x != s).astype(np.float64),
    "_greater_scalar": lambda x, s: (x > s).astype(np.float64), "_greater_equal_scalar": lambda x, s: (x >= s).astype(np.float64),
    "_lesser_scalar": lambda x, s: (x < s).astype(np.float64), "_lesser_equal_scalar": lambda x, s: (x <= s).astype(np.float64),
}
for op, f in scalar.items():
    x = rng.uniform(0.5, 2.5, (2, 5))
    x[0, 0] = 1.5
    s = 1.5
    add(op + "/f64", {"scalar": s}, [x], f(x, s))
    add(op + "/f32", {"scalar": s}, [x], f(x.astype(np.float32), np.float32(s)).astype(np.float64), "float32")
    xi = np.array([[-3, -1, 0, 2, 5]], dtype=np.float64)
    if op not in ("_rpower_scalar", "_rmod_scalar", "_div_scalar", "_rdiv_scalar", "_power_scalar"):
        add(op + "/i64", {"scalar": 2}, [xi], f(xi, 2.0), "int64")

for i, (src, dst) in enumerate([((3,), (2, 3)), ((2, 1), (2, 4)), ((), (3, 2)), ((2, 1, 3), (2, 4, 3))]):
    x = rng.uniform(-1, 1, src)
    add("broadcast_to/%d" % i, {"shape": list(dst)}, [x], np.broadcast_to(x, dst))
for i, (src, dst) in enumerate([((2, 3), (3,)), ((2, 4), (2, 1)), ((3, 2), ()), ((4, 2, 3), (2, 1))]):
    x = rng.uniform(-1, 1, src)
    # sum over the broadcast dimensions, keeping dst's shape
    lead = len(src) - len(dst)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(dst) if d == 1 and src[lead + i] != 1)
    y = x.sum(axis=axes, keepdims=True)
    add("_sum_to/%d" % i, {"shape": list(dst)}, [x], y.reshape(dst))

x = np.array([-2.7, -0.5, 0.0, 0.5, 1.9, 300.0])
add("Cast/f64_to_i32", {"dtype": "int32"}, [x], np.trunc(x), "float64", "int32")
add("Cast/f64_to_u8", {"dtype": "uint8"}, [np.array([0.0, 1.7, 200.0, 255.0])], np.array([0, 1, 200, 255]), "float64", "uint8")
add("Cast/f64_to_bool", {"dtype": "bool"}, [x], (x != 0).astype(np.float64), "float64", "bool")
add("Cast/f64_to_f16", {"dtype": "float16"}, [np.array([0.1, 1.0 / 3, 65504.0, 1e-6])],
    np.array([0.1, 1.0 / 3, 65504.0, 1e-6]).astype(np.float16).astype(np.float64), "float64", "float16")

with open("golden_binary.json", "w") as f:
    json.dump(cases, f, separators=(",", ":"))
print(len(cases), "cases")
