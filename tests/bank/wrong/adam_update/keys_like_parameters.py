# feedback: est indexé comme grads
import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_parameters, new_m, new_v = {}, {}, {}
    for name, theta in parameters.items():
        g = grads["d" + name]
        new_m[name] = beta1 * m["d" + name] + (1 - beta1) * g
        new_v[name] = beta2 * v["d" + name] + (1 - beta2) * g**2
        m_hat = new_m[name] / (1 - beta1**t)
        v_hat = new_v[name] / (1 - beta2**t)
        new_parameters[name] = theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return new_parameters, new_m, new_v
