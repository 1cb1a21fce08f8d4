import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # One draw per example and per unit, written as explicit loops.
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    m, d = A.shape
    A_out = np.zeros((m, d))
    mask = np.zeros((m, d), dtype=bool)
    for i in range(m):
        for j in range(d):
            if rng.random() < keep_prob:
                mask[i, j] = True
                A_out[i, j] = A[i, j] / keep_prob
    return A_out, mask
