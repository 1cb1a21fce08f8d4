def relu(z):
    return z
