# feedback: justes pour z < 0, fausses ailleurs
# credit: partial
import numpy as np


def sigmoid(z):
    e = np.exp(-np.abs(z))
    # The z >= 0 branch should be 1 / (1 + e).
    return np.where(z >= 0, e / (1 + e), e / (1 + e))
