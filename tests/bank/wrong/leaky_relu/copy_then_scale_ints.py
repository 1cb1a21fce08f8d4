# feedback: UFuncTypeError
# feedback: entiers
import numpy as np


def leaky_relu(z, alpha=0.01):
    out = z.copy()
    out[out <= 0] *= alpha
    return out
