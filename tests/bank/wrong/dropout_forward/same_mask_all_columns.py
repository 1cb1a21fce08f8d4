# feedback: toutes les colonnes de mask sont identiques
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    column = np.random.rand(A.shape[0], 1) < keep_prob
    mask = np.broadcast_to(column, A.shape).copy()
    return A * mask / keep_prob, mask
