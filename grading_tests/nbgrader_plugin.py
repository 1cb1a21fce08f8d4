"""nbgrader plugin: the grades nbgrader records come from the course's graders.

``nbgrader autograde`` normally scores an autograder-test cell from what the
student's own kernel printed: any error or stderr line gives 0, a number gives
partial credit, anything else full credit. A notebook can game all of that
(NBGRADER_NOTES.md). Here the kernel's output is never read. Instead:

- :class:`TrustedGrades` grades the student's notebooks (as staged) out of
  process with :func:`grading_tests.runner.grade_submission` (confined worker,
  reference at grading time), once per student, and gives every graded code
  cell ``test_<name>`` two outputs: the graders' French feedback (stdout) and
  the score as a plain float (``execute_result``), which nbgrader's
  ``determine_grade`` records as is. A graded code cell whose ``grade_id`` has
  no grader, or whose points differ from the grader's, stops the run for that
  student with an error, rather than fall back to in-kernel grading.
- :class:`ConfinedExecute` still runs each notebook, so that the instructor
  sees its outputs and plots, but in the course kernel ``rn-ch06-confine``
  (``grading_tests/kernel/``), confined by ``grading_tests/confine.py`` like
  the grading worker, in a scratch folder outside the course; what it sends
  is bounded, its process group is killed when it ends, and it survives a
  kernel that dies or hangs: the cell gets an error, a fresh kernel replays
  the cells before it and the notebook goes on.
- :class:`StagingNotebookExporter` makes nbgrader read only a clean copy of
  each hand-in (``grading_tests/staging.py``): no link followed, no file but
  small regular ones read, every notebook rebuilt as the released notebook
  plus the student's answers (nothing of the student's metadata survives),
  ``timestamp.txt`` kept only if it is a date, and what was left out listed
  in ``autograded/anomalies.txt``. It also starts grading each student in
  the background while the kernel runs.
- :class:`FeedbackHygiene` keeps hidden tests, mark schemes, instructor
  paths and secret-looking values off the feedback pages.
- :class:`CheckGradedCells` makes ``nbgrader generate_assignment`` refuse a
  source notebook whose graded cells do not match the graders.

``nbgrader_config.py`` at the course root wires all of this in.
"""

from __future__ import annotations

import atexit
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.client import NotebookClient
from nbconvert.exporters import NotebookExporter
from traitlets import Integer, Unicode

from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from . import confine, staging
from .runner import registry

__all__ = [
    "KERNEL_DIR",
    "KERNEL_NAME",
    "GraderMismatch",
    "grader_for",
    "CheckGradedCells",
    "StagingNotebookExporter",
    "ConfinedExecute",
    "TrustedGrades",
    "FeedbackHygiene",
]

KERNEL_DIR = Path(__file__).resolve().parent / "kernel"
KERNEL_NAME = "rn-ch06-confine"
TEST_PREFIX = "test_"


class GraderMismatch(RuntimeError):
    """A graded cell that the course's graders cannot score."""


def is_autograder_test(cell):
    """An nbgrader "autograder tests" cell: a graded code cell that is not an answer."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def grader_for(grade_id, points):
    """The grader that scores the cell ``grade_id``; raise GraderMismatch if none fits."""
    graders = registry()
    name = grade_id[len(TEST_PREFIX) :] if grade_id.startswith(TEST_PREFIX) else None
    if name not in graders:
        raise GraderMismatch(
            f"graded code cell {grade_id!r}: no grader for it (grade_id must be 'test_<name>' with <name> "
            f"one of {', '.join(graders)})"
        )
    if float(points) != float(graders[name].points):
        raise GraderMismatch(
            f"graded code cell {grade_id!r} is worth {float(points):g} point(s) but grader {name!r} "
            f"scores out of {graders[name].points:g}"
        )
    return graders[name]


# --- generate_assignment ------------------------------------------------------


class CheckGradedCells(NbGraderPreprocessor):
    """Refuse a source notebook whose autograder cells the graders can't score."""

    def preprocess_cell(self, cell, resources, index):
        if is_autograder_test(cell):
            grader_for(cell.metadata.nbgrader["grade_id"], cell.metadata.nbgrader.get("points", 0))
        return cell, resources


def _course_directory(preprocessor):
    """The converter's CourseDirectory (preprocessor -> exporter -> converter), or one from the config."""
    node = preprocessor
    while node is not None:
        coursedir = getattr(node, "coursedir", None)
        if isinstance(coursedir, CourseDirectory):
            return coursedir
        node = getattr(node, "parent", None)
    return CourseDirectory(config=preprocessor.config)


# --- reading submitted notebooks ------------------------------------------------

# The one layout whose hand-ins the staging reads (nbgrader's default).
DEFAULT_LAYOUT = "{nbgrader_step}/{student_id}/{assignment_id}"


def _private_root():
    """A fresh folder outside the course for the staged hand-ins (removed at exit at the latest).

    nbgrader builds regular expressions from ``submitted_directory`` without
    escaping it, so the folder's path must hold no regex metacharacter.
    """
    for base in (None, "/tmp"):
        root = tempfile.mkdtemp(prefix="rn-rendus-", dir=base)
        if re.fullmatch(r"[A-Za-z0-9_/-]+", root):
            atexit.register(shutil.rmtree, root, True)
            return root
        os.rmdir(root)
    raise RuntimeError(f"no temporary folder without special characters for the staged hand-ins (tried {tempfile.gettempdir()} and /tmp)")


class StagingNotebookExporter(NotebookExporter):
    """The exporter of ``nbgrader autograde``: it makes nbgrader read only staged copies.

    When its parent is nbgrader's ``Autograde`` converter, building it stages
    every hand-in listed in ``parent.assignments`` (``grading_tests/staging.py``:
    no link followed, only small regular files read, each notebook rebuilt as
    the released notebook plus the student's answers, ``timestamp.txt`` kept
    only if it is a date) into a private folder, then points
    ``parent.coursedir.submitted_directory`` there and lists the staged
    notebooks in ``parent.assignments``. Construction is the hook because the
    exporter is the one configurable object nbgrader builds after listing the
    hand-ins (``init_notebooks``) and before opening any of them: the
    timestamps, the copy of extra files, the missing-notebook check and the
    sanitize step all read the staged folder. What was left out is logged as
    warnings and written to ``autograded/anomalies.txt``.

    While nbgrader sanitizes a student's notebook, this exporter also starts
    the trusted grading of that student, and of the next ``lookahead`` ones,
    in the background (:class:`TrustedGrades` picks the reports up), so that
    grading overlaps the kernels.
    """

    lookahead = Integer(1, help="Students graded ahead of the one whose kernel runs.").tag(config=True)

    def __init__(self, config=None, **kw):
        super().__init__(config=config, **kw)
        self.anomalies = []
        self.staged_folders = []
        if isinstance(self.parent, Autograde) and self.parent.assignments:
            self._stage(self.parent)

    def _stage(self, converter):
        coursedir = converter.coursedir
        if coursedir.directory_structure != DEFAULT_LAYOUT:
            raise ValueError(f"StagingNotebookExporter needs CourseDirectory.directory_structure = {DEFAULT_LAYOUT!r}")
        pattern = re.compile(converter._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)", escape=True))
        handins = []
        for folder in sorted(converter.assignments):
            found = pattern.fullmatch(folder)
            if found is None:
                raise ValueError(f"hand-in folder {folder!r} does not match {pattern.pattern!r}")
            handins.append((found["student_id"], found["assignment_id"]))
        submitted = os.path.normpath(coursedir.format_path(coursedir.submitted_directory, ".", "."))
        release = os.path.normpath(coursedir.format_path(coursedir.release_directory, ".", "."))
        root = _private_root()
        self.anomalies = staging.stage(submitted, release, handins, root)
        # Absolute, so format_path ignores the course root; nbgrader reads nothing else from now on.
        original = coursedir.submitted_directory
        coursedir.submitted_directory = root
        self._undo_after_run(converter, original, root)
        assignments = {}
        for student, assignment in handins:
            folder = coursedir.format_path(coursedir.submitted_directory, student, assignment)
            assignments[folder] = sorted(str(p) for p in Path(folder).glob("*.ipynb"))
        converter.assignments = assignments
        self.staged_folders = sorted(assignments)
        for anomaly in self.anomalies:
            self.log.warning("Hand-in of %s, %s: %s", staging.shown(anomaly.student), anomaly.notebook, anomaly.message)
        report_dir = os.path.normpath(coursedir.format_path(coursedir.autograded_directory, ".", "."))
        report = staging.write_report(report_dir, self.anomalies, {student for student, _ in handins})
        self.log.info("Staged %d hand-in(s) in %s; %d anomaly(ies) in %s", len(handins), root, len(self.anomalies), report)

    @staticmethod
    def _undo_after_run(converter, original, root):
        """Once nbgrader's conversion ends, point the course directory back and remove the copies.

        The formgrader shares one CourseDirectory between its autograde runs
        and everything else it shows, so the staged folder must not outlive
        the run (the exit handler is the fallback). ``start()`` calls
        ``self.convert_notebooks()`` right after building the exporter, so an
        instance attribute wraps it.
        """
        run = converter.convert_notebooks

        def convert_notebooks():
            try:
                return run()
            finally:
                converter.coursedir.submitted_directory = original
                del converter.convert_notebooks
                shutil.rmtree(root, ignore_errors=True)

        converter.convert_notebooks = convert_notebooks

    def from_filename(self, filename, resources=None, **kw):
        if self.staged_folders and getattr(self.parent, "_sanitizing", False) and "nbgrader" in (resources or {}):
            self._grade_ahead(resources)
        return super().from_filename(filename, resources, **kw)

    def _grade_ahead(self, resources):
        # The queue follows nbgrader's order: this student, then the next ones.
        trusted = TrustedGrades(config=self.config, parent=self)
        trusted.report_future(resources)
        mine = trusted._submitted_folder(resources)
        for folder in [f for f in self.staged_folders if f > mine][: self.lookahead]:
            trusted.report_future(resources, folder)


# --- grading out of process, once per student -------------------------------------


class _Reports:
    """Trusted reports, computed in a background thread and cached per submission."""

    def __init__(self):
        self._lock = threading.Lock()
        self._futures = {}
        self._pool = None

    def get(self, key, compute):
        with self._lock:
            if key not in self._futures:
                if self._pool is None:
                    # One grading at a time: it overlaps the kernel, which uses the other core.
                    self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notation")
                self._futures[key] = self._pool.submit(compute)
            return self._futures[key]


_REPORTS = _Reports()


def _submission_key(folder, notebooks):
    parts = [str(Path(folder).resolve())]
    for name in notebooks:
        path = Path(folder) / f"{name}.ipynb"
        try:
            st = os.lstat(path)
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:absent")
    return "|".join(parts)


def _assignment_layout(db_url, assignment_id):
    """(notebook names, grader names) of an assignment, from the gradebook."""
    with Gradebook(db_url) as gb:
        assignment = gb.find_assignment(assignment_id)
        notebooks = sorted(nb.name for nb in assignment.notebooks)
        names = []
        for notebook in assignment.notebooks:
            answers = {cell.name for cell in notebook.solution_cells}
            for cell in notebook.grade_cells:
                if cell.cell_type == "code" and cell.name not in answers:
                    names.append(grader_for(cell.name, cell.max_score).name)
    return notebooks, names


def _grade_folder(folder, notebooks, names, seed):
    """Grade the known notebooks of ``folder``: regular files only, never through a link, copied aside."""
    from .runner import grade_submission

    wanted = {f"{name}.ipynb" for name in notebooks}
    with tempfile.TemporaryDirectory(prefix="rn-soumission-") as copy_dir:
        staging.copy_regular_files(folder, copy_dir, wanted.__contains__, staging.MAX_NOTEBOOK_BYTES)
        return grade_submission(copy_dir, seed=seed, names=names, include_questions=True)


class TrustedGrades(NbGraderPreprocessor):
    """Replace the outputs of every autograder cell by the trusted grade.

    Must come after Execute and LimitOutput and before SaveAutoGrades.
    """

    seed = Integer(
        None,
        allow_none=True,
        help="Seed of the graders' random inputs; None draws one per student and run (it is printed).",
    ).tag(config=True)

    def _submitted_folder(self, resources):
        info = resources["nbgrader"]
        # The converter's: the staging exporter points its submitted_directory at the staged hand-ins.
        coursedir = _course_directory(self)
        return coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])

    def report_future(self, resources, folder=None):
        """Start (or find) the grading of a student's submission (this one's staged folder by default)."""
        info = resources["nbgrader"]
        notebooks, names = _assignment_layout(info["db_url"], info["assignment"])
        folder = folder or self._submitted_folder(resources)
        key = (_submission_key(folder, notebooks), tuple(names), self.seed)
        log, seed = self.log, self.seed

        def compute():
            log.info("Grading %s out of the kernel (%d graders)", folder, len(names))
            return _grade_folder(folder, notebooks, names, seed)

        return _REPORTS.get(key, compute)

    def preprocess(self, nb, resources):
        # Every graded code cell must have its grader, before anything is graded.
        cells = [
            (cell, grader_for(cell.metadata.nbgrader["grade_id"], cell.metadata.nbgrader.get("points", 0)))
            for cell in nb.cells
            if is_autograder_test(cell)
        ]
        if not cells:
            return nb, resources
        report = self.report_future(resources).result()
        for cell, spec in cells:
            grade_id = cell.metadata.nbgrader["grade_id"]
            result = report["functions"].get(spec.name)
            if result is None or float(result["max_score"]) != float(cell.metadata.nbgrader["points"]):
                raise GraderMismatch(f"no trusted result of {cell.metadata.nbgrader['points']} point(s) for {grade_id}")
            cell.outputs = self._outputs(cell, spec.name, result, report["seed"])
        return nb, resources

    @staticmethod
    def _outputs(cell, name, result, seed):
        score, points = float(result["score"]), float(result["max_score"])
        lines = [f"Correction automatique de {name} : {score:g} / {points:g} point(s)"]
        lines += [f"  - {message}" for message in result["feedback"]]
        lines.append(f"(correcteurs exécutés hors du notebook ; graine des entrées aléatoires : {seed})")
        return [
            nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
            # determine_grade reads float(text/plain): the grade, nothing else.
            nbformat.v4.new_output("execute_result", data={"text/plain": repr(score)}, execution_count=cell.get("execution_count")),
        ]


# --- feedback ----------------------------------------------------------------------------

_SECRET_REGIONS = [("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"), ("BEGIN MARK SCHEME", "END MARK SCHEME")]


_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|PASSWD|API_KEY|PRIVATE|CREDENTIAL|PGPASS", re.I)


def _instructor_strings():
    """Text of the instructor's machine that a feedback page must not show, longest first."""
    paths = {os.path.realpath(p) for p in (os.getcwd(), sys.prefix, sys.base_prefix, os.path.expanduser("~"))}
    paths = {p for p in paths if len(p) > 1}
    secrets = {v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 6}
    return sorted(paths | secrets, key=len, reverse=True)


class FeedbackHygiene(NbGraderPreprocessor):
    """Keep a feedback page to what a student may read.

    - Hidden tests and mark schemes are removed from every cell. nbgrader's
      ClearHiddenTests and ClearMarkScheme do the same but raise on a marker
      outside a graded or task cell, or without its END line, so a student
      who types "BEGIN HIDDEN TESTS" in an answer would get no feedback at
      all. Here an unterminated region runs to the end of the cell.
    - In outputs, the instructor's paths (course root, Python installation,
      home) and the values of secret-looking environment variables are
      replaced by "…": a traceback through a library must not show where the
      course lives.
    """

    def preprocess(self, nb, resources):
        self._hidden = _instructor_strings()
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        lines, skipping = [], None
        for line in cell.source.split("\n"):
            if skipping is None:
                opened = next((end for begin, end in _SECRET_REGIONS if begin in line), None)
                if opened:
                    skipping = opened
                else:
                    lines.append(line)
            elif skipping in line:
                skipping = None
        cell.source = "\n".join(lines)
        for output in cell.get("outputs", []):
            self._redact_output(output)
        return cell, resources

    def _redact(self, text):
        for secret in getattr(self, "_hidden", None) or _instructor_strings():
            text = text.replace(secret, "…")
        return text

    def _redact_output(self, output):
        if "text" in output:
            output.text = self._redact(output.text)
        if "evalue" in output:
            output.evalue = self._redact(output.evalue)
            output.traceback = [self._redact(line) for line in output.get("traceback", [])]
        for mime, value in list(output.get("data", {}).items()):
            if mime.startswith("text/") or mime.endswith("json"):
                output.data[mime] = self._redact(value) if isinstance(value, str) else value


# --- running the notebook ---------------------------------------------------------------


_BOUNDED_CONTEXT = []


def _bounded_context():
    """One ZeroMQ context whose sockets drop any message above OUTPUT["message_mb"]."""
    if not _BOUNDED_CONTEXT:
        import zmq
        import zmq.asyncio

        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, confine.OUTPUT["message_mb"] * confine.MIB)
        context.setsockopt(zmq.RCVHWM, confine.OUTPUT["queue_messages"])
        _BOUNDED_CONTEXT.append(context)
    return _BOUNDED_CONTEXT[0]


class _BoundedKernelManager(AsyncKernelManager):
    """A kernel manager whose clients read through :func:`_bounded_context`."""

    def client(self, **kwargs):
        kwargs.setdefault("context", _bounded_context())
        return super().client(**kwargs)


# Seconds of kernel time used so far, per (student, assignment), in this process.
_TIME_SPENT = {}


class ConfinedExecute(Execute):
    """Execute in the course's confined kernel, in a scratch folder, and survive its death or hang.

    Each kernel starts in a fresh scratch folder outside the course, holding
    the release's course modules and the student's own (staged) notebooks,
    with the environment of ``confine.environment``; the kernel can write
    nowhere else (``grading_tests/kernel/``). Nothing is copied back: nbgrader
    writes ``autograded/`` from the outputs it received, and no process of the
    student ever holds a path that trusted code later reads or writes.

    What the kernel sends is bounded before nbgrader holds it: ZeroMQ drops a
    message above ``confine.OUTPUT["message_mb"]``, and a cell (a notebook)
    keeps at most ``cell_mb`` (``notebook_mb``) of outputs. When the kernel
    ends, its whole process group is killed, so nothing a cell started
    survives. A scratch folder that grows past ``disk_mb`` kills the kernel.

    When a cell kills the kernel (``os._exit``, a signal, a limit) or hangs
    past ``timeout`` beyond interruption, the cell gets an error output, a
    fresh kernel replays the cells that ran before (outputs discarded) and
    execution goes on. After ``max_restarts`` such failures, or past
    ``notebook_timeout`` seconds for the notebook (``student_timeout`` for
    all of a student's notebooks), the remaining cells are left unexecuted.

    Autograder test cells are not run: their outputs are the trusted grade
    (:class:`TrustedGrades`), and their code, hidden tests included, never
    reaches the student's kernel.
    """

    kernel_name = Unicode(KERNEL_NAME, help="Kernelspec that runs submissions (see grading_tests/kernel/).").tag(config=True)
    max_restarts = Integer(3, help="Kernel deaths or hangs tolerated per notebook.").tag(config=True)
    notebook_timeout = Integer(300, help="Seconds a notebook may run in all, restarts included.").tag(config=True)
    student_timeout = Integer(600, help="Seconds all the notebooks of one student may run in all.").tag(config=True)
    memory_mb = Integer(confine.LIMITS["kernel"]["memory_mb"], help="Address-space limit of the kernel.").tag(config=True)
    cpu_seconds = Integer(confine.LIMITS["kernel"]["cpu_s"], help="CPU-time limit of one kernel.").tag(config=True)
    disk_mb = Integer(confine.LIMITS["kernel"]["disk_mb"], help="Size limit of a kernel's scratch folder.").tag(config=True)
    cell_mb = Integer(confine.OUTPUT["cell_mb"], help="Outputs kept per cell, in MiB.").tag(config=True)
    notebook_mb = Integer(confine.OUTPUT["notebook_mb"], help="Outputs kept per notebook, in MiB.").tag(config=True)

    def create_kernel_manager(self):
        specs = KernelSpecManager(kernel_dirs=[str(KERNEL_DIR), *KernelSpecManager().kernel_dirs])
        self.km = _BoundedKernelManager(kernel_name=self.kernel_name, config=self.config, kernel_spec_manager=specs)
        return self.km

    # -- the scratch folder -------------------------------------------------------------

    def _new_scratch(self, resources):
        """A fresh folder outside the course with what the student received and handed in."""
        scratch = tempfile.mkdtemp(prefix="rn-noyau-")
        info = (resources or {}).get("nbgrader", {})
        coursedir = _course_directory(self)
        if info.get("assignment"):
            release = coursedir.format_path(coursedir.release_directory, ".", info["assignment"])
            staging.copy_regular_files(release, scratch, lambda name: name.endswith(".py"), staging.MAX_NOTEBOOK_BYTES)
            if info.get("student"):
                handin = coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])
                staging.copy_regular_files(handin, scratch, lambda name: name.endswith(".ipynb"), staging.MAX_NOTEBOOK_BYTES)
        return scratch, coursedir

    # -- bounded outputs ------------------------------------------------------------------

    def process_message(self, msg, cell, cell_index):
        kind = msg.get("msg_type", "")
        if kind in ("stream", "display_data", "execute_result", "error", "update_display_data") or kind.startswith("comm"):
            size = len(json.dumps(msg.get("content"), default=str)) + sum(len(b) for b in msg.get("buffers") or ())
            self._cell_bytes += size
            if not self._replaying:
                self._notebook_bytes += size
            if self._cell_bytes > self.cell_mb * confine.MIB or self._notebook_bytes > self.notebook_mb * confine.MIB:
                if not self._cut:
                    self._cut = True
                    limit = f"{self.cell_mb} Mo par cellule, {self.notebook_mb} Mo par notebook"
                    cell.outputs.append(
                        nbformat.v4.new_output("stream", name="stderr", text=f"[Sortie coupée par la correction : plus de {limit}.]\n")
                    )
                return None
        return super().process_message(msg, cell, cell_index)

    def _run_cell(self, nb, index, resources):
        if is_autograder_test(nb.cells[index]):
            # Its outputs are the trusted grade (TrustedGrades): its code,
            # hidden tests included, never reaches the student's kernel.
            return
        self._cell_bytes, self._cut = 0, False
        self.preprocess_cell(nb.cells[index], resources, index)

    # -- the run ------------------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._notebook_bytes, self._cell_bytes, self._cut, self._replaying = 0, 0, False, False
        info = (resources or {}).get("nbgrader", {})
        student = (info.get("student"), info.get("assignment"))
        started = time.monotonic()
        deadline = started + max(0, min(self.notebook_timeout, self.student_timeout - _TIME_SPENT.get(student, 0.0)))
        try:
            return self._execute_notebook(nb, resources, deadline)
        finally:
            _TIME_SPENT[student] = _TIME_SPENT.get(student, 0.0) + time.monotonic() - started

    def _execute_notebook(self, nb, resources, deadline):
        position, failures = 0, 0
        while position < len(nb.cells):
            failed = False
            scratch, coursedir = self._new_scratch(resources)
            env = confine.environment(scratch)
            env.update(
                RN_COURSE_ROOT=os.path.realpath(coursedir.root),
                RN_NOYAU_MEMOIRE_MO=str(self.memory_mb),
                RN_NOYAU_CPU_S=str(self.cpu_seconds),
            )
            log = tempfile.TemporaryFile(prefix="rn-noyau-log-")
            watch = None
            try:
                with self.setup_kernel(env=env, cwd=scratch, stdout=subprocess.DEVNULL, stderr=log):
                    pgid = self.km.provisioner.pid
                    watch = confine.DiskWatch(scratch, self.disk_mb * confine.MIB, pgid)
                    watch.start()
                    try:
                        info = self.wait_for_reply(self.kc.kernel_info())
                        self.nb.metadata["language_info"] = info["content"]["language_info"]
                        if position and not self._replay(nb, position, resources):
                            position = len(nb.cells)  # the replay itself killed the kernel
                        while position < len(nb.cells):
                            if time.monotonic() > deadline:
                                self._record_failure(nb.cells[position], "budget")
                                position = len(nb.cells)
                                break
                            index, position = position, position + 1
                            try:
                                self._run_cell(nb, index, resources)
                            except (DeadKernelError, CellTimeoutError) as exc:
                                self._record_failure(nb.cells[index], "disk" if watch.exceeded else exc)
                                failed = True
                                break
                    finally:
                        # The kernel and everything it started, before any of them is reaped.
                        watch.stop()
                        confine.kill_group(pgid)
                        self.shutdown_kernel = "immediate"
            except RuntimeError as exc:
                log.seek(0)
                self.log.error("The course kernel did not start: %s\n%s", exc, log.read(4000).decode("utf-8", "replace"))
                raise
            finally:
                self.shutdown_kernel = "graceful"
                log.close()
                shutil.rmtree(scratch, ignore_errors=True)
            if failed:
                failures += 1
                if failures > self.max_restarts:
                    self.log.error("Kernel failed %d times; the rest of the notebook is not run", failures)
                    break
        for cell in nb.cells:
            cell.metadata.pop("rn_noyau_echec", None)
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _replay(self, nb, position, resources):
        """Re-run cells [0, position) that did not fail, keeping their first outputs."""
        self._replaying = True
        try:
            for index, cell in enumerate(nb.cells[:position]):
                if cell.cell_type != "code" or cell.metadata.get("rn_noyau_echec") or is_autograder_test(cell):
                    continue
                self._cell_bytes, self._cut = 0, False
                try:
                    self.execute_cell(copy.deepcopy(cell), index, store_history=False)
                except (DeadKernelError, CellTimeoutError):
                    self.log.error("Replaying cell %d failed; the rest of the notebook is not run", index)
                    return False
            return True
        finally:
            self._replaying = False

    _FAILURES = {
        "dead": ("NoyauArrete", "le noyau s'est arrêté pendant cette cellule (sortie du processus, signal ou limite de ressources)."),
        "timeout": ("CellTimeoutError", "cette cellule ne s'est pas terminée en {timeout} s et n'a pas pu être interrompue, ou sa sortie était trop volumineuse pour être lue."),
        "disk": ("QuotaDisque", "cette cellule a écrit plus de {disk} Mo sur le disque ; le noyau a été arrêté."),
        "budget": (
            "TempsEpuise",
            "le temps d'exécution accordé est épuisé ({budget} s par notebook, {student} s pour tous les notebooks d'un élève) ; "
            "les cellules suivantes n'ont pas été exécutées.",
        ),
    }

    def _record_failure(self, cell, why):
        if isinstance(why, BaseException):
            self.log.warning("Cell failed with %s: %s", type(why).__name__, why)
            why = "dead" if isinstance(why, DeadKernelError) else "timeout"
        cell.metadata["rn_noyau_echec"] = True
        ename, evalue = self._FAILURES[why]
        evalue = evalue.format(timeout=self.timeout, disk=self.disk_mb, budget=self.notebook_timeout, student=self.student_timeout)
        if why != "budget":
            evalue += " Les cellules suivantes ont été exécutées dans un noyau neuf."
        cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))
