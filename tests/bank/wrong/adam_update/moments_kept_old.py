# feedback: Les valeurs sont justes pour parameters
# credit: partial
import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    # The update is right but the new moments are not returned.
    new_parameters = {}
    for name, theta in parameters.items():
        key = "d" + name
        m_t = beta1 * m[key] + (1 - beta1) * grads[key]
        v_t = beta2 * v[key] + (1 - beta2) * grads[key] ** 2
        new_parameters[name] = theta - learning_rate * (m_t / (1 - beta1**t)) / (np.sqrt(v_t / (1 - beta2**t)) + epsilon)
    return new_parameters, dict(m), dict(v)
