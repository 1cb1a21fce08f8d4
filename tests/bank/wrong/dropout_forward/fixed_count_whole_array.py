# feedback: le nombre de neurones gardés
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # round(keep_prob·size) units kept over the whole array, at random places.
    if not training:
        return A, None
    order = np.random.permutation(A.size)
    mask = (order < round(keep_prob * A.size)).reshape(A.shape)
    return A * mask / keep_prob, mask
