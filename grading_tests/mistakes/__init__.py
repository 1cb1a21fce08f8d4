"""Named mistakes of the graded functions, built from reference_impl (layer 4).

One module per reference module. A named mistake is the reference with one
thing changed, never a second implementation of the chapter's equation:

- :func:`swapped`: a global name of the reference body bound to something
  else (``reference_impl.parts.with_parts``): the hidden layers on σ instead
  of ReLU, softmax shifted by the row mean instead of the row maximum;
- :func:`on_inputs`: the reference on changed arguments (biases set to
  zero, α = 0, z negated);
- :func:`on_output`: the reference's result changed (every gradient m times
  too large, the opposite sign);
- :func:`formula`: a small closed-form wrong result (|z| for ReLU), where no
  part of the reference is to blame.

Each :class:`Mistake` can be switched off (``build(False, *args)``): it then
goes through the same path with nothing changed and must give the
reference's result; ``tests/test_mistakes.py`` proves it on random inputs,
and that switched on it differs.
"""

from __future__ import annotations

import numpy as np

from reference_impl.parts import with_parts

from ..checks import NearMiss
from ..framework import named

__all__ = ["Mistake", "diagnoses", "swapped", "on_inputs", "on_output", "formula", "numpy_with", "identity"]


class Mistake:
    """A named mistake: the French hint, how it is built, its credit and its stable name.

    ``build(on, *args)`` is the mistake's result on ``args`` when ``on``, the
    reference's otherwise. ``near_miss`` marks a mistake worth the rubric's
    near-miss share (checks.NearMiss). ``name`` (English, snake_case, unique
    among the mistakes of one grader) makes the id ``<function>.<name>`` the
    structured results and the class report count: ``hint`` carries it
    (:class:`grading_tests.framework.Named`) wherever the hint goes.
    """

    __slots__ = ("hint", "build", "near_miss", "name")

    def __init__(self, hint, build, near_miss=False, *, name):
        self.hint = named(name, hint)
        self.build = build
        self.near_miss = near_miss
        self.name = name

    def __call__(self, *args):
        """The mistake's result on ``args`` (overflow and 0/0 give inf and nan, silently)."""
        with np.errstate(all="ignore"):
            return self.build(True, *args)

    def diagnosis(self, *args, result=None):
        """``(hint, candidate)`` for checks.compare, a NearMiss if it is one.

        ``result`` picks the compared part of the mistake's result
        (``lambda out: out[0]`` for the A of forward_pass).
        """
        candidate = self(*args)
        candidate = candidate if result is None else result(candidate)
        return NearMiss(self.hint, candidate) if self.near_miss else (self.hint, candidate)


def diagnoses(catalogue):
    """``diagnoses(*args)``: the ``diagnosis`` of every mistake of ``catalogue``, in order."""
    return lambda *args: [mistake.diagnosis(*args) for mistake in catalogue]


def identity(z):
    return z


def swapped(function, **parts):
    """The build of ``function`` with global names of its body bound to ``parts``."""

    def build(on, *args):
        return with_parts(function, **(parts if on else {}))(*args)

    return build


def on_inputs(function, change):
    """The build of ``function`` called on ``change(*args)`` (a tuple of arguments)."""

    def build(on, *args):
        return function(*(change(*args) if on else args))

    return build


def on_output(function, change):
    """The build of ``change(function(*args), *args)``."""

    def build(on, *args):
        result = function(*args)
        return change(result, *args) if on else result

    return build


def formula(function, wrong):
    """The build of a closed-form wrong result ``wrong(*args)``; off, ``function(*args)``."""

    def build(on, *args):
        return wrong(*args) if on else function(*args)

    return build


class numpy_with:
    """numpy with some of its functions replaced: the ``np`` of a reference
    body whose ``np.max`` is a mistake (``swapped(f, np=numpy_with(max=...))``)."""

    def __init__(self, **functions):
        self._functions = functions

    def __getattr__(self, name):
        if name in self._functions:
            return self._functions[name]
        return getattr(np, name)
