# feedback: déjà encodé en one-hot
import numpy as np


def softmax(Z):
    expZ = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return expZ / np.sum(expZ, axis=1, keepdims=True)


def initialize_parameters(layer_dims, rng):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * np.sqrt(2 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((1, layer_dims[l]))
    return parameters


def forward_pass(X, parameters):
    L = len(parameters) // 2
    A = X
    cache = {"A0": X}
    for l in range(1, L + 1):
        Z = A @ parameters[f"W{l}"].T + parameters[f"b{l}"]
        A = np.maximum(0, Z) if l < L else softmax(Z)
        cache[f"Z{l}"] = Z
        cache[f"A{l}"] = A
    return A, cache


def backward_pass(y_true, cache, parameters):
    m = y_true.shape[0]
    L = len(parameters) // 2
    grads = {}
    dZ = cache[f"A{L}"] - y_true
    for l in reversed(range(1, L + 1)):
        grads[f"dW{l}"] = (1 / m) * dZ.T @ cache[f"A{l-1}"]
        grads[f"db{l}"] = (1 / m) * np.sum(dZ, axis=0, keepdims=True)
        if l > 1:
            dZ = (dZ @ parameters[f"W{l}"]) * (cache[f"Z{l-1}"] > 0)
    return grads


EPOCHS, LR = 30, 0.1


def train_digits_model(X_train, y_train):
    rng = np.random.default_rng(42)
    X = X_train
    m = X.shape[0]
    Y = np.eye(10)[y_train]
    parameters = initialize_parameters([64, 128, 64, 10], rng)
    L = len(parameters) // 2
    for epoch in range(EPOCHS):
        order = rng.permutation(m)
        for start in range(0, m, 32):
            batch = order[start:start + 32]
            _, cache = forward_pass(X[batch], parameters)
            grads = backward_pass(Y[batch], cache, parameters)
            for l in range(1, L + 1):
                parameters[f"W{l}"] -= LR * grads[f"dW{l}"]
                parameters[f"b{l}"] -= LR * grads[f"db{l}"]
    return parameters
