"""The driver of ``python -m grading_tests.course autograde``: a class, graded on a Dask cluster.

:func:`autograde_class`, run from the course root:

1. lists the hand-ins of ``submitted/`` (or the ``--student`` ones) and reads
   each one into bytes (:mod:`.handin`);
2. computes each one's :class:`.provenance.Provenance`; a hand-in whose
   provenance is the one recorded with its grade is unchanged and skipped,
   unless ``force``;
3. builds the template gradebook once (:func:`.gradebook.build_template`)
   while the workers start, then submits one task per hand-in
   (:func:`.task.grade_handin`), a few per worker at a time, to a Dask
   client: an embedded ``LocalCluster`` of ``workers`` processes (each
   preloads nbgrader and starts its warm launcher, :mod:`.supervise`), or
   the cluster of ``scheduler``;
4. as each result arrives, writes it (:func:`.gradebook.write_result`; the
   driver is the gradebook's only writer) and its log
   (``logs/<assignment>/<student>.log``), and prints one progress line with
   the time left on stderr; a task that failed on a time-out or a dead worker
   is tried once more, then becomes a failure row; a failure never writes
   the gradebook;
5. prints the table (graded, unchanged, anomalies, failures with reasons) on
   stdout. Ctrl-C cancels what is pending, keeps what was written (a write in
   progress is finished first), prints the partial table and returns 130.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import logging
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..environment import nbgrader_env
from . import gradebook as gbw
from . import handin as handin_io
from . import provenance as prov
from .task import grade_handin

__all__ = ["Row", "autograde_class", "format_table", "load_course"]

TIMEOUT_MARGIN = 300  # seconds per student beyond the kernel's budget (ConfinedExecute.student_timeout): nbgrader, graders
RETRIES = 1
PRELOAD = "grading_tests.course.classgrade.task"  # its dask_setup warms each worker up while the driver prepares
INTERRUPTED, FAILED = 130, 1


@dataclass
class Row:
    student: str
    status: str  # "noté", "inchangé", "échec", "annulé"
    short: str = ""
    seconds: float = 0.0
    score: str = ""
    anomalies: int = 0
    reason: str = ""
    attempts: int = 0


@dataclass
class _Course:
    root: Path
    assignment: str
    db_url: str
    course_id: str
    submitted: Path
    autograded: Path
    logs: Path
    task_timeout: float = 600 + TIMEOUT_MARGIN
    extensions: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    in_gradebook: set = field(default_factory=set)  # students with a submission of the assignment
    duedate: str = ""


def load_course(root, assignment, db_url=None):
    """The course's nbgrader settings (nbgrader_config.py of ``root``), ``db_url`` overriding its own."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise gbw.ClassgradeError(f"{root} is not the course root (no nbgrader_config.py)")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    if db_url:
        config.CourseDirectory.db_url = db_url
    coursedir = CourseDirectory(config=config)
    course = _Course(
        root=root, assignment=assignment, db_url=coursedir.db_url, course_id=coursedir.course_id,
        submitted=Path(coursedir.format_path(coursedir.submitted_directory, ".", ".")).resolve(),
        autograded=Path(coursedir.format_path(coursedir.autograded_directory, ".", ".")).resolve(),
        logs=root / "logs" / assignment,
        task_timeout=float(config.ConfinedExecute.get("student_timeout", 600)) + TIMEOUT_MARGIN,
    )
    with Gradebook(course.db_url, course.course_id) as gb:
        for student in gb.students:
            course.names[student.id] = (student.first_name, student.last_name)
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            found = None
        if found is not None:
            course.duedate = found.duedate.isoformat() if found.duedate else ""
            for submission in found.submissions:
                course.in_gradebook.add(submission.student_id)
                if submission.extension:
                    course.extensions[submission.student_id] = submission.extension.total_seconds()
    return course


def _release_notebooks(course):
    return sorted(p.name for p in (course.root / "release" / course.assignment).glob("*.ipynb"))


def _read(course, student, notebooks):
    return handin_io.read_handin(course.submitted, student, course.assignment, notebooks)


def _plan(course, students, seed, execute, force, code, course_hash):
    """(to grade: [(student, provenance)], rows of the unchanged and the absent)."""
    listed = handin_io.list_students(course.submitted, course.assignment)
    wanted = list(dict.fromkeys(students)) if students else listed
    notebooks = _release_notebooks(course)
    todo, rows = [], []
    for student in wanted:
        if student not in listed:
            rows.append(Row(student, "échec", reason=f"aucun rendu dans submitted/{student}/{course.assignment}/"))
            continue
        digest = handin_io.handin_digest(_read(course, student, notebooks))
        deadline = f"{course.duedate}|{course.extensions.get(student, '')}"
        used = seed if seed is not None else secrets.randbelow(2**31)
        provenance = prov.Provenance(digest, code, course_hash, seed, execute, deadline, used)
        recorded = prov.read_recorded(course.autograded / student / course.assignment)
        # Unchanged: graded from these very inputs, and the gradebook still holds that grade.
        if not force and recorded == provenance.sha256 and student in course.in_gradebook:
            rows.append(Row(student, "inchangé", short=provenance.short))
            continue
        todo.append((student, provenance))
    return todo, rows


def _start_client(workers, scheduler):
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout="30s"), None, None
    # A worker that dies costs its task one more try, not three; the class's files stay
    # on every worker (the memory manager would keep one copy, lost with its worker).
    dask.config.set({"distributed.scheduler.allowed-failures": RETRIES, "distributed.scheduler.active-memory-manager.start": False})
    # The workers are started with Ctrl-C ignored: the driver alone handles it (it
    # cancels and closes the cluster; a worker's death stops its supervised grading).
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    folder = tempfile.mkdtemp(prefix="rn-dask-")  # the workers' folders, removed with the cluster (a killed one's too)
    dask.config.set({"temporary-directory": folder})
    try:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", preload=[PRELOAD],
            dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,  # the scheduler's HTTP server, on a free port
            local_directory=folder,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    client = Client(cluster)
    client.wait_for_workers(workers, timeout=300)  # every worker holds the class's files: one may die
    return client, cluster, folder


class _Stop:
    """Ctrl-C noted, acted upon at safe points only (:meth:`check`): never in the middle of a write.

    A handler that raised KeyboardInterrupt could do so anywhere, even in a
    destructor that swallows it; this one only notes the request.
    """

    def __init__(self):
        self.requested, self.previous = False, None

    def __enter__(self):
        self.previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self.previous)

    def _on_sigint(self, signum, frame):
        self.requested = True

    def check(self):
        if self.requested:
            raise KeyboardInterrupt


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _score(result):
    got = out_of = 0.0
    for nb in result["grades"]["notebooks"].values():
        for grade in nb["grades"].values():
            got += grade["auto_score"] or 0.0
            out_of += grade["max_score"]
    return f"{got:g}/{out_of:g}"


def _write_log(course, student, provenance, result, outcome):
    folder = gbw.own_folder(course.logs)
    head = [
        f"# autograde {course.assignment}, {student}, {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"# résultat : {outcome}",
        f"# empreinte : {provenance.short} (graine {provenance.seed_used}, notebooks {'exécutés' if provenance.execute else 'non exécutés'})",
        f"# worker : {result.get('worker', '?')}, {result.get('seconds', 0.0):.1f} s",
    ]
    head += [f"# anomalie : {line}" for line in result.get("anomalies", [])]
    path = folder / f"{student}.log"
    tmp = folder / f".{student}.log.tmp"
    tmp.write_text("\n".join(head) + "\n\n" + result.get("log", ""), encoding="utf-8")
    os.replace(tmp, path)


def _failure_reason(exc):
    name = type(exc).__name__
    if name == "KilledWorker":
        return "le worker est mort pendant la correction (deux fois)"
    if name == "CancelledError":
        return "tâche annulée"
    return f"{name}: {exc}"


class _Run:
    """The tasks of one run: submitted a few at a time, each result written as it arrives."""

    def __init__(self, course, client, common, timeout, total, err):
        from distributed import as_completed

        self.course, self.client, self.timeout, self.err = course, client, timeout, err
        # The course files and the template travel once to each worker, not once per student.
        [self.common] = client.scatter([common], broadcast=True, hash=False)
        self.notebooks = _release_notebooks(course)
        self.pending, self.rows, self.total, self.started = {}, {}, total, time.monotonic()
        self.queue = as_completed()

    def submit(self, student, provenance, attempt=1):
        # Read again now, not kept from the plan: the class's hand-ins are never all in memory at once.
        handin = _read(self.course, student, self.notebooks)
        digest = handin_io.handin_digest(handin)
        if digest != provenance.handin:  # handed in again since the plan: grade what is there now
            provenance = dataclasses.replace(provenance, handin=digest)
        first, last = self.course.names.get(student, (None, None))
        bundle = {
            "common": self.common, "student": student, "first_name": first, "last_name": last,
            "extension": self.course.extensions.get(student), "handin": handin,
            "seed": provenance.seed_used, "provenance": provenance.short, "execute": provenance.execute, "timeout": self.timeout,
        }
        future = self.client.submit(grade_handin, bundle, key=f"rn-{student}-{provenance.short}-{attempt}", pure=False)
        self.pending[future.key] = (student, provenance, attempt, future)
        self.queue.add(future)

    def handle(self, future):
        """Write one finished task's result, or submit it once more."""
        student, provenance, attempt, _ = self.pending.pop(future.key)
        try:
            result = future.result()
        except Exception as exc:  # the worker died (twice), or the task could not run
            result = {"student": student, "ok": False, "error": _failure_reason(exc), "retryable": False, "log": ""}
        if not result["ok"] and result.get("retryable") and attempt <= RETRIES:
            self.err.write(f"  {student} : {result['error']} ; nouvel essai\n")
            self.submit(student, provenance, attempt + 1)
            return
        row = Row(student, "échec", short=provenance.short, seconds=result.get("seconds", 0.0), attempts=attempt)
        if result["ok"]:
            course = self.course
            try:
                gbw.write_result(course.root, course.autograded, course.db_url, course.course_id,
                                 course.assignment, result, provenance, course.names.get(student, (None, None)))
                row.status, row.score, row.anomalies = "noté", _score(result), len(result["anomalies"])
            except Exception as exc:  # a result we refuse to write costs this student only
                row.reason = f"écriture refusée : {type(exc).__name__}: {exc}"
        else:
            row.reason = result.get("error") or "échec"
        _write_log(self.course, student, provenance, result, row.status + (f" ({row.reason})" if row.reason else ""))
        self.rows[student] = row
        done, elapsed = len(self.rows), time.monotonic() - self.started
        left = elapsed / done * (self.total - done)
        self.err.write(f"[{done}/{self.total}] {student} : {row.status}{' (' + row.reason + ')' if row.reason else ''}"
                       f" en {row.seconds:.1f} s · écoulé {_clock(elapsed)} · reste ≈ {_clock(left)}\n")
        self.err.flush()

    def cancelled(self, todo):
        """Cancel what is pending; rows for every student not done."""
        for _, _, _, future in self.pending.values():
            future.cancel()
        for student, provenance in todo:
            self.rows.setdefault(student, Row(student, "annulé", short=provenance.short, reason="interrompu (Ctrl-C)"))
        return list(self.rows.values())


def autograde_class(root, assignment, workers=None, scheduler=None, db_url=None, seed=None, students=None,
                    force=False, execute=True, timeout=None, out=None, err=None):
    """Grade the class; print the table on ``out``; return the exit code (0, 1 on failures, 130 stopped)."""
    out, err = out or sys.stdout, err or sys.stderr
    started = time.monotonic()
    os.environ["PATH"] = nbgrader_env()["PATH"]  # nbgrader runs `alembic` from PATH when it creates a gradebook
    course = load_course(root, assignment, db_url)
    code, course_hash = prov.code_hash(), prov.course_hash(course.root, assignment)
    todo, rows = _plan(course, students, seed, execute, force, code, course_hash)
    unchanged = sum(r.status == "inchangé" for r in rows)
    err.write(f"{len(todo) + len(rows)} rendu(s) : {len(todo)} à corriger, {unchanged} inchangé(s)\n")
    if not todo:
        out.write(format_table(rows) + "\n")
        return FAILED if any(r.status == "échec" for r in rows) else 0
    workers = workers or len(os.sched_getaffinity(0))
    err.write(f"Démarrage de {'la grappe ' + scheduler if scheduler else f'{workers} worker(s) locaux'}\n")
    client = cluster = folder = run = None
    with _Stop() as stop:
        try:
            # The template is built while the workers start.
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                template = pool.submit(gbw.build_template, course.root, assignment, course.db_url, course.course_id)
                client, cluster, folder = _start_client(workers, scheduler)
                common = {"assignment": assignment, "course": gbw.course_files(course.root, assignment),
                          "gradebook": template.result(), "code_hash": code}
            stop.check()
            err.write(f"Prêt en {time.monotonic() - started:.1f} s\n")
            run = _Run(course, client, common, timeout or course.task_timeout, len(todo), err)
            waiting = list(todo)
            # A few tasks ahead per worker: the scheduler never holds the whole class.
            in_flight = 2 * max(1, workers if not scheduler else len(client.scheduler_info()["workers"]))
            while waiting or run.pending:
                while waiting and len(run.pending) < in_flight:
                    stop.check()
                    run.submit(*waiting.pop(0))
                ready = run.queue.next_batch(block=False)
                if not ready:
                    stop.check()
                    time.sleep(0.1)
                for future in ready:
                    stop.check()
                    run.handle(future)
        except KeyboardInterrupt:
            err.write("\nInterruption : les corrections en cours sont annulées, les notes écrites restent.\n")
            rows += run.cancelled(todo) if run else [Row(s, "annulé", short=p.short, reason="interrompu (Ctrl-C)") for s, p in todo]
            _close(client, cluster, folder)
            out.write(format_table(rows) + "\n")
            return INTERRUPTED
        finally:
            _close(client, cluster, folder)
    rows += list(run.rows.values())
    out.write(format_table(rows) + "\n")
    out.write(f"Durée totale : {time.monotonic() - started:.1f} s\n")
    return FAILED if any(r.status == "échec" for r in rows) else 0


def _close(client, cluster, folder):
    for thing in (client, cluster):
        if thing is not None:
            try:
                thing.close()
            except Exception:  # closing is best effort: the run's outcome is already decided
                pass
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def format_table(rows):
    """The final table, and one line of counts."""
    order = {"échec": 0, "annulé": 1, "noté": 2, "inchangé": 3}
    rows = sorted(rows, key=lambda r: (order.get(r.status, 9), r.student))
    header = f"{'élève':<20} {'résultat':<10} {'points':>12} {'durée':>8} {'empreinte':<13} remarque"
    lines = [header, "-" * len(header)]
    for r in rows:
        remark = r.reason or (f"{r.anomalies} anomalie(s), voir autograded/anomalies.txt" if r.anomalies else "")
        duration = f"{r.seconds:.1f} s" if r.status in ("noté", "échec") and r.seconds else ""
        lines.append(f"{r.student:<20} {r.status:<10} {r.score:>12} {duration:>8} {r.short:<13} {remark}".rstrip())
    counts = {status: sum(r.status == status for r in rows) for status in order}
    lines.append("")
    lines.append(
        f"notés : {counts['noté']}, inchangés : {counts['inchangé']}, "
        f"anomalies : {sum(r.anomalies for r in rows)}, échecs : {counts['échec']}"
        + (f", annulés : {counts['annulé']}" if counts["annulé"] else "")
    )
    return "\n".join(lines)
