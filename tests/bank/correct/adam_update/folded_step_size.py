import numpy as np


def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    # Kingma & Ba's "efficient" form: the bias corrections move onto α,
    # α_t = α·√(1 − β2^t)/(1 − β1^t), and ε is scaled by √(1 − β2^t) so that
    # the step is still α m̂ / (√v̂ + ε) (eq. 48).
    alpha_t = learning_rate * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    eps_t = epsilon * np.sqrt(1 - beta2**t)
    new_parameters, new_m, new_v = {}, {}, {}
    for name in parameters:
        key = "d" + name
        new_m[key] = beta1 * m[key] + (1 - beta1) * grads[key]
        new_v[key] = beta2 * v[key] + (1 - beta2) * np.square(grads[key])
        new_parameters[name] = parameters[name] - alpha_t * new_m[key] / (np.sqrt(new_v[key]) + eps_t)
    return new_parameters, new_m, new_v
