"""How a grader is written, run and scored.

A grader is a function ``grade_x(g)`` registered with :func:`grader`. It gets a
:class:`Grading` context: ``g.rng`` (a generator seeded for this function and
this run), ``g.call(...)`` to call the student's function in the sandbox, and
the check helpers of :mod:`grading_tests.checks`. It raises :class:`Fail` at
the first failed check.

Points reward real work (the rubric of ``docs/instructor.md``). Checks come
in the fixed order of the stages below; a function earns nothing until its
values are right, and the later stages pay only once they are:

======== ====== =========================================================
stage    share  what it checks
======== ====== =========================================================
runs     0      no NotImplementedError, no exception, no time-out
type     0      the type and count of what is returned
shape    0      shapes (and dict keys)
values   0.7    values against reference_impl, on random inputs
inputs   0.1    the arguments are left untouched
property 0.2    edge values, other input types, statistics, gradients
======== ====== =========================================================

When the values are not right, a failure of a known kind (``Fail.kind``)
sets the share instead, whatever the stage:

========= ====== ========================================================
kind      share  when
========= ====== ========================================================
no_work   0      the output shows no work: zero, constant, a copy of an
                 input, the same for different inputs
partial   0.25   the values are right on a named part of the inputs only
near_miss 0.5    the output is that of a named near-miss (σ′ taken from z,
                 a missing 1/m, dropout without 1/keep_prob…)
========= ====== ========================================================

A failure at the type or shape stage is checked once more on other inputs
(``draw=1``): the very same value back is an answer written in the code, and
shows no work whatever its type and shape.

**Time.** Each call has the grader's ``timeout``; :func:`run_grader` may also
be given a ``budget``, the seconds all of the grader's calls (and the
worker's restarts) may take together. A function still being checked when it
runs out scores 0, with a message saying it was too slow to be checked, and
the grader's own verdict is dropped: a slow function costs its own points,
never the next function's time (:func:`grading_tests.runner.grade_submission`
gives each grader its budget out of the student's).
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import time
import zlib
from dataclasses import dataclass, field

import numpy as np

__all__ = ["STAGES", "KINDS", "Named", "named", "Fail", "Grading", "Grader", "GRADERS", "grader", "current", "describe_failure",
           "out_of_time"]

STAGES = {"runs": 0.0, "type": 0.0, "shape": 0.0, "values": 0.7, "inputs": 0.1, "property": 0.2}
_ORDER = list(STAGES)
KINDS = {"no_work": 0.0, "partial": 0.25, "near_miss": 0.5}
KIND_LABELS = {
    "no_work": "la sortie ne montre aucun travail",
    "partial": "valeurs justes sur une partie des entrées seulement",
    "near_miss": "erreur reconnue",
}

STAGE_LABELS = {
    "runs": "exécution",
    "type": "type renvoyé",
    "shape": "forme",
    "values": "valeurs",
    "inputs": "entrées intactes",
    "property": "propriétés",
}


class Named(str):
    """A hint that names a mistake: its French text, and the mistake's stable name (``.mistake``).

    A ``str``, it travels wherever a hint does (``fail.hint = ...``, a diagnosis of ``checks.compare``);
    a hint built from it with an f-string or ``+`` is plain text again and names nothing.
    """


def named(mistake, text):
    """``text`` as the hint of the mistake ``mistake`` (an English snake_case name, unique in its grader)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", mistake):
        raise ValueError(f"bad mistake name {mistake!r}")
    hint = Named(text)
    hint.mistake = mistake
    return hint


class Fail(Exception):
    """A failed check: the stage it belongs to and a French message for the student.

    ``kind`` (a key of :data:`KINDS`) names what the failure shows and sets
    its share of the points. ``credit``, a fraction of the function's points,
    overrides both; a grader uses it for graded results such as a test
    accuracy (see ``graders/mlp.py``). ``mistake``: the named mistake's stable
    name, when the hint does not carry it (:class:`Named`).
    """

    def __init__(self, stage, message, hint=None, credit=None, kind=None, mistake=None):
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        super().__init__(message)
        self.stage = stage
        self.message = message
        self.hint = hint
        self.kind = kind
        self.credit = None if credit is None else min(max(float(credit), 0.0), 1.0)
        self._mistake = mistake
        # Set by Grading.call when the student's function gave no value.
        self.status = None
        self.error = {}

    @property
    def mistake(self):
        """The named mistake's stable name: given, or carried by the hint (graders may replace the hint)."""
        return self._mistake or getattr(self.hint, "mistake", None)

    def outcome(self):
        """Why the student's function gave no value (``Grading.call``), or None when it gave one:
        ``not_implemented``, ``missing``, ``error``, ``timeout``, ``crash``, ``protocol``, ``budget``."""
        if self.status == "error" and self.error.get("type") == "NotImplementedError":
            return "not_implemented"
        return self.status

    def earned(self):
        """The share of the function's points this failure leaves."""
        if self.credit is not None:
            return self.credit
        if self.kind is not None:
            return KINDS[self.kind]
        return sum(STAGES[s] for s in _ORDER[: _ORDER.index(self.stage)])


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
    """One function's grade and French feedback, and what it rests on (for the class report): the
    ``stage`` that failed (None: all passed), the rubric's ``kind``, the named ``mistake``'s stable id
    ``<function>.<name>`` and its French ``hint``, the ``status`` of a call that gave no value (:meth:`Fail.outcome`)."""

    name: str
    score: float
    max_score: float
    feedback: list = field(default_factory=list)
    stage: str | None = None
    kind: str | None = None
    mistake: str | None = None
    hint: str | None = None
    status: str | None = None

    def as_dict(self):
        return {
            "score": self.score, "max_score": self.max_score, "feedback": list(self.feedback), "stage": self.stage,
            "kind": self.kind, "mistake": self.mistake, "hint": self.hint, "status": self.status,
        }


def function_rng(seed, name, draw=0):
    """The generator of one function's checks: same seed, same inputs, whatever the order.

    ``draw`` > 0 gives other inputs for the same seed (see :func:`run_grader`).
    """
    return np.random.default_rng([seed, zlib.crc32(name.encode())] + ([draw] if draw else []))


def digest(value):
    """A fingerprint of a value sent to or returned by the student's function."""
    h = hashlib.sha256()

    def feed(v):
        if isinstance(v, np.ndarray) and v.dtype != object:
            h.update(f"a{v.dtype}{v.shape}".encode())
            h.update(np.ascontiguousarray(v).tobytes())
        elif isinstance(v, dict):
            h.update(f"d{len(v)}".encode())
            for key in sorted(v, key=repr):
                h.update(repr(key).encode())
                feed(v[key])
        elif isinstance(v, (list, tuple)):
            h.update(f"l{len(v)}".encode())
            for item in v:
                feed(item)
        elif callable(v):
            h.update(b"f")
        else:
            h.update(repr(v).encode()[:4096])

    feed(value)
    return h.hexdigest()


def describe_failure(name, outcome, timeout):
    """The message for a call that gave no value."""
    status = outcome.status
    if status == "missing":
        return (
            f"{name} : fonction introuvable. Vérifiez son nom exact et que la cellule "
            "qui la définit s'exécute sans erreur."
        )
    if status == "timeout":
        return f"{name} : pas de réponse en {_fmt(timeout)} s (boucle infinie, ou calcul beaucoup trop lent ?)."
    if status == "crash":
        code = (outcome.error or {}).get("returncode")
        return (
            f"{name} : le processus de notation s'est arrêté pendant l'appel (code {code}). "
            "Causes possibles : os._exit, mémoire épuisée, erreur fatale."
        )
    if status == "protocol":
        return f"{name} : la valeur renvoyée n'a pas pu être lue par le correcteur."
    if status == "budget":
        return f"{name} : temps de correction épuisé avant la fin des vérifications."
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


_CURRENT: contextvars.ContextVar = contextvars.ContextVar("grading")


def current():
    """The :class:`Grading` being run, or None outside a grader."""
    return _CURRENT.get(None)


class Grading:
    """The context a grader works in."""

    def __init__(self, sandbox, spec: Grader, seed: int, draw: int = 0):
        self.sandbox = sandbox
        self.spec = spec
        self.name = spec.name
        self.seed = seed
        self.rng = function_rng(seed, spec.name, draw)
        self.notes = []  # extra remarks that do not cost points
        # (output, expected) fingerprints of every comparison made, so that a
        # check can tell an output that does not follow its inputs.
        self.compared = []
        # (arguments, value) fingerprints of the first call that returned.
        self.first = None

    def call(self, *args, timeout=None, return_args=False, stage="runs", repeat=None, **kwargs):
        """Call the student's function; raise Fail for anything but a returned value.

        The Fail carries the outcome's ``status`` and structured ``error``
        (exception type and text) for hints to match on. ``repeat`` = n makes
        n calls in one round trip; the value is then the list of their values.
        """
        outcome = self.sandbox.call(
            self.spec.target, *args, timeout=timeout or self.spec.timeout, return_args=return_args, repeat=repeat, **kwargs
        )
        if not outcome.ok:
            fail = Fail(stage, describe_failure(self.name, outcome, timeout or self.spec.timeout))
            fail.status, fail.error = outcome.status, dict(outcome.error or {})
            raise fail
        if self.first is None:
            self.first = (digest((args, kwargs)), digest(outcome.value))
        return outcome

    def note(self, message):
        self.notes.append(message)


def _run(g):
    """The grader's Fail, or None when every check passed."""
    token = _CURRENT.set(g)
    try:
        g.spec.function(g)
    except Fail as fail:
        return fail
    finally:
        _CURRENT.reset(token)
    return None


def _same_answer_for_other_inputs(spec, sandbox, seed, g, fail):
    """A failure of type or shape, checked again on other inputs: the same
    value back (an answer written in the code) shows no work."""
    if fail.kind is not None or fail.credit is not None or fail.stage not in ("type", "shape") or g.first is None:
        return fail
    again = Grading(sandbox, spec, seed, draw=1)
    _run(again)
    if again.first is None or again.first[0] == g.first[0] or again.first[1] != g.first[1]:
        return fail
    message = (
        f"{spec.name} : la sortie ne dépend pas de l'entrée : la même valeur revient pour des entrées "
        f"différentes. {fail.message}"
    )
    return Fail(fail.stage, message, fail.hint, kind="no_work")


def out_of_time(spec: Grader, budget: float) -> Result:
    """The result of a function whose checks ran past its budget: 0, and why."""
    return Result(spec.name, 0.0, spec.points, [
        f"{spec.name} : 0/{_fmt(spec.points)} point(s) ; temps de correction épuisé : les appels à {spec.target} ont pris "
        f"plus de {budget:.0f} s au total (chaque appel est limité à {_fmt(spec.timeout)} s), avant la fin des vérifications.",
        f"{spec.name} est peut-être juste, mais trop lente pour être vérifiée ; les autres fonctions sont notées normalement.",
        "Indice : des opérations NumPy sur des tableaux entiers plutôt que des boucles Python sur les éléments ?",
    ], "runs", status="budget")


def run_grader(spec: Grader, sandbox, seed: int, budget: float | None = None) -> Result:
    """Run one grader and turn its outcome into a score and French feedback.

    With ``budget`` (seconds), the sandbox cuts every call past it, and a
    grader that ran out of it scores 0 (:func:`out_of_time`), whatever it
    concluded from the calls it could make.
    """
    if budget is not None:
        sandbox.deadline, sandbox.budget_spent = time.monotonic() + budget, False
    try:
        result = _graded(spec, sandbox, seed)
    finally:
        spent = budget is not None and sandbox.budget_spent
        if budget is not None:
            sandbox.deadline = None
    return out_of_time(spec, budget) if spent else result


def _graded(spec, sandbox, seed):
    g = Grading(sandbox, spec, seed)
    fail = _run(g)
    if fail is not None:
        fail = _same_answer_for_other_inputs(spec, sandbox, seed, g, fail)
        score = round(spec.points * fail.earned(), 4)
        summary = f"{spec.name} : {_fmt(score)}/{_fmt(spec.points)} point(s) ; "
        if fail.kind is not None and fail.credit is None:
            share = f"{KINDS[fail.kind]:.0%}".replace("%", " %")
            summary += f"{KIND_LABELS[fail.kind]} ({share} des points)."
        else:
            passed = [STAGE_LABELS[s] for s in _ORDER[1 : _ORDER.index(fail.stage)]]
            summary += f"échec à l'étape « {STAGE_LABELS[fail.stage]} »"
            summary += f" (validé : {', '.join(passed)})." if passed else "."
        feedback = [summary, fail.message]
        if fail.hint:
            feedback.append(f"Indice : {fail.hint}")
        mistake = f"{spec.name}.{fail.mistake}" if fail.mistake else None
        hint = str(fail.hint) if fail.hint else None
        return Result(spec.name, score, spec.points, feedback + g.notes, fail.stage, fail.kind, mistake, hint, fail.outcome())
    feedback = [f"{spec.name} : toutes les vérifications sont passées ({_fmt(spec.points)}/{_fmt(spec.points)})."]
    return Result(spec.name, spec.points, spec.points, feedback + g.notes, None)


def _fmt(x):
    return f"{x:g}"
