# feedback: un masque de forme (1, d) est partagé par tous les exemples
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    mask = np.random.rand(1, A.shape[1]) < keep_prob
    return A * mask / keep_prob, mask
