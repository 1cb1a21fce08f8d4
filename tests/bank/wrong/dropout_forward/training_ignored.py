# feedback: avec training=False le dropout ne fait rien
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    mask = np.random.rand(*A.shape) < keep_prob
    return A * mask / keep_prob, mask
