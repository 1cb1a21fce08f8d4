"""A mistake is charged where it is written: the student's own functions, inside another one.

``forward_pass`` may call the student's ``relu`` and ``softmax``, and
``gradient_check`` their ``numerical_gradient``. A mistake of ``softmax``
costs points in ``softmax``; charged again in every function that calls it,
it would cost more there than the same mistake written inline costs in
``forward_pass`` alone. So a grader also compares with the reference run on
the student's own functions (``reference_impl.parts.with_parts``, the
reference with those parts swapped): a function right for the student's own
helpers loses nothing for them, and the feedback says so (:data:`OWN_NOTE`).
"""

from __future__ import annotations

import numpy as np

import reference_impl as ref
from reference_impl.parts import with_parts

from .compare import close

__all__ = ["OwnFailed", "own_function", "with_own", "same_failures", "right_for_own_activations", "OWN_NOTE"]

OWN_NOTE = (
    "Remarque : {name} est juste pour votre propre {helpers}, qui s'écarte de la référence "
    "(voir son retour) ; {name} n'en perd pas de points."
)


class OwnFailed(Exception):
    """The student's helper gave no usable array."""


def own_function(g, name):
    """``f(*args)``: the student's ``name`` called in the sandbox, its value as a float array; None if not defined."""
    if name not in g.sandbox.defined:
        return None

    def call(*args):
        outcome = g.sandbox.call(name, *args, timeout=g.spec.timeout)
        value = outcome.value if outcome.ok else None
        if not isinstance(value, (np.ndarray, float, int, np.floating, np.integer)) or isinstance(value, bool):
            raise OwnFailed(name)
        return np.asarray(value, dtype=float)

    return call


def with_own(g, function, parts):
    """``function`` of the reference with its parts ``{part: student's name}`` swapped for the
    student's own functions, and the names swapped; (None, []) when the hand-in defines none."""
    own = {part: own_function(g, name) for part, name in parts.items()}
    own = {part: f for part, f in own.items() if f is not None}
    if not own:
        return None, []
    return with_parts(function, **own), sorted(parts[p] for p in own)


def same_failures(got, candidate, rtol=1e-4, atol=1e-8):
    """``got`` is ``candidate``: finite at the same entries, with the same values there."""
    got, candidate = np.asarray(got, dtype=float), np.asarray(candidate, dtype=float)
    if got.shape != candidate.shape:
        return False
    finite = np.isfinite(candidate)
    if not np.array_equal(np.isfinite(got), finite):
        return False
    return close(got[finite], candidate[finite], rtol, atol)


def right_for_own_activations(g, X, parameters, A, arrays, required, rtol):
    """True when the output is the reference's on the student's own relu and softmax, which differ
    from the reference (their mistakes are charged in relu and softmax, see checks.own)."""
    forward, _ = with_own(g, ref.forward_pass, {"relu": "relu", "softmax": "softmax"})
    if forward is None:
        return False
    try:
        with np.errstate(all="ignore"):
            own_A, own_cache = forward(X, parameters)
    except (OwnFailed, ValueError, TypeError):
        return False
    if not (same_failures(A, own_A, rtol, 1e-6) and all(same_failures(arrays[k], own_cache[k], rtol, 1e-6) for k in required)):
        return False
    _, cache = ref.forward_pass(X, parameters)
    L = len(parameters) // 2
    names = [name for name, keys in (("relu", [f"A{l}" for l in range(1, L)]), ("softmax", [f"A{L}"]))
             if not all(same_failures(own_cache[k], cache[k], rtol, 1e-6) for k in keys)]
    note = OWN_NOTE.format(name="forward_pass", helpers=" et ".join(names))
    if note not in g.notes:
        g.note(note)
    return True
