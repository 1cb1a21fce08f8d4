import numpy as np


def softmax(Z):
    # Classes on the first axis, one example per column, as some textbooks do.
    S = np.moveaxis(np.asarray(Z, dtype=float), -1, 0)
    E = np.exp(S - S.max(axis=0))
    return np.moveaxis(E / E.sum(axis=0), 0, -1)
