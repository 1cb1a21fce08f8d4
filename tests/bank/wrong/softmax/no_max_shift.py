# feedback: e^{1000} déborde
# credit: near_miss
# mistake: softmax.no_max_shift
import numpy as np


def softmax(Z):
    expZ = np.exp(Z)
    return expZ / np.sum(expZ, axis=-1, keepdims=True)
