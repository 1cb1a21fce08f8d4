# feedback: justes pour z > 0, fausses ailleurs
# credit: partial
import numpy as np


def tanh(z):
    e = np.exp(-2 * np.abs(z))  # stable, but this is tanh(|z|): the sign of z is lost
    return (1 - e) / (1 + e)
