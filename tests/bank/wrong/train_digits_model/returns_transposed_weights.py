# feedback: semble transposée
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


def train_digits_model(X_train, y_train):
    rng = np.random.default_rng(42)
    m = X_train.shape[0]
    Y = np.eye(10)[y_train]
    # weights stored as (d_{l-1}, d_l), so that Z = A @ W + b
    dims = [64, 128, 64, 10]
    W = [rng.standard_normal((dims[l - 1], dims[l])) * np.sqrt(2 / dims[l - 1]) for l in range(1, 4)]
    b = [np.zeros((1, dims[l])) for l in range(1, 4)]
    for epoch in range(30):
        order = rng.permutation(m)
        for start in range(0, m - 31, 32):
            batch = order[start:start + 32]
            A = [X_train[batch]]
            Zs = []
            for l in range(3):
                Z = A[-1] @ W[l] + b[l]
                Zs.append(Z)
                A.append(np.maximum(0, Z) if l < 2 else softmax(Z))
            dZ = (A[-1] - Y[batch]) / 32
            for l in range(2, -1, -1):
                dW, db = A[l].T @ dZ, dZ.sum(axis=0, keepdims=True)
                if l > 0:
                    dZ = (dZ @ W[l].T) * (Zs[l - 1] > 0)
                W[l] -= 0.1 * dW
                b[l] -= 0.1 * db
    return {"W1": W[0], "b1": b[0], "W2": W[1], "b2": b[1], "W3": W[2], "b3": b[2]}
