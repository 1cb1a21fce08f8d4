# feedback: le nombre de neurones gardés
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # Exactly round(keep_prob·d) units kept in every row.
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    m, d = A.shape
    k = int(round(keep_prob * d))
    mask = np.zeros(A.shape, dtype=bool)
    for i in range(m):
        mask[i, rng.permutation(d)[:k]] = True
    return A * mask / keep_prob, mask
