# feedback: keep_prob semble ignoré
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    mask = np.random.rand(*A.shape) < 0.5
    return A * mask / 0.5, mask
