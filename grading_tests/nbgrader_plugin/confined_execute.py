"""Running each notebook in the course's confined kernel, and surviving its death or hang."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient.client import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from .. import confine
from . import handin_files
from .warm_kernel import RESET, WarmKernel, alive, keep, retire_kept, take_kept
from .common import course_directory, is_autograder_test

__all__ = ["KERNEL_DIR", "KERNEL_NAME", "ConfinedExecute"]

KERNEL_DIR = Path(__file__).resolve().parent.parent / "kernel"
KERNEL_NAME = "rn-ch06-confine"

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

    One student's notebooks run one after another in the same kernel
    (``reuse_kernel``): before the next notebook its figures are closed, it
    goes back to its scratch folder and its namespace is emptied (``%reset
    -f``); the modules it imported stay, which saves a third of the time.
    A kernel never serves two students: the next student's first notebook
    retires it, and so does the end of the process.

    When a cell kills the kernel (``os._exit``, a signal, a limit) or hangs
    past ``timeout`` beyond interruption, the cell gets an error output, a
    fresh kernel replays the cells that ran before (outputs discarded) and
    execution goes on. After ``max_restarts`` such failures, or past
    ``notebook_timeout`` seconds for the notebook (``student_timeout`` for
    all of a student's notebooks), the remaining cells are left unexecuted.

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
    notebook_timeout = Integer(300, help="Seconds a notebook may run in all, restarts included.").tag(config=True)
    student_timeout = Integer(600, help="Seconds all the notebooks of one student may run in all.").tag(config=True)
    memory_mb = Integer(confine.LIMITS["kernel"]["memory_mb"], help="Address-space limit of the kernel.").tag(config=True)
    cpu_seconds = Integer(confine.LIMITS["kernel"]["cpu_s"], help="CPU-time limit of one kernel.").tag(config=True)
    disk_mb = Integer(confine.LIMITS["kernel"]["disk_mb"], help="Size limit of a kernel's scratch folder.").tag(config=True)
    cell_mb = Integer(confine.OUTPUT["cell_mb"], help="Outputs kept per cell, in MiB.").tag(config=True)
    notebook_mb = Integer(confine.OUTPUT["notebook_mb"], help="Outputs kept per notebook, in MiB.").tag(config=True)
    skip_ungraded = Bool(True, help="Leave unexecuted a notebook with no graded cell (no test, no written answer).").tag(config=True)
    reuse_kernel = Bool(
        True, help="Run a student's notebooks in one kernel, its namespace reset between them; never across students."
    ).tag(config=True)

    SKIPPED_NOTICE = (
        "<div class=\"alert alert-info\">\n\n**Correction** : ce notebook ne compte pour aucun point et n'a pas de "
        "réponse écrite ; il n'a pas été exécuté pendant la correction.\n\n</div>"
    )

    def create_kernel_manager(self):
        specs = KernelSpecManager(kernel_dirs=[str(KERNEL_DIR), *KernelSpecManager().kernel_dirs])
        self.km = _BoundedKernelManager(kernel_name=self.kernel_name, config=self.config, kernel_spec_manager=specs)
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
        deadline = started + max(0, min(self.notebook_timeout, self.student_timeout - _TIME_SPENT.get(student, 0.0)))
        try:
            return self._execute_notebook(nb, resources, deadline)
        finally:
            _TIME_SPENT[student] = _TIME_SPENT.get(student, 0.0) + time.monotonic() - started

    def _owner(self, resources):
        """Whose kernel this notebook may reuse: (student, assignment, course), or None."""
        info = (resources or {}).get("nbgrader", {})
        if not (self.reuse_kernel and info.get("student") and info.get("assignment")):
            return None
        return (info["student"], info["assignment"], os.path.realpath(course_directory(self).root))

    def _start_kernel(self, resources):
        """A fresh kernel in a fresh scratch folder: (scratch, disk watch); ``self.km``/``self.kc`` set."""
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
            watch = confine.DiskWatch(scratch, self.disk_mb * confine.MIB, pgid)
            watch.start()
            self.start_new_kernel_client()
        except BaseException as exc:
            if isinstance(exc, RuntimeError):
                log.seek(0)
                self.log.error("The course kernel did not start: %s\n%s", exc, log.read(4000).decode("utf-8", "replace"))
            if watch is not None:
                watch.stop()
            if pgid is not None:
                confine.kill_group(pgid)
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        finally:
            log.close()
        return scratch, watch

    def _reuse_kernel(self, warm):
        """Take ``warm`` for this notebook, its namespace reset; False if it no longer answers."""
        self.km, self.kc = warm.km, warm.kc
        try:
            reply = self.wait_for_reply(self.kc.execute(RESET.format(scratch=repr(warm.scratch)), silent=True, store_history=False))
        except Exception as exc:  # a dead or wedged kernel: a fresh one is started instead
            self.log.warning("The kept kernel did not answer (%s: %s); a fresh one is started", type(exc).__name__, exc)
            return False
        content = (reply or {}).get("content", {})
        if content.get("status") != "ok":
            self.log.warning("The kept kernel could not be reset (%s: %s); a fresh one is started", content.get("ename"), content.get("evalue"))
            return False
        return True

    def _execute_notebook(self, nb, resources, deadline):
        position, failures = 0, 0
        owner = self._owner(resources)
        while position < len(nb.cells):
            failed, kept, watch = False, False, None
            warm = take_kept(owner) if position == 0 else None
            if warm is not None and not self._reuse_kernel(warm):
                warm.retire()
                warm = None
            if warm is None:
                retire_kept()  # never two kernels at once, never another student's
                scratch, watch = self._start_kernel(resources)
            else:
                scratch, watch = warm.scratch, warm.watch
            pgid = self.km.provisioner.pid
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
                    if watch.check():  # the cell wrote past the quota faster than the watch looks
                        self._record_failure(nb.cells[index], "disk")
                        failed = True
                        break
                kept = owner is not None and not failed and not watch.exceeded and alive(self.km)
            finally:
                if kept:
                    keep(WarmKernel(owner, self.km, self.kc, scratch, watch, pgid))
                else:
                    # The kernel and everything it started, before any of them is reaped.
                    WarmKernel(owner, self.km, self.kc, scratch, watch, pgid).retire()
                self.km = self.kc = None
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
