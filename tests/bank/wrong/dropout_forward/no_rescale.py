# feedback: la division par keep_prob manque
# credit: near_miss
# mistake: dropout_forward.no_rescale
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    mask = np.random.rand(*A.shape) < keep_prob
    return A * mask, mask
