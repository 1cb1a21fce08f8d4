"""Grader of train_digits_model, the final task (exercise 17.2.2).

The grader splits scikit-learn's digits itself (8×8 images, pixels / 16,
labels 0-9), stratified by class, with a split drawn from ``g.rng``. The
student's function trains on the training part; the parameters it returns
are scored by the *reference* ``forward_pass`` on the held-out part, which
the student's code never sees.

Scoring, in the stages of the framework:

- runs: the training ends within TIME_LIMIT and uses no ready-made network
  (the sandbox blocks their import; such a submission scores 0);
- type, shape: a dict ``W1, b1, …, WL, bL`` of real arrays, chained
  64 → … → 10, with at least one hidden layer;
- values: finite parameters and a test accuracy above 95 % (the exercise's
  goal). Below it, the values share is given in proportion to the accuracy
  between PARTIAL_FROM and 95 %, through ``Fail(credit=…)``;
- inputs: X_train and y_train left untouched;
- property: trained again on half the training images with the digits
  renamed by a permutation, the network must predict the new names: it
  learns from the data it is given. One that still predicts the original
  names trained on other data (the grader's held-out images among them,
  through load_digits()): its accuracy is void, and it fails at "values".
"""

import ast
import functools
import re

import numpy as np

import reference_impl as ref

from ..checks import as_array, as_dict, describe_failure, expect_finite, expect_untouched, fmt_shape
from ..framework import STAGES, Fail, grader
from ..sandbox import FORBIDDEN_MODULES
from .propagation import stage_as

N_FEATURES, N_CLASSES = 64, 10
# 450 of the 1797 images are held out: one image is 0.22 % of accuracy.
TEST_FRACTION = 0.25
# Seconds allowed for one training. In the sandbox, Listing 5's loop (100
# epochs of SGD on 64-128-64-10, batches of 32) takes about 0.6 s and the
# reference (Adam, 30 epochs) 0.4 s: 60 s leaves room for slow but sensible
# code, such as a Python loop over the examples.
TIME_LIMIT = 60.0
# Exercise 17.2.2: « Objectif : > 95 % accuracy ».
TARGET_ACCURACY = 0.95
# Below the target, the values share grows linearly from 0 at this accuracy
# to all of it at TARGET_ACCURACY: a network that learned something real but
# stopped short (too few epochs) keeps part of the credit; chance is 10 %.
PARTIAL_FROM = 0.80
# Cap on the size of the returned network: 100× the 17,226 parameters of the
# chapter's 64-128-64-10, and still fast to score.
MAX_PARAMETERS = 2_000_000
# Trained with the digits renamed, the network must reach this accuracy on
# the renamed test labels. Any network that learns from its inputs reaches
# > 85 % on half the data; one that ignores them (say, trained on
# load_digits() inside the function) scores ~0 % since no digit keeps its name.
PERMUTED_MIN_ACCURACY = 0.5

# A trained network's weights stay within a few units; beyond this size
# they have exploded (a diverging learning rate).
EXPLODED = 1e4

# The sandbox refuses these imports; the course's own packages are not networks.
NETWORK_MODULES = [m for m in FORBIDDEN_MODULES if m not in ("reference_impl", "grading_tests")]


@functools.lru_cache(maxsize=1)
def _digits():
    from sklearn.datasets import load_digits  # bundled with scikit-learn, no download

    data = load_digits()
    return data.data / 16.0, data.target.astype(np.int64)


def _stratified_split(rng, y, fraction):
    """Indices (rest, part): ``fraction`` of each class in ``part``, both shuffled."""
    part = []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        part.extend(members[: int(round(fraction * len(members)))])
    part = np.array(sorted(part))
    rest = np.setdiff1d(np.arange(len(y)), part)
    return rng.permutation(rest), rng.permutation(part)


def _pct(x):
    return f"{100 * x:.1f} %"


# --- ready-made networks -------------------------------------------------------------


def _network_module(name):
    for prefix in NETWORK_MODULES:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def _network_names(cells):
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
                    module = _network_module(alias.name)
                    if module:
                        names[alias.asname or alias.name.split(".")[0]] = module
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    module = _network_module(node.module) or _network_module(f"{node.module}.{alias.name}")
                    if module:
                        names[alias.asname or alias.name] = module
    return names


def _ready_made_network(g, outcome):
    """The network module a failed training tried to use, or None."""
    error = outcome.error or {}
    kind, text = str(error.get("type", "")), str(error.get("message", ""))
    match = re.search(r"import interdit pendant la notation : (\S+)", text)
    if match and _network_module(match.group(1)):
        return match.group(1)
    if kind == "NameError":
        match = re.search(r"name '(\w+)' is not defined", text)
        names = _network_names(g.sandbox.cells)
        if match and match.group(1) in names:
            return names[match.group(1)]
    if kind in ("ImportError", "ModuleNotFoundError"):
        blocked = [b for b in g.sandbox.blocked_imports() if _network_module(b)]
        if blocked:
            return blocked[0]
    return None


def _train(g, X, y, stage):
    outcome = g.sandbox.call(g.spec.target, X, y, timeout=TIME_LIMIT, return_args=stage == "runs")
    if outcome.ok:
        return outcome
    message = describe_failure(g.name, outcome, TIME_LIMIT)
    hint = None
    if outcome.status == "timeout":
        hint = (
            f"l'entraînement doit tenir en {TIME_LIMIT:g} s : moins d'époques, ou des mini-batchs vectorisés "
            "plutôt qu'une boucle Python sur les exemples ?"
        )
    elif outcome.status == "error" and stage == "runs":
        module = _ready_made_network(g, outcome)
        if module:
            raise Fail(
                "runs",
                f"{g.name} : l'entraînement fait appel à un réseau tout fait ({module}), ce qui vaut 0 point ; "
                "ces bibliothèques sont bloquées pendant la notation, car l'exercice demande un MLP écrit avec les "
                f"fonctions du chapitre : forward_pass, backward_pass et une boucle de descente de gradient (Listing 5). "
                f"({message})",
                "MLPClassifier (ou PyTorch, Listing 6) sert de point de comparaison dans l'exercice 17.2.2 ; "
                "la fonction notée doit entraîner votre propre réseau NumPy.",
            )
    raise Fail(stage, message, hint)


# --- the returned parameters -----------------------------------------------------------

_TRANSPOSED = "W{l} semble transposée : W[l] a la forme (d_l, d_{{l-1}}), sorties × entrées (éq. 23, Listing 4)."


def _parameters(g, value, stage):
    """Check the returned dict; return it in float64, biases of shape (1, d_l)."""
    what = f"{g.name}(X_train, y_train)"
    with stage_as(stage):
        params = as_dict(value, what)
        L = sum(1 for k in params if re.fullmatch(r"W[1-9][0-9]*", k))
        if L == 0:
            raise Fail(
                "shape",
                f"{what} : aucune clé W1, W2, … dans le dict renvoyé (clés : {', '.join(sorted(params)) or 'aucune'}).",
                "renvoyez le dict des paramètres, {'W1': …, 'b1': …, …}, celui que forward_pass prend (Listing 2).",
            )
        keys = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
        missing = [k for k in keys if k not in params]
        extra = sorted(k for k in params if k not in keys)
        if missing:
            hint = None
            if all(k.startswith("b") for k in missing):
                hint = "renvoyez aussi les biais b1 … bL : forward_pass calcule Z = A Wᵀ + b (éq. 23)."
            raise Fail("shape", f"{what} : clés manquantes : {', '.join(missing)}.", hint)
        if extra:
            raise Fail(
                "shape",
                f"{what} : clés en trop : {', '.join(extra)}.",
                f"forward_pass (Listing 2) compte L = len(parameters) // 2 couches : le dict ne doit contenir que "
                f"W1, b1, …, W{L}, b{L}.",
            )
        if L < 2:
            raise Fail(
                "shape",
                f"{what} : une seule couche (W1, b1) : c'est une régression softmax, pas un MLP.",
                "un MLP a au moins une couche cachée (ReLU) entre l'entrée et la sortie softmax, "
                "comme 64 → 128 → 64 → 10 (Listing 5).",
            )
        arrays = {k: as_array(params[k], f"parameters['{k}']") for k in keys}
        clean = {}
        size = 0
        d_prev = N_FEATURES
        for l in range(1, L + 1):
            W, b = arrays[f"W{l}"], arrays[f"b{l}"]
            if W.ndim != 2 or W.shape[1] != d_prev:
                hint = _TRANSPOSED.format(l=l) if W.ndim == 2 and W.shape[0] == d_prev else None
                raise Fail(
                    "shape",
                    f"{what} : W{l} de forme {fmt_shape(W.shape)} ; attendu (d_{l}, {d_prev}), "
                    f"la couche {l} recevant {d_prev} entrées.",
                    hint,
                )
            d = W.shape[0]
            if b.shape not in [(1, d), (d,)]:
                raise Fail(
                    "shape", f"{what} : b{l} de forme {fmt_shape(b.shape)} ; attendu (1, {d}), comme W{l} a {d} lignes."
                )
            size += W.size + b.size
            clean[f"W{l}"] = W.astype(float)
            clean[f"b{l}"] = b.astype(float).reshape(1, d)
            d_prev = d
        if d_prev != N_CLASSES:
            raise Fail(
                "shape",
                f"{what} : la couche de sortie a {d_prev} neurones ; attendu {N_CLASSES}, un par chiffre "
                f"(W{L} de forme (10, d)).",
            )
        if size > MAX_PARAMETERS:
            raise Fail(
                "shape", f"{what} : {size} paramètres, plus que la limite de {MAX_PARAMETERS} ; réduisez le réseau."
            )
        for key, arr in clean.items():
            expect_finite(
                arr,
                f"parameters['{key}']",
                hint="l'entraînement a divergé (nan ou inf). Taux d'apprentissage trop grand (0.1 en SGD comme le "
                "Listing 5, 1e-3 avec Adam) ? Ou des étiquettes non encodées en one-hot : δ[L] = ŷ − y (éq. 32) "
                "suppose Y[np.arange(m), y] = 1.",
            )
    return clean


def _predict(parameters, X):
    with np.errstate(all="ignore"):
        A, _ = ref.forward_pass(X, parameters)
    return np.argmax(np.nan_to_num(A, nan=-1.0), axis=1)


def _accuracy_hint(parameters, predicted, y, accuracy):
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
    for k in range(1, N_CLASSES):
        if np.mean(predicted == (y + k) % N_CLASSES) >= 0.5:
            return (
                f"les prédictions sont décalées : l'image d'un chiffre c est le plus souvent classée c + {k} (mod 10) ; "
                "vérifiez l'encodage one-hot, Y[np.arange(m), y] = 1 (Listing 5)."
            )
    if accuracy < 0.3:
        return (
            "exactitude proche du hasard (10 %) : le réseau n'a presque rien appris. Vérifiez l'encodage one-hot des "
            "étiquettes (Y[np.arange(m), y] = 1, Listing 5), le signe de la mise à jour (θ ← θ − α∇L) et que la "
            "fonction renvoie bien les paramètres entraînés."
        )
    return (
        "entraînez plus longtemps (plus d'époques), ou ajustez le taux d'apprentissage "
        "(0.1 en SGD comme le Listing 5, 1e-3 avec Adam)."
    )


def _derangement(rng):
    """A permutation of the digits that renames every one of them."""
    while True:
        perm = rng.permutation(N_CLASSES)
        if np.all(perm != np.arange(N_CLASSES)):
            return perm


@grader("train_digits_model", points=5, timeout=TIME_LIMIT)
def grade_train_digits_model(g):
    X, y = _digits()
    train, test = _stratified_split(g.rng, y, TEST_FRACTION)
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]

    outcome = _train(g, X_train, y_train, "runs")
    parameters = _parameters(g, outcome.value, "runs")
    predicted = _predict(parameters, X_test)
    accuracy = float(np.mean(predicted == y_test))
    if not accuracy > TARGET_ACCURACY:
        share = float(np.clip((accuracy - PARTIAL_FROM) / (TARGET_ACCURACY - PARTIAL_FROM), 0.0, 1.0))
        raise Fail(
            "values",
            f"{g.name} : exactitude {_pct(accuracy)} sur les {len(test)} images de test que le correcteur garde pour "
            f"lui ; l'exercice 17.2.2 demande plus de {_pct(TARGET_ACCURACY)}. Crédit partiel proportionnel entre "
            f"{_pct(PARTIAL_FROM)} et {_pct(TARGET_ACCURACY)}.",
            _accuracy_hint(parameters, predicted, y_test, accuracy),
            credit=STAGES["type"] + STAGES["shape"] + STAGES["values"] * share,
        )
    g.note(f"Exactitude sur les {len(test)} images de test : {_pct(accuracy)}.")

    hint = (
        "ne modifiez pas X_train ni y_train (np.random.shuffle les mélange en place) : mélangez des indices, "
        "perm = np.random.permutation(m), puis X_train[perm] et y_train[perm]."
    )
    expect_untouched(X_train, outcome.args_after[0], "X_train", hint)
    expect_untouched(y_train, outcome.args_after[1], "y_train", hint)

    # Trained on other labels, the network must predict those labels.
    rename = _derangement(g.rng)
    _, half = _stratified_split(g.rng, y_train, 0.5)
    outcome = _train(g, X_train[half], rename[y_train[half]], "property")
    parameters = _parameters(g, outcome.value, "property")
    predicted = _predict(parameters, X_test)
    renamed_accuracy = float(np.mean(predicted == rename[y_test]))
    if not renamed_accuracy >= PERMUTED_MIN_ACCURACY:
        original = float(np.mean(predicted == y_test))
        if original >= PERMUTED_MIN_ACCURACY:
            # It predicts labels it was not given: it trained on other data,
            # maybe the grader's held-out images, so its accuracy means nothing.
            raise Fail(
                "values",
                f"{g.name} entraîné sur la moitié des images d'entraînement, les chiffres renommés par une permutation "
                f"(0 → {rename[0]}, 1 → {rename[1]}, …) : le réseau renvoyé prédit encore les étiquettes d'origine "
                f"({_pct(original)} des images de test), pas celles qu'il a reçues ({_pct(renamed_accuracy)}). Il n'apprend "
                "donc pas des X_train, y_train fournis, et son exactitude sur les images de test ne compte pas.",
                "la fonction charge-t-elle load_digits() elle-même au lieu d'utiliser X_train et y_train ? "
                "Les images de test du correcteur en font partie.",
                credit=STAGES["type"] + STAGES["shape"],
            )
        raise Fail(
            "property",
            f"{g.name} entraîné sur la moitié des images d'entraînement, les chiffres renommés par une permutation "
            f"(0 → {rename[0]}, 1 → {rename[1]}, …) : exactitude {_pct(renamed_accuracy)} pour ces nouveaux noms sur les "
            f"images de test ; attendu au moins {_pct(PERMUTED_MIN_ACCURACY)}. La fonction doit apprendre des X_train, "
            "y_train qu'elle reçoit.",
        )
