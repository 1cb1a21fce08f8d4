"""The class command grades every folder it is given: hostile ids, odd folders, floods, slow and heavy hand-ins.

One class, graded once by the real command (an embedded LocalCluster of two
workers, real nbgrader, the real graders), shared by every test of the module:

- two controls, ``eleve_correct`` and ``eleve_vierge`` from ``submitted/``;
- ids a student chooses when hand-ins come from a zip: options (``--help``,
  ``-force``), a space, accents, 128 characters, the report's old name: each
  graded, with the grades of the control it copies;
- ids outside the safe set: glob characters, ``~``, a newline, ESC and CR
  forging a table line, two ids that used to print alike, 250 characters, NFD,
  a hidden folder: each refused with a line of its own, the hand-in untouched;
- folders with nothing to grade: an empty assignment folder, a hand-in nested
  one folder too deep, a folder without the assignment, a file;
- a flood (two 20 MB notebooks of one-character cells), a correct but slow
  ``dropout_forward`` (9.5 s a call), four 95 MB hand-ins.

The module imports nothing of the course's id handling, so that it runs, and
fails, against the code before it (see the closing note of issue 17).
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from grading_tests.course.handins import ASSIGNMENT
from nbgrader_attacks import harness
from test_class_autograde import SEED, by_student, course_copy, graded_cell_text, rows

CONTROLS = ["eleve_correct", "eleve_vierge"]
GRADED = {  # id -> the control whose hand-in it is
    "--help": "eleve_correct", "-force": "eleve_vierge", "jean dupont": "eleve_vierge", "élève": "eleve_vierge",
    "a" * 128: "eleve_vierge", "anomalies.txt": "eleve_vierge",
    "inonde": "eleve_correct", "lent": "eleve_correct", **{f"lourd{i}": "eleve_correct" for i in range(4)},
}
FORGED = "zzz_correct : noté 39 sur 51"
REFUSED = [
    "eleve[1]", "a*b", "~root", "a\nb", f"x\x1b[2K\r{FORGED}", "x\ry", "x\x1by", "b" * 250, "e\u0301le\u0300ve", ".cache",
]
NOTHING = {"vide": "aucun notebook", "niche": "sous-dossier", "sans_devoir": "pas de dossier", "notes.txt": "pas un dossier"}
FLOOD_BYTES = 20 * 2**20 - 4096  # just under the staging's cap on a notebook
HEAVY_BYTES = 19 * 2**20  # five notebooks: 95 MB a hand-in
GIB = 2**30
SLOW = (
    "\n\nimport time as _time\n_dropout_forward_juste = dropout_forward\n\n\n"
    "def dropout_forward(*args, **kwargs):\n    _time.sleep(9.5)\n    return _dropout_forward_juste(*args, **kwargs)\n"
)


def _notebooks(folder):
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.ipynb"))}


def _added_cell(source):
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}


def _build_class(root):
    submitted = root / "submitted"
    handins = {s: submitted / s / ASSIGNMENT for s in CONTROLS}
    timestamp = (handins["eleve_correct"] / "timestamp.txt").read_text()
    correct, blank = _notebooks(handins["eleve_correct"]), _notebooks(handins["eleve_vierge"])
    for student, control in GRADED.items():
        notebooks = json.loads(json.dumps(correct if control == "eleve_correct" else blank))
        if student == "inonde":  # two notebooks padded with one-character cells
            for name in sorted(notebooks)[1:3]:
                one = json.dumps({"cell_type": "code", "source": "x"})
                text = json.dumps(notebooks[name])
                count = (FLOOD_BYTES - len(text)) // (len(one) + 1)
                notebooks[name] = text.replace('"cells": [', '"cells": [' + ",".join([one] * count) + ",", 1)
        elif student == "lent":
            for nb in notebooks.values():
                for cell in nb["cells"]:
                    if "def dropout_forward" in "".join(cell["source"]) and cell["metadata"].get("nbgrader", {}).get("solution"):
                        cell["source"] = "".join(cell["source"]) + SLOW
        elif student.startswith("lourd"):  # a comment in a cell of the student's: kept and graded
            for nb in notebooks.values():
                nb["cells"].append(_added_cell("# " + "x" * (HEAVY_BYTES - len(json.dumps(nb))) + "\n"))
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for name, nb in notebooks.items():
            (folder / name).write_text(nb if isinstance(nb, str) else json.dumps(nb), encoding="utf-8")
        (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    for student in REFUSED:
        shutil.copytree(handins["eleve_vierge"], submitted / student / ASSIGNMENT)
    (submitted / "vide" / ASSIGNMENT).mkdir(parents=True)
    shutil.copytree(handins["eleve_vierge"], submitted / "niche" / ASSIGNMENT / ASSIGNMENT)
    (submitted / "sans_devoir" / "autre_devoir").mkdir(parents=True)
    (submitted / "notes.txt").write_text("pas un rendu")


def _vm_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """(course root, exit code, stdout, stderr, the driver's peak memory, the tree of submitted/ before the run)."""
    root = course_copy(tmp_path_factory.mktemp("classe"), CONTROLS)
    _build_class(root)
    before = harness.tree_state(root / "submitted")
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--workers", "2", "--seed", str(SEED),
         "--no-execute", "--timeout", "300"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    peak, deadline = 0, time.monotonic() + 2400
    while proc.poll() is None and time.monotonic() < deadline:
        peak = max(peak, _vm_hwm(proc.pid))  # a high-water mark: the last reading is the peak
        time.sleep(0.2)
    if proc.poll() is None:
        os.killpg(proc.pid, 9)
    out, err = (text.decode("utf-8", "replace") for text in proc.communicate())
    (root.parent / "classe.txt").write_text(f"{out}\n{err}\ndriver VmHWM {peak / 2**20:.0f} MiB\n", encoding="utf-8")  # post-mortem
    return root, proc.returncode, out, err, peak, before


def _table(out):
    """The rows of the final table, as printed."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("-----")) + 1
    return lines[start : lines.index("", start)]


def _line(out, student):
    """The table's line of a plain id (its printed form), for failure messages."""
    return next((line for line in out.splitlines() if line.startswith(student + " ")), f"no line for {student}")


def test_the_run_ends_with_a_table_and_exit_code_0(graded_class):
    _, code, out, err, _, _ = graded_class
    assert code == 0, out + err[-4000:]
    assert _table(out)


def test_every_entry_of_submitted_has_one_line_and_none_is_lost(graded_class):
    root, _, out, _, _, before = graded_class
    table = _table(out)
    assert len(table) == len(os.listdir(root / "submitted")) == len(set(table)), out
    assert harness.tree_state(root / "submitted") == before  # every hand-in untouched, refused ones included


def test_what_is_printed_holds_no_control_character(graded_class):
    _, _, out, err, _, _ = graded_class
    for text in (out, err):
        bad = sorted({repr(ch) for ch in text if ch not in "\n" and not ch.isprintable()})
        assert bad == [], bad
    assert not any(line.startswith(FORGED) for line in out.splitlines())
    assert any(FORGED in line for line in _table(out))  # the forging id has its (escaped) line


def test_ids_that_look_like_options_or_hold_spaces_are_graded_as_their_control(graded_class):
    root, _, out, _, _, _ = graded_class
    table = rows(root)["grades"]
    for student, control in GRADED.items():
        if student in ("lent",):
            continue
        got = [row[1:] for row in by_student(table, student)]
        assert got and got == [row[1:] for row in by_student(table, control)], _line(out, student)
    assert (root / "autograded" / "anomalies.txt").is_dir()  # the student's, not a report


def test_ids_outside_the_safe_set_are_refused_one_line_each_and_never_graded(graded_class):
    root, _, out, _, _, _ = graded_class
    graded = {row[0] for row in rows(root)["submissions"]}
    assert graded == set(CONTROLS) | set(GRADED), [_line(out, s) for s in set(CONTROLS) | set(GRADED) - graded]
    refused = [line for line in _table(out) if " refusé " in line]
    assert len(refused) == len(REFUSED), out
    assert any(FORGED in line for line in refused)
    report = (root / "logs" / ASSIGNMENT / "anomalies.txt").read_text(encoding="utf-8").splitlines()
    firsts = [line.split("\t", 1)[0] for line in report if "refusé" in line]
    assert len(firsts) == len(set(firsts)) == len(REFUSED), report  # x\x1by and x\ry no longer share a line
    assert all("\x1b" not in line and "\r" not in line for line in report)


def test_folders_with_nothing_to_grade_say_why(graded_class):
    _, _, out, _, _, _ = graded_class
    table = _table(out)
    for name, why in NOTHING.items():
        line = next(line for line in table if line.startswith(name + " "))
        assert why in line and "ignoré" in line, line


def test_a_flood_of_cells_is_graded_and_bounded(graded_class):
    root = graded_class[0]
    for path in sorted((root / "autograded" / "inonde" / ASSIGNMENT).glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert len(cells) < 1000, path.name
    assert "supprimée" in (root / "logs" / ASSIGNMENT / "anomalies.txt").read_text(encoding="utf-8")


def test_a_slow_correct_function_loses_its_points_and_nothing_else(graded_class):
    root = graded_class[0]
    table = rows(root)["grades"]
    slow = {row[1:3]: row[3] for row in by_student(table, "lent")}
    control = {row[1:3]: row[3] for row in by_student(table, "eleve_correct")}
    dropout = next(key for key in control if key[1] == "test_dropout_forward")
    assert control[dropout] > 0 and slow[dropout] == 0
    assert {k: v for k, v in slow.items() if k != dropout} == {k: v for k, v in control.items() if k != dropout}
    assert "temps de correction épuisé" in graded_cell_text(root, "lent", "dropout_forward")


def test_the_driver_stays_under_1_gib_with_heavy_hand_ins(graded_class):
    root, _, out, _, peak, _ = graded_class
    heavy = [sum(p.stat().st_size for p in (root / "submitted" / f"lourd{i}" / ASSIGNMENT).iterdir()) for i in range(4)]
    assert min(heavy) > 90 * 10**6
    graded = {row[0] for row in rows(root)["submissions"]}
    assert all(f"lourd{i}" in graded for i in range(4)), [_line(out, f"lourd{i}") for i in range(4)]  # graded: in flight
    assert 0 < peak < GIB, f"driver VmHWM {peak / 2**20:.0f} MiB"


def test_nbgrader_autograde_refuses_the_same_ids_with_the_same_lines_and_exits_0(tmp_path, graded_class):
    """Stock ``nbgrader autograde`` with the course's plug-in, on a few of the class's ids."""
    ids = ["-force", "a\nb", f"x\x1b[2K\r{FORGED}", "eleve[1]", "x\ry"]
    root = course_copy(tmp_path, ["eleve_vierge"])
    for student in ids:
        shutil.copytree(root / "submitted" / "eleve_vierge", root / "submitted" / student)
    shutil.rmtree(root / "submitted" / "eleve_vierge")
    before = harness.tree_state(root / "submitted")
    harness.gradebook_assignment(root)
    code, log, _ = harness.nbgrader(root, "autograde", ASSIGNMENT, f"--TrustedGrades.seed={SEED}", "--ConfinedExecute.enabled=False",
                                    check=False)
    assert code == 0, log[-4000:]
    assert "\x1b" not in log and "\r" not in log
    assert {row[0] for row in rows(root)["submissions"]} == {"-force"}
    assert harness.tree_state(root / "submitted") == before
    ours = (root / "logs" / ASSIGNMENT / "anomalies.txt").read_text(encoding="utf-8").splitlines()
    theirs = (graded_class[0] / "logs" / ASSIGNMENT / "anomalies.txt").read_text(encoding="utf-8").splitlines()
    assert len(ours) == len(ids) - 1 and set(ours) <= set(theirs), (ours, theirs)
