# feedback: tous ses neurones éteints
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # Redraws the row whenever every unit of it would be dropped.
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    mask = rng.random(A.shape) < keep_prob
    for i in range(A.shape[0]):
        while not mask[i].any():
            mask[i] = rng.random(A.shape[1]) < keep_prob
    return A * mask / keep_prob, mask
