# feedback: la somme de tout le tableau
# mistake: softmax.whole_array_sum
import numpy as np


def softmax(Z):
    expZ = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return expZ / np.sum(expZ)
