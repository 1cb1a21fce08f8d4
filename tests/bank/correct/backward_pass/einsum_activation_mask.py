import numpy as np


def backward_pass(y_true, cache, parameters):
    m = y_true.shape[0]
    L = len(parameters) // 2
    grads = {}
    delta = (cache["A" + str(L)] - y_true) / m
    for l in range(L, 0, -1):
        grads["dW" + str(l)] = np.einsum("mk,md->kd", delta, cache["A" + str(l - 1)])
        grads["db" + str(l)] = delta.sum(axis=0).reshape(1, -1)
        if l > 1:
            # A > 0 exactly where Z > 0 for ReLU.
            mask = (cache["A" + str(l - 1)] > 0).astype(int)
            delta = np.einsum("mk,kd->md", delta, parameters["W" + str(l)]) * mask
    return grads
