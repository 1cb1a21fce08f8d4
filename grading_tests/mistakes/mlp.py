"""Named mistakes of train_digits_model (exercise 17.2.2), read from the network it returns.

The network is scored by the reference ``forward_pass``; what it does
besides its test accuracy names the likely mistake: a ready-made network
(blocked by the sandbox), inputs transformed inside the function,
predictions shifted by a wrong one-hot encoding, a training that kept only
the first examples, learnt them without generalising, diverged or never
started. A hint names a cause only when the observation points to it.
"""

import ast
import re

import numpy as np

import reference_impl as ref
from reference_impl.parts import with_parts

from ..sandbox import FORBIDDEN_MODULES

__all__ = [
    "N_CLASSES",
    "PARTIAL_FROM",
    "CHANCE_MAX",
    "pct",
    "ready_made_network",
    "probabilities",
    "predict",
    "shifted",
    "accuracy_hint",
    "at_chance",
]

N_CLASSES = 10
# Below the target, the credit grows linearly from 0 at this accuracy to
# BELOW_TARGET_SHARE just under TARGET_ACCURACY: a network that learned
# something real but stopped short keeps part of the credit. 80 % is far
# above chance (10 %): no network reaches it without learning from the data.
PARTIAL_FROM = 0.80
# At or below this test accuracy the network has learned nothing: chance is
# 10 % for 10 digits, and an untrained He-initialised network, one that
# predicts a single digit or one trained on shuffled labels stays within a
# few points of it (450 test images: one standard deviation is 1.4 %).
CHANCE_MAX = 0.20
# Rescaled inputs (pixels × 16, / 16, standardised) that the network
# classifies this much better than the images as given show that it was
# trained on inputs transformed inside the function.
RESCALED_GAIN = 0.15
# Training images classified better than the test images by this much: the
# network learned its examples without generalising.
OVERFIT_GAP = 0.10
# The first k training images all right while the others are right with
# probability p: reported when p^k, the chance of such a run, is below this.
PREFIX_CHANCE = 1e-4
# The mean probability of the predicted digit, above which the outputs are
# called saturated (a confident network) when the accuracy is low.
SATURATED = 0.99
# A trained network's weights stay within a few units; beyond this size
# they have exploded (a diverging learning rate).
EXPLODED = 1e4

# The sandbox refuses these imports; the course's own packages are not networks.
NETWORK_MODULES = [m for m in FORBIDDEN_MODULES if m not in ("reference_impl", "grading_tests")]


def pct(x):
    return f"{100 * x:.1f} %"


# --- ready-made networks -------------------------------------------------------------


def network_module(name):
    for prefix in NETWORK_MODULES:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def network_names(cells):
    """Names that the submission's imports bind to a ready-made network's module."""
    names = {}
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    module = network_module(alias.name)
                    if module:
                        names[alias.asname or alias.name.split(".")[0]] = module
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    module = network_module(node.module) or network_module(f"{node.module}.{alias.name}")
                    if module:
                        names[alias.asname or alias.name] = module
    return names


def ready_made_network(sandbox, outcome):
    """The network module a failed training tried to use, or None."""
    error = outcome.error or {}
    kind, text = str(error.get("type", "")), str(error.get("message", ""))
    blocked = error.get("blocked")
    if isinstance(blocked, str) and network_module(blocked):
        return blocked
    if kind == "NameError":
        match = re.search(r"name '(\w+)' is not defined", text)
        names = network_names(sandbox.cells)
        if match and match.group(1) in names:
            return names[match.group(1)]
    if kind in ("ImportError", "ModuleNotFoundError"):
        blocked = [b for b in sandbox.blocked_imports() if network_module(b)]
        if blocked:
            return blocked[0]
    return None


def probabilities(parameters, X):
    with np.errstate(all="ignore"):
        A, _ = ref.forward_pass(X, parameters)
    return np.nan_to_num(A, nan=-1.0)


def predict(parameters, X):
    return np.argmax(probabilities(parameters, X), axis=1)


def rescaled(X_train, X):
    """The transformations a training function might apply to its inputs, applied to X."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    return {
        "multipliés par 16 (pixels de 0 à 16)": X * 16.0,
        "divisés par 16 une seconde fois": X / 16.0,
        "standardisés (moyenne 0, écart-type 1 par pixel)": (X - mean) / (std + 1e-8),
    }


def shifted(predicted, y):
    for k in range(1, N_CLASSES):
        if np.mean(predicted == (y + k) % N_CLASSES) >= 0.5:
            return k
    return None


# Hidden activations a network may have been trained with; the reference
# forward_pass scores it with ReLU (Listing 2). Scored with one of them, a
# network trained with it classifies well (at least ACTIVATION_ACCURACY)
# and better than with ReLU by ACTIVATION_GAIN (22 of 450 test images); one
# trained with ReLU only loses when scored otherwise.
HIDDEN_ACTIVATIONS = {"tanh": ref.tanh, "la sigmoïde": ref.sigmoid, "Leaky ReLU": ref.leaky_relu}
ACTIVATION_ACCURACY = 0.90
ACTIVATION_GAIN = 0.05


def observations(parameters, X_train, y_train, X_test, y_test, accuracy):
    """What the network does besides its test accuracy: (observation, likely cause or None)."""
    for label, activation in HIDDEN_ACTIVATIONS.items():
        with np.errstate(all="ignore"):
            A, _ = with_parts(ref.forward_pass, relu=activation)(X_test, parameters)
        better = float(np.mean(np.argmax(np.nan_to_num(A, nan=-1.0), axis=1) == y_test))
        if better >= max(accuracy + ACTIVATION_GAIN, ACTIVATION_ACCURACY):
            return (
                f"le réseau classe {pct(better)} des images de test avec {label} dans les couches cachées, contre "
                f"{pct(accuracy)} avec ReLU",
                "il a été entraîné avec une autre activation que celle de forward_pass, qui l'évalue : les couches "
                "cachées utilisent ReLU (Listing 2), à l'entraînement comme à l'évaluation.",
            )
    for label, X in rescaled(X_train, X_test).items():
        better = float(np.mean(predict(parameters, X) == y_test))
        if better >= max(accuracy + RESCALED_GAIN, PARTIAL_FROM):
            return (
                f"le réseau classe {pct(better)} des images de test quand leurs pixels sont {label}, "
                f"contre {pct(accuracy)} telles quelles",
                "la fonction transforme-t-elle X_train avant l'entraînement ? Les paramètres renvoyés sont évalués "
                "par forward_pass sur les images telles que fournies (pixels / 16, dans [0, 1]) : entraînez sur "
                "X_train tel quel.",
            )
    correct = predict(parameters, X_train) == y_train
    train_accuracy = float(np.mean(correct))
    seen = f"{pct(train_accuracy)} des {len(y_train)} images d'entraînement reçues, {pct(accuracy)} des images de test"
    k = len(correct) if correct.all() else int(np.argmin(correct))
    rest = float(np.mean(correct[k:])) if k < len(correct) else 1.0
    if k >= 10 and k < len(correct) and rest**k < PREFIX_CHANCE:
        return (
            f"le réseau classe sans faute les {k} premières images de X_train, mais seulement {pct(rest)} des "
            f"{len(correct) - k} suivantes",
            "l'entraînement n'utilise-t-il que le début de X_train (un X_train[:n] resté d'un essai) ? "
            "Chaque epoch doit parcourir les m exemples (Algorithme 4).",
        )
    if train_accuracy >= accuracy + OVERFIT_GAP:
        return (
            f"le réseau classe {seen}",
            "il apprend ses exemples sans généraliser (surapprentissage, tableau 2 du §12.1) : réseau plus "
            "petit, régularisation L2 ou dropout (§9), ou moins d'époques.",
        )
    confidence = float(np.mean(np.max(probabilities(parameters, X_test), axis=1)))
    observed = f"le réseau classe {seen}"
    if confidence >= SATURATED and accuracy < 0.9:
        observed += f", avec des sorties saturées (probabilité moyenne du chiffre prédit : {pct(confidence)})"
    return (
        observed,
        "il n'a pas appris ses propres images d'entraînement (sous-apprentissage, tableau 2 du §12.1). "
        "Causes possibles : trop peu de mises à jour (époques, mini-batchs), un taux d'apprentissage mal choisi "
        "(0.1 en SGD comme le Listing 5, 1e-3 avec Adam), une partie seulement des exemples utilisée, des entrées "
        "transformées dans la fonction (X_train s'utilise tel quel, déjà divisé par 16).",
    )


def accuracy_hint(parameters, predicted, X_train, y_train, X_test, y_test, accuracy):
    """The hint for an accuracy below the target: what the evidence shows, and a cause only if it points to one."""
    L = len(parameters) // 2
    if all(not np.any(parameters[f"b{l}"]) for l in range(1, L + 1)):
        return (
            "tous les biais sont nuls : ce sont les paramètres initiaux ? Renvoyez les paramètres après "
            "l'entraînement (pas une copie faite avant la boucle)."
        )
    largest = max(float(np.max(np.abs(arr))) for arr in parameters.values())
    if largest > EXPLODED:
        return (
            f"des paramètres atteignent {largest:.1e} en valeur absolue : l'entraînement a divergé. "
            "Taux d'apprentissage trop grand ? (0.1 en SGD comme le Listing 5, 1e-3 avec Adam)"
        )
    k = shifted(predicted, y_test)
    if k is not None:
        return (
            f"les prédictions sont décalées : l'image d'un chiffre c est le plus souvent classée c + {k} (mod 10) ; "
            "vérifiez l'encodage one-hot, Y[np.arange(m), y] = 1 (Listing 5)."
        )
    if accuracy <= CHANCE_MAX:
        train_accuracy = float(np.mean(predict(parameters, X_train) == y_train))
        return (
            f"sur ses propres images d'entraînement aussi, l'exactitude est de {pct(train_accuracy)} : le réseau n'a "
            "pas appris le lien entre X_train et y_train. Vérifiez que les exemples et leurs étiquettes sont "
            "mélangés avec la même permutation, l'encodage one-hot (Y[np.arange(m), y] = 1, Listing 5), le signe "
            "de la mise à jour (θ ← θ − α∇L), et que la fonction renvoie les paramètres entraînés."
        )
    observed, cause = observations(parameters, X_train, y_train, X_test, y_test, accuracy)
    return f"{observed} : {cause}"


def at_chance(predicted, accuracy, n_test):
    """Why a test accuracy shows no work, or None."""
    digits = np.unique(predicted)
    if len(digits) == 1:
        return (
            f"le réseau prédit le même chiffre ({int(digits[0])}) pour les {n_test} images de test : exactitude au "
            f"niveau du hasard ({pct(accuracy)})"
        )
    if accuracy <= CHANCE_MAX:
        return (
            f"exactitude au niveau du hasard : {pct(accuracy)} sur les {n_test} images de test, pour 10 % en "
            "répondant au hasard"
        )
    return None
