"""One nbgrader process, one warm kernel template, a fresh forked kernel for every notebook of every student.

Plain ``nbgrader autograde`` (the instructor's one-process path) grades two
students in one process, hand-ins of 06_1 and 06_2 only. ``eleve_a``'s 06_1
attacks its kernel as in ``test_kernel_lifecycle.py`` (trace function,
patched ``print``, a thread that prints fake grades, ``%reset`` disabled) and
leaves globals, an environment variable and another working folder; a probe
in every other notebook prints its kernel's pid and parent, and what it
finds. Every notebook must get a kernel of its own, all forked from the same
template, each as fresh as a new interpreter; and the run must leave no
kernel running and nothing in its ``TMPDIR`` and ``JUPYTER_RUNTIME_DIR``.
"""

import json
import os

import pytest

from grading_tests.course import collected_students, register_students
from nbgrader_attacks import harness
from test_kernel_lifecycle import NB1, NB2, STATE_ATTACK, STATE_PROBE, _handin, _private, leftovers

LEAVES = '''
import os as _os
TRACE_06_1 = "globale"
_os.environ["RN_TRACE"] = "eleve_a"
_os.makedirs("ailleurs", exist_ok=True)
_os.chdir("ailleurs")
'''
PROBE = STATE_PROBE + '''
import os as _os
print("NOYAU", json.dumps({"pid": _os.getpid(), "parent": _os.getppid(), "env": _os.environ.get("RN_TRACE"),
                           "cwd_is_scratch": _os.path.basename(_os.getcwd()).startswith("rn-noyau-")}))
'''


def _lines(root, student, notebook, prefix):
    """[(execution count, code cells run before it + 1, parsed line)] of every ``prefix`` line of a notebook."""
    found, run = [], 0
    for cell in harness.autograded(root, student, notebook).cells:
        if cell.cell_type != "code" or cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        run += 1
        for line in harness.outputs_text(cell).splitlines():
            if line.startswith(prefix + " "):
                found.append((cell.get("execution_count"), run, json.loads(line[len(prefix) + 1 :])))
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("deux")
    root = harness.copy_course(tmp_path)
    _handin(root, "eleve_a", {NB1: ("perceptron_update", [STATE_ATTACK, LEAVES, PROBE]), NB2: ("sigmoid", [PROBE])})
    _handin(root, "eleve_b", {NB1: ("perceptron_update", [PROBE]), NB2: ("sigmoid", [PROBE])})
    harness.gradebook_assignment(root)
    register_students(root, collected_students(root))
    folders, env = _private(tmp_path)
    before = set(harness.processes())
    watched = harness.nbgrader_watched(root, "autograde", "06_reseaux_de_neurones", "--force", "--TrustedGrades.seed=3",
                                       env={k: str(v) for k, v in folders.items()})
    return root, folders, watched, before


def test_every_notebook_gets_a_fresh_kernel_forked_from_one_template(graded):
    root, _, watched, _ = graded
    assert watched.code == 0, watched.log[-4000:]
    kernels = {(s, nb): _lines(root, s, nb, "NOYAU") for s in ("eleve_a", "eleve_b") for nb in (NB1, NB2)}
    assert all(len(found) == 1 for found in kernels.values()), kernels
    seen = {key: found[0][2] for key, found in kernels.items()}
    assert len({k["pid"] for k in seen.values()}) == 4, seen  # a process per notebook ...
    assert len({k["parent"] for k in seen.values()}) == 1, seen  # ... all children of one template
    for key, kernel in seen.items():
        if key != ("eleve_a", NB1):
            assert kernel["env"] is None and kernel["cwd_is_scratch"], (key, kernel)
    # A later notebook counts its cells from 1, as in a new kernel.
    for key in (("eleve_a", NB2), ("eleve_b", NB1), ("eleve_b", NB2)):
        (count, run, _), = kernels[key]
        assert count == run, (key, count, run)


def test_nothing_of_a_notebook_reaches_the_next_one_nor_another_student(graded):
    root, _, watched, _ = graded
    assert watched.code == 0, watched.log[-4000:]
    for key in (("eleve_a", NB2), ("eleve_b", NB1), ("eleve_b", NB2)):
        [(_, _, probe)] = _lines(root, *key, "SONDE")
        assert probe["trace"] is False and probe["print"] == "builtin_function_or_method", (key, probe)
        assert "bavard" not in probe["threads"] and probe["globals"] == [] and probe["builtins"] is False, (key, probe)
        assert probe["reset"].startswith("IPython."), (key, probe)
        text = "\n".join(harness.outputs_text(c) for c in harness.autograded(root, *key).cells)
        assert "Correction automatique : sigmoid" not in text, key
    # The attack did run where it was.
    [(_, _, attacked)] = _lines(root, "eleve_a", NB1, "SONDE")
    assert attacked["trace"] and "bavard" in attacked["threads"], attacked


def test_no_kernel_template_folder_or_file_outlives_the_run(graded):
    root, folders, watched, before = graded
    assert watched.code == 0, watched.log[-4000:]
    pids = {k["pid"] for s in ("eleve_a", "eleve_b") for nb in (NB1, NB2) for _, _, k in _lines(root, s, nb, "NOYAU")}
    templates = {k["parent"] for s in ("eleve_a", "eleve_b") for nb in (NB1, NB2) for _, _, k in _lines(root, s, nb, "NOYAU")}
    assert not any(os.path.exists(f"/proc/{pid}") for pid in (pids | templates) - before)
    assert leftovers(folders) == []


# -- the class command's template: one per grading worker, a session per command ----------------


def test_a_worker_template_is_kept_gives_sessions_and_is_started_again_if_it_died():
    """The launcher's Keeper (supervise.py): the same template for every command while it lives, a
    session that the template closes (confirmed) when its holder closes it, a new template once it died."""
    import signal
    import socket

    from grading_tests.nbgrader_plugin.worker_template import Keeper

    keeper, starts = Keeper(), []
    try:
        first = keeper.get(lambda: starts.append("first"))
        assert first is not None and first.alive() and starts == ["first"]
        assert keeper.get(lambda: starts.append("again")) is first and starts == ["first"]
        ours, name = first.session()
        assert ours.type == socket.SOCK_SEQPACKET and not ours.get_inheritable()
        assert json.loads(ours.recv(1 << 16))["ready"] == first.pid
        ours.close()
        assert first.wait_closed(name)
        os.kill(first.pid, signal.SIGKILL)
        first.proc.wait()
        second = keeper.get(lambda: starts.append("second"))
        assert second is not None and second.pid != first.pid and starts == ["first", "second"]
    finally:
        keeper.stop()
    assert second.proc.poll() is not None and not os.path.exists(second.home)
