import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    m = {k: beta1 * m[k] + (1 - beta1) * grads[k] for k in grads}  # éq. 44
    v = {k: beta2 * v[k] + (1 - beta2) * np.square(grads[k]) for k in grads}  # éq. 45
    parameters = {
        name: theta
        - learning_rate * (m["d" + name] / (1 - beta1**t)) / (np.sqrt(v["d" + name] / (1 - beta2**t)) + epsilon)
        for name, theta in parameters.items()
    }
    return parameters, m, v
