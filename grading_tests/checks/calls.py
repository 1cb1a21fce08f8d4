"""Calls of the student's function: hints on its errors, and the stage of later checks.

A failed call's :class:`Fail` carries the structured error of the sandbox
(``Fail.status``, ``Fail.error`` = {"type", "message", ...}); the helpers
here match on that, never on the French message made from it.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from ..framework import Fail

__all__ = ["student_error", "raised", "call_with_hints", "stage_as", "later_checks"]


def student_error(fail):
    """``"<type> : <text>"`` of the exception the student's function raised, or None.

    None when the call did not raise (a time-out, a crash, a check of ours).
    """
    if fail.status != "error":
        return None
    return f"{fail.error.get('type', '')} : {fail.error.get('message', '')}"


def raised(fail, *types):
    """The student's function raised an exception of one of ``types`` (by name)."""
    return fail.status == "error" and fail.error.get("type") in types


def call_with_hints(g, *args, hints=(), **kwargs):
    """``g.call``, adding a hint when the student's error matches a pattern.

    ``hints`` holds (regex, hint) pairs tried on the student's exception,
    written ``"<type> : <text>"`` (``"ValueError : operands could not…"``);
    a callable hint gets that string.
    """
    try:
        return g.call(*args, **kwargs)
    except Fail as fail:
        error = student_error(fail)
        if fail.hint is None and error is not None:
            for pattern, hint in hints:
                if re.search(pattern, error):
                    fail.hint = hint(error) if callable(hint) else hint
                    break
        raise


@contextmanager
def stage_as(stage):
    """Checks made on a later call count at that call's stage.

    The first call of a grader goes through every stage (``stage="runs"``);
    the checks of the calls made for properties fail at ``"property"``.
    """
    try:
        yield
    except Fail as fail:
        if stage != "runs":
            fail.stage = stage
        raise


@contextmanager
def later_checks():
    """Checks after the values stage (other shapes, edge values) earn no kind's
    share for a lack of work or a partial result: the values are already
    right. Only a named near-miss (softmax without the shift) keeps its share.
    """
    try:
        yield
    except Fail as fail:
        if fail.kind in ("no_work", "partial"):
            fail.kind = None
        raise
