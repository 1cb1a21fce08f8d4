"""Running each notebook in the course's confined kernel, and surviving its death or hang."""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, List, Unicode

from .. import confine
from . import handin_files, phases
from .common import course_directory, is_autograder_test
from .kernel_manager import CourseKernelManager, retire_kernel
from .kernel_template import forks_from_template

__all__ = ["KERNEL_DIR", "KERNEL_NAME", "ConfinedExecute"]

KERNEL_DIR = Path(__file__).resolve().parent.parent / "kernel"
KERNEL_NAME = "rn-ch06-confine"

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

    Every notebook gets a kernel of its own, a fresh process: with
    ``kernel_template`` (the default) it is forked from a warm template that
    imported ``preload`` once for this process (:mod:`.kernel_template`), or,
    under the class command, once for its grading worker
    (:mod:`.worker_template`), so the imports that were a third of a
    student's autograde are paid once, and nothing a notebook does to its
    kernel reaches the next one.

    When a cell kills the kernel (``os._exit``, a signal, a limit) or hangs
    past ``timeout`` beyond interruption, the cell gets an error, a fresh
    kernel replays the cells that ran before and execution goes on. A replay
    only rebuilds the kernel's state: its outputs are dropped, and every
    cell keeps the outputs of its first run. After ``max_restarts`` such
    failures the remaining cells are left unexecuted.

    Time is a budget, replays included: a notebook may run ``notebook_timeout``
    seconds in all, and all of a student's notebooks ``student_timeout``;
    each cell, run or replayed, gets at most what is left (and at most
    ``timeout``), and once nothing is left the remaining cells are left
    unexecuted with a notice.

    Autograder test cells are not run: their outputs are the trusted grade
    (:class:`TrustedGrades`), and their code, hidden tests included, never
    reaches the student's kernel.

    A notebook with no graded cell, neither a test nor a written answer
    (06_5), is not run at all when ``skip_ungraded`` is set: its outputs
    count for nothing and no grader reads them, and running it was a fifth of
    a student's autograde time (``bench/profile_autograde.py``). A notice at
    its top says so.
    """

    kernel_name = Unicode(KERNEL_NAME, help="Kernelspec that runs submissions (see grading_tests/kernel/).").tag(config=True)
    max_restarts = Integer(3, help="Kernel deaths or hangs tolerated per notebook.").tag(config=True)
    notebook_timeout = Integer(300, help="Seconds a notebook may run in all, restarts and replays included.").tag(config=True)
    student_timeout = Integer(600, help="Seconds all the notebooks of one student may run in all.").tag(config=True)
    memory_mb = Integer(confine.LIMITS["kernel"]["memory_mb"], help="Address-space limit of the kernel.").tag(config=True)
    cpu_seconds = Integer(confine.LIMITS["kernel"]["cpu_s"], help="CPU-time limit of one kernel.").tag(config=True)
    disk_mb = Integer(confine.LIMITS["kernel"]["disk_mb"], help="Size limit of a kernel's scratch folder.").tag(config=True)
    cell_mb = Integer(confine.OUTPUT["cell_mb"], help="Outputs kept per cell, in MiB.").tag(config=True)
    notebook_mb = Integer(confine.OUTPUT["notebook_mb"], help="Outputs kept per notebook, in MiB.").tag(config=True)
    skip_ungraded = Bool(True, help="Leave unexecuted a notebook with no graded cell (no test, no written answer).").tag(config=True)
    kernel_template = Bool(
        True, help="Fork each notebook's kernel from a warm template (imports made once per process); else start it cold."
    ).tag(config=True)
    preload = List(
        Unicode(),
        default_value=[
            "numpy", "matplotlib.pyplot", "matplotlib_inline.backend_inline", "threadpoolctl", "scipy.stats",
            "sklearn.datasets", "sklearn.exceptions", "sklearn.metrics", "sklearn.model_selection", "sklearn.neural_network",
            "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
        ],
        help="Modules the kernel template imports once: the notebooks' libraries and ipykernel.",
    ).tag(config=True)

    SKIPPED_NOTICE = (
        "<div class=\"alert alert-info\">\n\n**Correction** : ce notebook ne compte pour aucun point et n'a pas de "
        "réponse écrite ; il n'a pas été exécuté pendant la correction.\n\n</div>"
    )
    # What a replay's messages would have added to or changed in the outputs.
    _OUTPUT_MESSAGES = ("stream", "display_data", "execute_result", "error", "update_display_data", "clear_output")

    def create_kernel_manager(self):
        specs = KernelSpecManager(kernel_dirs=[str(KERNEL_DIR), *KernelSpecManager().kernel_dirs])
        self.km = CourseKernelManager(kernel_name=self.kernel_name, config=self.config, kernel_spec_manager=specs)
        forkable = self.kernel_template and forks_from_template(self.km.kernel_spec.argv)
        self.km.preload = list(self.preload) if forkable else None
        return self.km

    # -- the scratch folder -------------------------------------------------------------

    def _new_scratch(self, resources):
        """A fresh folder outside the course with what the student received and handed in."""
        scratch = tempfile.mkdtemp(prefix="rn-noyau-")
        info = (resources or {}).get("nbgrader", {})
        coursedir = course_directory(self)
        if info.get("assignment"):
            release = coursedir.format_path(coursedir.release_directory, ".", info["assignment"])
            handin_files.copy_regular_files(release, scratch, lambda name: name.endswith(".py"), handin_files.MAX_NOTEBOOK_BYTES)
            if info.get("student"):
                handin = coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])
                handin_files.copy_regular_files(handin, scratch, lambda name: name.endswith(".ipynb"), handin_files.MAX_NOTEBOOK_BYTES)
        return scratch, coursedir

    # -- bounded outputs and time ----------------------------------------------------------

    def process_message(self, msg, cell, cell_index):
        kind = msg.get("msg_type", "")
        if self._replaying and kind in self._OUTPUT_MESSAGES:
            return None  # every cell keeps the outputs of its first run
        if kind in self._OUTPUT_MESSAGES or kind.startswith("comm"):
            size = len(json.dumps(msg.get("content"), default=str)) + sum(len(b) for b in msg.get("buffers") or ())
            self._cell_bytes += size
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

    def _remaining(self):
        return self._deadline - time.monotonic()

    def _get_timeout(self, cell):
        """A cell's time limit: ``timeout``, and never past the budget's deadline."""
        timeout = super()._get_timeout(cell)
        left = max(1, math.ceil(self._remaining()))
        return left if timeout is None else min(timeout, left)

    def _run_cell(self, nb, index, resources):
        if is_autograder_test(nb.cells[index]):
            # Its outputs are the trusted grade (TrustedGrades): its code,
            # hidden tests included, never reaches the student's kernel.
            return
        self._cell_bytes, self._cut = 0, False
        self.preprocess_cell(nb.cells[index], resources, index)

    # -- the run ------------------------------------------------------------------------------

    def preprocess(self, nb, resources=None, km=None):
        graded = any(cell.metadata.get("nbgrader", {}).get("grade") for cell in nb.cells)
        if self.skip_ungraded and (resources or {}).get("nbgrader", {}).get("assignment") and not graded:
            self.log.info("No graded cell: the notebook is not executed")
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(self.SKIPPED_NOTICE))
            return nb, resources
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._notebook_bytes, self._cell_bytes, self._cut, self._replaying = 0, 0, False, False
        info = (resources or {}).get("nbgrader", {})
        student = (info.get("student"), info.get("assignment"))
        started = time.monotonic()
        self._deadline = started + max(0, min(self.notebook_timeout, self.student_timeout - _TIME_SPENT.get(student, 0.0)))
        try:
            return self._execute_notebook(nb, resources)
        finally:
            phases.mark("nbgrader")
            spent = time.monotonic() - started
            _TIME_SPENT[student] = _TIME_SPENT.get(student, 0.0) + spent
            self.log.info("Notebook run in %.1f s (%.1f s of the student's %d s)", spent, _TIME_SPENT[student], self.student_timeout)

    def _start_kernel(self, resources):
        """A fresh kernel in a fresh scratch folder: (scratch, disk watch); ``self.km``/``self.kc`` set."""
        notebook = phases.notebook_of(resources)
        phases.mark("kernel_started", notebook)
        scratch, coursedir = self._new_scratch(resources)
        env = confine.environment(scratch)
        env.update(
            RN_COURSE_ROOT=os.path.realpath(coursedir.root),
            RN_NOYAU_MEMOIRE_MO=str(self.memory_mb),
            RN_NOYAU_CPU_S=str(self.cpu_seconds),
        )
        log = tempfile.TemporaryFile(prefix="rn-noyau-log-")
        pgid = watch = None
        try:
            self.km = self.create_kernel_manager()
            self.start_new_kernel(env=env, cwd=scratch, stdout=subprocess.DEVNULL, stderr=log)
            pgid = self.km.provisioner.pid
            phases.kernel(pgid)
            watch = confine.DiskWatch(scratch, self.disk_mb * confine.MIB, pgid)
            watch.start()
            self.start_new_kernel_client()
            phases.mark("executed", notebook)
        except BaseException as exc:
            if isinstance(exc, RuntimeError):
                log.seek(0)
                self.log.error("The course kernel did not start: %s\n%s", exc, log.read(4000).decode("utf-8", "replace"))
            retire_kernel(self.km, self.kc, scratch, watch, pgid)
            self.km = self.kc = None
            raise
        finally:
            log.close()
        return scratch, watch

    @staticmethod
    def _notice_cell(nb, position):
        """The first cell at or after ``position`` that a notice can go in: a code cell the kernel would run."""
        for cell in nb.cells[position:]:
            if cell.cell_type == "code" and not is_autograder_test(cell):
                return cell
        return None

    def _stop(self, nb, position, why):
        cell = self._notice_cell(nb, position)
        if cell is not None:
            self._record_failure(cell, why)

    def _execute_notebook(self, nb, resources):
        position, failures = 0, 0
        while position < len(nb.cells):
            if self._remaining() <= 0:
                self._stop(nb, position, "budget")
                break
            failed, stopped = False, None
            scratch, watch = self._start_kernel(resources)
            pgid = self.km.provisioner.pid
            try:
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                stopped = self._replay(nb, position) if position else None
                while stopped is None and position < len(nb.cells):
                    if self._remaining() <= 0:
                        stopped = "budget"
                        break
                    index, position = position, position + 1
                    try:
                        self._run_cell(nb, index, resources)
                    except (DeadKernelError, CellTimeoutError) as exc:
                        self._record_failure(nb.cells[index], "disk" if watch.exceeded else exc)
                        failed = True
                        break
                    if watch.check():  # the cell wrote past the quota faster than the watch looks
                        self._record_failure(nb.cells[index], "disk")
                        failed = True
                        break
            finally:
                # The kernel and everything it started, before any of them is reaped.
                retire_kernel(self.km, self.kc, scratch, watch, pgid)
                self.km = self.kc = None
            if stopped:
                self._stop(nb, position, stopped)
                break
            if failed:
                failures += 1
                if failures > self.max_restarts:
                    self.log.error("Kernel failed %d times; the rest of the notebook is not run", failures)
                    break
        for cell in nb.cells:
            cell.metadata.pop("rn_noyau_echec", None)
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _replay(self, nb, position):
        """Re-run cells [0, position) that did not fail, within the budget; None, or why the notebook stops.

        The replayed cells keep the outputs of their first run: a replay's
        messages are dropped, and nbclient's copy of the cell is put back.
        """
        self._replaying = True
        try:
            for index, cell in enumerate(nb.cells[:position]):
                if cell.cell_type != "code" or cell.metadata.get("rn_noyau_echec") or is_autograder_test(cell):
                    continue
                if self._remaining() <= 0:
                    return "budget"
                try:
                    self.execute_cell(copy.deepcopy(cell), index, store_history=False)
                except (DeadKernelError, CellTimeoutError):
                    self.log.error("Replaying cell %d failed; the rest of the notebook is not run", index)
                    return "budget" if self._remaining() <= 0 else "replay"
                finally:
                    nb.cells[index] = cell
            return None
        finally:
            self._replaying = False

    _FAILURES = {
        "dead": ("NoyauArrete", "le noyau s'est arrêté pendant cette cellule (sortie du processus, signal ou limite de ressources)."),
        "timeout": ("CellTimeoutError", "cette cellule ne s'est pas terminée en {timeout} s et n'a pas pu être interrompue, ou sa sortie était trop volumineuse pour être lue."),
        "disk": ("QuotaDisque", "cette cellule a écrit plus de {disk} Mo sur le disque ; le noyau a été arrêté."),
        "budget": (
            "TempsEpuise",
            "le temps d'exécution accordé est épuisé ({budget} s par notebook, {student} s pour tous les notebooks d'un élève, "
            "réexécutions comprises) ; cette cellule et les suivantes n'ont pas été exécutées.",
        ),
        "replay": (
            "NoyauArrete",
            "le noyau neuf s'est arrêté en réexécutant les cellules précédentes ; cette cellule et les suivantes n'ont pas été "
            "exécutées.",
        ),
    }

    def _record_failure(self, cell, why):
        if isinstance(why, BaseException):
            self.log.warning("Cell failed with %s: %s", type(why).__name__, why)
            why = "dead" if isinstance(why, DeadKernelError) else "timeout"
        cell.metadata["rn_noyau_echec"] = True
        ename, evalue = self._FAILURES[why]
        evalue = evalue.format(timeout=self.timeout, disk=self.disk_mb, budget=self.notebook_timeout, student=self.student_timeout)
        if why not in ("budget", "replay"):
            evalue += " Les cellules suivantes ont été exécutées dans un noyau neuf."
        cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))
