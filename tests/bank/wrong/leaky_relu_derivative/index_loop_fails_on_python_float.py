# feedback: pour un nombre z
# feedback: TypeError
import numpy as np


def leaky_relu_derivative(z, alpha=0.01):
    out = np.empty(np.shape(z))
    for idx in np.ndindex(np.shape(z)):
        out[idx] = 1.0 if z[idx] > 0 else alpha
    return out
