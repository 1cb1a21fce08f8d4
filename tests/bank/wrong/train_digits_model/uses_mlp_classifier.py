# feedback: réseau tout fait
import numpy as np
from sklearn.neural_network import MLPClassifier


def train_digits_model(X_train, y_train):
    clf = MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=300, random_state=0)
    clf.fit(X_train, y_train)
    parameters = {}
    for l, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_), start=1):
        parameters[f"W{l}"] = W.T
        parameters[f"b{l}"] = b.reshape(1, -1)
    return parameters
