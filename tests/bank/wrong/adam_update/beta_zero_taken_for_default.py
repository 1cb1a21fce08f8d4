# feedback: « beta1 or 0.9 »
import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    beta1 = beta1 or 0.9  # β1 = 0 (no momentum) is taken for no value
    beta2 = beta2 or 0.999
    new_parameters, new_m, new_v = {}, {}, {}
    for name in parameters:
        key = "d" + name
        new_m[key] = beta1 * m[key] + (1 - beta1) * grads[key]
        new_v[key] = beta2 * v[key] + (1 - beta2) * grads[key] ** 2
        m_hat = new_m[key] / (1 - beta1**t)
        v_hat = new_v[key] / (1 - beta2**t)
        new_parameters[name] = parameters[name] - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return new_parameters, new_m, new_v
