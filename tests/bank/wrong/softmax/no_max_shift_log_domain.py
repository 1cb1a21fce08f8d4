# feedback: e^{1000} déborde
# credit: near_miss
import numpy as np


def softmax(Z):
    # log-sum-exp without the shift: log(Σ e^z) = inf for scores of 1000.
    lse = np.log(np.sum(np.exp(Z), axis=-1, keepdims=True))
    return np.exp(Z - lse)
