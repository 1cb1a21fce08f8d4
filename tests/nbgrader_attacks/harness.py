"""Run nbgrader on a throwaway copy of the course and read what it recorded."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import nbformat

from grading_tests import course
from grading_tests.course.handins import ASSIGNMENT

REPO = Path(__file__).resolve().parents[2]


def copy_course(tmp_path, release=True, submitted=False):
    """The course root (config, source, release; the demo's hand-ins and extensions.csv) copied under ``tmp_path``."""
    root = Path(tmp_path) / "cours"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "source", root / "source")
    if release:
        shutil.copytree(REPO / "release", root / "release")
    if submitted:
        shutil.copytree(REPO / "submitted", root / "submitted")
        shutil.copy2(REPO / "extensions.csv", root)  # the demo class's extensions, with its hand-ins
    return root


def nbgrader(root, *args, check=True):
    code, log, seconds = course.nbgrader(root, *args, check=check)
    return code, log, seconds


def gradebook_assignment(root):
    """Create the assignment and its cells in the gradebook (release already there)."""
    return nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")


def grades(root):
    """{student: {notebook: {grade_id: (auto_score, manual_score, needs_manual)}}}."""
    rows = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True).execute(
        """SELECT submitted_assignment.student_id, notebook.name, base_cell.name,
                  grade.auto_score, grade.manual_score, grade.needs_manual_grade
           FROM grade
           JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
           JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
           JOIN notebook ON submitted_notebook.notebook_id = notebook.id
           JOIN base_cell ON grade.cell_id = base_cell.id"""
    ).fetchall()
    result = {}
    for student, notebook, cell, auto, manual, needs in rows:
        result.setdefault(student, {}).setdefault(notebook, {})[cell] = (auto, manual, bool(needs))
    return result


def autograded(root, student, notebook):
    return nbformat.read(str(root / "autograded" / student / ASSIGNMENT / notebook), as_version=4)


def cell(nb, grade_id):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return c
    raise KeyError(grade_id)


def written_answer_as_autograded(root, notebook, grade_id, answer):
    """A written answer as autograde leaves it: the student's text, then its mark scheme (MarkSchemes)."""
    from grading_tests.nbgrader_plugin.mark_schemes import mark_scheme_tail

    source = nbformat.read(str(Path(root) / "source" / ASSIGNMENT / notebook), as_version=4)
    return answer + mark_scheme_tail(cell(source, grade_id).source)


def outputs_text(c):
    parts = []
    for o in c.get("outputs", []):
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type == "error":
            parts.append(f"{o.ename}: {o.evalue}")
        elif "data" in o:
            parts.append(o.data.get("text/plain", ""))
    return "\n".join(parts)


def db_fingerprint(root):
    """What a submission must never change in the gradebook: the course's definition."""
    db = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    tables = {}
    for table in ("assignment", "notebook", "base_cell", "grade_cells", "solution_cells", "source_cell", "task_cells"):
        try:
            tables[table] = sorted(map(repr, db.execute(f"SELECT * FROM {table}").fetchall()))
        except sqlite3.OperationalError:
            tables[table] = None
    return tables


def integrity(root):
    db = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    return db.execute("PRAGMA integrity_check").fetchone()[0]


# --- hostile hand-ins: nbgrader watched while it runs, and the machine around it ---------

import hashlib  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

# /proc/<pid>/stat: flags (field 9) and policy (field 41), counted after the command name.
_PF_KTHREAD = 0x00200000
_RT_POLICIES = {1: "SCHED_FIFO", 2: "SCHED_RR", 6: "SCHED_DEADLINE"}


@dataclass
class Watched:
    """What one nbgrader command did: exit code, log, time, and what was seen while it ran."""

    code: int
    log: str
    seconds: float
    peak_rss: int  # bytes: the highest VmHWM of the nbgrader process
    realtime: dict = field(default_factory=dict)  # pid -> description, RT processes that appeared


def _vm_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _proc_files(name, mode="r"):
    """(pid, content of /proc/<pid>/<name>) for every process still readable."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/{name}", mode) as f:
                yield int(entry), f.read()
        except OSError:
            continue


def processes():
    """{pid: command line} of every process visible in /proc (kernel threads left out)."""
    return {
        pid: cmdline.replace(b"\0", b" ").decode("utf-8", "replace").strip()
        for pid, cmdline in _proc_files("cmdline", "rb")
        if cmdline
    }


def realtime_processes():
    """{pid: description} of the user processes with a real-time scheduling policy."""
    found = {}
    for pid, stat in _proc_files("stat"):
        fields = stat[stat.rfind(")") + 2 :].split()
        try:
            flags, policy = int(fields[6]), int(fields[38])
        except (IndexError, ValueError):
            continue
        if policy in _RT_POLICIES and not flags & _PF_KTHREAD:
            name = stat[stat.find("(") + 1 : stat.rfind(")")]
            found[pid] = f"{name} ({_RT_POLICIES[policy]})"
    return found


def descendants(pid):
    """The pids of every process below ``pid``."""
    children = {}
    for child, stat in _proc_files("stat"):
        try:
            parent = int(stat[stat.rfind(")") + 2 :].split()[1])
        except (IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(child)
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def nbgrader_watched(root, *args, env=None, fsize_limit=None, interval=0.1, ignore_realtime=(), marker=None, timeout=None):
    """Run one nbgrader command in the course root, like :func:`nbgrader`, with
    extra environment variables, and sample it while it runs: the peak RSS
    (VmHWM) of the nbgrader process, and every user process that holds a
    real-time policy (those in ``ignore_realtime`` were there before). With
    ``marker``, only the real-time processes below nbgrader, or whose command
    line holds the marker, count (other work on the machine is left out).

    ``fsize_limit`` caps the size of any file the command (and whatever it
    starts) writes: a safety net for a stock nbgrader that follows a link to
    /dev/zero. Past ``timeout`` seconds the command and everything below it
    are killed; the log then ends with a line saying so.
    """
    full_env = course.nbgrader_env()
    full_env.update(env or {})
    exe = Path(sys.executable).parent / "nbgrader"

    def limits():
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_limit, fsize_limit))

    peak, realtime = 0, {}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [str(exe), *args], cwd=root, env=full_env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, preexec_fn=limits if fsize_limit else None,
        )
        timed_out = False
        while proc.poll() is None:
            if timeout is not None and time.perf_counter() - start > timeout:
                for pid in [proc.pid, *descendants(proc.pid)]:
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                proc.wait()
                timed_out = True
                break
            peak = max(peak, _vm_hwm(proc.pid))
            found = {pid: what for pid, what in realtime_processes().items() if pid not in ignore_realtime}
            if found:
                table, below = processes(), descendants(proc.pid) if marker else set()
                for pid, what in found.items():
                    if marker is None or pid in below or marker in table.get(pid, ""):
                        realtime.setdefault(pid, what + " : " + table.get(pid, "?")[:200])
            time.sleep(interval)
        seconds = time.perf_counter() - start
        out.seek(0)
        log = out.read().decode("utf-8", "replace")
    if timed_out:
        log += f"\n[harness] nbgrader {' '.join(args)} killed after {timeout} s\n"
    return Watched(proc.returncode, log, seconds, peak, realtime)


def tree_state(folder):
    """{relative path: what it is}, links never followed: ("link", target),
    ("file", sha256, size), ("dir",), ("other",)."""
    folder = Path(folder)
    state = {}
    for current, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(current) / name
            rel = str(path.relative_to(folder))
            st = os.lstat(path)
            if os.path.islink(path):
                state[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                state[rel] = ("dir",)
            elif path.is_file():
                state[rel] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size)
            else:
                state[rel] = ("other",)
    return state


def symlinks_under(folder):
    """Every symbolic link below ``folder`` (files and folders alike)."""
    found = []
    for current, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(current, name)
            if os.path.islink(path):
                found.append(f"{os.path.relpath(path, folder)} -> {os.readlink(path)}")
    return found
