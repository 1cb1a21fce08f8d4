# feedback: ne dépendent pas de y_true
# credit: no_work
import numpy as np


def backward_pass(y_true, cache, parameters):
    # δ[L] taken as ŷ alone: the labels never enter the gradients.
    m = cache["A0"].shape[0]
    L = len(parameters) // 2
    grads = {}
    dZ = cache[f"A{L}"]
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ.T @ cache[f"A{l - 1}"] / m
        grads[f"db{l}"] = dZ.sum(axis=0, keepdims=True) / m
        if l > 1:
            dZ = (dZ @ parameters[f"W{l}"]) * (cache[f"Z{l - 1}"] > 0)
    return grads
