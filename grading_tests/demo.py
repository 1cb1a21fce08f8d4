"""Grading demo: the reference as a submission, then a copy with classic mistakes.

``python -m grading_tests.demo`` writes both submissions to a temporary
folder, grades them out of process, and prints the score tables. The broken
copy is the reference with a few textbook mistakes pasted in, so the output
shows how each one is caught and named.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .report import format_table
from .reference_submission import reference_source
from .runner import grade_submission

# (what the student wrote instead, the reference code it replaces), as
# ast.unparse prints it in the flattened reference.
MISTAKES = [
    ("return z * (1.0 - z)", "return s * (1.0 - s)"),  # σ' from z instead of σ(z)
    ("grads[f'dW{l}'] = dZ.T @ cache[f'A{l - 1}']\n", "grads[f'dW{l}'] = dZ.T @ cache[f'A{l - 1}'] / m\n"),  # no 1/m
    ("return (A * mask, mask)", "return (A * mask / keep_prob, mask)"),  # no 1/keep_prob
]


def broken_source():
    source = reference_source()
    for wrong, right in MISTAKES:
        if right not in source:
            raise RuntimeError(f"the reference no longer contains {right!r}")
        source = source.replace(right, wrong, 1)
    return source


def main(seed=None):
    with tempfile.TemporaryDirectory() as folder:
        correct = Path(folder) / "correcte.py"
        broken = Path(folder) / "avec_erreurs.py"
        correct.write_text(reference_source(), encoding="utf-8")
        broken.write_text(broken_source(), encoding="utf-8")
        for path in (correct, broken):
            report = grade_submission(path, seed=seed)
            print(format_table(report, path.name))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
