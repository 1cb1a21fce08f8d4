# feedback: deux appels donnent exactement le même masque
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    np.random.seed(1)  # "reproducible" dropout: the same mask every call
    mask = np.random.rand(*A.shape) < keep_prob
    return A * mask / keep_prob, mask
