# feedback: justes pour z < 0, fausses ailleurs
# credit: partial
import numpy as np


def leaky_relu(z, alpha=0.01):
    return alpha * np.asarray(z, dtype=float)
