# feedback: la correction du biais manque
# credit: near_miss
# mistake: adam_update.no_bias_correction
import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_parameters, new_m, new_v = {}, {}, {}
    for name, theta in parameters.items():
        key = "d" + name
        g = grads[key]
        new_m[key] = beta1 * m[key] + (1 - beta1) * g
        new_v[key] = beta2 * v[key] + (1 - beta2) * g**2
        new_parameters[name] = theta - learning_rate * new_m[key] / (np.sqrt(new_v[key]) + epsilon)
    return new_parameters, new_m, new_v
