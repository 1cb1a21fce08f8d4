# feedback: la pente s'applique à z ≤ 0
# mistake: leaky_relu.slope_on_positive_side
import numpy as np


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, alpha * z, z)
