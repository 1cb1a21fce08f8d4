# feedback: ε manque au dénominateur
# credit: partial
import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_parameters, new_m, new_v = {}, {}, {}
    for name, theta in parameters.items():
        key = "d" + name
        g = grads[key]
        new_m[key] = beta1 * m[key] + (1 - beta1) * g
        new_v[key] = beta2 * v[key] + (1 - beta2) * g**2
        m_hat = new_m[key] / (1 - beta1**t)
        v_hat = new_v[key] / (1 - beta2**t)
        new_parameters[name] = theta - learning_rate * m_hat / np.sqrt(v_hat)
    return new_parameters, new_m, new_v
