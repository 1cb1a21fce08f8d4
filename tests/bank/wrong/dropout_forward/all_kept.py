# feedback: mask vaut 1 partout
# credit: no_work
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    mask = np.ones(A.shape, dtype=bool)
    return A * mask / keep_prob, mask
