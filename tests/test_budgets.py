"""Time budgets of the graders: a slow correct function loses its own points, never another's.

Real graders, real confined worker. The slow functions are correct bank
implementations that sleep before each call: no grader can finish its
hundreds of calls within the budgets given here, whatever the machine, and
the fast ones need a fraction of them.
"""

from pathlib import Path

import pytest

from grading_tests.runner import grade_submission

BANK = Path(__file__).parent / "bank" / "correct"
SLOW = "\n\nimport time as _time\n_{name} = {name}\n\n\ndef {name}(*args, **kwargs):\n    _time.sleep({seconds})\n    return _{name}(*args, **kwargs)\n"


def _submission(tmp_path, fast=(), slow=(), seconds=2.0, extra=""):
    parts = [(BANK / name / "piecewise.py" if (BANK / name / "piecewise.py").exists() else sorted((BANK / name).glob("*.py"))[0]).read_text()
             for name in (*fast, *slow)]
    parts += [SLOW.format(name=name, seconds=seconds) for name in slow]
    path = tmp_path / "rendu.py"
    path.write_text("import numpy as np\n\n" + "\n\n".join(parts) + extra)
    return path


@pytest.fixture(scope="module")
def slow_tanh(tmp_path_factory):
    """sigmoid and relu correct and fast, tanh correct and 2 s per call, 4 s a function."""
    path = _submission(tmp_path_factory.mktemp("budget"), fast=("sigmoid", "relu"), slow=("tanh",))
    return grade_submission(path, seed=5, names=["sigmoid", "tanh", "relu"], function_budget=4.0)["functions"]


def test_a_slow_correct_function_scores_0_with_a_message(slow_tanh):
    tanh = slow_tanh["tanh"]
    assert tanh["score"] == 0
    text = " ".join(tanh["feedback"])
    assert "temps de correction épuisé" in text and "trop lente pour être vérifiée" in text, text
    assert "les autres fonctions sont notées normalement" in text


def test_the_functions_before_and_after_it_keep_their_points(slow_tanh):
    for name in ("sigmoid", "relu"):
        assert slow_tanh[name]["score"] == slow_tanh[name]["max_score"] > 0, slow_tanh[name]["feedback"]


def test_the_same_function_fast_keeps_its_points(tmp_path):
    path = _submission(tmp_path, fast=("tanh",))
    result = grade_submission(path, seed=5, names=["tanh"], function_budget=4.0)["functions"]["tanh"]
    assert result["score"] == result["max_score"], result["feedback"]


def test_a_student_budget_spent_before_the_graders_start_says_so_for_each_function(tmp_path):
    path = _submission(tmp_path, fast=("sigmoid",))
    report = grade_submission(path, seed=5, names=["sigmoid", "relu"], student_budget=0.0)["functions"]
    for name in ("sigmoid", "relu"):
        assert report[name]["score"] == 0
        assert "son chargement a dépassé le temps de correction" in " ".join(report[name]["feedback"])


def test_a_load_that_runs_too_long_stops_there_and_every_restart_stops_at_the_same_place(tmp_path):
    from grading_tests.runner import _load_notes
    from grading_tests.sandbox import Sandbox
    from grading_tests.submission import load_submission

    # relu, then statements that sleep past the load budget, then sigmoid: never run.
    extra = "\n\n" + "\n".join("__import__('time').sleep(0.5)" for _ in range(12))
    extra += "\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"
    submission = load_submission(_submission(tmp_path, fast=("relu",), extra=extra))
    with Sandbox(submission.cells, labels=submission.labels, load_budget=2.0) as box:
        assert "relu" in box.defined and "sigmoid" not in box.defined
        assert box.until is not None
        stopped = box.until
        assert box.call("relu", 1.0).ok
        box.close()
        box.start()  # as after a call that killed the worker: the same statements, no more
        assert box.until == stopped and "sigmoid" not in box.defined and box.call("relu", 1.0).ok
        assert any("n'a pas été exécuté (trop long)" in note for note in _load_notes(box, submission))
