# feedback: calculé à partir de z au lieu de σ(z)
# credit: near_miss
# mistake: sigmoid_derivative.sigma_from_z
import numpy as np


def sigmoid_derivative(z):
    return z * (1 - z)
