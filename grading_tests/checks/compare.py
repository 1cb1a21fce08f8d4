"""Values against the reference, and the rubric's kinds of a wrong output.

:func:`compare` sorts a wrong output into the kinds of the rubric
(``framework.KINDS``): an output that shows no work (:func:`no_work`), a
named near-miss (a :class:`NearMiss` among its diagnoses), or values right on
a named part of the inputs (its ``regions``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..framework import Fail, current
from .values import fmt

__all__ = ["RTOL", "ATOL", "close", "scale_factor", "NearMiss", "no_work", "expect_work", "compare"]

# Values are compared with |got - expected| <= ATOL + RTOL·|expected|.
# RTOL admits float32 results (ε ≈ 1.2e-7, a few roundings) and the rounding
# of any formula of the chapter, such as tanh written as 2σ(2z) - 1 (éq. 4);
# every mistake the bank holds is off by far more.
RTOL = 1e-5
# ATOL covers entries near zero, where a relative error means nothing: the
# tail of a sigmoid, a softmax probability of 1e-12, or 1 - tanh²(z) computed
# in float32, whose cancellation leaves an absolute error of a few ε32 of the
# O(1) terms it subtracts.
ATOL = 1e-6


def close(got, expected, rtol=RTOL, atol=ATOL):
    """Elementwise closeness as the graders define it (see RTOL and ATOL)."""
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(got - expected) <= atol + rtol * np.abs(expected)))


def scale_factor(got, expected):
    """The k such that ``got`` is k·``expected``, or None when it is not a multiple.

    0.0 means ``got`` is zero everywhere; 1.0 is never returned (that is
    closeness, which ``compare`` checks first).
    """
    g, e = np.asarray(got, dtype=float).ravel(), np.asarray(expected, dtype=float).ravel()
    denom = float(e @ e)
    if denom == 0 or g.shape != e.shape or not np.all(np.isfinite(g)):
        return None
    if not np.any(g):
        return 0.0
    k = float(g @ e) / denom
    if abs(k - 1) < 1e-3 or not close(g, k * e, rtol=1e-4, atol=1e-9):
        return None
    return k


def _scale_hint(got, expected):
    """Recognise a result that is a constant multiple of the right one."""
    k = scale_factor(got, expected)
    if k is None:
        return None
    if k == 0:
        return "le résultat est nul partout."
    if abs(k + 1) < 1e-3:
        return "le signe est inversé."
    if abs(k) > 1:
        return f"le résultat est {fmt(k)}× trop grand."
    return f"le résultat est {fmt(1 / k)}× trop petit."


class NearMiss(NamedTuple):
    """A diagnosis worth the near-miss share: a mistake a human grader would
    give partial credit for (σ′ taken from z, a missing 1/m…).

    A plain ``(hint, candidate)`` pair names a mistake without credit.
    """

    hint: str
    candidate: object


def _constant(arr):
    return arr.size > 0 and bool(np.all(arr == arr.flat[0]))


def _fingerprint(arr):
    arr = np.ascontiguousarray(arr, dtype=float)
    return (arr.shape, arr.tobytes())


def no_work(got, expected, inputs=None):
    """Why ``got`` shows no work towards ``expected``, in French, or None.

    An output shows no work when it is zero or constant (where the expected
    one is not), a copy of one of ``inputs`` (where the expected one is not),
    or the very output the student returned for other inputs in this grading
    (where the expected ones differ). Each rule applies only where the right
    answer could not pass it, so ``relu`` of a positive input may equal it.
    """
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if _constant(got) and not _constant(expected):
        if not np.any(got):
            return "la sortie est nulle partout"
        return f"la sortie est constante (toutes les valeurs valent {fmt(got.flat[0])})"
    for name, arr in (inputs or {}).items():
        arr = np.asarray(arr, dtype=float)
        if arr.shape == got.shape and np.array_equal(got, arr) and not close(expected, arr):
            return f"la sortie est une copie de l'entrée {name}"
    g = current()
    if g is not None:
        mine = _fingerprint(got)
        theirs = _fingerprint(expected)
        for seen, seen_expected in g.compared:
            if seen == mine and seen_expected != theirs:
                return "la sortie ne dépend pas de l'entrée : la même valeur revient pour des entrées différentes"
    return None


def _remember(got, expected):
    g = current()
    if g is not None:
        g.compared.append((_fingerprint(got), _fingerprint(expected)))


def expect_work(outputs, expected, what, *, inputs=None, stage="values"):
    """A function with several outputs shows no work when none of them does.

    ``outputs`` and ``expected`` map names to arrays. Call it before comparing
    the outputs one by one (``compare(..., work=False)``): one zero gradient
    beside right ones is a wrong value, not a lack of work.
    """
    reasons = [no_work(outputs[k], expected[k], inputs) for k in expected if k in outputs]
    if reasons and all(reasons):
        raise Fail(stage, f"{what} : {reasons[0]} (pour chacune des sorties {', '.join(expected)}).", kind="no_work")


def _trivial(expected, inputs, mask):
    """Right answers on ``mask`` prove nothing when the reference is constant
    there, or equals an input there (ReLU on z > 0)."""
    part = expected[mask]
    if _constant(part):
        return True
    for arr in (inputs or {}).values():
        arr = np.asarray(arr, dtype=float)
        if arr.shape == expected.shape and close(part, arr[mask]):
            return True
    return False


def compare(
    got, expected, what, *, inputs=None, diagnoses=(), regions=None, stage="values", rtol=RTOL, atol=ATOL, work=True
):
    """``got`` must match ``expected``; if not, say where, guess why and sort
    the mistake into the rubric's kinds.

    Parameters
    ----------
    inputs : dict of name -> ndarray, optional
        The arguments. Those of the same shape as ``expected`` are quoted at
        the first wrong entry (e.g. ``{"z": z}``); an output equal to one of
        them shows no work.
    diagnoses : sequence of (hint, candidate) or NearMiss
        Results of known mistakes. When ``got`` matches a candidate, its hint
        is given; this is how feedback names the likely mistake. A NearMiss
        earns the near-miss share.
    regions : dict of label -> boolean mask, optional
        Named parts of the inputs (``{"z > 0": z > 0}``). Values right on a
        whole part, and wrong elsewhere, earn the partial share, unless the
        part is one where the reference is constant or equals an input.
    work : bool
        Apply :func:`no_work` (False when the caller checked the output as a
        whole with :func:`expect_work`).

    At the ``inputs`` and ``property`` stages the values were already right:
    neither no-work nor partial applies there, only a NearMiss.
    """
    got_f = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if close(got_f, expected, rtol, atol):
        _remember(got_f, expected)
        return
    # After the values stage the values were right: only a near-miss may
    # still set the share (softmax without the shift fails on large scores).
    late = stage in ("inputs", "property")
    if work and not late:
        reason = no_work(got_f, expected, inputs)
        if reason:
            raise Fail(stage, f"{what} : {reason}.", kind="no_work")
    _remember(got_f, expected)
    hint, kind = None, None
    for diagnosis in diagnoses:
        text, candidate = diagnosis
        candidate = np.asarray(candidate, dtype=float)
        if candidate.shape == got_f.shape and close(got_f, candidate, 1e-4, 1e-8):
            hint = text
            kind = "near_miss" if isinstance(diagnosis, NearMiss) else None
            break
    if hint is None:
        hint = _scale_hint(got_f, expected)
    with np.errstate(invalid="ignore"):
        wrong = ~(np.abs(got_f - expected) <= atol + rtol * np.abs(expected))
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    where = f"à l'indice {index}" if index else ""
    shaped = {name: np.asarray(arr) for name, arr in (inputs or {}).items() if np.shape(arr) == expected.shape}
    quoted = "".join(f"{name} = {fmt(arr[index])}, " for name, arr in shaped.items())
    message = (
        f"{what} : {int(wrong.sum())} valeur(s) sur {wrong.size} incorrecte(s) ; {where}"
        f"{' : ' if where else ''}{quoted}attendu {fmt(expected[index])}, obtenu {fmt(got_f[index])}."
    )
    if kind is None and not late and got_f.shape == expected.shape:
        for label, mask in (regions or {}).items():
            mask = np.broadcast_to(np.asarray(mask, dtype=bool), expected.shape)
            if mask.any() and not np.any(wrong & mask) and not _trivial(expected, inputs, mask):
                message += f" Les valeurs sont justes pour {label}, fausses ailleurs."
                kind = "partial"
                break
    raise Fail(stage, message, hint, kind=kind)
