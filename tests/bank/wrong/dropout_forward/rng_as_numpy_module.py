# feedback: n'a ni rand ni randn
import numpy as np


def dropout_forward(A, keep_prob=0.5, training=True, rng=None):
    if not training:
        return A, None
    rng = rng or np.random  # np.random.rand when no rng; a Generator has no .rand
    mask = rng.rand(*A.shape) < keep_prob
    return A * mask / keep_prob, mask
