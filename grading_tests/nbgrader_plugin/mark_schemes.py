"""The autograde step that puts each written answer's mark scheme back, for the formgrader.

A written answer (a manually graded markdown answer, ``q_*``) ends with its
rubric between ``BEGIN MARK SCHEME`` / ``END MARK SCHEME``. nbgrader's
``SaveCells`` stores the answer cell with that region (it runs before
``ClearMarkScheme``), and ``ClearMarkScheme`` removes it from the release
(``ClearMarkScheme.enforce_metadata = False`` lets it do so outside a task
cell). Without this step the formgrader would show the student's answer
without its rubric, and nbgrader would take an untouched answer for a
response, since its checksum is that of the stored cell, rubric included.

:class:`MarkSchemes` runs after the kernel, so the kernel never holds the
rubric: it appends the stored region to the student's answer. An untouched
answer then becomes exactly the stored cell, its checksum matches, and
nbgrader records 0 points with nothing to grade by hand; any other answer
needs a manual grade, with its rubric shown beneath it. The feedback pages
drop the region again (:class:`.FeedbackHygiene`).
"""

from __future__ import annotations

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["MarkSchemes", "BEGIN_MARK_SCHEME", "END_MARK_SCHEME", "TAIL_KEY", "mark_scheme_tail"]

BEGIN_MARK_SCHEME = "BEGIN MARK SCHEME"
END_MARK_SCHEME = "END MARK SCHEME"
# Cell metadata MarkSchemes writes on an answer it extended: {"caracteres": length of
# the appended rubric}. The formgrader shows that many last characters apart from the
# student's text (a student's unclosed tag or comment cannot swallow the rubric, nor
# can a student's text pass for it). Staging drops every metadata key a hand-in brings.
TAIL_KEY = "bareme_cours"


def mark_scheme_tail(stored):
    """The end of ``stored`` that ``ClearMarkScheme`` removes: from the newline before
    the BEGIN line to the END line, when that region closes the cell; else ``""``."""
    lines = stored.split("\n")
    begins = [i for i, line in enumerate(lines) if BEGIN_MARK_SCHEME in line]
    ends = [i for i, line in enumerate(lines) if END_MARK_SCHEME in line]
    if len(begins) != 1 or ends != [len(lines) - 1] or begins[0] > ends[0]:
        return ""
    kept = "\n".join(lines[: begins[0]])  # what ClearMarkScheme leaves in the release
    return stored[len(kept) :]


class MarkSchemes(NbGraderPreprocessor):
    """Append the gradebook's mark scheme to every written answer of the notebook."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self._stored = {}
        with Gradebook(info["db_url"]) as gb:
            try:
                notebook = gb.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return nb, resources
            for cell in notebook.source_cells:
                self._stored[cell.name] = cell.source or ""
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and utils.is_grade(cell) and utils.is_solution(cell):
            tail = mark_scheme_tail(self._stored.get(cell.metadata.nbgrader.get("grade_id"), ""))
            if tail:
                cell.source = cell.source + tail
                cell.metadata[TAIL_KEY] = {"caracteres": len(tail)}
        return cell, resources
