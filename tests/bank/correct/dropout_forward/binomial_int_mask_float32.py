import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    mask = np.random.binomial(1, keep_prob, size=A.shape)  # int 0/1
    A_out = (A.astype(np.float32) * mask) / np.float32(keep_prob)
    return A_out.astype(np.float32), mask
