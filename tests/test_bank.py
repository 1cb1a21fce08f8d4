"""Every grader against plausible wrong and correct implementations.

A wrong implementation may state in ``# credit:`` the kind of the rubric it
must be graded as (``framework.KINDS``): ``no_work`` scores 0, ``partial`` and
``near_miss`` exactly their stated share of the function's points. Without
the header it must only lose points. ``# mistake: <function>.<name>`` states the
stable id of the named mistake the grader must record (``-``: none); with no
``# credit:`` line such a file must score 0 (the class report's counts rest on it).

Each file is graded by ``runner.grade_submission`` on its function at its own
seed, once for this module and ``test_seed_stability`` (the ``bank_pass``
fixture of ``conftest.py``; ``bank_spread.py`` says how).
"""

import pytest
from bank_cases import BANK, cases, headers, seed_for

from grading_tests.framework import KINDS
from grading_tests.runner import function_names

FUNCTIONS = function_names()


def graded(bank_pass, path):
    """``grade_submission(path, seed=seed_for(path), names=[function])["functions"][function]``."""
    return bank_pass[str(path.relative_to(BANK))].first


@pytest.mark.parametrize("path", cases("wrong"))
def test_wrong_implementation_loses_points_with_named_mistake(bank_pass, path):
    function = path.parent.name
    expected = headers(path, "feedback")
    assert expected, f"{path} has no '# feedback:' header"
    seed = seed_for(path)
    result = graded(bank_pass, path)
    feedback = "\n".join(result["feedback"])
    assert result["score"] < result["max_score"], f"seed {seed}: wrong implementation kept full marks"
    for text in expected:
        assert text in feedback, f"seed {seed}: feedback does not name the mistake ({text!r}):\n{feedback}"
    for kind in headers(path, "credit"):
        share = round(result["max_score"] * KINDS[kind], 4)
        assert result["score"] == share, f"seed {seed}: {kind} should score {share}:\n{feedback}"
    for mistake in headers(path, "mistake"):
        assert result["mistake"] == (None if mistake == "-" else mistake), f"seed {seed}: recorded {result['mistake']}"
        if not headers(path, "credit"):
            assert result["score"] == 0, f"seed {seed}: a named mistake without credit scores 0:\n{feedback}"


@pytest.mark.parametrize("path", cases("correct"))
def test_correct_implementation_keeps_full_marks(bank_pass, path):
    function = path.parent.name
    seed = seed_for(path)
    result = graded(bank_pass, path)
    assert result["score"] == result["max_score"], f"seed {seed}:\n" + "\n".join(result["feedback"])


def test_bank_covers_every_graded_function():
    for function in FUNCTIONS:
        wrong = list((BANK / "wrong" / function).glob("*.py"))
        correct = list((BANK / "correct" / function).glob("*.py"))
        assert len(wrong) >= 5, f"{function}: {len(wrong)} wrong implementations, at least 5 wanted"
        assert len(correct) >= 2, f"{function}: {len(correct)} correct variants, at least 2 wanted"
        kinds = {kind for path in wrong for kind in headers(path, "credit")}
        assert "no_work" in kinds, f"{function}: no output that shows no work in the bank"


def test_named_near_misses_are_in_the_bank():
    near = {path.parent.name for path in (BANK / "wrong").glob("*/*.py") if "near_miss" in headers(path, "credit")}
    wanted = {
        "sigmoid_derivative",  # σ′ from z
        "tanh_derivative",  # tanh′ from z
        "backward_pass",  # missing 1/m
        "dropout_forward",  # no 1/keep_prob
        "adam_update",  # no bias correction
        "initialize_parameters",  # variance 1/n
        "softmax",  # no max shift
        "numerical_gradient",  # one-sided difference
    }
    assert wanted <= near, f"named near-misses missing from the bank: {sorted(wanted - near)}"
