"""One kernel per student, reset between their notebooks, never shared by two students.

``ConfinedExecute.reuse_kernel`` runs a student's notebooks one after the
other in the same kernel. Two students are autograded by one real ``nbgrader
autograde`` process (hand-ins of 06_1 and 06_2 only, to keep it short). An
answer cell of each notebook prints the kernel's pid, what the previous
notebook left behind (globals, an environment variable, the working folder)
and the cell's execution count, into the autograded
notebook's outputs. Within a student the pid is the same and the namespace,
folder and count are fresh; across students the pids differ, and no
kernel outlives the run.
"""

import json
import os

from grading_tests.course import collected_students, register_students
from grading_tests.course.handins import ASSIGNMENT, answer_cell, read, solved, write_submission
from nbgrader_attacks import harness

NOTEBOOKS = {"06_1_perceptron.ipynb": "perceptron_update", "06_2_activations.ipynb": "sigmoid"}
PROBE = '''
import json as _json, os as _os
print("SONDE", _json.dumps({{
    "pid": _os.getpid(), "notebook": {notebook!r}, "student": {student!r},
    "left": sorted(n for n in ("trace_06_1", "trace_autre_eleve") if n in globals()),
    "env": _os.environ.get("RN_TRACE"),
    "cwd_is_scratch": _os.path.basename(_os.getcwd()).startswith("rn-noyau-"),
}}))
# What this notebook leaves behind for the next one.
trace_06_1 = trace_autre_eleve = 1
_os.environ["RN_TRACE"] = {student!r}
_os.makedirs("ailleurs", exist_ok=True)
_os.chdir("ailleurs")
'''


def _probes(root, student):
    """[(execution count of the probe's cell, its count in a fresh kernel, what it printed)], per notebook."""
    found = []
    for name in NOTEBOOKS:
        nb = harness.autograded(root, student, name)
        run = 0  # code cells the kernel ran (the graded test cells never reach it)
        for cell in nb.cells:
            if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            run += 1
            for line in harness.outputs_text(cell).splitlines():
                if line.startswith("SONDE "):
                    found.append((cell.get("execution_count"), run, json.loads(line[len("SONDE "):])))
    return found


def test_a_students_notebooks_share_a_kernel_reset_between_them_and_students_never_do(tmp_path):
    root = harness.copy_course(tmp_path)
    for student in ("eleve_a", "eleve_b"):
        handin = {}
        for name, function in NOTEBOOKS.items():
            nb = solved(read(root / "release" / ASSIGNMENT / name), read(root / "source" / ASSIGNMENT / name))
            answer_cell(nb, function).source += PROBE.format(notebook=name, student=student)
            handin[name] = nb
        write_submission(root / "submitted" / student / ASSIGNMENT, handin)
    harness.gradebook_assignment(root)
    register_students(root, collected_students(root))
    before = set(harness.processes())
    code, log, _ = harness.nbgrader(root, "autograde", ASSIGNMENT, "--force", "--TrustedGrades.seed=3", check=False)
    assert code == 0, log[-4000:]

    probes = {s: _probes(root, s) for s in ("eleve_a", "eleve_b")}
    for student, found in probes.items():
        assert [p["notebook"] for _, _, p in found] == list(NOTEBOOKS), (student, found)
        (_, _, first), (count, fresh_count, second) = found
        # One kernel for the student's two notebooks ...
        assert first["pid"] == second["pid"], found
        # ... and the second notebook starts as in a fresh kernel: nothing the first left, back in the
        # scratch folder, cells counted from 1. (What a reset cannot take back, the environment the
        # student set, stays within that student's own kernel.)
        assert second["left"] == [] and second["cwd_is_scratch"], second
        assert count == fresh_count, (count, fresh_count)
    # Never a kernel of one student for another.
    assert probes["eleve_a"][0][2]["pid"] != probes["eleve_b"][0][2]["pid"]
    assert probes["eleve_b"][0][2]["env"] is None and probes["eleve_b"][0][2]["left"] == []
    # And none outlives the run.
    pids = {p["pid"] for found in probes.values() for _, _, p in found}
    assert not any(os.path.exists(f"/proc/{pid}") for pid in pids - before)
