"""Grade a whole submission: load it once in a sandbox, run every grader."""

from __future__ import annotations

import secrets
import sys
import traceback

from .framework import GRADERS, Result, run_grader
from .sandbox import Sandbox
from .submission import load_submission

__all__ = ["grade_submission", "function_names", "registry"]


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
    for error in sandbox.load_errors:
        line = f", ligne {error['line']}" if error.get("line") else ""
        notes.append(f"Au chargement, {error['cell']}{line} : {error['type']} : {error['message']}")
    for (cell, statement), why in sorted(sandbox.skipped.items()):
        what = "ne s'est pas terminée à temps" if why == "timeout" else "a arrêté le processus"
        line = sandbox.statement_line(cell, statement)
        notes.append(f"Au chargement, l'instruction de {sandbox.label(cell)}, ligne {line}, {what} ; elle a été ignorée.")
    return notes


def grade_submission(path, seed=None, names=None, include_questions=False):
    """Grade the submission at ``path``.

    Returns the report as a dict: ``{"functions": {name: {"score",
    "max_score", "feedback"}}, "score", "max_score", "seed"}``. Every
    function is present; one that is missing or broken scores 0.
    """
    graders = registry()
    seed = new_seed() if seed is None else int(seed)
    if names is None:
        names = [n for n, spec in graders.items() if include_questions or spec.kind == "function"]
    unknown = [n for n in names if n not in graders]
    if unknown:
        raise ValueError(f"no grader for {', '.join(unknown)}")
    submission = load_submission(path)
    results = {}
    sandbox = Sandbox(submission.cells, labels=submission.labels)
    try:
        sandbox.start()
        notes = _load_notes(sandbox, submission)
        for name in names:
            spec = graders[name]
            try:
                result = run_grader(spec, sandbox, seed)
            except Exception:  # a bug of ours must not cost other functions
                traceback.print_exc(file=sys.stderr)
                result = Result(
                    name,
                    0.0,
                    spec.points,
                    [f"{name} : erreur interne du correcteur ; signalez-la à l'équipe pédagogique (graine {seed})."],
                )
            if result.score < result.max_score and spec.target not in sandbox.defined and notes:
                result.feedback.extend(notes)
            results[name] = result
    except RuntimeError:
        for name in names:
            if name not in results:
                results[name] = Result(
                    name, 0.0, graders[name].points, [f"{name} : la soumission n'a pas pu être chargée pour la notation."]
                )
    finally:
        sandbox.close()
    functions = {name: results[name].as_dict() for name in names}
    return {
        "functions": functions,
        "score": round(sum(r["score"] for r in functions.values()), 4),
        "max_score": round(sum(r["max_score"] for r in functions.values()), 4),
        "seed": seed,
    }
