# feedback: Z a été modifié
import numpy as np


def softmax(Z):
    Z -= np.max(Z, axis=-1, keepdims=True)
    expZ = np.exp(Z)
    return expZ / np.sum(expZ, axis=-1, keepdims=True)
