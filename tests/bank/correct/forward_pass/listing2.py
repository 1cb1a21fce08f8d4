import numpy as np


def softmax(Z):
    expZ = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return expZ / np.sum(expZ, axis=-1, keepdims=True)


def forward_pass(X, parameters):
    cache = {}
    A = X
    L = len(parameters) // 2  # Nombre de couches

    for l in range(1, L + 1):
        A_prev = A
        W = parameters[f'W{l}']
        b = parameters[f'b{l}']

        # Linear forward
        Z = np.dot(A_prev, W.T) + b

        # Activation
        if l < L:  # Hidden layers : ReLU
            A = np.maximum(0, Z)
        else:  # Output layer : softmax
            A = softmax(Z)

        # Cache pour backprop
        cache[f'Z{l}'] = Z
        cache[f'A{l}'] = A
        cache[f'A{l-1}'] = A_prev

    return A, cache
