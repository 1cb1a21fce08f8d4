import numpy as np


def relu(z):
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    with np.nditer([z, out], op_flags=[["readonly"], ["writeonly"]]) as it:
        for v, o in it:
            o[...] = v if v > 0 else 0.0
    return out
