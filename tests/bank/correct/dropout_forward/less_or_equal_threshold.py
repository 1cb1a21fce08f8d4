import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # <= instead of <: the same law for a continuous uniform draw.
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    mask = rng.uniform(size=A.shape) <= keep_prob
    return np.multiply(A, mask) / keep_prob, mask
