import math

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    with np.nditer([z, out], op_flags=[["readonly"], ["writeonly"]]) as it:
        for v, o in it:
            v = float(v)
            if v >= 0:
                o[...] = 1 / (1 + math.exp(-v))
            else:
                e = math.exp(v)
                o[...] = e / (1 + e)
    return out
