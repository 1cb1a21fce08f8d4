# feedback: pour un nombre z
# feedback: TypeError
import numpy as np


def leaky_relu(z, alpha=0.01):
    out = np.empty(np.shape(z))
    for idx in np.ndindex(np.shape(z)):
        out[idx] = z[idx] if z[idx] > 0 else alpha * z[idx]
    return out
