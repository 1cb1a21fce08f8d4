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
  64 → … → 10, with at least one hidden layer (worth nothing by themselves);
- values: finite parameters and a test accuracy above TARGET_ACCURACY
  (95 %, the exercise's goal). Below it, the accuracy sets the credit:

  ========================= =====================================================
  test accuracy             credit (share of the function's points)
  ========================= =====================================================
  ≤ CHANCE_MAX (20 %)       0, no work: « exactitude au niveau du hasard » (10 %
                            for 10 digits), or one digit predicted for every
                            image; an untrained network lands here
  below PARTIAL_FROM (80 %) 0: the network learned something, not enough
  PARTIAL_FROM to 95 %      BELOW_TARGET_SHARE × (accuracy − 80 %) / (95 % − 80 %):
                            the values share (70 %) in proportion, the "values
                            right on part of the inputs" idea for a statistic
  ========================= =====================================================

  The hint says what was observed (accuracy on the training images the
  function was given, a prefix of them classified without fault, outputs
  saturated, inputs that the network classifies better once rescaled) and
  names a cause only when the observation points to it;
- inputs: X_train and y_train left untouched;
- property: trained again on half the training images with the digits
  renamed by a permutation, the network must predict the new names: it
  learns from the labels it is given. One that still predicts the original
  names does not depend on y_train (it trained on load_digits(), the
  grader's held-out images among them, or returns parameters trained
  beforehand): no work, « le modèle ne dépend pas des étiquettes y_train ».
  Then trained on the other half with one-hot labels, shape (m, 10), as in
  Listing 5 and as the notebook's contract requires: it must learn as well.

Seeds. The grade of a network between 80 % and 95 % cannot be the same under
every seed, as ``tests/test_seed_stability.py`` asks of the other graders:
the split is drawn from the seed, and the accuracy measured on 450 held-out
images has a standard error of √(0.85 × 0.15 / 450) ≈ 1.7 points, which
moves the credit by 0.7 × 1.7 / 15 ≈ 8 % of the points. Holding it within
5 % would need about 1 100 test images, 2.5 times the 450 held out, which
would leave too few of the 1797 digits to train on; or several trainings
per student (cross-validation), beyond the grading budget. A network above 95 % or at chance gets the same grade under
every seed; the training is the student's own, often unseeded.
"""

import functools
import gzip
import importlib.util
import re
from pathlib import Path

import numpy as np

from ..checks import as_array, as_dict, expect_finite, expect_untouched, fmt_shape, stage_as
from ..framework import STAGES, Fail, describe_failure, grader
from ..mistakes.mlp import (
    CHANCE_MAX,
    N_CLASSES,
    PARTIAL_FROM,
    accuracy_hint,
    at_chance,
    pct,
    predict,
    ready_made_network,
    shifted,
)

N_FEATURES = 64
# 450 of the 1797 images are held out: one image is 0.22 % of accuracy.
TEST_FRACTION = 0.25
# Seconds allowed for one training. In the sandbox, Listing 5's loop (100
# epochs of SGD on 64-128-64-10, batches of 32) takes about 0.6 s and the
# reference (Adam, 30 epochs) 0.4 s: 60 s leaves room for slow but sensible
# code, such as a Python loop over the examples.
TIME_LIMIT = 60.0
# Exercise 17.2.2: « Objectif : > 95 % accuracy ».
TARGET_ACCURACY = 0.95
# The most that an accuracy below the target earns: the values share, since
# a network at 94.9 % has right values on nearly all the test images.
BELOW_TARGET_SHARE = STAGES["values"]
# Cap on the size of the returned network: 100× the 17,226 parameters of the
# chapter's 64-128-64-10, and still fast to score.
MAX_PARAMETERS = 2_000_000
# Trained with the digits renamed, the network must reach this accuracy on
# the renamed test labels. Any network that learns from its inputs reaches
# > 85 % on half the data; one that ignores them (say, trained on
# load_digits() inside the function) scores ~0 % since no digit keeps its name.
PERMUTED_MIN_ACCURACY = 0.5

@functools.lru_cache(maxsize=1)
def _digits():
    """scikit-learn's digits, read as ``load_digits`` reads them, without importing scikit-learn.

    The file is bundled with scikit-learn (no download); importing
    ``sklearn.datasets`` would cost each grading process about 0.5 CPU
    seconds of imports (scipy among them) for 1797 rows of a CSV file.
    """
    spec = importlib.util.find_spec("sklearn")  # finds the package without running it
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt", encoding="ascii") as text:
        data = np.loadtxt(text, delimiter=",")
    return data[:, :-1] / 16.0, data[:, -1].astype(np.int64)


def _stratified_split(rng, y, fraction):
    """Indices (rest, part): ``fraction`` of each class in ``part``, both shuffled."""
    part = []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        part.extend(members[: int(round(fraction * len(members)))])
    part = np.array(sorted(part))
    rest = np.setdiff1d(np.arange(len(y)), part)
    return rng.permutation(rest), rng.permutation(part)


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
        module = ready_made_network(g.sandbox, outcome)
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
    fail = Fail(stage, message, hint)
    fail.status, fail.error = outcome.status, dict(outcome.error or {})  # as Grading.call records them
    raise fail


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


def _derangement(rng):
    """A permutation of the digits that renames every one of them."""
    while True:
        perm = rng.permutation(N_CLASSES)
        if np.all(perm != np.arange(N_CLASSES)):
            return perm


_ONE_HOT_HINT = (
    "y_train peut aussi arriver déjà encodé en one-hot, de forme (m, 10), comme dans le Listing 5 : "
    "n'encodez que s'il est à une dimension (if y_train.ndim == 1: Y = np.eye(10)[y_train])."
)


@grader("train_digits_model", points=5, timeout=TIME_LIMIT)
def grade_train_digits_model(g):
    X, y = _digits()
    train, test = _stratified_split(g.rng, y, TEST_FRACTION)
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]

    outcome = _train(g, X_train, y_train, "runs")
    parameters = _parameters(g, outcome.value, "runs")
    predicted = predict(parameters, X_test)
    accuracy = float(np.mean(predicted == y_test))
    if not accuracy > TARGET_ACCURACY:
        hint = accuracy_hint(parameters, predicted, X_train, y_train, X_test, y_test, accuracy)
        reason = at_chance(predicted, accuracy, len(test)) if shifted(predicted, y_test) is None else None
        if reason:
            raise Fail("values", f"{g.name} : {reason}.", hint, kind="no_work")
        share = float(np.clip((accuracy - PARTIAL_FROM) / (TARGET_ACCURACY - PARTIAL_FROM), 0.0, 1.0))
        raise Fail(
            "values",
            f"{g.name} : exactitude {pct(accuracy)} sur les {len(test)} images de test que le correcteur garde pour "
            f"lui ; l'exercice 17.2.2 demande plus de {pct(TARGET_ACCURACY)}. Crédit partiel proportionnel entre "
            f"{pct(PARTIAL_FROM)} et {pct(TARGET_ACCURACY)}.",
            hint,
            credit=BELOW_TARGET_SHARE * share,
        )
    g.note(f"Exactitude sur les {len(test)} images de test : {pct(accuracy)}.")

    hint = (
        "ne modifiez pas X_train ni y_train (np.random.shuffle les mélange en place) : mélangez des indices, "
        "perm = np.random.permutation(m), puis X_train[perm] et y_train[perm]."
    )
    expect_untouched(X_train, outcome.args_after[0], "X_train", hint)
    expect_untouched(y_train, outcome.args_after[1], "y_train", hint)

    # Trained on other labels, the network must predict those labels.
    rename = _derangement(g.rng)
    rest, half = _stratified_split(g.rng, y_train, 0.5)
    outcome = _train(g, X_train[half], rename[y_train[half]], "property")
    parameters = _parameters(g, outcome.value, "property")
    predicted = predict(parameters, X_test)
    renamed_accuracy = float(np.mean(predicted == rename[y_test]))
    renamed = f"(0 → {rename[0]}, 1 → {rename[1]}, …)"
    if not renamed_accuracy >= PERMUTED_MIN_ACCURACY:
        original = float(np.mean(predicted == y_test))
        if original >= PERMUTED_MIN_ACCURACY:
            # It predicts labels it was not given: it trained on other data,
            # maybe the grader's held-out images, so its accuracy means nothing.
            raise Fail(
                "values",
                f"{g.name} : le modèle ne dépend pas des étiquettes y_train. Entraîné sur la moitié des images "
                f"d'entraînement, les chiffres renommés par une permutation {renamed}, le réseau renvoyé prédit encore "
                f"les étiquettes d'origine ({pct(original)} des images de test), pas celles qu'il a reçues "
                f"({pct(renamed_accuracy)}) : son exactitude sur les images de test ne compte pas.",
                "la fonction charge-t-elle load_digits() elle-même, ou renvoie-t-elle des paramètres entraînés "
                "d'avance, au lieu d'apprendre des X_train et y_train reçus ? Les images de test du correcteur font "
                "partie de load_digits().",
                kind="no_work",
            )
        raise Fail(
            "property",
            f"{g.name} entraîné sur la moitié des images d'entraînement, les chiffres renommés par une permutation "
            f"{renamed} : exactitude {pct(renamed_accuracy)} pour ces nouveaux noms sur les images de test ; attendu "
            f"au moins {pct(PERMUTED_MIN_ACCURACY)}. La fonction doit apprendre des X_train, y_train qu'elle reçoit.",
        )

    # The labels one-hot encoded, shape (m, 10), as Listing 5 gives them.
    one_hot = np.eye(N_CLASSES)[y_train[rest]]
    what = f"{g.name} avec y_train en one-hot (forme {fmt_shape(one_hot.shape)}, comme dans le Listing 5)"
    try:
        outcome = _train(g, X_train[rest], one_hot, "property")
    except Fail as fail:
        fail.message = f"{what} : {fail.message.removeprefix(f'{g.name} : ')}"
        fail.hint = fail.hint or _ONE_HOT_HINT
        raise
    try:
        parameters = _parameters(g, outcome.value, "property")
    except Fail as fail:
        fail.message = f"{what} : {fail.message.removeprefix(f'{g.name}(X_train, y_train) : ')}"
        raise
    one_hot_accuracy = float(np.mean(predict(parameters, X_test) == y_test))
    if not one_hot_accuracy >= PERMUTED_MIN_ACCURACY:
        raise Fail(
            "property",
            f"{what}, sur l'autre moitié des images d'entraînement : exactitude {pct(one_hot_accuracy)} sur les "
            f"images de test ; attendu au moins {pct(PERMUTED_MIN_ACCURACY)}, comme avec des étiquettes 0..9.",
            _ONE_HOT_HINT,
        )
