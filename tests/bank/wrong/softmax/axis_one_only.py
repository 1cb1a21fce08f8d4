# feedback: dernier axe
import numpy as np


def softmax(Z):
    # Listing 5's _softmax: right for a batch (m, K), wrong for a single vector of scores.
    expZ = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return expZ / np.sum(expZ, axis=1, keepdims=True)
