"""The driver of ``python -m grading_tests.course autograde``: a class, graded on a Dask cluster.

:func:`autograde_class`, run from the course root:

1. sorts every folder of ``submitted/`` (or the ``--student`` ids) with
   :func:`.plan.plan`: a hand-in to grade (read into bytes, :mod:`.handin`),
   unchanged since its recorded :class:`.provenance.Provenance` (skipped
   unless ``force``), an id outside the safe set (refused: a row and an
   anomaly line, the hand-in untouched), or nothing to grade (a row saying
   why);
2. builds the template gradebook once (:func:`.gradebook.build_template`)
   while the workers start, then submits one task per hand-in
   (:func:`.task.grade_handin`) to a Dask client: an embedded
   ``LocalCluster`` of ``workers`` processes (each preloads nbgrader and
   starts its warm launcher, :mod:`.supervise`), or the cluster of
   ``scheduler``, two per worker at a time. Each hand-in is read when its
   task is submitted and scattered straight to a worker, and each result is
   fetched from its worker when it is written, one at a time: the driver
   holds at most one hand-in and one result, whatever the class weighs;
3. as each result arrives, writes it (:func:`.gradebook.write_result`; the
   driver is the gradebook's only writer) and its log
   (``logs/<assignment>/<name>.log``, the name from
   :func:`.student_ids.file_name`), and prints one progress line with the
   time left on stderr; a task that failed on a time-out or a dead worker is
   tried once more, then becomes a failure row; a failure never writes the
   gradebook, and one student's failure, even a bug of ours, never stops the
   others; each task's phases and their CPU go to ``logs/<assignment>/``
   (:mod:`.accounting`), with ``run.json`` for the run at its end;
4. prints the table (:mod:`.table`) on stdout and returns 0. Ctrl-C cancels
   what is pending, keeps what was written (a write in progress is finished
   first), prints the partial table and returns 130.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ...nbgrader_plugin import staging, student_ids
from ...nbgrader_plugin.late_policy import LatePolicy, PolicyError, extensions_bytes, parse_extensions, student_deadline
from ...runner import STUDENT_BUDGET
from ..environment import nbgrader_env
from . import accounting
from . import gradebook as gbw
from . import handin as handin_io
from . import provenance as prov
from .plan import plan, read
from .table import Row, format_table, progress_line, score_text
from .task import grade_handin, graders_after_kernels

__all__ = ["Row", "autograde_class", "format_table", "load_course"]

TIMEOUT_MARGIN = 300  # seconds per student beyond the kernel's budget (ConfinedExecute.student_timeout): nbgrader, graders
RETRIES = 1
PRELOAD = "grading_tests.course.classgrade.task"  # its dask_setup warms each worker up while the driver prepares
INTERRUPTED = 130
TASKS_PER_WORKER = 2  # tasks in flight per worker: the next hand-in is ready when one ends


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
    grader_budget: float = STUDENT_BUDGET  # TrustedGrades.student_budget: added to the timeout when graders wait for kernels
    extensions: dict = field(default_factory=dict)  # student -> seconds past the due date (extensions.csv)
    files: dict = field(default_factory=dict)  # course files beyond course_files(): the extensions file
    names: dict = field(default_factory=dict)
    in_gradebook: set = field(default_factory=set)  # students with a submission of the assignment
    duedate: str = ""


def load_course(root, assignment, db_url=None):
    """The course's nbgrader settings (nbgrader_config.py of ``root``), ``db_url`` overriding its own."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.coursedir import CourseDirectory
    from traitlets import TraitError
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
        grader_budget=float(config.TrustedGrades.get("student_budget", STUDENT_BUDGET)),
    )
    try:
        policy = LatePolicy(config=config)
        raw = extensions_bytes(root / policy.extensions_file)
        extensions = {} if raw is None else parse_extensions(raw, policy.extensions_file, policy.timezone)
    except (PolicyError, TraitError) as exc:
        raise gbw.ClassgradeError(f"late policy: {exc}") from None
    if raw is not None:  # each worker's late-penalty step reads the very same bytes
        course.files[policy.extensions_file] = raw
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
            # extensions.csv is the one source of extensions, as for the late-penalty step
            # (the gradebook's column mirrors it): in the provenance and the worker's gradebook.
            for student, extension in extensions.items():
                try:
                    student_deadline(found.duedate, extension)
                except PolicyError as exc:
                    raise gbw.ClassgradeError(f"{policy.extensions_file}: {exc}") from None
                if found.duedate is not None:
                    course.extensions[student] = (extension.deadline - found.duedate).total_seconds()
    return course


def _release_notebooks(course):
    return sorted(p.name for p in (course.root / "release" / course.assignment).glob("*.ipynb"))


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


def _write_log(course, student, provenance, result, outcome):
    folder = gbw.own_folder(course.logs)
    head = [
        f"# autograde {course.assignment}, {student_ids.shown(student)}, {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"# résultat : {student_ids.printable(outcome)}",
        f"# empreinte : {provenance.short} (graine {provenance.seed_used}, notebooks {'exécutés' if provenance.execute else 'non exécutés'})",
        f"# worker : {result.get('worker', '?')}, {result.get('seconds', 0.0):.1f} s",
    ]
    head += [f"# anomalie : {student_ids.printable(line)}" for line in result.get("anomalies", [])]
    name = student_ids.file_name(student)
    path = folder / f"{name}.log"
    tmp = folder / f".{name}.log.tmp"
    tmp.write_text("\n".join(head) + "\n\n" + result.get("log", ""), encoding="utf-8", errors="backslashreplace")
    os.replace(tmp, path)


def _failure_reason(exc):
    name = type(exc).__name__
    if name == "KilledWorker":
        return "le worker est mort pendant la correction (deux fois)"
    if name == "CancelledError":
        return "tâche annulée"
    return f"{name}: {exc}"


class _Run:
    """The tasks of one run: submitted within the count and byte bounds, each result written as it arrives."""

    def __init__(self, course, client, common, timeout, total, err, direct, accounts):
        from distributed import as_completed

        self.course, self.client, self.timeout, self.err, self.direct = course, client, timeout, err, direct
        self.accounts, self.submitted_at = accounts, {}  # accounting.py: the phases of each task
        # The course files and the template travel once to each worker, not once per student.
        [self.common] = client.scatter([common], broadcast=True, hash=False)
        self.notebooks = _release_notebooks(course)
        self.pending, self.rows, self.total, self.started = {}, {}, total, time.monotonic()
        self.queue = as_completed()

    def submit(self, todo, attempt=1):
        """Read the hand-in again and submit it; a hand-in that cannot be read is a failure row."""
        student, provenance = todo.student, todo.provenance
        try:
            # Read again now, not kept from the plan: the class's hand-ins are never all in memory at once.
            handin = read(self.course, student, self.notebooks)
        except OSError as exc:
            self._finish(Row(student, "échec", short=provenance.short, reason=f"rendu illisible : {type(exc).__name__}: {exc}"))
            return
        digest = handin_io.handin_digest(handin)
        if digest != provenance.handin:  # handed in again since the plan: grade what is there now
            provenance = todo.provenance = dataclasses.replace(provenance, handin=digest)
        first, last = self.course.names.get(student, (None, None))
        bundle = {
            "common": self.common, "student": student, "first_name": first, "last_name": last,
            "extension": self.course.extensions.get(student), "handin": handin,
            "seed": provenance.seed_used, "provenance": provenance.short, "execute": provenance.execute, "timeout": self.timeout,
        }
        key = f"rn-{student_ids.file_name(student)}-{provenance.short}-{attempt}"
        # The bytes go straight to a worker and stay there: neither the driver nor the
        # scheduler (in the driver's process with local workers) keeps them in flight.
        [bundle["handin"]] = self.client.scatter([handin], direct=self.direct, hash=False)
        future = self.client.submit(grade_handin, bundle, key=key, pure=False)
        del bundle, handin
        self.pending[future.key], self.submitted_at[future.key] = (todo, attempt, future), time.time()
        self.queue.add(future)

    def handle(self, future):
        """Write one finished task's result, or submit it once more; never raises for one student's sake."""
        todo, attempt, _ = self.pending.pop(future.key)
        submitted_at = self.submitted_at.pop(future.key)
        student, provenance = todo.student, todo.provenance
        try:
            # One result at a time in memory, fetched from its worker, not through the scheduler.
            result = self.client.gather(future, direct=self.direct)
        except Exception as exc:  # the worker died (Dask tried once more: KilledWorker), or took the scattered hand-in with it
            result = {"student": student, "ok": False, "error": _failure_reason(exc),
                      "retryable": type(exc).__name__ != "KilledWorker", "log": ""}
        finally:
            future.release()  # the result's bytes leave the cluster once written
        if not result["ok"] and result.get("retryable") and attempt <= RETRIES:
            self.err.write(f"  {student_ids.shown(student)} : {student_ids.printable(result['error'])} ; nouvel essai\n")
            self.submit(todo, attempt + 1)
            return
        row = Row(student, "échec", short=provenance.short, seconds=result.get("seconds", 0.0), attempts=attempt)
        written = None
        try:
            if result["ok"]:
                course = self.course
                began = time.monotonic(), time.thread_time()
                try:
                    gbw.write_result(course.root, course.autograded, course.db_url, course.course_id,
                                     course.assignment, result, provenance, course.names.get(student, (None, None)))
                    written = accounting.own_phase("written", *began)
                    row.status, row.score, row.anomalies = "noté", score_text(result["grades"]), len(result["anomalies"])
                except Exception as exc:  # a result we refuse to write costs this student only
                    row.reason = f"écriture refusée : {type(exc).__name__}: {exc}"
            else:
                row.reason = result.get("error") or "échec"
            _write_log(self.course, student, provenance, result, row.status + (f" ({row.reason})" if row.reason else ""))
            self.accounts.add(accounting.student_record(student, row.status, attempt, result, submitted_at, written))
        except Exception as exc:  # the log could not be written: the row says so, the class goes on
            row.reason = (row.reason + " ; " if row.reason else "") + f"journal non écrit : {type(exc).__name__}: {exc}"
        self._finish(row)

    def _finish(self, row):
        self.rows[row.student] = row
        self.err.write(progress_line(len(self.rows), self.total, row, time.monotonic() - self.started) + "\n")
        self.err.flush()

    def cancelled(self, todo):
        """Cancel what is pending; rows for every student not done."""
        for _, _, future in self.pending.values():
            future.cancel()
        for item in todo:
            self.rows.setdefault(item.student, Row(item.student, "annulé", short=item.provenance.short, reason="interrompu (Ctrl-C)"))
        return list(self.rows.values())


def autograde_class(root, assignment, workers=None, scheduler=None, db_url=None, seed=None, students=None,
                    force=False, execute=True, timeout=None, out=None, err=None, graders_after=None):
    """Grade the class; print the table on ``out``; return the exit code (0, or 130 when stopped).

    Every folder of ``submitted/`` ends as a gradebook row or a line of the table saying why not, so a student
    who fails does not change the exit code; a course that cannot be graded at all raises
    :class:`.gradebook.ClassgradeError`. ``graders_after``: see :func:`.task.graders_after_kernels`.
    """
    out, err = out or sys.stdout, err or sys.stderr
    started = time.monotonic()
    os.environ["PATH"] = nbgrader_env()["PATH"]  # nbgrader runs `alembic` from PATH when it creates a gradebook
    course = load_course(root, assignment, db_url)
    code, course_hash = prov.code_hash(), prov.course_hash(course.root, assignment)
    todo, rows, refused = plan(course, students, seed, execute, force, code, course_hash, _release_notebooks(course))
    report = staging.report_folder(course.root, assignment)
    if refused:
        staging.write_report(report, refused, {a.student for a in refused})
    report_shown = f"{report.relative_to(course.root)}/{staging.REPORT_NAME}"
    unchanged = sum(r.status == "inchangé" for r in rows)
    err.write(f"{len(todo) + len(rows)} dossier(s) : {len(todo)} à corriger, {unchanged} inchangé(s), "
              f"{len(rows) - unchanged} non noté(s)\n")
    if not todo:
        out.write(format_table(rows, report_shown, assignment) + "\n")
        return 0
    workers = workers or len(os.sched_getaffinity(0))
    err.write(f"Démarrage de {'la grappe ' + scheduler if scheduler else f'{workers} worker(s) locaux'}\n")
    client = cluster = folder = run = None
    accounts = accounting.RunAccounts(lambda: gbw.own_folder(course.logs), assignment, workers, scheduler, started)
    with _Stop() as stop:
        try:
            # The template is built while the workers start.
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                template = pool.submit(gbw.build_template, course.root, assignment, course.db_url, course.course_id)
                client, cluster, folder = _start_client(workers, scheduler)
                common = {"assignment": assignment, "course": {**gbw.course_files(course.root, assignment), **course.files},
                          "gradebook": template.result(), "code_hash": code,
                          "graders_after": graders_after_kernels(graders_after, workers, scheduler)}
                timeout = timeout or course.task_timeout + (course.grader_budget if common["graders_after"] else 0)
            stop.check()
            err.write(f"Prêt en {time.monotonic() - started:.1f} s\n")
            run = _Run(course, client, common, timeout, len(todo), err, scheduler is None or None, accounts)
            waiting = list(todo)
            # A few tasks ahead per worker: the scheduler never holds the whole class.
            tasks = TASKS_PER_WORKER * max(1, workers if not scheduler else len(client.scheduler_info()["workers"]))
            while waiting or run.pending:
                while waiting and len(run.pending) < tasks:
                    stop.check()
                    run.submit(waiting.pop(0))
                ready = run.queue.next_batch(block=False)
                if not ready:
                    stop.check()
                    time.sleep(0.1)
                for future in ready:
                    stop.check()
                    run.handle(future)
        except KeyboardInterrupt:
            err.write("\nInterruption : les corrections en cours sont annulées, les notes écrites restent.\n")
            rows += run.cancelled(todo) if run else [
                Row(t.student, "annulé", short=t.provenance.short, reason="interrompu (Ctrl-C)") for t in todo
            ]
            _close(client, cluster, folder)
            accounts.write(err)
            out.write(format_table(rows, report_shown, assignment) + "\n")
            return INTERRUPTED
        finally:
            _close(client, cluster, folder)
    rows += list(run.rows.values())
    accounts.write(err)
    out.write(format_table(rows, report_shown, assignment) + "\n")
    out.write(f"Durée totale : {time.monotonic() - started:.1f} s\n")
    return 0


def _close(client, cluster, folder):
    for thing in (client, cluster):
        if thing is not None:
            try:
                thing.close()
            except Exception:  # closing is best effort: the run's outcome is already decided
                pass
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
