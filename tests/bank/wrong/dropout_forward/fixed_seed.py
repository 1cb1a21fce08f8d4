# feedback: deux appels donnent exactement le même masque
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    rng = np.random.default_rng(0)
    mask = rng.random(A.shape) < keep_prob
    return A * mask / keep_prob, mask
