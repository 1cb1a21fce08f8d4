# feedback: mask vaut 0 partout
# credit: no_work
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    return np.zeros_like(A), np.zeros(A.shape, dtype=bool)
