"""The late policy, computed by hand: lateness, grace, cap, hard deadline, extensions, and their recomputation.

The figures are worked out in each test from the rule (10 % of the score per
started day, at most 50 %, 15 minutes of grace, zero past 7 days; or per
started hour), never taken from a run. The gradebook tests use a real
nbgrader gradebook (SQLite) built through nbgrader's API (``export_class``),
and the very functions the autograde, the feedback and the export call
(:mod:`grading_tests.nbgrader_plugin.late_penalties`).
"""

import datetime

import pytest

import export_class as ec
from grading_tests.course.handins import ASSIGNMENT
from grading_tests.nbgrader_plugin.late_penalties import apply, assess_submission
from grading_tests.nbgrader_plugin.late_policy import Extension, LatePolicy, PolicyError, parse_deadline, read_extensions

H, MIN, DAY = 3600, 60, 86400


def daily():
    return LatePolicy(unit="day", rate=0.10, cap=0.50, grace_minutes=15, hard_deadline_hours=168)


@pytest.mark.parametrize(
    "seconds, lost",
    [
        (0, 0.0),  # on time
        (10 * MIN, 0.0),  # within the 15 minutes of grace
        (15 * MIN, 0.0),  # the grace's last second
        (15 * MIN + 1, 4.0),  # past the grace: one started day, 10 % of 40
        (1 * H, 4.0),  # late by 1 hour: one started day
        (24 * H, 4.0),  # exactly one day: still one
        (25 * H, 8.0),  # late by 25 hours: two started days, 20 %
        (5 * DAY + 1 * H, 20.0),  # six started days would be 60 %: the cap, 50 %
        (168 * H, 20.0),  # the hard deadline's last second: still the cap
        (168 * H + 1, 40.0),  # past the hard deadline: zero
    ],
)
def test_a_score_of_40_loses_by_the_day(seconds, lost):
    policy = daily()
    assert policy.assess(seconds).penalty(40) == lost
    # the same through nbgrader's plug-in interface (AssignLatePenalties.plugin_class)
    assert policy.late_submission_penalty("eleve", 40, seconds) == lost


@pytest.mark.parametrize("seconds, lost", [(1 * H, 0.8), (25 * H, 20.0), (40 * H, 24.0), (30 * DAY, 24.0)])
def test_a_score_of_40_loses_by_the_hour(seconds, lost):
    # 2 % per started hour, at most 60 %, no grace, no hard deadline
    policy = LatePolicy(unit="hour", rate=0.02, cap=0.60, grace_minutes=0, hard_deadline_hours=0)
    assert policy.assess(seconds).penalty(40) == pytest.approx(lost, abs=1e-9)


def test_penalties_are_rounded_to_the_hundredth_and_never_exceed_the_score():
    policy = daily()
    assert policy.assess(25 * H).penalty(35.5) == 7.1  # 20 % of 35.5
    assert policy.assess(1 * H).penalty(3.333) == 0.33  # 10 % of 3.333
    assert policy.assess(8 * DAY).penalty(3.336) == 3.336  # zero: the whole score, not its rounding
    assert policy.assess(8 * DAY).penalty(0) == 0.0


def test_the_feedback_sentence_says_how_late_and_what_it_costs():
    policy = daily()
    deadline = datetime.datetime(2025, 3, 14, 18, 0)  # UTC: 19:00 in Paris
    assert policy.describe(policy.assess(10 * MIN), deadline) is None
    text = policy.describe(policy.assess(25 * H + 5 * MIN), deadline)
    assert text == "rendu 1 j 1 h après la date limite (14/03/2025 19:00) : −20 % de la note (10 % par jour entamé, au plus 50 %)"
    assert "note nulle" in policy.describe(policy.assess(8 * DAY), deadline)


def test_dates_of_the_extensions_file():
    # Paris is UTC+1 in March and UTC+2 in July.
    assert parse_deadline("2025-03-16 23:59", "Europe/Paris") == datetime.datetime(2025, 3, 16, 22, 59)
    assert parse_deadline("2025-07-01 12:00", "Europe/Paris") == datetime.datetime(2025, 7, 1, 10, 0)
    assert parse_deadline("2025-03-16 23:59 UTC", "Europe/Paris") == datetime.datetime(2025, 3, 16, 23, 59)
    assert parse_deadline("2025-03-16T23:59:30+01:00") == datetime.datetime(2025, 3, 16, 22, 59, 30)
    assert parse_deadline("2025-03-16T22:59Z") == datetime.datetime(2025, 3, 16, 22, 59)
    assert parse_deadline("2025-03-16 23:59 America/Montreal") == datetime.datetime(2025, 3, 17, 3, 59)


def test_an_extensions_file_from_excel(tmp_path):
    path = tmp_path / "extensions.csv"
    # Excel's French CSV: a BOM and semicolons; a reason with a comma; a blank line.
    path.write_bytes("\ufeffélève;date limite;motif\r\nO'Brien;2025-03-16 23:59;certificat, 3 jours\r\n\r\nélève é;2025-03-17 08:00 UTC;\r\n".encode())
    found = read_extensions(path, "Europe/Paris")
    assert sorted(found) == ["O'Brien", "élève é"]
    assert found["O'Brien"].deadline == datetime.datetime(2025, 3, 16, 22, 59) and found["O'Brien"].reason == "certificat, 3 jours"
    assert found["élève é"].deadline == datetime.datetime(2025, 3, 17, 8, 0) and found["élève é"].line == 4
    assert read_extensions(tmp_path / "absent.csv") == {}


@pytest.mark.parametrize(
    "content, message",
    [
        (b"student,reason\nx,y\n", "pas de colonne « deadline »"),
        (b"student,deadline\nx,2025-03-16 10:00\nx,2025-03-17 10:00\n", "ligne 3 : « x » a déjà une prolongation (ligne 2)"),
        (b"student,deadline\nx,2025-03-16\n", "il faut une date et une heure"),
        (b"student,deadline\nx,2025-03-16 10:00 Mars/Olympus\n", "fuseau horaire « Mars/Olympus » inconnu"),
        ("student,deadline\nélève,2025-03-16 10:00\n".encode("latin-1"), "n'est pas en UTF-8"),
        (b"student,deadline\na\x1bb,2025-03-16 10:00\n", "identifiant « a\\x1bb » impossible"),
        (b"student,deadline\n,2025-03-16 10:00\n", "ligne 2 : identifiant d'élève vide"),
        (b"student,deadline\nx,\n", "date limite vide"),
    ],
)
def test_an_extensions_file_that_cannot_be_read_exactly_is_refused(tmp_path, content, message):
    path = tmp_path / "extensions.csv"
    path.write_bytes(content)
    with pytest.raises(PolicyError) as caught:
        read_extensions(path)
    assert message in str(caught.value)


# --- in the gradebook: recomputed from the scores and deadlines of now ------------------------


@pytest.fixture
def book(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    ec.build(url, [ec.Pupil("retard", late=datetime.timedelta(hours=25), seed=3, pending=True),
                   ec.Pupil("grace", late=datetime.timedelta(minutes=10), seed=4)])
    return url


def _refresh(url, student, extensions=None, policy=None):
    """What LatePenalties does for a submission: assess with the policy, write into nbgrader's columns."""
    from nbgrader.api import Gradebook

    with Gradebook(url, ec.COURSE_ID) as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        assessed = assess_submission(submission, policy or daily(), extensions or {})
        apply(submission, assessed)
        gb.db.commit()
        stored = {nb.name: nb.late_submission_penalty for nb in submission.notebooks}
        return assessed, stored, submission.extension, submission.total_seconds_late


def test_late_by_25_hours_costs_a_fifth_of_each_notebook(book):
    scores = ec.notebook_scores(book, "retard")
    assert sum(scores.values()) > 5  # the seed gives points to lose
    assessed, stored, extension, _ = _refresh(book, "retard")
    assert stored == {nb: round(score * 0.20, 2) for nb, score in scores.items()}
    assert assessed.penalty == pytest.approx(sum(round(s * 0.20, 2) for s in scores.values()))
    assert extension is None and "1 j 1 h" in assessed.message
    # 10 minutes late is within the grace: on time, nothing stored (as nbgrader leaves it)
    assessed, stored, _, _ = _refresh(book, "grace")
    assert set(stored.values()) == {None} and assessed.message is None


def test_an_extension_granted_after_grading_removes_the_penalty(book, tmp_path):
    _refresh(book, "retard")
    (tmp_path / "extensions.csv").write_text("student,deadline,reason\nretard,2025-03-15 21:00 Europe/Paris,malade\n", encoding="utf-8")
    extensions = read_extensions(tmp_path / "extensions.csv", "Europe/Paris")
    assessed, stored, extension, seconds_late = _refresh(book, "retard", extensions)
    # handed in 2025-03-15 19:00 UTC = 20:00 in Paris, before the new deadline
    assert set(stored.values()) == {None} and assessed.penalty == 0
    # the gradebook's extension mirrors the file: 2025-03-15 20:00 UTC - 2025-03-14 18:00 UTC
    assert extension == datetime.timedelta(hours=26)
    assert seconds_late == 0  # nbgrader's own lateness agrees
    # the extension withdrawn: late again, and the mirror cleared
    assessed, stored, extension, seconds_late = _refresh(book, "retard", {})
    assert extension is None and seconds_late == 25 * H and assessed.penalty > 0


def test_a_written_answer_graded_after_autograde_is_penalised_too(book):
    from nbgrader.api import Gradebook

    before = _refresh(book, "retard")[0].penalty  # at autograde: the written answers wait
    with Gradebook(book, ec.COURSE_ID) as gb:
        grade = gb.find_grade("q_xor", "06_1_perceptron", ASSIGNMENT, "retard")
        grade.manual_score, grade.needs_manual_grade = 2.0, False
        gb.db.commit()
    scores = ec.notebook_scores(book, "retard")
    assessed, stored, _, _ = _refresh(book, "retard")
    assert stored["06_1_perceptron"] == round(scores["06_1_perceptron"] * 0.20, 2)
    assert assessed.penalty == pytest.approx(before + 0.4)  # 20 % of the 2 points graded since


def test_a_changed_due_date_recomputes_the_penalty(book):
    from nbgrader.api import Gradebook

    assert _refresh(book, "retard")[0].penalty > 0
    with Gradebook(book, ec.COURSE_ID) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=ec.DUE + datetime.timedelta(days=2))
    assessed, stored, _, _ = _refresh(book, "retard")
    assert assessed.penalty == 0 and set(stored.values()) == {None}
    with Gradebook(book, ec.COURSE_ID) as gb:  # no due date at all: nobody is late, extensions ignored
        gb.update_or_create_assignment(ASSIGNMENT, duedate=None)
    extension = Extension("retard", ec.DUE, "", 2)
    assessed, stored, mirrored, _ = _refresh(book, "retard", {"retard": extension})
    assert assessed.penalty == 0 and mirrored is None and assessed.deadline is None


def test_an_extension_before_the_due_date_is_refused(book):
    extension = Extension("retard", ec.DUE - datetime.timedelta(hours=1), "", 2)
    with pytest.raises(PolicyError, match="avant la date limite du devoir"):
        _refresh(book, "retard", {"retard": extension})


# --- the class command reads the same file ------------------------------------------------------


def test_the_class_command_takes_extensions_from_the_file(tmp_path):
    import shutil

    from grading_tests.course.classgrade import load_course
    from grading_tests.course.classgrade.gradebook import ClassgradeError
    from grading_tests.course.classgrade.plan import plan
    from nbgrader.api import Gradebook

    root = ec.course_root(tmp_path)
    url = f"sqlite:///{root / 'gradebook.db'}"
    ec.build(url, [ec.Pupil("eleve_vierge", late=datetime.timedelta(hours=30))])
    shutil.copytree(ec.harness.REPO / "submitted" / "eleve_vierge", root / "submitted" / "eleve_vierge")
    with Gradebook(url, ec.COURSE_ID) as gb:  # an extension in the gradebook only is not the course's
        gb.grant_extension(ASSIGNMENT, "eleve_vierge", days=9)

    def deadline():
        course = load_course(root, ASSIGNMENT)
        [todo], _, _ = plan(course, None, 1, False, False, "code", "course", ["06_1_perceptron.ipynb"])
        return course, todo.provenance

    course, before = deadline()
    assert course.extensions == {} and course.files == {}
    text = "student,deadline\neleve_vierge,2025-03-16 12:00 UTC\n"
    (root / "extensions.csv").write_text(text, encoding="utf-8")
    course, after = deadline()
    assert course.extensions == {"eleve_vierge": (48 - 6) * H}  # from 2025-03-14 18:00 UTC
    assert course.files == {"extensions.csv": text.encode()}  # each worker's late-penalty step reads these bytes
    assert after.deadline != before.deadline and after.sha256 != before.sha256  # graded again
    (root / "extensions.csv").write_text("student,deadline\neleve_vierge,2025-03-14 12:00 UTC\n", encoding="utf-8")
    with pytest.raises(ClassgradeError, match="avant la date limite du devoir"):
        load_course(root, ASSIGNMENT)
    (root / "extensions.csv").write_text("student\neleve_vierge\n", encoding="utf-8")
    with pytest.raises(ClassgradeError, match="pas de colonne « deadline »"):
        load_course(root, ASSIGNMENT)
