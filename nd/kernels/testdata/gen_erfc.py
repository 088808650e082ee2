#!/usr/bin/python3
"""Fits the erfc approximation of kernels.Geluf (act_vec.go) and prints
its coefficients as Go float32 literals.

erfc(z) = t·exp(-z² + P(t)) with t = 1/(1 + z/2), for z >= 0: as z runs
over [0, ∞), t runs over (0, 1], and P(t) = ln(erfc(z)/t) + z² is smooth
there (it tends to -ln(2√π) as t -> 0). P is fitted by least squares on
Chebyshev nodes in t, in float64, with the coefficients then rounded to
float32; the script reports the largest relative error of erfc it gives
(evaluated in float64) over z in [0, 12].

Run: /usr/bin/python3 nd/kernels/testdata/gen_erfc.py  (needs NumPy)
"""
import math

import numpy as np

DEGREE = 10


def target(t):
    z = 2.0 * (1.0 / t - 1.0)
    # math.erfc underflows past z ~ 26; the nodes stay well inside.
    return math.log(math.erfc(z) / t) + z * z


def main():
    k = np.arange(400)
    nodes = 0.5 + 0.5 * np.cos((2 * k + 1) * np.pi / (2 * len(k)))  # Chebyshev nodes in (0, 1)
    nodes = nodes[nodes > 0.08]  # z < 23: math.erfc is still a normal float64
    y = np.array([target(t) for t in nodes])
    coef = np.polynomial.polynomial.polyfit(nodes, y, DEGREE)  # lowest degree first
    coef32 = [float(np.float32(c)) for c in coef]
    worst = 0.0
    for z in np.linspace(0, 12, 200001):
        t = 1 / (1 + z / 2)
        p = sum(c * t**i for i, c in enumerate(coef32))
        approx = t * math.exp(-z * z + p)
        worst = max(worst, abs(approx / math.erfc(z) - 1))
    print(f"// Degree {DEGREE}, highest first; largest relative error of erfc on [0, 12]: {worst:.2e}")
    for c in reversed(coef32):
        print(f"\t{np.float32(c)!r},".replace("np.float32(", "").replace(")", ""))


if __name__ == "__main__":
    main()
