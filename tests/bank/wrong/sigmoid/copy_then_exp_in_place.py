# feedback: entiers
# feedback: UFuncTypeError
# feedback: dtype=float
import numpy as np


def sigmoid(z):
    out = np.copy(z)
    np.negative(out, out=out)
    np.exp(out, out=out)
    out += 1
    return 1 / out
