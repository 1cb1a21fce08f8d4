# feedback: le nombre de neurones gardés
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    mask = np.zeros(A.shape, dtype=bool)
    for i in range(A.shape[0]):
        kept = rng.choice(A.shape[1], size=int(keep_prob * A.shape[1]), replace=False)
        mask[i, kept] = True
    return A * mask / keep_prob, mask
