"""The graders of the single-answer questions: right answers in any numeric
type keep full marks, plausible wrong ones score 0 with French feedback that
names the mistake."""

import pytest

from grading_tests import graders  # noqa: F401  (registers every grader)
from grading_tests.framework import GRADERS
from grading_tests.runner import grade_submission

QUESTIONS = ["derivee_sigmoid_en_0", "nombre_parametres", "nombre_parametres_digits", "iterations_par_epoch"]

RIGHT = {
    "derivee_sigmoid_en_0": ["0.25", "1 / 4", "np.float64(0.25)", "np.float32(0.25)", "np.array(0.25)", "0.5 * (1 - 0.5)"],
    "nombre_parametres": ["109386", "109386.0", "np.int64(109386)", "np.array(109386)", "(784 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10)"],
    "nombre_parametres_digits": ["17226", "17226.0", "np.int32(17226)", "np.array([17226])"],
    "iterations_par_epoch": ["45", "45.0", "np.int64(45)", "int(np.ceil(1437 / 32))"],
}

# (answer, piece of the feedback that must name the mistake)
WRONG = {
    "derivee_sigmoid_en_0": [
        ("0.5", "0.5 est σ(0)"),
        ("0.75", "σ(0)(1 + σ(0))"),
        ("1.0", "tanh'(0)"),
        ("0.3", "ce n'est pas σ'(0)"),
    ],
    "nombre_parametres": [
        ("109184", "il manque les 202 biais"),
        ("110170", "l'entrée n'a pas de biais"),
        ("986", "nombre de neurones"),
        ("17226", "64 → 128 → 64 → 10"),
        ("109386.5", "nombre entier"),
    ],
    "nombre_parametres_digits": [
        ("17024", "il manque les 202 biais"),
        ("109386", "784 → 128 → 64 → 10"),
        ("266", "nombre de neurones"),
    ],
    "iterations_par_epoch": [
        ("44", "le dernier mini-batch, incomplet (29 exemples)"),
        ("1437 / 32", "un nombre d'itérations est entier"),
        ("1437", "B = 1"),
        ("1800", "40 epochs"),
        ("32", "taille B d'un mini-batch"),
    ],
}


def _grade(tmp_path, lines, names):
    path = tmp_path / "reponses.py"
    path.write_text("import numpy as np\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return grade_submission(path, seed=0, names=names, include_questions=True)["functions"]


def test_every_question_is_registered_as_a_question():
    for name in QUESTIONS:
        assert name in GRADERS, name
        assert GRADERS[name].kind == "question"
        assert GRADERS[name].points == 1


@pytest.mark.parametrize("variant", range(6))
def test_right_answers_keep_full_marks(tmp_path, variant):
    names = [n for n in QUESTIONS if variant < len(RIGHT[n])]
    results = _grade(tmp_path, [f"{n} = {RIGHT[n][variant]}" for n in names], names)
    for name in names:
        result = results[name]
        assert result["score"] == result["max_score"], f"{name} = {RIGHT[name][variant]}:\n" + "\n".join(result["feedback"])


@pytest.mark.parametrize("variant", range(5))
def test_wrong_answers_score_zero_and_name_the_mistake(tmp_path, variant):
    names = [n for n in QUESTIONS if variant < len(WRONG[n])]
    results = _grade(tmp_path, [f"{n} = {WRONG[n][variant][0]}" for n in names], names)
    for name in names:
        answer, mistake = WRONG[name][variant]
        result = results[name]
        feedback = "\n".join(result["feedback"])
        assert result["score"] == 0, f"{name} = {answer} kept {result['score']} point(s)"
        assert mistake in feedback, f"{name} = {answer}: feedback does not name the mistake ({mistake!r}):\n{feedback}"


def test_missing_answer_scores_zero_with_a_french_hint(tmp_path):
    results = _grade(tmp_path, ["raise NotImplementedError()"], QUESTIONS)
    for name in QUESTIONS:
        feedback = "\n".join(results[name]["feedback"])
        assert results[name]["score"] == 0
        assert "pas de réponse" in feedback and f"{name} = …" in feedback, feedback


@pytest.mark.parametrize("answer", ["'109386'", "None", "True", "[109386]"])
def test_an_answer_that_is_not_a_number_scores_zero(tmp_path, answer):
    result = _grade(tmp_path, [f"nombre_parametres = {answer}"], ["nombre_parametres"])["nombre_parametres"]
    assert result["score"] == 0
    assert "nombre_parametres" in "\n".join(result["feedback"])
