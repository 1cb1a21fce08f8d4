"""The checks of an elementwise function of z (the activations and their derivatives).

The contract (notebook 06_2, stub and reference docstrings, visible checks):
``z`` is an ndarray of any shape and of any real dtype, integers included, or
a number; the result has the shape of ``z`` (a number for a number) and holds
numbers, not booleans; ``z`` is left untouched. A list is not part of it.

:func:`check_elementwise` runs them in the fixed order: values on random z
(partial credit for z > 0 or z < 0 only), z untouched, then the properties:
edge values (the overflow of a naive exp is a near-miss when the grader
gives an ``overflow_hint``), other shapes, integers, numbers.
"""

from __future__ import annotations

import numpy as np

from ..framework import Fail
from .calls import raised, student_error
from .compare import close, compare
from .values import as_array, expect_shape, expect_untouched, fmt, fmt_shape

__all__ = ["Z_SCALE", "Z_MAX", "ALPHAS", "EDGES", "TANH_EDGES", "OVERFLOW_Z", "INT_Z", "random_z", "check_elementwise", "check_alpha"]

# Pre-activations of the values stage: N(0, 4²) within ±Z_MAX, both tails of σ
# and tanh, both signs of the ReLUs, never exactly 0 (the tie z = 0 is checked
# on its own). The call on random z always holds ±Z_MAX too, so that a function
# right on |z| < t only is judged the same under every seed: wrong on the
# values for t < Z_MAX (both signs fail), and on the edge values beyond.
Z_SCALE = 4.0
Z_MAX = 9.0
# Values where overflow, underflow and the ReLU tie show up, and ±1.
EDGES = np.array([-800.0, -50.0, -1.0, -1e-12, 0.0, 1e-12, 1.0, 50.0, 800.0])
# tanh written as in éq. 4, (e^z - e^{-z}) / (e^z + e^{-z}), is the chapter's
# own formula and gives inf/inf beyond |z| ≈ 710; ±300 still shows saturation.
TANH_EDGES = np.array([-300.0, -50.0, -1.0, -1e-12, 0.0, 1e-12, 1.0, 50.0, 300.0])
# e^709.78 is the largest float64 exponential: beyond, e^{|z|} overflows. Only
# a non-finite value at such a z is the overflow of the unstable σ.
OVERFLOW_Z = 709.0
# Integer pre-activations, both signs and the tie: an array made by
# np.zeros_like(z) has the dtype of z and truncates σ(z) or αz to 0 there.
INT_Z = np.arange(-3, 4)
# Range of |z| for the number given as z (a Python float, a 0-d array).
SCALAR_RANGE = (0.5, 3.0)

_BOOL_HINT = (
    "convertissez le masque en nombres, par exemple (z > 0).astype(float). Un tableau de booléens ne se calcule "
    "pas comme des nombres : -d et d - d lèvent une erreur, et d[...] = 0.5 y écrit True."
)
_SCALAR_HINT = (
    "z peut être un nombre : un float Python (et z > 0, alors un booléen Python) n'a ni .astype, ni .copy, "
    "ni .shape, ni len, ni indices ; commencez par z = np.asarray(z, dtype=float)."
)
_CAST_HINT = (
    "une opération en place (out=…, *=, +=) ne peut pas écrire des flottants dans un tableau d'entiers, et une "
    "copie de z garde son dtype (int64 ici) : partez de np.asarray(z, dtype=float)."
)
_TRUNCATED_HINT = (
    "les valeurs sont tronquées en entiers : un tableau créé par np.zeros_like(z), np.empty_like(z), "
    "np.ones_like(z), z.copy() ou np.piecewise(z, …) a le dtype de z (int64 ici) ; partez de np.asarray(z, dtype=float)."
)


def random_z(g, shape=(6, 5), ends=False):
    """z ~ N(0, Z_SCALE²) redrawn beyond ±Z_MAX; with ``ends``, two entries at −Z_MAX and +Z_MAX."""
    z = g.rng.standard_normal(shape) * Z_SCALE
    while np.any(np.abs(z) > Z_MAX):
        far = np.abs(z) > Z_MAX
        z[far] = g.rng.standard_normal(int(far.sum())) * Z_SCALE
    if ends:
        where = g.rng.choice(z.size, 2, replace=False)
        z.flat[where] = (-Z_MAX, Z_MAX)
    return z


def _plain(diagnoses):
    """Diagnoses that name a mistake without credit: at the property stage the
    values were right, so a near-miss there would lower the score."""
    return [(hint, candidate) for hint, candidate in diagnoses]


def _detail(g, fail):
    """A failed call's message without the function's name, to follow ours."""
    return fail.message.removeprefix(f"{g.name} : ")


def _cast_error(fail):
    """The student's function could not write floats into an integer array."""
    error = student_error(fail) or ""
    return "Cannot cast" in error or "UFuncTypeError" in error or "CastingError" in error


def _expect_depends_on_z(g, first, z, kwargs):
    """An output of the wrong type or shape that comes back unchanged for
    another z (the visible check's answer, hard-coded) shows no work."""
    z_other = random_z(g, (7,))
    try:
        second = g.call(z_other, stage="shape", **kwargs).value
        a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    except (Fail, TypeError, ValueError):
        return
    if a.shape == b.shape and np.array_equal(a, b, equal_nan=True):
        raise Fail(
            "shape",
            f"{g.name}(z) : la sortie ne dépend pas de l'entrée : le même résultat (forme {fmt_shape(a.shape)}) "
            f"revient pour z de forme {fmt_shape(z.shape)} et pour z de forme {fmt_shape(z_other.shape)}.",
            "calculez le résultat à partir de z, élément par élément.",
            kind="no_work",
        )


def _expect_numbers(out, what):
    if out.dtype.kind == "b":
        raise Fail("property", f"{what} : tableau de booléens (dtype bool) ; attendu des flottants (float64).", _BOOL_HINT)


def _as_number(value, what):
    """The result for a number z must be a number (or a 0-d array), not a boolean."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, np.ndarray) and value.dtype.kind == "b"):
        raise Fail("property", f"{what} : obtenu un booléen ; attendu un nombre (float).", _BOOL_HINT)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        return float(value)
    if isinstance(value, np.ndarray):
        raise Fail(
            "property",
            f"{what} : attendu un nombre (ou un tableau de forme ()), obtenu un tableau de forme {fmt_shape(value.shape)}.",
            "la sortie a la forme de z : pour un nombre, un nombre.",
        )
    raise Fail("property", f"{what} : attendu un nombre, obtenu {type(value).__name__}.")


def _overflow_sides(g, edges, kwargs):
    """The signs of the extreme z (|z| ≥ OVERFLOW_Z) where the function, called
    on that z alone, raises or returns a non-finite value."""
    sides = []
    for v in edges[np.abs(edges) >= OVERFLOW_Z]:
        try:
            out = np.asarray(g.call(np.array([[v]]), stage="property", **kwargs).value, dtype=float)
            bad = not np.all(np.isfinite(out))
        except (Fail, TypeError, ValueError):
            bad = True
        side = "neg" if v < 0 else "pos"
        if bad and side not in sides:
            sides.append(side)
    return sides


def _nonfinite(got, z):
    """'nan en z = 800', 'inf en z = −800'…: what came back, and where."""
    parts = []
    for value, at in zip(got.ravel(), z.ravel()):
        if not np.isfinite(value):
            parts.append(f"{'nan' if np.isnan(value) else fmt(value)} en z = {fmt(at)}")
    return ", ".join(parts)


def _check_edges(g, reference, kwargs, edges, overflow_hint, diagnoses):
    """Edge values: ±800 overflows a naive exp (a warning costs nothing, a nan
    does), ±1e-12 and 0 are the ReLU tie."""
    z = np.asarray(edges, dtype=float).reshape(1, -1)
    what = f"{g.name}(z) pour z = {z.ravel().tolist()}"
    expected = reference(z, **kwargs)
    try:
        value = g.call(z, stage="property", **kwargs).value
    except Fail as fail:
        # math.exp(800) raises instead of returning inf: the same unstable σ.
        if overflow_hint is None or not raised(fail, "OverflowError"):
            raise
        sides = _overflow_sides(g, edges, kwargs)
        raise Fail("property", f"{what} : {_detail(g, fail)}", overflow_hint(sides, "raise"), kind="near_miss",
                   mistake="overflow")
    out = as_array(value, what, stage="property")
    expect_shape(out, z.shape, f"{g.name}(z) aux valeurs extrêmes")
    got = np.asarray(out, dtype=float)
    bad = ~np.isfinite(got)
    if bad.any():
        message = f"{what} : valeur(s) non finie(s) : {_nonfinite(got, z)}."
        at_overflow = bool(np.all(np.abs(z[bad]) >= OVERFLOW_Z))
        if overflow_hint is not None and at_overflow and close(got[~bad], expected[~bad]):
            sides = sorted({"neg" if v < 0 else "pos" for v in z[bad]})
            observed = "nan" if np.isnan(got[bad]).any() else "inf"
            raise Fail("property", message, overflow_hint(sides, observed), kind="near_miss", mistake="overflow")
        raise Fail("property", message)
    compare(out, expected, f"{g.name}(z) aux valeurs extrêmes", inputs={"z": z}, stage="property", diagnoses=diagnoses, work=False)


def _check_other_shapes(g, reference, kwargs):
    for shape in [(7,), (2, 3, 4)]:
        z = random_z(g, shape)
        what = f"{g.name}(z) pour z de forme {fmt_shape(shape)}"
        out = as_array(g.call(z, stage="property", **kwargs).value, what, stage="property")
        if out.shape != z.shape:
            raise Fail(
                "property",
                f"{what} : forme obtenue {fmt_shape(out.shape)}.",
                "la fonction doit marcher pour toute forme de z (pas seulement des matrices).",
            )
        compare(out, reference(z, **kwargs), what, stage="property", work=False)


def _check_integers(g, reference, kwargs, diagnoses):
    z = INT_Z.copy()
    what = f"{g.name}(z) pour z = np.arange(-3, 4), des entiers (dtype {z.dtype})"
    try:
        value = g.call(z, stage="property", **kwargs).value
    except Fail as fail:
        raise Fail("property", f"{what} : {_detail(g, fail)}", _CAST_HINT if _cast_error(fail) else None)
    out = as_array(value, what, stage="property")
    if out.shape != z.shape:
        raise Fail("property", f"{what} : forme obtenue {fmt_shape(out.shape)}, attendue {fmt_shape(z.shape)}.")
    expected = reference(z, **kwargs)
    truncated = np.trunc(expected)
    if out.dtype.kind in "iu" and not close(truncated, expected):
        diagnoses = [(_TRUNCATED_HINT, truncated)] + list(diagnoses)
    compare(out, expected, what, inputs={"z": z}, stage="property", diagnoses=diagnoses, work=False)


def _check_scalars(g, reference, kwargs):
    low, high = SCALAR_RANGE
    numbers = [
        (float(g.rng.uniform(low, high)), "un float Python"),
        (np.array(-g.rng.uniform(low, high)), "un tableau numpy de forme ()"),
    ]
    for z, label in numbers:
        what = f"{g.name}(z) pour un nombre z (z = {fmt(z)}, {label})"
        try:
            value = g.call(z, stage="property", **kwargs).value
        except Fail as fail:
            raise Fail("property", f"{what} : {_detail(g, fail)}", _SCALAR_HINT)
        compare(_as_number(value, what), reference(z, **kwargs), what, stage="property", work=False)


def check_elementwise(g, reference, diagnoses=(), kwargs=None, overflow_hint=None, edges=EDGES):
    """The checks shared by every elementwise function, in the fixed order."""
    kwargs = kwargs or {}
    diagnose = diagnoses if callable(diagnoses) else (lambda z: diagnoses)
    z = random_z(g, ends=True)
    outcome = g.call(z, return_args=True, **kwargs)
    if not isinstance(outcome.value, np.ndarray) or outcome.value.shape != z.shape:
        _expect_depends_on_z(g, outcome.value, z, kwargs)
    out = as_array(outcome.value, f"{g.name}(z)")
    expect_shape(out, z.shape, f"{g.name}(z) pour z de forme {z.shape}", "une fonction élément par élément garde la forme de z.")
    compare(
        out,
        reference(z, **kwargs),
        f"{g.name}(z)",
        inputs={"z": z},
        diagnoses=diagnose(z),
        regions={"z > 0": z > 0, "z < 0": z < 0},
    )
    expect_untouched(z, outcome.args_after[0], "z")
    # Properties. The edges come first: the unstable σ they reveal is a
    # near-miss, whatever else the function gets wrong.
    _expect_numbers(out, f"{g.name}(z)")
    _check_edges(g, reference, kwargs, edges, overflow_hint, _plain(diagnose(np.asarray(edges).reshape(1, -1))))
    _check_other_shapes(g, reference, kwargs)
    _check_integers(g, reference, kwargs, _plain(diagnose(INT_Z.astype(float))))
    _check_scalars(g, reference, kwargs)



# alpha besides its default: any slope, then its edge values 0 (ReLU) and 1
# (the identity), which a test such as ``alpha or 0.01`` gets wrong.
ALPHAS = (0.2, 0.0, 1.0)


def check_alpha(g, reference, name, diagnoses):
    """alpha must be used: calls with alpha = 0.2, 0 and 1 (property stage).

    ``diagnoses(z, alpha)`` gives the known mistakes' results, as in :func:`compare`.
    """
    z = random_z(g, ends=True)
    for alpha in ALPHAS:
        what = f"{name}(z, alpha={alpha:g})"
        out = as_array(g.call(z, alpha=alpha, stage="property").value, what, stage="property")
        compare(
            out,
            reference(z, alpha=alpha),
            what,
            inputs={"z": z},
            stage="property",
            diagnoses=diagnoses(z, alpha),
            work=False,
        )

