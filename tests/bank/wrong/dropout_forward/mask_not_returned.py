# feedback: renvoyez le masque que vous avez appliqué
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # Dropout applied, but a mask of ones returned.
    if not training:
        return A, None
    applied = np.random.rand(*A.shape) < keep_prob
    return A * applied / keep_prob, np.ones(A.shape, dtype=bool)
