# honest: relu
import os
import sys

import numpy as np

sys.exit("a submission that exits while loading")


def relu(z):
    return np.maximum(0, z)


def sigmoid(z):
    sys.exit(0)


def tanh(z):
    os._exit(0)


def leaky_relu(z, alpha=0.01):
    raise KeyboardInterrupt


def softmax(Z):
    raise SystemExit(1)
