"""Save the graders' structured results beside the grades nbgrader has just saved."""

from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from . import results_table
from .trusted_grades import RESULTS_KEY

__all__ = ["SaveResults"]


class SaveResults(NbGraderPreprocessor):
    """Write what :class:`.TrustedGrades` graded in this notebook into the results table (:mod:`.results_table`).

    Comes right after nbgrader's ``SaveAutoGrades``, in nbgrader's own process
    (trusted, as the grades are): the notebook's rows of the student replace
    those of an earlier grading. In the class command this is the worker's
    private gradebook, which the driver then copies with the grades.
    """

    def preprocess(self, nb, resources):
        rows = resources.get(RESULTS_KEY)
        if rows is None:  # a notebook without a graded code cell
            return nb, resources
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            connection = gb.db.connection()
            results_table.ensure(connection)
            results_table.replace(connection, info["assignment"], info["student"], rows, notebook=info["notebook"])
            gb.db.commit()
        return nb, resources
