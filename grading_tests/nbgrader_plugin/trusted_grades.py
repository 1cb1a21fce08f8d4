"""The grades nbgrader records: the graders' scores, computed out of process once per student."""

from __future__ import annotations

import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from . import handin_files, phases, results_table
from ..runner import FUNCTION_BUDGET, STUDENT_BUDGET, registry
from .common import RECORD_KEY, GraderMismatch, course_directory, grader_for, is_autograder_test

__all__ = ["TrustedGrades", "RESULTS_KEY"]

RESULTS_KEY = "rn_grader_results"  # resources key: the structured results of the notebook's graded cells

# The graders are imported with the plug-in: a process that forks one nbgrader
# command per student (the class command's launcher) imports them once for all.
registry()


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


def _grade_folder(folder, notebooks, names, seed, budgets):
    """Grade the known notebooks of ``folder``: regular files only, never through a link, copied aside."""
    from ..runner import grade_submission

    wanted = {f"{name}.ipynb" for name in notebooks}
    with tempfile.TemporaryDirectory(prefix="rn-soumission-") as copy_dir:
        handin_files.copy_regular_files(folder, copy_dir, wanted.__contains__, handin_files.MAX_NOTEBOOK_BYTES)
        return grade_submission(copy_dir, seed=seed, names=names, include_questions=True,
                                student_budget=budgets[0], function_budget=budgets[1])


class TrustedGrades(NbGraderPreprocessor):
    """Replace the outputs of every autograder cell by the trusted grade.

    Must come after Execute and LimitOutput and before SaveAutoGrades.
    """

    seed = Integer(
        None,
        allow_none=True,
        help="Seed of the graders' random inputs; None draws one per student and run (it is printed).",
    ).tag(config=True)
    provenance = Unicode(
        "",
        help="Short hash of what the grade depends on (hand-in, graders, course, seed), shown next to the seed.",
    ).tag(config=True)
    student_budget = Float(
        STUDENT_BUDGET, help="Seconds the graders may take for one student in all, loading the code included."
    ).tag(config=True)
    beside_kernels = Bool(
        True,
        help="Start a student's graders while the kernels run, and the next students' too (StagingNotebookExporter."
        "lookahead): they overlap on a spare core. False: they start once the student's first graded notebook has run, "
        "its kernel ended, and no kernel runs while they do; the choice when every core already runs a grading (the "
        "class command's --graders). The grades are the same.",
    ).tag(config=True)
    function_budget = Float(
        FUNCTION_BUDGET,
        help="Seconds one function's checks may take (in proportion more when its calls may take over 10 s); past it, the "
        "function scores 0 with a message and the others are graded.",
    ).tag(config=True)

    def notebooks_executed(self):
        """Whether the exporter running this preprocessor executes the notebooks (None: unknown)."""
        siblings = getattr(self.parent, "_preprocessors", None)
        if siblings is None:
            return None
        return any(isinstance(p, Execute) and p.enabled for p in siblings)

    def submitted_folder(self, resources):
        """The (staged) hand-in folder of the student that ``resources`` names."""
        info = resources["nbgrader"]
        # The converter's: the staging exporter points its submitted_directory at the staged hand-ins.
        coursedir = course_directory(self)
        return coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])

    def _layout(self, db_url, assignment_id):
        """:func:`_assignment_layout`, read once per run: kept on the exporter, which lives as long as the run."""
        owner = self.parent if self.parent is not None else self
        layouts = owner.__dict__.setdefault("_rn_layouts", {})
        if (db_url, assignment_id) not in layouts:
            layouts[(db_url, assignment_id)] = _assignment_layout(db_url, assignment_id)
        return layouts[(db_url, assignment_id)]

    def report_future(self, resources, folder=None):
        """Start (or find) the grading of a student's submission (this one's staged folder by default)."""
        info = resources["nbgrader"]
        notebooks, names = self._layout(info["db_url"], info["assignment"])
        folder = folder or self.submitted_folder(resources)
        budgets = (self.student_budget, self.function_budget)
        key = (_submission_key(folder, notebooks), tuple(names), self.seed, budgets)
        log, seed = self.log, self.seed

        def compute():
            log.info("Grading %s out of the kernel (%d graders, %g s at most)", folder, len(names), budgets[0])
            return _grade_folder(folder, notebooks, names, seed, budgets)

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
        phases.mark("graders", phases.notebook_of(resources))
        try:
            report = self.report_future(resources).result()
        finally:
            phases.mark("nbgrader")
        for cell, spec in cells:
            grade_id = cell.metadata.nbgrader["grade_id"]
            result = report["functions"].get(spec.name)
            if result is None or float(result["max_score"]) != float(cell.metadata.nbgrader["points"]):
                raise GraderMismatch(f"no trusted result of {cell.metadata.nbgrader['points']} point(s) for {grade_id}")
            cell.outputs = self._outputs(cell, spec.name, result, report["seed"], self.provenance, self.notebooks_executed())
        # For SaveResults, once nbgrader has saved the grades: what each grade rests on.
        resources[RESULTS_KEY] = results_table.rows_for(report, resources["nbgrader"]["notebook"], [s.name for _, s in cells])
        return nb, resources

    @staticmethod
    def _outputs(cell, name, result, seed, provenance="", executed=None):
        score, points = float(result["score"]), float(result["max_score"])
        lines = [f"Correction automatique de {name} : {score:g} / {points:g} point(s)"]
        lines += [f"  - {message}" for message in result["feedback"]]
        stamp = f" ; empreinte de la correction : {provenance}" if provenance else ""
        lines.append(f"(correcteurs exécutés hors du notebook ; graine des entrées aléatoires : {seed}{stamp})")
        if executed is False:
            lines.append("(notebook non exécuté pour cette correction : la note vient des seuls correcteurs, elle n'en dépend pas)")
        # The feedback page's grade table reads the verdict here (FeedbackSummary):
        # the grader's summary line, without the function's name it starts with.
        summary = result["feedback"][0] if result["feedback"] else ""
        verdict = summary[len(f"{name} : ") :] if summary.startswith(f"{name} : ") else summary
        return [
            nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
            # determine_grade reads float(text/plain): the grade, nothing else.
            nbformat.v4.new_output(
                "execute_result",
                data={"text/plain": repr(score)},
                metadata={RECORD_KEY: {"function": name, "verdict": verdict}},
                execution_count=cell.get("execution_count"),
            ),
        ]
