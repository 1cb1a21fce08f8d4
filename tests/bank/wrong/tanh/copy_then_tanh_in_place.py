# feedback: UFuncTypeError
# feedback: entiers
import numpy as np


def tanh(z):
    out = np.array(z, copy=True)
    np.tanh(out, out=out)
    return out
