# feedback: tronquées
# feedback: np.empty_like(z)
import math

import numpy as np


def tanh(z):
    z = np.asarray(z)
    out = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        out[idx] = math.tanh(z[idx])
    return out
