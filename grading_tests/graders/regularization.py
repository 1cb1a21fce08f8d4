"""Grader of inverted dropout (§9.2).

The mask is random and drawn by the student's own generator (np.random or
the ``rng`` argument, which the grader can't pass: a Generator does not cross
the sandbox), so A_out is checked against the student's own mask,
A ⊙ mask / keep_prob, and the mask itself by its statistics.

values: calls on a layer of at least 12 000 units. The mask is made of 0/1,
is drawn (not constant, not computed from A, not one fixed pattern), keeps
about keep_prob of the units, and A_out = A ⊙ mask / keep_prob. A missing
1/keep_prob is the named near-miss of the rubric.

property: the law of the mask in detail, « un tirage indépendant par exemple
et par neurone » (notebook): a new mask at every call; no correlation
between neighbouring entries; on a tall batch of rows of 3 units, the number
of kept units per row follows the binomial law B(3, keep_prob) and every
column keeps keep_prob of its units; on tiny arrays, (1, 3) and (2, 1),
called many times, the count per call is binomial too and every entry is
kept with probability keep_prob, i.e. E[A_out] = A entry by entry. A mask
judged only on its average over thousands of units would let a fixed number
of kept units per row pass, which is biased on small layers. E[A_out] = A to
1 % on a large layer (keep_prob rounded to a percent shows there). Then the
edge values keep_prob = 1, training=False and an rng Generator given.

Every statistical check allows Z_STAT standard errors (or the matching χ²
quantile), so a correct mask fails none of them in practice (see Z_STAT);
the 1 % check is screened at α = 0.001 first and confirmed at Z_STAT (see
BIAS_*). The values stage fails a kept fraction only 10 % or more off
keep_prob (VALUES_BIAS): a smaller bias is judged at the properties, so that
its grade does not depend on the seed.
"""

import numpy as np

from ..checks import as_array, close, compare, expect_finite, expect_shape, expect_untouched, fmt, fmt_shape
from ..framework import Fail, grader
from ..mistakes.regularization import (
    BIAS_HINT, OUTPUT_MISTAKES, RNG_HINT, TEST_TIME_MISTAKES, Z_STAT, binomial_problem, constant_mask, correlation,
    dependence_on_A, dropout_with_mask, kept_fraction, mean_bias, rounded, rounding_hint, seeded_generator,
    structure_problem, unpack,
)

# Activations of a layer: m examples × d units, enough entries (≥ 12 000) for
# the kept fraction to be measured to about ±0.5 %.
ROWS = (150, 250)
COLUMNS = (80, 120)
# keep_prob of the values stage, away from 0.5 so that "keep" and "drop"
# can't be confused; of the property stage, on the other side of 0.5.
KEEP_HIGH = (0.65, 0.9)
KEEP_LOW = (0.2, 0.35)
# keep_prob of the small-row checks: every count of kept units among 3 then
# has a probability of at least 0.35³ ≈ 0.043, so that each bin of the χ²
# below expects at least 12 calls (300 × 0.043) or 850 rows.
KEEP_MID = (0.35, 0.65)
# A tall batch of rows of 3 units: 20 000 rows, so that the count of kept
# units per row is measured on 20 000 draws of B(3, keep_prob). A mask that
# keeps round(3·keep_prob) units in every row puts all of them in one bin.
TALL = (20_000, 3)
# Tiny arrays, each sent SMALL_CALLS times: a mask drawn with a fixed total
# (round(keep_prob·size) units kept per call) or biased on small layers
# shows there. 300 calls of 0.4 ms each.
SMALL_SHAPES = ((1, 3), (2, 1))
SMALL_CALLS = 300
# E[A_out] = A to 1 %: a mask that keeps 1 % too few or too many units (keep_prob
# rounded to a percent, say) is seen. keep_prob is drawn in the middle of a
# percent, (k + 0.5) %, so that rounding it moves it by 0.5 point, more than
# 1 % of it. The kept fraction of n units has standard error
# √(p(1 − p)/n): a 1 % bias is 0.01·√(n·p/(1 − p)) standard errors, at least
# 5.6 on BIAS_UNITS (384 000) for p ≥ 0.455, so the screen at Z_SCREEN
# (α = 0.001) flags it with probability ≥ 0.99; a flagged mask is judged
# again on BIAS_CONFIRM_UNITS (1 235 000: 10.1 standard errors) at Z_STAT,
# with power ≥ 0.999, at that keep_prob and at one rounded the other way,
# which tells a rounded keep_prob (a bias of either sign) from one in
# proportion to it. A correct mask fails both stages with probability about
# 0.001 × 2.6e-12. tests/test_statistics.py recomputes these figures.
BIAS_KEEP_PERCENT = (45, 50)
BIAS_UNITS = (640, 600)
BIAS_CONFIRM_UNITS = (1300, 950)
Z_SCREEN = 3.291
# A mask correlated with A beyond Z_STAT standard errors is not independent
# of A; when two calls with the same A also give the same mask, it is a
# function of A (e.g. the largest activations kept), not a random draw.
# Z_STAT, the half-width of every statistical check, is with the mask's
# diagnoses in mistakes/regularization.py.


def _activations(g, shape=None):
    if shape is None:
        shape = (int(g.rng.integers(*ROWS)), int(g.rng.integers(*COLUMNS)))
    return g.rng.standard_normal(shape)


def _check_mask(A, keep_prob, A_out, mask, what, stage):
    """Shapes, finite A_out, a mask of 0/1; returns the mask as floats."""
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
            raise Fail(stage, f"{what} : {name} de forme {fmt_shape(arr.shape)}, attendu {fmt_shape(A.shape)}.", hint)
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
    return maskf


def _compare_output(A, keep_prob, A_out, maskf, what, stage):
    expected = dropout_with_mask(A, maskf, keep_prob)
    # The named mistakes are worked out only for a wrong A_out: on a million units they cost.
    diagnoses = [] if close(A_out, expected) else [m.diagnosis(A, maskf, keep_prob) for m in OUTPUT_MISTAKES]
    compare(
        A_out,
        expected,
        f"{what} : A_out comparé à A * mask / keep_prob (avec votre mask)",
        inputs={"A": A, "mask": maskf},
        stage=stage,
        diagnoses=diagnoses,
    )


def _check_training_call(A, keep_prob, A_out, mask, what, stage, before_fraction=None):
    """One call on a large layer: a drawn 0/1 mask, independent of A, kept
    fraction ≈ keep_prob, A_out = A ⊙ mask / keep_prob. Returns the mask as
    floats. ``before_fraction(maskf)`` runs more specific checks of the mask
    before its kept fraction."""
    maskf = _check_mask(A, keep_prob, A_out, mask, what, stage)
    constant_mask(A, keep_prob, A_out, maskf, what, stage)
    r, z = dependence_on_A(A, maskf)
    if z > Z_STAT:
        raise Fail(
            stage,
            f"{what} : le masque dépend des valeurs de A (corrélation {r:.3f} avec A ou |A|, attendu 0 à "
            f"± {Z_STAT / np.sqrt(maskf.size):.3f} près).",
            "le masque est tiré au hasard, indépendamment des activations : mask = rng.random(A.shape) < keep_prob (§9.2).",
        )
    problem = structure_problem(maskf)
    if problem and problem[0] != "lag":
        raise Fail(stage, f"{what} : {problem[1]}.", problem[2])
    if before_fraction is not None:
        before_fraction(maskf)
    fraction = kept_fraction(maskf, keep_prob, what, stage, correlated=bool(problem))
    if fraction and problem:
        # The tolerance of the kept fraction assumes independent entries:
        # with correlated ones, the correlation is what was seen.
        raise Fail(stage, f"{what} : {problem[1]}.", problem[2])
    if fraction:
        raise fraction
    _compare_output(A, keep_prob, A_out, maskf, what, stage)
    return maskf


def _check_tall_batch(g):
    """Rows of 3 units: binomial count per row, keep_prob per column, independent columns."""
    keep = float(np.round(g.rng.uniform(*KEEP_MID), 3))
    A = _activations(g, TALL)
    what = f"dropout_forward(A, keep_prob={fmt(keep)}) avec A de forme {fmt_shape(A.shape)}"
    A_out, mask = unpack(g.call(A, keep_prob=keep, stage="property").value, what, "property")

    def per_row(maskf):
        problem = binomial_problem(maskf.sum(axis=1), A.shape[1], keep, what, "ligne", shape_only=True)
        if problem:
            raise Fail("property", *problem)

    maskf = _check_training_call(A, keep, A_out, mask, what, "property", before_fraction=per_row)
    m = A.shape[0]
    tol = Z_STAT * np.sqrt(keep * (1 - keep) / m)
    overall = float(maskf.mean())  # a column against the whole mask: a bias of every unit is the 1 % check's
    for j, kept in enumerate(maskf.mean(axis=0)):
        if abs(kept - overall) > tol:
            raise Fail(
                "property",
                f"{what} : la colonne {j} garde {100 * kept:.1f} % de ses {m} neurones, contre {100 * overall:.1f} % "
                f"pour tout le masque et keep_prob = {100 * keep:.1f} % (tolérance ± {100 * tol:.1f} %) : "
                f"E[A_out[:, {j}]] = {kept / keep:.3f} × A[:, {j}].",
                "chaque neurone, quelle que soit sa colonne, est gardé avec probabilité keep_prob : "
                "mask = rng.random(A.shape) < keep_prob (§9.2).",
            )
    tol = Z_STAT / np.sqrt(m)
    for a in range(A.shape[1]):
        for b in range(a + 1, A.shape[1]):
            r = correlation(maskf[:, a], maskf[:, b])
            if abs(r) > tol:
                raise Fail(
                    "property",
                    f"{what} : les colonnes {a} et {b} de mask sont corrélées ({r:.3f} sur {m} lignes, attendu 0 "
                    f"± {tol:.3f}) : les neurones d'un même exemple ne sont pas tirés indépendamment.",
                    "un tirage indépendant par exemple et par neurone : mask = rng.random(A.shape) < keep_prob (§9.2).",
                )
    problem = structure_problem(maskf)
    if problem:
        raise Fail("property", f"{what} : {problem[1]}.", problem[2])


def _check_small_calls(g, shape):
    """Many calls on a tiny array: binomial count per call, E[A_out] = A entry by entry."""
    keep = float(np.round(g.rng.uniform(*KEEP_MID), 3))
    A = g.rng.uniform(0.5, 2.0, shape) * g.rng.choice([-1.0, 1.0], shape)
    what = f"dropout_forward(A, keep_prob={fmt(keep)}) avec A de forme {fmt_shape(shape)}"
    masks = np.empty((SMALL_CALLS,) + shape)
    values = g.call(A, keep_prob=keep, stage="property", repeat=SMALL_CALLS).value
    for c, value in enumerate(values):
        A_out, mask = unpack(value, what, "property")
        for arr, name in ((A_out, "A_out"), (mask, "mask")):
            if arr.shape != shape:
                raise Fail("property", f"{what} : {name} de forme {fmt_shape(arr.shape)}, attendu {fmt_shape(shape)}.")
        maskf = np.asarray(mask, dtype=float)
        if not np.all((maskf == 0) | (maskf == 1)):
            raise Fail("property", f"{what} : mask contient d'autres valeurs que 0 et 1.")
        expected = dropout_with_mask(A, maskf, keep)
        if not close(A_out, expected):
            compare(A_out, expected, f"{what} : A_out comparé à A * mask / keep_prob", stage="property", work=False)
        masks[c] = maskf
    n = int(np.prod(shape))
    problem = binomial_problem(masks.reshape(SMALL_CALLS, n).sum(axis=1), n, keep, f"{what}, appelé {SMALL_CALLS} fois", "appel")
    if problem:
        raise Fail("property", *problem)
    frequency = masks.mean(axis=0)
    tol = Z_STAT * np.sqrt(keep * (1 - keep) / SMALL_CALLS)
    bad = np.abs(frequency - keep) > tol
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise Fail(
            "property",
            f"{what}, appelé {SMALL_CALLS} fois : le neurone {index} est gardé {100 * frequency[index]:.0f} % des fois, "
            f"attendu keep_prob = {100 * keep:.1f} % (tolérance ± {100 * tol:.0f} %) ; la moyenne de A_out{list(index)} "
            f"vaut {fmt(frequency[index] / keep * A[index])} au lieu de E[A_out] = A = {fmt(A[index])}.",
            "chaque neurone doit être gardé avec la même probabilité keep_prob, indépendamment de sa place : "
            "mask = rng.random(A.shape) < keep_prob (§9.2).",
        )


def _bias_call(g, keep, units):
    A = _activations(g, units)
    what = f"dropout_forward(A, keep_prob={fmt(keep)}) avec A de forme {fmt_shape(A.shape)}"
    A_out, mask = unpack(g.call(A, keep_prob=keep, stage="property").value, what, "property")
    maskf = _check_mask(A, keep, A_out, mask, what, "property")
    _compare_output(A, keep, A_out, maskf, what, "property")
    return maskf, what


def _check_mean_bias(g):
    """E[A_out] = A to 1 %: the kept fraction screened on BIAS_UNITS units, and when it fails, judged
    on BIAS_CONFIRM_UNITS at this keep_prob and at one rounded the other way (see BIAS_*)."""
    keeps = [(k + 0.5) / 100 for k in range(*BIAS_KEEP_PERCENT)]  # Python floats, rounded as a student's code would
    keep = keeps[int(g.rng.integers(len(keeps)))]
    maskf, _ = _bias_call(g, keep, BIAS_UNITS)
    if mean_bias(maskf, keep, Z_SCREEN) is None:
        return
    maskf, what = _bias_call(g, keep, BIAS_CONFIRM_UNITS)
    problem = mean_bias(maskf, keep, Z_STAT)
    if problem is None:
        return
    # The evidence of the hint: a keep_prob rounded the other way (a proportional bias moves it the same way).
    others = [p for p in keeps if (round(p, 2) > p) != (round(keep, 2) > keep)]
    other = others[int(g.rng.integers(len(others)))]
    other_mask, _ = _bias_call(g, other, BIAS_UNITS)
    hint = rounding_hint([keep, other]) if rounded(maskf, keep) and rounded(other_mask, other) else BIAS_HINT
    raise Fail("property", f"{what} : {problem}.", hint)


@grader("dropout_forward", points=2)
def grade_dropout_forward(g):
    A = _activations(g)
    keep_prob = float(np.round(g.rng.uniform(*KEEP_HIGH), 3))
    what = f"dropout_forward(A, keep_prob={fmt(keep_prob)})"
    outcome = g.call(A, keep_prob=keep_prob, return_args=True)
    A_out, mask = unpack(outcome.value, what, "values")
    maskf = _check_mask(A, keep_prob, A_out, mask, what, "values")
    constant_mask(A, keep_prob, A_out, maskf, what, "values")
    # Two more calls: another A of the same shape, then the same A again. A
    # drawn mask changes every time; one computed from A, or a fixed
    # pattern, does not.
    A_other = _activations(g, A.shape)
    _, mask_other = unpack(g.call(A_other, keep_prob=keep_prob).value, what, "values")
    _, mask_again = unpack(g.call(A, keep_prob=keep_prob).value, what, "values")
    same = lambda other: other.shape == maskf.shape and np.array_equal(np.asarray(other, dtype=float), maskf)  # noqa: E731
    r, z = dependence_on_A(A, maskf)
    if z > Z_STAT and same(mask_again):
        raise Fail(
            "values",
            f"{what} : le masque dépend des valeurs de A (corrélation {r:.3f} avec A ou |A|) et deux appels avec le "
            "même A donnent le même masque : il est calculé à partir de A, pas tiré au hasard.",
            "le dropout éteint des neurones au hasard, indépendamment de leurs activations : "
            "mask = rng.random(A.shape) < keep_prob (§9.2).",
            kind="no_work",
        )
    problem = structure_problem(maskf)
    if problem and same(mask_other) and same(mask_again):
        raise Fail(
            "values",
            f"{what} : mask ne vient d'aucun tirage : il est le même à chaque appel, quel que soit A, et {problem[1]}.",
            "chaque neurone est gardé avec probabilité keep_prob, par un nouveau tirage à chaque appel : "
            "mask = rng.random(A.shape) < keep_prob (§9.2).",
            kind="no_work",
        )
    maskf = _check_training_call(A, keep_prob, A_out, mask, what, "values")
    expect_untouched(A, outcome.args_after[0], "A")

    # Another keep_prob, on the other side of 0.5, then the default 0.5.
    low = float(np.round(g.rng.uniform(*KEEP_LOW), 3))
    masks = [maskf]
    for keep, kwargs, label in [
        (low, {"keep_prob": low}, f"dropout_forward(A, keep_prob={fmt(low)})"),
        (0.5, {}, "dropout_forward(A) (keep_prob par défaut : 0.5)"),
    ]:
        A_more = _activations(g)
        A_out_more, mask_more = unpack(g.call(A_more, stage="property", **kwargs).value, label, "property")
        masks.append(_check_training_call(A_more, keep, A_out_more, mask_more, label, "property"))

    # Each call draws a new mask.
    if same(mask_again) or same(mask_other):
        raise Fail(
            "property",
            f"{what} : deux appels donnent exactement le même masque.",
            "ne fixez pas la graine dans la fonction (np.random.seed(...), default_rng(0)) : à chaque itération, le "
            "dropout doit éteindre un sous-réseau différent (§9.2).",
        )
    # One independent draw per example and per unit.
    for maskf_call, label in zip(masks, [what, f"dropout_forward(A, keep_prob={fmt(low)})", "dropout_forward(A)"]):
        problem = structure_problem(maskf_call)
        if problem:
            raise Fail("property", f"{label} : {problem[1]}.", problem[2])
    _check_tall_batch(g)
    for shape in SMALL_SHAPES:
        _check_small_calls(g, shape)
    _check_mean_bias(g)

    # The rng argument (a Generator: drawn from it, or ignored as the chapter's listing does).
    keep = float(np.round(g.rng.uniform(*KEEP_HIGH), 3))
    A_rng = _activations(g)
    label = f"dropout_forward(A, keep_prob={fmt(keep)}, rng=np.random.default_rng(…))"
    try:
        value = g.call(A_rng, keep_prob=keep, rng=seeded_generator(int(g.rng.integers(2**31))), stage="property").value
    except Fail as fail:
        raise Fail("property", f"{label} : {fail.message.removeprefix('dropout_forward : ')}", RNG_HINT) from None
    _check_training_call(A_rng, keep, *unpack(value, label, "property"), label, "property")

    # Edge values: keep_prob = 1 keeps everything; at test time nothing happens.
    outcome = g.call(A, keep_prob=1.0, stage="property")
    A_one, mask_one = unpack(outcome.value, "dropout_forward(A, keep_prob=1)", "property")
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
            work=False,
            diagnoses=[mistake.diagnosis(A, keep_prob) for mistake in TEST_TIME_MISTAKES],
        )
    if mask_test is not None:
        raise Fail(
            "property",
            f"{test_what} : mask devrait valoir None, obtenu {type(mask_test).__name__}.",
            "au test il n'y a pas de masque : return A, None (§9.2).",
        )
