"""Grade a whole submission: load it once in a sandbox, run every grader, within a time budget.

The student's budget (``student_budget`` seconds, the load included) is shared
out as the graders run: each gets ``function_budget`` seconds, more for a
grader whose calls may take longer than the usual 10 s (``train_digits_model``,
60 s a training and up to three trainings, gets 6 times as much), and never so
much that the graders still to come would have less than ``RESERVE`` seconds
each. A function that runs out scores 0 with a
message (:func:`grading_tests.framework.out_of_time`); the others are graded
as usual. A grader left with no time at all says so.
"""

from __future__ import annotations

import secrets
import sys
import time
import traceback

from .framework import GRADERS, Result, run_grader
from .sandbox import BudgetSpent, Sandbox
from .submission import load_submission

__all__ = ["STUDENT_BUDGET", "FUNCTION_BUDGET", "grade_submission", "function_names", "registry"]

STUDENT_BUDGET = 420.0  # seconds for one submission: the load and every grader
FUNCTION_BUDGET = 30.0  # seconds for one grader's calls (the reference's take 0.05 s) ...
USUAL_TIMEOUT = 10.0  # ... when each call may take this long; in proportion when more
RESERVE = 2.0  # seconds kept for each grader still to run
LOAD_NOTES = 10  # load errors quoted in the feedback; the rest are counted


def registry():
    """Every grader, by name, in the order of the chapter (imported on first use)."""
    from . import graders  # noqa: F401  (registers every grader)

    return GRADERS


def function_names():
    """The graded functions, in the order of the chapter."""
    return [name for name, spec in registry().items() if spec.kind == "function"]


def new_seed():
    return secrets.randbelow(2**31)


def _load_notes(sandbox, submission):
    notes = [f"Au chargement : {p}" for p in submission.problems]
    for error in sandbox.load_errors[:LOAD_NOTES]:
        line = f", ligne {error['line']}" if error.get("line") else ""
        notes.append(f"Au chargement, {error['cell']}{line} : {error['type']} : {error['message']}")
    more = max(sandbox.load_errors_total, len(sandbox.load_errors)) - min(len(sandbox.load_errors), LOAD_NOTES)
    if more > 0:
        notes.append(f"Au chargement : {more} autre(s) erreur(s) non détaillée(s).")
    if sandbox.until is not None:
        cell, _ = sandbox.until
        notes.append(f"Au chargement : après {sandbox.load_budget:g} s, le code à partir de {sandbox.label(cell)}, "
                     f"ligne {sandbox.statement_line(*sandbox.until)}, n'a pas été exécuté (trop long).")
    for (cell, statement), why in sorted(sandbox.skipped.items()):
        what = "ne s'est pas terminée à temps" if why == "timeout" else "a arrêté le processus"
        line = sandbox.statement_line(cell, statement)
        notes.append(f"Au chargement, l'instruction de {sandbox.label(cell)}, ligne {line}, {what} ; elle a été ignorée.")
    return notes


def _no_time_left(spec, student_budget):
    return Result(spec.name, 0.0, spec.points, [
        f"{spec.name} : 0/{spec.points:g} point(s) ; non vérifiée : le temps de correction de ce rendu "
        f"({student_budget:g} s pour toutes les fonctions) a été épuisé par les fonctions précédentes, trop lentes."
    ], "runs", status="budget")


def grade_submission(path, seed=None, names=None, include_questions=False,
                     student_budget=STUDENT_BUDGET, function_budget=FUNCTION_BUDGET):
    """Grade the submission at ``path``, in ``student_budget`` seconds at most (see the module's docstring).

    Returns the report as a dict: ``{"functions": {name: {"score",
    "max_score", "feedback"}}, "score", "max_score", "seed"}``. Every
    function is present; one that is missing, broken or too slow scores 0.
    """
    graders = registry()
    seed = new_seed() if seed is None else int(seed)
    if names is None:
        names = [n for n, spec in graders.items() if include_questions or spec.kind == "function"]
    unknown = [n for n in names if n not in graders]
    if unknown:
        raise ValueError(f"no grader for {', '.join(unknown)}")
    submission = load_submission(path)
    results, end = {}, time.monotonic() + student_budget
    sandbox = Sandbox(submission.cells, labels=submission.labels)
    try:
        sandbox.deadline = end  # the load counts in the student's time
        sandbox.start()
        sandbox.deadline = None
        notes = _load_notes(sandbox, submission)
        for index, name in enumerate(names):
            spec = graders[name]
            left = end - time.monotonic() - RESERVE * (len(names) - index - 1)
            budget = min(function_budget * max(1.0, spec.timeout / USUAL_TIMEOUT), left)
            if budget <= 0:
                results[name] = _no_time_left(spec, student_budget)
                continue
            try:
                result = run_grader(spec, sandbox, seed, budget)
            except Exception:  # a bug of ours must not cost other functions
                traceback.print_exc(file=sys.stderr)
                result = Result(
                    name,
                    0.0,
                    spec.points,
                    [f"{name} : erreur interne du correcteur ; signalez-la à l'équipe pédagogique (graine {seed})."],
                    status="internal",
                )
            if result.score < result.max_score and spec.target not in sandbox.defined and notes:
                result.feedback.extend(notes)
            results[name] = result
    except (RuntimeError, BudgetSpent) as exc:
        why = "son chargement a dépassé le temps de correction" if isinstance(exc, BudgetSpent) else "elle n'a pas pu être chargée"
        for name in names:
            if name not in results:
                results[name] = Result(name, 0.0, graders[name].points, [f"{name} : la soumission n'a pas été notée : {why}."],
                                       status="not_loaded")
    finally:
        sandbox.close()
    functions = {name: results[name].as_dict() for name in names}
    return {
        "functions": functions,
        "score": round(sum(r["score"] for r in functions.values()), 4),
        "max_score": round(sum(r["max_score"] for r in functions.values()), 4),
        "seed": seed,
    }
