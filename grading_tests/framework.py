"""How a grader is written, run and scored.

A grader is a function ``grade_x(g)`` registered with :func:`grader`. It gets a
:class:`Grading` context: ``g.rng`` (a generator seeded for this function and
this run), ``g.call(...)`` to call the student's function in the sandbox, and
the check helpers of :mod:`grading_tests.checks`. It raises :class:`Fail` at
the first failed check; what passed before it earns partial credit.

Checks come in a fixed order (STYLE.md), and each stage is worth a share of
the function's points:

======== ====== =========================================================
stage    share  what it checks
======== ====== =========================================================
runs     0      no NotImplementedError, no exception, no time-out
type     0.1    the type and count of what is returned
shape    0.1    shapes (and dict keys)
values   0.5    values against reference_impl, on random inputs
inputs   0.1    the arguments are left untouched
property 0.2    edge values, statistics, gradients
======== ====== =========================================================
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

__all__ = ["STAGES", "Fail", "Grading", "Grader", "GRADERS", "grader"]

STAGES = {"runs": 0.0, "type": 0.1, "shape": 0.1, "values": 0.5, "inputs": 0.1, "property": 0.2}
_ORDER = list(STAGES)

STAGE_LABELS = {
    "runs": "exécution",
    "type": "type renvoyé",
    "shape": "forme",
    "values": "valeurs",
    "inputs": "entrées intactes",
    "property": "propriétés",
}


class Fail(Exception):
    """A failed check: the stage it belongs to and a French message for the student.

    ``credit``, a fraction of the function's points, overrides the credit of
    the stages passed before ``stage``; a grader uses it for graded results
    such as a test accuracy (see ``graders/digits.py``).
    """

    def __init__(self, stage, message, hint=None, credit=None):
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        super().__init__(message)
        self.stage = stage
        self.message = message
        self.hint = hint
        self.credit = None if credit is None else min(max(float(credit), 0.0), 1.0)


@dataclass
class Grader:
    name: str
    points: float
    function: object
    timeout: float = 10.0
    kind: str = "function"  # "function", or "question" for an answer variable
    # Names the student's code must define for this grader: the function itself,
    # or the answer variable of a question.
    target: str = ""

    def __post_init__(self):
        self.target = self.target or self.name


GRADERS: dict[str, Grader] = {}


def grader(name, points, timeout=10.0, kind="function", target=""):
    """Register ``grade_x(g)`` as the grader of the student's function ``name``."""

    def register(function):
        if name in GRADERS:
            raise ValueError(f"two graders for {name}")
        GRADERS[name] = Grader(name, float(points), function, timeout, kind, target)
        return function

    return register


@dataclass
class Result:
    name: str
    score: float
    max_score: float
    feedback: list = field(default_factory=list)
    stage: str | None = None  # the stage that failed, None when all passed

    def as_dict(self):
        return {"score": self.score, "max_score": self.max_score, "feedback": list(self.feedback)}


def function_rng(seed, name):
    """The generator of one function's checks: same seed, same inputs, whatever the order."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


class Grading:
    """The context a grader works in."""

    def __init__(self, sandbox, spec: Grader, seed: int):
        self.sandbox = sandbox
        self.spec = spec
        self.name = spec.name
        self.seed = seed
        self.rng = function_rng(seed, spec.name)
        self.notes = []  # extra remarks that do not cost points

    def call(self, *args, timeout=None, return_args=False, stage="runs", **kwargs):
        """Call the student's function; raise Fail for anything but a returned value."""
        from .checks import describe_failure  # local: checks imports this module

        outcome = self.sandbox.call(
            self.spec.target, *args, timeout=timeout or self.spec.timeout, return_args=return_args, **kwargs
        )
        if not outcome.ok:
            raise Fail(stage, describe_failure(self.name, outcome, timeout or self.spec.timeout))
        return outcome

    def note(self, message):
        self.notes.append(message)


def run_grader(spec: Grader, sandbox, seed: int) -> Result:
    """Run one grader and turn its outcome into a score and French feedback."""
    g = Grading(sandbox, spec, seed)
    try:
        spec.function(g)
    except Fail as fail:
        earned = sum(STAGES[s] for s in _ORDER[: _ORDER.index(fail.stage)])
        if fail.credit is not None:
            earned = fail.credit
        score = round(spec.points * earned, 4)
        passed = [STAGE_LABELS[s] for s in _ORDER[1 : _ORDER.index(fail.stage)]]
        summary = f"{spec.name} : {_fmt(score)}/{_fmt(spec.points)} point(s) ; échec à l'étape « {STAGE_LABELS[fail.stage]} »"
        summary += f" (validé : {', '.join(passed)})." if passed else "."
        feedback = [summary, fail.message]
        if fail.hint:
            feedback.append(f"Indice : {fail.hint}")
        return Result(spec.name, score, spec.points, feedback + g.notes, fail.stage)
    feedback = [f"{spec.name} : toutes les vérifications sont passées ({_fmt(spec.points)}/{_fmt(spec.points)})."]
    return Result(spec.name, spec.points, spec.points, feedback + g.notes, None)


def _fmt(x):
    return f"{x:g}"
