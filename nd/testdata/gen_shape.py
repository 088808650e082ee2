#!/usr/bin/python3
"""Writes golden_shape.json: reference outputs of the shape, slicing and
indexing ops (nd/op_shape.go, nd/slice.go, nd/op_index.go), computed with
NumPy. Run from nd/testdata: /usr/bin/python3 gen_shape.py
"""
import json

import numpy as np

rng = np.random.default_rng(20240601)
cases = []


def arr(shape, dtype="float32", lo=-3, hi=3):
    if dtype.startswith("int"):
        return rng.integers(lo, hi, size=shape).astype(dtype)
    return np.round(rng.uniform(lo, hi, size=shape), 3).astype(dtype)


def enc(a):
    a = np.asarray(a)
    dt = "bool" if a.dtype == np.bool_ else str(a.dtype)
    return {"shape": list(a.shape), "dtype": dt, "values": [float(v) for v in a.reshape(-1)]}


def add(name, attrs, inputs, outputs):
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    cases.append({"name": name, "attrs": attrs,
                  "inputs": [enc(x) for x in inputs],
                  "outputs": [enc(y) for y in outputs]})


# transpose / swapaxes / flip
x = arr((2, 3, 4))
add("transpose/perm", {"axes": [1, 0, 2]}, [x], np.transpose(x, (1, 0, 2)))
add("transpose/default", {"axes": []}, [x], np.transpose(x))
add("transpose/negative", {"axes": [-1, 0, 1]}, [x], np.transpose(x, (2, 0, 1)))
add("transpose/empty", {"axes": []}, [arr((0, 3))], np.zeros((3, 0), "float32"))
add("transpose/scalar", {"axes": []}, [np.float32(2.5)], np.float32(2.5))
ti64 = arr((3, 2), "int64")
add("transpose/int64", {"axes": [1, 0]}, [ti64], ti64.T)
add("swapaxes/0_-1", {"dim1": 0, "dim2": -1}, [x], np.swapaxes(x, 0, -1))
add("swapaxes/same", {"dim1": 1, "dim2": 1}, [x], x)
add("flip/1", {"axis": [1]}, [x], np.flip(x, 1))
add("flip/0_2", {"axis": [0, -1]}, [x], np.flip(x, (0, 2)))
add("flip/empty", {"axis": [1]}, [arr((0, 2))], np.zeros((0, 2), "float32"))
y = arr((5,), "int32", 0, 9)
add("flip/int32", {"axis": [0]}, [y], y[::-1])

# expand_dims / squeeze / flatten
m = arr((2, 3))
add("expand_dims/-1", {"axis": -1}, [m], m[:, :, None])
add("expand_dims/1", {"axis": 1}, [m], m[:, None, :])
add("expand_dims/scalar", {"axis": 0}, [np.float32(1.5)], np.array([1.5], "float32"))
s = arr((1, 3, 1))
add("squeeze/all", {"axis": None}, [s], s.reshape(3))
add("squeeze/0", {"axis": [0]}, [s], s.reshape(3, 1))
s11 = arr((1, 1))
add("squeeze/ones", {"axis": None}, [s11], s11.reshape(1))  # MXNet keeps (1,)
add("flatten/3d", {}, [x], x.reshape(2, 12))
add("flatten/1d", {}, [y], y.reshape(5, 1))
add("flatten/zero", {}, [arr((2, 0, 3))], np.zeros((2, 0), "float32"))

# concat / stack / split
a, b, c = arr((2, 3)), arr((2, 1)), arr((2, 0))
add("concat/1", {"dim": 1}, [a, b, c], np.concatenate([a, b, c], 1))
add("concat/-1", {"dim": -1}, [a, b], np.concatenate([a, b], -1))
add("concat/0", {"dim": 0}, [arr((0, 2)), m.T], np.concatenate([np.zeros((0, 2), "float32"), m.T], 0))
add("concat/one", {"dim": 0}, [a], a)
p, q, r = arr((2, 3)), arr((2, 3)), arr((2, 3))
add("stack/0", {"axis": 0}, [p, q, r], np.stack([p, q, r], 0))
add("stack/-1", {"axis": -1}, [p, q], np.stack([p, q], -1))
add("stack/1", {"axis": 1}, [p, q], np.stack([p, q], 1))
add("stack/scalars", {"axis": 0}, [np.float32(1), np.float32(2)], np.array([1, 2], "float32"))
w = arr((4, 6))
add("split/axis1", {"num_outputs": 3, "axis": 1, "squeeze_axis": False}, [w], np.split(w, 3, 1))
add("split/axis0", {"num_outputs": 2, "axis": 0, "squeeze_axis": False}, [w], np.split(w, 2, 0))
v = arr((3, 2))
add("split/squeeze", {"num_outputs": 3, "axis": 0, "squeeze_axis": True}, [v], [t.reshape(2) for t in np.split(v, 3, 0)])

# tile / repeat
add("tile/2_1", {"reps": [2, 1]}, [m], np.tile(m, (2, 1)))
add("tile/short", {"reps": [3]}, [m], np.tile(m, 3))
add("tile/long", {"reps": [2, 2]}, [y], np.tile(y, (2, 2)))
add("tile/zero", {"reps": [0, 2]}, [m], np.tile(m, (0, 2)))
add("repeat/0", {"repeats": 2, "axis": 0}, [m], np.repeat(m, 2, 0))
add("repeat/-1", {"repeats": 3, "axis": -1}, [m], np.repeat(m, 3, -1))
add("repeat/flat", {"repeats": 2, "axis": None}, [m], np.repeat(m, 2))

# pad
add("pad/constant", {"mode": "constant", "pad_width": [1, 2, 0, 1], "constant_value": 1.5}, [m],
    np.pad(m, ((1, 2), (0, 1)), constant_values=1.5))
add("pad/edge", {"mode": "edge", "pad_width": [2, 1, 1, 2], "constant_value": 0}, [m], np.pad(m, ((2, 1), (1, 2)), "edge"))
add("pad/reflect", {"mode": "reflect", "pad_width": [1, 1, 2, 2], "constant_value": 0}, [m],
    np.pad(m, ((1, 1), (2, 2)), "reflect"))
img = arr((1, 2, 3, 4))
add("pad/nchw", {"mode": "reflect", "pad_width": [0, 0, 0, 0, 1, 1, 2, 2], "constant_value": 0}, [img],
    np.pad(img, ((0, 0), (0, 0), (1, 1), (2, 2)), "reflect"))

# slice / slice_axis / slice_like
g = arr((4, 5))
add("slice/step", {"begin": [1, None], "end": [3, None], "step": [1, 2]}, [g], g[1:3, ::2])
add("slice/reverse", {"begin": [None], "end": [None], "step": [-1]}, [g], g[::-1])
add("slice/negstep", {"begin": [-1, 4], "end": [0, 0], "step": [-2, -1]}, [g], g[-1:0:-2, 4:0:-1])
add("slice/clamp", {"begin": [-10], "end": [100], "step": []}, [g], g[-10:100])
add("slice/empty", {"begin": [3], "end": [1], "step": []}, [g], g[3:1])
add("slice/partial", {"begin": [0, 1], "end": [2, -1], "step": []}, [g], g[0:2, 1:-1])
t = arr((3, 4, 5))
add("slice_axis/1", {"axis": 1, "begin": 1, "end": 3}, [t], t[:, 1:3])
add("slice_axis/-1", {"axis": -1, "begin": -3, "end": None}, [t], t[..., -3:])
add("slice_like/all", {"axes": []}, [g, arr((2, 3))], g[:2, :3])
add("slice_like/1", {"axes": [1]}, [g, arr((1, 3))], g[:, :3])

# take / pick
d = arr((5, 3))
idx = np.array([[0, 4], [2, -1]], "float32")
add("take/clip", {"axis": 0, "mode": "clip"}, [d, idx], np.take(d, idx.astype(int), 0, mode="clip"))
idxw = np.array([7, -1, 2], "int32")
add("take/wrap", {"axis": 0, "mode": "wrap"}, [d, idxw], np.take(d, idxw, 0, mode="wrap"))
add("take/axis1", {"axis": 1, "mode": "wrap"}, [d, np.array([2, 0, 2], "int64")], np.take(d, [2, 0, 2], 1))
ti32 = arr((2, 4), "int32")
add("take/int32", {"axis": -1, "mode": "clip"}, [ti32, np.array([3, 1], "float32")], ti32[:, [3, 1]])
add("take/empty_idx", {"axis": 0, "mode": "clip"}, [d, np.zeros((0,), "float32")], np.zeros((0, 3), "float32"))
pk = arr((3, 4))
pi = np.array([0, 3, 1], "float32")
add("pick/axis1", {"axis": 1, "keepdims": False, "mode": "clip"}, [pk, pi],
    np.take_along_axis(pk, pi.astype(int)[:, None], 1)[:, 0])
pi0 = np.array([2, 0, 1, 5], "float32")
add("pick/axis0_keep", {"axis": 0, "keepdims": True, "mode": "clip"}, [pk, pi0],
    np.take_along_axis(pk, np.clip(pi0.astype(int), 0, 2)[None, :], 0))
add("pick/wrap", {"axis": -1, "keepdims": False, "mode": "wrap"}, [pk, np.array([-1, 4, 6], "float32")],
    np.take_along_axis(pk, (np.array([-1, 4, 6]) % 4)[:, None], 1)[:, 0])

# gather_nd / scatter_nd
gd = arr((3, 4))
gi = np.array([[0, 2, -1], [1, 3, 0]], "float32")
add("gather_nd/full", {}, [gd, gi], gd[gi[0].astype(int), gi[1].astype(int)])
add("gather_nd/rows", {}, [gd, np.array([[2, 0]], "int32")], gd[[2, 0]])
g3 = arr((2, 3, 2))
gi3 = np.array([[[1, 0], [0, 1]], [[2, 0], [1, 1]]], "int64")
add("gather_nd/prefix", {}, [g3, gi3], g3[gi3[0], gi3[1]])
sd = np.array([5, 6, 7], "float32")
si = np.array([[0, 2, 1], [1, 3, 0]], "float32")
so = np.zeros((3, 4), "float32")
so[si[0].astype(int), si[1].astype(int)] = sd
add("scatter_nd/2d", {"shape": [3, 4]}, [sd, si], so)
srows = arr((2, 4))
so2 = np.zeros((3, 4), "float32")
so2[[2, 0]] = srows
add("scatter_nd/rows", {"shape": [3, 4]}, [srows, np.array([[2, 0]], "float32")], so2)

# where / one_hot / boolean_mask
wc = (arr((2, 3)) > 0).astype("float32")
wx, wy = arr((2, 3)), arr((2, 3))
add("where/same", {}, [wc, wx, wy], np.where(wc != 0, wx, wy))
wr = np.array([0, 1], "int32")
add("where/rows", {}, [wr, wx, wy], np.where(wr[:, None] != 0, wx, wy))
wb = np.array([[True, False, True], [False, False, True]])
wxi, wyi = arr((2, 3), "int64"), arr((2, 3), "int64")
add("where/bool", {}, [wb, wxi, wyi], np.where(wb, wxi, wyi))
oh = np.array([1, 0, 3, -1, 5], "float32")
ohe = np.full((5, 4), -1.0, "float32")
for i, k in enumerate(oh.astype(int)):
    if 0 <= k < 4:
        ohe[i, k] = 2
add("one_hot/custom", {"depth": 4, "on_value": 2, "off_value": -1, "dtype": "float32"}, [oh], ohe)
oi = np.array([[0, 2], [1, 1]], "int32")
add("one_hot/int", {"depth": 3, "on_value": 1, "off_value": 0, "dtype": "int32"}, [oi], np.eye(3, dtype="int32")[oi])
bm = arr((4, 3))
mk = np.array([1, 0, 1, 1], "float32")
add("boolean_mask/0", {"axis": 0}, [bm, mk], bm[mk != 0])
mk1 = np.array([0, 1, 1], "int32")
add("boolean_mask/1", {"axis": 1}, [bm, mk1], bm[:, mk1 != 0])
add("boolean_mask/none", {"axis": 0}, [bm, np.zeros(4, "float32")], np.zeros((0, 3), "float32"))

with open("golden_shape.json", "w") as f:
    json.dump(cases, f, separators=(",", ":"))
print(len(cases), "cases")
