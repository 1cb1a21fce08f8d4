import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # The chapter's listing (§9.2): global generator, boolean mask.
    if training:
        mask = np.random.rand(*A.shape) < keep_prob
        A = A * mask / keep_prob
        return A, mask
    else:
        return A, None
