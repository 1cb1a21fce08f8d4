# feedback: la moyenne sur le batch (1/m, éq. 38) manque
# credit: near_miss
import numpy as np


def backward_pass(y_true, cache, parameters):
    # Sums the per-example gradients without dividing by m.
    L = len(parameters) // 2
    grads = {f"d{name}": np.zeros_like(theta) for name, theta in parameters.items()}
    for i in range(y_true.shape[0]):
        delta = cache[f"A{L}"][i] - y_true[i]
        for l in range(L, 0, -1):
            grads[f"dW{l}"] += np.outer(delta, cache[f"A{l - 1}"][i])
            grads[f"db{l}"] += delta
            if l > 1:
                delta = (delta @ parameters[f"W{l}"]) * (cache[f"Z{l - 1}"][i] > 0)
    return grads
