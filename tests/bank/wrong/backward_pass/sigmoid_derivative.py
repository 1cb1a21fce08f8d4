# feedback: pas la dérivée de la sigmoïde
# credit: partial
import numpy as np


def backward_pass(y_true, cache, parameters):
    m = y_true.shape[0]
    grads = {}
    L = len(parameters) // 2
    dZ = cache[f"A{L}"] - y_true
    for l in range(L, 0, -1):
        A_prev = cache[f"A{l-1}"]
        grads[f"dW{l}"] = (1 / m) * np.dot(dZ.T, A_prev)
        grads[f"db{l}"] = (1 / m) * np.sum(dZ, axis=0, keepdims=True)
        if l > 1:
            dA_prev = np.dot(dZ, parameters[f"W{l}"])
            s = 1 / (1 + np.exp(-cache[f"Z{l-1}"]))
            dZ = dA_prev * s * (1 - s)
    return grads
