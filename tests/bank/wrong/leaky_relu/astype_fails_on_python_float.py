# feedback: pour un nombre z
# feedback: AttributeError
import numpy as np


def leaky_relu(z, alpha=0.01):
    out = z.astype(float)
    out[out <= 0] *= alpha
    return out
