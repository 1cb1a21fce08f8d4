import numpy as np


def relu_derivative(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    with np.nditer([z, out], op_flags=[["readonly"], ["writeonly"]]) as it:
        for v, o in it:
            o[...] = 1.0 if v > 0 else 0.0
    return out
