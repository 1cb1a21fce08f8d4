# feedback: calculé à partir de z au lieu de tanh(z)
# credit: near_miss
# mistake: tanh_derivative.tanh_from_z
import numpy as np


def tanh_derivative(z):
    return 1 - z ** 2
