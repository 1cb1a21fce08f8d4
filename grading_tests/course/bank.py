"""The demos' mistakes, taken from the bank of wrong submissions.

The bank (``tests/bank/``) lives with the tests, which prove that each of its
files gets the grade its ``# credit:`` line states. The instructor's tools
ship with the repository, so the demos read the files they name from there:
a demo mistake is a bank file, never a pattern patched into the reference.

A mistake is put in place by giving a function the body of the bank file's
definition, under the signature and docstring already there (the release's
answer cell, or the flattened reference): what a student who kept the
provided ``def`` line and wrote that body would hand in.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["BANK", "DEMO_MISTAKES", "wrong_body", "with_wrong_body"]

BANK = Path(__file__).resolve().parents[2] / "tests" / "bank"

# (function, bank file): the demos' three textbook mistakes, each a near miss
# of its grader's rubric.
DEMO_MISTAKES = [
    ("sigmoid_derivative", "wrong/sigmoid_derivative/from_z_not_sigma.py"),  # σ'(z) computed from z, not from σ(z)
    ("backward_pass", "wrong/backward_pass/missing_one_over_m.py"),  # the batch mean 1/m (éq. 38) forgotten
    ("dropout_forward", "wrong/dropout_forward/no_rescale.py"),  # inverted dropout not rescaled by 1/keep_prob
]
CREDIT = "# credit: near_miss"
# What an answer cell, and the flattened reference, already import.
PROVIDED_IMPORTS = {"import numpy as np"}


def _definition(tree, name):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise KeyError(f"{name} is not defined at the top level")


def _body_lines(node):
    """Line span [start, end) (0-based) of a definition's code, after its docstring."""
    first = node.body[0]
    has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    return (first.end_lineno if has_doc else first.lineno - 1), node.end_lineno


def wrong_body(bank_file, name, near_miss=True):
    """(signature, body lines) of ``name`` in the bank file ``bank_file`` (relative to the bank).

    The file must define exactly ``name`` and import nothing an answer cell
    lacks, and be a near miss unless ``near_miss`` is False; otherwise ValueError.
    """
    path = BANK / bank_file
    text = path.read_text(encoding="utf-8")
    if near_miss and CREDIT not in text.splitlines():
        raise ValueError(f"{bank_file}: not a near miss ({CREDIT!r} missing)")
    tree = ast.parse(text)
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if ast.unparse(node) not in PROVIDED_IMPORTS:
                raise ValueError(f"{bank_file}: {ast.unparse(node)!r} is not provided to an answer cell")
        elif not (isinstance(node, ast.FunctionDef) and node.name == name):
            raise ValueError(f"{bank_file}: defines more than {name} (line {node.lineno})")
    node = _definition(tree, name)
    start, end = _body_lines(node)
    return ast.dump(node.args), text.split("\n")[start:end]


def with_wrong_body(source, name, bank_file, near_miss=True):
    """``source`` with the code of its top-level ``name`` replaced by the bank file's.

    Raises ValueError if the bank file's signature differs from the one in ``source``.
    """
    signature, body = wrong_body(bank_file, name, near_miss)
    node = _definition(ast.parse(source), name)
    if ast.dump(node.args) != signature:
        raise ValueError(f"{bank_file}: the signature of {name} differs from the notebook's")
    lines = source.split("\n")
    start, end = _body_lines(node)
    return "\n".join(lines[:start] + body + lines[end:])
