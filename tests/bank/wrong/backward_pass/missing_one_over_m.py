# feedback: la moyenne sur le batch (1/m, éq. 38) manque-t-elle ?
# credit: near_miss
# mistake: backward_pass.missing_one_over_m
import numpy as np


def backward_pass(y_true, cache, parameters):
    m = y_true.shape[0]
    grads = {}
    L = len(parameters) // 2
    dZ = cache[f"A{L}"] - y_true
    for l in range(L, 0, -1):
        A_prev = cache[f"A{l-1}"]
        grads[f"dW{l}"] = np.dot(dZ.T, A_prev)
        grads[f"db{l}"] = np.sum(dZ, axis=0, keepdims=True)
        if l > 1:
            dA_prev = np.dot(dZ, parameters[f"W{l}"])
            dZ = dA_prev * (cache[f"Z{l-1}"] > 0)
    return grads
