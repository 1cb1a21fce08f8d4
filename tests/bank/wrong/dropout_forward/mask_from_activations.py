# feedback: le masque dépend des valeurs de A
# credit: no_work
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # Keeps the largest activations: no random draw at all.
    if not training:
        return A, None
    mask = A >= np.quantile(A, 1 - keep_prob)
    return A * mask / keep_prob, mask
