"""Grader of inverted dropout (§9.2).

The mask is random and drawn by the student's own generator (np.random or
the ``rng`` argument, which the grader never passes), so A_out is checked
against the student's own mask, A ⊙ mask / keep_prob, and the mask itself by
its statistics: the fraction of kept units must be close to keep_prob.
"""

import numpy as np

from ..checks import as_array, close, compare, expect_finite, expect_shape, expect_untouched, fmt
from ..framework import Fail, grader

# Activations of a layer: m examples × d units, enough entries (≥ 12 000) for
# the kept fraction to be measured to about ±0.5 %.
ROWS = (150, 250)
COLUMNS = (80, 120)
# Half-width of the check of the kept fraction, in standard errors
# sqrt(p(1-p)/N) of a binomial proportion: a correct mask fails it with
# probability P(|N(0,1)| > 7) ≈ 2.6e-12 (exact binomial tails for N = 12 000
# and keep_prob in [0.2, 0.9]: at most 4.4e-12); three such checks per run. A mask kept with
# probability 1 - keep_prob instead is off by |1 - 2·keep_prob| ≥ 0.3 here,
# over 50 standard errors.
Z_STAT = 7.0
# keep_prob of the values stage, away from 0.5 so that "keep" and "drop"
# can't be confused; of the property stage, on the other side of 0.5.
KEEP_HIGH = (0.65, 0.9)
KEEP_LOW = (0.2, 0.35)


def _activations(g):
    m, d = int(g.rng.integers(*ROWS)), int(g.rng.integers(*COLUMNS))
    return g.rng.standard_normal((m, d))


def _unpack(value, what, stage):
    """(A_out, mask) of a training call, with types checked."""
    type_stage = "type" if stage == "values" else stage
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        got = f"un {type(value).__name__} de longueur {len(value)}" if isinstance(value, (tuple, list)) else type(value).__name__
        raise Fail(type_stage, f"{what} : attendu un tuple de 2 éléments (A_out, mask), obtenu {got}.")
    A_out, mask = value
    A_out = as_array(A_out, f"{what} : A_out", stage=type_stage)
    if mask is None:
        raise Fail(
            type_stage,
            f"{what} : mask vaut None en entraînement (training=True).",
            "en entraînement, renvoyez le masque utilisé : la rétropropagation en a besoin (§9.2). "
            "Seul training=False renvoie (A, None).",
        )
    mask = as_array(mask, f"{what} : mask", stage=type_stage)
    return A_out, mask


def _check_training_call(A, keep_prob, A_out, mask, what, stage):
    """A_out = A ⊙ mask / keep_prob, mask in {0, 1}, kept fraction ≈ keep_prob."""
    shape_stage = "shape" if stage == "values" else stage
    mask_hint = None
    if mask.shape in [(1, A.shape[1]), (A.shape[1],)]:
        mask_hint = (
            "un masque de forme (1, d) est partagé par tous les exemples ; tirez un masque de la forme de A, "
            "np.random.rand(*A.shape) (§9.2), pour que chaque exemple ait le sien."
        )
    elif mask.shape == (A.shape[0], 1):
        mask_hint = "un masque de forme (m, 1) coupe tous les neurones d'un exemple ensemble ; tirez-le de la forme de A."
    for arr, name, hint in [(A_out, "A_out", None), (mask, "mask", mask_hint)]:
        if arr.shape != A.shape:
            if shape_stage == "shape":
                expect_shape(arr, A.shape, f"{what} : {name}", hint)
            raise Fail(stage, f"{what} : {name} de forme {arr.shape}, attendu {A.shape}.", hint)
    expect_finite(A_out, f"{what} : A_out", stage=stage)
    maskf = np.asarray(mask, dtype=float)
    if not np.all((maskf == 0) | (maskf == 1)):
        values = np.unique(maskf)
        hint = "mask vaut 1 pour un neurone gardé et 0 pour un neurone éteint (booléen ou 0/1) : mask = np.random.rand(*A.shape) < keep_prob."
        if values.size <= 2 and np.isclose(values.max(), 1 / keep_prob):
            hint = (
                "mask contient 0 et 1/keep_prob : renvoyez le masque de 0 et de 1 (ou booléen) ; la division par "
                "keep_prob ne s'applique qu'à A_out (A * mask / keep_prob, §9.2)."
            )
        raise Fail(
            stage,
            f"{what} : mask contient d'autres valeurs que 0 et 1 (par exemple {fmt(values[~np.isin(values, [0, 1])][0])}).",
            hint,
        )
    expected = A * maskf / keep_prob
    compare(
        A_out,
        expected,
        f"{what} : A_out comparé à A * mask / keep_prob (avec votre mask)",
        inputs={"A": A, "mask": maskf},
        stage=stage,
        diagnoses=[
            ("la division par keep_prob manque : A_out = A * mask / keep_prob (dropout inversé, §9.2), pour garder E[A_out] = A.", A * maskf),
            ("il faut diviser par keep_prob, pas multiplier : A_out = A * mask / keep_prob (§9.2).", A * maskf * keep_prob),
            (
                "on divise par keep_prob, la probabilité de garder un neurone, pas par 1 − keep_prob : "
                "A_out = A * mask / keep_prob (§9.2).",
                A * maskf / (1 - keep_prob),
            ),
            (
                "A_out garde les neurones où mask vaut 0 : mask doit valoir 1 (True) pour les neurones gardés.",
                A * (1 - maskf) / keep_prob,
            ),
            ("le masque n'est pas appliqué : A_out = A * mask / keep_prob (§9.2).", A / keep_prob),
            ("keep_prob semble ignoré (division par 0.5) : utilisez l'argument keep_prob.", A * maskf / 0.5),
        ],
    )
    # Each example gets its own mask (before the statistics, which assume
    # independent entries).
    if np.all(maskf == maskf[:1]):
        raise Fail(
            stage,
            f"{what} : toutes les lignes de mask sont identiques (le même masque pour les {A.shape[0]} exemples).",
            "tirez un masque de la forme de A, np.random.rand(*A.shape) (§9.2), pas une seule ligne répétée.",
        )
    if np.all(maskf == maskf[:, :1]):
        raise Fail(
            stage,
            f"{what} : toutes les colonnes de mask sont identiques (chaque exemple garde tous ses neurones ou aucun).",
            "tirez un masque de la forme de A, np.random.rand(*A.shape) (§9.2).",
        )
    n = maskf.size
    kept = float(maskf.mean())
    tol = Z_STAT * np.sqrt(keep_prob * (1 - keep_prob) / n)
    if abs(kept - keep_prob) > tol:
        if abs(kept - (1 - keep_prob)) <= tol:
            hint = (
                "la comparaison est inversée : chaque neurone est gardé avec probabilité keep_prob, "
                "mask = np.random.rand(*A.shape) < keep_prob (§9.2), pas > keep_prob."
            )
        elif abs(kept - 0.5) <= Z_STAT * np.sqrt(0.25 / n):
            hint = "keep_prob semble ignoré (la moitié des neurones est gardée) : utilisez l'argument keep_prob."
        else:
            hint = "mask = np.random.rand(*A.shape) < keep_prob garde chaque neurone avec probabilité keep_prob (§9.2)."
        raise Fail(
            stage,
            f"{what} : {100 * kept:.1f} % des neurones sont gardés, attendu keep_prob = {100 * keep_prob:.1f} % "
            f"(tolérance ± {100 * tol:.1f} % sur {n} neurones) ; E[A_out] vaudrait alors {kept / keep_prob:.3f} × A.",
            hint,
        )


@grader("dropout_forward", points=2)
def grade_dropout_forward(g):
    A = _activations(g)
    keep_prob = float(np.round(g.rng.uniform(*KEEP_HIGH), 3))
    what = f"dropout_forward(A, keep_prob={fmt(keep_prob)})"
    outcome = g.call(A, keep_prob=keep_prob, return_args=True)
    A_out, mask = _unpack(outcome.value, what, "values")
    _check_training_call(A, keep_prob, A_out, mask, what, "values")
    expect_untouched(A, outcome.args_after[0], "A")

    # Another keep_prob, on the other side of 0.5, then the default 0.5.
    low = float(np.round(g.rng.uniform(*KEEP_LOW), 3))
    for keep, kwargs, label in [
        (low, {"keep_prob": low}, f"dropout_forward(A, keep_prob={fmt(low)})"),
        (0.5, {}, "dropout_forward(A) (keep_prob par défaut : 0.5)"),
    ]:
        A_other = _activations(g)
        A_out_other, mask_other = _unpack(g.call(A_other, stage="property", **kwargs).value, label, "property")
        _check_training_call(A_other, keep, A_out_other, mask_other, label, "property")

    # Each call draws a new mask.
    maskf = np.asarray(mask, dtype=float)
    _, mask_again = _unpack(g.call(A, keep_prob=keep_prob, stage="property").value, what, "property")
    if mask_again.shape == mask.shape and np.array_equal(np.asarray(mask_again, dtype=float), maskf):
        raise Fail(
            "property",
            f"{what} : deux appels donnent exactement le même masque.",
            "ne fixez pas la graine dans la fonction (np.random.seed(...)) : à chaque itération, le dropout doit "
            "éteindre un sous-réseau différent (§9.2).",
        )

    # Edge values: keep_prob = 1 keeps everything; at test time nothing happens.
    outcome = g.call(A, keep_prob=1.0, stage="property")
    A_one, mask_one = _unpack(outcome.value, "dropout_forward(A, keep_prob=1)", "property")
    if A_one.shape != A.shape or not close(A_one, A) or mask_one.shape != A.shape or not np.all(mask_one == 1):
        raise Fail(
            "property",
            "dropout_forward(A, keep_prob=1) : attendu A inchangé et un masque de 1 (aucun neurone éteint).",
            "avec keep_prob = 1 chaque neurone est gardé : mask = np.random.rand(*A.shape) < keep_prob vaut partout True.",
        )
    outcome = g.call(A, keep_prob=keep_prob, training=False, stage="property")
    value = outcome.value
    test_what = f"dropout_forward(A, keep_prob={fmt(keep_prob)}, training=False)"
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Fail("property", f"{test_what} : attendu le tuple (A, None).", "au test, return A, None (§9.2).")
    A_test, mask_test = value
    A_test = as_array(A_test, f"{test_what} : A_out", stage="property")
    if A_test.shape != A.shape:
        raise Fail(
            "property", f"{test_what} : A_out de forme {A_test.shape}, attendu {A.shape}.", "au test, return A, None (§9.2)."
        )
    if not close(A_test, A):
        if np.sum((A_test == 0) & (A != 0)) > 0.01 * A.size:
            raise Fail(
                "property",
                f"{test_what} : {int(np.sum(A_test == 0))} valeur(s) mises à 0 sur {A.size} ; attendu A inchangé.",
                "avec training=False le dropout ne fait rien : return A, None (§9.2). Seul l'entraînement éteint des neurones.",
            )
        compare(
            A_test,
            A,
            f"{test_what} : A_out (attendu A inchangé)",
            stage="property",
            diagnoses=[
                (
                    "avec le dropout inversé, la mise à l'échelle est faite pendant l'entraînement (÷ keep_prob) : au "
                    "test on renvoie A tel quel, sans le multiplier par keep_prob (§9.2).",
                    A * keep_prob,
                ),
                ("au test, A est renvoyé tel quel : pas de division par keep_prob (§9.2).", A / keep_prob),
            ],
        )
    if mask_test is not None:
        raise Fail(
            "property",
            f"{test_what} : mask devrait valoir None, obtenu {type(mask_test).__name__}.",
            "au test il n'y a pas de masque : return A, None (§9.2).",
        )
