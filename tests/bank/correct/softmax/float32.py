import numpy as np


def softmax(Z):
    Z = np.asarray(Z, dtype=np.float32)
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
