"""nbgrader plugin: the grades nbgrader records come from the course's graders.

``nbgrader autograde`` normally scores an autograder-test cell from what the
student's own kernel printed: any error or stderr line gives 0, a number gives
partial credit, anything else full credit. A notebook can game all of that
(NBGRADER_NOTES.md). Here the kernel's output is never read. Instead:

- :class:`TrustedGrades` grades the student's *submitted* notebooks out of
  process with :func:`grading_tests.runner.grade_submission` (confined worker,
  reference at grading time), once per student, and gives every graded code
  cell ``test_<name>`` two outputs: the graders' French feedback (stdout) and
  the score as a plain float (``execute_result``), which nbgrader's
  ``determine_grade`` records as is. A graded code cell whose ``grade_id`` has
  no grader, or whose points differ from the grader's, stops the run for that
  student with an error, rather than fall back to in-kernel grading.
- :class:`ConfinedExecute` still runs each notebook, so that the instructor
  sees its outputs and plots, but in the course kernel ``rn-ch06-confine``
  (``grading_tests/kernel/``: memory limit, Landlock, no course imports), and
  it survives a kernel that dies or hangs: the cell gets an error, a fresh
  kernel replays the cells before it and the notebook goes on.
- :class:`SanitizeSubmission` drops nbgrader metadata that the gradebook does
  not know, puts back graded cells a student deleted, and starts grading the
  student in the background while the kernel runs.
- :class:`TolerantNotebookExporter` reads a notebook that is not valid JSON
  (or a symlink, or huge) as the released notebook with a notice, so the
  student's other notebooks are still graded.
- :class:`CheckGradedCells` makes ``nbgrader generate_assignment`` refuse a
  source notebook whose graded cells do not match the graders.

``nbgrader_config.py`` at the course root wires all of this in.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.client import NotebookClient
from nbconvert.exporters import NotebookExporter
from traitlets import Integer, Unicode

from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from .runner import registry

__all__ = [
    "KERNEL_DIR",
    "KERNEL_NAME",
    "GraderMismatch",
    "grader_for",
    "CheckGradedCells",
    "TolerantNotebookExporter",
    "SanitizeSubmission",
    "ConfinedExecute",
    "TrustedGrades",
    "FeedbackHygiene",
]

KERNEL_DIR = Path(__file__).resolve().parent / "kernel"
KERNEL_NAME = "rn-ch06-confine"
TEST_PREFIX = "test_"
# A submitted notebook bigger than this is not read (outputs are re-made anyway).
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MARK_SCHEME = re.compile(r"^.*BEGIN MARK SCHEME.*$.*?^.*END MARK SCHEME.*$\n?", re.M | re.S)


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


# --- reading submitted notebooks ------------------------------------------------


def _notice_cell(text):
    return nbformat.v4.new_markdown_cell(f"<div class=\"alert alert-danger\">\n\n**Correction** : {text}\n\n</div>")


class TolerantNotebookExporter(NotebookExporter):
    """A NotebookExporter that never fails on what a student handed in.

    A notebook that is a symlink, too big, not UTF-8, not JSON, or not a valid
    notebook is replaced by the released notebook (or an empty one), preceded
    by a notice; the graded cells are then put back from the gradebook by
    :class:`SanitizeSubmission`. Its trusted grades come from the graders,
    which report the file as unreadable.
    """

    def from_filename(self, filename, resources=None, **kw):
        self._problem = None
        if os.path.islink(filename):
            self._problem = "ce notebook est un lien symbolique ; il n'a pas été lu."
        elif os.path.getsize(filename) > MAX_NOTEBOOK_BYTES:
            self._problem = f"ce notebook dépasse {MAX_NOTEBOOK_BYTES // 2**20} Mo ; il n'a pas été lu."
        return super().from_filename(filename, resources, **kw)

    def from_file(self, file_stream, resources=None, **kw):
        nb = None
        resources = resources if resources is not None else {}
        if getattr(self, "_problem", None) is None:
            try:
                nb = nbformat.reads(file_stream.read(), as_version=4)
                nbformat.validate(nb)
            except Exception as exc:  # any way a file can fail to be a notebook
                nb = None
                self._problem = f"ce notebook n'a pas pu être lu ({type(exc).__name__}) ; il a été remplacé par la version distribuée."
        if nb is None:
            self.log.warning("Unreadable notebook %s: %s", resources.get("metadata", {}).get("name"), self._problem)
            nb = self._replacement(resources)
            nb.cells.insert(0, _notice_cell(self._problem))
        return self.from_notebook_node(nb, resources=resources, **kw)

    def _replacement(self, resources):
        info = (resources or {}).get("nbgrader", {})
        coursedir = CourseDirectory(config=self.config)
        release = Path(coursedir.format_path(coursedir.release_directory, ".", info.get("assignment", "")))
        path = release / f"{info.get('notebook', '')}.ipynb"
        try:
            return nbformat.read(path, as_version=4)
        except (OSError, ValueError):
            return nbformat.v4.new_notebook()


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
    """Grade the known notebooks of ``folder``: regular files only, copied aside."""
    from .runner import grade_submission

    with tempfile.TemporaryDirectory(prefix="rn-soumission-") as copy_dir:
        for name in notebooks:
            source = Path(folder) / f"{name}.ipynb"
            if source.is_file() and not source.is_symlink() and source.stat().st_size <= MAX_NOTEBOOK_BYTES:
                shutil.copyfile(source, Path(copy_dir) / source.name)
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
        coursedir = CourseDirectory(config=self.config)
        return coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])

    def report_future(self, resources, folder=None):
        """Start (or find) the grading of a student's submission (this one by default)."""
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


# --- sanitising a submission ---------------------------------------------------------


class SanitizeSubmission(NbGraderPreprocessor):
    """Clean a submitted notebook before it runs; put back deleted graded cells.

    Goes after OverwriteCells in ``Autograde.sanitize_preprocessors``.
    """

    lookahead = Integer(1, help="Students graded ahead of the one whose kernel runs.").tag(config=True)

    restored_notice = Unicode(
        "Cellule rétablie par la correction : elle manquait dans le notebook rendu.",
        help="Text put at the top of a graded cell that was put back.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        # Grade while the kernels run (the grading worker uses the other core);
        # TrustedGrades picks the report up. The queue follows nbgrader's own
        # order: this student, then the next ones of the same run.
        trusted = TrustedGrades(config=self.config, parent=self.parent)
        trusted.report_future(resources)
        converter = getattr(self.parent, "parent", None)  # preprocessor -> exporter -> converter
        queued = sorted(getattr(converter, "assignments", None) or [])
        mine = os.path.realpath(trusted._submitted_folder(resources))
        for folder in [f for f in queued if os.path.realpath(f) > mine][: self.lookahead]:
            trusted.report_future(resources, folder)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta is not None and not (isinstance(meta, dict) and meta.get("grade_id")):
                # OverwriteCells or DeduplicateIds removed an id the gradebook does not know.
                del cell.metadata["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_notebook(info["notebook"], info["assignment"])
            sources = list(notebook.source_cells)
            graded = {cell.name: cell for cell in notebook.grade_cells}
            answers = {cell.name for cell in notebook.solution_cells}
            present = {c.metadata.nbgrader["grade_id"] for c in nb.cells if "nbgrader" in c.metadata}
            order = [s.name for s in sources]
            for position, source in enumerate(sources):
                if source.name in present or source.name not in graded:
                    continue
                self.log.warning("Graded cell %s is missing from the submission; putting it back", source.name)
                cell = self._restored(source, graded[source.name], source.name in answers)
                before = [name for name in order[:position] if name in present]
                index = 0
                if before:
                    index = 1 + max(
                        i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == before[-1]
                    )
                nb.cells.insert(index, cell)
                present.add(source.name)
        return nb, resources

    def _restored(self, source, graded, is_answer):
        text = source.source
        if is_answer:
            text = MARK_SCHEME.sub("", text)  # a mark scheme never reaches a student
        if source.cell_type == "code":
            cell = nbformat.v4.new_code_cell(f"# {self.restored_notice}\n{text}")
        else:
            cell = nbformat.v4.new_markdown_cell(f"*{self.restored_notice}*\n\n{text}")
        cell.metadata["nbgrader"] = {
            "grade": True,
            "grade_id": source.name,
            "locked": bool(source.locked),
            "points": float(graded.max_score),
            "solution": bool(is_answer),
            "task": False,
            "schema_version": 3,
            "cell_type": source.cell_type,
        }
        cell.metadata["deletable"] = False
        if source.locked:
            cell.metadata["editable"] = False
        # An answer put back is the blank stub: "no response", 0 points.
        cell.metadata["nbgrader"]["checksum"] = utils.compute_checksum(cell) if is_answer else source.checksum
        return cell


# --- feedback ----------------------------------------------------------------------------

_SECRET_REGIONS = [("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"), ("BEGIN MARK SCHEME", "END MARK SCHEME")]


class FeedbackHygiene(NbGraderPreprocessor):
    """Remove hidden tests and mark schemes from every cell of a feedback page.

    nbgrader's ClearHiddenTests and ClearMarkScheme do the same but raise on a
    marker outside a graded or task cell, or without its END line, so a
    student who types "BEGIN HIDDEN TESTS" in an answer would get no feedback
    at all. Here an unterminated region runs to the end of the cell.
    """

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
        return cell, resources


# --- running the notebook ---------------------------------------------------------------


class ConfinedExecute(Execute):
    """Execute in the course's confined kernel, and survive its death or hang.

    When a cell kills the kernel (``os._exit``, a signal, the CPU limit) or
    hangs past ``timeout`` beyond interruption, the cell gets an error output,
    the kernel is killed, a fresh one replays the cells that ran before
    (outputs discarded) and execution goes on. After ``max_restarts`` such
    failures the remaining cells are left unexecuted.
    """

    kernel_name = Unicode(KERNEL_NAME, help="Kernelspec that runs submissions (see grading_tests/kernel/).").tag(config=True)
    max_restarts = Integer(3, help="Kernel deaths or hangs tolerated per notebook.").tag(config=True)

    def create_kernel_manager(self):
        specs = KernelSpecManager(kernel_dirs=[str(KERNEL_DIR), *KernelSpecManager().kernel_dirs])
        self.km = self.kernel_manager_class(kernel_name=self.kernel_name, config=self.config, kernel_spec_manager=specs)
        return self.km

    def preprocess(self, nb, resources=None, km=None):
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        position, failures = 0, 0
        while position < len(nb.cells):
            failed = False
            scratch = tempfile.mkdtemp(prefix="rn-noyau-")
            env = dict(os.environ, RN_NOYAU_TMP=scratch, RN_COURSE_ROOT=os.getcwd())
            try:
                with self.setup_kernel(env=env):
                    info = self.wait_for_reply(self.kc.kernel_info())
                    self.nb.metadata["language_info"] = info["content"]["language_info"]
                    if position and not self._replay(nb, position, resources):
                        position = len(nb.cells)  # the replay itself killed the kernel
                    while position < len(nb.cells):
                        index, position = position, position + 1
                        try:
                            self.preprocess_cell(nb.cells[index], resources, index)
                        except (DeadKernelError, CellTimeoutError) as exc:
                            self._record_failure(nb.cells[index], exc)
                            failed = True
                            self.shutdown_kernel = "immediate"
                            break
            finally:
                self.shutdown_kernel = "graceful"
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
        for index, cell in enumerate(nb.cells[:position]):
            if cell.cell_type != "code" or cell.metadata.get("rn_noyau_echec"):
                continue
            try:
                self.execute_cell(copy.deepcopy(cell), index, store_history=False)
            except (DeadKernelError, CellTimeoutError):
                self.log.error("Replaying cell %d failed; the rest of the notebook is not run", index)
                return False
        return True

    def _record_failure(self, cell, exc):
        cell.metadata["rn_noyau_echec"] = True
        if isinstance(exc, DeadKernelError):
            ename = "NoyauArrete"
            evalue = "le noyau s'est arrêté pendant cette cellule (sortie du processus, signal ou limite de ressources)."
        else:
            ename = "CellTimeoutError"
            evalue = f"cette cellule ne s'est pas terminée en {self.timeout} s et n'a pas pu être interrompue."
        evalue += " Les cellules suivantes ont été exécutées dans un noyau neuf."
        self.log.warning("Cell failed with %s: %s", type(exc).__name__, exc)
        cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))

