import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    mask = rng.binomial(1, keep_prob, size=A.shape).astype(bool)
    return A * mask / keep_prob, mask
