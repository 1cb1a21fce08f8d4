"""Every grader against plausible wrong and correct implementations."""

import pytest
from bank_cases import BANK, cases, headers, seed_for

from grading_tests.runner import function_names, grade_submission

FUNCTIONS = function_names()


@pytest.mark.parametrize("path", cases("wrong"))
def test_wrong_implementation_loses_points_with_named_mistake(path):
    function = path.parent.name
    expected = headers(path, "feedback")
    assert expected, f"{path} has no '# feedback:' header"
    seed = seed_for(path)
    result = grade_submission(path, seed=seed, names=[function])["functions"][function]
    feedback = "\n".join(result["feedback"])
    assert result["score"] < result["max_score"], f"seed {seed}: wrong implementation kept full marks"
    for text in expected:
        assert text in feedback, f"seed {seed}: feedback does not name the mistake ({text!r}):\n{feedback}"


@pytest.mark.parametrize("path", cases("correct"))
def test_correct_implementation_keeps_full_marks(path):
    function = path.parent.name
    seed = seed_for(path)
    result = grade_submission(path, seed=seed, names=[function])["functions"][function]
    assert result["score"] == result["max_score"], f"seed {seed}:\n" + "\n".join(result["feedback"])


def test_bank_covers_every_graded_function():
    for function in FUNCTIONS:
        wrong = list((BANK / "wrong" / function).glob("*.py"))
        correct = list((BANK / "correct" / function).glob("*.py"))
        assert len(wrong) >= 5, f"{function}: {len(wrong)} wrong implementations, at least 5 wanted"
        assert len(correct) >= 2, f"{function}: {len(correct)} correct variants, at least 2 wanted"
