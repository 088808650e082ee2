#!/usr/bin/python3
"""Writes golden_dot.json: reference outputs of dot, batch_dot, matmul and
FullyConnected computed with NumPy (float64, then rounded to the case dtype).

MXNet's dot reads a as the matrix (prod(a.shape[:-1]), a.shape[-1]) -- or
(a.shape[0], rest) transposed with transpose_a -- and b as
(b.shape[0], rest) -- or (prod(b.shape[:-1]), b.shape[-1]) transposed with
transpose_b -- and keeps the uncontracted axes. Run: python3 gen_dot.py
"""
import json
import os

import numpy as np

rng = np.random.default_rng(7)


def arr(shape, dtype="float32"):
    if dtype.startswith("int") or dtype == "uint8":
        return rng.integers(0, 5, size=shape).astype(dtype)
    # multiples of 1/8: exact in every float type, so the JSON stays short
    return (rng.integers(-16, 17, size=shape) / 8).astype(dtype)


def mx_dot(a, b, ta=False, tb=False):
    if a.ndim == 1 and b.ndim == 1:
        return np.array(np.dot(a.astype(np.float64), b.astype(np.float64)))
    if ta:
        a2 = a.reshape(a.shape[0], int(np.prod(a.shape[1:]))).T
        akeep = a.shape[1:]
    else:
        a2 = a.reshape(int(np.prod(a.shape[:-1])), a.shape[-1])
        akeep = a.shape[:-1]
    if tb:
        b2 = b.reshape(int(np.prod(b.shape[:-1])), b.shape[-1]).T
        bkeep = b.shape[:-1]
    else:
        b2 = b.reshape(b.shape[0], int(np.prod(b.shape[1:])))
        bkeep = b.shape[1:]
    out = a2.astype(np.float64) @ b2.astype(np.float64)
    shape = (akeep if a.ndim > 1 else ()) + (bkeep if b.ndim > 1 else ())
    return out.reshape(shape)


def tr(x, t):
    return np.swapaxes(x, -1, -2) if t else x


cases = []


def add(name, attrs, inputs, out):
    dt = str(inputs[0].dtype)
    cases.append({
        "name": name, "attrs": attrs,
        "inputs": [{"shape": list(x.shape), "dtype": str(x.dtype), "values": x.ravel().astype(np.float64).tolist()} for x in inputs],
        "outputs": [{"shape": list(out.shape), "dtype": dt, "values": np.asarray(out).astype(dt).ravel().astype(np.float64).tolist()}],
    })


for ta in (False, True):
    for tb in (False, True):
        a = arr((3, 2) if ta else (2, 3))
        b = arr((4, 3) if tb else (3, 4))
        add(f"dot_2d_ta{int(ta)}_tb{int(tb)}", {"transpose_a": ta, "transpose_b": tb}, [a, b], mx_dot(a, b, ta, tb))
a, b = arr((2, 3, 4)), arr((4, 5))
add("dot_3d_2d", {}, [a, b], mx_dot(a, b))
a, b = arr((2, 3, 4)), arr((4, 2, 3))
add("dot_3d_3d", {}, [a, b], mx_dot(a, b))
a, b = arr((4, 2, 3)), arr((4, 5))
add("dot_3d_ta", {"transpose_a": True}, [a, b], mx_dot(a, b, True))
a, b = arr((3, 4)), arr((5, 2, 4))
add("dot_3d_tb", {"transpose_b": True}, [a, b], mx_dot(a, b, False, True))
a, b = arr((4,)), arr((4, 5))
add("dot_vec_mat", {}, [a, b], mx_dot(a, b))
a, b = arr((3, 4)), arr((4,))
add("dot_mat_vec", {}, [a, b], mx_dot(a, b))
a, b = arr((5,)), arr((5,))
add("dot_vec_vec", {}, [a, b], mx_dot(a, b))
a, b = arr((0, 3)), arr((3, 4))
add("dot_empty_rows", {}, [a, b], mx_dot(a, b))
a, b = arr((2, 0)), arr((0, 3))
add("dot_empty_inner", {}, [a, b], mx_dot(a, b))
for dt in ("float64", "int32", "int64", "uint8"):
    a, b = arr((3, 5), dt), arr((5, 2), dt)
    add(f"dot_{dt}", {}, [a, b], mx_dot(a, b))
a, b = arr((21, 40)), arr((40, 35))
add("dot_big", {}, [a, b], mx_dot(a, b))

for ta in (False, True):
    for tb in (False, True):
        a = arr((2, 4, 3) if ta else (2, 3, 4))
        b = arr((2, 5, 4) if tb else (2, 4, 5))
        out = tr(a, ta).astype(np.float64) @ tr(b, tb).astype(np.float64)
        add(f"batch_dot_ta{int(ta)}_tb{int(tb)}", {"transpose_a": ta, "transpose_b": tb}, [a, b], out)
a, b = arr((2, 2, 3, 4)), arr((2, 2, 4, 2))
add("batch_dot_4d", {}, [a, b], a.astype(np.float64) @ b)

for name, sa, sb in [("matmul_2d", (3, 4), (4, 2)), ("matmul_bcast", (2, 1, 3, 4), (5, 4, 2)),
                     ("matmul_vec_3d", (4,), (2, 4, 3)), ("matmul_3d_vec", (2, 3, 4), (4,)),
                     ("matmul_vec_vec", (3,), (3,)), ("matmul_bcast1", (1, 3, 4), (3, 4, 2)),
                     ("matmul_empty_batch", (0, 2, 3), (3, 2))]:
    a, b = arr(sa), arr(sb)
    add(name, {}, [a, b], np.matmul(a.astype(np.float64), b.astype(np.float64)))
a, b = arr((2, 3, 4), "int64"), arr((4, 2), "int64")
add("matmul_int64", {}, [a, b], np.matmul(a, b))

x, w, bias = arr((4, 5)), arr((3, 5)), arr((3,))
add("fc_2d", {"num_hidden": 3}, [x, w, bias], x.astype(np.float64) @ w.T + bias)
add("fc_no_bias", {"num_hidden": 3, "no_bias": True}, [x, w], x.astype(np.float64) @ w.T)
x, w, bias = arr((2, 2, 3)), arr((4, 6)), arr((4,))
add("fc_flatten", {"num_hidden": 4}, [x, w, bias], x.reshape(2, -1).astype(np.float64) @ w.T + bias)
x, w, bias = arr((2, 3, 5)), arr((4, 5)), arr((4,))
add("fc_no_flatten", {"num_hidden": 4, "flatten": False}, [x, w, bias], x.astype(np.float64) @ w.T + bias)
x, w, bias = arr((3, 5), "float64"), arr((2, 5), "float64"), arr((2,), "float64")
add("fc_float64", {"num_hidden": 2}, [x, w, bias], x @ w.T + bias)
x, w, bias = arr((3, 5), "int32"), arr((2, 5), "int32"), arr((2,), "int32")
add("fc_int32", {"num_hidden": 2}, [x, w, bias], x.astype(np.int64) @ w.T.astype(np.int64) + bias)

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "golden_dot.json"), "w") as f:
    json.dump(cases, f, separators=(",", ":"))
    f.write("\n")
