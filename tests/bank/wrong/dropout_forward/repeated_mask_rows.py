# feedback: toutes les lignes de mask sont identiques
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    row = np.random.rand(1, A.shape[1]) < keep_prob
    mask = np.repeat(row, A.shape[0], axis=0)
    return A * mask / keep_prob, mask
