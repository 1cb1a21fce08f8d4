"""``python -m grading_tests.course autograde``: the class on a Dask cluster, with nbgrader's grades.

Each test runs the real command (an embedded LocalCluster, real nbgrader
subprocesses, the real graders) on a copy of the course with the demo class,
and compares what it left in the gradebook with what stock
``nbgrader autograde`` leaves in another copy, row for row.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import nbformat

from grading_tests.course import collected_students, register_students
from grading_tests.course.bank import DEMO_MISTAKES
from grading_tests.course.handins import ASSIGNMENT, answer_cell, read, solution_text
from grading_tests.nbgrader_plugin.student_ids import file_name
from grading_tests.runner import registry
from nbgrader_attacks import harness

SEED = 7
NO_EXECUTE = "--ConfinedExecute.enabled=False"


def course_copy(tmp_path, students=None):
    """A course copy with the demo class (or some of it) in submitted/, registered as the demo does."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    root = harness.copy_course(tmp_path, release=True, submitted=True)
    for folder in (root / "submitted").iterdir():
        if students is not None and folder.name not in students:
            subprocess.run(["rm", "-rf", str(folder)], check=True)
    register_students(root, collected_students(root))
    return root


def stock_autograde(root, *extra):
    harness.gradebook_assignment(root)
    code, log, _ = harness.nbgrader(root, "autograde", ASSIGNMENT, "--force", f"--TrustedGrades.seed={SEED}", *extra, check=False)
    assert code == 0, log[-4000:]


def classgrade(root, *args, env=None, timeout=900):
    """Run the command in the course root; (exit code, stdout, stderr)."""
    full_env = dict(os.environ, **(env or {}))
    full_env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), full_env.get("PATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, *args],
        cwd=root, capture_output=True, text=True, timeout=timeout, env=full_env,
    )
    return proc.returncode, proc.stdout, proc.stderr


def counts(stdout):
    """{"notés": n, "inchangés": n, "anomalies": n, "échecs": n} from the table's last line."""
    line = next(l for l in reversed(stdout.splitlines()) if l.startswith("notés"))
    return {k.strip(): int(v) for k, v in (part.split(":") for part in line.split(","))}


def rows(root):
    """Everything autograde records of the submissions, keyed by names (never by database ids)."""
    db = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    grades = db.execute(
        """SELECT sa.student_id, n.name, bc.name, g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade,
                  COALESCE((SELECT max_score FROM grade_cells WHERE id = bc.id), (SELECT max_score FROM task_cells WHERE id = bc.id))
           FROM grade g JOIN submitted_notebook sn ON g.notebook_id = sn.id
           JOIN submitted_assignment sa ON sn.assignment_id = sa.id
           JOIN notebook n ON sn.notebook_id = n.id JOIN base_cell bc ON g.cell_id = bc.id"""
    ).fetchall()
    comments = db.execute(
        """SELECT sa.student_id, n.name, bc.name, c.auto_comment, c.manual_comment
           FROM comment c JOIN submitted_notebook sn ON c.notebook_id = sn.id
           JOIN submitted_assignment sa ON sn.assignment_id = sa.id
           JOIN notebook n ON sn.notebook_id = n.id JOIN base_cell bc ON c.cell_id = bc.id"""
    ).fetchall()
    notebooks = db.execute(
        """SELECT sa.student_id, n.name, sn.late_submission_penalty, sn.flagged FROM submitted_notebook sn
           JOIN submitted_assignment sa ON sn.assignment_id = sa.id JOIN notebook n ON sn.notebook_id = n.id"""
    ).fetchall()
    submissions = db.execute("SELECT student_id, timestamp, extension FROM submitted_assignment").fetchall()
    # The graders' structured results, kept beside the grades (grading_tests/nbgrader_plugin/results_table.py).
    results = db.execute(
        """SELECT student, function, notebook, score, max_score, stage, kind, mistake, hint, status
           FROM rn_ch06_grader_results WHERE assignment = ?""", (ASSIGNMENT,)
    ).fetchall()
    return {"grades": sorted(grades), "comments": sorted(comments), "notebooks": sorted(notebooks),
            "submissions": sorted(submissions), "results": sorted(results)}


def named_mistakes(table, student):
    """{function: mistake id} of the student's structured results that name a mistake."""
    return {row[1]: row[7] for row in by_student(table["results"], student) if row[7]}


def report(root):
    """The anomalies report of the assignment (both ways of grading write it there)."""
    return (root / "logs" / ASSIGNMENT / "anomalies.txt").read_text(encoding="utf-8")


def student_log(root, student):
    """The class command's log of one student (its name derived from the id)."""
    return root / "logs" / ASSIGNMENT / f"{file_name(student)}.log"


def by_student(table, student):
    return [row for row in table if row[0] == student]


def provenance(root, student):
    return json.loads((root / "autograded" / student / ASSIGNMENT / "provenance.json").read_text())


def graded_cell_text(root, student, function):
    for path in sorted((root / "autograded" / student / ASSIGNMENT).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == f"test_{function}":
                return harness.outputs_text(cell)
    raise KeyError(function)


def assert_executed_like_nbgrader(root, student):
    """The notebooks ran, as stock nbgrader runs them, but for the one with no graded cell (06_5)."""
    assert provenance(root, student)["execute"] is True
    text = graded_cell_text(root, student, DEMO_MISTAKES[0][0])
    assert "empreinte de la correction" in text and "non exécuté" not in text
    skipped = []
    for path in sorted((root / "autograded" / student / ASSIGNMENT).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        graded = any(c.metadata.get("nbgrader", {}).get("grade") for c in nb.cells)
        ran = any(c.get("outputs") for c in nb.cells if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("grade"))
        assert ran == graded, (student, path.name)
        if not graded:
            skipped.append(path.name)
            assert "n'a pas été exécuté pendant la correction" in nb.cells[0].source
    assert skipped == ["06_5_regularisation.ipynb"]


def test_same_rows_as_nbgrader_autograde_then_incremental_runs(tmp_path, stock_demo_class):
    stock = stock_demo_class
    ours = course_copy(tmp_path / "ours")  # no assignment in its gradebook yet: the command adds it
    release = harness.tree_state(ours / "release")
    code, out, err = classgrade(ours, "--workers", "2", "--seed", str(SEED), "--no-execute")
    assert code == 0, out + err[-4000:]
    assert harness.tree_state(ours / "release") == release
    students = collected_students(ours)
    assert counts(out) == {"notés": 4, "inchangés": 0, "anomalies": counts(out)["anomalies"], "échecs": 0}
    # Student for student, cell for cell: the rows stock nbgrader leaves.
    expected, got = rows(stock), rows(ours)
    assert len(got["grades"]) > 4 * 20
    # Beside each graded cell, what its grade rests on: one row per function, the score the gradebook holds,
    # and the partial student's three textbook mistakes named by their stable ids.
    graded = {(r[0], r[2][len("test_"):]): r[3] for r in got["grades"] if r[2].startswith("test_")}
    assert {(r[0], r[1]): r[3] for r in got["results"]} == graded
    assert named_mistakes(got, "eleve_partiel") == {
        "sigmoid_derivative": "sigmoid_derivative.sigma_from_z", "backward_pass": "backward_pass.missing_one_over_m",
        "dropout_forward": "dropout_forward.no_rescale"}
    assert named_mistakes(got, "eleve_correct") == {}
    for student in students:
        for table in expected:
            assert by_student(got[table], student) == by_student(expected[table], student), (student, table)
    # The staging's anomalies (the hostile student's extra files) reach the course's report alike.
    assert report(ours) == report(stock)
    assert counts(out)["anomalies"] == len(report(stock).splitlines()) > 0
    # Progress on stderr, one line per student, with the time left; a log per student.
    assert [l for l in err.splitlines() if l.startswith("[")][-1].startswith(f"[{len(students)}/{len(students)}]")
    assert "reste ≈" in err
    for student in students:
        assert "Autograding" in student_log(ours, student).read_text()
    # Provenance recorded; the feedback shows the seed, the short hash, and that nothing ran.
    function = DEMO_MISTAKES[0][0]
    for student in students:
        record = provenance(ours, student)
        assert record["seed"] == SEED and record["seed_used"] == SEED and record["execute"] is False
        assert record["sha256"].startswith(record["short"]) and len(record["short"]) == 12
        text = graded_cell_text(ours, student, function)
        assert f"graine des entrées aléatoires : {SEED} ; empreinte de la correction : {record['short']}" in text
        assert "notebook non exécuté" in text
    assert "empreinte" not in graded_cell_text(stock, students[0], function)

    # Nothing changed: nobody is graded, nothing is written. A student asked for with no hand-in
    # gets a line saying so (the run still exits 0), and the others are still looked at.
    before = {s: (ours / "autograded" / s / ASSIGNMENT / "provenance.json").stat().st_mtime_ns for s in students}
    code, out, err = classgrade(ours, "--workers", "2", "--seed", str(SEED), "--no-execute", "--student", "inconnu", *students)
    assert code == 0, out + err[-3000:]
    assert counts(out)["notés"] == 0 and counts(out)["inchangés"] == len(students) and counts(out)["ignorés"] == 1
    assert "aucun rendu" in next(l for l in out.splitlines() if l.startswith("inconnu"))
    assert rows(ours) == got
    assert before == {s: (ours / "autograded" / s / ASSIGNMENT / "provenance.json").stat().st_mtime_ns for s in students}

    # One answer cell of one student fixed: that student alone is graded again.
    partial_before = provenance(ours, "eleve_partiel")
    source = next(p for p in sorted((ours / "source" / ASSIGNMENT).glob("*.ipynb")) if f"test_{function}" in p.read_text())
    handin = ours / "submitted" / "eleve_partiel" / ASSIGNMENT / source.name
    nb = read(handin)
    answer_cell(nb, function).source = solution_text(answer_cell(read(source), function).source)
    nbformat.write(nb, str(handin))
    code, out, err = classgrade(ours, "--workers", "2", "--seed", str(SEED), "--no-execute")
    assert code == 0, out + err[-3000:]
    assert counts(out)["notés"] == 1 and counts(out)["inchangés"] == len(students) - 1
    after = rows(ours)
    for student in students:
        if student != "eleve_partiel":
            assert by_student(after["grades"], student) == by_student(got["grades"], student)
            assert (ours / "autograded" / student / ASSIGNMENT / "provenance.json").stat().st_mtime_ns == before[student]
    fixed = {row[2]: row[3] for row in by_student(after["grades"], "eleve_partiel")}
    assert fixed[f"test_{function}"] == registry()[function].points
    # Its structured results were replaced with its grades (the fixed mistake is gone); the others' kept.
    assert named_mistakes(after, "eleve_partiel") == {k: v for k, v in named_mistakes(got, "eleve_partiel").items() if k != function}
    for student in students:
        if student != "eleve_partiel":
            assert by_student(after["results"], student) == by_student(got["results"], student)
    assert provenance(ours, "eleve_partiel")["handin"] != partial_before["handin"]
    assert provenance(ours, "eleve_partiel")["code"] == partial_before["code"]

    # --force grades everyone again; one worker gives the grades two gave.
    code, out, err = classgrade(ours, "--workers", "1", "--seed", str(SEED), "--no-execute", "--force")
    assert code == 0, out + err[-3000:]
    assert counts(out)["notés"] == len(students) and counts(out)["inchangés"] == 0
    assert rows(ours) == after
    assert all((ours / "autograded" / s / ASSIGNMENT / "provenance.json").stat().st_mtime_ns != before[s] for s in students)


def test_a_task_that_times_out_is_a_failure_row_and_writes_nothing(tmp_path):
    root = course_copy(tmp_path, ["eleve_vierge"])
    code, out, err = classgrade(root, "--workers", "1", "--seed", str(SEED), "--no-execute", "--student", "eleve_vierge", "--timeout", "1")
    assert code == 0, out + err[-3000:]  # a failure is a row of the table, not the run's exit code
    assert counts(out) == {"notés": 0, "inchangés": 0, "anomalies": 0, "échecs": 1}
    failure = next(l for l in out.splitlines() if l.startswith("eleve_vierge"))
    assert "échec" in failure and "temps limite dépassé" in failure
    assert "nouvel essai" in err  # a time-out is tried once more
    db = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    assert db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0] == 0
    assert not (root / "autograded" / "eleve_vierge").exists()
    assert "temps limite" in student_log(root, "eleve_vierge").read_text()


def _marked(marker):
    """Pids of the processes whose environment holds ``marker``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            continue
    return found


def test_ctrl_c_keeps_what_was_graded_and_exits_130(tmp_path):
    root = course_copy(tmp_path)
    marker = f"RN_CLASSGRADE_TEST={os.getpid()}-{time.time_ns()}"
    env = dict(os.environ, RN_CLASSGRADE_TEST=marker.split("=", 1)[1])
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    proc = subprocess.Popen(
        [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--workers", "1", "--seed", str(SEED), "--no-execute"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    seen = []
    for line in proc.stderr:  # wait for the first student to be written
        seen.append(line)
        if line.startswith("[1/"):
            break
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does: the whole foreground group
    out, rest = proc.communicate(timeout=120)
    assert proc.returncode == 130, "".join(seen) + rest[-3000:] + out
    first = seen[-1].split()[1]
    table = {l.split()[0]: l.split()[1] for l in out.splitlines() if l.startswith("eleve_")}
    assert table[first] == "noté" and "annulé" in table.values()
    graded = {row[0] for row in rows(root)["grades"] if row[3] is not None}
    assert first in graded
    assert harness.integrity(root) == "ok"
    deadline = time.monotonic() + 30
    while _marked(marker.split("=", 1)[1]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _marked(marker.split("=", 1)[1]) == []  # no worker, supervisor or nbgrader left behind


def _hostile_layouts(root):
    """Hand-ins nbgrader must not follow or block on: a student folder that is a link, a notebook
    linked to the source (with solutions), a FIFO, a notebook over the size cap, a folder named *.ipynb."""
    submitted = root / "submitted"
    os.symlink(submitted / "eleve_correct", submitted / "eleve_lien")
    folder = submitted / "eleve_vierge" / ASSIGNMENT
    notebooks = sorted(folder.glob("*.ipynb"))
    notebooks[0].unlink()
    os.symlink(root / "source" / ASSIGNMENT / notebooks[0].name, notebooks[0])
    with open(notebooks[1], "r+b") as f:
        f.truncate(21 * 2**20)  # sparse, past the 20 MiB cap
    os.mkfifo(folder / "tube")
    (folder / "dossier.ipynb").mkdir()


def test_hostile_layouts_are_staged_as_nbgrader_autograde_stages_them(tmp_path):
    students = ["eleve_correct", "eleve_vierge"]
    stock = course_copy(tmp_path / "stock", students)
    ours = course_copy(tmp_path / "ours", students)
    for root in (stock, ours):
        _hostile_layouts(root)
        register_students(root, ["eleve_lien"])
    stock_autograde(stock, NO_EXECUTE)
    code, out, err = classgrade(ours, "--workers", "2", "--seed", str(SEED), "--no-execute")
    assert code == 0, out + err[-4000:]
    assert counts(out)["notés"] == 3
    assert rows(ours) == rows(stock)
    text = report(ours)
    assert text == report(stock)
    assert "lien symbolique" in text and "tube nommé" in text and "trop gros" in text
    assert harness.symlinks_under(ours / "autograded") == []
