# feedback: OverflowError
# feedback: pour z très négatif
# credit: near_miss
import math

import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    for i, v in enumerate(z.flat):
        out.flat[i] = 1 / (1 + math.exp(-v))
    return out
