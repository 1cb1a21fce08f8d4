# feedback: keep_prob arrondi au centième
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    rng = np.random.default_rng(rng)
    # The threshold rounded to a percent: E[A_out] is A × round(p, 2) / p.
    mask = rng.random(A.shape) < round(keep_prob, 2)
    return A * mask / keep_prob, mask
