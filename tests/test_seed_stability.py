"""Every file of the bank gets the same grade under 20 seeds, within 5 % of its function's points.

A grade that depends on the seed is luck: the same submission graded twice
may get 0 or 80 %. Each file of ``tests/bank/wrong`` and ``tests/bank/correct``
is graded on its own function with 20 seeds (``bank_spread.py``: one worker
per file, kept for all its seeds, two files at a time; the first seed's grading
is the one ``test_bank`` asserts on, in the ``bank_pass`` fixture of
``conftest.py`` shared by both modules). The functions left
out (``bank_spread.UNSTABLE``) must say in their grader's docstring why their
grade cannot be stable.
"""

import sys

import pytest
from bank_cases import BANK
from bank_spread import SEEDS, UNSTABLE, bank_files, share

from grading_tests.runner import registry

MAX_SPREAD = 0.05
FILES = bank_files()


@pytest.mark.parametrize("path", [pytest.param(p, id=str(p.relative_to(BANK))) for p in FILES])
def test_the_grade_is_the_same_under_every_seed(bank_pass, path):
    graded = bank_pass[str(path.relative_to(BANK))]
    assert graded.error is None, graded.error
    assert len(graded.scores) == SEEDS
    spread = share(graded.points, graded.scores)
    assert spread <= MAX_SPREAD, (
        f"{graded.function}: {spread:.0%} of the points between seeds; scores by seed: {graded.scores}"
    )


@pytest.mark.parametrize("function", UNSTABLE)
def test_a_function_left_out_says_why(function):
    module = sys.modules[registry()[function].function.__module__]
    assert "cannot be the same under" in " ".join((module.__doc__ or "").split())
