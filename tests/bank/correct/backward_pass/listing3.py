import numpy as np


def backward_pass(y_true, cache, parameters):
    m = y_true.shape[0]
    grads = {}
    L = len(parameters) // 2

    # Output layer gradient (cross-entropy + softmax)
    y_pred = cache[f'A{L}']
    dZ = y_pred - y_true  # Shape: (m, K)

    # Backprop à travers les couches
    for l in reversed(range(1, L + 1)):
        A_prev = cache[f'A{l-1}']

        # Gradients des paramètres
        grads[f'dW{l}'] = (1/m) * np.dot(dZ.T, A_prev)
        grads[f'db{l}'] = (1/m) * np.sum(dZ, axis=0, keepdims=True)

        if l > 1:
            # Gradient pour la couche précédente
            W = parameters[f'W{l}']
            dA_prev = np.dot(dZ, W)

            # Gradient à travers l'activation (ReLU)
            Z_prev = cache[f'Z{l-1}']
            dZ = dA_prev * (Z_prev > 0)  # ReLU derivative

    return grads
