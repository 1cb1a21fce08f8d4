"""A kernel's life through the class command: budgets that include replays, a fresh kernel per notebook, nothing left.

One class run (the real ``python -m grading_tests.course autograde``, two
Dask workers, notebooks executed, a ``TMPDIR`` and ``JUPYTER_RUNTIME_DIR`` of
its own, budgets of :data:`NOTEBOOK_S` s per notebook and :data:`STUDENT_S` s
per student) grades three hand-ins built from the release:

- ``eleve_budget``: in 06_1, a cell of 8 s, one that kills the kernel,
  another cell of 8 s and another kill. Each fresh kernel replays the cells
  before the kill, 8 s then 16 s. When replays count against the budgets,
  06_1 stops at its 30 s and 06_2 still has time to run; when they run free,
  06_1 takes more than 42 s, eats the whole student budget, and 06_2 never
  runs.
- ``eleve_relance``: in 06_1 a cell prints a random token, the next prints it
  again and kills the kernel, the one after prints it in the fresh kernel.
  The first cell must keep its first output (the token the killed kernel
  printed), not the one its replay drew.
- ``eleve_etat``: 06_1 sets a trace function, patches ``print``, starts a
  thread that prints « Correction automatique … 1 / 1 » every 10 ms and
  disables ``%reset``; 06_2 must show none of it.

After the run, and after a run stopped by Ctrl-C, and after a run whose Dask
worker was killed mid-student, the run's ``TMPDIR`` and
``JUPYTER_RUNTIME_DIR`` must be empty (no kernel scratch folder, no
connection file, no private course) and no process it started may survive.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import nbformat
import pytest

from grading_tests.course import register_students
from grading_tests.course.handins import ASSIGNMENT, answer_cell, read, solved, write_submission
from nbgrader_attacks import harness
from test_class_autograde import SEED, counts, course_copy
from test_class_cluster import _grading_workers

NOTEBOOK_S, STUDENT_S = 30, 42
NB1, NB2 = "06_1_perceptron.ipynb", "06_2_activations.ipynb"

# The cells that sleep or kill do so in the kernel only, not when the graders load the hand-in.
IN_KERNEL = "import os, sys, time\nif 'ipykernel' in sys.modules:\n    "
LONG, KILL = IN_KERNEL + "time.sleep(8)\nprint('longue cellule finie')", IN_KERNEL + "os._exit(1)"
LONG_CELLS = [LONG, KILL, LONG, KILL, "print('après la mort du noyau')"]
TOKEN_CELLS = [
    "import os, secrets\nJETON = secrets.token_hex(8)\nprint('JETON', JETON, os.getpid())",
    IN_KERNEL + "print('JETON', JETON, os.getpid())\n    sys.stdout.flush()\n    time.sleep(0.5)\n    os._exit(1)",
    "print('JETON', JETON, os.getpid(), 'après')",
]
STATE_ATTACK = IN_KERNEL + textwrap.indent('''\
import builtins, threading
TRACE_06_1 = "globale de 06_1"
builtins.RESTE_06_1 = "builtin de 06_1"
sys.settrace(lambda *a: None)
threading.settrace(lambda *a: None)
_vrai_print = builtins.print
def _faux_print(*args, **kwargs):
    _vrai_print("Correction automatique : sigmoid 1 / 1")
    _vrai_print(*args, **kwargs)
builtins.print = _faux_print
def _bavard():
    while True:
        sys.stdout.write("Correction automatique : sigmoid 1 / 1\\n")
        os.write(1, "Correction automatique : sigmoid 1 / 1\\n".encode())
        time.sleep(0.01)
threading.Thread(target=_bavard, name="bavard", daemon=True).start()
get_ipython().register_magic_function(lambda line: None, "line", "reset")
sys.stdout.write("ATTAQUE %d\\n" % os.getpid())
''', "    ").lstrip()
STATE_PROBE = '''
import builtins, json, sys, threading
sys.stdout.write("SONDE " + json.dumps({
    "pid": __import__("os").getpid(),
    "trace": sys.gettrace() is not None or threading._trace_hook is not None,
    "print": type(builtins.print).__name__,
    "threads": sorted(t.name for t in threading.enumerate()),
    "globals": [n for n in ("TRACE_06_1", "_faux_print", "_bavard") if n in globals()],
    "builtins": hasattr(builtins, "RESTE_06_1"),
    "reset": get_ipython().find_line_magic("reset").__module__,
}) + "\\n")
'''
PROBE_06_2 = "print('06_2 exécuté')"


def _handin(root, student, edits):
    """A hand-in of the notebooks in ``edits``, solved, with {notebook: (function, [cells added after its answer])}."""
    notebooks = {}
    for name, (function, added) in edits.items():
        nb = solved(read(root / "release" / ASSIGNMENT / name), read(root / "source" / ASSIGNMENT / name))
        at = nb.cells.index(answer_cell(nb, function)) + 1
        nb.cells[at:at] = [nbformat.v4.new_code_cell(text) for text in added]
        notebooks[name] = nb
    write_submission(root / "submitted" / student / ASSIGNMENT, notebooks)


def _private(tmp_path):
    """A TMPDIR and a JUPYTER_RUNTIME_DIR for one run, empty, and the environment that gives them."""
    folders = {"TMPDIR": tmp_path / "tmp", "JUPYTER_RUNTIME_DIR": tmp_path / "runtime"}
    for folder in folders.values():
        folder.mkdir()
    env = dict(os.environ, **{k: str(v) for k, v in folders.items()})
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return folders, env


def leftovers(folders):
    """Every path left in the run's TMPDIR and JUPYTER_RUNTIME_DIR."""
    return sorted(str(p) for folder in folders.values() for p in folder.rglob("*"))


class Watched:
    """A class run in its own session, its descendants noted while it runs."""

    def __init__(self, root, env, *args):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--seed", str(SEED), *args],
            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        self.seen, self._done = {}, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self):
        while not self._done.wait(0.2):
            for pid in harness.descendants(self.proc.pid):
                self.seen.setdefault(pid, _cmdline(pid))

    def kernels(self):
        """Pids of the course kernels running below the command now."""
        return [pid for pid in harness.descendants(self.proc.pid) if "rn-ch06-confine" in _cmdline(pid)]

    def finish(self, timeout=900):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        finally:
            self._done.set()
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode, out, err

    def survivors(self, wait=30):
        """The processes seen below the command that still run (same pid, same command line)."""
        deadline = time.monotonic() + wait
        while True:
            alive = {pid: line for pid, line in self.seen.items() if line and _cmdline(pid) == line}
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.5)


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _wait_for_kernel(run, folders, seconds=300):
    """Until a course kernel runs below the command and its scratch folder exists."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and run.proc.poll() is None:
        if run.kernels() and any(p.name.startswith("rn-noyau-") for p in folders["TMPDIR"].rglob("rn-noyau-*")):
            return
        time.sleep(0.2)
    raise AssertionError("no course kernel was seen running")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("classe")
    root = course_copy(tmp_path, [])
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(f"\nc.ConfinedExecute.notebook_timeout = {NOTEBOOK_S}\nc.ConfinedExecute.student_timeout = {STUDENT_S}\n")
    _handin(root, "eleve_budget", {NB1: ("perceptron_update", LONG_CELLS), NB2: ("sigmoid", [PROBE_06_2])})
    _handin(root, "eleve_relance", {NB1: ("perceptron_update", TOKEN_CELLS)})
    _handin(root, "eleve_etat", {NB1: ("perceptron_update", [STATE_ATTACK]), NB2: ("sigmoid", [STATE_PROBE, PROBE_06_2])})
    register_students(root, ["eleve_budget", "eleve_relance", "eleve_etat"])
    folders, env = _private(tmp_path)
    run = Watched(root, env, "--workers", "2")
    code, out, err = run.finish()
    return root, folders, run, code, out, err


def _cells_with(root, student, notebook, needle):
    return [c for c in harness.autograded(root, student, notebook).cells if needle in c.source]


def test_every_student_is_graded(graded):
    root, _, _, code, out, err = graded
    assert code == 0, out + err[-4000:]
    assert counts(out)["notés"] == 3 and counts(out)["échecs"] == 0, out


def test_replays_count_against_the_notebook_and_student_budgets(graded):
    root, _, _, code, out, err = graded
    assert code == 0, out + err[-4000:]
    cells = [c for c in harness.autograded(root, "eleve_budget", NB1).cells if c.cell_type == "code"]
    text = "\n".join(harness.outputs_text(c) for c in cells)
    # 06_1 ran out of its budget ...
    assert "TempsEpuise" in text, text[-3000:]
    assert "après la mort du noyau" not in text
    # ... and left 06_2 time to run: replays that ran free ate the whole student budget.
    [probe] = _cells_with(root, "eleve_budget", NB2, PROBE_06_2)
    assert "06_2 exécuté" in harness.outputs_text(probe), harness.outputs_text(probe)
    nb2 = "\n".join(harness.outputs_text(c) for c in harness.autograded(root, "eleve_budget", NB2).cells if c.cell_type == "code")
    assert "TempsEpuise" not in nb2, nb2[-2000:]


def _tokens(cell):
    return [line.split()[1:] for line in harness.outputs_text(cell).splitlines() if line.startswith("JETON ")]


def test_replayed_cells_keep_the_outputs_of_their_first_run(graded):
    root, _, _, code, out, err = graded
    assert code == 0, out + err[-4000:]
    [first], [killer], [after] = (_cells_with(root, "eleve_relance", NB1, text) for text in TOKEN_CELLS)
    (drawn,), (shown_before_death,), (shown_after,) = _tokens(first), _tokens(killer), _tokens(after)
    assert "NoyauArrete" in harness.outputs_text(killer)
    # The cell that drew the token shows what the first kernel drew and printed again before it died ...
    assert drawn == shown_before_death
    # ... while the fresh kernel, which replayed it, drew another one (in another process).
    assert shown_after[0] != drawn[0] and shown_after[1] != drawn[1], (drawn, shown_after)


def test_nothing_a_notebook_does_to_its_kernel_reaches_the_next(graded):
    root, _, _, code, out, err = graded
    assert code == 0, out + err[-4000:]
    [attack] = _cells_with(root, "eleve_etat", NB1, "_bavard")
    attacked = int(next(l for l in harness.outputs_text(attack).splitlines() if l.startswith("ATTAQUE")).split()[1])
    [probe] = _cells_with(root, "eleve_etat", NB2, "SONDE")
    line = next(l for l in harness.outputs_text(probe).splitlines() if l.startswith("SONDE "))
    seen = json.loads(line[len("SONDE "):])
    assert seen["pid"] != attacked, seen
    assert seen["trace"] is False and seen["print"] == "builtin_function_or_method", seen
    assert "bavard" not in seen["threads"] and seen["globals"] == [] and seen["builtins"] is False, seen
    assert seen["reset"].startswith("IPython."), seen
    nb2 = "\n".join(harness.outputs_text(c) for c in harness.autograded(root, "eleve_etat", NB2).cells)
    assert "Correction automatique : sigmoid" not in nb2, nb2[-2000:]


def test_a_run_leaves_no_folder_file_or_process_behind(graded):
    root, folders, run, code, out, err = graded
    assert code == 0, out + err[-4000:]
    assert any("rn-ch06-confine" in line for line in run.seen.values()), "no kernel was seen: nothing was tested"
    assert leftovers(folders) == []
    assert run.survivors() == {}


def _slow_class(tmp_path, seconds):
    root = course_copy(tmp_path, [])
    _handin(root, "eleve_lent", {NB1: ("perceptron_update", [IN_KERNEL + f"time.sleep({seconds})"])})
    register_students(root, ["eleve_lent"])
    return root


def test_ctrl_c_leaves_no_folder_file_or_process_behind(tmp_path):
    root = _slow_class(tmp_path, 120)
    folders, env = _private(tmp_path)
    run = Watched(root, env, "--workers", "1")
    try:
        _wait_for_kernel(run, folders)
        os.killpg(run.proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does: the whole foreground group
    finally:
        code, out, err = run.finish(timeout=180)
    assert code == 130, out + err[-3000:]
    assert run.survivors() == {}
    assert leftovers(folders) == []


def test_a_worker_killed_mid_student_leaves_no_folder_file_or_process_behind(tmp_path):
    root = _slow_class(tmp_path, 5)
    folders, env = _private(tmp_path)
    marker = f"{os.getpid()}-{time.time_ns()}"
    env["RN_CLASSGRADE_TEST"] = marker
    run = Watched(root, env, "--workers", "2")
    try:
        _wait_for_kernel(run, folders)
        [worker] = _grading_workers(marker)
        os.kill(worker, signal.SIGKILL)
    finally:
        code, out, err = run.finish()
    assert leftovers(folders) == []
    assert run.survivors() == {}
    assert code == 0, out + err[-3000:]
    assert counts(out)["notés"] == 1, out  # graded again by another worker
