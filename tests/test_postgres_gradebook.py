"""A PostgreSQL gradebook grades exactly like the SQLite one.

The demo class is autograded once by stock ``nbgrader autograde`` (the
course plug-ins, notebooks not executed) on the default SQLite gradebook.
Each test grades it again, in another copy of the course, on an empty
database of a throwaway PostgreSQL server (``tests/postgres.py``) through
nbgrader's ``CourseDirectory.db_url``, and compares every row of the two
gradebooks, student by student and cell by cell:

- stock ``nbgrader autograde``;
- the class command ``python -m grading_tests.course autograde … --db-url``
  (Dask workers; only its driver writes the gradebook), whose SQLite rows
  are stock nbgrader's (``tests/test_class_autograde.py``).

Without the PostgreSQL binaries the tests skip, except under CI, where they
fail (``.ci/run`` installs Debian's ``postgresql``).
"""

import subprocess
import sys

import pytest

import postgres
from grading_tests.course import nbgrader_env
from grading_tests.course.demo_class import STUDENTS
from grading_tests.course.handins import ASSIGNMENT
from nbgrader_attacks import harness


SEED = 7
COURSE_ID = "rn-fondamentaux-ch06"
TIMEOUT = 1200  # seconds per command: a safety net, never an assertion


@pytest.fixture(scope="module")
def pg():
    bin_dir = postgres.require()
    with postgres.server(bin_dir) as server:
        yield server


def _sqlite_url(root):
    return f"sqlite:///{root / 'gradebook.db'}"


def register_students(db_url):
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        for student, (first, last) in STUDENTS.items():
            gb.update_or_create_student(student, first_name=first, last_name=last)


def gradebook_rows(db_url):
    """Every recorded value of the gradebook, keyed by what it is about.

    {("student", id): (first, last),
     ("submission", student, assignment): (timestamp, extension, late penalty, needs manual grade),
     ("notebook", student, assignment, notebook): (score, max score, late penalty, flagged),
     ("grade", student, assignment, notebook, cell): (auto_score, manual_score, extra_credit,
                                                        needs_manual_grade, max_score),
     ("comment", student, assignment, notebook, cell): (auto_comment, manual_comment),
     ("result", student, assignment, function): (notebook, score, max score, stage, kind, mistake, hint, status)}
    """
    from nbgrader.api import Gradebook

    from grading_tests.nbgrader_plugin import results_table

    rows = {}
    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        for assignment in gb.assignments:  # the graders' structured results, beside the grades
            for r in results_table.read(gb.db.connection(), assignment.name):
                rows[("result", r["student"], assignment.name, r["function"])] = tuple(r[k] for k in results_table.FIELDS[1:])
        for student in gb.students:
            rows[("student", student.id)] = (student.first_name, student.last_name)
            for sub in student.submissions:
                key = (student.id, sub.name)
                rows[("submission", *key)] = (sub.timestamp, sub.extension, sub.late_submission_penalty, sub.needs_manual_grade)
                for nb in sub.notebooks:
                    nb_key = (*key, nb.name)
                    rows[("notebook", *nb_key)] = (nb.score, nb.max_score, nb.late_submission_penalty, nb.flagged)
                    for g in nb.grades:
                        assert ("grade", *nb_key, g.name) not in rows, f"two grade rows for {nb_key} {g.name}"
                        rows[("grade", *nb_key, g.name)] = (g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade, g.max_score)
                    for c in nb.comments:
                        assert ("comment", *nb_key, c.name) not in rows, f"two comment rows for {nb_key} {c.name}"
                        rows[("comment", *nb_key, c.name)] = (c.auto_comment, c.manual_comment)
    return rows


def assert_same_gradebooks(sqlite_rows, pg_rows):
    # What is being compared is a real class: four students, graded cells with points.
    assert {k[1] for k in sqlite_rows if k[0] == "student"} == set(STUDENTS)
    grades = {k: v for k, v in sqlite_rows.items() if k[0] == "grade"}
    assert len(grades) > 4 * 10 and len({(k[1], v[0]) for k, v in grades.items()}) > 4
    totals = {s: sum(v[0] or 0 for k, v in grades.items() if k[1] == s) for s in STUDENTS}
    assert totals["eleve_correct"] > totals["eleve_partiel"] > totals["eleve_hostile"] > totals["eleve_vierge"] == 0, totals
    # The structured results are there for every graded function, the partial student's mistakes named.
    results = {k: v for k, v in sqlite_rows.items() if k[0] == "result"}
    assert len(results) == len([k for k in grades if k[4].startswith("test_")]) > 4 * 10
    assert sorted(v[5] for k, v in results.items() if k[1] == "eleve_partiel" and v[5]) == [
        "backward_pass.missing_one_over_m", "dropout_forward.no_rescale", "sigmoid_derivative.sigma_from_z"]
    missing = sorted(map(repr, set(sqlite_rows) - set(pg_rows)))
    extra = sorted(map(repr, set(pg_rows) - set(sqlite_rows)))
    assert not missing and not extra, f"rows only on SQLite: {missing[:10]}; only on PostgreSQL: {extra[:10]}"
    differ = [(k, sqlite_rows[k], pg_rows[k]) for k in sorted(sqlite_rows) if sqlite_rows[k] != pg_rows[k]]
    assert not differ, "SQLite vs PostgreSQL:\n" + "\n".join(f"{k}: {a!r} != {b!r}" for k, a, b in differ[:20])


def _nbgrader(root, db_url, *args):
    code, log, _ = harness.nbgrader(root, *args, f"--CourseDirectory.db_url={db_url}", check=False)
    assert code == 0, f"nbgrader {' '.join(args)} on {db_url}:\n{log[-4000:]}"
    return log


def stock_autograde(root, db_url):
    """The instructor's cycle with stock nbgrader commands on ``db_url``."""
    _nbgrader(root, db_url, "generate_assignment", ASSIGNMENT, "--force")
    register_students(db_url)
    _nbgrader(root, db_url, "autograde", ASSIGNMENT, "--force", "--ConfinedExecute.enabled=False", f"--TrustedGrades.seed={SEED}")
    return gradebook_rows(db_url)


def test_gradebook_creates_its_tables_on_an_empty_postgres_database(pg):
    """nbgrader's Gradebook needs nothing but an empty database (and `alembic` on PATH)."""
    from nbgrader.api import Gradebook

    url = pg.create_database("empty_gradebook")
    with pg.connect("empty_gradebook") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        assert cur.fetchone()[0] == 0
    register_students(url)
    with Gradebook(url, course_id=COURSE_ID) as gb:
        assert {(s.id, s.first_name, s.last_name) for s in gb.students} == {(k, *v) for k, v in STUDENTS.items()}
    with pg.connect("empty_gradebook") as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        tables = {r[0] for r in cur.fetchall()}
        cur.execute("SELECT id FROM course")
        courses = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT count(*) FROM alembic_version")
        stamped = cur.fetchone()[0]
    assert {"student", "assignment", "notebook", "grade", "comment", "submitted_assignment", "alembic_version"} <= tables
    assert courses == [COURSE_ID] and stamped == 1


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory):
    """The demo class autograded by stock nbgrader on SQLite: (course root, gradebook rows), the reference."""
    lite = harness.copy_course(tmp_path_factory.mktemp("sqlite"), release=True, submitted=True)
    return lite, stock_autograde(lite, _sqlite_url(lite))


def test_stock_autograde_on_postgres_records_the_same_grades_as_on_sqlite(pg, on_sqlite, tmp_path):
    lite, sqlite_rows = on_sqlite
    pgc = harness.copy_course(tmp_path, release=True, submitted=True)
    url = pg.create_database("stock_autograde")
    pg_rows = stock_autograde(pgc, url)
    # The PostgreSQL run never fell back on the course's SQLite file.
    assert not (pgc / "gradebook.db").exists()
    assert_same_gradebooks(sqlite_rows, pg_rows)
    # And the autograded hand-ins it wrote are those of the SQLite run.
    for student in STUDENTS:
        a, b = (sorted(p.name for p in (r / "autograded" / student / ASSIGNMENT).iterdir()) for r in (lite, pgc))
        assert a == b and a, student


# --- the class command (grading_tests/course/classgrade/) -----------------------------------


def class_autograde(root, *args):
    """``python -m grading_tests.course autograde`` from the course root; its log."""
    proc = subprocess.run(
        [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--workers", "1", "--seed", str(SEED), "--no-execute", *args],
        cwd=root, env=nbgrader_env(), capture_output=True, text=True, timeout=TIMEOUT,
    )
    log = proc.stdout[-4000:] + proc.stderr[-4000:]
    assert proc.returncode == 0, f"class autograde {' '.join(args)} exited {proc.returncode}:\n{log}"
    return log


def test_class_autograde_on_postgres_records_the_same_grades_as_on_sqlite(pg, on_sqlite, tmp_path):
    # Not skipped when the command is missing: the test must fail then.
    assert (harness.REPO / "grading_tests" / "course" / "classgrade" / "run.py").exists(), (
        "the class command (grading_tests/course/classgrade/run.py) does not exist yet"
    )
    _, sqlite_rows = on_sqlite  # stock nbgrader's, which the class command gives too (tests/test_class_autograde.py)
    pgc = harness.copy_course(tmp_path, release=True, submitted=True)
    url = pg.create_database("class_autograde")
    # An empty gradebook but for the students: the command adds the assignment itself.
    register_students(url)
    class_autograde(pgc, "--db-url", url)
    assert not (pgc / "gradebook.db").exists()
    assert_same_gradebooks(sqlite_rows, gradebook_rows(url))
    # Regrading one student rewrites its rows in place on PostgreSQL: no duplicate, same values.
    class_autograde(pgc, "--db-url", url, "--student", "eleve_partiel", "--force")
    assert_same_gradebooks(sqlite_rows, gradebook_rows(url))
