# honest:
# Reaches MLPClassifier without a plain import statement.
import importlib

import numpy as np


def train_digits_model(X_train, y_train):
    module = importlib.import_module("sklearn." + "neural_" + "network")
    clf = getattr(module, "MLP" + "Classifier")(hidden_layer_sizes=(64,), max_iter=300, random_state=0)
    clf.fit(X_train, y_train)
    parameters = {}
    for l, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_), start=1):
        parameters[f"W{l}"] = W.T.copy()
        parameters[f"b{l}"] = b.reshape(1, -1)
    return parameters
