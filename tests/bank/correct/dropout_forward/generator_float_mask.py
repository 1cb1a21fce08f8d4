import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    if rng is None:
        rng = np.random.default_rng()
    mask = (rng.random(A.shape) < keep_prob).astype(float)
    A_out = np.where(mask == 1.0, A / keep_prob, 0.0)
    return A_out, mask
