# feedback: ne vient d'aucun tirage
# credit: no_work
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    # A fixed pattern: keep round(10·keep_prob) units out of every 10.
    if not training:
        return A, None
    mask = (np.arange(A.size) % 10 < round(10 * keep_prob)).reshape(A.shape)
    return A * mask / keep_prob, mask
