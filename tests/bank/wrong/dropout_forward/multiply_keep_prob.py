# feedback: il faut diviser par keep_prob, pas multiplier
# mistake: dropout_forward.multiplies_by_keep_prob
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    mask = np.random.rand(*A.shape) < keep_prob
    return A * mask * keep_prob, mask
