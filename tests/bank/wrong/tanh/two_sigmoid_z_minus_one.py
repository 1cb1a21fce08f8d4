# feedback: 2σ(z) − 1
# mistake: tanh.sigmoid_not_doubled
import numpy as np


def tanh(z):
    return 2 / (1 + np.exp(-z)) - 1
