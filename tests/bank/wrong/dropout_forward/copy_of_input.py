# feedback: la sortie est une copie de l'entrée A
# credit: no_work
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # The mask is drawn but never applied.
    if not training:
        return A, None
    mask = np.random.rand(*A.shape) < keep_prob
    return A.copy(), mask
