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
    # 64-128-64-10 trained with Adam (lr 1e-3), float32 parameters.
    rng = np.random.default_rng(0)
    X = np.asarray(X_train, dtype=np.float32)
    m = X.shape[0]
    labels = np.argmax(y_train, axis=1) if np.ndim(y_train) == 2 else y_train
    Y = np.eye(10, dtype=np.float32)[labels]
    parameters = {k: v.astype(np.float32) for k, v in initialize_parameters([64, 128, 64, 10], rng).items()}
    L = len(parameters) // 2
    mom = {k: np.zeros_like(v) for k, v in parameters.items()}
    vel = {k: np.zeros_like(v) for k, v in parameters.items()}
    beta1, beta2, lr, eps, t = 0.9, 0.999, 1e-3, 1e-8, 0
    for epoch in range(25):
        order = rng.permutation(m)
        for start in range(0, m, 32):
            batch = order[start:start + 32]
            _, cache = forward_pass(X[batch], parameters)
            grads = backward_pass(Y[batch], cache, parameters)
            t += 1
            for key in parameters:
                g = grads["d" + key]
                mom[key] = beta1 * mom[key] + (1 - beta1) * g
                vel[key] = beta2 * vel[key] + (1 - beta2) * g * g
                m_hat = mom[key] / (1 - beta1**t)
                v_hat = vel[key] / (1 - beta2**t)
                parameters[key] = (parameters[key] - lr * m_hat / (np.sqrt(v_hat) + eps)).astype(np.float32)
    return parameters
