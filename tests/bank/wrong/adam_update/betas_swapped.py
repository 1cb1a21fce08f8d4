# feedback: β1 et β2 sont inversés
# mistake: adam_update.swapped_betas
import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_parameters, new_m, new_v = {}, {}, {}
    for name, theta in parameters.items():
        key = "d" + name
        g = grads[key]
        new_m[key] = beta2 * m[key] + (1 - beta2) * g
        new_v[key] = beta1 * v[key] + (1 - beta1) * g**2
        m_hat = new_m[key] / (1 - beta2**t)
        v_hat = new_v[key] / (1 - beta1**t)
        new_parameters[name] = theta - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return new_parameters, new_m, new_v
