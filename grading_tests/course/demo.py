"""Grading demo: the reference as a submission, then a copy with classic mistakes.

``python -m grading_tests.course.demo`` writes both submissions to a
temporary folder, grades them out of process, and prints the score tables.
The broken copy is the reference with the demos' three mistakes
(:data:`.bank.DEMO_MISTAKES`, named files of ``tests/bank/wrong/``) in place
of the right code, so the output shows how each one is caught and named.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ..reference_submission import reference_source
from ..report import format_table
from ..runner import grade_submission
from .bank import DEMO_MISTAKES, with_wrong_body

__all__ = ["broken_source", "main"]


def broken_source():
    """The flattened reference with each function of DEMO_MISTAKES given its bank file's code."""
    source = reference_source()
    for name, bank_file in DEMO_MISTAKES:
        source = with_wrong_body(source, name, bank_file)
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
