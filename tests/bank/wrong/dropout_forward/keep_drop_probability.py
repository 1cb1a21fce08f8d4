# feedback: la comparaison est inversée
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # Keeps a unit with probability 1 - keep_prob.
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    mask = rng.random(A.shape) < 1 - keep_prob
    return A * mask / keep_prob, mask
