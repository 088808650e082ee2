#!/usr/bin/python3
"""Writes the small NumPy reference files npy_*.npy and npz_*.npz read by
nd's npy tests. Every array holds arange(size) in C order, cast to its dtype
(bool: arange % 2), so the tests know the values without a manifest.
Run: python3 gen_npy.py
"""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def vals(shape, dtype):
    n = int(np.prod(shape))
    if np.dtype(dtype).kind == "b":
        return (np.arange(n) % 2).astype(dtype).reshape(shape)
    return np.arange(n).astype(dtype).reshape(shape)


def save(name, arr, version=None):
    with open(os.path.join(here, name), "wb") as f:
        np.lib.format.write_array(f, arr, version=version, allow_pickle=False)


save("npy_f4_c.npy", vals((2, 3), "<f4"))
save("npy_f8_big.npy", vals((2, 2), ">f8"))
save("npy_i2_big.npy", vals((3,), ">i2"))
save("npy_u1.npy", vals((5,), "|u1"))
save("npy_b1.npy", vals((4,), "|b1"))
save("npy_f2.npy", vals((3,), "<f2"))
save("npy_i8_fortran.npy", np.asfortranarray(vals((2, 3), "<i8")))
save("npy_f4_fortran3d.npy", np.asfortranarray(vals((2, 3, 4), "<f4")))
save("npy_scalar.npy", vals((), "<f8"))
save("npy_empty.npy", vals((0, 3), "<f4"))
save("npy_v2.npy", vals((2, 2), "<i4"), version=(2, 0))
save("npy_v3.npy", vals((2, 2), "<u4"), version=(3, 0))

arrays = {"weight": vals((3, 2), "<f4"), "bias": vals((3,), "<f8"), "step": vals((), "<i8"),
          "mask": vals((2, 2), "|b1"), "u2": vals((2,), "<u2"), "i1": vals((2,), "|i1"), "u8": vals((2,), "<u8")}
np.savez(os.path.join(here, "npz_stored.npz"), **arrays)
np.savez_compressed(os.path.join(here, "npz_deflated.npz"), **arrays)
