#!/usr/bin/python3
"""Fits the erfc approximation of kernels.Geluf (act_vec.go) and prints
its coefficients as Go float32 literals.

erfc(z) = t·exp(-z² + P(u)) with t = 1/(1 + z/2) and u = 1 - t =
(z/2)·t, for z >= 0: as z runs over [0, ∞), u runs over [0, 1), and
ln(erfc(z)/t) + z² is smooth there (0 at u = 0, -ln(2√π) as u -> 1).
Written in u rather than t, P is small near z = 0, where GELU's
1 - erfc/2 cancels, so its rounding stays small there. P is fitted by
least squares on Chebyshev nodes in u, in float64, with the constant
term fixed at 0 (erfc(0) = 1 exactly) and the coefficients then rounded
to float32; the script reports the largest relative error of erfc it
gives (evaluated in float64) over z in [0, 12].

Run: /usr/bin/python3 nd/kernels/testdata/gen_erfc.py  (needs NumPy)
"""
import math

import numpy as np

DEGREE = 10


def target(u):
    t = 1.0 - u
    z = 2.0 * u / t
    # math.erfc underflows past z ~ 26; the nodes stay well inside.
    return math.log(math.erfc(z) / t) + z * z


def main():
    k = np.arange(400)
    nodes = 0.5 + 0.5 * np.cos((2 * k + 1) * np.pi / (2 * len(k)))  # Chebyshev nodes in (0, 1)
    nodes = nodes[nodes < 0.92]  # z < 23: math.erfc is still a normal float64
    y = np.array([target(u) for u in nodes])
    # P(0) = 0: fit y/u with a polynomial of one degree less.
    coef = np.polynomial.polynomial.polyfit(nodes, y / nodes, DEGREE - 1)  # lowest degree first
    coef32 = [0.0] + [float(np.float32(c)) for c in coef]
    worst = 0.0
    for z in np.linspace(0, 12, 200001):
        t = 1 / (1 + z / 2)
        u = z / 2 * t
        p = sum(c * u**i for i, c in enumerate(coef32))
        approx = t * math.exp(-z * z + p)
        worst = max(worst, abs(approx / math.erfc(z) - 1))
    print(f"// Degree {DEGREE} (constant term 0), highest first; largest relative error of erfc on [0, 12]: {worst:.2e}")
    for c in reversed(coef32[1:]):
        print(f"\t{np.float32(c)!r},".replace("np.float32(", "").replace(")", ""))


if __name__ == "__main__":
    main()
