# feedback: la sortie est une copie de l'entrée
# credit: no_work
def adam_update(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    copy = lambda d: {k: a.copy() for k, a in d.items()}  # noqa: E731
    return copy(parameters), copy(m), copy(v)
