"""The exporter of ``nbgrader autograde``: nbgrader reads only staged copies of the hand-ins."""

from __future__ import annotations

import atexit
import glob
import os
import re
import shutil
import tempfile
from pathlib import Path

from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import ExecutePreprocessor
from nbgrader.converters import Autograde
from nbgrader.preprocessors import ClearOutput
from traitlets import Bool, Integer
from traitlets.utils.importstring import import_item

from . import staging, student_ids
from .trusted_grades import TrustedGrades

__all__ = ["DEFAULT_LAYOUT", "StagingNotebookExporter"]

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
    every hand-in listed in ``parent.assignments`` (:mod:`.staging`:
    no link followed, only small regular files read, each notebook rebuilt as
    the released notebook plus the student's answers, ``timestamp.txt`` kept
    only if it is a date) into a private folder, then points
    ``parent.coursedir.submitted_directory`` there and lists the staged
    notebooks in ``parent.assignments``. Construction is the hook because the
    exporter is the one configurable object nbgrader builds after listing the
    hand-ins (``init_notebooks``) and before opening any of them: the
    timestamps, the copy of extra files, the missing-notebook check and the
    sanitize step all read the staged folder. What was left out is logged as
    warnings and written to ``logs/<assignment>/anomalies.txt``.

    When no notebook will be run, the staged notebooks keep the outputs the
    student handed in (``handed_in_outputs``, :mod:`.handed_in_outputs`), and
    the sanitizing step keeps them (its ``ClearOutput`` is left out for the
    run); the autograde step cleans them (``LimitOutput``, ``SafeOutputs``).

    A hand-in whose student id is outside the safe set
    (:mod:`.student_ids`) is not staged: nbgrader never opens it, it keeps
    no gradebook row, the folder in ``submitted/`` is left untouched, and the
    report and the log say why, the id printed escaped.

    While nbgrader sanitizes a student's notebook, this exporter also starts
    the trusted grading of that student, and of the next ``lookahead`` ones,
    in the background (:class:`TrustedGrades` picks the reports up), so that
    grading overlaps the kernels; unless ``TrustedGrades.beside_kernels`` is
    off: then each student's graders start after its first graded notebook ran.
    """

    lookahead = Integer(1, help="Students graded ahead of the one whose kernel runs.").tag(config=True)
    handed_in_outputs = Bool(
        True,
        help="When no notebook is run (no executing preprocessor enabled, the class command's --no-execute), keep the "
        "outputs the student handed in, labelled as not run again; SafeOutputs cleans them as it cleans a kernel's.",
    ).tag(config=True)

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
        # DOTALL: an id may hold a newline, which nbgrader's own pattern cannot match.
        pattern = re.compile(converter._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)", escape=True), re.DOTALL)

        def parse(folder):
            found = pattern.fullmatch(folder)
            if found is None:
                raise ValueError(f"hand-in folder {student_ids.shown(folder)} does not match {pattern.pattern!r}")
            return found["student_id"], found["assignment_id"]

        handins, refused = [], []  # (student, assignment), (anomaly, assignment)
        for folder in sorted(converter.assignments):
            student, assignment = parse(folder)
            message = student_ids.refusal_message(student)
            if message:
                refused.append((staging.Anomaly(student, "-", message), assignment))
            else:
                handins.append((student, assignment))
        # Folders nbgrader's own listing dropped: a glob character in the id makes its
        # notebook glob match nothing (a warning, no row). Refused here by name, as above.
        listed = glob.glob(converter._format_source(coursedir.assignment_id, coursedir.student_id))
        for folder in sorted(set(listed) - set(converter.assignments)):
            student, assignment = parse(folder)
            message = student_ids.refusal_message(student)
            if message and os.path.isdir(folder):
                refused.append((staging.Anomaly(student, "-", message), assignment))
        for anomaly, _ in refused:
            self.log.warning("Student id %s refused, its hand-in is left as it is: %s",
                             student_ids.shown(anomaly.student), student_ids.refusal(anomaly.student))
        submitted = os.path.normpath(coursedir.format_path(coursedir.submitted_directory, ".", "."))
        release = os.path.normpath(coursedir.format_path(coursedir.release_directory, ".", "."))
        root = _private_root()
        keep = self.handed_in_outputs and not self._notebooks_run(converter)
        reports = {}  # assignment -> (anomalies, students, staged, refused)
        for assignment in sorted({a for _, a in handins} | {a for _, a in refused}):
            mine = [h for h in handins if h[1] == assignment]
            theirs = [anomaly for anomaly, a in refused if a == assignment]
            found = staging.stage(submitted, release, mine, root, keep_outputs=keep) + theirs
            reports[assignment] = (found, {s for s, _ in mine} | {a.student for a in theirs}, len(mine), len(theirs))
            self.anomalies += found
        # Absolute, so format_path ignores the course root; nbgrader reads nothing else from now on.
        original = coursedir.submitted_directory, converter.sanitize_preprocessors
        coursedir.submitted_directory = root
        if keep:  # the staged notebooks hold only the outputs kept: the sanitizing must not clear them
            converter.sanitize_preprocessors = [p for p in original[1] if self._class(p) is not ClearOutput]
        self._undo_after_run(converter, original, root)
        assignments = {}
        for student, assignment in handins:
            folder = coursedir.format_path(coursedir.submitted_directory, student, assignment)
            assignments[folder] = sorted(str(p) for p in Path(folder).glob("*.ipynb"))
        converter.assignments = assignments
        self.staged_folders = sorted(assignments)
        for anomaly in self.anomalies:
            self.log.warning("Hand-in of %s, %s: %s", student_ids.shown(anomaly.student), anomaly.notebook, anomaly.message)
        for assignment, (found, students, staged, not_staged) in reports.items():
            report = staging.write_report(staging.report_folder(coursedir.root, assignment), found, students)
            self.log.info("Staged %d hand-in(s) of %s in %s, %d refused; %d anomaly(ies) in %s",
                          staged, assignment, root, not_staged, len(found), report)

    @staticmethod
    def _class(preprocessor):
        return import_item(preprocessor) if isinstance(preprocessor, str) else preprocessor

    def _notebooks_run(self, converter):
        """Whether an enabled preprocessor of the autograde step executes the notebooks."""
        for preprocessor in converter.autograde_preprocessors:
            cls = self._class(preprocessor)
            if isinstance(cls, type) and issubclass(cls, ExecutePreprocessor) and cls(parent=self).enabled:
                return True
        return False

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
                converter.coursedir.submitted_directory, converter.sanitize_preprocessors = original
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
        if not trusted.beside_kernels:
            return
        trusted.report_future(resources)
        mine = trusted.submitted_folder(resources)
        for folder in [f for f in self.staged_folders if f > mine][: self.lookahead]:
            trusted.report_future(resources, folder)
