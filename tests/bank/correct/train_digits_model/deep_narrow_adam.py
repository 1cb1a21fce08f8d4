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
    # 64-96-48-32-10, three hidden ReLU layers, Adam on mini-batches of 64.
    y_train = np.asarray(y_train)
    labels = y_train.argmax(axis=1) if y_train.ndim == 2 else y_train
    Y = np.eye(10)[labels]
    rng = np.random.default_rng(7)
    parameters = initialize_parameters([64, 96, 48, 32, 10], rng)
    first = {k: np.zeros_like(v) for k, v in parameters.items()}
    second = {k: np.zeros_like(v) for k, v in parameters.items()}
    lr, beta1, beta2, eps = 2e-3, 0.9, 0.999, 1e-8
    step = 0
    for epoch in range(30):
        order = rng.permutation(len(X_train))
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            _, cache = forward_pass(X_train[batch], parameters)
            grads = backward_pass(Y[batch], cache, parameters)
            step += 1
            for key in parameters:
                g = grads["d" + key]
                first[key] = beta1 * first[key] + (1 - beta1) * g
                second[key] = beta2 * second[key] + (1 - beta2) * g**2
                m_hat = first[key] / (1 - beta1**step)
                v_hat = second[key] / (1 - beta2**step)
                parameters[key] = parameters[key] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return parameters
