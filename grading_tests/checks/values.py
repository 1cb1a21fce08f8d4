"""Types, shapes and untouched arguments: the checks before and after the values.

Each helper either returns normally or raises :class:`Fail` with a French
message that names the quantity, what was expected and what came back.
"""

from __future__ import annotations

import numpy as np

from ..framework import Fail
from ..wire import Unsupported

__all__ = [
    "fmt",
    "fmt_shape",
    "as_array",
    "as_real_scalar",
    "as_tuple",
    "as_dict",
    "expect_shape",
    "expect_keys",
    "expect_finite",
    "expect_untouched",
]


def fmt(x):
    """A number as a student would want to read it."""
    x = float(x)
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.6g}"
    return f"{x:.4e}"


def fmt_shape(shape):
    return "(" + ", ".join(str(int(d)) for d in shape) + ("," if len(shape) == 1 else "") + ")"


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
