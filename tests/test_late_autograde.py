"""The late policy through the real nbgrader: autograde, feedback, the class command and the export agree.

One course (the release, a due date of 2025-03-14 19:00 in Paris, the policy
of ``export_class.POLICY``), two students who hand in the first two notebooks
of the demo's partial student: « tardif » 25 h 05 late (two started days:
−20 %), « prolonge » 40 h late but with an extension in ``extensions.csv``
(on time). Stock ``nbgrader autograde`` (notebooks not run) and
``nbgrader generate_feedback`` run with the course's configuration, then the
extension is moved from one student to the other, as an instructor would
after grading: the feedback and the export follow, and so does the class
command (Dask, one worker), whose workers only see the extensions file it
ships them.
"""

import html
import io
import re
import shutil
import subprocess
import sys

import pytest

import export_class as ec
from grading_tests.course import nbgrader_env
from grading_tests.course.export import export_grades
from grading_tests.course.handins import ASSIGNMENT
from nbgrader_attacks import harness

NOTEBOOKS = ["06_1_perceptron", "06_2_activations"]
HANDED_IN = {"tardif": "2025-03-15 19:05:00.000000 UTC", "prolonge": "2025-03-16 10:00:00.000000 UTC"}
EXTENSION = "2025-03-16 12:00 Europe/Paris"  # 11:00 UTC: after prolonge's hand-in, before nothing of tardif's


def extensions(root, student):
    (root / "extensions.csv").write_text(f"student,deadline,reason\n{student},{EXTENSION},certificat\n", encoding="utf-8")


def stored(url):
    from nbgrader.api import Gradebook

    with Gradebook(url, ec.COURSE_ID) as gb:
        return {s.student_id: ({nb.name: nb.late_submission_penalty for nb in s.notebooks}, s.extension)
                for s in gb.find_assignment(ASSIGNMENT).submissions}


def late_row(root, student, notebook):
    """(the page's total, the late-penalty row's points and sentence, or None) of a feedback page."""
    text = (root / "feedback" / student / ASSIGNMENT / f"{notebook}.html").read_text(encoding="utf-8")
    total = float(re.search(r"— note : ([0-9.]+) /", text).group(1))
    row = re.search(r'<tr class="late-penalty"><td>Pénalité de retard</td><td class="center">−([0-9.]+)</td><td></td><td>(.*?)</td>', text)
    return total, (float(row.group(1)), html.unescape(row.group(2))) if row else None


def twenty_percent(scores):
    return {nb: round(score * 0.20, 2) for nb, score in scores.items()}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    root = ec.course_root(tmp_path_factory.mktemp("retard"))
    for student, timestamp in HANDED_IN.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for notebook in NOTEBOOKS:
            shutil.copy2(harness.REPO / "submitted" / "eleve_partiel" / ASSIGNMENT / f"{notebook}.ipynb", folder)
        (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    harness.nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    url = f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(url, ec.COURSE_ID) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=parse_utc("2025-03-14 19:00:00 Europe/Paris"))
    extensions(root, "prolonge")
    code, log, _ = harness.nbgrader(root, "autograde", ASSIGNMENT, "--ConfinedExecute.enabled=False", "--TrustedGrades.seed=7", check=False)
    assert code == 0, log[-3000:]
    first = stored(url)
    code, log, _ = harness.nbgrader(root, "generate_feedback", ASSIGNMENT, check=False)
    assert code == 0, log[-3000:]
    pages = {s: {nb: late_row(root, s, nb) for nb in NOTEBOOKS} for s in HANDED_IN}
    return root, url, first, pages


def test_autograde_stores_the_policys_penalty_and_mirrors_the_extension(course):
    import datetime

    _, url, first, _ = course
    scores = ec.notebook_scores(url, "tardif")
    assert sum(scores[nb] for nb in NOTEBOOKS) > 5  # the demo's partial answers earn points to lose
    penalties, extension = first["tardif"]
    assert {nb: penalties[nb] for nb in NOTEBOOKS} == twenty_percent({nb: scores[nb] for nb in NOTEBOOKS})
    assert extension is None
    penalties, extension = first["prolonge"]
    assert set(penalties.values()) == {None}  # on time with its extension
    assert extension == datetime.timedelta(hours=41)  # 2025-03-16 11:00 UTC - 2025-03-14 18:00 UTC


def test_the_feedback_shows_the_penalty_the_gradebook_holds(course):
    _, url, first, pages = course
    scores = ec.notebook_scores(url, "tardif")
    for notebook in NOTEBOOKS:
        total, (points, sentence) = pages["tardif"][notebook]
        assert points == first["tardif"][0][notebook] and total == pytest.approx(scores[notebook] - points)
        assert sentence == "rendu 1 j 1 h après la date limite (14/03/2025 19:00) : −20 % de la note (10 % par jour entamé, au plus 50 %)"
        assert pages["prolonge"][notebook][1] is None


@pytest.fixture(scope="module")
def moved(course):
    """The extension moved from « prolonge » to « tardif » after grading; feedback made again, then the export."""
    root, url, _, _ = course
    extensions(root, "tardif")
    code, log, _ = harness.nbgrader(root, "generate_feedback", ASSIGNMENT, "--force", check=False)
    assert code == 0, log[-3000:]
    pages = {s: {nb: late_row(root, s, nb) for nb in NOTEBOOKS} for s in HANDED_IN}
    after_feedback = stored(url)
    out = export_grades(root, ASSIGNMENT, "canvas", detail=True, err=io.StringIO())
    return pages, after_feedback, out.read_text(encoding="utf-8")


def test_a_moved_extension_reaches_the_feedback_the_gradebook_and_the_export(course, moved):
    import lms_formats as lms

    _, url, _, _ = course
    pages, after, canvas = moved
    assert pages["tardif"]["06_1_perceptron"][1] is None and set(after["tardif"][0].values()) == {None}
    scores = ec.notebook_scores(url, "prolonge")
    for notebook in NOTEBOOKS:  # now late by 40 hours: two started days
        total, (points, sentence) = pages["prolonge"][notebook]
        assert points == twenty_percent(scores)[notebook] == after["prolonge"][0][notebook]
        assert "rendu 1 j 16 h après la date limite" in sentence
    read = lms.canvas_import(canvas.encode())
    for notebook in NOTEBOOKS:  # the export's notebook column: the page's total
        assert read.grades[("", "prolonge", "")][f"{ASSIGNMENT} : {notebook}"] == pytest.approx(pages["prolonge"][notebook][0])
    assert read.grades[("", "tardif", "")][ASSIGNMENT] == pytest.approx(round(sum(ec.notebook_scores(url, "tardif").values()), 2))


def test_the_class_command_ships_the_extensions_to_its_workers(course, moved):
    root, url, _, _ = course
    before = stored(url)
    proc = subprocess.run(
        [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--workers", "1", "--seed", "7", "--no-execute", "--force"],
        cwd=root, env=nbgrader_env(), capture_output=True, text=True, timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "noté" in proc.stdout
    # graded again in private courses on a worker: the same lateness as in place
    assert stored(url) == before
