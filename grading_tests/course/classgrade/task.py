"""One student's grading, as the function a Dask worker runs: bytes in, bytes out.

:func:`grade_handin` builds a private course in a fresh temporary folder from
the bundle (the course files, a template gradebook, the hand-in), runs
``nbgrader autograde <assignment> --student <id> --force`` there through the
warm launcher of this worker thread (:mod:`.supervise`: a fresh forked
process in its own session, hard time limit, nothing left running), the id
given as one ``--student=`` argument that nbgrader matches literally
(:func:`.student_ids.nbgrader_value`), and returns what the driver needs: every file nbgrader wrote under
``autograded/<id>/<assignment>/``, the submission's rows of the temporary
gradebook, the anomalies the staging reported, the log (capped), its phases
(``accounting``: :mod:`.accounting`, the launcher's split of nbgrader's
time between ``staged`` and ``collected``), and an error reason if it failed. The private folder holds the course (``cours/``)
and, beside it, the command's own temporary folder (``tmp/``, its ``TMPDIR``:
kernel scratch folders go there); it is removed in every case, by this
function, or by the launcher if the worker dies mid-task. No shared
filesystem is needed: the worker sees only what the bundle holds.

The bundle (built by :mod:`.run`; what the class shares may come under
``common``, a dict merged into it):

``assignment``, ``student``, ``first_name``, ``last_name``, ``extension`` (seconds or None,
    from ``extensions.csv``)
``course``: {relative path: bytes}: ``nbgrader_config.py``, ``source/<A>/``
    without its notebooks, ``release/<A>/``, the extensions file when there is one
``gradebook``: the bytes of a SQLite gradebook holding the assignment, no student
``handin``: see :mod:`.handin`
``seed``, ``provenance`` (short hash), ``execute`` (bool), ``timeout`` (seconds)
``code_hash``: the driver's :func:`.provenance.code_hash`; a worker whose
    grading code differs refuses the task
``graders_after``: the graders start once the student's first graded notebook
    has run, not beside its kernel (:func:`graders_after_kernels`)
"""

from __future__ import annotations

import datetime
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ...nbgrader_plugin import results_table, staging, student_ids
from ..environment import nbgrader_env
from . import accounting
from . import handin as handin_io
from .provenance import code_hash

__all__ = ["MAX_LOG_CHARS", "MAX_RESULT_BYTES", "grade_handin", "submission_rows"]

MAX_LOG_CHARS = 200_000
MAX_RESULT_BYTES = 256 * 1024 * 1024
SUPERVISOR = Path(__file__).resolve().parent / "supervise.py"


def dask_setup(worker):
    """Run by a Dask worker that preloads this module: what its first task would wait for."""
    import nbgrader.api  # noqa: F401

    os.environ["PATH"] = nbgrader_env()["PATH"]
    with _Launcher._lock:
        _Launcher._spare.append(_Launcher.start())


def _private_folder():
    """A fresh folder whose path holds no regex metacharacter (nbgrader builds patterns from it)."""
    for base in (None, "/tmp"):
        folder = tempfile.mkdtemp(prefix="rn-classe-", dir=base)
        if re.fullmatch(r"[A-Za-z0-9_/-]+", folder):
            return Path(folder)
        os.rmdir(folder)
    raise RuntimeError("no temporary folder without special characters for the private course")


def _relative(path):
    """A relative path that stays below its base: no '..', not absolute, no empty part."""
    parts = Path(path).parts
    if not parts or Path(path).is_absolute() or any(p in ("", ".", "..") or "\0" in p for p in parts):
        raise ValueError(f"unsafe relative path: {path!r}")
    return Path(*parts)


def _write_course(root, bundle):
    for rel, data in bundle["course"].items():
        path = root / _relative(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "gradebook.db").write_bytes(bundle["gradebook"])


def _prepare_student(db_url, bundle):
    """The student (names, extension) in the private gradebook, as the class gradebook has them."""
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with Gradebook(db_url) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission and its own autoflush
        gb.update_or_create_student(bundle["student"], first_name=bundle.get("first_name"), last_name=bundle.get("last_name"))
        if bundle.get("extension"):
            gb.update_or_create_submission(
                bundle["assignment"], bundle["student"], extension=datetime.timedelta(seconds=float(bundle["extension"]))
            )


def submission_rows(db_url, assignment, student):
    """What autograde recorded of one submission: timestamp, extension and, per notebook, grades and comments,
    and the graders' structured results (:mod:`.results_table`)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        submission = gb.find_submission(assignment, student)
        rows = {"timestamp": submission.timestamp.isoformat() if submission.timestamp else None, "notebooks": {},
                "extension": submission.extension.total_seconds() if submission.extension else None,
                "results": results_table.read(gb.db.connection(), assignment, student)}
        for nb in submission.notebooks:
            rows["notebooks"][nb.name] = {
                "late_submission_penalty": nb.late_submission_penalty,
                "grades": {
                    g.name: {
                        "auto_score": g.auto_score,
                        "manual_score": g.manual_score,
                        "extra_credit": g.extra_credit,
                        "needs_manual_grade": bool(g.needs_manual_grade),
                        "max_score": float(g.max_score),
                    }
                    for g in nb.grades
                },
                "comments": {c.name: {"auto_comment": c.auto_comment, "manual_comment": c.manual_comment} for c in nb.comments},
            }
    return rows


def _collect(folder):
    """{relative path: bytes} of the regular files below ``folder`` (links never followed)."""
    files, total = {}, 0
    for current, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(current, d))]
        for name in names:
            path = Path(current) / name
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
            total += len(data)
            if total > MAX_RESULT_BYTES:
                raise RuntimeError(f"autograded folder over {MAX_RESULT_BYTES >> 20} MiB")
            files[path.relative_to(folder).as_posix()] = data
    return files


def _anomalies(root, assignment, student):
    path = staging.report_folder(root, assignment) / staging.REPORT_NAME
    if not path.is_file():
        return []
    shown = student_ids.shown(student)
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.split("\t", 1)[0] == shown]


def _argv(root, bundle):
    args = [
        # One argument, the id matched literally: never an option of its own, never a glob.
        "autograde", bundle["assignment"], f"--student={student_ids.nbgrader_value(bundle['student'])}", "--force",
        f"--CourseDirectory.root={root}",
        f"--CourseDirectory.db_url=sqlite:///{root / 'gradebook.db'}",
        f"--TrustedGrades.seed={int(bundle['seed'])}",
        f"--TrustedGrades.provenance={bundle['provenance']}",
    ]
    if not bundle.get("execute", True):
        args.append("--ConfinedExecute.enabled=False")
    if bundle.get("graders_after"):
        args.append("--TrustedGrades.beside_kernels=False")
    return args


def graders_after_kernels(asked, workers, scheduler):
    """Whether each student's graders wait for its kernel (``asked``: True, False, or None to choose).

    Beside the kernel they use a core the kernel leaves idle; once every core
    runs a task (one worker per core, or a cluster, whose workers are
    usually started one per core), they only compete with another student's
    kernel, and one task keeps about one core busy when they wait.
    """
    if asked is not None:
        return bool(asked)
    return scheduler is not None or workers >= len(os.sched_getaffinity(0))


class _Launcher:
    """This thread's warm launcher (:mod:`.supervise`), started on first use and again if it died.

    A worker that preloads this module starts one while it starts up (:func:`dask_setup`), for its first task.
    """

    _local = threading.local()
    _spare, _lock = [], threading.Lock()
    START_SECONDS = 300

    @staticmethod
    def start():
        errors = tempfile.TemporaryFile()
        proc = subprocess.Popen([sys.executable, str(SUPERVISOR)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=errors, env=nbgrader_env(), cwd="/")
        proc.errors = errors
        return proc

    @classmethod
    def get(cls):
        proc = getattr(cls._local, "proc", None)
        if proc is not None and proc.poll() is None:
            return proc
        with cls._lock:
            proc = cls._spare.pop() if cls._spare else cls.start()
        if cls._reply(proc, cls.START_SECONDS) is None:
            cls.stop(proc)
            proc.errors.seek(0)
            raise RuntimeError("the nbgrader launcher did not start: " + proc.errors.read()[-2000:].decode("utf-8", "replace"))
        proc.errors.close()
        cls._local.proc = proc
        return proc

    @staticmethod
    def _reply(proc, seconds):
        ready, _, _ = select.select([proc.stdout], [], [], seconds)
        line = proc.stdout.readline() if ready else b""
        return json.loads(line) if line else None

    @classmethod
    def run(cls, request):
        """(The exit code of one supervised nbgrader command (-1: the launcher died or hung), its phases)."""
        proc = cls.get()
        try:
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.flush()
            reply = cls._reply(proc, float(request["timeout"]) + 60)  # the launcher keeps the time; a backstop
        except (OSError, ValueError):
            reply = None
        if reply is None:
            cls.stop(proc)
            return -1, []
        return int(reply["code"]), list(reply.get("phases") or [])

    @classmethod
    def stop(cls, proc):
        proc.terminate()  # the launcher kills everything below it, then exits
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        cls._local.proc = None


def _run(root, bundle):
    """Run the supervised autograde; return (exit code, log, its phases as the launcher accounted them)."""
    log_path = root / ".nbgrader.log"
    request = {"cwd": str(root), "argv": _argv(root, bundle), "log": str(log_path), "timeout": float(bundle["timeout"]),
               "private": str(root.parent), "kernels": bool(bundle.get("execute", True))}
    code, phases = _Launcher.run(request)
    try:
        log = log_path.read_bytes().decode("utf-8", "replace")
    except OSError:
        log = ""
    if len(log) > MAX_LOG_CHARS:
        log = f"[… {len(log) - MAX_LOG_CHARS} caractères du début du journal omis …]\n" + log[-MAX_LOG_CHARS:]
    return code, log, phases


def _failure(code, timeout):
    if code == 124:
        return f"temps limite dépassé ({timeout:g} s) : la correction a été arrêtée", True
    if code == -1:
        return "le lanceur de nbgrader est mort ou ne répond plus", True
    if code < 0:
        return f"nbgrader tué par le signal {-code}", True
    return f"nbgrader autograde a échoué (code de sortie {code}), voir le journal", False


def grade_handin(bundle):
    """Grade one hand-in in a private course; return the result dict (see the module's docstring)."""
    started, thread_cpu = time.monotonic(), time.thread_time()
    # What the class shares comes scattered once, under "common".
    bundle = {**bundle.get("common", {}), **{k: v for k, v in bundle.items() if k != "common"}}
    student, assignment = bundle["student"], bundle["assignment"]
    result = {
        "student": student, "ok": False, "error": None, "retryable": False, "files": {}, "grades": None,
        "anomalies": [], "log": "", "seconds": 0.0, "worker": f"{socket.gethostname()}:{os.getpid()}",
        "accounting": {"started_at": time.time(), "phases": []},  # see accounting.py
    }
    phases, mark = result["accounting"]["phases"], [started, thread_cpu]
    if bundle.get("code_hash") and bundle["code_hash"] != code_hash():
        result["error"] = "le code de correction de ce worker diffère de celui du poste de l'enseignant (réinstallez-le)"
        return result
    os.environ["PATH"] = nbgrader_env()["PATH"]  # nbgrader runs `alembic` from PATH
    private = _private_folder()
    root = private / "cours"  # beside it, the command's own temporary folder (supervise.py)
    try:
        root.mkdir()
        _write_course(root, bundle)
        db_url = f"sqlite:///{root / 'gradebook.db'}"
        _prepare_student(db_url, bundle)
        handin_io.recreate(bundle["handin"], root / "submitted", student, assignment)
        phases.append(accounting.own_phase("staged", *mark))
        code, result["log"], nbgrader_phases = _run(root, bundle)
        phases.extend(nbgrader_phases)
        mark[:] = time.monotonic(), time.thread_time()
        if code != 0:
            result["error"], result["retryable"] = _failure(code, float(bundle["timeout"]))
            return result
        result["grades"] = submission_rows(db_url, assignment, student)
        result["files"] = _collect(root / "autograded" / student / assignment)
        result["anomalies"] = _anomalies(root, assignment, student)
        if not any(name.endswith(".ipynb") for name in result["files"]):
            result["error"] = "nbgrader n'a écrit aucun notebook corrigé"
            return result
        result["ok"] = True
        return result
    except Exception as exc:  # a bug or a broken bundle costs this student, never the run
        result["error"] = f"erreur de la tâche : {type(exc).__name__}: {exc}"
        result["ok"] = False
        return result
    finally:
        shutil.rmtree(private, ignore_errors=True)
        phases.append(accounting.own_phase("collected" if phases else "staged", *mark))
        result["seconds"] = time.monotonic() - started
