# feedback: en entraînement, renvoyez le masque utilisé
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if training:
        mask = np.random.rand(*A.shape) < keep_prob
        A = A * mask / keep_prob
    return A, None
