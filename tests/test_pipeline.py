"""The instructor's cycle, end to end, as the one command of ``make demo``.

``python -m grading_tests.course demo`` runs in a copy of the course (with a
hidden test added to one graded cell of the source, to check it never reaches
a student) and must leave a consistent gradebook in which each demo student
has exactly the expected score, French feedback in HTML, and ``grades.csv``.
"""

import csv
import html
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from html.parser import HTMLParser

import nbformat
import pytest

from grading_tests.course.bank import DEMO_MISTAKES
from grading_tests.course.demo_class import STUDENTS
from grading_tests.course.handins import ASSIGNMENT, graded_functions, read
from grading_tests.framework import KIND_LABELS, KINDS
from grading_tests.nbgrader_plugin.common import trusted_record
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


def test_the_demo_ends_with_the_canvas_and_moodle_files(demo):
    """The demo's late policy, by hand: the partial student is 25 h 05 late (two started days, -20 % of
    each notebook), the hostile one 10 minutes (within the grace), the correct one 39 hours but with the
    demo's extension (extensions.csv), the untouched release on time."""
    import time

    import lms_formats as lms
    from grading_tests.course.demo_class import EXTENSIONS

    root, _ = demo
    assert (harness.REPO / "extensions.csv").read_text(encoding="utf-8") == EXTENSIONS
    notebooks = {s: {nb: sum((manual if manual is not None else auto) or 0 for auto, manual, _ in cells.values()) for nb, cells in g.items()}
                 for s, g in harness.grades(root).items()}
    lost = {s: sum(round(v * 0.20, 2) for v in notebooks[s].values()) if s == "eleve_partiel" else 0.0 for s in STUDENTS}
    assert lost["eleve_partiel"] > 0
    canvas = lms.canvas_import((root / "exports" / f"{ASSIGNMENT}_canvas.csv").read_bytes())
    moodle = lms.moodle_import((root / "exports" / f"{ASSIGNMENT}_moodle.csv").read_bytes(), "Nom d'utilisateur", ASSIGNMENT,
                               f"Feedback : {ASSIGNMENT}", users=set(STUDENTS), now=int(time.time()))
    for student in STUDENTS:
        total = round(_expected(student) - lost[student], 2)
        assert canvas.grades[("", student, "")][ASSIGNMENT] == pytest.approx(total) == moodle.grades[student], student
    assert "rendu 1 j 1 h après la date limite" in moodle.feedback["eleve_partiel"]
    # the README shows the demo's Canvas file as it is
    shown = (root / "exports" / f"{ASSIGNMENT}_canvas.csv").read_text(encoding="utf-8").replace("\r\n", "\n")
    assert shown in (harness.REPO / "README.md").read_text(encoding="utf-8")


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


class _Page(HTMLParser):
    """A feedback page, read as a browser would: its grade table, cell titles, outputs, scripts."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.rows, self.labels, self.scripts, self.outputs = [], [], [], []
        self.text, self._stack, self._row, self._label, self._output_depth = [], [], None, None, None
        self._open_ids = []  # ids of the tables being read
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        self._stack.append(tag)
        if tag == "script":
            self.scripts.append(attrs.get("src") or "")
        if tag == "tr" and "notes" in self._open_ids:
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._row.append("")
        if tag == "span" and "nbgrader-label" in classes:
            self._label = ""
        if "output_wrapper" in classes and self._output_depth is None:
            self._output_depth = len(self._stack)
            self.outputs.append("")
        if tag == "table" and attrs.get("id"):
            self._open_ids.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        if tag == "span" and self._label is not None:
            self.labels.append(" ".join(self._label.split()))
            self._label = None
        if tag == "table" and self._open_ids:
            self._open_ids.pop()
        if self._output_depth is not None and len(self._stack) == self._output_depth and tag == "div":
            self._output_depth = None
        if self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if self._stack and self._stack[-1] in ("style", "script"):
            return
        self.text.append(data)
        if self._row is not None and self._row:
            self._row[-1] += data
        if self._label is not None:
            self._label += data
        if self._output_depth is not None:
            self.outputs[-1] += data


def _page(root, student, notebook):
    path = root / "feedback" / student / ASSIGNMENT / f"{notebook}.html"
    return _Page(path.read_text(encoding="utf-8"))


def _table(page):
    """The header's grade table: [(name, points, out of, verdict)], without its heading and total rows."""
    cells = [[" ".join(c.split()) for c in row] for row in page.rows]
    assert cells and cells[0][:3] == ["Fonction ou réponse", "Points", "Sur"], cells[:1]
    assert cells[-1][0] == "Total"
    return [tuple(row) for row in cells[1:-1]], cells[-1]


def test_feedback_titles_each_graded_cell_with_its_function(demo):
    root, _ = demo
    for student in STUDENTS:
        for notebook, cells in _points().items():
            page = _page(root, student, notebook)
            functions = [cell[len("test_"):] for cell in cells]
            assert [label for label in page.labels if label.startswith("Correction de")] == [
                f"Correction de {f}" for f in functions
            ], (student, notebook)
            text = "".join(page.text)
            # nbgrader's English labels, and its titles with no function, are gone.
            for english in ("Test cell", "Grade cell", "Student's answer", "Student's task", "Score:", "(Top)", "No response"):
                assert english not in text, (student, notebook, english)


def test_feedback_header_gives_the_grade_per_function(demo):
    root, _ = demo
    grades = harness.grades(root)
    with sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True) as db:
        penalties = {(student, notebook): penalty or 0 for student, notebook, penalty in db.execute(
            "SELECT student.id, notebook.name, submitted_notebook.late_submission_penalty FROM submitted_notebook"
            " JOIN notebook ON notebook.id = submitted_notebook.notebook_id"
            " JOIN submitted_assignment ON submitted_assignment.id = submitted_notebook.assignment_id"
            " JOIN student ON student.id = submitted_assignment.student_id")}
    shown = 0
    for student in STUDENTS:
        for notebook, cells in _points().items():
            if not cells:
                continue
            rows, total = _table(_page(root, student, notebook))
            # The late-penalty row (the demo's partial student is 25 h late): the gradebook's penalty.
            late = [float(row[1].replace("−", "")) for row in rows if row[0] == "Pénalité de retard"]
            rows = [row for row in rows if row[0] != "Pénalité de retard"]
            penalty = penalties[student, notebook]
            assert late == [penalty] or (late == [] and penalty == 0), (student, notebook, late, penalty)
            shown += bool(late)
            functions = {row[0]: row for row in rows if not row[0].startswith("Réponse rédigée")}
            assert list(functions) == [cell[len("test_"):] for cell in cells], (student, notebook)
            nb = harness.autograded(root, student, f"{notebook}.ipynb")
            for cell, points in cells.items():
                name, got, out_of, verdict = functions[cell[len("test_"):]]
                # The gradebook's score, and the verdict TrustedGrades recorded in the cell.
                assert float(got) == pytest.approx(grades[student][notebook][cell][0]) and float(out_of) == points
                assert verdict == trusted_record(harness.cell(nb, cell))["verdict"] and verdict, (student, cell)
                assert not verdict.startswith(name), verdict
            answers = [row for row in rows if row[0].startswith("Réponse rédigée")]
            assert [row[0].split()[-1] for row in answers] == [c for c in grades[student][notebook] if c.startswith("q_")]
            for name, _, _, verdict in answers:
                needs = grades[student][notebook][name.split()[-1]][2]
                assert (verdict == "en attente de correction") == needs, (student, name, verdict)
                assert needs or verdict == "pas de réponse" or verdict.startswith("corrigée à la main"), verdict
            recorded = sum(auto or 0 for auto, _, _ in grades[student][notebook].values())
            assert float(total[1]) == pytest.approx(recorded - penalty) and float(total[2]) == pytest.approx(
                sum(float(r[2]) for r in rows)
            )
    assert shown, "no feedback page showed a late penalty, though the demo's partial student is 25 h late"


def test_feedback_says_when_a_notebook_is_not_graded(demo):
    root, _ = demo
    totals = {notebook: sum(cells.values()) for notebook, cells in _points().items()}
    for notebook in totals:
        for student in STUDENTS:
            text = " ".join("".join(_page(root, student, notebook).text).split())
            # Written answers count too: a notebook is graded when any cell is worth points.
            written = any(c.startswith("q_") for c in harness.grades(root)[student].get(notebook, {}))
            graded = totals[notebook] > 0 or written
            assert ("notebook non noté" in text) == (not graded), (student, notebook)
            assert "note : 0 / 0" not in text, (student, notebook)


def _instructor_marks(root):
    marks = {str(root), os.path.realpath(root), sys.prefix, os.path.realpath(sys.prefix), os.path.expanduser("~")}
    # The scratch folders of the kernel, the graders and the staging (grading_tests/).
    return sorted(m for m in marks if len(m) > 1) + ["rn-noyau-", "grading-", "rn-rendus-", "rn-soumission-"]


def test_feedback_pages_show_no_warning_nor_instructor_path(demo):
    root, _ = demo
    marks = _instructor_marks(root)
    pages = sorted((root / "feedback").rglob("*.html"))
    assert len(pages) == len(STUDENTS) * len(_points())
    for path in pages:
        page = _Page(path.read_text(encoding="utf-8"))
        text = "".join(page.text)
        assert not [m for m in marks if m in text], (path, [m for m in marks if m in text])
        outputs = "\n".join(page.outputs)
        assert "Warning" not in outputs and "warnings.warn" not in outputs, (path, outputs[outputs.find("Warning") - 300 :][:600])
        assert "Permission denied" not in outputs or "eleve_hostile" in path.parts, path


def test_the_reference_notebooks_run_without_an_error_at_autograde(demo):
    """The correct student's notebooks run cell after cell in the confined kernel, as in JupyterLab."""
    root, _ = demo
    for path in sorted((root / "autograded" / "eleve_correct" / ASSIGNMENT).glob("*.ipynb")):
        nb = read(path)
        errors = [(i, o.ename, o.evalue[:200]) for i, c in enumerate(nb.cells) for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, (path.name, errors)


def test_feedback_maths_needs_no_script_and_no_network(demo):
    root, _ = demo
    for path in sorted((root / "feedback").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        page = _Page(text)
        assert page.scripts == [] and not re.search(r"""(src|href)=["']?(https?:)?//""", text), path
        # (nbgrader's template keeps its comment "Loading mathjax macro", which loads nothing)
        assert "mathjax" not in re.sub(r"<!--.*?-->", "", text, flags=re.S).lower(), path
        prose = re.sub(r"<math\b.*?</math>", "", text, flags=re.S)
        for block in re.findall(r'<div class="text_cell_render[^"]*">(.*?)</div>', prose, re.S):
            left = html.unescape(re.sub(r"<[^>]+>", "", block))
            assert not re.search(r"\$|\\[(\[]|\\begin|\\frac|\\mathbf", left), (path, left[:300])
    assert len(re.findall(r"<math\b", (root / "feedback" / "eleve_correct" / ASSIGNMENT / "06_3_propagation.html").read_text("utf-8"))) > 10


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


# --- manual grading: only the written answers, and the flags clear ---------------------


def _written_answers():
    """{notebook stem: [grade_id]} of the release's written answers (manually graded markdown)."""
    result = {}
    for path in sorted((harness.REPO / "release" / ASSIGNMENT).glob("*.ipynb")):
        result[path.stem] = [
            c.metadata["nbgrader"]["grade_id"] for c in read(path).cells
            if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("solution")
        ]
    return result


def _gradebook(path):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{path}", course_id="rn-fondamentaux-ch06")


def _flagged(gb, student):
    """(nbgrader's needs_manual_grade of the submission, the grade_ids it flags)."""
    submission = gb.find_submission(ASSIGNMENT, student)
    cells = {g.cell.name for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade}
    return submission.needs_manual_grade, cells


def test_only_written_answers_need_manual_grading_and_the_table_agrees(demo):
    root, proc = demo
    written = {cell for cells in _written_answers().values() for cell in cells}
    assert len(written) == 6
    table = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(eleve_\w+)\s.*?(\d+)\s*$", proc.stdout, re.M)}
    with _gradebook(root / "gradebook.db") as gb:
        for student in STUDENTS:
            flag, cells = _flagged(gb, student)
            if student == "eleve_vierge":  # the untouched release: nothing to grade by hand
                assert not flag and cells == set()
            elif student in ("eleve_correct", "eleve_partiel"):
                assert flag and cells == written, (student, sorted(cells ^ written))
            else:
                assert cells <= written, (student, sorted(cells - written))
            # The demo's "à corriger" column is what the formgrader flags.
            assert table[student] == len(cells), (student, table[student], sorted(cells))


def test_grading_every_written_answer_clears_every_flag(demo, tmp_path):
    root, _ = demo
    copy = tmp_path / "gradebook.db"
    shutil.copyfile(root / "gradebook.db", copy)
    written = {cell for cells in _written_answers().values() for cell in cells}
    with _gradebook(copy) as gb:
        for student in STUDENTS:
            for nb in gb.find_submission(ASSIGNMENT, student).notebooks:
                for grade in nb.grades:
                    if grade.cell.name in written and grade.needs_manual_grade:  # what an instructor scores
                        # What the formgrader's API does when a score is typed in.
                        grade.manual_score = grade.max_score / 2
                        grade.needs_manual_grade = False
        gb.db.commit()
    with _gradebook(copy) as gb:
        for student in STUDENTS:
            assert _flagged(gb, student) == (False, set()), student
        assert not any(nb.needs_manual_grade for nb in gb.find_assignment(ASSIGNMENT).notebooks)


def test_formgrader_shows_each_rubric_under_its_answer(demo):
    """The autograded notebook (what the formgrader shows) holds the student's
    answer, then its rubric; the feedback page holds neither marker nor rubric."""
    root, _ = demo
    for notebook, cells in _written_answers().items():
        for student in ("eleve_correct", "eleve_vierge"):
            nb = harness.autograded(root, student, f"{notebook}.ipynb")
            submitted = read(root / "submitted" / student / ASSIGNMENT / f"{notebook}.ipynb")
            for grade_id in cells:
                shown = harness.cell(nb, grade_id).source
                answer = harness.cell(submitted, grade_id).source
                assert shown.startswith(answer) and "BEGIN MARK SCHEME" in shown[len(answer):], (student, grade_id)
                assert "Barème" in shown[len(answer):]


def _graders_start(log):
    """Where nbgrader's log says the graders started: before the first notebook ended, or after it."""
    lines = log.splitlines()
    grading = next(i for i, line in enumerate(lines) if "out of the kernel" in line and "Grading" in line)
    runs = [i for i, line in enumerate(lines) if "Notebook run in" in line]
    assert len(runs) >= 2, log[-3000:]  # at least two notebooks ran, each in its kernel
    return "after the first notebook" if runs[0] < grading < runs[1] else "beside" if grading < runs[0] else "elsewhere"


def test_graders_after_the_kernel_give_the_grades_of_graders_beside_it(demo, tmp_path):
    """The demo's class command runs one worker per core, so each student's graders wait for
    its first notebook's kernel (``--graders auto``); ``nbgrader autograde`` as configured runs
    them beside the kernels. Same student, same seed: the same grades and results."""
    root, proc = demo
    assert proc.returncode == 0, proc.stderr[-3000:]
    student = "eleve_correct"
    assert _graders_start((root / "logs" / ASSIGNMENT / f"{student}.log").read_text(encoding="utf-8")) == "after the first notebook"
    copy = tmp_path / "cours"
    shutil.copytree(root, copy, symlinks=True)
    code, log, _ = harness.nbgrader(copy, "autograde", ASSIGNMENT, f"--student={student}", "--force",
                                    f"--TrustedGrades.seed={SEED}", check=False)
    assert code == 0, log[-3000:]
    assert _graders_start(log) == "beside"
    assert harness.grades(copy)[student] == harness.grades(root)[student]
    query = "SELECT * FROM rn_ch06_grader_results WHERE student = ? ORDER BY notebook, function"
    rows = [sqlite3.connect(f"file:{r / 'gradebook.db'}?mode=ro", uri=True).execute(query, (student,)).fetchall() for r in (root, copy)]
    assert rows[0] == rows[1] and len(rows[0]) == len(registry())
