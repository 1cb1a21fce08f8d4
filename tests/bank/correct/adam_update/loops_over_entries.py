import math

import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    # Entry by entry, on copies: the arguments stay untouched.
    new_parameters = {k: np.array(a, dtype=float) for k, a in parameters.items()}
    new_m = {k: np.array(a, dtype=float) for k, a in m.items()}
    new_v = {k: np.array(a, dtype=float) for k, a in v.items()}
    for name, theta in new_parameters.items():
        key = "d" + name
        for index in np.ndindex(theta.shape):
            g = float(grads[key][index])
            new_m[key][index] = beta1 * new_m[key][index] + (1 - beta1) * g
            new_v[key][index] = beta2 * new_v[key][index] + (1 - beta2) * g * g
            m_hat = new_m[key][index] / (1 - beta1**t)
            v_hat = new_v[key][index] / (1 - beta2**t)
            theta[index] -= learning_rate * m_hat / (math.sqrt(v_hat) + epsilon)
    return new_parameters, new_m, new_v
