"""Check helpers shared by the graders, with their French messages.

Each helper either returns normally or raises :class:`Fail` with a message
that names the quantity, what was expected, what came back and, when a
diagnosis matches, the likely mistake.

:func:`compare` also sorts a wrong output into the kinds of the rubric
(``framework.KINDS``): an output that shows no work (:func:`no_work`), a
named near-miss (a :class:`NearMiss` among its diagnoses), or values right on
a named part of the inputs (its ``regions``).
"""

from __future__ import annotations

import numpy as np

from typing import NamedTuple

from .framework import Fail, current
from .sandbox import Unsupported

__all__ = [
    "RTOL",
    "ATOL",
    "describe_failure",
    "as_array",
    "as_real_scalar",
    "as_tuple",
    "as_dict",
    "expect_shape",
    "expect_keys",
    "expect_finite",
    "compare",
    "NearMiss",
    "no_work",
    "expect_work",
    "close",
    "scale_factor",
    "expect_untouched",
    "fmt",
    "fmt_shape",
]

# Values are compared with |got - expected| <= ATOL + RTOL·|expected|.
# RTOL admits float32 results (ε ≈ 1.2e-7, a few roundings) and the rounding
# of any formula of the chapter, such as tanh written as 2σ(2z) - 1 (eq. 4);
# every mistake the bank holds is off by far more.
RTOL = 1e-5
# ATOL covers entries near zero, where a relative error means nothing: the
# tail of a sigmoid, a softmax probability of 1e-12, or 1 - tanh²(z) computed
# in float32, whose cancellation leaves an absolute error of a few ε32 of the
# O(1) terms it subtracts.
ATOL = 1e-6


def fmt(x):
    """A number as a student would want to read it."""
    x = float(x)
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.6g}"
    return f"{x:.4e}"


def fmt_shape(shape):
    return "(" + ", ".join(str(int(d)) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def describe_failure(name, outcome, timeout):
    """The message for a call that gave no value."""
    status = outcome.status
    if status == "missing":
        return (
            f"{name} : fonction introuvable. Vérifiez son nom exact et que la cellule "
            "qui la définit s'exécute sans erreur."
        )
    if status == "timeout":
        return f"{name} : pas de réponse en {fmt(timeout)} s (boucle infinie, ou calcul beaucoup trop lent ?)."
    if status == "crash":
        code = (outcome.error or {}).get("returncode")
        return (
            f"{name} : le processus de notation s'est arrêté pendant l'appel (code {code}). "
            "Causes possibles : os._exit, mémoire épuisée, erreur fatale."
        )
    if status == "protocol":
        return f"{name} : la valeur renvoyée n'a pas pu être lue par le correcteur."
    error = outcome.error or {}
    kind, message = error.get("type", "Exception"), error.get("message", "")
    if kind == "NotImplementedError":
        return f"{name} : pas encore implémentée (NotImplementedError). Remplacez « raise NotImplementedError() » par votre code."
    if kind == "SystemExit":
        return f"{name} : a appelé sys.exit() / exit() au lieu de renvoyer un résultat."
    text = f"{name} : erreur {kind}" + (f" : {message}" if message else "")
    where = error.get("where")
    if where and where.get("line"):
        text += f" ({where['cell']}, ligne {where['line']}"
        text += f" : {where['code'].strip()})" if where.get("code") else ")"
    if error.get("during") == "encode":
        text += " — en lisant la valeur renvoyée."
    return text + "."


def _type_name(value):
    if isinstance(value, Unsupported):
        return value.description
    if isinstance(value, np.ndarray):
        return f"ndarray de dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"scalaire numpy {type(value).__name__}"
    return type(value).__name__


def as_array(value, what, *, stage="type"):
    """``value`` must be a plain ndarray of real numbers (bool, int or float)."""
    if isinstance(value, np.ndarray):
        return value
    raise Fail(
        stage,
        f"{what} : attendu un numpy.ndarray de nombres réels, obtenu {_type_name(value)}.",
        "renvoyez un tableau numpy (np.array, np.where, np.maximum… renvoient des ndarray)."
        if isinstance(value, (list, tuple, float, int))
        else None,
    )


def as_real_scalar(value, what, *, stage="type"):
    """``value`` must be a real number: int, float, numpy scalar or 0-d array."""
    if isinstance(value, bool) or isinstance(value, np.bool_):
        raise Fail(stage, f"{what} : attendu un nombre réel, obtenu un booléen.")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(()))
    raise Fail(stage, f"{what} : attendu un nombre réel (float), obtenu {_type_name(value)}.")


def as_tuple(value, n, what, names):
    """``value`` must be a tuple (or list) of ``n`` items, named for the message."""
    if isinstance(value, (tuple, list)) and len(value) == n:
        return tuple(value)
    got = f"un {type(value).__name__} de longueur {len(value)}" if isinstance(value, (tuple, list)) else _type_name(value)
    raise Fail("type", f"{what} : attendu un tuple de {n} éléments ({', '.join(names)}), obtenu {got}.")


def as_dict(value, what):
    if isinstance(value, dict):
        return value
    raise Fail("type", f"{what} : attendu un dict, obtenu {_type_name(value)}.")


def expect_shape(arr, shape, what, hint=None):
    shape = tuple(int(d) for d in shape)
    if arr.shape == shape:
        return
    if hint is None and len(shape) == 2 and arr.shape == shape[::-1]:
        hint = "la forme est transposée : vérifiez l'ordre des axes (les lignes sont les exemples, éq. 23)."
    elif hint is None and arr.size == int(np.prod(shape)):
        hint = "le nombre d'éléments est bon : un reshape ou un keepdims oublié ?"
    raise Fail("shape", f"{what} : forme attendue {fmt_shape(shape)}, obtenue {fmt_shape(arr.shape)}.", hint)


def expect_keys(d, keys, what):
    keys = list(keys)
    missing = [k for k in keys if k not in d]
    extra = [k for k in d if k not in keys]
    if not missing and not extra:
        return
    parts = []
    if missing:
        parts.append("clés manquantes : " + ", ".join(missing))
    if extra:
        parts.append("clés en trop : " + ", ".join(sorted(extra)))
    raise Fail("shape", f"{what} : attendu les clés {', '.join(keys)} ; " + " ; ".join(parts) + ".")


def expect_finite(arr, what, stage="values", hint=None):
    arr = np.asarray(arr, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise Fail(
            stage,
            f"{what} : {int(bad.sum())} valeur(s) non finie(s) (nan ou inf), la première à l'indice {index}.",
            hint,
        )


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


def expect_untouched(before, after, what, hint=None):
    """An argument must come back from the call exactly as it was sent."""
    if isinstance(before, dict):
        for key in before:
            expect_untouched(before[key], (after or {}).get(key), f"{what}[{key!r}]", hint)
        return
    if isinstance(before, (tuple, list)):
        for i, (b, a) in enumerate(zip(before, after)):
            expect_untouched(b, a, f"{what}[{i}]", hint)
        return
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or after.shape != before.shape or not np.array_equal(after, before, equal_nan=True):
            changed = (
                int(np.sum(after != before)) if isinstance(after, np.ndarray) and after.shape == before.shape else before.size
            )
            raise Fail(
                "inputs",
                f"{what} a été modifié par la fonction ({changed} élément(s) changé(s)).",
                hint or "n'utilisez pas d'opération en place (+=, *=, X[...] = …) sur les arguments : travaillez sur une copie.",
            )
