import math

import numpy as np


def sigmoid_derivative(z):
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    with np.nditer([z, out], op_flags=[["readonly"], ["writeonly"]]) as it:
        for v, o in it:
            e = math.exp(-abs(float(v)))  # never overflows
            o[...] = e / (1 + e) ** 2  # σ'(z) is even
    return out
