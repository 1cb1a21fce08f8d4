"""The instructor's cycle, end to end, as the one command of ``make demo``.

``python -m grading_tests.course demo`` runs in a copy of the course (with a
hidden test added to one graded cell of the source, to check it never reaches
a student) and must leave a consistent gradebook in which each demo student
has exactly the expected score, French feedback in HTML, and ``grades.csv``.
"""

import csv
import html
import json
import re
import sqlite3
import subprocess
import sys

import nbformat
import pytest

from grading_tests.course.bank import DEMO_MISTAKES
from grading_tests.course.demo_class import STUDENTS
from grading_tests.course.handins import ASSIGNMENT, graded_functions, read
from grading_tests.framework import KIND_LABELS, KINDS
from grading_tests.runner import registry
from nbgrader_attacks import harness

SEED = 7
HIDDEN = "assert True  # TEST CACHÉ : ne doit jamais atteindre un élève"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = harness.copy_course(tmp_path_factory.mktemp("demo"), release=True, submitted=True)
    # A hidden test in the graded cell of the first function of the first notebook.
    first = sorted((root / "source" / ASSIGNMENT).glob("*.ipynb"))[0]
    nb = read(first)
    function = graded_functions(nb)[0]
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == f"test_{function}":
            cell.source += f"\n### BEGIN HIDDEN TESTS\n{HIDDEN}\n### END HIDDEN TESTS"
    nbformat.write(nb, str(first))
    proc = subprocess.run(
        [sys.executable, "-m", "grading_tests.course", "demo", "--seed", str(SEED)],
        cwd=root, capture_output=True, text=True, timeout=900,
    )
    return root, proc


def _points():
    """{notebook stem: {grade_id: points}} of the autograded cells of the release."""
    graders = registry()
    result = {}
    for path in sorted((harness.REPO / "release" / ASSIGNMENT).glob("*.ipynb")):
        result[path.stem] = {f"test_{f}": graders[f].points for f in graded_functions(read(path))}
    return result


def test_demo_command_succeeds(demo):
    root, proc = demo
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for step in ("1. release", "2. collect", "3. autograde", "4. feedback", "5. export", "6. notes"):
        assert step in proc.stdout
    for student in STUDENTS:
        assert re.search(rf"^{student}\s", proc.stdout, re.M), f"{student} missing from the score table"


def _expected(student):
    points = _points()
    total = sum(p for cells in points.values() for p in cells.values())
    if student == "eleve_correct":
        return total
    if student == "eleve_vierge":
        return 0.0
    if student == "eleve_partiel":
        # Each mistake is a named near-miss of the rubric: it keeps the near-miss share.
        lost = sum(registry()[name].points * (1 - KINDS["near_miss"]) for name, _ in DEMO_MISTAKES)
        return round(total - lost, 4)
    if student == "eleve_hostile":
        return registry()["perceptron_update"].points  # its one honest answer
    raise KeyError(student)


@pytest.mark.parametrize("student", list(STUDENTS))
def test_each_demo_student_gets_the_expected_score(demo, student):
    root, _ = demo
    recorded = harness.grades(root)[student]
    autograded = sum(auto or 0 for nb in recorded.values() for cell, (auto, _, _) in nb.items() if cell.startswith("test_"))
    assert autograded == pytest.approx(_expected(student))
    # The written answers: pending for those who wrote one, 0 ("no response") otherwise.
    answers = {cell: g for nb in recorded.values() for cell, g in nb.items() if cell.startswith("q_")}
    assert answers
    pending = {cell for cell, (auto, manual, needs) in answers.items() if needs}
    if student == "eleve_correct" or student == "eleve_partiel":
        assert pending == set(answers)
    elif student == "eleve_vierge":
        assert pending == set() and all(auto == 0 for auto, _, _ in answers.values())
    else:  # the hostile student's perceptron notebook is honest, written answer included
        honest = next(p for p in (root / "submitted" / student / ASSIGNMENT).glob("*.ipynb") if "perceptron_update" in graded_functions(read(p)))
        assert pending == {cell for cell in recorded[honest.stem] if cell.startswith("q_")}


def test_gradebook_is_consistent(demo):
    root, _ = demo
    assert harness.integrity(root) == "ok"
    grades = harness.grades(root)
    points = _points()
    db = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    assert {r[0] for r in db.execute("SELECT id FROM student")} == set(STUDENTS)
    assert [r[0] for r in db.execute("SELECT name FROM assignment")] == [ASSIGNMENT]
    for student in STUDENTS:
        assert {n for n, cells in points.items() if cells} <= set(grades[student]), student
        assert len(list((root / "autograded" / student / ASSIGNMENT).glob("*.ipynb"))) == len(points)
        for notebook, cells in points.items():
            for cell, max_points in cells.items():
                auto, manual, needs = grades[student][notebook][cell]
                assert manual is None and not needs and 0 <= auto <= max_points
                # What the gradebook holds is what the trusted cell shows.
                shown = harness.cell(harness.autograded(root, student, f"{notebook}.ipynb"), cell)
                results = [o for o in shown.outputs if o.output_type == "execute_result"]
                assert len(results) == 1 and float(results[0].data["text/plain"]) == auto
        assert not any(manual is not None for nb in grades[student].values() for _, manual, _ in nb.values())


def test_grades_csv_matches_the_gradebook(demo):
    root, _ = demo
    with open(root / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(STUDENTS)
    for student in STUDENTS:
        assert float(rows[student]["raw_score"]) == pytest.approx(_expected(student))


def _feedback(root, student, notebook):
    path = root / "feedback" / student / ASSIGNMENT / notebook.replace(".ipynb", ".html")
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_feedback_shows_scores_and_french_diagnostics(demo):
    root, _ = demo
    points = _points()
    for student in STUDENTS:
        for notebook, cells in points.items():
            text = _feedback(root, student, f"{notebook}.ipynb")
            for cell in cells:
                assert f"Correction automatique de {cell[len('test_'):]} :" in text
    partial = _feedback(root, "eleve_partiel", "06_3_propagation.ipynb")
    assert "la moyenne sur le batch (1/m, éq. 38) manque-t-elle ?" in partial
    assert f"graine des entrées aléatoires : {SEED}" in partial
    # Each of the partial student's mistakes is named as a near-miss of the rubric.
    holders = {f: n for n, cells in points.items() for f in (c[len("test_"):] for c in cells)}
    for function, _ in DEMO_MISTAKES:
        text = _feedback(root, "eleve_partiel", f"{holders[function]}.ipynb")
        assert f"{function} : {registry()[function].points * KINDS['near_miss']:g}/" in text, function
        assert KIND_LABELS["near_miss"] in text, function


def test_feedback_hides_hidden_tests_mark_schemes_and_solutions(demo):
    root, _ = demo
    # The hidden test did reach the autograded notebooks (the graders' cell runs it)...
    first = sorted((root / "source" / ASSIGNMENT).glob("*.ipynb"))[0].name
    assert HIDDEN in nbformat.writes(harness.autograded(root, "eleve_correct", first))
    solution_lines = set()
    for path in sorted((root / "source" / ASSIGNMENT).glob("*.ipynb")):
        for cell in read(path).cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                inside = False
                for line in cell.source.split("\n"):
                    if "BEGIN SOLUTION" in line:
                        inside = True
                    elif "END SOLUTION" in line:
                        inside = False
                    elif inside and len(line.strip()) > 20:
                        solution_lines.add(line.strip())
    # Lines the release also shows (provided code) are not secrets.
    release = [p.read_text("utf-8") for p in (root / "release" / ASSIGNMENT).rglob("*") if p.is_file()]
    solution_lines = {line for line in solution_lines if not any(line in t or json.dumps(line)[1:-1] in t for t in release)}
    assert solution_lines
    for page in sorted((root / "feedback").rglob("*.html")):
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        # ...but no feedback page shows it, nor a mark scheme.
        assert "TEST CACHÉ" not in text and "HIDDEN TESTS" not in text, page
        assert "MARK SCHEME" not in text and "Barème" not in text, page
        if "eleve_vierge" in page.parts:
            leaked = [line for line in solution_lines if line in text]
            assert not leaked, (page, leaked[:3])


def test_committed_demo_submissions_are_up_to_date(tmp_path):
    """submitted/ is what `python -m grading_tests.course submissions` makes of release/ and source/."""
    from grading_tests.course.demo_class import build_demo_class

    root = harness.copy_course(tmp_path)
    build_demo_class(root)
    for student in STUDENTS:
        fresh = root / "submitted" / student / ASSIGNMENT
        committed = harness.REPO / "submitted" / student / ASSIGNMENT
        names = sorted(str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file())
        assert names == sorted(str(p.relative_to(committed)) for p in committed.rglob("*") if p.is_file()), student
        for name in names:
            assert (fresh / name).read_bytes() == (committed / name).read_bytes(), (
                f"submitted/{student}/{ASSIGNMENT}/{name} is out of date: run `python -m grading_tests.course submissions`"
            )
